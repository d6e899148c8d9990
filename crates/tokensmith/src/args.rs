//! Checked conversion of caller-supplied values, shared by the JS and Python bindings so both
//! refuse the same inputs with the same error (JS numbers are `f64`, Python ints `i64`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use serde_json::Value;

use crate::ably::{Capability, IssueOptions};
use crate::error::{Error, Result};

/// A whole, non-negative number that fits `T`; anything else is `INVALID_ARGUMENT` on `field`.
pub fn whole_f64<T: TryFrom<u64>>(field: &'static str, v: f64) -> Result<T> {
    if v.fract() != 0.0 || !(0.0..=9_007_199_254_740_991.0).contains(&v) {
        return Err(Error::invalid(field, format!("{v} is not a whole number ≥ 0")));
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
        Value::String(text) => capability_text(text),
        other => Capability::from_value(other),
    }
}

/// Distinct capability texts remembered per thread, and the longest text remembered.
const CACHED_TEXTS: usize = 8;
const CACHED_TEXT_MAX: usize = 1024;

thread_local! {
    /// Most recently used first. Only valid texts are kept: an invalid one is parsed again, so
    /// its error is always the parser's own.
    static PARSED: RefCell<Vec<(Box<str>, Capability)>> = const { RefCell::new(Vec::new()) };
}

/// A capability given as JSON text, as [`Capability::parse`] but parsed once per distinct text
/// on each thread: servers pass the same few capabilities again and again, and parsing costs
/// twice a TokenRequest's HMAC.
pub fn capability_text(text: &str) -> Result<Capability> {
    if text.len() > CACHED_TEXT_MAX {
        return Capability::parse(text);
    }
    // `try_with`: during thread teardown the cache may be gone; then just parse.
    let hit = PARSED.try_with(|cache| {
        let mut cache = cache.borrow_mut();
        let i = cache.iter().position(|(t, _)| **t == *text)?;
        cache[..=i].rotate_right(1);
        Some(cache[0].1.clone())
    });
    if let Ok(Some(c)) = hit {
        return Ok(c);
    }
    let parsed = Capability::parse(text)?;
    let _ = PARSED.try_with(|cache| {
        let mut cache = cache.borrow_mut();
        cache.truncate(CACHED_TEXTS - 1);
        cache.insert(0, (text.into(), parsed.clone()));
    });
    Ok(parsed)
}

/// [`IssueOptions`] with the caller's overrides; without any, one shared default (it holds a
/// parsed capability, not worth rebuilding per call).
pub fn issue_options(
    key_capability: Option<Capability>,
    default_ttl_ms: Option<u64>,
    max_ttl_ms: Option<u64>,
) -> Cow<'static, IssueOptions> {
    static DEFAULT: LazyLock<IssueOptions> = LazyLock::new(IssueOptions::default);
    if key_capability.is_none() && default_ttl_ms.is_none() && max_ttl_ms.is_none() {
        return Cow::Borrowed(&DEFAULT);
    }
    let mut opts = IssueOptions::default();
    if let Some(c) = key_capability {
        opts.key_capability = c;
    }
    opts.default_ttl_ms = default_ttl_ms.unwrap_or(opts.default_ttl_ms);
    opts.max_ttl_ms = max_ttl_ms.unwrap_or(opts.max_ttl_ms);
    Cow::Owned(opts)
}

/// The (resource, operation) pair a token must allow; both or neither.
pub fn operation(resource: Option<String>, operation: Option<String>) -> Result<Option<(String, String)>> {
    match (resource, operation) {
        (Some(r), Some(o)) => Ok(Some((r, o))),
        (None, None) => Ok(None),
        _ => Err(Error::invalid("operation", "`resource` and `operation` must be given together")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(whole_f64::<u32>("expire", 600.0).unwrap(), 600);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 4_294_967_296.0] {
            assert_eq!(whole_f64::<u32>("expire", bad).unwrap_err().field(), Some("expire"), "{bad}");
        }
        assert_eq!(whole_i64::<u32>("salt", -1).unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(whole_i64::<u64>("ttl", 5).unwrap(), 5);
    }

    #[test]
    fn capability_text_or_object() {
        let a = capability(&Value::String(r#"{"a":["publish"]}"#.into())).unwrap();
        let b = capability(&serde_json::json!({"a": ["publish"]})).unwrap();
        assert_eq!(a, b);
        assert_eq!(capability(&Value::Bool(true)).unwrap_err().field(), Some("capability"));
    }

    #[test]
    fn issue_options_default_or_overridden() {
        let d = IssueOptions::default();
        let shared = issue_options(None, None, None);
        assert!(matches!(shared, Cow::Borrowed(_)));
        assert_eq!(
            (&shared.key_capability, shared.default_ttl_ms, shared.max_ttl_ms),
            (&d.key_capability, d.default_ttl_ms, d.max_ttl_ms)
        );
        let cap = Capability::parse(r#"{"a":["publish"]}"#).unwrap();
        let o = issue_options(Some(cap.clone()), None, Some(60_000));
        assert_eq!((&o.key_capability, o.default_ttl_ms, o.max_ttl_ms), (&cap, d.default_ttl_ms, 60_000));
        assert_eq!(issue_options(None, Some(5_000), None).default_ttl_ms, 5_000);
    }

    #[test]
    fn cached_texts_parse_as_the_parser_does() {
        let texts: Vec<String> =
            (0..2 * CACHED_TEXTS).map(|i| format!(r#"{{"r{i}":["subscribe","publish"]}}"#)).collect();
        // Twice round more texts than the cache holds, then the most recent ones again (hits).
        for text in texts.iter().chain(&texts).chain(&texts[CACHED_TEXTS..]) {
            assert_eq!(capability_text(text).unwrap(), Capability::parse(text).unwrap());
        }
        let long = format!(r#"{{"{}":["*"]}}"#, "x".repeat(CACHED_TEXT_MAX));
        assert_eq!(capability_text(&long).unwrap(), Capability::parse(&long).unwrap());
        for bad in ["{", r#"{"a":[]}"#, r#"{"a":["nope"]}"#] {
            for _ in 0..2 {
                assert_eq!(capability_text(bad), Capability::parse(bad));
            }
        }
    }
}
