//! JS values → core types. Numbers arrive as `f64` and go through the core's checked conversion.
//!
//! The JS layer (`npm/tokensmith/index.js`) destructures option objects and passes their fields
//! as positional arguments: reading a property in JS is cheap, from Rust (`napi_get_named_property`)
//! it is not. [`field`] reads such an argument exactly as napi reads an `#[napi(object)]` field,
//! so wrong types fail with the same errors as when the object itself crossed.

use std::sync::LazyLock;

use napi::bindgen_prelude::{FromNapiValue, Unknown};
use napi::{JsValue, Result, Status, ValueType, sys};
use serde::Serialize;
use serde_json::Value;
use tokensmith::ably::Capability;

use crate::errors::IntoJs;

/// Which field of which options object a positional argument carries, e.g.
/// `("AblyKey", "keySecret")`: the names napi's errors use.
pub type At = (&'static str, &'static str);

/// An optional field: `undefined` is absent; anything else (`null` too) must convert to `T`,
/// else napi's error for that value, ending `on AblyKey.keySecret`.
pub fn field<T: FromNapiValue>(v: &Unknown<'_>, (owner, name): At) -> Result<Option<T>> {
    if v.get_type()? == ValueType::Undefined {
        return Ok(None);
    }
    // SAFETY: `v` is an argument of the current call, and the `FromNapiValue` impls used here
    // (String, f64, serde_json::Value) check the JS type themselves.
    unsafe { v.cast::<T>() }.map(Some).map_err(|mut e| {
        e.reason = format!("{} on {owner}.{name}", e.reason);
        e
    })
}

/// A required field: as [`field`], and `undefined` is napi's "Missing field" error.
pub fn required<T: FromNapiValue>(v: &Unknown<'_>, at: At) -> Result<T> {
    field(v, at)?.ok_or_else(|| napi::Error::new(Status::InvalidArg, format!("Missing field `{}`", at.1)))
}

/// [`field`] for a string, in one N-API call when it is short: napi-rs asks V8 for the UTF-8
/// length, then copies; here V8 copies straight into the `String`'s buffer, and only a string
/// that did not fit (or is not a string) takes [`field`]'s way, with its errors.
pub fn field_string(v: &Unknown<'_>, at: At) -> Result<Option<String>> {
    /// Key names, secrets, client ids and most capabilities fit.
    const CAPACITY: usize = 128;
    let (env, value) = (v.value().env, v.value().value);
    let mut buf = Vec::<u8>::with_capacity(CAPACITY);
    let mut len = 0;
    // SAFETY: V8 writes at most `CAPACITY - 1` bytes, then a NUL, into the spare capacity.
    let status = unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), CAPACITY, &mut len) };
    // V8 writes whole characters only (≤ 4 bytes): 4 bytes to spare means nothing was cut.
    if status == sys::Status::napi_ok && len + 4 < CAPACITY {
        // SAFETY: V8 wrote `len` bytes of UTF-8 (lone surrogates become U+FFFD, as in napi-rs).
        return Ok(Some(unsafe {
            buf.set_len(len);
            String::from_utf8_unchecked(buf)
        }));
    }
    if status == sys::Status::napi_ok {
        // A long string, perhaps a secret: wipe the prefix before the buffer is freed.
        // SAFETY: V8 initialised `len` bytes.
        unsafe { buf.set_len(len) };
        buf.iter_mut().for_each(|b| unsafe { std::ptr::write_volatile(b, 0) });
    }
    field(v, at)
}

/// A string argument copied into `buf` with one N-API call, if it is one and fits.
pub fn read_str<'b>(v: &Unknown<'_>, buf: &'b mut [u8]) -> Option<&'b str> {
    let (env, value) = (v.value().env, v.value().value);
    let mut len = 0;
    // SAFETY: V8 writes at most `buf.len() - 1` bytes, then a NUL; a non-string only sets the status.
    let status = unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    // V8 writes whole characters only (≤ 4 bytes): 4 bytes to spare means nothing was cut.
    if status != sys::Status::napi_ok || len + 4 >= buf.len() {
        return None;
    }
    // SAFETY: V8 wrote `len` bytes of UTF-8 (lone surrogates become U+FFFD, as in napi-rs).
    Some(unsafe { std::str::from_utf8_unchecked(&buf[..len]) })
}

/// [`field_string`], required.
pub fn required_string(v: &Unknown<'_>, at: At) -> Result<String> {
    field_string(v, at)?.ok_or_else(|| napi::Error::new(Status::InvalidArg, format!("Missing field `{}`", at.1)))
}

/// [`field`] for a number, in one N-API call when it is one.
pub fn field_f64(v: &Unknown<'_>, at: At) -> Result<Option<f64>> {
    let (env, value) = (v.value().env, v.value().value);
    let mut n = 0.0;
    // SAFETY: `value` is an argument of the current call; a non-number only sets the status.
    if unsafe { sys::napi_get_value_double(env, value, &mut n) } == sys::Status::napi_ok {
        return Ok(Some(n));
    }
    field(v, at)
}

/// A capability as it crossed: JSON text or an object. Its type is checked when it is read
/// (with the other fields), its content later, where the core used to parse it.
pub enum CapabilityIn {
    Text(String),
    Object(Value),
}

impl CapabilityIn {
    pub fn read(v: &Unknown<'_>, at: At) -> Result<Option<CapabilityIn>> {
        Ok(if v.get_type()? == ValueType::String {
            field_string(v, at)?.map(CapabilityIn::Text)
        } else {
            field(v, at)?.map(CapabilityIn::Object)
        })
    }

    /// The JSON text, when it crossed as text.
    pub fn text(&self) -> Option<&str> {
        match self {
            CapabilityIn::Text(text) => Some(text),
            CapabilityIn::Object(_) => None,
        }
    }

    /// Text is parsed once per distinct text (`args::capability_text`).
    pub fn parse(c: Option<&CapabilityIn>) -> Result<Option<Capability>> {
        c.map(|c| match c {
            CapabilityIn::Text(text) => tokensmith::args::capability_text(text),
            CapabilityIn::Object(value) => tokensmith::args::capability(value),
        })
        .transpose()
        .js()
    }
}

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
            Some(f) if n.is_f64() && f.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&f) => {
                Value::from(f as u64)
            }
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(whole_numbers).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, whole_numbers(v))).collect()),
        other => other,
    }
}

/// Core results cross as plain JS objects with the core's (vendor) JSON field names.
pub fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// A string the caller passed in, returned only if reading it changed it (napi turns a lone
/// surrogate into U+FFFD); otherwise the JS layer reuses its own, identical, string.
pub fn if_changed(s: String) -> Option<String> {
    s.contains('\u{FFFD}').then_some(s)
}

/// A `u64` result as napi turns a JSON number into JS: a number, or a BigInt past 2^53 − 1
/// (as the objects built through `serde_json::Value` always did).
pub fn number(v: u64) -> serde_json::Number {
    v.into()
}

/// The system clock and the OS CSPRNG, made once.
pub fn context() -> &'static tokensmith::Context {
    static CONTEXT: LazyLock<tokensmith::Context> = LazyLock::new(tokensmith::Context::system);
    &CONTEXT
}
