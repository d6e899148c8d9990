//! The service's integration tests over loopback, one module per area. (`logs.rs` is a binary of
//! its own: it installs the process-wide tracing subscriber.)

mod common;
mod session_support;

mod ably;
mod admin;
mod agora;
mod client;
mod config;
mod hardening;
mod openapi;
mod ops;
mod session_ably;
mod session_agora;
mod session_login;
