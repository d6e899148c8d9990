//! Auth tokens: create (with rolling retention), list, get, update, delete, flush, validate.
//!
//! Only the SHA-256 of a token is stored. The raw token is returned once, by `create`; list and
//! get show its id and a redacted form (unlike CometChat, which lists raw tokens). Everything
//! that names a token takes either the raw token or its id.

use serde::Serialize;
use serde_json::Value;

use super::{Tokensmith, limits};
use crate::auth_token;
use crate::crypto::sha256;
use crate::error::{Error, Result};
use crate::store::{CheckedSession, TokenHash, TokenMeta, TokenRecord, User, token_id};

/// A token as listed and returned: never the raw token. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthTokenInfo {
    pub id: String,
    pub uid: String,
    /// `tks_…` + the last 4 characters.
    pub redacted: String,
    pub created_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    pub archived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_info: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

impl From<TokenRecord> for AuthTokenInfo {
    fn from(t: TokenRecord) -> Self {
        AuthTokenInfo {
            id: t.id(),
            uid: t.uid,
            redacted: t.redacted,
            created_at: t.created_at / 1000,
            expires_at: t.expires_at.map(|e| e / 1000),
            archived: t.archived_at.is_some(),
            archived_at: t.archived_at.map(|a| a / 1000),
            platform: t.meta.platform,
            user_agent: t.meta.user_agent,
            app_info: t.meta.app_info,
            device_id: t.meta.device_id,
        }
    }
}

/// A freshly minted token: the only time the raw token is ever shown.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    pub auth_token: String,
    #[serde(flatten)]
    pub info: AuthTokenInfo,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken").field("info", &self.info).finish_non_exhaustive()
    }
}

/// One page of a user's tokens, newest first (archived ones after the active ones).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenPage {
    pub tokens: Vec<AuthTokenInfo>,
    /// Active plus archived.
    pub total: u64,
    pub active: u64,
    pub archived: u64,
    pub page: u64,
    pub per_page: u64,
    pub total_pages: u64,
}

/// A validated token with its user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub user: User,
    pub token: AuthTokenInfo,
}

/// Largest page size.
pub const MAX_PER_PAGE: u64 = 1000;

impl Tokensmith {
    /// Mints a token for an existing user; archives the oldest beyond the retention limit.
    pub async fn create_auth_token(&self, uid: &str, meta: TokenMeta) -> Result<IssuedToken> {
        let uid = limits::uid(uid)?;
        limits::token_meta(&meta)?;
        let raw = auth_token::generate(&self.ctx);
        let now = self.ctx.now_ms();
        let record = TokenRecord {
            hash: sha256(raw.as_bytes()),
            uid,
            redacted: redact(&raw),
            created_at: now,
            expires_at: self.config.token_ttl_ms.map(|ttl| now + ttl),
            archived_at: None,
            meta,
        };
        self.store.insert_token(self.app(), &record, self.config.retention).await?;
        Ok(IssuedToken { auth_token: raw, info: record.into() })
    }

    /// `page` counts from 1; `per_page` is clamped to 1..=1000.
    pub async fn list_auth_tokens(&self, uid: &str, page: u64, per_page: u64) -> Result<TokenPage> {
        let uid = limits::uid(uid)?;
        let (page, per_page) = (page.max(1), per_page.clamp(1, MAX_PER_PAGE));
        let (records, counts) =
            self.store.list_tokens(self.app(), &uid, (page - 1).saturating_mul(per_page), per_page).await?;
        let total = counts.active + counts.archived;
        Ok(TokenPage {
            tokens: records.into_iter().map(AuthTokenInfo::from).collect(),
            total,
            active: counts.active,
            archived: counts.archived,
            page,
            per_page,
            total_pages: total.div_ceil(per_page),
        })
    }

    /// The user's token named by raw token or id (archived ones included, marked as such).
    pub async fn get_auth_token(&self, uid: &str, token_or_id: &str) -> Result<AuthTokenInfo> {
        Ok(self.find(uid, token_or_id).await?.into())
    }

    /// Shallow update of an active token's metadata (given fields replace, others stay).
    pub async fn update_auth_token(&self, uid: &str, token_or_id: &str, patch: TokenMeta) -> Result<AuthTokenInfo> {
        limits::token_meta(&patch)?;
        let found = self.find(uid, token_or_id).await?;
        match self.store.update_token(self.app(), &found.hash, &patch).await? {
            Some(t) => Ok(t.into()),
            None => Err(Error::AuthTokenNotFound),
        }
    }

    /// Deletes one token and its push registration.
    pub async fn delete_auth_token(&self, uid: &str, token_or_id: &str) -> Result<()> {
        let found = self.find(uid, token_or_id).await?;
        match self.store.delete_token(self.app(), &found.hash).await? {
            true => Ok(()),
            false => Err(Error::AuthTokenNotFound),
        }
    }

    /// Deletes all of a user's tokens and push registrations; returns how many tokens.
    pub async fn flush_auth_tokens(&self, uid: &str) -> Result<u64> {
        let uid = limits::uid(uid)?;
        if self.store.get_user(self.app(), &uid).await?.is_none() {
            return Err(Error::UserNotFound(uid));
        }
        self.store.flush_tokens(self.app(), &uid).await
    }

    /// The token's user and metadata, in one lookup. A malformed token is `MALFORMED_TOKEN`
    /// (no lookup); unknown or archived is `AUTH_TOKEN_NOT_FOUND`; past its ttl `TOKEN_EXPIRED`;
    /// covered by a revocation `TOKEN_REVOKED`.
    pub async fn validate(&self, token: &str) -> Result<Session> {
        auth_token::check(token)?;
        let hash = sha256(token.as_bytes());
        let now = self.ctx.now_ms();
        // Token, user and revocation in one store lookup (one statement on SQLite).
        let found = self.store.get_checked_session(self.app(), &hash, now).await?;
        let CheckedSession { token: record, user, revoked } = found.ok_or(Error::AuthTokenNotFound)?;
        if record.archived_at.is_some() {
            return Err(Error::AuthTokenNotFound);
        }
        if let Some(exp) = record.expires_at.filter(|&e| now >= e) {
            return Err(Error::TokenExpired { by_secs: (now - exp) / 1000, vendor: None });
        }
        if revoked {
            return Err(Error::TokenRevoked);
        }
        Ok(Session { user, token: record.into() })
    }

    /// The record a raw token or id names, checked to belong to `uid`.
    pub(super) async fn find(&self, uid: &str, token_or_id: &str) -> Result<TokenRecord> {
        let uid = limits::uid(uid)?;
        let record = if token_or_id.starts_with(auth_token::PREFIX) {
            auth_token::check(token_or_id)?;
            self.store.get_token(self.app(), &sha256(token_or_id.as_bytes())).await?
        } else {
            self.find_by_id(&uid, token_or_id).await?
        };
        match record {
            Some(r) if r.uid == uid => Ok(r),
            _ if self.store.get_user(self.app(), &uid).await?.is_none() => Err(Error::UserNotFound(uid)),
            _ => Err(Error::AuthTokenNotFound),
        }
    }

    async fn find_by_id(&self, uid: &str, id: &str) -> Result<Option<TokenRecord>> {
        if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::malformed("token", "expected a `tks_` token or a 24-hex-character token id"));
        }
        let id = id.to_ascii_lowercase();
        let (records, _) = match self.store.list_tokens(self.app(), uid, 0, u64::MAX).await {
            Err(Error::UserNotFound(_)) => return Ok(None),
            other => other?,
        };
        Ok(records.into_iter().find(|r| token_id(&r.hash) == id))
    }
}

/// [`auth_token::redact`] without its intermediate allocations (create is a hot path):
/// `tks_…` + the last 4 characters.
fn redact(token: &str) -> String {
    let cut = token.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    let mut s = String::with_capacity(auth_token::PREFIX.len() + '…'.len_utf8() + token.len() - cut);
    s.push_str(auth_token::PREFIX);
    s.push('…');
    s.push_str(&token[cut..]);
    s
}

/// The hash a raw token is stored under.
pub(crate) fn hash_of(token: &str) -> TokenHash {
    sha256(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_matches_auth_token_redact() {
        let t = auth_token::generate(&crate::Context::system());
        for s in [t.as_str(), "", "ab", "abcd", "tks_é…xyz", "ééééé"] {
            assert_eq!(redact(s), auth_token::redact(s), "{s}");
        }
    }
}
