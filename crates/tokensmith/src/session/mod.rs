//! Client sessions: one renewal engine that holds the current token of any provider and keeps
//! it valid (see ably-token-auth §8–9 and the renewal complaints in the landscape notes).
//!
//! - **Single flight**: any number of callers needing a token during a renewal share one fetch.
//! - **Ahead of expiry**: renews at `expires − margin − jitter` (margin 30 s by default), judged
//!   on the server's clock when an offset is known ([`Session::set_server_time`]).
//! - **Token errors**: [`Session::call`] renews once and retries once **with the new token**; a
//!   second failure goes to the caller, and a refused token is never handed out again.
//! - **Bounded retries**: retryable provider failures back off with full jitter
//!   ([`Backoff`]); terminal ones stop the session with the provider's error until it is
//!   [`authorize`](Session::authorize)d again — never a loop.
//! - **Events**: `tokenWillExpire`, `renewed`, `tokenExpired`, `renewFailed`, `loggedOut`
//!   ([`SessionEvent`]).
//! - **Injectable time**: the [`Context`] clock and a [`Timer`], so every rule is tested by
//!   moving a [`ManualTimer`], never by sleeping.
//!
//! Building one: [`Session::from_options`] with [`SessionOptions`] (plain data: an Ably key, an
//! authUrl, a callback, a static token, an Agora token server or a CometChat login, plus the Ably
//! TokenParams defaults), or [`Session::builder`] with any [`Provider`]. [`Session::authorize`]
//! changes the means or the params later; [`Session::login`] / [`Session::logout`] /
//! [`Session::current_user`] are the CometChat flow. Provider failures reach callers as
//! `PROVIDER_ERROR` with the provider's own error as [`Error::cause`]; a session with nothing to
//! renew with answers `NO_RENEWAL_MEANS`; a closed one `SESSION_CLOSED`.
//!
//! The background renewal task belongs to the [`Session`] handle: dropping the last handle (or
//! [`Session::close`]) ends it, so a session never keeps a process alive by itself.
//!
//! Not to be confused with [`service::Session`](crate::service::Session), the server-side
//! answer to validating an auth token.

mod assemble;
mod backoff;
mod credential;
mod engine;
mod events;
mod failure;
mod forward;
mod handle;
mod options;
mod provider;
pub mod providers;
mod scheduler;
mod server_time;
mod timer;

pub use backoff::Backoff;
pub use credential::{Credential, TokenFormat};
pub use events::{LogoutReason, SessionEvent};
pub use forward::{Flusher, forward_events};
pub use handle::{Session, SessionBuilder, SessionStats};
pub use options::{
    AgoraCredential, AgoraTokenServer, AuthCallback, AuthMethod, AuthOptions, AuthUrl, CometChatLogin,
    DEFAULT_HTTP_TIMEOUT_MS, SessionOptions,
};
pub use provider::{AsTokenError, FetchError, FetchParams, FetchReason, Provider, TokenErrorKind, Verdict};
pub use server_time::ServerTime;
pub use timer::{ManualTimer, ServerClock, Timer, TokioTimer};

use crate::clock::Context;
use crate::error::{Error, Result};

/// Proactive renewals are never planned sooner than this after a token arrives, so a provider
/// that keeps answering nearly expired tokens cannot drive a fetch loop.
pub const MIN_RENEW_GAP_MS: u64 = 1_000;

/// How a session renews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Renew this long before expiry (default 30 s); at most half the token's remaining life.
    pub margin_ms: u64,
    /// Renew up to this much earlier still, drawn at random per token (default 10 s; at most a
    /// quarter of the remaining life), so clients given tokens together don't renew together.
    pub jitter_ms: u64,
    pub backoff: Backoff,
    /// Server time minus local time, when known up front (e.g. from a `GET /time`).
    pub server_offset_ms: Option<i64>,
    /// Renew in the background ahead of expiry (default). Without it, a caller asking for a
    /// token inside the renewal window starts the renewal and still gets the current token.
    pub background: bool,
    /// Events a slow subscriber may fall behind before it misses some (default 64).
    pub event_capacity: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            margin_ms: 30_000,
            jitter_ms: 10_000,
            backoff: Backoff::default(),
            server_offset_ms: None,
            background: true,
            event_capacity: 64,
        }
    }
}

impl SessionConfig {
    pub fn validate(&self) -> Result<()> {
        self.backoff.validate()?;
        if self.jitter_ms > u64::from(u32::MAX) {
            return Err(Error::invalid("jitter_ms", "must be at most 4294967295"));
        }
        if self.event_capacity == 0 {
            return Err(Error::invalid("event_capacity", "must be at least 1"));
        }
        Ok(())
    }

    /// When to renew a token expiring at `expires_ms` that arrived at `now_ms` (server times):
    /// `expires − lead − jitter`, with `lead = min(margin, remaining/2)` and
    /// `jitter ≤ min(jitter_ms, remaining/4)`, so even a short token renews well inside its
    /// life. `None` when that would be less than [`MIN_RENEW_GAP_MS`] before expiry.
    pub fn renew_at(&self, ctx: &Context, now_ms: u64, expires_ms: u64) -> Option<u64> {
        let remaining = expires_ms.saturating_sub(now_ms);
        let lead = self.margin_ms.min(remaining / 2);
        let jitter_max = u32::try_from(self.jitter_ms.min(remaining / 4)).unwrap_or(u32::MAX);
        let jitter = u64::from(ctx.random_range(0, jitter_max));
        let at = expires_ms.saturating_sub(lead + jitter).max(now_ms.saturating_add(MIN_RENEW_GAP_MS));
        (at < expires_ms).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_time_is_margin_plus_jitter_before_expiry() {
        let ctx = Context::system();
        let c = SessionConfig::default();
        let (now, exp) = (1_000_000, 1_000_000 + 3_600_000);
        for _ in 0..500 {
            let at = c.renew_at(&ctx, now, exp).unwrap();
            assert!((exp - 40_000..=exp - 30_000).contains(&at), "{at}");
        }
    }

    #[test]
    fn short_tokens_renew_inside_their_life() {
        let ctx = Context::system();
        let c = SessionConfig::default();
        // 20 s left: lead 10 s, jitter ≤ 5 s → renew between 5 s and 10 s from now.
        for _ in 0..500 {
            let at = c.renew_at(&ctx, 0, 20_000).unwrap();
            assert!((5_000..=10_000).contains(&at), "{at}");
        }
        assert_eq!(c.renew_at(&ctx, 0, 1_000), None, "too short for a proactive renewal");
        assert_eq!(c.renew_at(&ctx, 5_000, 4_000), None, "already expired");
    }

    #[test]
    fn config_is_validated() {
        SessionConfig::default().validate().unwrap();
        let bad = SessionConfig { event_capacity: 0, ..SessionConfig::default() };
        assert_eq!(bad.validate().unwrap_err().field(), Some("event_capacity"));
        let bad = SessionConfig { jitter_ms: u64::MAX, ..SessionConfig::default() };
        assert_eq!(bad.validate().unwrap_err().field(), Some("jitter_ms"));
    }
}
