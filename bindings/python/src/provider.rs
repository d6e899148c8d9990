//! A Python `auth_callback` as the core's [`AuthCallback`], and the exceptions it raised.
//!
//! The callback runs attached on a thread of its own (see `background.rs`; never on a tokio
//! worker, and never while the thread waiting for the session holds the interpreter: every
//! waiting entry point detaches). An `async def` callback (`AsyncSession`) runs on the event
//! loop of the session's latest awaited call, through `asyncio.run_coroutine_threadsafe`; if
//! that loop stops first, the fetch fails instead of waiting forever.
//!
//! What the callback raised is kept (see [`Causes`]) and becomes the `__cause__` of the
//! `ProviderError`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::intern;
use pyo3::prelude::*;
use serde_json::Value;
use tokensmith::Error;
use tokensmith::ably::TokenParams;
use tokensmith::session::providers::AuthCallbackResult;
use tokensmith::session::{AuthCallback, FetchError, FetchParams};

use crate::convert::{py_to_value, value_to_py};

/// How often a wait for an `async def` callback checks that its event loop still runs.
const LOOP_CHECK_SECS: f64 = 0.1;

/// Exceptions (by the provider error they became), newest last: a failed call answers the
/// error of the renewal that just failed, so a few are enough.
#[derive(Default)]
pub struct Causes(Mutex<VecDeque<(Error, Py<PyAny>)>>);

const CAUSES_KEPT: usize = 16;

impl Causes {
    fn record(&self, error: Error, exception: Py<PyAny>) {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if all.len() == CAUSES_KEPT {
            all.pop_front();
        }
        all.push_back((error, exception));
    }

    /// The exception for `e`, with what the callback raised as its `__cause__`.
    pub fn to_py(&self, py: Python<'_>, e: Error) -> PyErr {
        let cause = {
            let all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let found = all.iter().rev().find(|(made, _)| *made == e || e.cause() == Some(made));
            found.map(|(_, exc)| exc.clone_ref(py))
        };
        let err = crate::errors::to_py(e);
        if let Some(cause) = cause {
            err.set_cause(py, Some(PyErr::from_value(cause.into_bound(py))));
        }
        err
    }
}

/// The event loop an `AsyncSession` runs its callbacks on: its latest awaited call's.
#[derive(Default)]
pub struct LoopSlot(Mutex<Option<Py<PyAny>>>);

impl LoopSlot {
    pub fn set(&self, event_loop: Py<PyAny>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(event_loop);
    }

    pub fn get(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|l| l.clone_ref(py))
    }
}

pub struct PyAuthCallback {
    /// `None` once the session is closed.
    callable: Mutex<Option<Arc<Py<PyAny>>>>,
    /// Set for an `AsyncSession`: coroutines run on this loop.
    event_loop: Option<Arc<LoopSlot>>,
    causes: Arc<Causes>,
}

/// A failure: the provider error and, when the callback raised, the exception.
type Failed = (FetchError, Option<Py<PyAny>>);

impl PyAuthCallback {
    pub fn new(callable: Py<PyAny>, event_loop: Option<Arc<LoopSlot>>, causes: Arc<Causes>) -> Arc<Self> {
        Arc::new(PyAuthCallback { callable: Mutex::new(Some(Arc::new(callable))), event_loop, causes })
    }

    pub fn release(&self) {
        self.callable.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// Calls the callback (and for an `AsyncSession`, awaits it on the loop); attached.
fn run(py: Python<'_>, callable: &Py<PyAny>, params: &Value, event_loop: Option<&LoopSlot>) -> Result<Value, Failed> {
    let raised = |e: PyErr| failure(py, e);
    let answer = callable.call1(py, (value_to_py(py, params).map_err(raised)?,)).map_err(raised)?;
    let answer = answer.into_bound(py);
    let inspect = py.import(intern!(py, "inspect")).map_err(raised)?;
    if inspect.call_method1(intern!(py, "isawaitable"), (&answer,)).and_then(|b| b.is_truthy()).map_err(raised)? {
        let Some(event_loop) = event_loop.and_then(|slot| slot.get(py)) else {
            // A sync Session (or no loop yet): the coroutine cannot run here.
            let _ = answer.call_method0(intern!(py, "close"));
            let why = "the auth_callback returned an awaitable: use tokensmith.AsyncSession for async callbacks";
            return Err((FetchError::terminal(provider_error(why)), None));
        };
        return on_loop(py, &answer, event_loop.bind(py)).and_then(|v| py_to_value(&v).map_err(raised));
    }
    py_to_value(&answer).map_err(raised)
}

/// Runs `awaitable` on `event_loop` and waits for it (the wait releases the interpreter).
fn on_loop<'py>(
    py: Python<'py>,
    awaitable: &Bound<'py, PyAny>,
    event_loop: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyAny>, Failed> {
    let raised = |e: PyErr| failure(py, e);
    let stopped = || (FetchError::retryable(provider_error("the event loop of the auth_callback stopped")), None);
    if !event_loop.call_method0(intern!(py, "is_running")).and_then(|b| b.is_truthy()).map_err(raised)? {
        let _ = awaitable.call_method0(intern!(py, "close"));
        return Err(stopped());
    }
    let asyncio = py.import(intern!(py, "asyncio")).map_err(raised)?;
    let future =
        asyncio.call_method1(intern!(py, "run_coroutine_threadsafe"), (awaitable, event_loop)).map_err(raised)?;
    let timeout =
        py.import(intern!(py, "concurrent.futures")).and_then(|m| m.getattr("TimeoutError")).map_err(raised)?;
    loop {
        match future.call_method1(intern!(py, "result"), (LOOP_CHECK_SECS,)) {
            Ok(value) => return Ok(value),
            Err(e) if e.is_instance(py, &timeout) => {
                let running = event_loop.call_method0(intern!(py, "is_running")).and_then(|b| b.is_truthy());
                if !running.map_err(raised)? {
                    let _ = future.call_method0(intern!(py, "cancel"));
                    return Err(stopped());
                }
            }
            Err(e) => return Err(raised(e)),
        }
    }
}

fn provider_error(reason: impl Into<String>) -> Error {
    Error::Provider { reason: reason.into(), cause: None }
}

/// The callback raised: a retryable provider failure, except a 403 (`status_code` or `status`
/// attribute; the auth server's final no, as Ably treats it).
fn failure(py: Python<'_>, e: PyErr) -> Failed {
    let exc = e.value(py);
    let message = exc.str().map(|s| s.to_string()).unwrap_or_else(|_| "it raised".into());
    let error = provider_error(format!(
        "auth_callback: {}: {message}",
        exc.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string())
    ));
    let status =
        ["status_code", "status"].iter().find_map(|name| exc.getattr(*name).ok().and_then(|v| v.extract::<u16>().ok()));
    let verdict = if status == Some(403) { FetchError::terminal(error) } else { FetchError::retryable(error) };
    (verdict, Some(exc.clone().into_any().unbind()))
}

#[async_trait::async_trait]
impl AuthCallback for PyAuthCallback {
    async fn call(&self, params: &TokenParams, _fetch: &FetchParams) -> Result<AuthCallbackResult, FetchError> {
        let callable = self.callable.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let Some(callable) = callable else { return Err(FetchError::terminal(Error::SessionClosed)) };
        // Ably hands the callback the TokenParams without the absent ones.
        let mut params = serde_json::to_value(params).unwrap_or_default();
        if let Value::Object(fields) = &mut params {
            fields.retain(|_, v| !v.is_null());
        }
        let event_loop = self.event_loop.clone();
        let outcome = crate::background::run(move |py| run(py, &callable, &params, event_loop.as_deref())).await;
        let answer = match outcome {
            Some(Ok(answer)) => answer,
            Some(Err((failed, exception))) => {
                if let Some(exc) = exception {
                    self.causes.record(failed.error().clone(), exc);
                }
                return Err(failed);
            }
            None => return Err(FetchError::terminal(provider_error("the Python interpreter is exiting"))),
        };
        AuthCallbackResult::from_json(&answer).map_err(FetchError::terminal)
    }
}

/// Every callback a session was given, so `close()` can release them all.
#[derive(Default)]
pub struct Callbacks(Mutex<Vec<std::sync::Weak<PyAuthCallback>>>);

impl Callbacks {
    pub fn add(&self, cb: &Arc<PyAuthCallback>) {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(cb));
    }

    pub fn release_all(&self) {
        for cb in self.0.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            if let Some(cb) = cb.upgrade() {
                cb.release();
            }
        }
    }
}
