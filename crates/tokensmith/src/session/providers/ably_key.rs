//! An Ably key held by the client: every fetch issues a fresh Ably JWT signed locally with the
//! key (no round trip; Ably accepts JWTs signed with the app's key). The issue time comes from
//! the session's estimate of the server's clock.

use crate::ably::{self, IssueOptions, Key, TokenParams};
use crate::error::Result;
use crate::session::{Credential, FetchError, FetchParams, Provider};

pub struct AblyKeyProvider {
    key: Key,
    params: TokenParams,
    options: IssueOptions,
}

impl AblyKeyProvider {
    /// `params` become the defaults for every renewal; `timestamp` and `nonce` are one-shot in
    /// Ably's rules (RSA10g) and are not kept.
    pub fn new(key: Key, params: TokenParams) -> Result<Self> {
        Self::with_options(key, params, IssueOptions::default())
    }

    /// With limits on what the key grants (capability, ttl).
    pub fn with_options(key: Key, mut params: TokenParams, options: IssueOptions) -> Result<Self> {
        params.timestamp = None;
        params.nonce = None;
        params.validate()?;
        Ok(AblyKeyProvider { key, params, options })
    }
}

#[async_trait::async_trait]
impl Provider for AblyKeyProvider {
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError> {
        // Everything that can fail here is configuration: terminal.
        let details =
            ably::issue_token(&params.context, &self.key, &self.params, &self.options).map_err(FetchError::terminal)?;
        Ok(Credential::from(details))
    }
}
