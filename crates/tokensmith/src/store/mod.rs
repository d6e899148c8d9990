//! Retention state behind the tokens: users, auth tokens with rolling retention, revocation
//! watermarks, TokenRequest nonces and push registrations.
//!
//! A [`Store`] does the atomic steps; the rules (uid syntax, limits, retention count, cascades
//! to check) live in [`crate::service`], once, for every backend. Backends are chosen by URL:
//! `memory://`, `sqlite://PATH` (the embedded default) and `redis://HOST:PORT/DB`.

mod memory;
mod model;
mod redis;
mod redis_scripts;
mod sqlite;

pub use memory::MemoryStore;
pub(crate) use model::hex;
pub use model::{
    PushRegistration, Revocation, TokenCounts, TokenHash, TokenMeta, TokenRecord, User, token_id, token_subject,
    uid_subject,
};
pub use redis::RedisStore;
pub use sqlite::SqliteStore;

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{Error, Result};

/// What [`Store::get_checked_session`] finds: a token, its user, and whether it is revoked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSession {
    pub token: TokenRecord,
    pub user: User,
    pub revoked: bool,
}

/// The atomic operations every backend provides. `app` namespaces everything.
///
/// Each method is one atomic step: concurrent callers (threads, processes, instances) never see
/// half of it. Cascades named in a doc comment are part of that step.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `UID_ALREADY_EXISTS` if the uid is taken.
    async fn create_user(&self, app: &str, user: &User) -> Result<()>;
    async fn get_user(&self, app: &str, uid: &str) -> Result<Option<User>>;
    /// Deletes the user with all its tokens and push registrations; false if absent.
    async fn delete_user(&self, app: &str, uid: &str) -> Result<bool>;

    /// Inserts a token for an existing user (`USER_NOT_FOUND` otherwise) and, in the same step,
    /// archives the oldest active tokens beyond `keep` (0 = unlimited) and drops their push
    /// registrations. Returns the hashes archived.
    async fn insert_token(&self, app: &str, token: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>>;
    /// A user's tokens, newest first (archived included), `offset`/`limit` paged.
    async fn list_tokens(
        &self,
        app: &str,
        uid: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TokenRecord>, TokenCounts)>;
    /// By hash (what a presented raw token hashes to).
    async fn get_token(&self, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>>;
    /// A token with its user, in one lookup (the hot path of every authenticated call).
    async fn get_session(&self, app: &str, hash: &TokenHash) -> Result<Option<(TokenRecord, User)>>;
    /// Everything `validate` asks, in one lookup where the backend can: the token, its user, and
    /// whether a watermark in force at `now` covers the token (subjects [`uid_subject`] of its
    /// user and [`token_subject`] of `hash`, issued at its `created_at`). `revoked` is only
    /// computed for an active token (false for an archived one). By default `get_session`, then
    /// `is_revoked`.
    async fn get_checked_session(&self, app: &str, hash: &TokenHash, now: u64) -> Result<Option<CheckedSession>> {
        let Some((token, user)) = self.get_session(app, hash).await? else {
            return Ok(None);
        };
        let revoked = token.archived_at.is_none()
            && self.is_revoked(app, &[uid_subject(&user.uid), token_subject(hash)], token.created_at, now).await?;
        Ok(Some(CheckedSession { token, user, revoked }))
    }
    /// Applies `patch` to an active token; `None` if absent or archived.
    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>>;
    /// Deletes one token and its push registration; false if absent.
    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool>;
    /// Deletes all of a user's tokens and push registrations; returns how many tokens.
    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64>;
    /// Forgets archived tokens archived before `before` (Unix ms); returns how many.
    async fn purge_archived(&self, app: &str, before: u64) -> Result<u64>;

    /// Records a watermark (older ones for the subject stay until superseded or forgotten).
    async fn add_revocation(&self, app: &str, revocation: &Revocation) -> Result<()>;
    /// True when any watermark of `subjects` in force at `now` covers a token issued at `issued_at`.
    async fn is_revoked(&self, app: &str, subjects: &[String], issued_at: u64, now: u64) -> Result<bool>;

    /// Remembers `(key_name, nonce)` until `expires_at`; false if it was already there (a replay).
    async fn remember_nonce(&self, app: &str, key_name: &str, nonce: &str, expires_at: u64, now: u64) -> Result<bool>;

    /// Registers (or replaces) the push registration of one auth token.
    async fn put_push(&self, app: &str, registration: &PushRegistration) -> Result<()>;
    async fn list_push(&self, app: &str, uid: &str) -> Result<Vec<PushRegistration>>;
    /// Deletes the registration of one token (`Some`) or all of the user's (`None`); returns how many.
    async fn delete_push(&self, app: &str, uid: &str, token: Option<&TokenHash>) -> Result<u64>;

    /// Reachability, for readiness checks.
    async fn ping(&self) -> Result<()>;
}

/// Opens a store from its URL: `memory://`, `sqlite://PATH` (`sqlite::memory:` for a private
/// in-memory database) or `redis://HOST:PORT/DB` (parameters: see [`RedisStore`]).
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url == "memory://" || url == "memory:" {
        Ok(Arc::new(MemoryStore::default()))
    } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Ok(Arc::new(SqliteStore::open(path).await?))
    } else if url.starts_with("redis://") || url.starts_with("rediss://") {
        Ok(Arc::new(RedisStore::open(url).await?))
    } else {
        Err(Error::invalid("store", "expected memory://, sqlite://PATH or redis://HOST:PORT/DB"))
    }
}
