//! What a session tells its subscribers. Delivered on a tokio broadcast channel
//! ([`Session::subscribe`](super::Session::subscribe)), in the order the state changed; a
//! subscriber that falls more than [`SessionConfig::event_capacity`](super::SessionConfig)
//! events behind receives `Lagged` and skips the oldest.

use super::{FetchReason, TokenFormat};
use crate::error::Error;

/// Why a session logged out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutReason {
    /// [`Session::logout`](super::Session::logout) was called.
    Requested,
    /// A server no longer knows the login's auth token (archived, deleted, flushed) and the
    /// session has no means to get another.
    TokenNotFound,
}

impl LogoutReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LogoutReason::Requested => "requested",
            LogoutReason::TokenNotFound => "tokenNotFound",
        }
    }
}

/// One session event. Times are the server's, in ms since the epoch. `generation` counts the
/// tokens the session has held (1 for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// The held token is close to expiry; a renewal starts now (if the provider can renew).
    TokenWillExpire { generation: u64, expires_ms: u64 },
    /// A new token is held.
    Renewed {
        generation: u64,
        reason: FetchReason,
        issued_ms: Option<u64>,
        expires_ms: Option<u64>,
        format: TokenFormat,
        /// When the next proactive renewal is planned, if any.
        renew_at_ms: Option<u64>,
    },
    /// The held token reached its expiry without a replacement and was dropped.
    TokenExpired { generation: u64, expired_at_ms: u64 },
    /// A fetch failed. `retry_in_ms` is the backoff before the next attempt, or `None` when
    /// this renewal gave up (`terminal` tells whether the provider's verdict was terminal).
    RenewFailed { attempt: u32, error: Error, retry_in_ms: Option<u64>, terminal: bool },
    /// The session ended its login; [`Session::authorize`](super::Session::authorize) can start
    /// a new one.
    LoggedOut { reason: LogoutReason },
}

impl SessionEvent {
    /// The event's name in the JS and Python APIs.
    pub fn name(&self) -> &'static str {
        match self {
            SessionEvent::TokenWillExpire { .. } => "tokenWillExpire",
            SessionEvent::Renewed { .. } => "renewed",
            SessionEvent::TokenExpired { .. } => "tokenExpired",
            SessionEvent::RenewFailed { .. } => "renewFailed",
            SessionEvent::LoggedOut { .. } => "loggedOut",
        }
    }
}
