//! Python binding of tokensmith: converts arguments, errors and results, nothing more.
//! One file per core module (plus `runtime.rs`, the tokio runtime every blocking or awaited call
//! runs on); `python/src/tokensmith` gives the functions their idiomatic homes.

mod ably;
mod agora;
mod auth_token;
mod background;
mod client;
mod convert;
mod errors;
mod explain;
mod provider;
mod results;
mod runtime;
mod server;
mod service;
mod session;
mod session_options;

use pyo3::prelude::*;

#[pymodule]
mod _native {
    #[pymodule_export]
    use super::ably::{
        TokenRequestVerifier, ably_create_token_request, ably_issue_token, ably_verify_token, ably_verify_token_request,
    };
    #[pymodule_export]
    use super::agora::{agora_build_chat_app_token, agora_build_chat_user_token, agora_parse, agora_verify};
    #[pymodule_export]
    use super::auth_token::{auth_token_check, auth_token_fingerprint, auth_token_generate, auth_token_redact};
    #[pymodule_export]
    use super::client::Client;
    #[pymodule_export]
    use super::explain::{error_codes, explain};
    #[pymodule_export]
    use super::runtime::Call;
    #[pymodule_export]
    use super::server::{Server, serve};
    #[pymodule_export]
    use super::service::Service;
    #[pymodule_export]
    use super::session::NativeSession;

    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");
}
