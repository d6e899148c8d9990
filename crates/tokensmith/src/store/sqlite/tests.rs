//! Unit tests: the settings throughput depends on, the plans of lookups by hash, the v1 → latest
//! migration, the writer's batch replay, WAL pages read back through the buffering VFS, and the
//! writer's deferred syncs (a failed sync; the WAL starting over).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::StatementStatus;

use super::schema::{MIGRATIONS, Role, connect, migrate};
use super::writer::{Job, Pending, Writer, run_batch};
use super::*;

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tokensmith-sqlite-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.db")
}

fn cleanup(path: &std::path::Path) {
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A store on a fresh file with user `alice` in app `a`, for the tests that go through the store.
async fn store_with_alice(name: &str) -> (PathBuf, SqliteStore) {
    let path = temp_db(name);
    let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let user = User { uid: "alice".into(), name: "A".into(), created_at: 1, profile: serde_json::Value::Null };
    store.create_user("a", &user).await.unwrap();
    (path, store)
}

/// One of alice's tokens.
fn alices_token(hash: TokenHash, created_at: u64) -> TokenRecord {
    TokenRecord {
        hash,
        uid: "alice".into(),
        redacted: "tks_…abcd".into(),
        created_at,
        expires_at: None,
        archived_at: None,
        meta: TokenMeta::default(),
    }
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
    for role in [Role::Writer, Role::Reader, Role::Checkpointer] {
        let conn = connect(Some(&path), role).unwrap();
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        // FULL: a create that returned is on disk, and the WAL VFS relies on a sync per commit.
        assert_eq!(sync, 2, "{role:?}");
    }

    c.execute("INSERT INTO users (app, uid, name, created_at) VALUES ('a', 'u', 'n', 1)", []).unwrap();
    for k in 0..5u8 {
        let sql = "INSERT INTO tokens (app, hash, uid, seq, redacted, created_at) VALUES ('a', ?1, 'u', ?2, 'r', 1)";
        c.execute(sql, params![&[k; 32][..], k]).unwrap();
    }
    let reader = connect(Some(&path), Role::Reader).unwrap();
    let lookup = |k: u8| {
        let (app, hash, subject) = ("a".to_owned(), [k; 32], "token:x".to_owned());
        let mut s = reader.prepare_cached(CHECKED_SESSION_SQL).unwrap();
        let revoked: bool = s.query_row(params![app, &hash[..], subject, 5], |r| r.get(11)).unwrap();
        assert!(!revoked);
        s.get_status(StatementStatus::RePrepare)
    };
    for k in 0..5 {
        assert_eq!(lookup(k), 0, "the session lookup was re-prepared");
    }
    drop((c, reader));
    cleanup(&path);
}

/// The validate statement's revocation part: by user, by token, watermark timing.
#[tokio::test]
async fn checked_session_answers_revocation_in_the_same_lookup() {
    let (path, store) = store_with_alice("checked").await;
    let token = alices_token;
    store.insert_token("a", &token([1; 32], 1000), 0).await.unwrap();
    store.insert_token("a", &token([2; 32], 3000), 0).await.unwrap();
    let revoked = |hash: TokenHash, now| {
        let store = &store;
        async move { store.get_checked_session("a", &hash, now).await.unwrap().unwrap().revoked }
    };
    assert!(!revoked([1; 32], 5000).await);
    let watermark =
        |subject: String, applies_at| Revocation { subject, issued_before: 2000, applies_at, forget_after: u64::MAX };
    store.add_revocation("a", &watermark(super::super::uid_subject("alice"), 4000)).await.unwrap();
    assert!(!revoked([1; 32], 3999).await, "not in force yet");
    assert!(revoked([1; 32], 4000).await);
    assert!(!revoked([2; 32], 5000).await, "issued after the watermark");
    store.add_revocation("a", &watermark(super::super::token_subject(&[2; 32]), 0)).await.unwrap();
    assert!(!revoked([2; 32], 5000).await, "issued_before 2000 does not cover a token created at 3000");
    let all = Revocation {
        subject: super::super::token_subject(&[2; 32]),
        issued_before: u64::MAX,
        applies_at: 0,
        forget_after: 6000,
    };
    store.add_revocation("a", &all).await.unwrap();
    assert!(revoked([2; 32], 5000).await);
    assert!(!revoked([2; 32], 6000).await, "forgotten");
    assert!(store.get_checked_session("a", &[9; 32], 5000).await.unwrap().is_none());
    drop(store);
    cleanup(&path);
}

/// Every lookup by hash seeks the index on the hash's prefix (schema v3): a plan that scanned
/// would still answer right, only slowly, so the plans are checked here.
#[test]
fn lookups_by_hash_seek_the_prefix_index() {
    let path = temp_db("plans");
    let mut c = connect(Some(&path), Role::Writer).unwrap();
    migrate(&mut c).unwrap();
    let by_hash = [
        CHECKED_SESSION_SQL.to_owned(),
        SESSION_SQL.to_owned(),
        format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE {BY_HASH}"),
        format!("UPDATE tokens SET meta = ?3 WHERE {BY_HASH}"),
        format!("DELETE FROM tokens WHERE {BY_HASH} RETURNING uid"),
    ];
    for sql in by_hash {
        let mut s = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let plan: Vec<String> = s
            .query_map(rusqlite::params_from_iter(vec![rusqlite::types::Null; s.parameter_count()]), |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter().any(|step| step.starts_with("SEARCH") && step.contains("USING INDEX tokens_by_prefix")),
            "{sql}: {plan:?}"
        );
    }
    drop(c);
    cleanup(&path);
}

/// A v1 file (global `seq`, `archived_at` in the per-user index) upgrades to the latest with its
/// tokens, counts and retention order intact.
#[tokio::test]
async fn a_v1_file_upgrades_to_the_latest() {
    let path = temp_db("upgrade");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL").unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.execute_batch("PRAGMA user_version = 1").unwrap();
        c.execute_batch(
            "INSERT INTO users (app, uid, name, created_at, active) VALUES ('a', 'alice', 'A', 1, 2), ('a', 'bob', 'B', 1, 0)",
        )
        .unwrap();
        // v1's global seq interleaves the users' tokens.
        for (k, uid, created_at, archived_at) in
            [(1u8, "alice", 10, Some(40)), (2, "bob", 20, Some(50)), (3, "alice", 30, None), (5, "alice", 50, None)]
        {
            c.execute(
                "INSERT INTO tokens (app, hash, uid, redacted, created_at, archived_at) VALUES ('a', ?1, ?2, ?3, ?4, ?5)",
                params![&[k; 32][..], uid, format!("r{k}"), created_at, archived_at],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let v: i64 =
        connect(Some(&path), Role::Reader).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, MIGRATIONS.len() as i64);
    let short = |h: &TokenHash| h[0];
    let (page, counts) = store.list_tokens("a", "alice", 0, 10).await.unwrap();
    assert_eq!(counts, TokenCounts { active: 2, archived: 1 });
    assert_eq!(
        page.iter().map(|t| (t.redacted.as_str(), t.archived_at)).collect::<Vec<_>>(),
        [("r5", None), ("r3", None), ("r1", Some(40))]
    );
    let (_, bob) = store.list_tokens("a", "bob", 0, 10).await.unwrap();
    assert_eq!(bob, TokenCounts { active: 0, archived: 1 });

    // Retention carries on from the migrated state: the oldest active (r3) goes first.
    let new = TokenRecord {
        hash: [7; 32],
        uid: "alice".into(),
        redacted: "r7".into(),
        created_at: 70,
        expires_at: None,
        archived_at: None,
        meta: TokenMeta::default(),
    };
    let archived = store.insert_token("a", &new, 2).await.unwrap();
    assert_eq!(archived.iter().map(short).collect::<Vec<_>>(), [3]);
    let (page, counts) = store.list_tokens("a", "alice", 0, 10).await.unwrap();
    assert_eq!(counts, TokenCounts { active: 2, archived: 2 });
    assert_eq!(page.iter().map(|t| t.redacted.as_str()).collect::<Vec<_>>(), ["r7", "r5", "r3", "r1"]);
    assert_eq!(page[2].archived_at, Some(70));
    let session = store.get_checked_session("a", &[7; 32], 80).await.unwrap().unwrap();
    assert_eq!((session.user.uid.as_str(), session.revoked), ("alice", false));
    drop(store);

    let c = rusqlite::Connection::open(&path).unwrap();
    let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(c);
    cleanup(&path);
}

/// A job that counts its runs and either writes a user and succeeds, writes one and fails, or
/// fails without writing.
fn job(uid: &str, outcome: &'static str, runs: &Arc<AtomicUsize>) -> (Box<dyn Job>, oneshot::Receiver<Result<()>>) {
    let (tx, rx) = oneshot::channel();
    let (uid, runs) = (uid.to_owned(), runs.clone());
    let f = move |w: &Writer<'_>| {
        let c = w.conn;
        runs.fetch_add(1, Ordering::SeqCst);
        if outcome == "refuse" {
            return Err(Error::UserNotFound(uid.clone()));
        }
        c.execute("INSERT INTO users (app, uid, name, created_at) VALUES ('a', ?1, '', 0)", [&uid]).map_err(db_err)?;
        if outcome == "fail" { Err(Error::StoreUnavailable("after writing".into())) } else { Ok(()) }
    };
    (Box::new(Pending::new(f, tx)), rx)
}

fn users(c: &Connection) -> Vec<String> {
    let mut s = c.prepare("SELECT uid FROM users ORDER BY uid").unwrap();
    s.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn a_job_failing_after_writing_is_undone_alone() {
    let path = temp_db("replay");
    let mut c = connect(Some(&path), Role::Writer).unwrap();
    migrate(&mut c).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));

    // Refusals before writing need no replay.
    let (mut batch, mut replies): (Vec<_>, Vec<_>) =
        [job("a", "ok", &runs), job("b", "refuse", &runs), job("c", "ok", &runs)].into_iter().unzip();
    run_batch(&Writer::new(&c), &mut batch).unwrap();
    assert_eq!(runs.swap(0, Ordering::SeqCst), 3, "no replay");
    for job in batch {
        job.finish(Ok(()));
    }
    let codes: Vec<_> = replies.iter_mut().map(|r| r.try_recv().unwrap().err().map(|e| e.code())).collect();
    assert_eq!(codes, [None, Some("USER_NOT_FOUND"), None]);
    assert_eq!(users(&c), ["a", "c"]);

    // A failure after writing: the batch runs again, each job in a savepoint.
    let (mut batch, mut replies): (Vec<_>, Vec<_>) =
        [job("d", "ok", &runs), job("e", "fail", &runs), job("f", "ok", &runs)].into_iter().unzip();
    run_batch(&Writer::new(&c), &mut batch).unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2 + 3, "d and e, then all three again");
    for job in batch {
        job.finish(Ok(()));
    }
    let codes: Vec<_> = replies.iter_mut().map(|r| r.try_recv().unwrap().err().map(|e| e.code())).collect();
    assert_eq!(codes, [None, Some("STORE_UNAVAILABLE"), None]);
    assert_eq!(users(&c), ["a", "c", "d", "f"]);
    drop(c);
    cleanup(&path);
}

/// A commit larger than one unix write (128 KiB) goes to the WAL whole, and pages a transaction
/// spills to the WAL before committing are read back through the VFS's buffer; another
/// connection (the default VFS) then reads the committed state intact.
#[test]
fn the_wal_buffer_commits_whole_and_serves_spilled_pages() {
    for (cache_pages, spills) in [(8192, false), (16, true)] {
        let path = temp_db(&format!("wal-{cache_pages}"));
        let mut c = connect(Some(&path), Role::Writer).unwrap();
        migrate(&mut c).unwrap();
        c.execute_batch(&format!("PRAGMA cache_size = {cache_pages}")).unwrap();
        c.execute_batch("BEGIN").unwrap();
        for k in 0..4000u32 {
            c.execute(
                "INSERT INTO users (app, uid, name, created_at) VALUES ('a', ?1, ?2, 0)",
                params![format!("user-{k:05}"), "n".repeat(40)],
            )
            .unwrap();
        }
        let n: i64 = c.query_row("SELECT COUNT(*) FROM users WHERE name LIKE 'n%'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 4000, "read back inside the transaction");
        if spills {
            // Spilled frames reached the file when they were read back (far below the flush size).
            let wal = std::fs::metadata(path.with_extension("db-wal")).unwrap().len();
            assert!(wal > 16 * 1024, "{wal} bytes of WAL before the commit");
        }
        c.execute_batch("COMMIT").unwrap();
        let wal = std::fs::metadata(path.with_extension("db-wal")).unwrap().len();
        assert!(wal > 200 * 1024, "{wal} bytes of WAL after the commit");

        let other = rusqlite::Connection::open(&path).unwrap();
        let n: i64 = other.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 4000);
        let check: String = other.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        drop((c, other));
        cleanup(&path);
    }
}

/// With the checkpoint thread and the writer's hook, the WAL starts over instead of growing:
/// three times its limit written in 256 KiB commits leave it near the limit, and every row there.
#[test]
fn the_wal_stays_bounded() {
    use super::writer::{WAL_LIMIT, start_checkpointer};
    let path = temp_db("bounded");
    let mut c = connect(Some(&path), Role::Writer).unwrap();
    migrate(&mut c).unwrap();
    start_checkpointer(&path, &mut c).unwrap();
    c.execute_batch("CREATE TABLE filler (k INTEGER PRIMARY KEY, v BLOB)").unwrap();
    let commits = 3 * WAL_LIMIT / (256 << 10);
    for n in 0..commits {
        c.execute_batch("BEGIN").unwrap();
        for k in 0..64 {
            c.execute("INSERT INTO filler (k, v) VALUES (?1, zeroblob(4000))", [n * 64 + k]).unwrap();
        }
        c.execute_batch("COMMIT").unwrap();
    }
    let wal = std::fs::metadata(path.with_extension("db-wal")).unwrap().len() as i64;
    assert!(wal < WAL_LIMIT + (8 << 20), "{wal} bytes of WAL");
    let rows: i64 = c.query_row("SELECT COUNT(*) FROM filler", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, commits * 64);
    drop(c);
    cleanup(&path);
}

/// A commit's WAL sync runs on the sync thread, and its callers hear back only after it: when
/// that sync fails they get STORE_UNAVAILABLE, and so does every later write until the store is
/// reopened (the kernel may have dropped what it could not write). Reads go on meanwhile.
#[tokio::test]
async fn a_failed_wal_sync_fails_its_writes_and_stops_later_ones() {
    let (path, store) = store_with_alice("sync-fails").await;
    let wal = format!("{}-wal", path.display());
    let token = |k: u8| alices_token([k; 32], 1000);
    store.insert_token("a", &token(1), 0).await.unwrap();
    store.insert_token("a", &token(2), 0).await.unwrap();

    super::wal_vfs::failing::set(&wal, true);
    let failed = store.insert_token("a", &token(3), 0).await.unwrap_err();
    super::wal_vfs::failing::set(&wal, false);
    assert!(matches!(&failed, Error::StoreUnavailable(m) if m.contains("sync of the WAL failed")), "{failed:?}");
    let later = store.insert_token("a", &token(4), 0).await.unwrap_err();
    assert!(matches!(&later, Error::StoreUnavailable(m) if m.contains("reopened")), "{later:?}");
    assert!(store.get_token("a", &[1; 32]).await.unwrap().is_some(), "reads go on");
    drop(store);

    let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    for k in [1, 2] {
        assert!(store.get_token("a", &[k; 32]).await.unwrap().is_some(), "token {k} was answered: it stays");
    }
    assert!(store.get_token("a", &[4; 32]).await.unwrap().is_none(), "token 4 was refused: never written");
    store.insert_token("a", &token(5), 0).await.unwrap();
    drop(store);
    cleanup(&path);
}

/// Under the writer's deferred syncs the WAL still starts over (a new header, whose sync runs in
/// place) once the checkpoint thread has caught up, and nothing is lost: batches of creates with
/// pauses between, until the WAL's checkpoint sequence number (header bytes 12..16) moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_starts_over_under_deferred_syncs() {
    let (path, store) = store_with_alice("restart").await;
    let wal = path.with_extension("db-wal");
    let store = Arc::new(store);
    let restarts = || {
        let header = std::fs::read(&wal).unwrap();
        u32::from_be_bytes(header[12..16].try_into().unwrap())
    };
    let first = restarts();
    let mut created = 0u32;
    while restarts() == first {
        assert!(created < 40_000, "the WAL never started over");
        let batch: Vec<_> = (created..created + 500)
            .map(|k| {
                let store = store.clone();
                // Spread over the hash index, as random tokens are: a page written per create.
                let mut hash = [7u8; 32];
                hash[..4].copy_from_slice(&k.wrapping_mul(0x9E37_79B9).to_be_bytes());
                hash[4..8].copy_from_slice(&k.to_be_bytes());
                let token = alices_token(hash, 1000);
                tokio::spawn(async move { store.insert_token("a", &token, 0).await })
            })
            .collect();
        for task in batch {
            task.await.unwrap().unwrap();
        }
        created += 500;
        // Room for the checkpoint thread to copy every frame: the next write then starts over.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    drop(store);

    let c = connect(Some(&path), Role::Reader).unwrap();
    let rows: u32 = c.query_row("SELECT COUNT(*) FROM tokens", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, created);
    let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(c);
    cleanup(&path);
}
