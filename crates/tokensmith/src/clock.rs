//! The one injectable clock and random source every format uses.
//!
//! Production code uses [`Context::system`]; tests freeze time with
//! [`FixedClock`] and pin salts and nonces with [`SeqRandom`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> u64;
}

/// A source of unpredictable bytes.
pub trait Random: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicU64);

impl FixedClock {
    pub fn new(now_ms: u64) -> Self {
        FixedClock(AtomicU64::new(now_ms))
    }
    pub fn set(&self, now_ms: u64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The operating system CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // The OS source failing is unrecoverable and never happens on supported targets.
        getrandom::fill(buf).expect("operating system random source unavailable");
    }
}

/// Predictable bytes (0, 1, 2, … continuing across calls) for tests. Never for production.
#[derive(Debug, Default)]
pub struct SeqRandom(AtomicU64);

impl Random for SeqRandom {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf {
            *b = self.0.fetch_add(1, Ordering::Relaxed) as u8;
        }
    }
}

/// Clock plus randomness, passed to everything that needs either.
#[derive(Clone)]
pub struct Context {
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
}

impl Context {
    /// The system clock and the OS CSPRNG.
    pub fn system() -> Self {
        Context {
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
        }
    }

    /// A context with a fixed clock and a predictable random source, for tests.
    pub fn fixed(now_ms: u64) -> Self {
        Context {
            clock: Arc::new(FixedClock::new(now_ms)),
            random: Arc::new(SeqRandom::default()),
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    pub fn now_secs(&self) -> u64 {
        self.clock.now_ms() / 1000
    }

    pub fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut buf = [0u8; N];
        self.random.fill(&mut buf);
        buf
    }

    /// A uniform integer in `low..=high` (rejection sampling, no modulo bias).
    pub fn random_range(&self, low: u32, high: u32) -> u32 {
        debug_assert!(low <= high);
        let span = u64::from(high - low) + 1;
        let zone = u64::from(u32::MAX) + 1 - ((u64::from(u32::MAX) + 1) % span);
        loop {
            let v = u64::from(u32::from_le_bytes(self.random_bytes::<4>()));
            if v < zone {
                return low + (v % span) as u32;
            }
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::system()
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("now_ms", &self.now_ms())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance(500);
        assert_eq!(c.now_ms(), 1_500);
        c.set(7);
        assert_eq!(c.now_ms(), 7);
    }

    #[test]
    fn random_range_stays_in_bounds() {
        let ctx = Context::system();
        for _ in 0..10_000 {
            let v = ctx.random_range(1, 99_999_999);
            assert!((1..=99_999_999).contains(&v));
        }
        assert_eq!(ctx.random_range(5, 5), 5);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }
}
