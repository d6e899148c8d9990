//! `tokensmith::Error` → a JS error: `[CODE] message`, with the details as JSON in `cause`
//! (a custom `error.code` does not survive async rejections; this shape does). The JS
//! `fromNative` turns it into the matching `TokensmithError` subclass.

use napi::{Error, Status};
use serde_json::json;

pub fn to_js(e: tokensmith::Error) -> Error {
    let mut err = Error::new(Status::GenericFailure, format!("[{}] {e}", e.code()));
    err.set_cause(Error::new(Status::GenericFailure, details(&e).to_string()));
    err
}

/// What JS needs besides the message; a provider failure's own error goes in `cause`.
fn details(e: &tokensmith::Error) -> serde_json::Value {
    let mut d = json!({
        "code": e.code(),
        "vendorCode": e.vendor_code(),
        "field": e.field(),
        "status": e.status(),
        "serverCode": e.server_code(),
        "retryAfterMs": e.retry_after_ms(),
    });
    if let Some(cause) = e.cause() {
        let mut c = details(cause);
        c["message"] = cause.to_string().into();
        d["cause"] = c;
    }
    d
}

/// `Result<T, tokensmith::Error>` → `napi::Result<T>`.
pub trait IntoJs<T> {
    fn js(self) -> napi::Result<T>;
}

impl<T> IntoJs<T> for tokensmith::Result<T> {
    fn js(self) -> napi::Result<T> {
        self.map_err(to_js)
    }
}
