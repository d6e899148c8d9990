//! [`Tokensmith`]: users, auth tokens with rolling retention, revocation, nonce replay
//! protection and the push registry, over any [`Store`](crate::store::Store).
//!
//! Every rule lives here once; a store only performs atomic steps. Methods are async and the
//! service is cheap to clone (`Arc` inside), so one instance serves a whole process.

mod auth_tokens;
pub mod limits;
mod push;
mod revocation;
mod users;

pub use auth_tokens::{AuthTokenInfo, IssuedToken, Session, TokenPage};
pub use push::{PushList, PushTokens};
pub use revocation::{RevokeOptions, RevokeResult};
pub use users::{CreatedUser, NewUser};

use std::sync::Arc;

use crate::clock::Context;
use crate::error::Result;
use crate::store::{self, Store};

/// Policy knobs; the defaults are CometChat's behaviour.
#[derive(Debug, Clone)]
pub struct Config {
    /// Namespace inside the store (one store can hold many apps).
    pub app: String,
    /// Active auth tokens kept per user; creating one more archives the oldest (0 = unlimited).
    pub retention: u32,
    /// Lifetime of auth tokens in ms; `None` (the default) = they never expire.
    pub token_ttl_ms: Option<u64>,
    /// Archived tokens are forgotten this long after archiving (default 30 days).
    pub purge_archived_after_ms: u64,
    /// How much later a revocation with `allow_reauth_margin` takes effect (default 30 s).
    pub reauth_margin_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            app: "default".into(),
            retention: 100,
            token_ttl_ms: None,
            purge_archived_after_ms: 30 * 24 * 3600 * 1000,
            reauth_margin_ms: 30_000,
        }
    }
}

/// The retention service. Clone it freely.
#[derive(Clone)]
pub struct Tokensmith {
    store: Arc<dyn Store>,
    ctx: Context,
    config: Arc<Config>,
}

impl Tokensmith {
    pub fn new(store: Arc<dyn Store>, ctx: Context, config: Config) -> Self {
        Tokensmith { store, ctx, config: Arc::new(config) }
    }

    /// Opens the store at `url` (see [`store::open`]) with the system clock and CSPRNG.
    pub async fn open(url: &str, config: Config) -> Result<Self> {
        Ok(Tokensmith::new(store::open(url).await?, Context::system(), config))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    fn app(&self) -> &str {
        &self.config.app
    }

    /// Forgets archived tokens older than the configured age; returns how many.
    pub async fn purge_archived(&self) -> Result<u64> {
        let before = self.ctx.now_ms().saturating_sub(self.config.purge_archived_after_ms);
        self.store.purge_archived(self.app(), before).await
    }

    /// Store reachability (for readiness checks).
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }
}
