//! `explain(token, secret?)` and the list of error codes.

use napi::Result;
use napi_derive::napi;
use serde_json::Value;

use crate::convert::{context, to_value};
use crate::errors::IntoJs;

#[napi(ts_return_type = "Explanation")]
pub fn explain(token: String, secret: Option<String>) -> Result<Value> {
    to_value(&tokensmith::explain(context(), &token, secret.as_deref()).js()?)
}

/// Every stable error code, so the JS layer can check it maps each one.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    tokensmith::CODES.to_vec()
}
