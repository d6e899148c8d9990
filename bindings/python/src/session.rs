//! `NativeSession`: the core's renewing session for `tokensmith.Session` (sync) and
//! `tokensmith.AsyncSession` (asyncio), on the process's one runtime (see `runtime.rs`).
//!
//! Calls that wait return a `Call` (`.wait()` detached, or `await`). Events reach Python through
//! `emit(name, payload, error)`, called on a thread of its own (see `background.rs`), one at a time and in
//! the order the engine emitted them, a call's own events before its result. Nothing here keeps
//! the interpreter alive.
//!
//! Fork: the session's tasks and locks belong to the process that created it, so in a forked
//! child every method raises `SessionClosedError` (create a new session there), and the child
//! never touches, closes or frees the parent's session.

use std::cell::Cell;
use std::sync::Arc;

use pyo3::prelude::*;
use serde_json::{Value, json};
use tokensmith::session::{self as core, Credential, SessionEvent};
use tokio::task::AbortHandle;

use crate::convert::{to_py, value_to_py};
use crate::errors::IntoPy;
use crate::provider::{Callbacks, Causes, LoopSlot};
use crate::runtime::{Call, Convert, runtime};
use crate::session_options::{self as options, AuthArgs, Service, Settings};

/// `{token, format, expires?, issued?, clientId?}`; times in ms on the server's clock.
fn token_dict(c: &Credential) -> Value {
    let mut d = json!({ "token": c.token(), "format": c.format.as_str() });
    for (name, v) in [("expires", c.expires_ms), ("issued", c.issued_ms)] {
        if let Some(v) = v {
            d[name] = v.into();
        }
    }
    if let Some(id) = &c.client_id {
        d["clientId"] = id.as_str().into();
    }
    d
}

/// An event's payload, as in Node (camelCase keys, ms).
fn payload(e: &SessionEvent) -> Value {
    match e {
        SessionEvent::TokenWillExpire { generation, expires_ms } => {
            json!({"generation": generation, "expires": expires_ms})
        }
        SessionEvent::Renewed { generation, reason, issued_ms, expires_ms, format, renew_at_ms } => json!({
            "generation": generation,
            "reason": reason.as_str(),
            "issued": issued_ms,
            "expires": expires_ms,
            "format": format.as_str(),
            "renewAt": renew_at_ms,
        }),
        SessionEvent::TokenExpired { generation, expired_at_ms } => {
            json!({"generation": generation, "expiredAt": expired_at_ms})
        }
        SessionEvent::RenewFailed { attempt, retry_in_ms, terminal, .. } => {
            json!({"attempt": attempt, "retryIn": retry_in_ms, "terminal": terminal})
        }
        SessionEvent::LoggedOut { reason } => json!({"reason": reason.as_str()}),
    }
}

thread_local! {
    /// Set while this thread runs listeners: a listener calling its session must not wait for
    /// the events to be delivered (it is delivering them).
    static DELIVERING: Cell<bool> = const { Cell::new(false) };
}

/// The task that hands the engine's events to `emit`, in order, until the session closes or
/// goes away. [`flush`](Self::flush) waits until every event emitted so far has reached the
/// listeners, so a call's own events come before its result. A listener that raised is
/// reported through `sys.unraisablehook`; the next event still comes.
#[derive(Clone)]
struct Forwarder {
    flusher: core::Flusher,
    task: AbortHandle,
}

impl Forwarder {
    fn start(session: &core::Session, emit: Py<PyAny>, causes: Arc<Causes>, rt: &tokio::runtime::Runtime) -> Self {
        let emit = Arc::new(emit);
        let (flusher, task) = core::forward_events(session, move |e| Self::deliver(emit.clone(), causes.clone(), e));
        Forwarder { flusher, task: rt.spawn(task).abort_handle() }
    }

    /// Calls `emit` (on a thread of its own, see `background.rs`); false once the interpreter
    /// is exiting.
    async fn deliver(emit: Arc<Py<PyAny>>, causes: Arc<Causes>, e: SessionEvent) -> bool {
        let delivered = crate::background::run(move |py| {
            let error = match &e {
                SessionEvent::RenewFailed { error, .. } => causes.to_py(py, error.clone()).into_value(py).into_any(),
                _ => py.None(),
            };
            DELIVERING.set(true);
            let called = value_to_py(py, &payload(&e)).and_then(|p| emit.call1(py, (e.name(), p, error)));
            DELIVERING.set(false);
            if let Err(err) = called {
                err.write_unraisable(py, Some(emit.bind(py)));
            }
        });
        delivered.await.is_some()
    }

    /// What a call needs to flush once it has its result: nothing when called from a listener
    /// (this thread is delivering the events).
    fn flusher(&self) -> Option<core::Flusher> {
        (!DELIVERING.get()).then(|| self.flusher.clone())
    }

    /// Returns once the events emitted so far were delivered (at once if the task ended).
    async fn flush(flusher: Option<core::Flusher>) {
        if let Some(f) = flusher {
            f.flush().await;
        }
    }

    fn stop(&self) {
        self.task.abort();
    }
}

struct Live {
    session: core::Session,
    service: Service,
    callbacks: Arc<Callbacks>,
    causes: Arc<Causes>,
    event_loop: Option<Arc<LoopSlot>>,
    events: Forwarder,
}

#[pyclass(frozen, module = "tokensmith._native")]
pub struct NativeSession {
    pid: u32,
    /// `Some` except while dropping in another process (see `Drop`).
    live: Option<Live>,
}

impl Drop for NativeSession {
    fn drop(&mut self) {
        let live = self.live.take();
        if self.pid != std::process::id() {
            // A forked child: the parent's tasks and locks are not ours to touch.
            std::mem::forget(live);
        } else if let Some(l) = live {
            l.session.close();
            l.events.stop();
            l.callbacks.release_all();
        }
    }
}

impl NativeSession {
    /// This process's session; in a forked child, a clear error instead.
    fn live(&self) -> PyResult<&Live> {
        match &self.live {
            Some(l) if self.pid == std::process::id() => Ok(l),
            _ => Err(options::closed_error(
                "this session was created in another process (before fork()); create a new one in this process",
            )),
        }
    }

    /// A `Call` running `op`; its error carries what a callback raised as `__cause__`.
    fn call<T, Fut>(&self, op: impl FnOnce(core::Session) -> Fut, done: fn(T) -> Value) -> PyResult<Call>
    where
        Fut: std::future::Future<Output = tokensmith::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let live = self.live()?;
        let (fut, causes, flusher) = (op(live.session.clone()), live.causes.clone(), live.events.flusher());
        Ok(Call::new(Box::pin(async move {
            let result = fut.await;
            Forwarder::flush(flusher).await;
            let convert: Convert = match result {
                Ok(v) => {
                    let v = done(v);
                    Box::new(move |py| Ok(value_to_py(py, &v)?.unbind()))
                }
                Err(e) => Box::new(move |py| Err(causes.to_py(py, e))),
            };
            Ok(convert)
        })))
    }
}

#[pymethods]
impl NativeSession {
    #[new]
    #[pyo3(signature = (*, emit, asynchronous=false, token_params=None, auth=None, settings=None))]
    fn new(
        py: Python<'_>,
        emit: Py<PyAny>,
        asynchronous: bool,
        token_params: Option<&Bound<'_, PyAny>>,
        auth: Option<AuthArgs>,
        settings: Option<Settings>,
    ) -> PyResult<Self> {
        let (callbacks, causes) = (Arc::new(Callbacks::default()), Arc::new(Causes::default()));
        let event_loop = asynchronous.then(|| Arc::new(LoopSlot::default()));
        let (config, service) = settings.unwrap_or_default().read()?;
        let hosts = (&*callbacks, &causes, event_loop.as_ref());
        let opts = options::options(auth.unwrap_or_default(), token_params, &service, hosts)?;
        let rt = runtime(py)?;
        crate::background::guard_exit(py)?;
        let builder = core::Session::options_builder(opts).py()?;
        let session = builder.config(config).runtime(rt.handle().clone()).start().py()?;
        let events = Forwarder::start(&session, emit, causes.clone(), rt);
        let live = Live { session, service, callbacks, causes, event_loop, events };
        Ok(NativeSession { pid: std::process::id(), live: Some(live) })
    }

    /// `AsyncSession` calls this before each awaited call: `async def` callbacks run on it.
    fn bind_loop(&self, event_loop: Py<PyAny>) -> PyResult<()> {
        if let Some(slot) = &self.live()?.event_loop {
            slot.set(event_loop);
        }
        Ok(())
    }

    fn token(&self) -> PyResult<Call> {
        self.call(|s| async move { s.token().await }, |c| token_dict(&c))
    }

    fn current(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.live()?.session.current() {
            Some(c) => Ok(value_to_py(py, &token_dict(&c))?.unbind()),
            None => Ok(py.None()),
        }
    }

    #[pyo3(signature = (token_params=None, auth=None))]
    fn authorize(&self, token_params: Option<&Bound<'_, PyAny>>, auth: Option<AuthArgs>) -> PyResult<Call> {
        let live = self.live()?;
        let params = options::token_params(token_params)?;
        let hosts = (&*live.callbacks, &live.causes, live.event_loop.as_ref());
        let means =
            auth.map(|a| options::authorize_means(a, live.service.app_id.as_deref(), hosts)).transpose()?.flatten();
        self.call(move |s| async move { s.authorize(params, means).await }, |c| token_dict(&c))
    }

    /// A server refused `token`: the token to retry with, once (see `Session.recover`).
    #[pyo3(signature = (token, kind=None))]
    fn recover(&self, token: String, kind: Option<String>) -> PyResult<Call> {
        let kind = options::token_error_kind(kind.as_deref())?;
        let held = self.live()?.session.current().filter(|c| c.token() == token);
        let refused = held.map_or_else(|| Credential::infer(token), |c| (*c).clone());
        self.call(move |s| async move { s.recover(&refused, kind).await }, |c| token_dict(&c))
    }

    #[pyo3(signature = (auth_token, *, base_url=None, app_id=None, platform=None, user_agent=None, app_info=None, device_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn login(
        &self,
        auth_token: String,
        base_url: Option<String>,
        app_id: Option<String>,
        platform: Option<String>,
        user_agent: Option<String>,
        app_info: Option<&Bound<'_, PyAny>>,
        device_id: Option<String>,
    ) -> PyResult<Call> {
        let meta = options::LoginMeta { base_url, app_id, platform, user_agent, app_info, device_id };
        let login = options::login(auth_token, meta, &self.live()?.service)?;
        self.call(move |s| async move { s.login(login).await }, |u| serde_json::to_value(u).unwrap_or_default())
    }

    fn current_user(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.live()?.session.current_user() {
            Some(u) => Ok(to_py(py, &u)?.unbind()),
            None => Ok(py.None()),
        }
    }

    fn logout(&self) -> PyResult<Call> {
        self.call(|s| async move { s.logout().await }, |()| Value::Null)
    }

    /// Stops everything: later calls raise `SessionClosedError`, no more events, callbacks
    /// released. Idempotent.
    fn close(&self) -> PyResult<()> {
        let live = self.live()?;
        live.session.close();
        live.events.stop();
        live.callbacks.release_all();
        Ok(())
    }

    fn set_server_time(&self, server_now_ms: crate::convert::Int) -> PyResult<()> {
        self.live()?.session.set_server_time(crate::convert::whole("server_now_ms", server_now_ms)?);
        Ok(())
    }

    /// Provider fetches so far, retries included.
    fn fetches(&self) -> PyResult<u64> {
        Ok(self.live()?.session.stats().fetches)
    }
}
