//! `Service`: the retention service (users, auth tokens, revocation, push) over a store URL.
//!
//! Every method converts its arguments at once (a bad one raises there) and returns a `Call`
//! (see `runtime.rs`), which `tokensmith.Tokensmith` waits for and `tokensmith.AsyncTokensmith`
//! awaits. As in Node, the store is opened by the first call (once, shared by concurrent first
//! calls); an unreachable one fails that call with `STORE_UNAVAILABLE` and the next call tries
//! again. `close()` drops this handle's store: calls already running finish, later ones fail.
//!
//! Fork: a store opened by another process (connections, the SQLite writer thread) is neither
//! used nor closed in a child; the child opens its own on its first call. A `memory://` store
//! cannot follow its data into the child, so there the child's calls fail with a clear error.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyString;
use tokensmith::ably::{Key, TokenCheck};
use tokensmith::service::{NewUser, PushTokens, RevokeOptions};
use tokensmith::store::TokenMeta;
use tokensmith::{Config, Error, Tokensmith, args};
use tokio::sync::OnceCell;

use crate::ably::wire_request;
use crate::convert::{Int, py_to_value, whole_opt};
use crate::errors::IntoPy;
use crate::runtime::{Call, Convert, json, runtime};

struct Spec {
    url: String,
    config: Config,
}

/// The service over one store, opened on first use.
#[pyclass(frozen, module = "tokensmith._native")]
pub struct Service {
    spec: Arc<Spec>,
    /// Only locked while attached (see `runtime.rs` on fork).
    state: Mutex<State>,
}

enum State {
    Open(Opened),
    Closed,
}

/// The store as opened in one process.
struct Opened {
    pid: u32,
    cell: Option<Arc<OnceCell<Tokensmith>>>,
}

impl Opened {
    fn new() -> Opened {
        Opened { pid: std::process::id(), cell: Some(Arc::default()) }
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        // In a forked child the parent's store is leaked, not closed: closing an inherited
        // SQLite connection or socket can disturb the parent, which still uses them.
        if self.pid != std::process::id() {
            std::mem::forget(self.cell.take());
        }
    }
}

/// Stores whose data lives in this process's memory, so a forked child cannot share it.
fn in_process(url: &str) -> bool {
    matches!(url, "memory://" | "memory:" | "sqlite::memory:" | "sqlite://:memory:")
}

/// The URL without its credentials (`redis://user:password@host` → `redis://***@host`).
fn redacted(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://").filter(|(s, _)| s.starts_with("redis")) {
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        if let Some(at) = authority.rfind('@') {
            return format!("{scheme}://***@{}", &rest[at + 1..]);
        }
    }
    url.to_owned()
}

fn unavailable(reason: &str) -> PyErr {
    crate::errors::to_py(Error::StoreUnavailable(reason.into()))
}

fn token_meta(
    platform: Option<String>,
    user_agent: Option<String>,
    app_info: Option<&Bound<'_, PyAny>>,
    device_id: Option<String>,
) -> PyResult<TokenMeta> {
    let app_info = app_info.map(py_to_value).transpose()?;
    Ok(TokenMeta { platform, user_agent, app_info, device_id })
}

impl Service {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// This process's store cell (reset in a forked child).
    fn cell(&self, _attached: Python<'_>) -> PyResult<Arc<OnceCell<Tokensmith>>> {
        let mut state = self.state();
        let State::Open(opened) = &mut *state else {
            return Err(unavailable("closed"));
        };
        if opened.pid != std::process::id() {
            let parents = opened.cell.as_ref().is_some_and(|c| c.initialized());
            if parents && in_process(&self.spec.url) {
                return Err(unavailable(
                    "this in-memory store was opened before fork() and its data stays with the parent process",
                ));
            }
            *opened = Opened::new();
        }
        Ok(opened.cell.clone().unwrap_or_default())
    }

    /// A `Call` running `op` on the (opened) core service.
    fn call<F, Fut>(&self, py: Python<'_>, op: F) -> PyResult<Call>
    where
        F: FnOnce(Tokensmith) -> Fut + Send + 'static,
        Fut: Future<Output = tokensmith::Result<Convert>> + Send + 'static,
    {
        let (cell, spec) = (self.cell(py)?, self.spec.clone());
        Ok(Call::new(Box::pin(async move {
            let open = || Tokensmith::open(&spec.url, spec.config.clone());
            let core = cell.get_or_try_init(open).await?.clone();
            op(core).await
        })))
    }
}

#[pymethods]
impl Service {
    #[new]
    #[pyo3(signature = (store, *, app=None, retention=None, token_ttl_ms=None, purge_archived_after_ms=None, reauth_margin_ms=None))]
    fn new(
        store: String,
        app: Option<String>,
        retention: Option<Int>,
        token_ttl_ms: Option<Int>,
        purge_archived_after_ms: Option<Int>,
        reauth_margin_ms: Option<Int>,
    ) -> PyResult<Self> {
        let mut config = Config::default();
        if let Some(app) = app {
            config.app = app;
        }
        config.retention = whole_opt("retention", retention)?.unwrap_or(config.retention);
        config.token_ttl_ms = whole_opt("token_ttl_ms", token_ttl_ms)?.or(config.token_ttl_ms);
        config.purge_archived_after_ms =
            whole_opt("purge_archived_after_ms", purge_archived_after_ms)?.unwrap_or(config.purge_archived_after_ms);
        config.reauth_margin_ms = whole_opt("reauth_margin_ms", reauth_margin_ms)?.unwrap_or(config.reauth_margin_ms);
        let spec = Arc::new(Spec { url: store, config });
        Ok(Service { spec, state: Mutex::new(State::Open(Opened::new())) })
    }

    /// Drops this handle's store; later calls fail with `STORE_UNAVAILABLE`. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = std::mem::replace(&mut *self.state(), State::Closed);
        let runtime = runtime(py)?;
        // Closing connections may wait on the disk or the network: not while attached.
        py.detach(move || {
            let _context = runtime.enter();
            drop(taken);
        });
        Ok(())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |s: &str| PyString::new(py, s).repr().map(|r| r.to_string());
        Ok(format!("Service(store={}, app={})", repr(&redacted(&self.spec.url))?, repr(&self.spec.config.app)?))
    }

    #[pyo3(signature = (uid, *, name=None, profile=None, with_auth_token=false, platform=None, user_agent=None, app_info=None, device_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn users_create(
        &self,
        py: Python<'_>,
        uid: String,
        name: Option<String>,
        profile: Option<&Bound<'_, PyAny>>,
        with_auth_token: bool,
        platform: Option<String>,
        user_agent: Option<String>,
        app_info: Option<&Bound<'_, PyAny>>,
        device_id: Option<String>,
    ) -> PyResult<Call> {
        let profile = profile.map(py_to_value).transpose()?.unwrap_or_default();
        let token_meta = token_meta(platform, user_agent, app_info, device_id)?;
        let new = NewUser { uid, name, profile, with_auth_token, token_meta };
        self.call(py, |ts| async move { json(ts.create_user(new).await) })
    }

    fn users_get(&self, py: Python<'_>, uid: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.get_user(&uid).await) })
    }

    fn users_delete(&self, py: Python<'_>, uid: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.delete_user(&uid).await) })
    }

    #[pyo3(signature = (uid, *, platform=None, user_agent=None, app_info=None, device_id=None))]
    fn auth_tokens_create(
        &self,
        py: Python<'_>,
        uid: String,
        platform: Option<String>,
        user_agent: Option<String>,
        app_info: Option<&Bound<'_, PyAny>>,
        device_id: Option<String>,
    ) -> PyResult<Call> {
        let meta = token_meta(platform, user_agent, app_info, device_id)?;
        self.call(py, |ts| async move { json(ts.create_auth_token(&uid, meta).await) })
    }

    #[pyo3(signature = (uid, *, page=None, per_page=None))]
    fn auth_tokens_list(
        &self,
        py: Python<'_>,
        uid: String,
        page: Option<Int>,
        per_page: Option<Int>,
    ) -> PyResult<Call> {
        // Absent: the first page, as large as the core allows (it clamps `per_page`).
        let page = whole_opt("page", page)?.unwrap_or(1);
        let per_page = whole_opt("per_page", per_page)?.unwrap_or(u64::MAX);
        self.call(py, move |ts| async move { json(ts.list_auth_tokens(&uid, page, per_page).await) })
    }

    fn auth_tokens_get(&self, py: Python<'_>, uid: String, token_or_id: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.get_auth_token(&uid, &token_or_id).await) })
    }

    #[pyo3(signature = (uid, token_or_id, *, platform=None, user_agent=None, app_info=None, device_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn auth_tokens_update(
        &self,
        py: Python<'_>,
        uid: String,
        token_or_id: String,
        platform: Option<String>,
        user_agent: Option<String>,
        app_info: Option<&Bound<'_, PyAny>>,
        device_id: Option<String>,
    ) -> PyResult<Call> {
        let patch = token_meta(platform, user_agent, app_info, device_id)?;
        self.call(py, |ts| async move { json(ts.update_auth_token(&uid, &token_or_id, patch).await) })
    }

    fn auth_tokens_delete(&self, py: Python<'_>, uid: String, token_or_id: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.delete_auth_token(&uid, &token_or_id).await) })
    }

    fn auth_tokens_flush(&self, py: Python<'_>, uid: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.flush_auth_tokens(&uid).await) })
    }

    fn validate(&self, py: Python<'_>, token: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.validate(&token).await) })
    }

    fn logout(&self, py: Python<'_>, auth_token: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.logout(&auth_token).await) })
    }

    fn revoke_token(&self, py: Python<'_>, token: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.revoke_token(&token).await) })
    }

    #[pyo3(signature = (subject, *, issued_before=None, allow_reauth_margin=false))]
    fn revoke_subject(
        &self,
        py: Python<'_>,
        subject: String,
        issued_before: Option<Int>,
        allow_reauth_margin: bool,
    ) -> PyResult<Call> {
        let options = RevokeOptions { issued_before: whole_opt("issued_before", issued_before)?, allow_reauth_margin };
        self.call(py, move |ts| async move { json(ts.revoke_subject(&subject, options).await) })
    }

    #[pyo3(signature = (token, key_name, key_secret, *, now=None, leeway=None, client_id=None, resource=None, operation=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify_ably_token(
        &self,
        py: Python<'_>,
        token: String,
        key_name: String,
        key_secret: String,
        now: Option<Int>,
        leeway: Option<Int>,
        client_id: Option<String>,
        resource: Option<String>,
        operation: Option<String>,
    ) -> PyResult<Call> {
        let key = Key::new(key_name, key_secret).py()?;
        let check = TokenCheck {
            now_ms: whole_opt("now", now)?,
            leeway_secs: whole_opt("leeway", leeway)?.unwrap_or_default(),
            client_id,
            operation: args::operation(resource, operation).py()?,
        };
        self.call(py, move |ts| async move { json(ts.verify_ably_token(&token, &key, &check).await) })
    }

    #[pyo3(signature = (token, app_certificate, *, now=None))]
    fn verify_agora_token(
        &self,
        py: Python<'_>,
        token: String,
        app_certificate: String,
        now: Option<Int>,
    ) -> PyResult<Call> {
        let now = whole_opt("now", now)?;
        self.call(py, move |ts| async move { json(ts.verify_agora_token(&token, &app_certificate, now).await) })
    }

    #[pyo3(signature = (request, key_name, key_secret, *, window_ms=None))]
    fn verify_token_request(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        key_name: String,
        key_secret: String,
        window_ms: Option<Int>,
    ) -> PyResult<Call> {
        let request = wire_request(request)?;
        let key = Key::new(key_name, key_secret).py()?;
        let window_ms = whole_opt("window_ms", window_ms)?;
        self.call(py, move |ts| async move { json(ts.verify_token_request(&request, &key, window_ms).await) })
    }

    #[pyo3(signature = (auth_token, *, fcm_token=None, apns_token=None, voip_token=None))]
    fn push_register(
        &self,
        py: Python<'_>,
        auth_token: String,
        fcm_token: Option<String>,
        apns_token: Option<String>,
        voip_token: Option<String>,
    ) -> PyResult<Call> {
        let tokens = PushTokens { fcm_token, apns_token, voip_token };
        self.call(py, |ts| async move { json(ts.register_push(&auth_token, tokens).await) })
    }

    fn push_list(&self, py: Python<'_>, auth_token: String) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.list_push(&auth_token).await) })
    }

    #[pyo3(signature = (auth_token, *, all=false))]
    fn push_delete(&self, py: Python<'_>, auth_token: String, all: bool) -> PyResult<Call> {
        self.call(py, move |ts| async move { json(ts.delete_push(&auth_token, all).await) })
    }

    fn purge_archived(&self, py: Python<'_>) -> PyResult<Call> {
        self.call(py, |ts| async move { json(ts.purge_archived().await) })
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn repr_urls_lose_their_credentials() {
        assert_eq!(redacted("redis://user:pw@127.0.0.1:6379/0"), "redis://***@127.0.0.1:6379/0");
        assert_eq!(redacted("redis://:p@ss@host/0?timeout_ms=5"), "redis://***@host/0?timeout_ms=5");
        assert_eq!(redacted("rediss://u:p@host"), "rediss://***@host");
        assert_eq!(redacted("redis://host:6379/0?x=a@b"), "redis://host:6379/0?x=a@b");
        assert_eq!(redacted("sqlite:///tmp/a@b/x.db"), "sqlite:///tmp/a@b/x.db");
        assert_eq!(redacted("memory://"), "memory://");
    }
}
