//! The public handle: build a session, get tokens, run operations with one renewal and one
//! retry on a token error, subscribe to events, log out, close.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::runtime::Handle;
use tokio::sync::broadcast;
use tokio::task::AbortHandle;

use super::engine::Engine;
use super::failure::{Failure, to_error};
use super::{
    AsTokenError, AuthOptions, Credential, FetchReason, LogoutReason, Provider, ServerTime, SessionConfig,
    SessionEvent, SessionOptions, Timer, TokenErrorKind, TokioTimer, assemble, scheduler,
};
use crate::ably::TokenParams;
use crate::clock::Context;
use crate::error::{Error, Result};

/// Sets up a [`Session`]; see [`Session::builder`].
pub struct SessionBuilder {
    provider: Arc<dyn Provider>,
    config: SessionConfig,
    context: Option<Context>,
    timer: Option<Arc<dyn Timer>>,
    initial: Option<Credential>,
    runtime: Option<Handle>,
    events: broadcast::Sender<SessionEvent>,
    /// What the provider was built from, kept so `authorize` can change part of it.
    options: Option<SessionOptions>,
    server_time: Option<Arc<dyn ServerTime>>,
}

impl SessionBuilder {
    /// The renewal settings. Its `event_capacity` applies if nobody has subscribed yet.
    pub fn config(mut self, config: SessionConfig) -> Self {
        if self.events.receiver_count() == 0 {
            self.events = broadcast::channel(config.event_capacity.max(1)).0;
        }
        self.config = config;
        self
    }

    /// Clock and randomness (default: the system's).
    pub fn context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }

    /// How the session waits (default: tokio, on the context's clock).
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = Some(timer);
        self
    }

    /// A token to use before asking the provider (Ably's `token`/`tokenDetails` option).
    pub fn initial(mut self, credential: Credential) -> Self {
        self.initial = Some(credential);
        self
    }

    /// Reads the server's clock from `source` before the first fetch (unless the config gives
    /// an offset). [`Session::options_builder`] sets this from the options' REST URL.
    pub fn server_time(mut self, source: Arc<dyn ServerTime>) -> Self {
        self.server_time = Some(source);
        self
    }

    /// The runtime that runs renewals (default: the one `start` is called on).
    pub fn runtime(mut self, runtime: Handle) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Events from the very start (including the initial token's `renewed`).
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.events.subscribe()
    }

    /// Starts the session (and its background renewal task, if configured). Fetches nothing:
    /// the first [`Session::token`] does.
    pub fn start(self) -> Result<Session> {
        self.config.validate()?;
        let runtime = match self.runtime {
            Some(r) => r,
            None => Handle::try_current()
                .map_err(|_| Error::invalid("runtime", "start a session inside a tokio runtime or pass one"))?,
        };
        let context = self.context.unwrap_or_default();
        let timer = self.timer.unwrap_or_else(|| Arc::new(TokioTimer::new(context.clock.clone())));
        let background = self.config.background;
        let known_offset = self.config.server_offset_ms.is_some();
        let engine = Arc::new(Engine::new(context, timer, self.config, runtime, self.provider, self.events));
        if let Some(c) = self.initial {
            engine.install_initial(c)?;
        }
        if !known_offset {
            engine.set_time_source(self.server_time);
        }
        let scheduler = background.then(|| engine.spawn(scheduler::run(engine.clone())));
        Ok(Session { inner: Arc::new(Inner { engine, scheduler, options: Mutex::new(self.options) }) })
    }
}

/// A client's hold on a token that renews itself. Cheap to clone; when the last clone is
/// dropped the session closes and its background task ends.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<Engine>,
    scheduler: Option<AbortHandle>,
    options: Mutex<Option<SessionOptions>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.engine.close();
        if let Some(s) = &self.scheduler {
            s.abort();
        }
    }
}

/// Counters for observability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStats {
    /// Provider fetches so far, retries included.
    pub fetches: u64,
    /// Callers waiting for a renewal right now.
    pub waiting: usize,
}

impl Session {
    pub fn builder(provider: Arc<dyn Provider>) -> SessionBuilder {
        let config = SessionConfig::default();
        SessionBuilder {
            provider,
            events: broadcast::channel(config.event_capacity).0,
            config,
            context: None,
            timer: None,
            initial: None,
            runtime: None,
            options: None,
            server_time: None,
        }
    }

    /// A session as `options` describe it, with `config`; see [`SessionOptions`]. Fetches
    /// nothing yet: the first [`token`](Self::token) does.
    pub fn from_options(options: SessionOptions, config: SessionConfig) -> Result<Session> {
        Self::options_builder(options)?.config(config).start()
    }

    /// A builder for the session `options` describe, to set a clock, timer or runtime first.
    pub fn options_builder(options: SessionOptions) -> Result<SessionBuilder> {
        let provider = assemble::provider(&options)?;
        let mut builder = Session::builder(provider);
        builder.initial = options.initial.clone();
        builder.server_time = assemble::server_time(&options)?;
        builder.options = Some(options);
        Ok(builder)
    }

    /// A valid token: the held one, or a fetched one (shared with every concurrent caller).
    pub async fn token(&self) -> Result<Arc<Credential>> {
        self.engine().acquire(FetchReason::Expired).await
    }

    /// The held token, without fetching or checking expiry.
    pub fn current(&self) -> Option<Arc<Credential>> {
        self.engine().current()
    }

    /// Runs `op` with a valid token. If `op` fails with a token error, the session renews once
    /// and runs `op` once more **with the new token**; a second failure is returned as is. A
    /// session that cannot renew returns `op`'s error (and logs out on `AUTH_TOKEN_NOT_FOUND`).
    pub async fn call<T, E, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        F: FnMut(Arc<Credential>) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<Error> + AsTokenError,
    {
        let cred = self.token().await?;
        let first = op(cred.clone()).await;
        let Some(kind) = first.as_ref().err().and_then(AsTokenError::token_error) else { return first };
        let fresh = match self.recover_inner(&cred, kind).await {
            Recovery::Renewed(fresh) => fresh,
            Recovery::Failed(e) => return Err(e.into()),
            Recovery::CannotRenew => return first,
        };
        let second = op(fresh.clone()).await;
        if second.as_ref().err().and_then(AsTokenError::token_error).is_some() {
            self.engine().refuse(&fresh);
        }
        second
    }

    /// For callers that run their own requests: a server refused `cred` with a token error of
    /// `kind`. Returns the token to retry with (once). A session that cannot renew answers
    /// "no means to renew", or logs out on [`TokenErrorKind::NotFound`].
    pub async fn recover(&self, cred: &Credential, kind: TokenErrorKind) -> Result<Arc<Credential>> {
        match self.recover_inner(cred, kind).await {
            Recovery::Renewed(fresh) => Ok(fresh),
            Recovery::Failed(e) => Err(e),
            Recovery::CannotRenew if kind == TokenErrorKind::NotFound => Err(to_error(Failure::LoggedOut)),
            Recovery::CannotRenew => Err(to_error(Failure::NoRenewalMeans {
                expired_by_ms: cred.expires_ms.map(|e| self.engine().now().saturating_sub(e)),
            })),
        }
    }

    async fn recover_inner(&self, cred: &Credential, kind: TokenErrorKind) -> Recovery {
        let engine = self.engine();
        engine.refuse(cred);
        if !engine.renewable() {
            if kind == TokenErrorKind::NotFound {
                engine.logout(LogoutReason::TokenNotFound);
            }
            return Recovery::CannotRenew;
        }
        match engine.acquire(FetchReason::TokenError).await {
            Ok(fresh) => Recovery::Renewed(fresh),
            Err(e) => Recovery::Failed(e),
        }
    }

    /// Fetches a new token now, even if the held one is valid (joining a renewal already in
    /// flight). Lifts a stop after a terminal failure or a logout.
    pub async fn renew(&self) -> Result<Arc<Credential>> {
        self.engine().authorize(None).await
    }

    /// Ably's `authorize(tokenParams, authOptions)`: fetches a new token now, discarding the held
    /// one. What is given replaces the stored defaults for every later renewal: `token_params`
    /// the TokenParams, `auth` the means (a new key, authUrl, callback, static token, login…).
    /// With neither, it is [`renew`](Self::renew). Lifts a stop after a terminal failure or a
    /// logout.
    pub async fn authorize(
        &self,
        token_params: Option<TokenParams>,
        auth: Option<AuthOptions>,
    ) -> Result<Arc<Credential>> {
        if token_params.is_none() && auth.is_none() {
            return self.renew().await;
        }
        let next = {
            let stored = self.inner.options.lock().unwrap_or_else(|p| p.into_inner());
            match (stored.as_ref(), auth) {
                (Some(current), auth) => {
                    let mut next = current.clone();
                    if let Some(auth) = auth {
                        next.auth = Some(auth);
                        next.initial = None;
                    }
                    next
                }
                (None, Some(auth)) => SessionOptions::new(auth),
                (None, None) => {
                    return Err(Error::invalid(
                        "auth",
                        "this session was built from a provider: pass the auth options too",
                    ));
                }
            }
        };
        let next = match token_params {
            Some(params) => SessionOptions { token_params: params, ..next },
            None => next,
        };
        let provider = assemble::provider(&next)?;
        let time = assemble::server_time(&next)?;
        *self.inner.options.lock().unwrap_or_else(|p| p.into_inner()) = Some(next);
        let engine = self.engine();
        if engine.config.server_offset_ms.is_none() {
            engine.set_time_source(time);
        }
        engine.authorize(Some(provider)).await
    }

    /// CometChat's `login(authToken)`: checks the token with `PUT /v3.0/me` (binding the
    /// login's device metadata) and holds it from now on; answers the user. A server that no
    /// longer knows the token later ends the session (`loggedOut`).
    #[cfg(feature = "client")]
    pub async fn login(&self, login: super::CometChatLogin) -> Result<crate::client::User> {
        self.authorize(None, Some(AuthOptions::CometChat(login))).await?;
        self.current_user().ok_or(Error::AuthTokenNotFound)
    }

    /// The logged-in user of a CometChat login; `None` before a login and after a logout.
    #[cfg(feature = "client")]
    pub fn current_user(&self) -> Option<crate::client::User> {
        self.engine().live_provider().and_then(|p| p.user())
    }

    /// Ends the login: the token is dropped, `loggedOut` is emitted, every call fails with
    /// `AUTH_TOKEN_NOT_FOUND` until [`authorize`](Self::authorize) or [`login`](Self::login), and
    /// the authority is told (CometChat's `DELETE /v3.0/me`; a token it no longer knows counts
    /// as logged out). The session ends locally even if telling the server fails; that error
    /// is returned. Logging out twice tells the server once.
    pub async fn logout(&self) -> Result<()> {
        match self.engine().end_login() {
            Some((provider, current)) => provider.logout(current.as_deref()).await,
            None => Ok(()),
        }
    }

    /// Closes the session for every clone: calls fail, the background task ends.
    pub fn close(&self) {
        self.engine().close();
        if let Some(s) = &self.inner.scheduler {
            s.abort();
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.engine().subscribe()
    }

    /// Records the server's current time (e.g. from `GET /time`); expiry and renewal times are
    /// then judged on the server's clock.
    pub fn set_server_time(&self, server_now_ms: u64) {
        let local = self.engine().local.now_ms();
        let offset = i128::from(server_now_ms) - i128::from(local);
        self.set_server_offset(offset.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64);
    }

    /// Server time minus local time, in ms.
    pub fn set_server_offset(&self, offset_ms: i64) {
        self.engine().set_server_offset(offset_ms);
    }

    pub fn server_offset_ms(&self) -> i64 {
        self.engine().server_clock.offset_ms()
    }

    /// The server time of the next proactive renewal, if one is planned.
    pub fn next_renewal_ms(&self) -> Option<u64> {
        self.engine().next_renewal()
    }

    pub fn stats(&self) -> SessionStats {
        let e = self.engine();
        SessionStats { fetches: e.fetches(), waiting: e.waiting() }
    }

    fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
    }
}

enum Recovery {
    Renewed(Arc<Credential>),
    Failed(Error),
    CannotRenew,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("current", &self.current()).field("stats", &self.stats()).finish()
    }
}
