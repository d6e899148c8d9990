//! When a call is tried again, and how long to wait first.
//!
//! Waits are exponential backoff with full jitter (a uniform random time up to the capped
//! exponential), drawn from the client's [`Context`] so tests pin them. A `Retry-After` the server
//! sends (seconds or an HTTP date) replaces the backoff; one longer than
//! [`RetryPolicy::max_retry_after`] is not waited out: the error is returned with it.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::clock::Context;

/// How often and how patiently a call is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry). Default 3.
    pub max_attempts: u32,
    /// The backoff cap before retry `n` (from 0) is `base_backoff · 2ⁿ`. Default 200 ms.
    pub base_backoff: Duration,
    /// The backoff cap never exceeds this. Default 5 s.
    pub max_backoff: Duration,
    /// The longest `Retry-After` waited out. Default 30 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn never() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The wait before retry `n` (from 0): uniform in `[0, min(max_backoff, base_backoff · 2ⁿ)]`.
    pub fn backoff(&self, retry: u32, ctx: &Context) -> Duration {
        let cap = self.base_backoff.saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX)).min(self.max_backoff);
        let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        let draw = u64::from_le_bytes(ctx.random_bytes::<8>());
        Duration::from_millis(draw % cap_ms.saturating_add(1))
    }
}

/// Waits between attempts. The default is `tokio::time::sleep`; tests record the waits instead.
#[async_trait]
pub trait Sleeper: Send + Sync {
    async fn sleep(&self, delay: Duration);
}

/// [`Sleeper`] on tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, delay: Duration) {
        tokio::time::sleep(delay).await;
    }
}

/// How long the server asked to wait: `Retry-After` in seconds or as an HTTP date, else
/// CometChat's documented `X-Rate-Limit-Reset` (Unix seconds). Dates in the past are 0.
pub fn retry_after(headers: &HeaderMap, ctx: &Context) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let until = |unix_ms: u64| Duration::from_millis(unix_ms.saturating_sub(ctx.now_ms()));
    if let Some(v) = text(RETRY_AFTER.as_str()) {
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = httpdate::parse_http_date(v).ok()?;
        let unix_ms = at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        return Some(until(unix_ms));
    }
    let reset = text("x-rate-limit-reset")?.parse::<u64>().ok()?;
    Some(until(reset.saturating_mul(1000)))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_str(v).unwrap())).collect()
    }

    #[test]
    fn retry_after_seconds_date_and_reset() {
        // 2015-10-21T07:28:00Z = 1445412480 s
        let ctx = Context::fixed(1_445_412_470_000);
        let at = |h| retry_after(&headers(h), &ctx);
        assert_eq!(at(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(at(&[("retry-after", " 0 ")]), Some(Duration::ZERO));
        assert_eq!(at(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]), Some(Duration::from_secs(10)));
        assert_eq!(at(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")]), Some(Duration::ZERO));
        assert_eq!(at(&[("retry-after", "soon")]), None);
        assert_eq!(at(&[("retry-after", "-1")]), None);
        assert_eq!(at(&[("x-rate-limit-reset", "1445412475")]), Some(Duration::from_secs(5)));
        assert_eq!(at(&[]), None);
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        let policy = RetryPolicy::default();
        let ctx = Context::system();
        for retry in 0..40 {
            let cap = (200u64 << retry.min(20)).min(5_000);
            for _ in 0..50 {
                assert!(policy.backoff(retry, &ctx) <= Duration::from_millis(cap), "retry {retry}");
            }
        }
        // Pinned randomness gives a pinned wait.
        let a = policy.backoff(1, &Context::fixed(0));
        assert_eq!(a, policy.backoff(1, &Context::fixed(0)));
        let zero = RetryPolicy { base_backoff: Duration::ZERO, ..RetryPolicy::default() };
        assert_eq!(zero.backoff(3, &ctx), Duration::ZERO);
    }
}
