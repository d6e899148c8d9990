//! `tokensmith.ably`: TokenRequests, TokenDetails (Ably JWTs), replay-protected verification.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};
use tokensmith::ably::{self, Key, MemoryNonceCache, RequestCheck, TokenCheck, TokenParams, TokenRequest};
use tokensmith::args;

use crate::convert::{Int, context, py_to_value, whole, whole_opt};
use crate::errors::IntoPy;
use crate::results;

fn key(name: &str, secret: &str) -> PyResult<Key> {
    Key::new(name, secret).py()
}

fn capability(c: Option<&Bound<'_, PyAny>>) -> PyResult<Option<ably::Capability>> {
    c.map(crate::convert::capability).transpose()
}

pub(crate) fn params(
    ttl: Option<Int>,
    cap: Option<&Bound<'_, PyAny>>,
    client_id: Option<String>,
    timestamp: Option<Int>,
    nonce: Option<String>,
) -> PyResult<TokenParams> {
    Ok(TokenParams {
        ttl: whole_opt("ttl", ttl)?,
        capability: capability(cap)?,
        client_id,
        timestamp: whole_opt("timestamp", timestamp)?,
        nonce,
    })
}

/// The TokenRequest as received: a dict (any `Mapping`) with Ably's field names.
pub(crate) fn wire_request(request: &Bound<'_, PyAny>) -> PyResult<TokenRequest> {
    if !request.is_instance_of::<PyDict>() && request.cast::<PyMapping>().is_err() {
        return Err(PyTypeError::new_err(format!(
            "request must be a dict of TokenRequest fields, not {}",
            request.get_type().name()?
        )));
    }
    serde_json::from_value(py_to_value(request)?)
        .map_err(|e| tokensmith::Error::MalformedToken { field: "token_request", reason: e.to_string(), vendor: None })
        .py()
}

fn request_check(now: Option<Int>, window_ms: Option<Int>) -> PyResult<RequestCheck<'static>> {
    let mut check = RequestCheck { now_ms: whole_opt("now", now)?, ..Default::default() };
    if let Some(w) = window_ms {
        check.window_ms = whole("window_ms", w)?;
    }
    Ok(check)
}

/// Shared by the function and `TokenRequestVerifier.verify` (which adds its nonce cache).
#[allow(clippy::too_many_arguments)]
fn verify_request<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    key_name: &str,
    key_secret: &str,
    now: Option<Int>,
    window_ms: Option<Int>,
    nonces: Option<&MemoryNonceCache>,
) -> PyResult<Bound<'py, PyDict>> {
    let (req, mut check) = (wire_request(request)?, request_check(now, window_ms)?);
    check.nonces = nonces.map(|n| n as &dyn ably::NonceCache);
    results::token_params(py, ably::verify_token_request(context(), &req, &key(key_name, key_secret)?, &check).py()?)
}

#[pyfunction]
#[pyo3(signature = (key_name, key_secret, *, ttl=None, capability=None, client_id=None, timestamp=None, nonce=None))]
#[allow(clippy::too_many_arguments)]
pub fn ably_create_token_request<'py>(
    py: Python<'py>,
    key_name: &str,
    key_secret: &str,
    ttl: Option<Int>,
    capability: Option<&Bound<'py, PyAny>>,
    client_id: Option<String>,
    timestamp: Option<Int>,
    nonce: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let p = params(ttl, capability, client_id, timestamp, nonce)?;
    results::token_request(py, ably::create_token_request(context(), &key(key_name, key_secret)?, &p).py()?)
}

#[pyfunction]
#[pyo3(signature = (request, key_name, key_secret, *, now=None, window_ms=None))]
pub fn ably_verify_token_request<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    key_name: &str,
    key_secret: &str,
    now: Option<Int>,
    window_ms: Option<Int>,
) -> PyResult<Bound<'py, PyDict>> {
    verify_request(py, request, key_name, key_secret, now, window_ms, None)
}

#[pyfunction]
#[pyo3(signature = (key_name, key_secret, *, ttl=None, capability=None, client_id=None, key_capability=None, default_ttl=None, max_ttl=None))]
#[allow(clippy::too_many_arguments)]
pub fn ably_issue_token<'py>(
    py: Python<'py>,
    key_name: &str,
    key_secret: &str,
    ttl: Option<Int>,
    capability: Option<&Bound<'py, PyAny>>,
    client_id: Option<String>,
    key_capability: Option<&Bound<'py, PyAny>>,
    default_ttl: Option<Int>,
    max_ttl: Option<Int>,
) -> PyResult<Bound<'py, PyDict>> {
    let key_capability = self::capability(key_capability)?;
    let (default_ttl, max_ttl) = (whole_opt("default_ttl", default_ttl)?, whole_opt("max_ttl", max_ttl)?);
    let opts = args::issue_options(key_capability, default_ttl, max_ttl);
    let p = params(ttl, capability, client_id, None, None)?;
    results::token_details(py, ably::issue_token(context(), &key(key_name, key_secret)?, &p, &opts).py()?)
}

#[pyfunction]
#[pyo3(signature = (token, key_name, key_secret, *, now=None, leeway=None, client_id=None, resource=None, operation=None))]
#[allow(clippy::too_many_arguments)]
pub fn ably_verify_token<'py>(
    py: Python<'py>,
    token: &str,
    key_name: &str,
    key_secret: &str,
    now: Option<Int>,
    leeway: Option<Int>,
    client_id: Option<String>,
    resource: Option<String>,
    operation: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let check = TokenCheck {
        now_ms: whole_opt("now", now)?,
        leeway_secs: whole_opt("leeway", leeway)?.unwrap_or(0),
        client_id,
        operation: args::operation(resource, operation).py()?,
    };
    results::claims(py, ably::verify_token(context(), token, &key(key_name, key_secret)?, &check).py()?)
}

/// Verifies TokenRequests and refuses a nonce seen before within the timestamp window.
#[pyclass(frozen, module = "tokensmith._native")]
pub struct TokenRequestVerifier {
    nonces: MemoryNonceCache,
}

#[pymethods]
impl TokenRequestVerifier {
    #[new]
    fn new() -> Self {
        TokenRequestVerifier { nonces: MemoryNonceCache::default() }
    }

    #[pyo3(signature = (request, key_name, key_secret, *, now=None, window_ms=None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        key_name: &str,
        key_secret: &str,
        now: Option<Int>,
        window_ms: Option<Int>,
    ) -> PyResult<Bound<'py, PyDict>> {
        verify_request(py, request, key_name, key_secret, now, window_ms, Some(&self.nonces))
    }

    fn __repr__(&self) -> &'static str {
        "TokenRequestVerifier()"
    }
}
