//! `tokensmith.auth_token`: opaque per-user `tks_` tokens.

use pyo3::prelude::*;
use tokensmith::auth_token;

use crate::convert::context;
use crate::errors::IntoPy;

#[pyfunction]
pub fn auth_token_generate() -> String {
    auth_token::generate(context())
}

/// Raises `MalformedTokenError` for a mistyped or truncated token (no lookup needed).
#[pyfunction]
pub fn auth_token_check(token: &str) -> PyResult<()> {
    auth_token::check(token).py()
}

#[pyfunction]
pub fn auth_token_fingerprint(token: &str) -> String {
    auth_token::fingerprint(token)
}

#[pyfunction]
pub fn auth_token_redact(token: &str) -> String {
    auth_token::redact(token)
}
