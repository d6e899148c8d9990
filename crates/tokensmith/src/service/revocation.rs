//! Revocation: one token (any format), or everything a subject was issued before a time, with
//! Ably's `allowReauthMargin` (enforcement postponed so live clients can renew first).

use serde::Serialize;

use super::Tokensmith;
use super::auth_tokens::hash_of;
use crate::ably::{self, Claims, Key, TokenCheck, TokenParams, TokenRequest};
use crate::agora::{self, AccessToken2, ServiceBody};
use crate::auth_token;
use crate::error::{Error, Result};
use crate::store::{Revocation, TokenHash, token_subject, uid_subject};

/// Options of [`Tokensmith::revoke_subject`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RevokeOptions {
    /// Unix ms; tokens issued before it are revoked (default: now). Not in the future, and
    /// at most an hour in the past, as Ably requires.
    pub issued_before: Option<u64>,
    /// Postpone enforcement by the configured margin (default 30 s).
    pub allow_reauth_margin: bool,
}

/// What a revocation did (Ably's BatchResult success entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeResult {
    pub issued_before: u64,
    pub applies_at: u64,
}

/// The longest any token we verify can live (Agora chat 24 h, Ably 24 h); watermarks older
/// than this can be forgotten.
const LONGEST_TOKEN_MS: u64 = 86_400_000;

impl Tokensmith {
    /// Revokes one token of any format. An auth token is deleted (with its push registration);
    /// an Ably JWT or Agora token is refused by the verifiers below until it would have expired.
    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        let now = self.ctx.now_ms();
        if token.starts_with(auth_token::PREFIX) {
            auth_token::check(token)?;
            return match self.store.delete_token(self.app(), &hash_of(token)).await? {
                true => Ok(()),
                false => Err(Error::AuthTokenNotFound),
            };
        }
        let explained = crate::explain(&self.ctx, token, None)?;
        let forget_after = explained.expires_at.map(|s| s * 1000).unwrap_or(now + LONGEST_TOKEN_MS).max(now);
        let revocation = Revocation {
            subject: token_subject(&hash_of(token)),
            issued_before: u64::MAX,
            applies_at: now,
            forget_after,
        };
        self.store.add_revocation(self.app(), &revocation).await
    }

    /// Revokes every token of `subject` (a uid, which is also the Ably client id) issued before
    /// `issued_before`: auth tokens, Ably JWTs and Agora tokens alike.
    pub async fn revoke_subject(&self, subject: &str, options: RevokeOptions) -> Result<RevokeResult> {
        if subject.is_empty() {
            return Err(Error::invalid("subject", "must not be empty"));
        }
        let now = self.ctx.now_ms();
        let issued_before = options.issued_before.unwrap_or(now);
        if issued_before > now {
            return Err(Error::invalid("issued_before", "must not be in the future"));
        }
        if now - issued_before > 3_600_000 {
            return Err(Error::invalid("issued_before", "must be at most one hour in the past"));
        }
        let applies_at = if options.allow_reauth_margin { now + self.config.reauth_margin_ms } else { now };
        let revocation = Revocation {
            subject: uid_subject(subject),
            issued_before,
            applies_at,
            // Auth tokens never expire by themselves, so their watermark is kept for good.
            forget_after: u64::MAX,
        };
        self.store.add_revocation(self.app(), &revocation).await?;
        Ok(RevokeResult { issued_before, applies_at })
    }

    /// Is a token of `subject` (uid / client id), with this hash, issued at `issued_at_ms`, revoked now?
    pub(super) async fn is_revoked(&self, subject: &str, hash: &TokenHash, issued_at_ms: u64) -> Result<bool> {
        let subjects = [uid_subject(subject), token_subject(hash)];
        self.store.is_revoked(self.app(), &subjects, issued_at_ms, self.ctx.now_ms()).await
    }

    /// [`ably::verify_token`], then revocation (by client id and by token).
    pub async fn verify_ably_token(&self, token: &str, key: &Key, check: &TokenCheck) -> Result<Claims> {
        let claims = ably::verify_token(&self.ctx, token, key, check)?;
        let subject = claims.client_id.clone().unwrap_or_default();
        if self.is_revoked(&subject, &hash_of(token), claims.iat * 1000).await? {
            return Err(Error::TokenRevoked);
        }
        Ok(claims)
    }

    /// [`agora::verify`], then revocation (by the chat user id and by token).
    pub async fn verify_agora_token(
        &self,
        token: &str,
        app_certificate: &str,
        now_secs: Option<u64>,
    ) -> Result<AccessToken2> {
        let parsed = agora::verify(&self.ctx, token, app_certificate, now_secs)?;
        let subject = parsed
            .services
            .iter()
            .find_map(|s| match &s.body {
                ServiceBody::UserId { user_id } => Some(user_id.clone()),
                _ => None,
            })
            .unwrap_or_default();
        if self.is_revoked(&subject, &hash_of(token), u64::from(parsed.issue_ts) * 1000).await? {
            return Err(Error::TokenRevoked);
        }
        Ok(parsed)
    }

    /// [`ably::verify_token_request`], then nonce replay protection in the store (so it holds
    /// across processes and instances sharing the store).
    pub async fn verify_token_request(
        &self,
        request: &TokenRequest,
        key: &Key,
        window_ms: Option<u64>,
    ) -> Result<TokenParams> {
        let mut check = ably::RequestCheck::default();
        if let Some(w) = window_ms {
            check.window_ms = w;
        }
        let params = ably::verify_token_request(&self.ctx, request, key, &check)?;
        let now = self.ctx.now_ms();
        let expires = request.timestamp.saturating_add(check.window_ms);
        if !self.store.remember_nonce(self.app(), &request.key_name, &request.nonce, expires, now).await? {
            return Err(Error::ReplayedNonce);
        }
        Ok(params)
    }
}
