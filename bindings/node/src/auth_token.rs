//! `authToken.*`: opaque per-user `tks_` tokens.

use napi::Result;
use napi_derive::napi;
use tokensmith::auth_token;

use crate::convert::context;
use crate::errors::IntoJs;

#[napi(namespace = "authToken")]
pub fn generate() -> String {
    auth_token::generate(context())
}

/// Throws `MalformedTokenError` for a mistyped or truncated token (no lookup needed).
#[napi(namespace = "authToken")]
pub fn check(token: String) -> Result<()> {
    auth_token::check(&token).js()
}

#[napi(namespace = "authToken")]
pub fn fingerprint(token: String) -> String {
    auth_token::fingerprint(&token)
}

#[napi(namespace = "authToken")]
pub fn redact(token: String) -> String {
    auth_token::redact(&token)
}
