//! Per-credential rate limits: a fixed one-minute window per key, as CometChat counts them
//! ("N requests per minute"), so `X-RateLimit-Reset` is simply the end of the window.
//!
//! The auth extractors call [`RateLimiter::hit`] once they know who is calling and [`admit`] the
//! result, which also leaves it in the request's task-local [`RateCell`]; the outer layer
//! ([`crate::observe`]) turns it into response headers.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use axum::http::StatusCode;
use tokio::task::futures::TaskLocalFuture;

use crate::error::ApiError;

const WINDOW_MS: u64 = 60_000;

/// Where a request stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds at which the window resets.
    pub reset: u64,
    /// Set when the request was refused: seconds until the next window.
    pub retry_after: Option<u64>,
}

#[derive(Default)]
pub struct RateLimiter(Mutex<Windows>);

#[derive(Default)]
struct Windows {
    /// The window the counts belong to (`now / WINDOW_MS`); older counts are dropped wholesale.
    current: u64,
    counts: HashMap<String, u32>,
}

impl RateLimiter {
    /// Counts one request of `key` against `limit` per minute (0 = unlimited, never refused).
    pub fn hit(&self, key: &str, limit: u32, now_ms: u64) -> RateInfo {
        let window = now_ms / WINDOW_MS;
        let reset = (window + 1) * WINDOW_MS / 1000;
        if limit == 0 {
            return RateInfo { limit, remaining: 0, reset, retry_after: None };
        }
        let mut w = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if w.current != window {
            w.current = window;
            w.counts.clear();
        }
        let count = match w.counts.get_mut(key) {
            Some(c) => c,
            None => w.counts.entry(key.to_owned()).or_default(),
        };
        if *count >= limit {
            let wait_ms = (window + 1) * WINDOW_MS - now_ms;
            return RateInfo { limit, remaining: 0, reset, retry_after: Some(wait_ms.div_ceil(1000).max(1)) };
        }
        *count += 1;
        RateInfo { limit, remaining: limit - *count, reset, retry_after: None }
    }
}

/// Where a request stands against its limit, once an auth extractor has counted it: task-local
/// to the request's future (see [`scope`]), so nothing is allocated for requests that are not
/// counted (no limit configured, no credential).
pub type RateCell = Cell<Option<RateInfo>>;

tokio::task_local! {
    static RATE: RateCell;
}

/// Runs a request's future with its own (empty) [`RateCell`]; the outer layer takes the cell
/// back with `TaskLocalFuture::take_value` once the future is done.
pub fn scope<F: Future>(request: F) -> TaskLocalFuture<RateCell, F> {
    RATE.scope(Cell::new(None), request)
}

/// Records `info` for the response headers (the first count of a request wins); refuses the
/// request when it is over its limit.
pub fn admit(info: RateInfo) -> Result<(), ApiError> {
    let _ = RATE.try_with(|cell| {
        if cell.get().is_none() {
            cell.set(Some(info));
        }
    });
    match info.retry_after {
        Some(secs) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ERR_TOO_MANY_REQUESTS",
            format!("Rate limit of {} requests per minute exceeded; retry in {secs} s.", info.limit),
        )
        .ably(42910)
        .retry_after(secs)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_window() {
        let l = RateLimiter::default();
        let t = 1_700_000_000_000 - 1_700_000_000_000 % WINDOW_MS; // a window start
        assert_eq!(l.hit("a", 2, t).remaining, 1);
        assert_eq!(l.hit("a", 2, t + 1).remaining, 0);
        let refused = l.hit("a", 2, t + 1500);
        assert_eq!(refused.retry_after, Some(59));
        assert_eq!(refused.reset, (t + WINDOW_MS) / 1000);
        assert_eq!(l.hit("b", 2, t + 1500).remaining, 1, "other keys have their own count");
        assert_eq!(l.hit("a", 2, t + WINDOW_MS).remaining, 1, "a new window starts afresh");
        assert_eq!(l.hit("a", 0, t).retry_after, None, "0 is unlimited");
    }

    #[tokio::test]
    async fn admitted_counts_reach_the_request_scope_and_refusals_are_429() {
        let info = |remaining, retry_after| RateInfo { limit: 2, remaining, reset: 60, retry_after };
        let request = async {
            admit(info(1, None)).unwrap();
            admit(info(0, None)).unwrap(); // a second count does not replace the first
        };
        let mut scoped = std::pin::pin!(scope(request));
        scoped.as_mut().await;
        assert_eq!(scoped.as_mut().take_value().and_then(|c| c.get()), Some(info(1, None)));

        let refused = admit(info(0, Some(7))).unwrap_err(); // outside any scope: still refused
        assert_eq!(
            (refused.status.as_u16(), refused.code.as_ref(), refused.retry_after),
            (429, "ERR_TOO_MANY_REQUESTS", Some(7))
        );
    }
}
