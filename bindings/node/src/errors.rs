//! `tokensmith::Error` → a JS error: `[CODE] message`, with the details as JSON in `cause`
//! (a custom `error.code` does not survive async rejections; this shape does). The JS
//! `fromNative` turns it into the matching `TokensmithError` subclass.

use napi::{Error, Status};
use serde_json::json;

pub fn to_js(e: tokensmith::Error) -> Error {
    let details = json!({ "code": e.code(), "vendorCode": e.vendor_code(), "field": e.field() });
    let mut err = Error::new(Status::GenericFailure, format!("[{}] {e}", e.code()));
    err.set_cause(Error::new(Status::GenericFailure, details.to_string()));
    err
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
