//! Ably's `authUrl`: every fetch calls the URL with the stored TokenParams and `authParams`;
//! a TokenRequest answer is exchanged at the REST host's `requestToken`.

use std::sync::Arc;

use super::http;
use crate::ably::TokenParams;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::session::providers::{AuthCallbackResult, Exchanger};
use crate::session::{AuthUrl, Credential, FetchError, FetchParams, Provider};

pub struct AuthUrlProvider {
    client: Client,
    auth: AuthUrl,
    params: TokenParams,
    exchanger: Option<Arc<dyn Exchanger>>,
}

impl AuthUrlProvider {
    /// `params` become the defaults for every renewal (`timestamp` and `nonce` are not kept).
    /// `exchanger` exchanges TokenRequest answers (without one they are refused).
    pub fn new(
        auth: AuthUrl,
        mut params: TokenParams,
        exchanger: Option<Arc<dyn Exchanger>>,
        timeout_ms: u64,
    ) -> Result<Self> {
        params.timestamp = None;
        params.nonce = None;
        params.validate()?;
        let client = http::client(&origin(&auth.url)?, timeout_ms, |b| b)?;
        for (name, _) in &auth.headers {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(Error::invalid("auth_headers", "header names must be visible ASCII without spaces"));
            }
        }
        Ok(AuthUrlProvider { client, auth, params, exchanger })
    }
}

#[async_trait::async_trait]
impl Provider for AuthUrlProvider {
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError> {
        match self.client.auth_url(&self.auth, &self.params).await.map_err(http::failure)? {
            AuthCallbackResult::Details(c) => Ok(c),
            AuthCallbackResult::Request(request) => match &self.exchanger {
                Some(x) => x.exchange(&request, params).await,
                None => Err(super::ably_callback::no_exchanger()),
            },
        }
    }
}

/// `scheme://host:port` of an http(s) URL (the client is set up on it; the URL itself, query
/// included, is requested as given).
pub(crate) fn origin(url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| Error::invalid("auth_url", e))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid("auth_url", "must be an http:// or https:// URL with a host"));
    }
    Ok(parsed.origin().ascii_serialization())
}
