//! An Agora chat token server: every fetch asks `POST /generate-user-token` for a new user
//! token; its expiry is read from the AccessToken2 itself, so the session renews it ahead of
//! time (Agora's `onTokenWillExpire`).

use super::http;
use crate::agora::MAX_CHAT_EXPIRE;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::session::{AgoraCredential, AgoraTokenServer, Credential, FetchError, FetchParams, Provider};

pub struct AgoraServerProvider {
    client: Client,
    user_uuid: String,
    expire: u32,
}

impl AgoraServerProvider {
    pub fn new(server: &AgoraTokenServer, timeout_ms: u64) -> Result<Self> {
        if server.user_uuid.is_empty() {
            return Err(Error::invalid("user_uuid", "must not be empty"));
        }
        if server.expire == 0 || server.expire > MAX_CHAT_EXPIRE {
            return Err(Error::invalid("expire", format!("must be 1 to {MAX_CHAT_EXPIRE} seconds")));
        }
        let client = http::client(&server.base_url, timeout_ms, |mut b| {
            b = match &server.credential {
                AgoraCredential::ApiKey(k) => b.api_key(k.clone()),
                AgoraCredential::AuthToken(t) => b.auth_token(t.clone()),
            };
            match &server.app_id {
                Some(app) => b.app_id(app.clone()),
                None => b,
            }
        })?;
        Ok(AgoraServerProvider { client, user_uuid: server.user_uuid.clone(), expire: server.expire })
    }
}

#[async_trait::async_trait]
impl Provider for AgoraServerProvider {
    async fn fetch(&self, _params: &FetchParams) -> Result<Credential, FetchError> {
        let token = self.client.generate_user_token(&self.user_uuid, self.expire).await.map_err(http::failure)?;
        Ok(Credential::infer(token))
    }
}
