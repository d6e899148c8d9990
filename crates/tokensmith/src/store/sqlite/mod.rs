//! `sqlite://PATH`: the embedded default. One file in WAL mode with `synchronous = FULL`, so a
//! call that returned is on disk. Writes go to one writer thread that commits whatever has
//! queued up in a single transaction (group commit: concurrent creates share one fsync); a sync
//! thread runs that fsync while the writer goes on with the next batch, and answers the batch's
//! callers after it (`writer.rs`, `wal_vfs.rs`). Reads run on a small pool of reader
//! connections, which WAL never blocks behind the writer; they may see a write a moment before
//! its call returns. Measurements behind the choices: docs/benchmarks.md (retention stores).

mod fork_guard;
mod retention;
mod schema;
mod wal_vfs;
mod writer;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use tokio::sync::oneshot;

use super::{
    CheckedSession, PushRegistration, Revocation, Store, TokenCounts, TokenHash, TokenMeta, TokenRecord, User,
};
use crate::error::{Error, Result};
use retention::insert_token_in;
use schema::{Role, connect, migrate};
use writer::{Job, Pending, Writer, start_checkpointer};

/// Reader connections kept for reuse.
const READERS: usize = 8;

pub struct SqliteStore {
    /// `Sender` is `Sync`: callers on every thread send without a lock.
    writer: mpsc::Sender<Box<dyn Job>>,
    readers: Mutex<Vec<Connection>>,
    /// `None` for a private in-memory database, whose only connection is the writer's.
    path: Option<PathBuf>,
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::StoreUnavailable(format!("sqlite: {e}"))
}

/// Runs a statement without rows through the statement cache (the writer runs BEGIN, COMMIT and
/// sometimes savepoints for every batch: parsing them each time was a visible cost).
fn run(c: &Connection, sql: &str) -> Result<()> {
    c.prepare_cached(sql).and_then(|mut s| s.execute([])).map(drop).map_err(db_err)
}

fn stopped() -> Error {
    Error::StoreUnavailable("sqlite writer stopped".into())
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the pooled readers calls into SQLite (see `fork_guard`).
        let _inside = fork_guard::enter();
        self.readers.get_mut().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    /// `:memory:` gives a private in-memory database.
    pub async fn open(path: &str) -> Result<SqliteStore> {
        let path = (path != ":memory:").then(|| PathBuf::from(path));
        if let Some(dir) = path.as_ref().and_then(|p| p.parent()).filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::StoreUnavailable(format!("sqlite: {e}")))?;
        }
        let _inside = fork_guard::enter();
        let mut conn = connect(path.as_deref(), Role::Writer)?;
        migrate(&mut conn)?;
        if let Some(path) = &path {
            start_checkpointer(path, &mut conn)?;
        }
        let writer = writer::start(conn)?;
        Ok(SqliteStore { writer, readers: Mutex::new(Vec::new()), path })
    }

    /// Runs `f` on the writer inside the next transaction; resolves once that is committed.
    /// `f` may run twice (see `writer::run_jobs`): it reads what it captured, never moves it out.
    async fn submit<R: Send + 'static>(&self, f: impl FnMut(&Writer<'_>) -> Result<R> + Send + 'static) -> Result<R> {
        let (tx, rx) = oneshot::channel();
        self.writer.send(Box::new(Pending::new(f, tx))).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    /// [`submit`](Self::submit) for statements that only need the connection.
    async fn write<R: Send + 'static>(
        &self,
        mut f: impl FnMut(&Connection) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        self.submit(move |w: &Writer<'_>| f(w.conn)).await
    }

    /// Runs a read on a pooled reader connection (point lookups; cheap enough to run inline).
    async fn read<R: Send + 'static>(&self, f: impl FnMut(&Connection) -> Result<R> + Send + 'static) -> Result<R> {
        let Some(path) = &self.path else {
            return self.write(f).await;
        };
        let mut f = f;
        let _inside = fork_guard::enter();
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(Some(path), Role::Reader)?,
        };
        let r = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < READERS {
            pool.push(conn);
        }
        r
    }
}

/// A token by its hash (`?2`) in an app (`?1`), through the index on the hash's first 8 bytes
/// (schema v3): the planner uses an expression index only for the same expression.
const BY_HASH: &str = "substr(hash, 1, 8) = substr(?2, 1, 8) AND hash = ?2 AND app = ?1";

const TOKEN_COLUMNS: &str = "hash, uid, redacted, created_at, expires_at, archived_at, meta";

/// The whole of `validate` in one statement (one read transaction): the token by its hash, its
/// user, and whether a watermark covers it — by user (`uid:` + uid) or by token (`?3`), in force
/// at `?4`. One `EXISTS` per subject: `subject IN (…)` built a temporary b-tree on every call.
const CHECKED_SESSION_SQL: &str = "SELECT t.hash, t.uid, t.redacted, t.created_at, t.expires_at, t.archived_at, t.meta, \
    u.uid, u.name, u.created_at, u.profile, \
    t.archived_at IS NULL AND ( \
      EXISTS (SELECT 1 FROM revocations r WHERE r.app = ?1 AND r.subject = 'uid:' || t.uid \
        AND r.applies_at <= ?4 AND r.issued_before > t.created_at AND r.forget_after > ?4) \
      OR EXISTS (SELECT 1 FROM revocations r WHERE r.app = ?1 AND r.subject = ?3 \
        AND r.applies_at <= ?4 AND r.issued_before > t.created_at AND r.forget_after > ?4)) \
    FROM tokens t JOIN users u ON u.app = t.app AND u.uid = t.uid WHERE substr(t.hash, 1, 8) = substr(?2, 1, 8) AND t.hash = ?2 AND t.app = ?1";

/// A token and its user by the token's hash.
const SESSION_SQL: &str = "SELECT t.hash, t.uid, t.redacted, t.created_at, t.expires_at, t.archived_at, t.meta, \
    u.uid, u.name, u.created_at, u.profile \
    FROM tokens t JOIN users u ON u.app = t.app AND u.uid = t.uid WHERE substr(t.hash, 1, 8) = substr(?2, 1, 8) AND t.hash = ?2 AND t.app = ?1";

/// `is_revoked` for one and two subjects (what the service asks), built once.
const REVOKED_1_SQL: &str = "SELECT EXISTS (SELECT 1 FROM revocations WHERE app = ?1 AND subject = ?4 \
    AND applies_at <= ?2 AND issued_before > ?3 AND forget_after > ?2)";
const REVOKED_2_SQL: &str = "SELECT EXISTS (SELECT 1 FROM revocations WHERE app = ?1 AND subject = ?4 \
    AND applies_at <= ?2 AND issued_before > ?3 AND forget_after > ?2) \
    OR EXISTS (SELECT 1 FROM revocations WHERE app = ?1 AND subject = ?5 \
    AND applies_at <= ?2 AND issued_before > ?3 AND forget_after > ?2)";

fn revoked_sql(subjects: usize) -> std::borrow::Cow<'static, str> {
    match subjects {
        1 => REVOKED_1_SQL.into(),
        2 => REVOKED_2_SQL.into(),
        n => {
            let any = (0..n)
                .map(|k| {
                    format!(
                        "EXISTS (SELECT 1 FROM revocations WHERE app = ?1 AND subject = ?{} AND applies_at <= ?2 \
                         AND issued_before > ?3 AND forget_after > ?2)",
                        k + 4
                    )
                })
                .collect::<Vec<_>>();
            format!("SELECT {}", any.join(" OR ")).into()
        }
    }
}

/// A 32-byte hash column, read without an intermediate `Vec`.
fn hash_at(r: &Row<'_>, at: usize) -> rusqlite::Result<TokenHash> {
    Ok(r.get_ref(at)?.as_blob()?.try_into().unwrap_or([0; 32]))
}

fn token_from_row(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    let meta: Option<String> = r.get(6)?;
    Ok(TokenRecord {
        hash: hash_at(r, 0)?,
        uid: r.get(1)?,
        redacted: r.get(2)?,
        created_at: r.get::<_, i64>(3)? as u64,
        expires_at: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        archived_at: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
        meta: meta.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or_default(),
    })
}

fn user_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    let profile: Option<String> = r.get(at + 3)?;
    Ok(User {
        uid: r.get(at)?,
        name: r.get(at + 1)?,
        created_at: r.get::<_, i64>(at + 2)? as u64,
        profile: profile.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default(),
    })
}

fn meta_text(meta: &TokenMeta) -> Option<String> {
    (!meta.is_empty()).then(|| serde_json::to_string(meta).expect("serialisable"))
}

fn get_token_in(c: &Connection, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE {BY_HASH}");
    c.prepare_cached(&sql)
        .and_then(|mut s| s.query_row(params![app, &hash[..]], token_from_row).optional())
        .map_err(db_err)
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_user(&self, app: &str, user: &User) -> Result<()> {
        let (app, user) = (app.to_owned(), user.clone());
        let profile = (!user.profile.is_null()).then(|| user.profile.to_string());
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "INSERT OR IGNORE INTO users (app, uid, name, created_at, profile) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut s| s.execute(params![app, user.uid, user.name, i(user.created_at), profile]))
                .map_err(db_err)?;
            if n == 0 { Err(Error::UidAlreadyExists(user.uid.clone())) } else { Ok(()) }
        })
        .await
    }

    async fn get_user(&self, app: &str, uid: &str) -> Result<Option<User>> {
        let (app, uid) = (app.to_owned(), uid.to_owned());
        self.read(move |c| {
            c.prepare_cached("SELECT uid, name, created_at, profile FROM users WHERE app = ?1 AND uid = ?2")
                .and_then(|mut s| s.query_row(params![app, uid], |r| user_from_row(r, 0)).optional())
                .map_err(db_err)
        })
        .await
    }

    async fn delete_user(&self, app: &str, uid: &str) -> Result<bool> {
        let (app, uid) = (app.to_owned(), uid.to_owned());
        self.write(move |c| {
            let n = c.execute("DELETE FROM users WHERE app = ?1 AND uid = ?2", params![app, uid]).map_err(db_err)?;
            c.execute("DELETE FROM tokens WHERE app = ?1 AND uid = ?2", params![app, uid]).map_err(db_err)?;
            c.execute("DELETE FROM push WHERE app = ?1 AND uid = ?2", params![app, uid]).map_err(db_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn insert_token(&self, app: &str, token: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>> {
        let (app, t) = (app.to_owned(), token.clone());
        self.submit(move |w: &Writer<'_>| insert_token_in(w, &app, &t, keep)).await
    }

    async fn list_tokens(
        &self,
        app: &str,
        uid: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TokenRecord>, TokenCounts)> {
        let (app, uid) = (app.to_owned(), uid.to_owned());
        self.read(move |c| {
            let below: Option<i64> = c
                .prepare_cached("SELECT archived_below FROM users WHERE app = ?1 AND uid = ?2")
                .and_then(|mut s| s.query_row(params![app, uid], |r| r.get(0)).optional())
                .map_err(db_err)?;
            let Some(below) = below else {
                return Err(Error::UserNotFound(uid.clone()));
            };
            // From the per-user index alone: tokens from `archived_below` on are the active ones.
            let (total, active): (i64, i64) = c
                .prepare_cached(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE seq >= ?3) FROM tokens WHERE app = ?1 AND uid = ?2",
                )
                .and_then(|mut s| s.query_row(params![app, uid, below], |r| Ok((r.get(0)?, r.get(1)?))))
                .map_err(db_err)?;
            // Newest first is active first: every active token is newer than every archived one.
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens WHERE app = ?1 AND uid = ?2 ORDER BY seq DESC LIMIT ?3 OFFSET ?4"
            );
            let page = c
                .prepare_cached(&sql)
                .and_then(|mut s| s.query_map(params![app, uid, i(limit), i(offset)], token_from_row)?.collect())
                .map_err(db_err)?;
            Ok((page, TokenCounts { active: active as u64, archived: (total - active) as u64 }))
        })
        .await
    }

    async fn get_token(&self, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>> {
        let (app, hash) = (app.to_owned(), *hash);
        self.read(move |c| get_token_in(c, &app, &hash)).await
    }

    async fn get_session(&self, app: &str, hash: &TokenHash) -> Result<Option<(TokenRecord, User)>> {
        let (app, hash) = (app.to_owned(), *hash);
        self.read(move |c| {
            c.prepare_cached(SESSION_SQL)
                .and_then(|mut s| {
                    s.query_row(params![app, &hash[..]], |r| Ok((token_from_row(r)?, user_from_row(r, 7)?))).optional()
                })
                .map_err(db_err)
        })
        .await
    }

    async fn get_checked_session(&self, app: &str, hash: &TokenHash, now: u64) -> Result<Option<CheckedSession>> {
        let (app, hash, token_subject) = (app.to_owned(), *hash, super::token_subject(hash));
        self.read(move |c| {
            c.prepare_cached(CHECKED_SESSION_SQL)
                .and_then(|mut s| {
                    s.query_row(params![app, &hash[..], token_subject, i(now)], |r| {
                        Ok(CheckedSession {
                            token: token_from_row(r)?,
                            user: user_from_row(r, 7)?,
                            revoked: r.get(11)?,
                        })
                    })
                    .optional()
                })
                .map_err(db_err)
        })
        .await
    }

    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>> {
        let (app, hash, patch) = (app.to_owned(), *hash, patch.clone());
        self.write(move |c| {
            let Some(mut t) = get_token_in(c, &app, &hash)?.filter(|t| t.archived_at.is_none()) else {
                return Ok(None);
            };
            t.meta.apply(&patch);
            c.execute(
                &format!("UPDATE tokens SET meta = ?3 WHERE {BY_HASH}"),
                params![app, &hash[..], meta_text(&t.meta)],
            )
            .map_err(db_err)?;
            Ok(Some(t))
        })
        .await
    }

    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool> {
        let (app, hash) = (app.to_owned(), *hash);
        self.write(move |c| {
            let gone: Option<(String, Option<i64>)> = c
                .prepare_cached(&format!("DELETE FROM tokens WHERE {BY_HASH} RETURNING uid, archived_at"))
                .and_then(|mut s| s.query_row(params![app, &hash[..]], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                .map_err(db_err)?;
            let Some((uid, archived_at)) = gone else {
                return Ok(false);
            };
            if archived_at.is_none() {
                c.prepare_cached("UPDATE users SET active = active - 1 WHERE app = ?1 AND uid = ?2")
                    .and_then(|mut s| s.execute(params![app, uid]))
                    .map_err(db_err)?;
            }
            c.prepare_cached("DELETE FROM push WHERE app = ?1 AND token_hash = ?2")
                .and_then(|mut s| s.execute(params![app, &hash[..]]))
                .map_err(db_err)?;
            Ok(true)
        })
        .await
    }

    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64> {
        let (app, uid) = (app.to_owned(), uid.to_owned());
        self.write(move |c| {
            let n = c.execute("DELETE FROM tokens WHERE app = ?1 AND uid = ?2", params![app, uid]).map_err(db_err)?;
            c.execute(
                "UPDATE users SET active = 0, archived_below = last_seq + 1 WHERE app = ?1 AND uid = ?2",
                params![app, uid],
            )
            .map_err(db_err)?;
            c.execute("DELETE FROM push WHERE app = ?1 AND uid = ?2", params![app, uid]).map_err(db_err)?;
            Ok(n as u64)
        })
        .await
    }

    async fn purge_archived(&self, app: &str, before: u64) -> Result<u64> {
        let app = app.to_owned();
        self.write(move |c| {
            c.execute("DELETE FROM tokens WHERE app = ?1 AND archived_at < ?2", params![app, i(before)])
                .map(|n| n as u64)
                .map_err(db_err)
        })
        .await
    }

    async fn add_revocation(&self, app: &str, r: &Revocation) -> Result<()> {
        let (app, r) = (app.to_owned(), r.clone());
        self.write(move |c| {
            // Drop entries this one supersedes (covers as much, at least as early).
            c.execute(
                "DELETE FROM revocations WHERE app = ?1 AND subject = ?2 AND issued_before <= ?3 AND applies_at >= ?4",
                params![app, r.subject, i(r.issued_before), i(r.applies_at)],
            )
            .map_err(db_err)?;
            c.execute(
                "INSERT INTO revocations (app, subject, issued_before, applies_at, forget_after) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![app, r.subject, i(r.issued_before), i(r.applies_at), i(r.forget_after)],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn is_revoked(&self, app: &str, subjects: &[String], issued_at: u64, now: u64) -> Result<bool> {
        if subjects.is_empty() {
            return Ok(false);
        }
        let (app, subjects) = (app.to_owned(), subjects.to_vec());
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&revoked_sql(subjects.len())).map_err(db_err)?;
            let mut args: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(3 + subjects.len());
            let (now, issued_at) = (i(now), i(issued_at));
            args.extend([&app as &dyn rusqlite::ToSql, &now, &issued_at]);
            args.extend(subjects.iter().map(|s| s as &dyn rusqlite::ToSql));
            stmt.query_row(args.as_slice(), |r| r.get(0)).map_err(db_err)
        })
        .await
    }

    async fn remember_nonce(&self, app: &str, key_name: &str, nonce: &str, expires_at: u64, now: u64) -> Result<bool> {
        let (app, key_name, nonce) = (app.to_owned(), key_name.to_owned(), nonce.to_owned());
        self.write(move |c| {
            c.prepare_cached("DELETE FROM nonces WHERE app = ?1 AND key_name = ?2 AND nonce = ?3 AND expires_at <= ?4")
                .and_then(|mut s| s.execute(params![app, key_name, nonce, i(now)]))
                .map_err(db_err)?;
            let n = c
                .prepare_cached(
                    "INSERT OR IGNORE INTO nonces (app, key_name, nonce, expires_at) VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut s| s.execute(params![app, key_name, nonce, i(expires_at)]))
                .map_err(db_err)?;
            Ok(n == 1)
        })
        .await
    }

    async fn put_push(&self, app: &str, p: &PushRegistration) -> Result<()> {
        let (app, p) = (app.to_owned(), p.clone());
        self.write(move |c| {
            let active = |t: TokenRecord| t.archived_at.is_none();
            if !get_token_in(c, &app, &p.token_hash)?.is_some_and(active) {
                return Err(Error::AuthTokenNotFound);
            }
            c.execute(
                "INSERT OR REPLACE INTO push (app, token_hash, uid, platform, fcm_token, apns_token, voip_token, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![app, &p.token_hash[..], p.uid, p.platform, p.fcm_token, p.apns_token, p.voip_token, i(p.created_at)],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn list_push(&self, app: &str, uid: &str) -> Result<Vec<PushRegistration>> {
        let (app, uid) = (app.to_owned(), uid.to_owned());
        self.read(move |c| {
            c.prepare_cached(
                "SELECT token_hash, uid, platform, fcm_token, apns_token, voip_token, created_at FROM push \
                 WHERE app = ?1 AND uid = ?2 ORDER BY created_at",
            )
            .and_then(|mut s| {
                s.query_map(params![app, uid], |r| {
                    Ok(PushRegistration {
                        token_hash: hash_at(r, 0)?,
                        uid: r.get(1)?,
                        platform: r.get(2)?,
                        fcm_token: r.get(3)?,
                        apns_token: r.get(4)?,
                        voip_token: r.get(5)?,
                        created_at: r.get::<_, i64>(6)? as u64,
                    })
                })?
                .collect()
            })
            .map_err(db_err)
        })
        .await
    }

    async fn delete_push(&self, app: &str, uid: &str, token: Option<&TokenHash>) -> Result<u64> {
        let (app, uid, token) = (app.to_owned(), uid.to_owned(), token.copied());
        self.write(move |c| {
            let n = match token {
                Some(h) => c.execute(
                    "DELETE FROM push WHERE app = ?1 AND uid = ?2 AND token_hash = ?3",
                    params![app, uid, &h[..]],
                ),
                None => c.execute("DELETE FROM push WHERE app = ?1 AND uid = ?2", params![app, uid]),
            };
            n.map(|n| n as u64).map_err(db_err)
        })
        .await
    }

    async fn ping(&self) -> Result<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db_err)).await
    }
}
