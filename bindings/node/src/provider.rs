//! A JS `authCallback` as the core's [`AuthCallback`]. `npm/tokensmith/session.js` wraps the
//! user's function so it never throws: the wrapper resolves to `{ value }` or, when the function
//! threw or rejected, to `{ error: <cause id>, message, status }`. The JS error itself stays in
//! JS under that id and becomes the `cause` of the `ProviderError` (see `Causes` in session.rs).
//!
//! The threadsafe function is weak (a pending callback never keeps Node alive) and is released
//! on `close()`, so a closed session holds no reference to user code.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use napi::bindgen_prelude::{Function, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::{Result, Status};
use serde_json::Value;
use tokensmith::Error;
use tokensmith::ably::TokenParams;
use tokensmith::session::providers::AuthCallbackResult;
use tokensmith::session::{AuthCallback, FetchError, FetchParams};

use crate::convert::whole_numbers;
use crate::session::Causes;

/// The wrapper: TokenParams in, a Promise of its answer out; weak, errors never passed to JS.
type HostFn = ThreadsafeFunction<Value, Promise<Value>, Value, Status, false, true>;
pub type JsFunction<'a> = Function<'a, Value, Promise<Value>>;

/// A wrapped JS callback, callable from any thread until the session closes.
pub struct JsAuthCallback {
    tsfn: Mutex<Option<Arc<HostFn>>>,
    causes: Arc<Causes>,
}

impl JsAuthCallback {
    /// Drops the threadsafe function: later calls fail with `SESSION_CLOSED`.
    fn release(&self) {
        self.tsfn.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

#[async_trait::async_trait]
impl AuthCallback for JsAuthCallback {
    async fn call(
        &self,
        params: &TokenParams,
        _fetch: &FetchParams,
    ) -> std::result::Result<AuthCallbackResult, FetchError> {
        let tsfn = self.tsfn.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let Some(tsfn) = tsfn else { return Err(FetchError::terminal(Error::SessionClosed)) };
        // Ably hands the callback the TokenParams without the absent ones.
        let mut arg = serde_json::to_value(params).unwrap_or_default();
        if let Value::Object(fields) = &mut arg {
            fields.retain(|_, v| !v.is_null());
        }
        // The wrapper never throws, so a failure here is the bridge's: the environment is
        // shutting down, or the answer could not be read (a BigInt, a function…).
        let bridge = |e: napi::Error| FetchError::terminal(provider_error(format!("authCallback: {}", e.reason)));
        let answer = tsfn.call_async(arg).await.map_err(bridge)?.await.map_err(bridge)?;
        match answer.get("value") {
            Some(value) if answer.get("error").is_none() => {
                AuthCallbackResult::from_json(&whole_numbers(value.clone())).map_err(FetchError::terminal)
            }
            _ => Err(self.host_failure(&answer)),
        }
    }
}

impl JsAuthCallback {
    /// The callback threw or rejected. Retried with backoff, except a 403 (the auth server's
    /// final no, as Ably treats it). The error is remembered with the JS error's id.
    fn host_failure(&self, answer: &Value) -> FetchError {
        let message = answer.get("message").and_then(Value::as_str).unwrap_or("it threw");
        let error = provider_error(format!("authCallback: {message}"));
        if let Some(id) = answer.get("error").and_then(Value::as_f64) {
            self.causes.record(error.clone(), id);
        }
        match answer.get("status").and_then(Value::as_u64) {
            Some(403) => FetchError::terminal(error),
            _ => FetchError::retryable(error),
        }
    }
}

fn provider_error(reason: String) -> Error {
    Error::Provider { reason, cause: None }
}

/// Every callback a session was given, so `close()` can release them all.
#[derive(Default)]
pub struct Callbacks(Mutex<Vec<Weak<JsAuthCallback>>>);

impl Callbacks {
    /// Wraps `f` (the JS wrapper of an `authCallback`) for this session.
    pub fn add(&self, f: &JsFunction<'_>, causes: &Arc<Causes>) -> Result<Arc<JsAuthCallback>> {
        let tsfn = f.build_threadsafe_function::<Value>().callee_handled::<false>().weak::<true>().build()?;
        let cb = Arc::new(JsAuthCallback { tsfn: Mutex::new(Some(Arc::new(tsfn))), causes: causes.clone() });
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&cb));
        Ok(cb)
    }

    pub fn release_all(&self) {
        for cb in self.0.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            if let Some(cb) = cb.upgrade() {
                cb.release();
            }
        }
    }
}
