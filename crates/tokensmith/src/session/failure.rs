//! The session's own failures and the one place they become an [`Error`].

use crate::error::Error;

/// Why a session could not hand out a token.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// A token is needed but the provider cannot make another (a static token expired or was
    /// refused, or the session has no auth option). `expired_by_ms`: how long ago the last
    /// token expired, when it had an expiry.
    NoRenewalMeans { expired_by_ms: Option<u64> },
    /// The provider failed; `cause` is its own error.
    Provider { cause: Error },
    /// The provider answered something that is not a usable token.
    InvalidCredential(&'static str),
    /// The server no longer knows the login's auth token; the session logged out.
    LoggedOut,
    /// The session was closed (dropped or `close()`d).
    Closed,
    /// A renewal ended without a result (the provider panicked or the runtime shut down).
    Interrupted,
}

/// The only mapping from session failures to error codes.
pub(crate) fn to_error(f: Failure) -> Error {
    match f {
        Failure::NoRenewalMeans { expired_by_ms } => Error::NoRenewalMeans { expired_by_ms },
        // The session's own verdicts, raised inside a provider (a static token's "no means", an
        // unusable answer, a login the server no longer knows), keep their codes.
        Failure::Provider {
            cause: e @ (Error::Provider { .. } | Error::NoRenewalMeans { .. } | Error::SessionClosed),
        } => e,
        Failure::Provider { cause } if matches!(cause.kind(), Error::AuthTokenNotFound) => cause,
        Failure::Provider { cause } => Error::provider(cause),
        Failure::InvalidCredential(reason) => {
            Error::Provider { reason: format!("the provider answered {reason}"), cause: None }
        }
        Failure::LoggedOut => Error::AuthTokenNotFound,
        Failure::Closed => Error::SessionClosed,
        Failure::Interrupted => Error::Provider { reason: "the renewal ended without a result".into(), cause: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::AsTokenError;

    /// Session failures must never look like token errors, or `call` would treat its own
    /// verdicts as a reason to renew.
    #[test]
    fn session_failures_are_not_token_errors() {
        for f in [
            Failure::NoRenewalMeans { expired_by_ms: Some(5_000) },
            Failure::InvalidCredential("an empty token"),
            Failure::Provider { cause: Error::TokenRevoked },
            Failure::Closed,
            Failure::Interrupted,
        ] {
            let e = to_error(f.clone());
            assert_eq!(e.token_error(), None, "{f:?} → {e:?}");
        }
    }

    #[test]
    fn failures_take_their_codes() {
        let e = to_error(Failure::NoRenewalMeans { expired_by_ms: Some(5_000) });
        assert_eq!((e.code(), e.vendor_code()), ("NO_RENEWAL_MEANS", Some(40171)));
        assert!(e.to_string().ends_with("(the token expired 5s ago)"), "{e}");

        let cause = Error::StoreUnavailable("down".into());
        let e = to_error(Failure::Provider { cause: cause.clone() });
        assert_eq!((e.code(), e.vendor_code(), e.cause()), ("PROVIDER_ERROR", Some(40170), Some(&cause)));
        assert!(e.retryable(), "the cause's verdict");
        assert_eq!(to_error(Failure::Provider { cause: e.clone() }), e, "not wrapped twice");

        let e = to_error(Failure::InvalidCredential("an empty token"));
        assert_eq!((e.code(), e.cause()), ("PROVIDER_ERROR", None));
        assert_eq!(to_error(Failure::Closed).code(), "SESSION_CLOSED");
        assert_eq!(to_error(Failure::LoggedOut).code(), "AUTH_TOKEN_NOT_FOUND");
    }
}
