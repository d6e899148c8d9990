//! What a provider hands the engine: a token string and what is known about its lifetime.

use std::fmt;

use crate::ably::{self, TokenDetails};
use crate::agora::AccessToken2;
use crate::auth_token;
use crate::secret::Secret;

/// The token formats a credential can be recognised as (names as in [`explain`](crate::explain)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenFormat {
    /// An Ably JWT (HS256, `kid` = key name).
    AblyJwt,
    /// An opaque token from an Ably-compatible authority.
    AblyToken,
    /// An Agora AccessToken2 (`007…`).
    AgoraAccessToken2,
    /// A tokensmith opaque auth token (`tks_…`).
    AuthToken,
    /// Not recognised; the engine treats it as opaque.
    Unknown,
}

impl TokenFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenFormat::AblyJwt => "ably-jwt",
            TokenFormat::AblyToken => "ably-token",
            TokenFormat::AgoraAccessToken2 => "agora-accesstoken2",
            TokenFormat::AuthToken => "auth-token",
            TokenFormat::Unknown => "unknown",
        }
    }
}

/// A token and its lifetime, in the server's time (ms since the epoch). `expires_ms: None`
/// means unknown or never: the token is then renewed only when a server refuses it.
/// `Debug` shows a fingerprint, never the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    token: Secret,
    pub expires_ms: Option<u64>,
    pub issued_ms: Option<u64>,
    pub format: TokenFormat,
    /// The identity the token is bound to, when the provider says so (Ably `clientId`).
    pub client_id: Option<String>,
}

impl Credential {
    /// A token with a known (or no) expiry and nothing else known about it.
    pub fn new(token: impl Into<String>, expires_ms: Option<u64>) -> Self {
        Credential {
            token: Secret::new(token),
            expires_ms,
            issued_ms: None,
            format: TokenFormat::Unknown,
            client_id: None,
        }
    }

    /// A bare token string, with its format, times and client id read from the token itself
    /// where the format carries them (Ably JWT, Agora AccessToken2). Nothing is verified: the
    /// times only drive renewal.
    pub fn infer(token: impl Into<String>) -> Self {
        let mut c = Credential::new(token, None);
        let token = c.token.expose();
        if token.starts_with("007") {
            if let Ok(t) = AccessToken2::parse(token) {
                c.format = TokenFormat::AgoraAccessToken2;
                c.issued_ms = Some(u64::from(t.issue_ts) * 1000);
                // `expire` 0 carries no lifetime; leave the expiry unknown rather than "now".
                c.expires_ms = (t.expire > 0).then(|| t.expires_at() * 1000);
            }
        } else if token.starts_with(auth_token::PREFIX) && auth_token::check(token).is_ok() {
            c.format = TokenFormat::AuthToken;
        } else if let Ok((_, claims)) = ably::decode_unverified(token) {
            c.format = TokenFormat::AblyJwt;
            c.issued_ms = Some(claims.iat.saturating_mul(1000));
            c.expires_ms = Some(claims.exp.saturating_mul(1000));
            c.client_id = claims.client_id;
        }
        c
    }

    pub fn with_issued(mut self, issued_ms: u64) -> Self {
        self.issued_ms = Some(issued_ms);
        self
    }

    pub fn with_format(mut self, format: TokenFormat) -> Self {
        self.format = format;
        self
    }

    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The raw token, to put on the wire. Call sites that use this are the ones to review.
    pub fn token(&self) -> &str {
        self.token.expose()
    }

    /// SHA-256 of the token (hex): safe to log.
    pub fn fingerprint(&self) -> String {
        auth_token::fingerprint(self.token())
    }

    /// True once `now_ms` (server time) has reached the expiry.
    pub fn is_expired_at(&self, now_ms: u64) -> bool {
        self.expires_ms.is_some_and(|e| now_ms >= e)
    }
}

impl From<TokenDetails> for Credential {
    fn from(d: TokenDetails) -> Self {
        let format =
            if ably::decode_unverified(&d.token).is_ok() { TokenFormat::AblyJwt } else { TokenFormat::AblyToken };
        Credential {
            token: Secret::new(d.token),
            expires_ms: Some(d.expires),
            issued_ms: Some(d.issued),
            format,
            client_id: d.client_id,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fingerprint = self.fingerprint();
        f.debug_struct("Credential")
            .field("token_sha256", &&fingerprint[..16])
            .field("expires_ms", &self.expires_ms)
            .field("issued_ms", &self.issued_ms)
            .field("format", &self.format)
            .field("client_id", &self.client_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ably::{IssueOptions, Key, TokenParams};
    use crate::agora::{ChatTokenParams, build_chat_user_token};
    use crate::clock::Context;

    #[test]
    fn infers_times_from_an_ably_jwt() {
        let ctx = Context::fixed(1_700_000_000_000);
        let key = Key::new("app.key", "secret").unwrap();
        let params = TokenParams { ttl: Some(60_000), client_id: Some("alice".into()), ..Default::default() };
        let d = ably::issue_token(&ctx, &key, &params, &IssueOptions::default()).unwrap();
        let c = Credential::infer(d.token.clone());
        assert_eq!(c.format, TokenFormat::AblyJwt);
        assert_eq!((c.issued_ms, c.expires_ms), (Some(d.issued), Some(d.expires)));
        assert_eq!(c.client_id.as_deref(), Some("alice"));
        assert_eq!(Credential::from(d.clone()), c);
        assert!(!format!("{c:?}").contains(&d.token), "Debug never shows the token");
    }

    #[test]
    fn infers_times_from_an_agora_token_and_recognises_auth_tokens() {
        let ctx = Context::fixed(1_700_000_000_000);
        let p = ChatTokenParams {
            app_id: "970CA35de60c44645bbae8a215061b33",
            app_certificate: "5CFd2fd1755d40ecb72977518be15d3b",
            expire: 600,
            issue_ts: None,
            salt: None,
        };
        let c = Credential::infer(build_chat_user_token(&ctx, &p, "alice").unwrap());
        assert_eq!(c.format, TokenFormat::AgoraAccessToken2);
        assert_eq!((c.issued_ms, c.expires_ms), (Some(1_700_000_000_000), Some(1_700_000_600_000)));

        let c = Credential::infer(auth_token::generate(&ctx));
        assert_eq!((c.format, c.expires_ms), (TokenFormat::AuthToken, None));
        let c = Credential::infer("opaque.token");
        assert_eq!((c.format, c.expires_ms, c.is_expired_at(u64::MAX)), (TokenFormat::Unknown, None, false));
    }
}
