//! Error responses → [`Error::Remote`]: the closest tokensmith kind, the status, the server's code.
//!
//! Bodies come in two shapes: CometChat's `{"error": {code: "ERR_…", message, devMessage,
//! details}}` and Ably's `{"error": {code: 40142, statusCode, message, href}}` (Ably also sends
//! `X-Ably-ErrorCode`). The tokensmith service answers with CometChat's and Ably's codes on their
//! routes and with its own stable codes elsewhere; all three are mapped. A code tokensmith does not
//! know falls back to the HTTP status. Server messages can quote the caller's key or token
//! (CometChat's `AUTH_ERR_NO_ACCESS` and `AUTH_ERR_AUTH_TOKEN_NOT_FOUND` do), so every
//! credential of the request is cut out before the text is kept.

use std::time::Duration;

use serde_json::Value;

use crate::auth_token;
use crate::error::{Error, RemoteError};

/// Longest server message kept.
const MAX_MESSAGE: usize = 300;

/// The error for a non-2xx response. `secrets` are the request's credentials; `uid` the user
/// the call named (for the uid kinds); `retry_after` what the server asked to wait.
pub(crate) fn from_response(
    status: u16,
    ably_code_header: Option<&str>,
    text_body: bool,
    body: &[u8],
    secrets: &[&str],
    uid: Option<&str>,
    retry_after: Option<Duration>,
) -> Error {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let error = json.as_ref().and_then(|v| v.get("error")).filter(|e| e.is_object());
    let code = match error.and_then(|e| e.get("code")) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => ably_code_header.map(str::to_owned),
    };
    let message = match error {
        Some(e) => e.get("message").or_else(|| e.get("devMessage")).and_then(Value::as_str).unwrap_or_default(),
        // Plain-text bodies (Agora's sample servers) say what went wrong; HTML pages do not.
        None if text_body => std::str::from_utf8(body).unwrap_or_default(),
        None => "",
    };
    let message = redact(message.trim(), secrets);
    let details = error.and_then(|e| e.get("details")).map(|d| details_of(d, secrets)).unwrap_or_default();
    let retry_after_ms = retry_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut kind = kind_of(status, code.as_deref(), &message, uid);
    if let Error::RateLimited { retry_after_ms: r } = &mut kind {
        *r = retry_after_ms;
    }
    Error::Remote(Box::new(RemoteError { kind, status, server_code: code, message, details }))
}

/// A 2xx response whose body is not what the call expects. The serde error is reduced to its
/// category and position: its text can quote the offending value.
pub(crate) fn undecodable(status: u16, e: &serde_json::Error) -> Error {
    let what = match e.classify() {
        serde_json::error::Category::Io | serde_json::error::Category::Eof => "incomplete",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "not the expected shape",
    };
    let reason = format!("the response body is {what} (line {}, column {})", e.line(), e.column());
    Error::Remote(Box::new(RemoteError {
        kind: Error::HttpError(reason.clone()),
        status,
        server_code: None,
        message: reason,
        details: Vec::new(),
    }))
}

/// The closest kind for a server code, else for the status.
fn kind_of(status: u16, code: Option<&str>, message: &str, uid: Option<&str>) -> Error {
    let known = code.and_then(|c| match c.parse::<u32>() {
        Ok(n) => ably_kind(n, message),
        Err(_) => cometchat_kind(c, message, uid).or_else(|| Error::of_code(c, message)),
    });
    known.unwrap_or_else(|| status_kind(status, message))
}

/// CometChat's codes (cometchat-rest §3.4) that mean a tokensmith kind.
fn cometchat_kind(code: &str, message: &str, uid: Option<&str>) -> Option<Error> {
    let uid = || uid.unwrap_or_default().to_owned();
    Some(match code {
        "AUTH_ERR_AUTH_TOKEN_NOT_FOUND" | "ERR_AUTH_TOKEN_NOT_FOUND" | "ERR_AUTHTOKEN_NOT_ACCESSIBLE" => {
            Error::AuthTokenNotFound
        }
        "ERR_UID_NOT_FOUND" => Error::UserNotFound(uid()),
        "ERR_UID_ALREADY_EXISTS" => Error::UidAlreadyExists(uid()),
        "ERR_BAD_REQUEST" => Error::InvalidArgument { field: "request", reason: message.to_owned() },
        "ERR_TOO_MANY_REQUESTS" => Error::RateLimited { retry_after_ms: None },
        "AUTH_ERR_EMPTY_APPID"
        | "AUTH_ERR_INVALID_APPID"
        | "AUTH_ERR_EMPTY_APIKEY"
        | "AUTH_ERR_APIKEY_NOT_FOUND"
        | "AUTH_ERR_NO_ACCESS"
        | "AUTH_ERR_EMPTY_AUTH_TOKEN" => Error::Unauthorized(message.to_owned()),
        _ => return None,
    })
}

/// Ably's codes (ably-token-auth §11) that mean a tokensmith kind; the number stays the vendor code.
fn ably_kind(code: u32, message: &str) -> Option<Error> {
    let m = || message.to_owned();
    Some(match code {
        40000 | 40003 => Error::InvalidArgument { field: "request", reason: m() },
        40012 => Error::InvalidArgument { field: "client_id", reason: m() },
        40101 => Error::BadSignature { reason: m(), vendor: Some(code) },
        40102 => Error::ClientIdMismatch(m()),
        40104 => Error::TimestampOutOfWindow { by_ms: 0 },
        40105 => Error::ReplayedNonce,
        40133 => Error::KeyMismatch(m()),
        40140 | 40144 | 40145 => Error::MalformedToken { field: "token", reason: m(), vendor: Some(code) },
        40141 => Error::TokenRevoked,
        40142 => Error::TokenExpired { by_secs: 0, vendor: Some(code) },
        40143 => Error::UnsupportedToken(m()),
        40160 => Error::CapabilityRefused(m()),
        40100..=40199 | 40300..=40399 => Error::Unauthorized(m()),
        42900..=42999 => Error::RateLimited { retry_after_ms: None },
        40001..=40099 => Error::InvalidArgument { field: "request", reason: m() },
        _ => return None,
    })
}

fn status_kind(status: u16, message: &str) -> Error {
    let m = || match message.is_empty() {
        true => format!("HTTP {status}"),
        false => message.to_owned(),
    };
    match status {
        400 | 422 => Error::InvalidArgument { field: "request", reason: m() },
        401 | 403 => Error::Unauthorized(m()),
        429 => Error::RateLimited { retry_after_ms: None },
        _ => Error::HttpError(m()),
    }
}

/// CometChat's `details`: field → list of messages.
fn details_of(details: &Value, secrets: &[&str]) -> Vec<(String, Vec<String>)> {
    let Some(map) = details.as_object() else { return Vec::new() };
    let texts = |v: &Value| match v {
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(|s| redact(s, secrets)).collect(),
        Value::String(s) => vec![redact(s, secrets)],
        _ => Vec::new(),
    };
    map.iter().map(|(field, v)| (redact(field, secrets), texts(v))).collect()
}

/// `text` without the request's credentials or anything shaped like a tokensmith auth token,
/// cut to a few hundred characters.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    // Very short values would match ordinary words by chance.
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        if out.contains(secret) {
            out = out.replace(secret, "***");
        }
    }
    let out = cut_auth_tokens(&out);
    match out.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &out[..at]),
        None => out,
    }
}

/// Replaces `tks_` followed by token characters with `tks_***`.
fn cut_auth_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(auth_token::PREFIX) {
        let after = &rest[at + auth_token::PREFIX.len()..];
        let run = after.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')).count();
        out.push_str(&rest[..at]);
        out.push_str(auth_token::PREFIX);
        out.push_str(if run > 0 { "***" } else { "" });
        rest = &after[run..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "k3y-s3cret-value";

    fn map(status: u16, body: &str) -> Error {
        from_response(status, None, false, body.as_bytes(), &[KEY], Some("alice"), None)
    }

    #[test]
    fn cometchat_codes_map_to_kinds() {
        let e = map(404, r#"{"error":{"message":"Auth token does not exist.","code":"ERR_AUTH_TOKEN_NOT_FOUND"}}"#);
        assert_eq!(e.kind(), &Error::AuthTokenNotFound);
        assert_eq!((e.status(), e.server_code()), (Some(404), Some("ERR_AUTH_TOKEN_NOT_FOUND")));
        let e = map(404, r#"{"error":{"message":"The UID alice does not exist","code":"ERR_UID_NOT_FOUND"}}"#);
        assert_eq!(e.kind(), &Error::UserNotFound("alice".into()));
        let e = map(402, r#"{"error":{"message":"quota","code":"ERR_PLAN_QUOTA_RESTRICTION"}}"#);
        assert_eq!((e.code(), e.server_code()), ("HTTP_ERROR", Some("ERR_PLAN_QUOTA_RESTRICTION")));
    }

    #[test]
    fn ably_codes_keep_the_number_as_vendor_code() {
        let e = map(401, r#"{"error":{"message":"token expired","code":40142,"statusCode":401}}"#);
        assert_eq!((e.code(), e.vendor_code(), e.server_code()), ("TOKEN_EXPIRED", Some(40142), Some("40142")));
        let e = map(401, r#"{"error":{"message":"x","code":40171,"statusCode":403}}"#);
        assert_eq!((e.code(), e.vendor_code()), ("UNAUTHORIZED", Some(40171)));
        let e = from_response(401, Some("40141"), false, b"", &[], None, None);
        assert_eq!((e.code(), e.vendor_code()), ("TOKEN_REVOKED", Some(40141)));
    }

    #[test]
    fn tokensmith_codes_and_unknown_codes() {
        let e = map(503, r#"{"error":{"message":"store down","code":"STORE_UNAVAILABLE"}}"#);
        assert_eq!((e.code(), e.retryable()), ("STORE_UNAVAILABLE", true));
        assert_eq!(map(403, r#"{"error":{"code":"SOMETHING_NEW"}}"#).code(), "UNAUTHORIZED");
        assert_eq!(map(400, "<html>bad</html>").code(), "INVALID_ARGUMENT");
        assert_eq!(map(500, "").code(), "HTTP_ERROR");
        let e = from_response(429, None, false, b"{}", &[], None, Some(Duration::from_secs(3)));
        assert_eq!((e.code(), e.retry_after_ms()), ("RATE_LIMITED", Some(3000)));
    }

    #[test]
    fn messages_lose_credentials_and_tokens() {
        let body = format!(
            r#"{{"error":{{"message":"The key {KEY} cannot be used; token tks_AbC-d_9 either","code":"AUTH_ERR_NO_ACCESS","details":{{"uid":["{KEY} is bad"]}}}}}}"#
        );
        let e = map(403, &body);
        assert_eq!(e.code(), "UNAUTHORIZED");
        let text = format!("{e} {e:?}");
        assert!(!text.contains(KEY) && !text.contains("AbC-d_9"), "{text}");
        assert!(text.contains("The key *** cannot be used; token tks_*** either"), "{text}");
        let Error::Remote(r) = &e else { panic!("{e:?}") };
        assert_eq!(r.details, vec![("uid".to_owned(), vec!["*** is bad".to_owned()])]);
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "é".repeat(1000);
        assert_eq!(redact(&long, &[]).chars().count(), MAX_MESSAGE + 1);
        assert_eq!(cut_auth_tokens("tks_ and tks_"), "tks_ and tks_");
    }

    #[test]
    fn undecodable_bodies_do_not_quote_values() {
        let err = serde_json::from_str::<u64>(r#""tks_secretvalue""#).unwrap_err();
        let e = undecodable(200, &err);
        assert_eq!((e.code(), e.status()), ("HTTP_ERROR", Some(200)));
        assert!(!e.to_string().contains("secretvalue"), "{e}");
    }
}
