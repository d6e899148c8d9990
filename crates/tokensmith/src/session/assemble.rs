//! [`SessionOptions`] → the provider that gets the tokens, and where the server's clock is read.

use std::sync::Arc;

use super::providers::{AblyKeyProvider, AuthCallbackProvider, Exchanger, StaticToken};
use super::{AuthOptions, Credential, FetchError, FetchParams, Provider, ServerTime, SessionOptions};
use crate::ably::Key;
use crate::error::{Error, Result};
use crate::session::failure::{Failure, to_error};

/// The provider for `options.auth`, with `options.token_params` as its defaults.
pub(crate) fn provider(options: &SessionOptions) -> Result<Arc<dyn Provider>> {
    let params = options.token_params.clone();
    let Some(auth) = &options.auth else { return Ok(Arc::new(NoMeans)) };
    Ok(match auth {
        AuthOptions::Key { key } => {
            let key =
                Key::parse(key.expose()).map_err(|_| Error::invalid("key", "expected `<keyName>:<keySecret>`"))?;
            Arc::new(AblyKeyProvider::new(key, params)?)
        }
        AuthOptions::Callback(callback) => {
            Arc::new(AuthCallbackProvider::new(callback.clone(), params, exchanger(options)?)?)
        }
        AuthOptions::Provider(p) => p.clone(),
        AuthOptions::Token(credential) => Arc::new(StaticToken::new(credential.clone())),
        #[cfg(feature = "client")]
        AuthOptions::AuthUrl(url) => {
            use super::providers::AuthUrlProvider;
            Arc::new(AuthUrlProvider::new(url.clone(), params, exchanger(options)?, options.http_timeout_ms)?)
        }
        #[cfg(feature = "client")]
        AuthOptions::AgoraTokenServer(server) => {
            Arc::new(super::providers::AgoraServerProvider::new(server, options.http_timeout_ms)?)
        }
        #[cfg(feature = "client")]
        AuthOptions::CometChat(login) => {
            Arc::new(super::providers::CometChatProvider::new(login, options.http_timeout_ms)?)
        }
        #[cfg(not(feature = "client"))]
        other => {
            let _ = other;
            return Err(Error::invalid("auth", "this means needs tokensmith's `client` feature (HTTP)"));
        }
    })
}

/// The REST host: `rest_url`, else the authUrl's, the token server's or the login's own host.
#[cfg(feature = "client")]
fn rest_url(options: &SessionOptions) -> Result<Option<String>> {
    if let Some(url) = &options.rest_url {
        return Ok(Some(url.clone()));
    }
    Ok(match &options.auth {
        Some(AuthOptions::AuthUrl(u)) => Some(super::providers::auth_url_origin(&u.url)?),
        Some(AuthOptions::AgoraTokenServer(s)) => Some(s.base_url.clone()),
        Some(AuthOptions::CometChat(l)) => Some(l.base_url.clone()),
        _ => None,
    })
}

/// Where TokenRequests are exchanged: the REST host, when there is one.
fn exchanger(options: &SessionOptions) -> Result<Option<Arc<dyn Exchanger>>> {
    #[cfg(feature = "client")]
    if let Some(url) = rest_url(options)? {
        let client = super::providers::http::client(&url, options.http_timeout_ms, |b| b)?;
        return Ok(Some(Arc::new(client)));
    }
    let _ = options;
    Ok(None)
}

/// Where the server's clock is read (`GET /time` on the REST host), if asked for.
pub(crate) fn server_time(options: &SessionOptions) -> Result<Option<Arc<dyn ServerTime>>> {
    #[cfg(feature = "client")]
    if options.query_time
        && let Some(url) = rest_url(options)?
    {
        let client = super::providers::http::client(&url, options.http_timeout_ms, |b| b)?;
        return Ok(Some(Arc::new(client)));
    }
    let _ = options;
    Ok(None)
}

/// A session without a means yet: nothing to fetch with.
struct NoMeans;

#[async_trait::async_trait]
impl Provider for NoMeans {
    async fn fetch(&self, _params: &FetchParams) -> Result<Credential, FetchError> {
        Err(FetchError::terminal(to_error(Failure::NoRenewalMeans { expired_by_ms: None })))
    }

    fn renewable(&self) -> bool {
        false
    }
}
