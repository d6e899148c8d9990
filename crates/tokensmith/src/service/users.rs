//! Users: create (optionally with an auth token), get, delete (cascades).

use serde::Serialize;
use serde_json::Value;

use super::{IssuedToken, Tokensmith, limits};
use crate::error::{Error, Result};
use crate::store::{TokenMeta, User};

/// What `create_user` takes.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Case-insensitive; stored lower case.
    pub uid: String,
    /// Defaults to the uid.
    pub name: Option<String>,
    /// Optional profile fields, kept as given (an object).
    pub profile: Value,
    /// Also mint an auth token (CometChat's `withAuthToken`).
    pub with_auth_token: bool,
    /// Metadata for that token.
    pub token_meta: TokenMeta,
}

/// A created user, with its first auth token when asked for.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedUser {
    pub user: User,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<IssuedToken>,
}

impl Tokensmith {
    pub async fn create_user(&self, new: NewUser) -> Result<CreatedUser> {
        let uid = limits::uid(&new.uid)?;
        let name = new.name.unwrap_or_else(|| uid.clone());
        limits::name(&name)?;
        limits::profile(&new.profile)?;
        limits::token_meta(&new.token_meta)?;
        let user = User { uid, name, created_at: self.ctx.now_ms(), profile: new.profile };
        self.store.create_user(self.app(), &user).await?;
        let auth_token = match new.with_auth_token {
            true => Some(self.create_auth_token(&user.uid, new.token_meta).await?),
            false => None,
        };
        Ok(CreatedUser { user, auth_token })
    }

    pub async fn get_user(&self, uid: &str) -> Result<User> {
        let uid = limits::uid(uid)?;
        self.store.get_user(self.app(), &uid).await?.ok_or(Error::UserNotFound(uid))
    }

    /// Deletes the user, its auth tokens and its push registrations.
    pub async fn delete_user(&self, uid: &str) -> Result<()> {
        let uid = limits::uid(uid)?;
        match self.store.delete_user(self.app(), &uid).await? {
            true => Ok(()),
            false => Err(Error::UserNotFound(uid)),
        }
    }
}
