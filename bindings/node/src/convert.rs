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

/// napi hands JS numbers above `u32::MAX` to serde as floats (`1700000000000.0`), which a
/// `u64` field refuses; whole, non-negative, safe-integer floats become integers again.
pub fn whole_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f)
                if n.is_f64()
                    && f.fract() == 0.0
                    && (0.0..=9_007_199_254_740_991.0).contains(&f) =>
            {
                Value::from(f as u64)
            }
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(whole_numbers).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, whole_numbers(v))).collect())
        }
        other => other,
    }
}

/// Core results cross as plain JS objects with the core's (vendor) JSON field names.
pub fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| napi::Error::from_reason(e.to_string()))
}

pub fn context() -> tokensmith::Context {
    tokensmith::Context::system()
}
