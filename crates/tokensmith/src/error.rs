//! One error type for every format, with a stable string code per kind.
//!
//! The codes are the contract with the bindings: JS and Python map each code to
//! an error class of the same meaning. Messages never carry secrets or raw tokens.
//!
//! Errors a server sent back (through [`crate::client`]) are [`Error::Remote`]: the closest
//! kind below, whose code they take, plus the HTTP status and the server's own code.

use std::fmt;

/// Every error tokensmith returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value is out of range or badly formed.
    #[error("invalid argument `{field}`: {reason}")]
    InvalidArgument { field: &'static str, reason: String },

    /// A token could not be decoded; `field` names the part that failed.
    #[error("malformed token ({field}): {reason}")]
    MalformedToken { field: &'static str, reason: String, vendor: Option<u32> },

    /// The signature or mac does not match the secret.
    #[error("bad signature: {reason}")]
    BadSignature { reason: String, vendor: Option<u32> },

    /// The token expired `by_secs` seconds ago.
    #[error("token expired {by_secs}s ago")]
    TokenExpired { by_secs: u64, vendor: Option<u32> },

    /// The token becomes valid only in `by_secs` seconds.
    #[error("token not valid for another {by_secs}s")]
    TokenNotYetValid { by_secs: u64 },

    /// A requested capability is not granted.
    #[error("capability refused: {0}")]
    CapabilityRefused(String),

    /// A TokenRequest timestamp is outside the accepted window.
    #[error("timestamp outside the accepted window by {by_ms}ms")]
    TimestampOutOfWindow { by_ms: u64 },

    /// A TokenRequest nonce was presented a second time.
    #[error("nonce already used")]
    ReplayedNonce,

    /// The token's client id does not match the expected one.
    #[error("client id mismatch: {0}")]
    ClientIdMismatch(String),

    /// The token names a different key than the one used to check it.
    #[error("key mismatch: {0}")]
    KeyMismatch(String),

    /// The token was revoked.
    #[error("token revoked")]
    TokenRevoked,

    /// The string is not a token format tokensmith knows.
    #[error("unsupported token: {0}")]
    UnsupportedToken(String),

    /// A user with this uid exists already.
    #[error("the uid `{0}` already exists")]
    UidAlreadyExists(String),

    /// No user has this uid.
    #[error("the uid `{0}` does not exist")]
    UserNotFound(String),

    /// The auth token is unknown, deleted, flushed, archived or revoked.
    #[error("auth token not found")]
    AuthTokenNotFound,

    /// The store cannot be reached or failed (retryable). After a timeout a write may still have
    /// been applied; every store operation is safe to retry.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),

    /// Credentials are missing or wrong, or not allowed to make this call.
    #[error("unauthorized: {0}")]
    Unauthorized(String),

    /// Too many requests; `retry_after_ms` is how long the server asked to wait, when it said.
    #[error("rate limited{}", .retry_after_ms.map(|ms| format!(", retry after {ms}ms")).unwrap_or_default())]
    RateLimited { retry_after_ms: Option<u64> },

    /// The server answered with an error that has no closer kind, or with a response that
    /// cannot be read.
    #[error("HTTP error: {0}")]
    HttpError(String),

    /// The server could not be reached, or the connection failed before a full response came.
    #[error("network error: {0}")]
    Network(String),

    /// No response within the configured timeout.
    #[error("request timed out after {after_ms}ms")]
    RequestTimeout { after_ms: u64 },

    /// A session needs a new token but has nothing to get one with (a static token expired or
    /// was refused, or no auth option was given). Ably 40171 (HTTP 403).
    #[error("a new token is needed but there is no means to renew it{}", expired_text(*.expired_by_ms))]
    NoRenewalMeans { expired_by_ms: Option<u64> },

    /// A session's token provider failed or answered something unusable (an authUrl, an
    /// authCallback, a token server). Ably 40170; `cause` is the provider's own error, when it
    /// has one, and gives the HTTP status and retry verdict.
    #[error("token provider failed: {reason}")]
    Provider {
        reason: String,
        #[source]
        cause: Option<Box<Error>>,
    },

    /// The session was closed; it hands out no more tokens.
    #[error("the session is closed")]
    SessionClosed,

    /// A server refused the request. The code is that of [`RemoteError::kind`], the closest
    /// tokensmith error; the status and the server's own code stay available.
    #[error("{0}")]
    Remote(Box<RemoteError>),
}

/// What a server answered when it refused a request (see [`Error::Remote`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    /// The closest tokensmith error; numbers it cannot know (an expiry's `by_secs`) are 0.
    pub kind: Error,
    /// The HTTP status.
    pub status: u16,
    /// The server's own code (`AUTH_ERR_AUTH_TOKEN_NOT_FOUND`, `40142`, …), when it sent one.
    pub server_code: Option<String>,
    /// The server's message with the request's credentials cut out (empty if it sent none).
    pub message: String,
    /// Per-field validation messages (CometChat's `ERR_BAD_REQUEST` `details`).
    pub details: Vec<(String, Vec<String>)>,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message.is_empty() {
            true => write!(f, "{}", self.kind)?,
            false => f.write_str(&self.message)?,
        }
        write!(f, " (HTTP {}", self.status)?;
        if let Some(code) = &self.server_code {
            write!(f, " {code}")?;
        }
        f.write_str(")")
    }
}

/// Every stable code, in declaration order (bindings test that they map each one).
pub const CODES: &[&str] = &[
    "INVALID_ARGUMENT",
    "MALFORMED_TOKEN",
    "BAD_SIGNATURE",
    "TOKEN_EXPIRED",
    "TOKEN_NOT_YET_VALID",
    "CAPABILITY_REFUSED",
    "TIMESTAMP_OUT_OF_WINDOW",
    "REPLAYED_NONCE",
    "CLIENT_ID_MISMATCH",
    "KEY_MISMATCH",
    "TOKEN_REVOKED",
    "UNSUPPORTED_TOKEN",
    "UID_ALREADY_EXISTS",
    "USER_NOT_FOUND",
    "AUTH_TOKEN_NOT_FOUND",
    "STORE_UNAVAILABLE",
    "UNAUTHORIZED",
    "RATE_LIMITED",
    "HTTP_ERROR",
    "NETWORK_ERROR",
    "REQUEST_TIMEOUT",
    "NO_RENEWAL_MEANS",
    "PROVIDER_ERROR",
    "SESSION_CLOSED",
];

impl Error {
    /// The stable code: the same string in Rust, JS and Python.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArgument { .. } => "INVALID_ARGUMENT",
            Error::MalformedToken { .. } => "MALFORMED_TOKEN",
            Error::BadSignature { .. } => "BAD_SIGNATURE",
            Error::TokenExpired { .. } => "TOKEN_EXPIRED",
            Error::TokenNotYetValid { .. } => "TOKEN_NOT_YET_VALID",
            Error::CapabilityRefused(_) => "CAPABILITY_REFUSED",
            Error::TimestampOutOfWindow { .. } => "TIMESTAMP_OUT_OF_WINDOW",
            Error::ReplayedNonce => "REPLAYED_NONCE",
            Error::ClientIdMismatch(_) => "CLIENT_ID_MISMATCH",
            Error::KeyMismatch(_) => "KEY_MISMATCH",
            Error::TokenRevoked => "TOKEN_REVOKED",
            Error::UnsupportedToken(_) => "UNSUPPORTED_TOKEN",
            Error::UidAlreadyExists(_) => "UID_ALREADY_EXISTS",
            Error::UserNotFound(_) => "USER_NOT_FOUND",
            Error::AuthTokenNotFound => "AUTH_TOKEN_NOT_FOUND",
            Error::StoreUnavailable(_) => "STORE_UNAVAILABLE",
            Error::Unauthorized(_) => "UNAUTHORIZED",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::HttpError(_) => "HTTP_ERROR",
            Error::Network(_) => "NETWORK_ERROR",
            Error::RequestTimeout { .. } => "REQUEST_TIMEOUT",
            Error::NoRenewalMeans { .. } => "NO_RENEWAL_MEANS",
            Error::Provider { .. } => "PROVIDER_ERROR",
            Error::SessionClosed => "SESSION_CLOSED",
            Error::Remote(r) => r.kind.code(),
        }
    }

    /// The error itself, or for [`Error::Remote`] its kind: match on this to handle local
    /// and server errors alike (`matches!(e.kind(), Error::AuthTokenNotFound)`).
    pub fn kind(&self) -> &Error {
        match self {
            Error::Remote(r) => r.kind.kind(),
            other => other,
        }
    }

    /// The HTTP status, for an error a server sent (for a provider failure, its cause's).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Remote(r) => Some(r.status),
            Error::Provider { cause: Some(c), .. } => c.status(),
            _ => None,
        }
    }

    /// The server's own error code (`ERR_UID_NOT_FOUND`, `40142`, …), for an error a server sent
    /// (for a provider failure, its cause's).
    pub fn server_code(&self) -> Option<&str> {
        match self {
            Error::Remote(r) => r.server_code.as_deref(),
            Error::Provider { cause: Some(c), .. } => c.server_code(),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again, when it said.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self.kind() {
            Error::RateLimited { retry_after_ms } => *retry_after_ms,
            Error::Provider { cause: Some(c), .. } => c.retry_after_ms(),
            _ => None,
        }
    }

    /// The error behind this one: a provider failure's own error.
    pub fn cause(&self) -> Option<&Error> {
        match self.kind() {
            Error::Provider { cause, .. } => cause.as_deref(),
            _ => None,
        }
    }

    /// A provider failure wrapping `cause` (its message becomes the reason).
    pub fn provider(cause: Error) -> Self {
        Error::Provider { reason: cause.to_string(), cause: Some(Box::new(cause)) }
    }

    /// The field the error is about, where there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::InvalidArgument { field, .. } | Error::MalformedToken { field, .. } => Some(field),
            Error::Remote(r) => r.kind.field(),
            _ => None,
        }
    }

    /// True when trying again later may succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Error::StoreUnavailable(_)
            | Error::RateLimited { .. }
            | Error::Network(_)
            | Error::RequestTimeout { .. } => true,
            Error::Remote(r) => r.kind.retryable() || matches!(r.status, 502..=504),
            Error::Provider { cause: Some(c), .. } => c.retryable(),
            _ => false,
        }
    }

    /// Ably's error code where the error has an Ably meaning (see ably-token-auth §11); for
    /// an error a server sent, the server's code when it is an Ably code.
    pub fn vendor_code(&self) -> Option<u32> {
        Some(match self {
            Error::Remote(r) => {
                let ably =
                    r.server_code.as_deref().and_then(|c| c.parse().ok()).filter(|c| (10_000..100_000).contains(c));
                return ably.or_else(|| r.kind.vendor_code());
            }
            Error::TokenExpired { vendor, .. }
            | Error::BadSignature { vendor, .. }
            | Error::MalformedToken { vendor, .. } => return *vendor,
            Error::CapabilityRefused(_) => 40160,
            Error::TimestampOutOfWindow { .. } => 40104,
            Error::ReplayedNonce => 40105,
            Error::ClientIdMismatch(_) => 40102,
            Error::TokenRevoked => 40141,
            Error::NoRenewalMeans { .. } => 40171,
            // As Ably normalises authCallback/authUrl failures: the cause's own code, else
            // 40300 for a 403, else 40170.
            Error::Provider { cause: Some(c), .. } => match (c.vendor_code(), c.status()) {
                (Some(code), _) => code,
                (None, Some(403)) => 40300,
                (None, _) => 40170,
            },
            Error::Provider { cause: None, .. } => 40170,
            _ => return None,
        })
    }

    pub(crate) fn invalid(field: &'static str, reason: impl fmt::Display) -> Self {
        Error::InvalidArgument { field, reason: reason.to_string() }
    }

    pub(crate) fn malformed(field: &'static str, reason: impl fmt::Display) -> Self {
        Error::MalformedToken { field, reason: reason.to_string(), vendor: None }
    }

    pub(crate) fn bad_signature(reason: impl fmt::Display) -> Self {
        Error::BadSignature { reason: reason.to_string(), vendor: None }
    }

    /// Attaches a vendor (Ably) code to the variants that carry one.
    pub(crate) fn with_vendor(mut self, code: u32) -> Self {
        if let Error::TokenExpired { vendor, .. }
        | Error::BadSignature { vendor, .. }
        | Error::MalformedToken { vendor, .. } = &mut self
        {
            *vendor = Some(code);
        }
        self
    }

    /// The error of kind `code` (one of [`CODES`]) with `text` as its reason (the uid for the
    /// uid kinds); numbers it cannot know are 0. `None` for a code tokensmith does not have.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn of_code(code: &str, text: &str) -> Option<Error> {
        let t = || text.to_owned();
        Some(match code {
            "INVALID_ARGUMENT" => Error::InvalidArgument { field: "request", reason: t() },
            "MALFORMED_TOKEN" => Error::MalformedToken { field: "token", reason: t(), vendor: None },
            "BAD_SIGNATURE" => Error::BadSignature { reason: t(), vendor: None },
            "TOKEN_EXPIRED" => Error::TokenExpired { by_secs: 0, vendor: None },
            "TOKEN_NOT_YET_VALID" => Error::TokenNotYetValid { by_secs: 0 },
            "CAPABILITY_REFUSED" => Error::CapabilityRefused(t()),
            "TIMESTAMP_OUT_OF_WINDOW" => Error::TimestampOutOfWindow { by_ms: 0 },
            "REPLAYED_NONCE" => Error::ReplayedNonce,
            "CLIENT_ID_MISMATCH" => Error::ClientIdMismatch(t()),
            "KEY_MISMATCH" => Error::KeyMismatch(t()),
            "TOKEN_REVOKED" => Error::TokenRevoked,
            "UNSUPPORTED_TOKEN" => Error::UnsupportedToken(t()),
            "UID_ALREADY_EXISTS" => Error::UidAlreadyExists(t()),
            "USER_NOT_FOUND" => Error::UserNotFound(t()),
            "AUTH_TOKEN_NOT_FOUND" => Error::AuthTokenNotFound,
            "STORE_UNAVAILABLE" => Error::StoreUnavailable(t()),
            "UNAUTHORIZED" => Error::Unauthorized(t()),
            "RATE_LIMITED" => Error::RateLimited { retry_after_ms: None },
            "HTTP_ERROR" => Error::HttpError(t()),
            "NETWORK_ERROR" => Error::Network(t()),
            "REQUEST_TIMEOUT" => Error::RequestTimeout { after_ms: 0 },
            "NO_RENEWAL_MEANS" => Error::NoRenewalMeans { expired_by_ms: None },
            "PROVIDER_ERROR" => Error::Provider { reason: t(), cause: None },
            "SESSION_CLOSED" => Error::SessionClosed,
            _ => return None,
        })
    }
}

/// " (the token expired 5s ago)" when the token had an expiry, nothing otherwise.
fn expired_text(expired_by_ms: Option<u64>) -> String {
    expired_by_ms.map(|ms| format!(" (the token expired {}s ago)", ms / 1000)).unwrap_or_default()
}

/// `Result` with tokensmith's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_code_is_listed() {
        let all = [
            Error::invalid("f", "r"),
            Error::malformed("f", "r"),
            Error::bad_signature(""),
            Error::TokenExpired { by_secs: 1, vendor: None },
            Error::TokenNotYetValid { by_secs: 1 },
            Error::CapabilityRefused(String::new()),
            Error::TimestampOutOfWindow { by_ms: 1 },
            Error::ReplayedNonce,
            Error::ClientIdMismatch(String::new()),
            Error::KeyMismatch(String::new()),
            Error::TokenRevoked,
            Error::UnsupportedToken(String::new()),
            Error::UidAlreadyExists(String::new()),
            Error::UserNotFound(String::new()),
            Error::AuthTokenNotFound,
            Error::StoreUnavailable(String::new()),
            Error::Unauthorized(String::new()),
            Error::RateLimited { retry_after_ms: None },
            Error::HttpError(String::new()),
            Error::Network(String::new()),
            Error::RequestTimeout { after_ms: 1 },
            Error::NoRenewalMeans { expired_by_ms: None },
            Error::provider(Error::Network("down".into())),
            Error::SessionClosed,
        ];
        let codes: Vec<_> = all.iter().map(Error::code).collect();
        assert_eq!(codes, CODES);
    }

    #[test]
    fn every_code_has_a_kind() {
        for code in CODES {
            assert_eq!(Error::of_code(code, "x").map(|e| e.code()), Some(*code));
        }
        assert_eq!(Error::of_code("ERR_UID_NOT_FOUND", "x"), None);
    }

    #[test]
    fn a_remote_error_takes_its_kind_code_and_keeps_the_server_code() {
        let remote = |kind, status, code: &str| {
            Error::Remote(Box::new(RemoteError {
                kind,
                status,
                server_code: Some(code.into()),
                message: "Auth token does not exist.".into(),
                details: vec![],
            }))
        };
        let e = remote(Error::AuthTokenNotFound, 404, "ERR_AUTH_TOKEN_NOT_FOUND");
        assert_eq!(
            (e.code(), e.status(), e.server_code()),
            ("AUTH_TOKEN_NOT_FOUND", Some(404), Some("ERR_AUTH_TOKEN_NOT_FOUND"))
        );
        assert_eq!(e.kind(), &Error::AuthTokenNotFound);
        assert_eq!((e.vendor_code(), e.retryable()), (None, false));
        assert_eq!(e.to_string(), "Auth token does not exist. (HTTP 404 ERR_AUTH_TOKEN_NOT_FOUND)");

        let e = remote(Error::TokenExpired { by_secs: 0, vendor: None }, 401, "40142");
        assert_eq!((e.code(), e.vendor_code()), ("TOKEN_EXPIRED", Some(40142)));

        let e = remote(Error::RateLimited { retry_after_ms: Some(2000) }, 429, "ERR_TOO_MANY_REQUESTS");
        assert_eq!((e.retryable(), e.retry_after_ms()), (true, Some(2000)));
        assert!(remote(Error::HttpError("x".into()), 503, "X").retryable());
        assert!(!remote(Error::HttpError("x".into()), 500, "X").retryable());
    }

    #[test]
    fn a_provider_error_keeps_its_cause() {
        let refused = Error::Remote(Box::new(RemoteError {
            kind: Error::Unauthorized("forbidden by app".into()),
            status: 403,
            server_code: None,
            message: "forbidden by app".into(),
            details: vec![],
        }));
        let e = Error::provider(refused.clone());
        assert_eq!((e.code(), e.cause(), e.status()), ("PROVIDER_ERROR", Some(&refused), Some(403)));
        assert_eq!((e.vendor_code(), e.retryable()), (Some(40300), false), "a 403 without a code is Ably's 40300");
        assert_eq!(std::error::Error::source(&e).map(|s| s.to_string()), Some(refused.to_string()));
        assert_eq!(e.to_string(), "token provider failed: forbidden by app (HTTP 403)");

        let e = Error::provider(Error::RateLimited { retry_after_ms: Some(1_500) });
        assert_eq!((e.vendor_code(), e.retryable(), e.retry_after_ms()), (Some(40170), true, Some(1_500)));
        let e = Error::provider(Error::TokenRevoked);
        assert_eq!(e.vendor_code(), Some(40141), "a cause's own Ably code is kept");
        let e = Error::NoRenewalMeans { expired_by_ms: None };
        assert_eq!(
            (e.code(), e.vendor_code(), e.to_string().as_str()),
            ("NO_RENEWAL_MEANS", Some(40171), "a new token is needed but there is no means to renew it")
        );
        assert_eq!(Error::SessionClosed.cause(), None);
    }

    #[test]
    fn messages_name_the_field() {
        let e = Error::invalid("app_id", "must be 32 hex characters");
        assert_eq!(e.to_string(), "invalid argument `app_id`: must be 32 hex characters");
        assert_eq!(e.field(), Some("app_id"));
    }
}
