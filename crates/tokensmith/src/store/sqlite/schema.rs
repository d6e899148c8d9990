//! The schema, as versioned migrations run on open, and the settings every connection gets.

use std::path::Path;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::{db_err, wal_vfs};
use crate::error::{Error, Result};

/// Applied in order on open; `PRAGMA user_version` records how many ran.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3];

const V1: &str = r"
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
";

/// v2: fewer b-tree pages written per create (each is written whole to the WAL, then copied back
/// by a checkpoint). v1 indexed `archived_at` per user, so each create moved an index entry (a
/// delete and two inserts). Now the per-user index is `(uid, seq)`, `seq` counted per user, and
/// the user row carries `archived_below`: archiving always takes the oldest active tokens, so
/// every token from that mark on is active, the oldest is one seek away, and archiving only sets
/// `archived_at` in its row. The table keeps a plain rowid, so new rows append at its end (a
/// table keyed by the hash, tried too, splits its wide rows at random and wrote twice the pages).
const V2: &str = r"
    CREATE TABLE tokens_v2 (
        id INTEGER PRIMARY KEY,
        app TEXT NOT NULL, hash BLOB NOT NULL, uid TEXT NOT NULL, seq INTEGER NOT NULL,
        redacted TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, archived_at INTEGER, meta TEXT
    );
    INSERT INTO tokens_v2 (id, app, hash, uid, seq, redacted, created_at, expires_at, archived_at, meta)
        SELECT seq, app, hash, uid, seq, redacted, created_at, expires_at, archived_at, meta FROM tokens;
    DROP TABLE tokens;
    ALTER TABLE tokens_v2 RENAME TO tokens;
    CREATE UNIQUE INDEX tokens_by_hash ON tokens (hash, app);
    CREATE INDEX tokens_by_user ON tokens (app, uid, seq);
    ALTER TABLE users ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN archived_below INTEGER NOT NULL DEFAULT 0;
    UPDATE users SET last_seq =
        COALESCE((SELECT MAX(seq) FROM tokens t WHERE t.app = users.app AND t.uid = users.uid), 0);
    UPDATE users SET
        archived_below = COALESCE(
            (SELECT MIN(seq) FROM tokens t WHERE t.app = users.app AND t.uid = users.uid AND t.archived_at IS NULL),
            last_seq + 1),
        active = (SELECT COUNT(*) FROM tokens t WHERE t.app = users.app AND t.uid = users.uid AND t.archived_at IS NULL);
";
/// v3: the hash index keys on the hash's first 8 bytes, not on `(hash, app)`. Its entries are a
/// third the size, so a random insert splits pages a third as often: fewer pages written per
/// create and a shallower tree to seek. The bytes are random, so a prefix names one token but
/// for a 2^-64 chance; every lookup also compares the whole hash and the app (see `BY_HASH`).
const V3: &str = r"
    DROP INDEX tokens_by_hash;
    CREATE INDEX tokens_by_prefix ON tokens (substr(hash, 1, 8));
";

/// Which connection [`connect`] opens.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Role {
    /// The one connection that writes (all writes go through its thread).
    Writer,
    /// A pooled connection for point lookups.
    Reader,
    /// Copies committed WAL pages back into the database file, off the writer's thread.
    Checkpointer,
}

/// Opens a connection with the store's settings (each one's reason is next to it).
pub(super) fn connect(path: Option<&Path>, role: Role) -> Result<Connection> {
    let conn = match path {
        // Through the VFS that hands a commit's WAL frames to the kernel together (wal_vfs.rs).
        Some(p) => Connection::open_with_flags_and_vfs(p, OpenFlags::default(), wal_vfs::name()?),
        None => Connection::open_in_memory(),
    }
    .map_err(db_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db_err)?;
    // 1 KiB pages (only a new, empty file takes a page size; an existing one keeps its own):
    // every create dirties a few b-tree pages at random, and each is written whole to the WAL
    // and again by the checkpoint. 2 and 4 KiB pages wrote 1.6× and 2.7× the bytes per create
    // for no less CPU.
    conn.execute_batch("PRAGMA page_size = 1024; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .map_err(db_err)?;
    // Statement and savepoint journals stay in memory, not in temporary files.
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;").map_err(db_err)?;
    match role {
        // Pages the cache misses are read through a memory map instead of a `pread` each (a
        // tenth of the writer's time went to those reads). The caches stay small: the writer's
        // because SQLite walks its whole page hash at every commit (a b-tree rebalance parks a
        // page at a number past the end of the file, and the end-of-transaction truncation then
        // scans every slot); a reader's because SQLite drops it whenever another connection has
        // committed since its last read, and mapped pages bypass it anyway.
        Role::Writer => conn.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -4096;"),
        Role::Reader => conn.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -2048;"),
        // Reads WAL frames and writes database pages: no use for either.
        Role::Checkpointer => conn.execute_batch("PRAGMA cache_size = -256; PRAGMA wal_autocheckpoint = 0;"),
    }
    .map_err(db_err)?;
    // Plans that never depend on bound values: without this SQLite re-prepared the session
    // lookup on every call (it judged that a bound value might change the plan).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(db_err)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Runs the migrations `conn`'s file has not had yet, in one transaction.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
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
