//! Node.js binding of tokensmith: converts arguments, errors and results, nothing more.
//! One file per core module; the JS layer in `npm/tokensmith` maps errors to classes.

// napi-derive compiles its export registration out of `cfg(test)` builds, so under
// `cargo clippy --all-targets` every export looks unused. Behaviour is tested through jest.
#![cfg_attr(test, allow(dead_code))]

mod ably;
mod agora;
mod auth_token;
mod client;
mod convert;
mod errors;
mod explain;
mod provider;
mod server;
mod service;
mod session;
mod session_options;

use napi_derive::napi;

/// The version of the native addon (the same as the npm package's).
#[napi]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
