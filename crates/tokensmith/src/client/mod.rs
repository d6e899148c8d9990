//! An async REST client for the tokensmith service, which also speaks to CometChat's hosted
//! API and to Ably's REST token endpoints (feature `client`, on by default).
//!
//! ```no_run
//! # async fn demo() -> tokensmith::Result<()> {
//! use tokensmith::client::{Client, CreateUser};
//! let admin = Client::builder("http://127.0.0.1:8080").api_key("…").app_id("my-app").build()?;
//! let alice = admin.create_user(&CreateUser { with_auth_token: true, ..CreateUser::new("alice", "Alice") }).await?;
//! let session = admin.with_auth_token(alice.auth_token.as_deref().unwrap_or_default());
//! let me = session.me().await?;
//! # Ok(()) }
//! ```
//!
//! - Routes: [`cometchat`] (users, auth tokens, `me`, push), [`ably`] (requestToken,
//!   revokeTokens, time, the `/auth/ably` authUrl), [`agora`] (token server), health checks.
//! - Base URLs: see [`Endpoints`]; `…/v3` and `…/v3.0` bases work as CometChat's hosted API has them.
//! - Retries: 429 for every call, 503, timeouts and dropped connections for idempotent ones, with
//!   jittered exponential backoff or the server's `Retry-After` (see [`RetryPolicy`]).
//! - Errors: [`Error::Remote`](crate::Error::Remote) for what a server refused (its code is the
//!   closest tokensmith code; `status()` and `server_code()` keep what the server said),
//!   `NETWORK_ERROR` and `REQUEST_TIMEOUT` for transport failures. No error, log or `Debug`
//!   output carries a key, token or secret.

pub mod ably;
pub mod agora;
mod auth_url;
pub mod cometchat;
mod http;
mod remote;
mod retry;
mod urls;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use ably::{AblyAuth, BatchResult, RevocationError, RevocationResult, TokenAsk};
pub use agora::AgoraTokenType;
pub use cometchat::{Ack, AuthToken, CreateUser, CreatedUser, Me, Page, Pagination, User};
pub use retry::{RetryPolicy, Sleeper, TokioSleeper};
pub use urls::Endpoints;

use crate::ably::Key;
use crate::clock::Context;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Default time allowed for one attempt (connect, send, whole response).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures a [`Client`].
pub struct ClientBuilder {
    endpoints: Result<Endpoints>,
    api_key: Option<Secret>,
    app_id: Option<String>,
    auth_token: Option<Secret>,
    ably_key: Option<Key>,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    ctx: Context,
    sleeper: Arc<dyn Sleeper>,
}

impl ClientBuilder {
    fn with_endpoints(endpoints: Result<Endpoints>) -> Self {
        ClientBuilder {
            endpoints,
            api_key: None,
            app_id: None,
            auth_token: None,
            ably_key: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent: concat!("tokensmith/", env!("CARGO_PKG_VERSION")).to_owned(),
            ctx: Context::system(),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Overrides the base of the client routes (`me`), version included (`…/v3.0`).
    pub fn client_api_url(mut self, url: &str) -> Self {
        self.endpoints = self.endpoints.and_then(|mut e| {
            e.client = urls::parse(url)?;
            Ok(e)
        });
        self
    }

    /// Overrides the base of the push registry (`v2/tokens`).
    pub fn push_url(mut self, url: &str) -> Self {
        self.endpoints = self.endpoints.and_then(|mut e| {
            e.push = urls::parse(url)?;
            Ok(e)
        });
        self
    }

    /// The REST API key (`apikey` header) for admin routes.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sent as the `appid` header with the API key or auth token (the tokensmith service picks
    /// the app from it; CometChat's hosted API takes the app from the host name).
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// A user's auth token (`authtoken` header) for client routes; see also [`Client::with_auth_token`].
    pub fn auth_token(mut self, token: impl Into<Secret>) -> Self {
        self.auth_token = Some(token.into());
        self
    }

    /// The Ably key for Basic-auth calls (`requestToken` with TokenParams, `revokeTokens`).
    pub fn ably_key(mut self, key: Key) -> Self {
        self.ably_key = Some(key);
        self
    }

    /// Time allowed for one attempt (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Default `tokensmith/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Clock (HTTP-date `Retry-After`) and randomness (backoff jitter). Default: the system's.
    pub fn context(mut self, ctx: Context) -> Self {
        self.ctx = ctx;
        self
    }

    /// How waits between attempts are taken (default: tokio's timer).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    pub fn build(self) -> Result<Client> {
        let endpoints = self.endpoints?;
        if self.timeout.is_zero() {
            return Err(Error::invalid("timeout", "must be more than 0"));
        }
        let http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.timeout)
            .build()
            .map_err(|e| Error::HttpError(format!("cannot set up HTTP: {}", e.without_url())))?;
        let inner = Inner {
            http,
            endpoints,
            api_key: self.api_key,
            app_id: self.app_id,
            ably_key: self.ably_key,
            timeout: self.timeout,
            retry: self.retry,
            ctx: self.ctx,
            sleeper: self.sleeper,
        };
        Ok(Client { inner: Arc::new(inner), auth_token: self.auth_token })
    }
}

struct Inner {
    http: reqwest::Client,
    endpoints: Endpoints,
    api_key: Option<Secret>,
    app_id: Option<String>,
    ably_key: Option<Key>,
    timeout: Duration,
    retry: RetryPolicy,
    ctx: Context,
    sleeper: Arc<dyn Sleeper>,
}

/// The REST client. Cheap to clone; [`with_auth_token`](Self::with_auth_token) makes a client
/// for one user that shares the connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    auth_token: Option<Secret>,
}

impl Client {
    /// A client for the service at `base_url` (`http://127.0.0.1:8080`, or CometChat's
    /// `https://{appId}.api-{region}.cometchat.io/v3`). A bad URL is reported by `build`.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::with_endpoints(Endpoints::from_base(base_url))
    }

    /// A client for CometChat's hosted API of `app_id` in `region` (`us`, `eu`, `in`).
    pub fn cometchat(app_id: &str, region: &str) -> ClientBuilder {
        ClientBuilder::with_endpoints(Endpoints::cometchat(app_id, region))
    }

    /// The same client acting for the user of `auth_token` on client routes.
    pub fn with_auth_token(&self, auth_token: impl Into<Secret>) -> Client {
        Client { inner: Arc::clone(&self.inner), auth_token: Some(auth_token.into()) }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// `GET /healthz`: the service is up. Not retried.
    pub async fn healthz(&self) -> Result<()> {
        self.health("healthz").await
    }

    /// `GET /readyz`: the service can reach its store. Not retried.
    pub async fn readyz(&self) -> Result<()> {
        self.health("readyz").await
    }

    async fn health(&self, route: &str) -> Result<()> {
        let url = urls::join(&self.inner.endpoints.root, &[route])?;
        self.send(http::Call::new(reqwest::Method::GET, url, http::Credential::None).no_retry()).await.map(drop)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("endpoints", &i.endpoints)
            .field("app_id", &i.app_id)
            .field("api_key", &i.api_key)
            .field("auth_token", &self.auth_token)
            .field("ably_key", &i.ably_key)
            .field("timeout", &i.timeout)
            .field("retry", &i.retry)
            .finish_non_exhaustive()
    }
}
