//! `memory://`: the whole state behind one mutex. For tests and single-process use.
//!
//! Records are kept compact: a 32-byte hash key and a 32-byte value (user slot, redacted tail,
//! creation time, expiry and archive times in seconds, optional boxed metadata), about 170 bytes
//! per retained token with the map's and the per-user queue's overhead. Each user keeps its token
//! hashes in creation order, so retention pops from the front without sorting.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{PushRegistration, Revocation, Store, TokenCounts, TokenHash, TokenMeta, TokenRecord, User};
use crate::auth_token::PREFIX;
use crate::error::{Error, Result};

#[derive(Default)]
pub struct MemoryStore {
    apps: Mutex<HashMap<String, AppState>>,
}

/// Hashes a [`TokenHash`] by its first 8 bytes. Keys are SHA-256 digests of tokens this store
/// minted from a CSPRNG (clients cannot choose them; a lookup of any other digest only probes),
/// so they are uniform already: SipHash over 32 bytes, three times per create, bought nothing.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        match bytes.first_chunk::<8>() {
            Some(head) => self.0 ^= u64::from_le_bytes(*head),
            None => bytes.iter().for_each(|&b| self.0 = self.0.rotate_left(8) ^ u64::from(b)),
        }
    }

    /// `[u8; 32]` hashes its length first: the same for every key.
    fn write_usize(&mut self, _: usize) {}

    fn finish(&self) -> u64 {
        self.0
    }
}

type ByDigest<V> = HashMap<TokenHash, V, BuildHasherDefault<DigestHasher>>;

#[derive(Default)]
struct AppState {
    /// uid → index in `slots`.
    users: HashMap<Arc<str>, u32>,
    slots: Vec<Option<UserEntry>>,
    free_slots: Vec<u32>,
    tokens: ByDigest<Compact>,
    push: ByDigest<PushRegistration>,
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

/// A token record without its hash (the map key): 32 bytes. Expiry and archive times are whole
/// seconds (expiry rounded up, so never early); 0 stands for "none".
struct Compact {
    slot: u32,
    /// The last 4 characters of the token (the redacted form is `tks_…` + these).
    tail: [u8; 4],
    created_at: u64,
    expires_s: u32,
    archived_s: u32,
    meta: Option<Box<TokenMeta>>,
}

/// `tks_…` + the stored tail (ASCII, as the service writes it; lossy otherwise).
fn redacted(tail: &[u8; 4]) -> String {
    let tail = String::from_utf8_lossy(tail);
    let mut s = String::with_capacity(PREFIX.len() + '…'.len_utf8() + tail.len());
    s.push_str(PREFIX);
    s.push('…');
    s.push_str(&tail);
    s
}

fn secs(ms: u64) -> u32 {
    u32::try_from(ms.div_ceil(1000)).unwrap_or(u32::MAX)
}

impl Compact {
    fn record(&self, hash: &TokenHash, uid: &str) -> TokenRecord {
        let ms = |s: u32| (s != 0).then_some(u64::from(s) * 1000);
        TokenRecord {
            hash: *hash,
            uid: uid.to_owned(),
            redacted: redacted(&self.tail),
            created_at: self.created_at,
            expires_at: ms(self.expires_s),
            archived_at: ms(self.archived_s),
            meta: self.meta.as_deref().cloned().unwrap_or_default(),
        }
    }

    fn is_active(&self) -> bool {
        self.archived_s == 0
    }
}

impl MemoryStore {
    /// Runs `f` on the app's state under the lock (creating the app's state on first use).
    fn with_app<R>(&self, app: &str, f: impl FnOnce(&mut AppState) -> R) -> R {
        let mut apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        match apps.get_mut(app) {
            Some(state) => f(state),
            None => f(apps.entry(app.to_owned()).or_default()),
        }
    }
}

impl AppState {
    fn drop_token(&mut self, hash: &TokenHash) {
        self.tokens.remove(hash);
        self.push.remove(hash);
    }

    fn entry(&self, uid: &str) -> Option<&UserEntry> {
        self.users.get(uid).and_then(|&slot| self.slots[slot as usize].as_ref())
    }

    fn entry_mut(&mut self, uid: &str) -> Option<(u32, &mut UserEntry)> {
        let slot = *self.users.get(uid)?;
        self.slots[slot as usize].as_mut().map(|e| (slot, e))
    }

    fn user_of(&self, c: &Compact) -> Option<&User> {
        self.slots[c.slot as usize].as_ref().map(|e| &e.user)
    }

    fn record(&self, hash: &TokenHash) -> Option<TokenRecord> {
        let c = self.tokens.get(hash)?;
        Some(c.record(hash, &self.user_of(c)?.uid))
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_user(&self, app: &str, user: &User) -> Result<()> {
        self.with_app(app, |s| {
            if s.users.contains_key(user.uid.as_str()) {
                return Err(Error::UidAlreadyExists(user.uid.clone()));
            }
            let entry = UserEntry { user: user.clone(), active: VecDeque::new(), archived: VecDeque::new() };
            let slot = match s.free_slots.pop() {
                Some(slot) => {
                    s.slots[slot as usize] = Some(entry);
                    slot
                }
                None => {
                    let slot =
                        u32::try_from(s.slots.len()).map_err(|_| Error::StoreUnavailable("too many users".into()))?;
                    s.slots.push(Some(entry));
                    slot
                }
            };
            s.users.insert(user.uid.as_str().into(), slot);
            Ok(())
        })
    }

    async fn get_user(&self, app: &str, uid: &str) -> Result<Option<User>> {
        Ok(self.with_app(app, |s| s.entry(uid).map(|e| e.user.clone())))
    }

    async fn delete_user(&self, app: &str, uid: &str) -> Result<bool> {
        Ok(self.with_app(app, |s| {
            let Some(slot) = s.users.remove(uid) else { return false };
            let entry = s.slots[slot as usize].take().expect("a mapped slot is occupied");
            for hash in entry.active.iter().chain(&entry.archived) {
                s.drop_token(hash);
            }
            s.free_slots.push(slot);
            true
        }))
    }

    async fn insert_token(&self, app: &str, token: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>> {
        self.with_app(app, |s| {
            let (slot, entry) = s.entry_mut(&token.uid).ok_or_else(|| Error::UserNotFound(token.uid.clone()))?;
            entry.active.push_back(token.hash);
            let excess = if keep == 0 { 0 } else { entry.active.len().saturating_sub(keep as usize) };
            let archived: Vec<TokenHash> = entry.active.drain(..excess).collect();
            entry.archived.extend(&archived);
            let archived_s = secs(token.created_at).max(1);
            for old in &archived {
                if let Some(rec) = s.tokens.get_mut(old) {
                    rec.archived_s = archived_s;
                }
                if !s.push.is_empty() {
                    s.push.remove(old);
                }
            }
            // The redacted form ends in the token's last 4 (ASCII) characters.
            let r = token.redacted.as_bytes();
            let tail = r.get(r.len().saturating_sub(4)..).and_then(|t| t.try_into().ok()).unwrap_or(*b"????");
            let compact = Compact {
                slot,
                tail,
                created_at: token.created_at,
                expires_s: token.expires_at.map(secs).unwrap_or(0),
                archived_s: 0,
                meta: (!token.meta.is_empty()).then(|| Box::new(token.meta.clone())),
            };
            s.tokens.insert(token.hash, compact);
            Ok(archived)
        })
    }

    async fn list_tokens(
        &self,
        app: &str,
        uid: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TokenRecord>, TokenCounts)> {
        self.with_app(app, |s| {
            let entry = s.entry(uid).ok_or_else(|| Error::UserNotFound(uid.to_owned()))?;
            let counts = TokenCounts { active: entry.active.len() as u64, archived: entry.archived.len() as u64 };
            let newest_first = entry.active.iter().rev().chain(entry.archived.iter().rev());
            let page = newest_first
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .filter_map(|h| s.tokens.get(h).map(|c| c.record(h, &entry.user.uid)))
                .collect();
            Ok((page, counts))
        })
    }

    async fn get_token(&self, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>> {
        Ok(self.with_app(app, |s| s.record(hash)))
    }

    async fn get_session(&self, app: &str, hash: &TokenHash) -> Result<Option<(TokenRecord, User)>> {
        Ok(self.with_app(app, |s| {
            let c = s.tokens.get(hash)?;
            let user = s.user_of(c)?;
            Some((c.record(hash, &user.uid), user.clone()))
        }))
    }

    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>> {
        Ok(self.with_app(app, |s| {
            let c = s.tokens.get_mut(hash).filter(|c| c.is_active())?;
            let mut meta = c.meta.take().map(|m| *m).unwrap_or_default();
            meta.apply(patch);
            c.meta = (!meta.is_empty()).then(|| Box::new(meta));
            s.record(hash)
        }))
    }

    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool> {
        Ok(self.with_app(app, |s| {
            let Some(slot) = s.tokens.get(hash).map(|c| c.slot) else { return false };
            if let Some(entry) = s.slots[slot as usize].as_mut() {
                entry.active.retain(|h| h != hash);
                entry.archived.retain(|h| h != hash);
            }
            s.drop_token(hash);
            true
        }))
    }

    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64> {
        Ok(self.with_app(app, |s| {
            let Some((_, entry)) = s.entry_mut(uid) else { return 0 };
            let hashes: Vec<TokenHash> = entry.active.drain(..).chain(entry.archived.drain(..)).collect();
            for hash in &hashes {
                s.drop_token(hash);
            }
            hashes.len() as u64
        }))
    }

    async fn purge_archived(&self, app: &str, before: u64) -> Result<u64> {
        Ok(self.with_app(app, |s| {
            let mut purged = 0;
            for entry in s.slots.iter_mut().flatten() {
                while let Some(h) = entry.archived.front().copied() {
                    match s.tokens.get(&h).map(|c| u64::from(c.archived_s) * 1000) {
                        Some(at) if at >= before => break,
                        _ => {
                            entry.archived.pop_front();
                            s.tokens.remove(&h);
                            purged += 1;
                        }
                    }
                }
            }
            purged
        }))
    }

    async fn add_revocation(&self, app: &str, revocation: &Revocation) -> Result<()> {
        self.with_app(app, |s| {
            let list = s.revocations.entry(revocation.subject.clone()).or_default();
            // An entry is superseded by one that covers at least as much, at least as early.
            list.retain(|r| !(revocation.issued_before >= r.issued_before && revocation.applies_at <= r.applies_at));
            list.push(revocation.clone());
        });
        Ok(())
    }

    async fn is_revoked(&self, app: &str, subjects: &[String], issued_at: u64, now: u64) -> Result<bool> {
        Ok(self.with_app(app, |s| {
            subjects
                .iter()
                .filter_map(|sub| s.revocations.get(sub))
                .flatten()
                .any(|r| r.applies_at <= now && issued_at < r.issued_before && r.forget_after > now)
        }))
    }

    async fn remember_nonce(&self, app: &str, key_name: &str, nonce: &str, expires_at: u64, now: u64) -> Result<bool> {
        Ok(self.with_app(app, |s| {
            if s.nonces.len() > 4096 {
                s.nonces.retain(|_, exp| *exp > now);
            }
            let key = (key_name.to_owned(), nonce.to_owned());
            match s.nonces.get(&key) {
                Some(&exp) if exp > now => false,
                _ => {
                    s.nonces.insert(key, expires_at);
                    true
                }
            }
        }))
    }

    async fn put_push(&self, app: &str, registration: &PushRegistration) -> Result<()> {
        self.with_app(app, |s| {
            if !s.tokens.get(&registration.token_hash).is_some_and(Compact::is_active) {
                return Err(Error::AuthTokenNotFound);
            }
            s.push.insert(registration.token_hash, registration.clone());
            Ok(())
        })
    }

    async fn list_push(&self, app: &str, uid: &str) -> Result<Vec<PushRegistration>> {
        Ok(self.with_app(app, |s| {
            let mut out: Vec<_> = s.push.values().filter(|p| p.uid == uid).cloned().collect();
            out.sort_by_key(|p| p.created_at);
            out
        }))
    }

    async fn delete_push(&self, app: &str, uid: &str, token: Option<&TokenHash>) -> Result<u64> {
        Ok(self.with_app(app, |s| {
            let before = s.push.len();
            match token {
                Some(hash) => {
                    if s.push.get(hash).is_some_and(|p| p.uid == uid) {
                        s.push.remove(hash);
                    }
                }
                None => s.push.retain(|_, p| p.uid != uid),
            }
            (before - s.push.len()) as u64
        }))
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Compact>(), 32);
    }
}
