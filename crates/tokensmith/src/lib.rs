//! tokensmith: issue, sign, verify and explain chat/realtime auth tokens.
//!
//! - [`agora`]: Agora AccessToken2 (`007`) chat user and app tokens, byte-exact with Agora's reference.
//! - [`ably`]: Ably TokenRequests (exact `mac`), capabilities, and TokenDetails as Ably JWTs.
//! - [`auth_token`]: opaque per-user auth tokens (`tks_…`), CometChat style.
//! - [`explain()`]: a redacted breakdown of any of them, with the failing check when given the secret.
//!
//! Every function takes a [`Context`] (clock and randomness), so tests freeze time and pin
//! salts and nonces. Errors carry a stable [`Error::code`] shared with the JS and Python packages.

pub mod ably;
pub mod agora;
pub mod args;
pub mod auth_token;
#[cfg(feature = "client")]
pub mod client;
pub mod clock;
mod crypto;
pub mod error;
pub mod explain;
pub mod secret;
pub mod service;
pub mod session;
pub mod store;

pub use clock::{Clock, Context, FixedClock, OsRandom, Random, SeqRandom, SystemClock};
pub use error::{CODES, Error, RemoteError, Result};
pub use explain::{Explanation, explain};
pub use secret::Secret;
pub use service::{Config, Tokensmith};
