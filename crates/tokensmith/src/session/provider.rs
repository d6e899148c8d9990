//! The seam between the engine and whatever produces tokens: a [`Provider`] fetches a
//! [`Credential`]; a failure says whether trying again may help ([`FetchError`]); a server's
//! refusal of a token is recognised through [`AsTokenError`].

use std::fmt;

use super::Credential;
use crate::clock::Context;
use crate::error::Error;

/// Why the engine is fetching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FetchReason {
    /// The session holds no token yet.
    Initial,
    /// Ahead of expiry (`expires − margin − jitter`).
    Scheduled,
    /// The held token expired.
    Expired,
    /// A server refused the held token.
    TokenError,
    /// The caller asked for a new token ([`Session::authorize`](super::Session::authorize)).
    Authorize,
}

impl FetchReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FetchReason::Initial => "initial",
            FetchReason::Scheduled => "scheduled",
            FetchReason::Expired => "expired",
            FetchReason::TokenError => "tokenError",
            FetchReason::Authorize => "authorize",
        }
    }
}

/// What a provider is told on each fetch.
#[derive(Debug, Clone)]
pub struct FetchParams {
    pub reason: FetchReason,
    /// 1 for the first fetch of a renewal, then 2, 3… for its retries.
    pub attempt: u32,
    /// The session's randomness and its estimate of the **server's** clock: sign timestamps
    /// and issue times with it.
    pub context: Context,
}

/// Whether a failed fetch is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A network error, a timeout, a 5xx, a 429: retried with backoff.
    Retryable,
    /// A 401/403 from the auth server, bad configuration, an unusable answer: the session
    /// stops renewing until it is authorized again. Never retried in a loop.
    Terminal,
}

/// A provider's failure and its [`Verdict`].
#[derive(Clone, PartialEq, Eq)]
pub struct FetchError {
    error: Error,
    verdict: Verdict,
    retry_after_ms: Option<u64>,
}

impl FetchError {
    pub fn retryable(error: Error) -> Self {
        FetchError { error, verdict: Verdict::Retryable, retry_after_ms: None }
    }

    pub fn terminal(error: Error) -> Self {
        FetchError { error, verdict: Verdict::Terminal, retry_after_ms: None }
    }

    /// The server asked to wait this long (e.g. `Retry-After`); the backoff waits at least this.
    pub fn with_retry_after(mut self, ms: u64) -> Self {
        self.retry_after_ms = Some(ms);
        self
    }

    pub fn error(&self) -> &Error {
        &self.error
    }

    pub fn into_error(self) -> Error {
        self.error
    }

    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    pub fn is_retryable(&self) -> bool {
        self.verdict == Verdict::Retryable
    }

    pub fn retry_after_ms(&self) -> Option<u64> {
        self.retry_after_ms
    }
}

/// Errors keep their own verdict ([`Error::retryable`]: a store or network failure, a timeout,
/// a 429 or a 502–504 is retryable, everything else terminal) and a server's `Retry-After`.
impl From<Error> for FetchError {
    fn from(error: Error) -> Self {
        let retry_after_ms = error.retry_after_ms();
        let verdict = if error.retryable() { Verdict::Retryable } else { Verdict::Terminal };
        FetchError { error, verdict, retry_after_ms }
    }
}

impl fmt::Debug for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FetchError({:?}, {:?})", self.verdict, self.error)
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

/// Produces tokens for a session. Implementations: an Ably key, a user callback, an Ably
/// `authCallback`, a static token (see [`providers`](super::providers)); HTTP-backed ones
/// (authUrl, Agora token server, CometChat login) live with the REST client.
///
/// The engine calls `fetch` from one task at a time per session (single flight), so a
/// provider does not need its own locking against concurrent renewals.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError>;

    /// False when nothing can replace the first credential (a static token): the engine then
    /// fetches once and, once that token expires or is refused, answers "no means to renew".
    fn renewable(&self) -> bool {
        true
    }

    /// Ends the login at the authority when the session logs out ([`Session::logout`](super::Session::logout)):
    /// CometChat's `DELETE /v3.0/me`. `current` is the token held until then. Default: nothing to tell.
    async fn logout(&self, current: Option<&Credential>) -> crate::error::Result<()> {
        let _ = current;
        Ok(())
    }

    /// The logged-in user, for providers that log in (CometChat).
    #[cfg(feature = "client")]
    fn user(&self) -> Option<crate::client::User> {
        None
    }
}

/// How a server refused a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenErrorKind {
    /// Expired, revoked, unrecognised or undecodable (Ably 40140–40149): renew and retry once.
    Refused,
    /// The auth token is unknown (CometChat `AUTH_ERR_AUTH_TOKEN_NOT_FOUND`): renew if the
    /// session can, otherwise the login is over and the session logs out.
    NotFound,
}

/// Lets [`Session::call`](super::Session::call) recognise a token error in an operation's result.
pub trait AsTokenError {
    fn token_error(&self) -> Option<TokenErrorKind>;
}

/// The crate's errors, local or sent by a server ([`Error::Remote`]): Ably codes 40140–40149,
/// `TOKEN_REVOKED`, `TOKEN_EXPIRED` without another vendor code, and `AUTH_TOKEN_NOT_FOUND`.
impl AsTokenError for Error {
    fn token_error(&self) -> Option<TokenErrorKind> {
        match (self.kind(), self.vendor_code()) {
            // A session's own verdicts, whatever code a provider's failure carries.
            (Error::Provider { .. } | Error::NoRenewalMeans { .. } | Error::SessionClosed, _) => None,
            (Error::AuthTokenNotFound, _) => Some(TokenErrorKind::NotFound),
            (_, Some(40140..=40149)) | (Error::TokenRevoked, _) | (Error::TokenExpired { vendor: None, .. }, _) => {
                Some(TokenErrorKind::Refused)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RemoteError;

    #[test]
    fn token_errors_are_recognised() {
        let refused = [
            Error::TokenRevoked,
            Error::TokenExpired { by_secs: 1, vendor: Some(40142) },
            Error::TokenExpired { by_secs: 1, vendor: None },
            Error::malformed("jwt", "x").with_vendor(40144),
        ];
        for e in refused {
            assert_eq!(e.token_error(), Some(TokenErrorKind::Refused), "{e:?}");
        }
        assert_eq!(Error::AuthTokenNotFound.token_error(), Some(TokenErrorKind::NotFound));
        // The same, sent back by a server (what the REST client returns).
        let remote = |kind, code: &str| {
            let r = RemoteError {
                kind,
                status: 401,
                server_code: Some(code.into()),
                message: String::new(),
                details: vec![],
            };
            Error::Remote(Box::new(r))
        };
        assert_eq!(remote(Error::UnsupportedToken("x".into()), "40143").token_error(), Some(TokenErrorKind::Refused));
        let not_found = remote(Error::AuthTokenNotFound, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND");
        assert_eq!(not_found.token_error(), Some(TokenErrorKind::NotFound));
        assert_eq!(remote(Error::CapabilityRefused("x".into()), "40160").token_error(), None);
        for e in [
            Error::CapabilityRefused("x".into()),
            Error::StoreUnavailable("down".into()),
            Error::TokenExpired { by_secs: 0, vendor: Some(40171) },
            Error::malformed("x", "y"),
        ] {
            assert_eq!(e.token_error(), None, "{e:?}");
        }
    }

    #[test]
    fn fetch_errors_keep_the_error_verdict() {
        assert!(FetchError::from(Error::StoreUnavailable("x".into())).is_retryable());
        let e = FetchError::from(Error::invalid("key", "bad"));
        assert_eq!((e.verdict(), e.error().code()), (Verdict::Terminal, "INVALID_ARGUMENT"));
        assert_eq!(FetchError::retryable(Error::ReplayedNonce).with_retry_after(5).retry_after_ms(), Some(5));
    }
}
