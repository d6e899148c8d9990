//! Reading the server's clock (`GET /time`), so expiry and renewal are judged on it rather than
//! on a local clock that may be off by minutes (ably-token-auth §9, docs#619).

use crate::error::Result;

/// A source of the server's current time, in ms since the epoch.
#[async_trait::async_trait]
pub trait ServerTime: Send + Sync {
    async fn server_now_ms(&self) -> Result<u64>;
}

/// The REST client reads Ably's `GET /time` (the tokensmith service answers it too).
#[cfg(feature = "client")]
#[async_trait::async_trait]
impl ServerTime for crate::client::Client {
    async fn server_now_ms(&self) -> Result<u64> {
        self.time().await
    }
}
