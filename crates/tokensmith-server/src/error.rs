//! Errors on the wire: one [`ApiError`] type, rendered as CometChat's error object or Ably's.
//!
//! CometChat routes answer `{"error": {message, devMessage, source, code[, details]}}` with the
//! status/code pairs of the CometChat spec; Ably routes (`/keys/…`, `/time`, `/auth/ably`) answer
//! `{"error": {message, code, statusCode, href}}` plus the `X-Ably-Error*` headers, so Ably clients
//! renew on 4014x. Both carry `tokensmithCode`, the core's stable code, when a core error caused it.
//! Messages come from the core's `Display`, which never holds a secret or a raw token.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokensmith::Error;

/// Which error body a route speaks, decided by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    CometChat,
    Ably,
}

impl Flavor {
    pub fn of_path(path: &str) -> Flavor {
        if path.starts_with("/keys/") || path == "/time" || path.starts_with("/auth/ably") {
            Flavor::Ably
        } else {
            Flavor::CometChat
        }
    }
}

/// Where a core error surfaced; the same kind means different things in different places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Anything without a special rule.
    Request,
    /// An admin route naming a user (and maybe a token) in its path: a uid or token that cannot
    /// exist is simply not found.
    AdminPath,
    /// Validating the caller's own `authtoken`: every failure is `AUTH_ERR_AUTH_TOKEN_NOT_FOUND`,
    /// the one code on which CometChat's SDK logs out.
    Session,
}

/// An error response. Build it with the constructors below; `IntoResponse` renders the CometChat
/// body and attaches the error itself, so the outer middleware can re-render it for Ably routes.
/// Boxed: handlers pass it around in `Result`s on the hot path.
#[derive(Debug, Clone)]
pub struct ApiError(Box<ErrorInfo>);

/// What an [`ApiError`] says (reached through `Deref`).
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    /// CometChat-style code, e.g. `ERR_UID_NOT_FOUND`.
    pub code: Cow<'static, str>,
    /// Ably's numeric code (defaults to status × 100).
    pub ably_code: u32,
    pub message: String,
    /// Field → messages, for validation failures.
    pub details: Option<Value>,
    /// The core's stable code, when a core error caused this.
    pub core_code: Option<&'static str>,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError(Box::new(ErrorInfo {
            status,
            code: Cow::Borrowed(code),
            ably_code: u32::from(status.as_u16()) * 100,
            message: message.into(),
            details: None,
            core_code: None,
            retry_after: None,
        }))
    }

    pub fn ably(mut self, code: u32) -> Self {
        self.ably_code = code;
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "ERR_BAD_REQUEST", message)
    }

    /// A request field that failed validation outside the core (`details` names it).
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::bad_request(format!("invalid `{field}`: {message}")).ably(40003);
        e.details = Some(json!({ field: [message] }));
        e
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message).ably(40101)
    }

    pub fn no_access(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "AUTH_ERR_NO_ACCESS", message).ably(40300)
    }

    pub fn not_configured(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "ERR_NOT_CONFIGURED", format!("{what} is not configured for this app"))
    }

    /// A core error, given where it happened.
    pub fn core(e: Error, ctx: Ctx) -> Self {
        use Error as E;
        let session = ctx == Ctx::Session;
        let (status, code, ably): (u16, &'static str, u32) = match &e {
            E::StoreUnavailable(_) => (503, "ERR_STORE_UNAVAILABLE", 50300),
            E::MalformedToken { .. } | E::AuthTokenNotFound | E::TokenRevoked | E::TokenExpired { .. } if session => {
                (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 40140)
            }
            E::InvalidArgument { field: "uid", .. } | E::UserNotFound(_) if ctx == Ctx::AdminPath => {
                (404, "ERR_UID_NOT_FOUND", 40400)
            }
            E::MalformedToken { .. } | E::AuthTokenNotFound if ctx == Ctx::AdminPath => {
                (404, "ERR_AUTH_TOKEN_NOT_FOUND", 40400)
            }
            E::InvalidArgument { field: "client_id", .. } => (400, "ERR_BAD_REQUEST", 40012),
            E::InvalidArgument { .. } => (400, "ERR_BAD_REQUEST", 40003),
            E::UidAlreadyExists(_) => (400, "ERR_UID_ALREADY_EXISTS", 40000),
            E::UserNotFound(_) => (404, "ERR_UID_NOT_FOUND", 40400),
            E::AuthTokenNotFound => (404, "ERR_AUTH_TOKEN_NOT_FOUND", 40400),
            E::CapabilityRefused(_) => (401, "ERR_CAPABILITY_REFUSED", 40160),
            E::TimestampOutOfWindow { .. } => (401, "ERR_TIMESTAMP_OUT_OF_WINDOW", 40104),
            E::ReplayedNonce => (401, "ERR_REPLAYED_NONCE", 40105),
            E::ClientIdMismatch(_) => (401, "ERR_CLIENT_ID_MISMATCH", 40102),
            E::KeyMismatch(_) => (401, "ERR_KEY_MISMATCH", 40101),
            E::TokenRevoked => (401, "ERR_TOKEN_REVOKED", 40141),
            E::TokenExpired { .. } => (401, "ERR_TOKEN_EXPIRED", e.vendor_code().unwrap_or(40142)),
            E::TokenNotYetValid { .. } => (401, "ERR_TOKEN_NOT_YET_VALID", 40140),
            E::BadSignature { .. } => (401, "ERR_BAD_SIGNATURE", e.vendor_code().unwrap_or(40101)),
            E::MalformedToken { vendor: Some(v), .. } => (401, "ERR_MALFORMED_TOKEN", *v),
            E::MalformedToken { .. } => (400, "ERR_MALFORMED_TOKEN", 40000),
            E::UnsupportedToken(_) => (400, "ERR_UNSUPPORTED_TOKEN", 40000),
            // Kinds added to the core later: its own retry hint decides server vs caller fault.
            other if other.retryable() => (503, "ERR_UNAVAILABLE", 50300),
            _ => (400, "ERR_BAD_REQUEST", 40000),
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        let message = match code {
            "AUTH_ERR_AUTH_TOKEN_NOT_FOUND" => {
                "The auth token does not exist. Please make sure you are logged in and have a valid auth token or \
                 try login again."
                    .to_owned()
            }
            _ => e.to_string(),
        };
        let mut out = ApiError::new(status, code, message).ably(ably);
        out.core_code = Some(e.code());
        if let (E::InvalidArgument { field, reason }, 400) = (&e, status.as_u16()) {
            out.details = Some(json!({ *field: [reason] }));
        }
        if e.retryable() {
            out.retry_after = Some(1);
        }
        out
    }

    /// The error for a status produced outside the handlers (axum rejections, limits, timeouts,
    /// unknown routes, panics): a fixed message, since their text may quote the request.
    pub fn from_status(status: StatusCode) -> Self {
        let (status, code, message) = match status.as_u16() {
            404 => (status, "ERR_ROUTE_NOT_FOUND", "There is no such route."),
            405 => (status, "ERR_METHOD_NOT_ALLOWED", "The route does not accept this method."),
            408 => (status, "ERR_REQUEST_TIMEOUT", "The request took too long."),
            413 => (status, "ERR_PAYLOAD_TOO_LARGE", "The request body is too large."),
            415 => (status, "ERR_UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json."),
            422 => (StatusCode::BAD_REQUEST, "ERR_BAD_REQUEST", "The request body does not match the expected shape."),
            400..=499 => (status, "ERR_BAD_REQUEST", "The request is malformed."),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "ERR_INTERNAL", "Internal error."),
        };
        ApiError::new(status, code, message)
    }

    /// The final response in the given flavor.
    pub fn render(&self, flavor: Flavor) -> Response {
        let mut body = match flavor {
            Flavor::CometChat => json!({
                "message": self.message,
                "devMessage": self.message,
                "source": "chat-api",
                "code": self.code,
            }),
            Flavor::Ably => json!({
                "message": self.message,
                "code": self.ably_code,
                "statusCode": self.status.as_u16(),
                "href": format!("https://help.ably.io/error/{}", self.ably_code),
            }),
        };
        if let (Some(details), Flavor::CometChat) = (&self.details, flavor) {
            body["details"] = details.clone();
        }
        if let Some(core) = self.core_code {
            body["tokensmithCode"] = core.into();
        }
        let mut response = (self.status, axum::Json(json!({ "error": body }))).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if flavor == Flavor::Ably {
            headers.insert("x-ably-errorcode", HeaderValue::from(self.ably_code));
            if let Ok(v) = HeaderValue::from_str(&header_text(&self.message)) {
                headers.insert("x-ably-errormessage", v);
            }
        }
        response.extensions_mut().insert(self.clone());
        response
    }
}

/// Printable ASCII only, at most 200 characters: safe as a header value.
fn header_text(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).take(200).collect()
}

impl std::ops::Deref for ApiError {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.render(Flavor::CometChat)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::core(e, Ctx::Request)
    }
}

/// `Result` for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_failures_are_all_token_not_found() {
        for e in [Error::AuthTokenNotFound, Error::TokenRevoked, Error::TokenExpired { by_secs: 1, vendor: None }] {
            let a = ApiError::core(e.clone(), Ctx::Session);
            assert_eq!((a.status.as_u16(), a.code.as_ref()), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"), "{e:?}");
            assert_eq!(a.core_code, Some(e.code()));
        }
    }

    #[test]
    fn admin_path_uid_and_token_are_not_found() {
        let bad_uid = Error::InvalidArgument { field: "uid", reason: "bad".into() };
        assert_eq!(ApiError::core(bad_uid.clone(), Ctx::AdminPath).code, "ERR_UID_NOT_FOUND");
        assert_eq!(ApiError::core(bad_uid, Ctx::Request).status, StatusCode::BAD_REQUEST);
        let typo = Error::MalformedToken { field: "checksum", reason: "x".into(), vendor: None };
        assert_eq!(ApiError::core(typo, Ctx::AdminPath).code, "ERR_AUTH_TOKEN_NOT_FOUND");
    }

    #[test]
    fn ably_codes_and_statuses() {
        let cases = [
            (Error::ReplayedNonce, 401, 40105),
            (Error::TimestampOutOfWindow { by_ms: 5 }, 401, 40104),
            (Error::TokenRevoked, 401, 40141),
            (Error::CapabilityRefused("x".into()), 401, 40160),
            (Error::InvalidArgument { field: "client_id", reason: "empty".into() }, 400, 40012),
            (Error::StoreUnavailable("down".into()), 503, 50300),
        ];
        for (e, status, code) in cases {
            let a = ApiError::core(e, Ctx::Request);
            assert_eq!((a.status.as_u16(), a.ably_code), (status, code));
        }
    }
}
