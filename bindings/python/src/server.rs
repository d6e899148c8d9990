//! `serve(...)`: the tokensmith HTTP service in this process, on the binding's runtime
//! (`runtime.rs`). It runs on that runtime's threads, so it needs no Python thread and never
//! holds the interpreter; `Server.close()` stops accepting, lets in-flight requests finish, then
//! returns. Dropping the `Server` starts the same shutdown without waiting. A forked child does
//! not inherit the running server (its threads stay in the parent).

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::Value;
use tokensmith_server::dev_app::{AppCredentials, generate};
use tokensmith_server::{AppConfig, Config, Limits, Running};

use crate::convert::{Int, context, py_to_value, whole_opt};
use crate::errors::to_py;
use crate::runtime::{Call, Convert};

#[pyclass(frozen, module = "tokensmith._native")]
pub struct Server {
    url: String,
    app: Option<AppCredentials>,
    running: Mutex<Option<Running>>,
}

#[pymethods]
impl Server {
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The first app's credentials (snake_case keys), or `None` without apps.
    #[getter]
    fn app<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(c) = &self.app else { return Ok(None) };
        let d = PyDict::new(py);
        d.set_item("app_id", &c.app_id)?;
        d.set_item("api_key", &c.api_key)?;
        d.set_item("auth_only_key", &c.auth_only_key)?;
        d.set_item("ably_key", &c.ably_key)?;
        d.set_item("agora_app_id", &c.agora_app_id)?;
        d.set_item("agora_app_certificate", &c.agora_app_certificate)?;
        Ok(Some(d))
    }

    /// A `Call` that stops the server (in-flight requests finish first). Idempotent.
    fn close(&self) -> Call {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner).take();
        Call::new(Box::pin(async move {
            if let Some(running) = running {
                running.shutdown().await;
            }
            Ok(Box::new(|py: Python<'_>| Ok(py.None())) as Convert)
        }))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Server(url={})", PyString::new(py, &self.url).repr()?))
    }
}

/// Starts the service; the `Call` resolves to a `Server`. Without `apps`, one app is generated
/// with fresh credentials (`Server.app`), shaped by `app_id` … `ably_user_capability`; `apps` and
/// `limits` are dicts as in the TOML configuration, used as given.
#[pyfunction]
#[pyo3(signature = (*, store=None, listen=None, app_id=None, retention=None, token_ttl_ms=None, rate_limit_per_minute=None, ably_user_capability=None, apps=None, limits=None))]
#[allow(clippy::too_many_arguments)]
pub fn serve(
    store: Option<String>,
    listen: Option<String>,
    app_id: Option<String>,
    retention: Option<Int>,
    token_ttl_ms: Option<Int>,
    rate_limit_per_minute: Option<Int>,
    ably_user_capability: Option<&Bound<'_, PyAny>>,
    apps: Option<Vec<Bound<'_, PyAny>>>,
    limits: Option<&Bound<'_, PyAny>>,
) -> PyResult<Call> {
    let limits: Limits = match limits {
        Some(l) => parse("limits", py_to_value(l)?)?,
        None => Limits::default(),
    };
    let apps = match apps {
        Some(apps) if !apps.is_empty() => {
            apps.iter().map(|a| parse::<AppConfig>("apps", py_to_value(a)?)).collect::<PyResult<Vec<_>>>()?
        }
        _ => {
            let mut app = generate(app_id.as_deref().unwrap_or("test"), context());
            app.retention = whole_opt("retention", retention)?.unwrap_or(app.retention);
            app.token_ttl_ms = whole_opt("token_ttl_ms", token_ttl_ms)?;
            app.rate_limit_per_minute =
                whole_opt("rate_limit_per_minute", rate_limit_per_minute)?.unwrap_or(app.rate_limit_per_minute);
            app.ably_user_capability = ably_user_capability.map(py_to_value).transpose()?;
            vec![app]
        }
    };
    let config = Config { listen, store, limits, apps };
    let app = config.apps.first().map(AppCredentials::of);
    Ok(Call::new(Box::pin(async move {
        let running = tokensmith_server::serve(config).await.map_err(core_error)?;
        let server = Server { url: running.url(), app, running: Mutex::new(Some(running)) };
        Ok(Box::new(move |py: Python<'_>| Ok(Py::new(py, server)?.into_any())) as Convert)
    })))
}

fn core_error(e: tokensmith_server::Error) -> tokensmith::Error {
    match e {
        tokensmith_server::Error::Core(e) => e,
        other => tokensmith::Error::InvalidArgument { field: "serve", reason: other.to_string() },
    }
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, v: Value) -> PyResult<T> {
    serde_json::from_value(v).map_err(|e| {
        // serde's message without the offending value, which may be a secret.
        let m = e.to_string();
        let m = match (
            m.strip_prefix("invalid type: ").or_else(|| m.strip_prefix("invalid value: ")),
            m.find(", expected"),
        ) {
            (Some(_), Some(at)) => format!("{}{}", &m[..m.find(':').unwrap_or(0)], &m[at..]),
            _ => m,
        };
        to_py(tokensmith::Error::InvalidArgument {
            field: "serve",
            reason: format!("invalid configuration: {what}: {m}"),
        })
    })
}
