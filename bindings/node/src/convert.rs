//! JS values → core types. Numbers arrive as `f64` and go through the core's checked conversion.

use napi::Result;
use serde::Serialize;
use serde_json::Value;

use crate::errors::IntoJs;

pub fn whole<T: TryFrom<u64>>(field: &'static str, v: f64) -> Result<T> {
    tokensmith::args::whole_f64(field, v).js()
}

pub fn whole_opt<T: TryFrom<u64>>(field: &'static str, v: Option<f64>) -> Result<Option<T>> {
    v.map(|v| whole(field, v)).transpose()
}

/// Core results cross as plain JS objects with the core's (vendor) JSON field names.
pub fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| napi::Error::from_reason(e.to_string()))
}

pub fn context() -> tokensmith::Context {
    tokensmith::Context::system()
}
