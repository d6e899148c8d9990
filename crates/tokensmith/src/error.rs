//! One error type for every format, with a stable string code per kind.
//!
//! The codes are the contract with the bindings: JS and Python map each code to
//! an error class of the same meaning. Messages never carry secrets or raw tokens.

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
        }
    }

    /// The field the error is about, where there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::InvalidArgument { field, .. } | Error::MalformedToken { field, .. } => Some(field),
            _ => None,
        }
    }

    /// True when trying again later may succeed.
    pub fn retryable(&self) -> bool {
        matches!(self, Error::StoreUnavailable(_))
    }

    /// Ably's error code where the error has an Ably meaning (see ably-token-auth §11).
    pub fn vendor_code(&self) -> Option<u32> {
        Some(match self {
            Error::TokenExpired { vendor, .. }
            | Error::BadSignature { vendor, .. }
            | Error::MalformedToken { vendor, .. } => return *vendor,
            Error::CapabilityRefused(_) => 40160,
            Error::TimestampOutOfWindow { .. } => 40104,
            Error::ReplayedNonce => 40105,
            Error::ClientIdMismatch(_) => 40102,
            Error::TokenRevoked => 40141,
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
        ];
        let codes: Vec<_> = all.iter().map(Error::code).collect();
        assert_eq!(codes, CODES);
    }

    #[test]
    fn messages_name_the_field() {
        let e = Error::invalid("app_id", "must be 32 hex characters");
        assert_eq!(e.to_string(), "invalid argument `app_id`: must be 32 hex characters");
        assert_eq!(e.field(), Some("app_id"));
    }
}
