//! `sqlite://PATH`: the embedded default. One file in WAL mode with `synchronous = FULL`, so a
//! call that returned is on disk. Writes go to one writer thread that commits whatever has
//! queued up in a single transaction (group commit: concurrent creates share one fsync), each
//! job inside its own savepoint so one failure never undoes another. Reads run on a small pool
//! of reader connections, which WAL never blocks behind the writer.

use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use async_trait::async_trait;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, Row, params};
use tokio::sync::oneshot;

use super::{PushRegistration, Revocation, Store, TokenCounts, TokenHash, TokenMeta, TokenRecord, User};
use crate::error::{Error, Result};

/// Schema versions, applied in order on open; `PRAGMA user_version` records the last applied.
const MIGRATIONS: &[&str] = &[r"
    CREATE TABLE users (
        app TEXT NOT NULL, uid TEXT NOT NULL, name TEXT NOT NULL,
        created_at INTEGER NOT NULL, profile TEXT,
        active INTEGER NOT NULL DEFAULT 0, -- active tokens, so retention needs no count
        PRIMARY KEY (app, uid)
    ) WITHOUT ROWID;
    CREATE TABLE tokens (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        app TEXT NOT NULL, hash BLOB NOT NULL, uid TEXT NOT NULL, redacted TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER, archived_at INTEGER, meta TEXT
    );
    CREATE UNIQUE INDEX tokens_by_hash ON tokens (app, hash);
    CREATE INDEX tokens_by_user ON tokens (app, uid, archived_at, seq);
    CREATE TABLE push (
        app TEXT NOT NULL, token_hash BLOB NOT NULL, uid TEXT NOT NULL, platform TEXT NOT NULL,
        fcm_token TEXT, apns_token TEXT, voip_token TEXT, created_at INTEGER NOT NULL,
        PRIMARY KEY (app, token_hash)
    ) WITHOUT ROWID;
    CREATE INDEX push_by_user ON push (app, uid);
    CREATE TABLE revocations (
        app TEXT NOT NULL, subject TEXT NOT NULL, issued_before INTEGER NOT NULL,
        applies_at INTEGER NOT NULL, forget_after INTEGER NOT NULL
    );
    CREATE INDEX revocations_by_subject ON revocations (app, subject);
    CREATE TABLE nonces (
        app TEXT NOT NULL, key_name TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,
        PRIMARY KEY (app, key_name, nonce)
    ) WITHOUT ROWID;
"];

type Reply = Box<dyn FnOnce(Option<Error>) + Send>;
type Job = Box<dyn FnOnce(Result<&Connection>) -> Reply + Send>;

pub struct SqliteStore {
    /// `Sender` is `Sync`: callers on every thread send without a lock.
    writer: mpsc::Sender<Job>,
    readers: Mutex<Vec<Connection>>,
    /// `None` for a private in-memory database, whose only connection is the writer's.
    path: Option<PathBuf>,
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::StoreUnavailable(format!("sqlite: {e}"))
}

/// Which connection [`connect`] opens: the one writer, or one of the pooled readers.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Writer,
    Reader,
}

/// Opens a connection with the store's settings (each one's reason is next to it).
fn connect(path: Option<&PathBuf>, role: Role) -> Result<Connection> {
    let conn = match path {
        Some(p) => Connection::open(p),
        None => Connection::open_in_memory(),
    }
    .map_err(db_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db_err)?;
    // 1 KiB pages (only a new, empty file takes a page size; an existing one keeps its own):
    // every create dirties a few b-tree pages at random, and each is written whole to the WAL
    // and again by the checkpoint. 4 KiB pages wrote about 2.3× the bytes per create, and the
    // disk's write bandwidth is what durable creates run out of first.
    conn.execute_batch("PRAGMA page_size = 1024; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .map_err(db_err)?;
    // Savepoints journal the pages each job touches: keep that journal in memory, not in a temp file.
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;").map_err(db_err)?;
    match role {
        // A 16 MiB WAL before a checkpoint: pages rewritten by many batches are copied back
        // once (a 1000-page WAL was checkpointed after nearly every batch). A larger cache did
        // not pay: SQLite scans its page hash at every commit.
        Role::Writer => conn.execute_batch("PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 16384;"),
        Role::Reader => conn.execute_batch("PRAGMA cache_size = -8192;"),
    }
    .map_err(db_err)?;
    // Plans that never depend on bound values: without this SQLite re-prepared the session
    // lookup on every call (it judged that a bound value might change the plan).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(db_err)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Runs a statement without rows through the statement cache (the writer runs BEGIN, SAVEPOINT,
/// RELEASE and COMMIT for every batch or job: parsing them each time was a visible cost).
fn run(c: &Connection, sql: &str) -> Result<()> {
    c.prepare_cached(sql).and_then(|mut s| s.execute([])).map(drop).map_err(db_err)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db_err)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(Error::StoreUnavailable(format!(
            "database schema v{version} is newer than this tokensmith (v{})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(sql).map_err(db_err)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(db_err)?;
    }
    tx.commit().map_err(db_err)
}

/// The writer loop: take one job, then everything queued behind it, and commit them together.
fn write_loop(conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < 1024 {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let replies: Vec<Reply> = match run(&conn, "BEGIN IMMEDIATE") {
            Ok(()) => batch.into_iter().map(|job| job(Ok(&conn))).collect(),
            Err(err) => batch.into_iter().map(|job| job(Err(err.clone()))).collect(),
        };
        let failed = if conn.is_autocommit() {
            None // BEGIN failed; every job has its error already
        } else {
            run(&conn, "COMMIT").err().inspect(|_| {
                let _ = conn.execute_batch("ROLLBACK");
            })
        };
        for reply in replies {
            reply(failed.clone());
        }
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
        let mut conn = connect(path.as_ref(), Role::Writer)?;
        migrate(&mut conn)?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("tokensmith-sqlite-writer".into())
            .spawn(move || write_loop(conn, rx))
            .map_err(|e| Error::StoreUnavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore { writer: tx, readers: Mutex::new(Vec::new()), path })
    }

    /// Runs `f` on the writer inside the next transaction; resolves once that is committed.
    async fn write<R: Send + 'static>(&self, f: impl FnOnce(&Connection) -> Result<R> + Send + 'static) -> Result<R> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = conn.and_then(|c| {
                run(c, "SAVEPOINT job")?;
                let r = f(c);
                if r.is_err() {
                    run(c, "ROLLBACK TO job")?;
                }
                run(c, "RELEASE job")?;
                r
            });
            Box::new(move |commit_failed: Option<Error>| {
                let _ = tx.send(match commit_failed {
                    Some(e) => Err(e),
                    None => result,
                });
            })
        });
        self.writer.send(job).map_err(|_| Error::StoreUnavailable("sqlite writer stopped".into()))?;
        rx.await.map_err(|_| Error::StoreUnavailable("sqlite writer stopped".into()))?
    }

    /// Runs a read on a pooled reader connection (point lookups; cheap enough to run inline).
    async fn read<R: Send + 'static>(&self, f: impl FnOnce(&Connection) -> Result<R> + Send + 'static) -> Result<R> {
        if self.path.is_none() {
            return self.write(f).await;
        }
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(self.path.as_ref(), Role::Reader)?,
        };
        let r = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < 8 {
            pool.push(conn);
        }
        r
    }
}

/// A token and its user by the token's hash: the lookup behind every `validate`.
const SESSION_SQL: &str = "SELECT t.hash, t.uid, t.redacted, t.created_at, t.expires_at, t.archived_at, t.meta, \
    u.uid, u.name, u.created_at, u.profile \
    FROM tokens t JOIN users u ON u.app = t.app AND u.uid = t.uid WHERE t.app = ?1 AND t.hash = ?2";

const TOKEN_COLUMNS: &str = "hash, uid, redacted, created_at, expires_at, archived_at, meta";

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
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE app = ?1 AND hash = ?2");
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
        self.write(move |c| {
            let profile = (!user.profile.is_null()).then(|| user.profile.to_string());
            let n = c
                .prepare_cached(
                    "INSERT OR IGNORE INTO users (app, uid, name, created_at, profile) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut s| s.execute(params![app, user.uid, user.name, i(user.created_at), profile]))
                .map_err(db_err)?;
            if n == 0 { Err(Error::UidAlreadyExists(user.uid)) } else { Ok(()) }
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
        self.write(move |c| {
            // Plain lookups and rowid updates: `RETURNING` and `IN (subquery)` each built a
            // temporary b-tree per call, a visible share of the writer's time.
            let active: Option<i64> = c
                .prepare_cached("SELECT active FROM users WHERE app = ?1 AND uid = ?2")
                .and_then(|mut s| s.query_row(params![app, t.uid], |r| r.get(0)).optional())
                .map_err(db_err)?;
            let Some(active) = active else { return Err(Error::UserNotFound(t.uid)) };
            c.prepare_cached(
                "INSERT INTO tokens (app, hash, uid, redacted, created_at, expires_at, meta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![app, &t.hash[..], t.uid, t.redacted, i(t.created_at), t.expires_at.map(i), meta_text(&t.meta)])
            })
            .map_err(db_err)?;
            let excess = if keep == 0 { 0 } else { active + 1 - i64::from(keep) };
            // The oldest active tokens beyond `keep`: archive them and drop their push registrations.
            let oldest: Vec<(i64, TokenHash)> = if excess <= 0 {
                Vec::new()
            } else {
                c.prepare_cached(
                    "SELECT seq, hash FROM tokens WHERE app = ?1 AND uid = ?2 AND archived_at IS NULL ORDER BY seq LIMIT ?3",
                )
                .and_then(|mut s| s.query_map(params![app, t.uid, excess], |r| Ok((r.get(0)?, hash_at(r, 1)?)))?.collect())
                .map_err(db_err)?
            };
            for (seq, h) in &oldest {
                c.prepare_cached("UPDATE tokens SET archived_at = ?2 WHERE seq = ?1")
                    .and_then(|mut s| s.execute(params![seq, i(t.created_at)]))
                    .map_err(db_err)?;
                c.prepare_cached("DELETE FROM push WHERE app = ?1 AND token_hash = ?2")
                    .and_then(|mut s| s.execute(params![app, &h[..]]))
                    .map_err(db_err)?;
            }
            c.prepare_cached("UPDATE users SET active = ?3 WHERE app = ?1 AND uid = ?2")
                .and_then(|mut s| s.execute(params![app, t.uid, active + 1 - oldest.len() as i64]))
                .map_err(db_err)?;
            let archived = oldest.into_iter().map(|(_, h)| h).collect();
            Ok(archived)
        })
        .await
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
            let exists = c
                .prepare_cached("SELECT 1 FROM users WHERE app = ?1 AND uid = ?2")
                .and_then(|mut s| s.exists(params![app, uid]))
                .map_err(db_err)?;
            if !exists {
                return Err(Error::UserNotFound(uid));
            }
            let (active, archived): (i64, i64) = c
                .prepare_cached(
                    "SELECT COUNT(*) FILTER (WHERE archived_at IS NULL), COUNT(*) FILTER (WHERE archived_at IS NOT NULL) FROM tokens WHERE app = ?1 AND uid = ?2",
                )
                .and_then(|mut s| s.query_row(params![app, uid], |r| Ok((r.get(0)?, r.get(1)?))))
                .map_err(db_err)?;
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens WHERE app = ?1 AND uid = ?2 ORDER BY archived_at IS NOT NULL, seq DESC LIMIT ?3 OFFSET ?4"
            );
            let page = c
                .prepare_cached(&sql)
                .and_then(|mut s| s.query_map(params![app, uid, i(limit), i(offset)], token_from_row)?.collect())
                .map_err(db_err)?;
            Ok((page, TokenCounts { active: active as u64, archived: archived as u64 }))
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

    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>> {
        let (app, hash, patch) = (app.to_owned(), *hash, patch.clone());
        self.write(move |c| {
            let Some(mut t) = get_token_in(c, &app, &hash)?.filter(|t| t.archived_at.is_none()) else {
                return Ok(None);
            };
            t.meta.apply(&patch);
            c.execute(
                "UPDATE tokens SET meta = ?3 WHERE app = ?1 AND hash = ?2",
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
                .prepare_cached("DELETE FROM tokens WHERE app = ?1 AND hash = ?2 RETURNING uid, archived_at")
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
            c.execute("UPDATE users SET active = 0 WHERE app = ?1 AND uid = ?2", params![app, uid]).map_err(db_err)?;
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
            // One statement for every subject (at most a few): one round through SQLite per check.
            // One EXISTS per subject, not `subject IN (…)`: an IN list is built as a temporary
            // b-tree on every call, which cost more than the lookups.
            let sql = (0..subjects.len())
                .map(|k| {
                    format!(
                        "EXISTS (SELECT 1 FROM revocations WHERE app = ?1 AND subject = ?{} AND applies_at <= ?2 \
                         AND issued_before > ?3 AND forget_after > ?2)",
                        k + 4
                    )
                })
                .collect::<Vec<_>>()
                .join(" OR ");
            let sql = format!("SELECT {sql}");
            let mut stmt = c.prepare_cached(&sql).map_err(db_err)?;
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
                    let hash: Vec<u8> = r.get(0)?;
                    Ok(PushRegistration {
                        token_hash: hash.try_into().unwrap_or([0; 32]),
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

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;

    fn temp_db(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tokensmith-sqlite-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("state.db")
    }

    /// The settings the throughput depends on (see `connect`), checked rather than timed.
    #[test]
    fn new_files_get_small_pages_and_lookups_are_not_reprepared() {
        let path = temp_db("settings");
        let mut c = connect(Some(&path), Role::Writer).unwrap();
        migrate(&mut c).unwrap();
        let page_size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(page_size, 1024);
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "FULL: a create that returned is on disk");

        c.execute("INSERT INTO users (app, uid, name, created_at) VALUES ('a', 'u', 'n', 1)", []).unwrap();
        for k in 0..5u8 {
            let sql = "INSERT INTO tokens (app, hash, uid, redacted, created_at) VALUES ('a', ?1, 'u', 'r', 1)";
            c.execute(sql, params![&[k; 32][..]]).unwrap();
        }
        let reader = connect(Some(&path), Role::Reader).unwrap();
        let lookup = |k: u8| {
            let app = "a".to_owned();
            let hash = [k; 32];
            let mut s = reader.prepare_cached(SESSION_SQL).unwrap();
            s.query_row(params![app, &hash[..]], |r| Ok((token_from_row(r)?, user_from_row(r, 7)?))).unwrap();
            s.get_status(StatementStatus::RePrepare)
        };
        for k in 0..5 {
            assert_eq!(lookup(k), 0, "the session lookup was re-prepared");
        }
        drop((c, reader));
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
