//! A CometChat-style login: the user's auth token, checked once with `PUT /v3.0/me` (which
//! binds the device metadata and answers the user), then held as is. Nothing can replace it:
//! when a server no longer knows it the session logs out, and `logout` ends it at the server
//! with `DELETE /v3.0/me`.

use std::sync::Mutex;

use super::http;
use crate::client::{Client, User};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::session::{CometChatLogin, Credential, FetchError, FetchParams, Provider};
use crate::store::TokenMeta;

pub struct CometChatProvider {
    client: Client,
    token: Secret,
    meta: TokenMeta,
    user: Mutex<Option<User>>,
}

impl CometChatProvider {
    pub fn new(login: &CometChatLogin, timeout_ms: u64) -> Result<Self> {
        if login.auth_token.is_empty() {
            return Err(Error::invalid("auth_token", "must not be empty"));
        }
        let client = http::client(&login.base_url, timeout_ms, |b| {
            let b = b.auth_token(login.auth_token.clone());
            match &login.app_id {
                Some(app) => b.app_id(app.clone()),
                None => b,
            }
        })?;
        Ok(CometChatProvider {
            client,
            token: login.auth_token.clone(),
            meta: login.meta.clone(),
            user: Mutex::new(None),
        })
    }

    fn set_user(&self, user: Option<User>) {
        *self.user.lock().unwrap_or_else(|p| p.into_inner()) = user;
    }
}

#[async_trait::async_trait]
impl Provider for CometChatProvider {
    async fn fetch(&self, _params: &FetchParams) -> Result<Credential, FetchError> {
        // AUTH_TOKEN_NOT_FOUND here is terminal, and the engine logs the session out on it.
        let me = self.client.login(&self.meta).await.map_err(http::failure)?;
        let credential = Credential::infer(self.token.expose()).with_client_id(me.user.uid.clone());
        self.set_user(Some(me.user));
        Ok(credential)
    }

    fn renewable(&self) -> bool {
        false
    }

    /// `DELETE /v3.0/me`. A token the server no longer knows is logged out already: success.
    async fn logout(&self, _current: Option<&Credential>) -> Result<()> {
        self.set_user(None);
        match self.client.logout().await {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.kind(), Error::AuthTokenNotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn user(&self) -> Option<User> {
        self.user.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
