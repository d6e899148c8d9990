//! `memory://`: the whole state behind one mutex per app. For tests and single-process use.
//!
//! Tokens live in one map keyed by hash; each user keeps its token hashes in creation order
//! (active ones last), so retention pops from the front without sorting.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    PushRegistration, Revocation, Store, TokenCounts, TokenHash, TokenMeta, TokenRecord, User,
};
use crate::error::{Error, Result};

#[derive(Default)]
pub struct MemoryStore {
    apps: Mutex<HashMap<String, AppState>>,
}

#[derive(Default)]
struct AppState {
    users: HashMap<String, UserEntry>,
    tokens: HashMap<TokenHash, TokenRecord>,
    push: HashMap<TokenHash, PushRegistration>,
    revocations: HashMap<String, Vec<Revocation>>,
    nonces: HashMap<(String, String), u64>,
}

struct UserEntry {
    user: User,
    /// Active tokens, oldest first.
    active: VecDeque<TokenHash>,
    /// Archived tokens, oldest first.
    archived: VecDeque<TokenHash>,
}

impl MemoryStore {
    fn app(&self, app: &str) -> AppGuard<'_> {
        let mut apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        if !apps.contains_key(app) {
            apps.insert(app.to_owned(), AppState::default());
        }
        AppGuard {
            apps,
            app: app.to_owned(),
        }
    }
}

struct AppGuard<'a> {
    apps: MutexGuard<'a, HashMap<String, AppState>>,
    app: String,
}

impl std::ops::Deref for AppGuard<'_> {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.apps[&self.app]
    }
}

impl std::ops::DerefMut for AppGuard<'_> {
    fn deref_mut(&mut self) -> &mut AppState {
        self.apps.get_mut(&self.app).expect("inserted on lock")
    }
}

impl AppState {
    fn remove_token(&mut self, hash: &TokenHash) -> Option<TokenRecord> {
        let rec = self.tokens.remove(hash)?;
        self.push.remove(hash);
        if let Some(entry) = self.users.get_mut(&rec.uid) {
            entry.active.retain(|h| h != hash);
            entry.archived.retain(|h| h != hash);
        }
        Some(rec)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_user(&self, app: &str, user: &User) -> Result<()> {
        let mut s = self.app(app);
        if s.users.contains_key(&user.uid) {
            return Err(Error::UidAlreadyExists(user.uid.clone()));
        }
        let entry = UserEntry {
            user: user.clone(),
            active: VecDeque::new(),
            archived: VecDeque::new(),
        };
        s.users.insert(user.uid.clone(), entry);
        Ok(())
    }

    async fn get_user(&self, app: &str, uid: &str) -> Result<Option<User>> {
        Ok(self.app(app).users.get(uid).map(|e| e.user.clone()))
    }

    async fn delete_user(&self, app: &str, uid: &str) -> Result<bool> {
        let mut s = self.app(app);
        let Some(entry) = s.users.remove(uid) else {
            return Ok(false);
        };
        for hash in entry.active.iter().chain(&entry.archived) {
            s.tokens.remove(hash);
            s.push.remove(hash);
        }
        Ok(true)
    }

    async fn insert_token(
        &self,
        app: &str,
        token: &TokenRecord,
        keep: u32,
    ) -> Result<Vec<TokenHash>> {
        let mut guard = self.app(app);
        let s = &mut *guard;
        let entry = s
            .users
            .get_mut(&token.uid)
            .ok_or_else(|| Error::UserNotFound(token.uid.clone()))?;
        entry.active.push_back(token.hash);
        let mut archived = Vec::new();
        while keep > 0 && entry.active.len() > keep as usize {
            let old = entry.active.pop_front().expect("longer than keep");
            entry.archived.push_back(old);
            if let Some(rec) = s.tokens.get_mut(&old) {
                rec.archived_at = Some(token.created_at);
            }
            s.push.remove(&old);
            archived.push(old);
        }
        s.tokens.insert(token.hash, token.clone());
        Ok(archived)
    }

    async fn list_tokens(
        &self,
        app: &str,
        uid: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TokenRecord>, TokenCounts)> {
        let s = self.app(app);
        let entry = s
            .users
            .get(uid)
            .ok_or_else(|| Error::UserNotFound(uid.to_owned()))?;
        let counts = TokenCounts {
            active: entry.active.len() as u64,
            archived: entry.archived.len() as u64,
        };
        let newest_first = entry.active.iter().rev().chain(entry.archived.iter().rev());
        let page = newest_first
            .skip(offset as usize)
            .take(limit as usize)
            .filter_map(|h| s.tokens.get(h).cloned())
            .collect();
        Ok((page, counts))
    }

    async fn get_token(&self, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>> {
        Ok(self.app(app).tokens.get(hash).cloned())
    }

    async fn get_session(
        &self,
        app: &str,
        hash: &TokenHash,
    ) -> Result<Option<(TokenRecord, User)>> {
        let s = self.app(app);
        Ok(s.tokens
            .get(hash)
            .and_then(|t| s.users.get(&t.uid).map(|u| (t.clone(), u.user.clone()))))
    }

    async fn update_token(
        &self,
        app: &str,
        hash: &TokenHash,
        patch: &TokenMeta,
    ) -> Result<Option<TokenRecord>> {
        let mut s = self.app(app);
        Ok(s.tokens
            .get_mut(hash)
            .filter(|t| t.archived_at.is_none())
            .map(|t| {
                t.meta.apply(patch);
                t.clone()
            }))
    }

    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool> {
        Ok(self.app(app).remove_token(hash).is_some())
    }

    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64> {
        let mut guard = self.app(app);
        let s = &mut *guard;
        let Some(entry) = s.users.get_mut(uid) else {
            return Ok(0);
        };
        let hashes: Vec<TokenHash> = entry
            .active
            .drain(..)
            .chain(entry.archived.drain(..))
            .collect();
        for hash in &hashes {
            s.tokens.remove(hash);
            s.push.remove(hash);
        }
        Ok(hashes.len() as u64)
    }

    async fn purge_archived(&self, app: &str, before: u64) -> Result<u64> {
        let mut guard = self.app(app);
        let s = &mut *guard;
        let mut purged = 0;
        for entry in s.users.values_mut() {
            while let Some(h) = entry.archived.front().copied() {
                match s.tokens.get(&h).and_then(|t| t.archived_at) {
                    Some(at) if at >= before => break,
                    _ => {
                        entry.archived.pop_front();
                        s.tokens.remove(&h);
                        purged += 1;
                    }
                }
            }
        }
        Ok(purged)
    }

    async fn add_revocation(&self, app: &str, revocation: &Revocation) -> Result<()> {
        let mut s = self.app(app);
        let list = s.revocations.entry(revocation.subject.clone()).or_default();
        // An entry is superseded by one that covers at least as much, at least as early.
        list.retain(|r| {
            !(revocation.issued_before >= r.issued_before && revocation.applies_at <= r.applies_at)
        });
        list.push(revocation.clone());
        Ok(())
    }

    async fn is_revoked(
        &self,
        app: &str,
        subjects: &[String],
        issued_at: u64,
        now: u64,
    ) -> Result<bool> {
        let s = self.app(app);
        Ok(subjects
            .iter()
            .filter_map(|sub| s.revocations.get(sub))
            .flatten()
            .any(|r| r.applies_at <= now && issued_at < r.issued_before && r.forget_after > now))
    }

    async fn remember_nonce(
        &self,
        app: &str,
        key_name: &str,
        nonce: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<bool> {
        let mut s = self.app(app);
        if s.nonces.len() > 4096 {
            s.nonces.retain(|_, exp| *exp > now);
        }
        let key = (key_name.to_owned(), nonce.to_owned());
        match s.nonces.get(&key) {
            Some(&exp) if exp > now => Ok(false),
            _ => {
                s.nonces.insert(key, expires_at);
                Ok(true)
            }
        }
    }

    async fn put_push(&self, app: &str, registration: &PushRegistration) -> Result<()> {
        let mut s = self.app(app);
        let active = |t: &TokenRecord| t.archived_at.is_none();
        if !s.tokens.get(&registration.token_hash).is_some_and(active) {
            return Err(Error::AuthTokenNotFound);
        }
        s.push.insert(registration.token_hash, registration.clone());
        Ok(())
    }

    async fn list_push(&self, app: &str, uid: &str) -> Result<Vec<PushRegistration>> {
        let s = self.app(app);
        let mut out: Vec<_> = s.push.values().filter(|p| p.uid == uid).cloned().collect();
        out.sort_by_key(|p| p.created_at);
        Ok(out)
    }

    async fn delete_push(&self, app: &str, uid: &str, token: Option<&TokenHash>) -> Result<u64> {
        let mut s = self.app(app);
        let before = s.push.len();
        match token {
            Some(hash) => {
                if s.push.get(hash).is_some_and(|p| p.uid == uid) {
                    s.push.remove(hash);
                }
            }
            None => s.push.retain(|_, p| p.uid != uid),
        }
        Ok((before - s.push.len()) as u64)
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}
