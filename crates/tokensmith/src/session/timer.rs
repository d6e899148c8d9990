//! Waiting, on the same clock the rest of the crate reads.
//!
//! The engine never calls `tokio::time` directly: it asks a [`Timer`] to wake it when the
//! [`Clock`] reaches a deadline. Production uses [`TokioTimer`]; tests use [`ManualTimer`], whose
//! time moves only when the test advances it, so renewal rules are checked without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};

use crate::clock::{Clock, Context, FixedClock, Random};

/// Wakes a task when a clock reaches a deadline (milliseconds since the epoch).
#[async_trait::async_trait]
pub trait Timer: Send + Sync {
    /// Completes once the timer's clock reads `deadline_ms` or later.
    async fn sleep_until(&self, deadline_ms: u64);
}

/// Longest single tokio sleep. The monotonic timer does not count a suspended machine and the
/// wall clock can be stepped, so the clock is read again at least this often.
const MAX_SLEEP_CHUNK_MS: u64 = 15_000;

/// Sleeps on the tokio runtime, re-reading `clock` so the deadline holds in wall-clock time.
pub struct TokioTimer {
    clock: Arc<dyn Clock>,
}

impl TokioTimer {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        TokioTimer { clock }
    }
}

#[async_trait::async_trait]
impl Timer for TokioTimer {
    async fn sleep_until(&self, deadline_ms: u64) {
        loop {
            let now = self.clock.now_ms();
            if now >= deadline_ms {
                return;
            }
            tokio::time::sleep(Duration::from_millis((deadline_ms - now).min(MAX_SLEEP_CHUNK_MS))).await;
        }
    }
}

/// A timer for tests: a [`FixedClock`] that moves only on [`advance`](Self::advance), waking
/// every sleeper whose deadline it reaches. Tests can also see what the code under test is
/// waiting for ([`deadlines`](Self::deadlines), [`next_deadline`](Self::next_deadline)).
#[derive(Default)]
pub struct ManualTimer {
    clock: Arc<FixedClock>,
    sleepers: Mutex<Vec<(u64, oneshot::Sender<()>)>>,
    registered: Notify,
}

impl ManualTimer {
    pub fn new(start_ms: u64) -> Arc<Self> {
        Arc::new(ManualTimer { clock: Arc::new(FixedClock::new(start_ms)), ..Default::default() })
    }

    /// The clock this timer moves; share it with everything under test.
    pub fn clock(&self) -> Arc<FixedClock> {
        self.clock.clone()
    }

    /// A context on this timer's clock with the given randomness.
    pub fn context(&self, random: Arc<dyn Random>) -> Context {
        Context { clock: self.clock.clone(), random }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Deadlines of the pending sleepers, earliest first.
    pub fn deadlines(&self) -> Vec<u64> {
        let mut sleepers = self.lock();
        sleepers.retain(|(_, tx)| !tx.is_closed());
        let mut d: Vec<u64> = sleepers.iter().map(|(d, _)| *d).collect();
        d.sort_unstable();
        d
    }

    /// Waits until something sleeps on this timer, then returns the earliest deadline.
    pub async fn next_deadline(&self) -> u64 {
        loop {
            let registered = self.registered.notified();
            tokio::pin!(registered);
            registered.as_mut().enable();
            if let Some(&d) = self.deadlines().first() {
                return d;
            }
            registered.await;
        }
    }

    /// Waits until a sleeper with exactly this deadline is pending.
    pub async fn sleeping_until(&self, deadline_ms: u64) {
        loop {
            let registered = self.registered.notified();
            tokio::pin!(registered);
            registered.as_mut().enable();
            if self.deadlines().contains(&deadline_ms) {
                return;
            }
            registered.await;
        }
    }

    /// Moves the clock forward and wakes the sleepers that are now due.
    pub fn advance(&self, ms: u64) {
        self.advance_to(self.clock.now_ms().saturating_add(ms));
    }

    /// Moves the clock to `now_ms` (never backwards) and wakes the sleepers that are now due.
    pub fn advance_to(&self, now_ms: u64) {
        let now = now_ms.max(self.clock.now_ms());
        self.clock.set(now);
        let due: Vec<_> = {
            let mut sleepers = self.lock();
            let (due, rest) = std::mem::take(&mut *sleepers).into_iter().partition(|(d, _)| *d <= now);
            *sleepers = rest;
            due
        };
        for (_, tx) in due {
            let _ = tx.send(());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, oneshot::Sender<()>)>> {
        self.sleepers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl Timer for ManualTimer {
    async fn sleep_until(&self, deadline_ms: u64) {
        if self.clock.now_ms() >= deadline_ms {
            return;
        }
        let (tx, rx) = oneshot::channel();
        self.lock().push((deadline_ms, tx));
        self.registered.notify_waiters();
        let _ = rx.await;
    }
}

/// The server's time as this process estimates it: a local clock plus a known offset.
#[derive(Clone)]
pub struct ServerClock {
    local: Arc<dyn Clock>,
    offset_ms: Arc<AtomicI64>,
}

impl ServerClock {
    pub fn new(local: Arc<dyn Clock>, offset_ms: i64) -> Self {
        ServerClock { local, offset_ms: Arc::new(AtomicI64::new(offset_ms)) }
    }

    /// Server time minus local time, in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    pub fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::SeqCst);
    }

    /// The local time at which the server's clock reads `server_ms`.
    pub fn to_local(&self, server_ms: u64) -> u64 {
        shift(server_ms, -self.offset_ms())
    }
}

impl Clock for ServerClock {
    fn now_ms(&self) -> u64 {
        shift(self.local.now_ms(), self.offset_ms())
    }
}

fn shift(ms: u64, by: i64) -> u64 {
    if by >= 0 { ms.saturating_add(by.unsigned_abs()) } else { ms.saturating_sub(by.unsigned_abs()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_timer_wakes_only_due_sleepers() {
        let timer = ManualTimer::new(1_000);
        let t = timer.clone();
        let early = tokio::spawn(async move { t.sleep_until(1_500).await });
        let t = timer.clone();
        let late = tokio::spawn(async move { t.sleep_until(3_000).await });
        timer.sleeping_until(1_500).await;
        timer.sleeping_until(3_000).await;
        assert_eq!(timer.next_deadline().await, 1_500);
        timer.advance(499);
        assert_eq!(timer.deadlines(), vec![1_500, 3_000]);
        timer.advance(1);
        early.await.unwrap();
        assert_eq!(timer.deadlines(), vec![3_000]);
        assert!(!late.is_finished());
        timer.advance_to(10);
        assert_eq!(timer.now_ms(), 1_500, "never moves backwards");
        timer.advance_to(3_000);
        late.await.unwrap();
        timer.sleep_until(2_000).await; // already past: returns at once
    }

    #[tokio::test]
    async fn dropped_sleepers_are_forgotten() {
        let timer = ManualTimer::new(0);
        let t = timer.clone();
        let task = tokio::spawn(async move { t.sleep_until(100).await });
        timer.sleeping_until(100).await;
        task.abort();
        let _ = task.await;
        assert!(timer.deadlines().is_empty());
    }

    #[tokio::test]
    async fn tokio_timer_returns_once_the_clock_is_past() {
        let clock = Arc::new(FixedClock::new(5_000));
        TokioTimer::new(clock).sleep_until(4_000).await;
    }

    #[test]
    fn server_clock_applies_the_offset_both_ways() {
        let local = Arc::new(FixedClock::new(10_000));
        let server = ServerClock::new(local, 2_500);
        assert_eq!(server.now_ms(), 12_500);
        assert_eq!(server.to_local(12_500), 10_000);
        server.set_offset_ms(-20_000);
        assert_eq!((server.now_ms(), server.to_local(0)), (0, 20_000));
    }
}
