//! The providers behind [`AuthOptions`](super::AuthOptions): an Ably key signing JWTs locally,
//! a user function, an Ably `authCallback` (with a pluggable exchange step for TokenRequests),
//! a static token, and (feature `client`) the HTTP ones: an Ably `authUrl`, an Agora token
//! server and a CometChat login.

mod ably_callback;
mod ably_key;
#[cfg(feature = "client")]
mod agora_server;
#[cfg(feature = "client")]
mod auth_url;
mod callback;
#[cfg(feature = "client")]
mod cometchat;
#[cfg(feature = "client")]
pub(crate) mod http;
mod static_token;

pub use ably_callback::{AblyCallbackProvider, AuthCallbackProvider, AuthCallbackResult, Exchanger, LocalExchanger};
pub use ably_key::AblyKeyProvider;
#[cfg(feature = "client")]
pub use agora_server::AgoraServerProvider;
#[cfg(feature = "client")]
pub use auth_url::AuthUrlProvider;
#[cfg(feature = "client")]
pub(crate) use auth_url::origin as auth_url_origin;
pub use callback::{FnProvider, from_fn};
#[cfg(feature = "client")]
pub use cometchat::CometChatProvider;
pub use static_token::StaticToken;
