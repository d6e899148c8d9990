//! The writer thread: group commit with one transaction (and one fsync) per batch of queued
//! jobs; the sync thread, which runs each batch's fsync while the writer goes on with the next
//! batch, and answers the batch after it; and the checkpoint thread that copies committed pages
//! back into the database file.

use std::cell::RefCell;
use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use tokio::sync::oneshot;

use super::retention::InsertStatements;
use super::schema::{Role, connect};
use super::wal_vfs::{self, OwedSync};
use super::{db_err, run};
use super::{fork_guard, stopped};
use crate::error::{Error, Result};

/// Most jobs in one transaction.
const MAX_BATCH: usize = 1024;

/// What a job runs on: the writer's connection, and statements prepared once for its life.
pub(super) struct Writer<'c> {
    pub(super) conn: &'c Connection,
    pub(super) insert: RefCell<Option<InsertStatements<'c>>>,
}

impl<'c> Writer<'c> {
    pub(super) fn new(conn: &'c Connection) -> Self {
        Writer { conn, insert: RefCell::new(None) }
    }
}

/// One write, run on the writer's connection inside its batch's transaction.
pub(super) trait Job: Send {
    /// Runs the job's statements; false if it failed. May run a second time (when the batch
    /// is replayed), so it must only read what it captured.
    fn run(&mut self, w: &Writer<'_>) -> bool;
    /// Hands the result to the caller once the transaction is over: `Err` if it did not commit.
    fn finish(self: Box<Self>, committed: Result<(), &Error>);
}

/// A [`Job`] made of a closure and the channel its caller waits on.
pub(super) struct Pending<F, R> {
    f: F,
    result: Option<Result<R>>,
    reply: oneshot::Sender<Result<R>>,
}

impl<F, R> Pending<F, R> {
    pub(super) fn new(f: F, reply: oneshot::Sender<Result<R>>) -> Self {
        Pending { f, result: None, reply }
    }
}

impl<F, R> Job for Pending<F, R>
where
    F: FnMut(&Writer<'_>) -> Result<R> + Send,
    R: Send,
{
    fn run(&mut self, w: &Writer<'_>) -> bool {
        let r = (self.f)(w);
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), &Error>) {
        let this = *self;
        let r = match (committed, this.result) {
            (Err(e), _) => Err(e.clone()),
            (Ok(()), Some(r)) => r,
            (Ok(()), None) => Err(Error::StoreUnavailable("sqlite: the write did not run".into())),
        };
        let _ = this.reply.send(r);
    }
}

/// Starts the writer thread on `conn` (and the sync thread it hands batches to); jobs sent on
/// the returned channel run there. Both end once every sender is dropped and the last batch
/// is answered.
pub(super) fn start(conn: Connection) -> Result<mpsc::Sender<Box<dyn Job>>> {
    let (jobs_tx, jobs) = mpsc::channel::<Box<dyn Job>>();
    let (done_tx, done) = mpsc::channel::<Committed>();
    let broken = Arc::new(AtomicBool::new(false));
    let spawn_err = |e: std::io::Error| Error::StoreUnavailable(format!("cannot start the writer thread: {e}"));
    let sync_broken = broken.clone();
    std::thread::Builder::new()
        .name("sqlite-sync".into())
        .spawn(move || sync_loop(done, &sync_broken))
        .map_err(spawn_err)?;
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || write_loop(conn, jobs, done_tx, &broken))
        .map_err(spawn_err)?;
    Ok(jobs_tx)
}

/// A committed (or failed) batch on its way to its sync.
struct Committed {
    jobs: Vec<Box<dyn Job>>,
    outcome: Result<()>,
    owed: Option<OwedSync>,
}

/// Why writes stop after a failed sync: the kernel may have dropped the pages it could not
/// write, and a later sync would not say so. Reads go on; reopening the store recovers the WAL.
fn sync_failed() -> Error {
    Error::StoreUnavailable("sqlite: a sync of the WAL failed; writes stop until the store is reopened".into())
}

/// The writer loop: take one job, then everything queued behind it, commit them together with
/// the WAL's sync deferred, and hand the batch to the sync thread.
fn write_loop(
    conn: Connection,
    jobs: mpsc::Receiver<Box<dyn Job>>,
    done: mpsc::Sender<Committed>,
    broken: &AtomicBool,
) {
    let inside = fork_guard::enter();
    let w = Writer::new(&conn);
    drop(inside);
    while let Ok(first) = jobs.recv() {
        let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
        batch.push(first);
        batch.extend(jobs.try_iter().take(MAX_BATCH - 1));
        let (outcome, owed) = if broken.load(Ordering::Acquire) {
            (Err(sync_failed()), None)
        } else {
            let _inside = fork_guard::enter();
            wal_vfs::deferring(|| run_batch(&w, &mut batch))
        };
        if let Err(mpsc::SendError(c)) = done.send(Committed { jobs: batch, outcome, owed }) {
            // The sync thread is gone (it only ends with this loop): answer here, synced or not.
            for job in c.jobs {
                job.finish(Err(&stopped()));
            }
        }
    }
    let _inside = fork_guard::enter();
    drop(w);
    drop(conn);
}

/// The sync loop: one `fsync` for every batch committed before it starts, then their answers,
/// in commit order (an answer may depend on an earlier batch's writes: it waits for their sync).
fn sync_loop(done: mpsc::Receiver<Committed>, broken: &AtomicBool) {
    let mut group: Vec<Committed> = Vec::new();
    while let Ok(first) = done.recv() {
        group.push(first);
        group.extend(done.try_iter());
        let synced = match group.iter().rev().find_map(|c| c.owed.as_ref()) {
            _ if broken.load(Ordering::Acquire) => Err(sync_failed()),
            Some(owed) => owed.sync().map_err(|_| {
                broken.store(true, Ordering::Release);
                sync_failed()
            }),
            None => Ok(()),
        };
        for c in group.drain(..) {
            let outcome = c.outcome.and_then(|()| synced.clone());
            for job in c.jobs {
                job.finish(outcome.as_ref().map(|_| ()));
            }
        }
    }
}

/// One transaction for the whole batch; `Err` (for every job) if it did not commit.
pub(super) fn run_batch(w: &Writer<'_>, batch: &mut [Box<dyn Job>]) -> Result<()> {
    let conn = w.conn;
    run(conn, "BEGIN IMMEDIATE")?;
    let r = run_jobs(w, batch).and_then(|()| run(conn, "COMMIT"));
    if r.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    r
}

/// Runs the jobs without a savepoint each (they cost a statement pair and a copy of every page
/// a job touches): a job that fails having changed nothing leaves nothing to undo. Only when
/// one fails after writing is the batch rolled back and replayed, each job in its own
/// savepoint, so that one failure never undoes another.
fn run_jobs(w: &Writer<'_>, batch: &mut [Box<dyn Job>]) -> Result<()> {
    let conn = w.conn;
    let clean = batch.iter_mut().all(|job| {
        let before = conn.total_changes();
        job.run(w) || (conn.total_changes() == before && !conn.is_autocommit())
    });
    if clean {
        return Ok(());
    }
    if !conn.is_autocommit() {
        run(conn, "ROLLBACK")?;
    }
    run(conn, "BEGIN IMMEDIATE")?;
    for job in batch.iter_mut() {
        run(conn, "SAVEPOINT job")?;
        if !job.run(w) {
            run(conn, "ROLLBACK TO job")?;
        }
        run(conn, "RELEASE job")?;
    }
    Ok(())
}

/// WAL bytes between two background checkpoints: pages rewritten meanwhile are copied once.
const CHECKPOINT_EVERY: i64 = 4 << 20;
/// WAL bytes past which the writer checkpoints by itself, right after its commit. Large, because
/// that checkpoint stalls every write: it syncs the database file (30–70 ms measured under load)
/// however little is left to copy. At 32 MiB that was an eighth of the writer's time.
pub(super) const WAL_LIMIT: i64 = 128 << 20;

/// Copies committed WAL pages back into the database file on a connection and thread of its
/// own, so that the writer rarely spends its time on that copy. The writer's WAL hook wakes it
/// every [`CHECKPOINT_EVERY`] bytes. Past [`WAL_LIMIT`] the writer checkpoints itself (as
/// `wal_autocheckpoint` would): only a checkpoint right after its own commit lets its next
/// transaction start the WAL over, and by then this thread has copied nearly every page.
pub(super) fn start_checkpointer(path: &Path, writer: &mut Connection) -> Result<()> {
    let conn = connect(Some(path), Role::Checkpointer)?;
    let page: i64 = writer.query_row("PRAGMA page_size", [], |r| r.get(0)).map_err(db_err)?;
    let every = c_int::try_from(CHECKPOINT_EVERY / page.max(512)).unwrap_or(c_int::MAX);
    let limit = c_int::try_from(WAL_LIMIT / page.max(512)).unwrap_or(c_int::MAX);
    // One pending wake-up at most: more commits during a checkpoint coalesce into it.
    let (wake, woken) = mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("sqlite-checkpt".into())
        .spawn(move || {
            // Ends when the writer's connection (and with it the hook holding `wake`) is gone.
            while woken.recv().is_ok() {
                let _inside = fork_guard::enter();
                // Best effort: SQLITE_BUSY (the writer is checkpointing) waits for the next turn.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
            let _inside = fork_guard::enter();
            drop(conn);
        })
        .map_err(|e| Error::StoreUnavailable(format!("cannot start the checkpoint thread: {e}")))?;
    let mut woken_at = 0;
    writer
        .wal_hook(Some(move |wal: &mut Wal, frames: c_int| {
            if frames < woken_at {
                woken_at = 0; // the WAL started over
            }
            if frames >= limit {
                // Errors only delay the checkpoint; the commit that called the hook stands. Its
                // syncs run in place: frames reach the database only from a synced WAL.
                let _ = wal_vfs::syncing_in_place(|| wal.checkpoint());
            } else if frames - woken_at >= every {
                let _ = wake.try_send(());
                woken_at = frames;
            }
            Ok(())
        }))
        .map_err(db_err)
}
