//! How a session gets its tokens, as plain data: the Node and Python bindings only convert
//! their option objects into these types and call [`Session::from_options`](super::Session::from_options).
//!
//! One [`AuthOptions`] names the means (Ably key, authUrl, callback, static token, Agora token
//! server, CometChat login); [`SessionOptions`] adds the Ably TokenParams defaults, where
//! TokenRequests are exchanged and the server's clock is read, and a token to start with.
//! [`Session::authorize`](super::Session::authorize) takes the same types later; what it is
//! given becomes the default for every later renewal (Ably RSA10).

use std::fmt;
use std::sync::Arc;

use super::providers::AuthCallbackResult;
use super::{Credential, FetchError, FetchParams, Provider};
use crate::ably::TokenParams;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::store::TokenMeta;

/// Default time allowed for each HTTP request a provider makes.
pub const DEFAULT_HTTP_TIMEOUT_MS: u64 = 10_000;

/// Everything a session is built from (see [`Session::from_options`](super::Session::from_options)).
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// The means of getting tokens. `None`: none yet; calls fail with `NO_RENEWAL_MEANS` until
    /// [`authorize`](super::Session::authorize) or [`login`](super::Session::login) gives one.
    pub auth: Option<AuthOptions>,
    /// Ably TokenParams (`ttl`, `capability`, `clientId`) sent with every fetch by the Ably
    /// means (key, authUrl, callback). `timestamp` and `nonce` are never kept (RSA10g).
    pub token_params: TokenParams,
    /// The service (or Ably REST host) where a TokenRequest is exchanged
    /// (`POST /keys/{keyName}/requestToken`) and the clock is read (`GET /time`). Default: the
    /// authUrl's origin for [`AuthOptions::AuthUrl`]; none otherwise.
    pub rest_url: Option<String>,
    /// Read the server's clock from `GET {rest_url}/time` before the first fetch, so expiry and
    /// renewal are judged on it (default true; ignored without a REST URL or if `/time` fails).
    pub query_time: bool,
    /// A token to use before the first fetch (Ably's `token` / `tokenDetails`); the means in
    /// `auth` renews it.
    pub initial: Option<Credential>,
    /// Time allowed for each HTTP request of the providers (default 10 s).
    pub http_timeout_ms: u64,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            auth: None,
            token_params: TokenParams::default(),
            rest_url: None,
            query_time: true,
            initial: None,
            http_timeout_ms: DEFAULT_HTTP_TIMEOUT_MS,
        }
    }
}

impl SessionOptions {
    pub fn new(auth: AuthOptions) -> Self {
        SessionOptions { auth: Some(auth), ..SessionOptions::default() }
    }

    pub fn with_token_params(mut self, params: TokenParams) -> Self {
        self.token_params = params;
        self
    }

    pub fn with_rest_url(mut self, url: impl Into<String>) -> Self {
        self.rest_url = Some(url.into());
        self
    }
}

/// One means of getting tokens.
#[derive(Clone)]
pub enum AuthOptions {
    /// An Ably key (`keyName:keySecret`) held by the client: every fetch signs a fresh Ably JWT
    /// locally, on the server's clock. No round trip.
    Key { key: Secret },
    /// An Ably `authUrl`: TokenDetails, a TokenRequest (then exchanged) or a token string.
    AuthUrl(AuthUrl),
    /// User code (an Ably `authCallback`, an Agora token fetch…): called with the TokenParams on
    /// every fetch. The bindings wrap JS and Python functions as this.
    Callback(Arc<dyn AuthCallback>),
    /// Any [`Provider`] (Rust code that produces [`Credential`]s itself).
    Provider(Arc<dyn Provider>),
    /// A token given once, never renewed (Ably's `token` alone): once it expires or a server
    /// refuses it, calls fail with `NO_RENEWAL_MEANS`.
    Token(Credential),
    /// An Agora token server (`POST /generate-user-token`), fetched at start and renewed before
    /// expiry (Agora's `onTokenWillExpire` flow).
    AgoraTokenServer(AgoraTokenServer),
    /// A CometChat-style login: the auth token is checked with `PUT /v3.0/me` and held until a
    /// server no longer knows it (then the session logs out) or [`logout`](super::Session::logout).
    CometChat(CometChatLogin),
}

impl AuthOptions {
    /// An Ably key, `keyName:keySecret`.
    pub fn key(key: impl Into<Secret>) -> Self {
        AuthOptions::Key { key: key.into() }
    }

    pub fn callback(callback: impl AuthCallback + 'static) -> Self {
        AuthOptions::Callback(Arc::new(callback))
    }

    /// The option's name in the JS and Python APIs.
    pub fn kind(&self) -> &'static str {
        match self {
            AuthOptions::Key { .. } => "key",
            AuthOptions::AuthUrl(_) => "authUrl",
            AuthOptions::Callback(_) => "authCallback",
            AuthOptions::Provider(_) => "provider",
            AuthOptions::Token(_) => "token",
            AuthOptions::AgoraTokenServer(_) => "agoraTokenServer",
            AuthOptions::CometChat(_) => "cometchat",
        }
    }
}

impl fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthOptions::Key { key } => {
                let name = key.expose().split_once(':').map_or("?", |(name, _)| name);
                f.debug_struct("Key").field("name", &name).finish_non_exhaustive()
            }
            AuthOptions::AuthUrl(u) => u.fmt(f),
            AuthOptions::Callback(_) => f.write_str("Callback(..)"),
            AuthOptions::Provider(_) => f.write_str("Provider(..)"),
            AuthOptions::Token(c) => f.debug_tuple("Token").field(c).finish(),
            AuthOptions::AgoraTokenServer(a) => a.fmt(f),
            AuthOptions::CometChat(c) => c.fmt(f),
        }
    }
}

/// How an authUrl is called (Ably's `authMethod`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthMethod {
    /// Parameters in the query string, merged over the URL's own (default).
    #[default]
    Get,
    /// Parameters as an `application/x-www-form-urlencoded` body, as ably-js sends them.
    Post,
    /// Parameters as a JSON object of strings.
    PostJson,
}

impl AuthMethod {
    /// `GET`, `POST` (form) or `POST+JSON`; case-insensitive, as bindings receive it.
    pub fn parse(text: &str) -> Result<Self> {
        match text.to_ascii_uppercase().as_str() {
            "GET" => Ok(AuthMethod::Get),
            "POST" => Ok(AuthMethod::Post),
            "POST+JSON" | "POST_JSON" | "JSON" => Ok(AuthMethod::PostJson),
            _ => Err(Error::invalid("auth_method", "must be GET, POST or POST+JSON")),
        }
    }
}

/// Ably's `authUrl` with `authMethod`, `authHeaders` and `authParams`. Header and parameter
/// values can be credentials: `Debug` shows their names only.
#[derive(Clone, Default)]
pub struct AuthUrl {
    pub url: String,
    pub method: AuthMethod,
    /// Sent with every request (e.g. `authtoken` for the tokensmith service's `/auth/ably`).
    pub headers: Vec<(String, Secret)>,
    /// Sent with every request, under the TokenParams (which win on a name clash).
    pub params: Vec<(String, Secret)>,
}

impl AuthUrl {
    pub fn new(url: impl Into<String>) -> Self {
        AuthUrl { url: url.into(), ..AuthUrl::default() }
    }

    pub fn method(mut self, method: AuthMethod) -> Self {
        self.method = method;
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn param(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }
}

impl fmt::Debug for AuthUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |v: &[(String, Secret)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        f.debug_struct("AuthUrl")
            .field("url", &redacted_url(&self.url))
            .field("method", &self.method)
            .field("headers", &names(&self.headers))
            .field("params", &names(&self.params))
            .finish()
    }
}

/// A URL without its query string (which may carry a credential).
fn redacted_url(url: &str) -> &str {
    url.split_once('?').map_or(url, |(base, _)| base)
}

/// What the Agora token server is shown.
#[derive(Clone)]
pub enum AgoraCredential {
    /// A REST API key (`apikey` header).
    ApiKey(Secret),
    /// The user's own auth token (`authtoken` header); the server mints only for its user.
    AuthToken(Secret),
}

/// An Agora chat token server (`POST {base_url}/generate-user-token {user_uuid, expire}`).
#[derive(Clone)]
pub struct AgoraTokenServer {
    pub base_url: String,
    pub credential: AgoraCredential,
    /// Sent as the `appid` header (the tokensmith service picks the app from it).
    pub app_id: Option<String>,
    pub user_uuid: String,
    /// Token lifetime asked for, in seconds (at most 86400).
    pub expire: u32,
}

impl fmt::Debug for AgoraTokenServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credential = match self.credential {
            AgoraCredential::ApiKey(_) => "apiKey(***)",
            AgoraCredential::AuthToken(_) => "authToken(***)",
        };
        f.debug_struct("AgoraTokenServer")
            .field("base_url", &self.base_url)
            .field("credential", &credential)
            .field("app_id", &self.app_id)
            .field("user_uuid", &self.user_uuid)
            .field("expire", &self.expire)
            .finish()
    }
}

/// A CometChat-style login with a user's auth token.
#[derive(Clone)]
pub struct CometChatLogin {
    /// The service (`http://127.0.0.1:8080`) or CometChat's `https://{appId}.api-{region}.cometchat.io/v3`.
    pub base_url: String,
    /// Sent as the `appid` header.
    pub app_id: Option<String>,
    pub auth_token: Secret,
    /// Bound to the token at login (platform, deviceId, appInfo, userAgent).
    pub meta: TokenMeta,
}

impl CometChatLogin {
    pub fn new(base_url: impl Into<String>, auth_token: impl Into<Secret>) -> Self {
        CometChatLogin {
            base_url: base_url.into(),
            app_id: None,
            auth_token: auth_token.into(),
            meta: TokenMeta::default(),
        }
    }

    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }
}

impl fmt::Debug for CometChatLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CometChatLogin")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field("auth_token", &self.auth_token)
            .field("meta", &self.meta)
            .finish()
    }
}

/// User code that answers an Ably `authCallback`: TokenDetails, a signed TokenRequest (the
/// session exchanges it at `rest_url`) or a token string, as an [`AuthCallbackResult`]
/// (bindings convert with [`AuthCallbackResult::from_json`] / [`from_token`](AuthCallbackResult::from_token)).
///
/// Called once per fetch, never concurrently for one session. A failure says whether trying
/// again may help ([`FetchError::retryable`] / [`FetchError::terminal`]); either way the caller
/// sees `PROVIDER_ERROR` with it as the cause.
#[async_trait::async_trait]
pub trait AuthCallback: Send + Sync {
    async fn call(&self, params: &TokenParams, fetch: &FetchParams) -> Result<AuthCallbackResult, FetchError>;
}
