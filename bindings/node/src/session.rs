//! `Session`: a client's token that renews itself (the core's renewal engine), with its events,
//! and a CometChat-style login.
//!
//! `npm/tokensmith/session.js` is the public class: it wraps the `authCallback` (see
//! `provider.rs`), keeps the listeners and maps errors, attaching the JS error a callback threw
//! as the `cause` of a `ProviderError` (found through the `causeId` this file adds to the error
//! details). Events reach JS through one weak threadsafe function, in the order the engine
//! emitted them, a call's own events before its result. Nothing here keeps Node alive: renewal
//! timers run on napi's tokio runtime and every threadsafe function is weak.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use napi::bindgen_prelude::{FnArgs, Function, PromiseRaw};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::{Env, Result, Status};
use napi_derive::napi;
use serde_json::{Value, json};
use tokensmith::Error;
use tokensmith::session::{self as core, Credential, SessionEvent};
use tokio::task::AbortHandle;

use crate::convert::to_value;
use crate::errors::to_js;
use crate::provider::{Callbacks, JsFunction};
use crate::session_options::{self as options, AuthInput, LoginInput, SessionSettings, SessionTokenParams};

/// The token a session holds. Times are ms since the epoch, on the server's clock.
#[napi(object)]
pub struct SessionToken {
    pub token: String,
    pub expires: Option<f64>,
    pub issued: Option<f64>,
    pub client_id: Option<String>,
    #[napi(ts_type = "'ably-jwt' | 'ably-token' | 'agora-accesstoken2' | 'auth-token' | 'unknown'")]
    pub format: String,
}

impl From<&Credential> for SessionToken {
    fn from(c: &Credential) -> Self {
        SessionToken {
            token: c.token().to_owned(),
            expires: c.expires_ms.map(|t| t as f64),
            issued: c.issued_ms.map(|t| t as f64),
            client_id: c.client_id.clone(),
            format: c.format.as_str().to_owned(),
        }
    }
}

/// Host errors (their JS-side ids) by the provider error they became, newest last: a failed
/// call answers the error of the renewal that just failed, so a few are enough.
#[derive(Default)]
pub struct Causes(Mutex<VecDeque<(Error, f64)>>);

const CAUSES_KEPT: usize = 16;

impl Causes {
    pub fn record(&self, error: Error, id: f64) {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if all.len() == CAUSES_KEPT {
            all.pop_front();
        }
        all.push_back((error, id));
    }

    fn find(&self, e: &Error) -> Option<f64> {
        let all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        all.iter().rev().find(|(made, _)| made == e || e.cause() == Some(made)).map(|(_, id)| *id)
    }

    /// The JS error for `e`, its details naming the JS error behind it, if any.
    fn to_js(&self, e: Error) -> napi::Error {
        let id = self.find(&e);
        let mut err = to_js(e);
        if let (Some(id), Some(cause)) = (id, err.cause.as_mut())
            && let Ok(Value::Object(mut d)) = serde_json::from_str::<Value>(&cause.reason)
        {
            d.insert("causeId".into(), json!(id));
            cause.reason = Value::Object(d).to_string();
        }
        err
    }
}

type EventArgs = (String, Value, Option<napi::Error>);
/// `emit(name, payload, error?)` in `session.js`.
type EmitFn = ThreadsafeFunction<EventArgs, (), FnArgs<EventArgs>, Status, false, true>;

/// An event as `(name, payload, error)`; times in ms on the server's clock.
fn event(e: SessionEvent, causes: &Causes) -> EventArgs {
    let name = e.name();
    let (payload, error) = match e {
        SessionEvent::TokenWillExpire { generation, expires_ms } => {
            (json!({ "generation": generation, "expires": expires_ms }), None)
        }
        SessionEvent::Renewed { generation, reason, issued_ms, expires_ms, format, renew_at_ms } => (
            json!({
                "generation": generation,
                "reason": reason.as_str(),
                "issued": issued_ms,
                "expires": expires_ms,
                "format": format.as_str(),
                "renewAt": renew_at_ms,
            }),
            None,
        ),
        SessionEvent::TokenExpired { generation, expired_at_ms } => {
            (json!({ "generation": generation, "expiredAt": expired_at_ms }), None)
        }
        SessionEvent::RenewFailed { attempt, error, retry_in_ms, terminal } => {
            (json!({ "attempt": attempt, "retryIn": retry_in_ms, "terminal": terminal }), Some(causes.to_js(error)))
        }
        SessionEvent::LoggedOut { reason } => (json!({ "reason": reason.as_str() }), None),
    };
    (name.to_owned(), payload, error)
}

/// The task that hands the engine's events to JS, in order, until the session closes or goes
/// away. [`flush`](Self::flush) waits until every event emitted so far has reached the listeners,
/// so a call's own events come before its result (and before a script that only awaited that
/// result exits: the event function is weak).
#[derive(Clone)]
struct Forwarder {
    flusher: core::Flusher,
    task: AbortHandle,
}

impl Forwarder {
    fn start(session: &core::Session, emit: EmitFn, causes: Arc<Causes>) -> Forwarder {
        let emit = Arc::new(emit);
        let (flusher, task) = core::forward_events(session, move |e| {
            let (emit, args) = (emit.clone(), event(e, &causes));
            // False once JS is gone: the task ends.
            async move { !matches!(emit.call_async_catch(args).await, Err(e) if e.status == Status::Closing) }
        });
        Forwarder { flusher, task: napi::bindgen_prelude::spawn(task).abort_handle() }
    }

    /// Returns once the events emitted so far were handed to JS (at once if the task ended).
    async fn flush(&self) {
        self.flusher.flush().await;
    }

    fn stop(&self) {
        self.task.abort();
    }
}

/// The native half of `Session` (see `session.js`, the public class).
#[napi]
pub struct NativeSession {
    session: core::Session,
    settings: SessionSettings,
    callbacks: Arc<Callbacks>,
    causes: Arc<Causes>,
    events: Forwarder,
}

impl Drop for NativeSession {
    fn drop(&mut self) {
        self.session.close();
        self.events.stop();
        self.callbacks.release_all();
    }
}

#[napi]
impl NativeSession {
    /// `session.js` passes the options, the wrapped `authCallback` and its `emit`.
    #[napi(
        constructor,
        ts_args_type = "auth: AuthInput, tokenParams: SessionTokenParams | undefined | null, settings: SessionSettings, authCallback: ((tokenParams: object) => Promise<object>) | undefined | null, emit: (name: string, payload: object, error?: Error | null) => void"
    )]
    pub fn new(
        auth: AuthInput,
        token_params: Option<SessionTokenParams>,
        settings: SessionSettings,
        auth_callback: Option<JsFunction<'_>>,
        emit: Function<'_, FnArgs<EventArgs>, ()>,
    ) -> Result<Self> {
        let (callbacks, causes) = (Arc::new(Callbacks::default()), Arc::new(Causes::default()));
        let config = options::config(&settings)?;
        let opts = options::options(auth, token_params, &settings, auth_callback.as_ref(), (&callbacks, &causes))?;
        let emit: EmitFn = emit
            .build_threadsafe_function::<EventArgs>()
            .callee_handled::<false>()
            .weak::<true>()
            .build_callback(|ctx| Ok(FnArgs::from(ctx.value)))?;
        let runtime = napi::bindgen_prelude::within_runtime_if_available(tokio::runtime::Handle::current);
        let builder = core::Session::options_builder(opts).map_err(to_js)?;
        let session = builder.config(config).runtime(runtime).start().map_err(to_js)?;
        let events = Forwarder::start(&session, emit, causes.clone());
        Ok(NativeSession { session, settings, callbacks, causes, events })
    }

    /// A valid token: the held one, or a fresh one shared with every concurrent caller.
    #[napi]
    pub async fn token(&self) -> Result<SessionToken> {
        let c = self.session.token().await;
        self.events.flush().await;
        Ok(SessionToken::from(&*c.map_err(|e| self.causes.to_js(e))?))
    }

    /// The held token, without fetching or checking expiry.
    #[napi]
    pub fn current(&self) -> Option<SessionToken> {
        self.session.current().map(|c| SessionToken::from(&*c))
    }

    /// Ably's `authorize(tokenParams, authOptions)`: a new token now; what is given becomes the
    /// default for later renewals. Arguments are checked before the Promise exists.
    #[napi(
        ts_args_type = "tokenParams?: SessionTokenParams | undefined | null, auth?: AuthInput | undefined | null, authCallback?: ((tokenParams: object) => Promise<object>) | undefined | null",
        ts_return_type = "Promise<SessionToken>"
    )]
    pub fn authorize<'env>(
        &self,
        env: &'env Env,
        token_params: Option<SessionTokenParams>,
        auth: Option<AuthInput>,
        auth_callback: Option<JsFunction<'_>>,
    ) -> Result<PromiseRaw<'env, SessionToken>> {
        let params = options::token_params(token_params)?;
        let hosts = (&*self.callbacks, &self.causes);
        let auth = match (auth, &auth_callback) {
            (None, Some(_)) => Some(AuthInput::default()),
            (auth, _) => auth,
        };
        let means = match auth {
            None => None,
            Some(a) => match options::auth(a, auth_callback.as_ref(), self.settings.app_id.as_deref(), hosts)? {
                (means, None) => means,
                (_, Some(_)) => {
                    let why = "authorize takes a token or a means to get tokens, not both";
                    return Err(options::invalid("auth", why));
                }
            },
        };
        let (session, causes, events) = (self.session.clone(), self.causes.clone(), self.events.clone());
        env.spawn_future(async move {
            let c = session.authorize(params, means).await;
            events.flush().await;
            Ok(SessionToken::from(&*c.map_err(|e| causes.to_js(e))?))
        })
    }

    /// A server refused `token` (`refused`: expired, revoked…, Ably 40140–40149; `notFound`:
    /// CometChat's unknown auth token): resolves to the token to retry with, once. The refused
    /// one is never handed out again; a session that cannot renew rejects (and logs out on
    /// `notFound`).
    #[napi(ts_args_type = "token: string, kind?: 'refused' | 'notFound' | undefined | null")]
    pub async fn recover(&self, token: String, kind: Option<String>) -> Result<SessionToken> {
        let kind = options::token_error_kind(kind.as_deref())?;
        let held = self.session.current().filter(|c| c.token() == token);
        let refused = held.map_or_else(|| Credential::infer(token), |c| (*c).clone());
        let fresh = self.session.recover(&refused, kind).await;
        self.events.flush().await;
        Ok(SessionToken::from(&*fresh.map_err(|e| self.causes.to_js(e))?))
    }

    /// CometChat's login: checks `authToken` with the service (`PUT /v3.0/me`) and holds it;
    /// resolves to the user.
    #[napi(ts_return_type = "Promise<ApiUser>")]
    pub async fn login(&self, auth_token: String, options: Option<LoginInput>) -> Result<Value> {
        let login = options::login(auth_token, options, &self.settings)?;
        let user = self.session.login(login).await;
        self.events.flush().await;
        to_value(&user.map_err(|e| self.causes.to_js(e))?)
    }

    /// The logged-in user; `null` before a login and after a logout.
    #[napi(ts_return_type = "ApiUser | null")]
    pub fn current_user(&self) -> Result<Option<Value>> {
        self.session.current_user().map(|u| to_value(&u)).transpose()
    }

    /// Ends the login: the token is dropped, `loggedOut` emitted, and the service told
    /// (`DELETE /v3.0/me`; a token it no longer knows counts as logged out).
    #[napi]
    pub async fn logout(&self) -> Result<()> {
        let done = self.session.logout().await;
        self.events.flush().await;
        done.map_err(|e| self.causes.to_js(e))
    }

    /// Stops everything: pending and later calls reject with `SessionClosedError`, no more
    /// events, and the callbacks are released.
    #[napi]
    pub fn close(&self) {
        self.session.close();
        self.events.stop();
        self.callbacks.release_all();
    }

    /// Records the server's current time (ms); expiry is then judged on the server's clock.
    #[napi]
    pub fn set_server_time(&self, server_now_ms: f64) -> Result<()> {
        self.session.set_server_time(crate::convert::whole("server_now_ms", server_now_ms)?);
        Ok(())
    }

    /// Provider fetches so far, retries included.
    #[napi(getter)]
    pub fn fetches(&self) -> f64 {
        self.session.stats().fetches as f64
    }
}
