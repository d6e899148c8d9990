//! `memory://`: the whole state behind one mutex. For tests and single-process use.
//!
//! Records are kept compact: a 32-byte hash key and a 32-byte value (user slot, redacted tail,
//! creation time, expiry in seconds, per-user sequence number, optional boxed metadata), about
//! 180 bytes per retained token with the map's and the per-user queues' overhead. Each user
//! keeps its token hashes in creation order, so retention pops from the front without sorting.
//!
//! Archiving never touches the token map: a user's tokens are numbered in creation order and
//! archived oldest first, so "archived" is `seq < archived_below` of the user, and the archive
//! time lives in the user's archive queue. With a large map, the lookup of the archived record
//! was the costliest cache miss of a create.

use std::collections::hash_map::Entry;
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
    /// Active tokens, oldest (lowest `seq`) first.
    active: VecDeque<Active>,
    /// Archived tokens, oldest first (so also by `seq`).
    archived: VecDeque<Archived>,
    /// The `seq` of the user's next token.
    next_seq: u32,
    /// Tokens with a lower `seq` have been archived (or are gone).
    archived_below: u32,
}

struct Active {
    hash: TokenHash,
    seq: u32,
}

struct Archived {
    hash: TokenHash,
    seq: u32,
    /// Unix seconds, never 0.
    at_s: u32,
}

impl UserEntry {
    fn new(user: User) -> UserEntry {
        UserEntry { user, active: VecDeque::new(), archived: VecDeque::new(), next_seq: 0, archived_below: 0 }
    }

    fn is_active(&self, c: &Compact) -> bool {
        c.seq >= self.archived_below
    }

    /// When `c` was archived (Unix seconds), 0 if it is active.
    fn archived_s(&self, c: &Compact) -> u32 {
        if self.is_active(c) {
            return 0;
        }
        // Present in the map and below the mark, so it is in the archive queue.
        self.archived.binary_search_by_key(&c.seq, |a| a.seq).map_or(1, |i| self.archived[i].at_s)
    }

    fn hashes(&self) -> impl Iterator<Item = &TokenHash> {
        self.active.iter().map(|a| &a.hash).chain(self.archived.iter().map(|a| &a.hash))
    }
}

/// A token record without its hash (the map key): 32 bytes. The expiry is whole seconds
/// (rounded up, so never early); 0 stands for "none".
struct Compact {
    slot: u32,
    /// The last 4 characters of the token (the redacted form is `tks_…` + these).
    tail: [u8; 4],
    created_at: u64,
    expires_s: u32,
    /// Creation order within the user (see [`UserEntry::archived_below`]).
    seq: u32,
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
    fn record(&self, hash: &TokenHash, uid: &str, archived_s: u32) -> TokenRecord {
        let ms = |s: u32| (s != 0).then_some(u64::from(s) * 1000);
        TokenRecord {
            hash: *hash,
            uid: uid.to_owned(),
            redacted: redacted(&self.tail),
            created_at: self.created_at,
            expires_at: ms(self.expires_s),
            archived_at: ms(archived_s),
            meta: self.meta.as_deref().cloned().unwrap_or_default(),
        }
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

    fn owner(&self, c: &Compact) -> Option<&UserEntry> {
        self.slots[c.slot as usize].as_ref()
    }

    fn record(&self, hash: &TokenHash) -> Option<TokenRecord> {
        let c = self.tokens.get(hash)?;
        let owner = self.owner(c)?;
        Some(c.record(hash, &owner.user.uid, owner.archived_s(c)))
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_user(&self, app: &str, user: &User) -> Result<()> {
        self.with_app(app, |s| {
            if s.users.contains_key(user.uid.as_str()) {
                return Err(Error::UidAlreadyExists(user.uid.clone()));
            }
            let entry = UserEntry::new(user.clone());
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
            for hash in entry.hashes() {
                s.drop_token(hash);
            }
            s.free_slots.push(slot);
            true
        }))
    }

    async fn insert_token(&self, app: &str, token: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>> {
        self.with_app(app, |s| {
            let AppState { users, slots, tokens, push, .. } = s;
            let no_user = || Error::UserNotFound(token.uid.clone());
            let slot = *users.get(token.uid.as_str()).ok_or_else(no_user)?;
            let entry = slots[slot as usize].as_mut().ok_or_else(no_user)?;
            let Entry::Vacant(vacant) = tokens.entry(token.hash) else {
                return Err(Error::StoreUnavailable("memory: a token with this hash already exists".into()));
            };
            let seq = entry.next_seq;
            entry.next_seq = seq
                .checked_add(1)
                .ok_or_else(|| Error::StoreUnavailable("memory: too many tokens for one user".into()))?;
            // The redacted form ends in the token's last 4 (ASCII) characters.
            let r = token.redacted.as_bytes();
            let tail = r.get(r.len().saturating_sub(4)..).and_then(|t| t.try_into().ok()).unwrap_or(*b"????");
            vacant.insert(Compact {
                slot,
                tail,
                created_at: token.created_at,
                expires_s: token.expires_at.map(secs).unwrap_or(0),
                seq,
                meta: (!token.meta.is_empty()).then(|| Box::new(token.meta.clone())),
            });
            entry.active.push_back(Active { hash: token.hash, seq });
            let excess = if keep == 0 { 0 } else { entry.active.len().saturating_sub(keep as usize) };
            let at_s = secs(token.created_at).max(1);
            let mut archived = Vec::with_capacity(excess);
            for old in entry.active.drain(..excess) {
                // `old.seq < next_seq`, so the increment cannot overflow.
                entry.archived_below = old.seq + 1;
                entry.archived.push_back(Archived { hash: old.hash, seq: old.seq, at_s });
                archived.push(old.hash);
            }
            if !push.is_empty() {
                for old in &archived {
                    push.remove(old);
                }
            }
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
            let active = entry.active.iter().rev().map(|a| (&a.hash, 0));
            let newest_first = active.chain(entry.archived.iter().rev().map(|a| (&a.hash, a.at_s)));
            let page = newest_first
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .filter_map(|(h, at_s)| s.tokens.get(h).map(|c| c.record(h, &entry.user.uid, at_s)))
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
            let owner = s.owner(c)?;
            Some((c.record(hash, &owner.user.uid, owner.archived_s(c)), owner.user.clone()))
        }))
    }

    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>> {
        Ok(self.with_app(app, |s| {
            let AppState { slots, tokens, .. } = s;
            let c = tokens.get_mut(hash)?;
            let owner = slots[c.slot as usize].as_ref().filter(|o| o.is_active(c))?;
            let mut meta = c.meta.take().map(|m| *m).unwrap_or_default();
            meta.apply(patch);
            c.meta = (!meta.is_empty()).then(|| Box::new(meta));
            Some(c.record(hash, &owner.user.uid, 0))
        }))
    }

    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool> {
        Ok(self.with_app(app, |s| {
            let Some(slot) = s.tokens.get(hash).map(|c| c.slot) else { return false };
            if let Some(entry) = s.slots[slot as usize].as_mut() {
                entry.active.retain(|a| a.hash != *hash);
                entry.archived.retain(|a| a.hash != *hash);
            }
            s.drop_token(hash);
            true
        }))
    }

    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64> {
        Ok(self.with_app(app, |s| {
            let Some(entry) = s.users.get(uid).and_then(|&slot| s.slots[slot as usize].as_mut()) else { return 0 };
            let active = entry.active.drain(..).map(|a| a.hash);
            let hashes: Vec<TokenHash> = active.chain(entry.archived.drain(..).map(|a| a.hash)).collect();
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
                while entry.archived.front().is_some_and(|a| u64::from(a.at_s) * 1000 < before) {
                    if let Some(a) = entry.archived.pop_front() {
                        s.tokens.remove(&a.hash);
                        purged += 1;
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
            let active =
                s.tokens.get(&registration.token_hash).is_some_and(|c| s.owner(c).is_some_and(|o| o.is_active(c)));
            if !active {
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
