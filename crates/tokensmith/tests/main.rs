//! The core's integration tests, one module per area. (`retention/` is a binary of its own: one
//! behaviour suite instantiated per store backend.)

mod client_stub;
mod session_support;

mod client_http;
mod client_wire;
mod properties;
mod session;
mod session_auth_url;
mod session_providers;
mod sqlite_durability;
mod vectors;
