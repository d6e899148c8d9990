//! Checked conversion of caller-supplied values, shared by the JS and Python bindings so both
//! refuse the same inputs with the same error (JS numbers are `f64`, Python ints `i64`).

use serde_json::Value;

use crate::ably::Capability;
use crate::error::{Error, Result};

/// A whole, non-negative number that fits `T`; anything else is `INVALID_ARGUMENT` on `field`.
pub fn whole_f64<T: TryFrom<u64>>(field: &'static str, v: f64) -> Result<T> {
    if v.fract() != 0.0 || !(0.0..=9_007_199_254_740_991.0).contains(&v) {
        return Err(Error::invalid(
            field,
            format!("{v} is not a whole number ≥ 0"),
        ));
    }
    T::try_from(v as u64).map_err(|_| Error::invalid(field, format!("{v} is out of range")))
}

/// As [`whole_f64`], for integers that arrive as `i64`.
pub fn whole_i64<T: TryFrom<i64>>(field: &'static str, v: i64) -> Result<T> {
    T::try_from(v).map_err(|_| Error::invalid(field, format!("{v} is out of range")))
}

/// A capability given as JSON text or as an already-parsed object.
pub fn capability(v: &Value) -> Result<Capability> {
    match v {
        Value::String(text) => Capability::parse(text),
        other => Capability::from_value(other),
    }
}

/// The (resource, operation) pair a token must allow; both or neither.
pub fn operation(
    resource: Option<String>,
    operation: Option<String>,
) -> Result<Option<(String, String)>> {
    match (resource, operation) {
        (Some(r), Some(o)) => Ok(Some((r, o))),
        (None, None) => Ok(None),
        _ => Err(Error::invalid(
            "operation",
            "`resource` and `operation` must be given together",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(whole_f64::<u32>("expire", 600.0).unwrap(), 600);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 4_294_967_296.0] {
            assert_eq!(
                whole_f64::<u32>("expire", bad).unwrap_err().field(),
                Some("expire"),
                "{bad}"
            );
        }
        assert_eq!(
            whole_i64::<u32>("salt", -1).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(whole_i64::<u64>("ttl", 5).unwrap(), 5);
    }

    #[test]
    fn capability_text_or_object() {
        let a = capability(&Value::String(r#"{"a":["publish"]}"#.into())).unwrap();
        let b = capability(&serde_json::json!({"a": ["publish"]})).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            capability(&Value::Bool(true)).unwrap_err().field(),
            Some("capability")
        );
    }
}
