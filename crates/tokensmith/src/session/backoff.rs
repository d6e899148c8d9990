//! Bounded retries with "full jitter" backoff: attempt `n` waits a uniform random time in
//! `0..=min(cap, base·2^(n-1))`. Random waits spread many clients that failed together (an auth
//! server restart) instead of having them retry in lock step.

use crate::clock::Context;
use crate::error::{Error, Result};

/// How a failing provider is retried within one renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Ceiling of the first wait, in ms.
    pub base_ms: u64,
    /// Largest wait, in ms; also how long a session refuses to start a new round after one
    /// gave up on retryable failures.
    pub cap_ms: u64,
    /// Fetches per renewal, the first included (so `max_attempts - 1` retries).
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base_ms: 1_000, cap_ms: 30_000, max_attempts: 6 }
    }
}

impl Backoff {
    pub fn validate(&self) -> Result<()> {
        if self.base_ms == 0 || self.cap_ms < self.base_ms || self.cap_ms > u64::from(u32::MAX) {
            return Err(Error::invalid("backoff", "needs 0 < base_ms <= cap_ms <= 4294967295"));
        }
        if self.max_attempts == 0 {
            return Err(Error::invalid("backoff", "max_attempts must be at least 1"));
        }
        Ok(())
    }

    /// The upper bound of the wait after failed attempt `attempt` (counted from 1).
    pub fn ceiling_ms(&self, attempt: u32) -> u64 {
        let doublings = attempt.saturating_sub(1).min(63);
        self.base_ms.saturating_mul(1u64 << doublings).min(self.cap_ms)
    }

    /// The wait after failed attempt `attempt`: uniform in `0..=ceiling_ms(attempt)`, but never
    /// shorter than a server's `retry_after_ms` (itself capped).
    pub fn delay_ms(&self, ctx: &Context, attempt: u32, retry_after_ms: Option<u64>) -> u64 {
        let ceiling = u32::try_from(self.ceiling_ms(attempt)).unwrap_or(u32::MAX);
        let jittered = u64::from(ctx.random_range(0, ceiling));
        jittered.max(retry_after_ms.unwrap_or(0).min(self.cap_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let b = Backoff { base_ms: 100, cap_ms: 1_000, max_attempts: 9 };
        let c: Vec<u64> = (1..=6).map(|n| b.ceiling_ms(n)).collect();
        assert_eq!(c, [100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(b.ceiling_ms(200), 1_000, "no overflow for large attempts");
    }

    #[test]
    fn delays_stay_within_full_jitter_bounds() {
        let ctx = Context::system();
        let b = Backoff::default();
        for n in 1..=8 {
            for _ in 0..200 {
                assert!(b.delay_ms(&ctx, n, None) <= b.ceiling_ms(n));
            }
        }
        let d = b.delay_ms(&ctx, 1, Some(20_000));
        assert!((20_000..=b.cap_ms).contains(&d), "Retry-After is honoured: {d}");
        assert!(b.delay_ms(&ctx, 1, Some(u64::MAX)) <= b.cap_ms);
    }

    #[test]
    fn invalid_settings_are_refused() {
        for bad in [
            Backoff { base_ms: 0, ..Backoff::default() },
            Backoff { cap_ms: 10, base_ms: 20, ..Backoff::default() },
            Backoff { max_attempts: 0, ..Backoff::default() },
        ] {
            assert_eq!(bad.validate().unwrap_err().code(), "INVALID_ARGUMENT");
        }
        Backoff::default().validate().unwrap();
    }
}
