//! CometChat-compatible routes: users and auth tokens (`apikey`), `me` and the push registry
//! (`authtoken`). Wire names and shapes of cometchat-rest §4–§8; times are Unix seconds.
//!
//! Parsing is lenient where servers differ: unknown fields are ignored, absent optional ones are
//! `None`. CometChat sends the raw token in every token object; the tokensmith service sends it
//! only when the token is created and names tokens by `id` (and a `redacted` form) otherwise.

use std::fmt;

use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::Client;
use super::http::{Call, Credential};
use super::urls::join;
use crate::error::Result;
use crate::service::{PushList, PushTokens};
use crate::store::TokenMeta;

/// A user as the API returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    pub uid: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `offline` / `online` (CometChat).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Unix seconds; 0 when the server did not say.
    pub created_at: u64,
}

/// The body of `POST /users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    pub uid: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Also mint an auth token, returned in [`CreatedUser::auth_token`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub with_auth_token: bool,
}

impl CreateUser {
    pub fn new(uid: impl Into<String>, name: impl Into<String>) -> Self {
        CreateUser { uid: uid.into(), name: name.into(), ..CreateUser::default() }
    }
}

/// A created user, with its first auth token when one was asked for.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    /// The raw token (shown once). Accepted as a string (CometChat) or a token object.
    #[serde(default, deserialize_with = "token_string_or_object", skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
}

impl fmt::Debug for CreatedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedUser").field("user", &self.user).field("auth_token", &hidden(&self.auth_token)).finish()
    }
}

/// An auth token object. Times are Unix seconds.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthToken {
    #[serde(default)]
    pub uid: String,
    /// The raw token: in every CometChat answer; from tokensmith only on creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// tokensmith's public id of the token (accepted wherever a token is named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// tokensmith's display form, `tks_…abcd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Archived by rolling retention: listed, but no longer valid.
    #[serde(default)]
    pub archived: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<u64>,
    /// platform, userAgent, appInfo, deviceId.
    #[serde(flatten)]
    pub meta: TokenMeta,
}

impl AuthToken {
    /// What names this token in get / update / delete: the raw token when the server sent it,
    /// else the id.
    pub fn handle(&self) -> Option<&str> {
        self.auth_token.as_deref().or(self.id.as_deref())
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthToken")
            .field("uid", &self.uid)
            .field("auth_token", &hidden(&self.auth_token))
            .field("id", &self.id)
            .field("redacted", &self.redacted)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("archived", &self.archived)
            .field("meta", &self.meta)
            .finish()
    }
}

/// `meta.pagination` of a list (snake_case on the wire).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pagination {
    pub total: u64,
    pub count: u64,
    pub per_page: u64,
    pub current_page: u64,
    pub total_pages: u64,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub pagination: Pagination,
}

impl<T> Page<T> {
    /// True when no page follows (`current_page >= total_pages`, or this one is empty).
    pub fn is_last(&self) -> bool {
        self.items.is_empty() || self.pagination.current_page >= self.pagination.total_pages
    }
}

/// `{"success": true, "message": …}`, the answer of deletes, flushes, logout and push calls.
/// Any 2xx is a success: one without `success` (`{"data": null}`, a 204) reads as `success: true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    #[serde(default = "yes")]
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

fn yes() -> bool {
    true
}

/// The logged-in user (`PUT`/`GET /me`), with the session JWT and app settings CometChat adds.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Value>,
}

impl fmt::Debug for Me {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Me")
            .field("user", &self.user)
            .field("jwt", &hidden(&self.jwt))
            .field("settings", &self.settings)
            .finish()
    }
}

/// Routes on users and auth tokens (admin, `apikey`).
impl Client {
    /// `POST /users` (with `withAuthToken`). Not retried unless rate limited: a repeat would be
    /// `UID_ALREADY_EXISTS`.
    pub async fn create_user(&self, user: &CreateUser) -> Result<CreatedUser> {
        let call = Call::new(Method::POST, self.admin(&["users"])?, Credential::ApiKey).uid(&user.uid).json(user)?;
        self.send(call).await?.data()
    }

    /// `GET /users/{uid}`.
    pub async fn get_user(&self, uid: &str) -> Result<User> {
        let call = Call::new(Method::GET, self.admin(&["users", uid])?, Credential::ApiKey).uid(uid);
        self.send(call).await?.data()
    }

    /// `DELETE /users/{uid}` with `{"permanent": true}`: the user, its tokens and push registrations go.
    pub async fn delete_user(&self, uid: &str) -> Result<Ack> {
        let body = serde_json::json!({ "permanent": true });
        let call = Call::new(Method::DELETE, self.admin(&["users", uid])?, Credential::ApiKey).uid(uid).json(&body)?;
        self.send(call).await?.ack()
    }

    /// `POST /users/{uid}/auth_tokens`. With `force` false and a `device_id` in `meta`, a server
    /// may hand back that device's active token instead of minting one. Not retried unless rate
    /// limited (a repeat would mint a second token).
    pub async fn create_auth_token(&self, uid: &str, meta: &TokenMeta, force: bool) -> Result<AuthToken> {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            force: bool,
            #[serde(flatten)]
            meta: &'a TokenMeta,
        }
        let url = self.admin(&["users", uid, "auth_tokens"])?;
        let call = Call::new(Method::POST, url, Credential::ApiKey).uid(uid).json(&Body { force, meta })?;
        self.send(call).await?.data()
    }

    /// `GET /users/{uid}/auth_tokens?perPage=&page=`: newest first; `page` counts from 1.
    pub async fn list_auth_tokens(&self, uid: &str, page: u64, per_page: u64) -> Result<Page<AuthToken>> {
        #[derive(Deserialize)]
        struct List {
            data: Vec<AuthToken>,
            #[serde(default)]
            meta: Option<Meta>,
        }
        #[derive(Deserialize)]
        struct Meta {
            #[serde(default)]
            pagination: Option<Pagination>,
        }
        let mut url = self.admin(&["users", uid, "auth_tokens"])?;
        url.query_pairs_mut().append_pair("perPage", &per_page.to_string()).append_pair("page", &page.to_string());
        let list: List = self.send(Call::new(Method::GET, url, Credential::ApiKey).uid(uid)).await?.json()?;
        let n = list.data.len() as u64;
        let whole = Pagination { total: n, count: n, per_page: n, current_page: 1, total_pages: 1 };
        let pagination = list.meta.and_then(|m| m.pagination).unwrap_or(whole);
        Ok(Page { items: list.data, pagination })
    }

    /// Every token of `uid`, page by page (100 a page) until the last.
    pub async fn list_all_auth_tokens(&self, uid: &str) -> Result<Vec<AuthToken>> {
        let mut all = Vec::new();
        for page in 1.. {
            let p = self.list_auth_tokens(uid, page, 100).await?;
            // Our own page count bounds the loop even if a server ignores `page`.
            let last = p.is_last() || page >= p.pagination.total_pages;
            all.extend(p.items);
            if last {
                break;
            }
        }
        Ok(all)
    }

    /// `GET /users/{uid}/auth_tokens/{token}`, the token named by raw token or (tokensmith) id.
    pub async fn get_auth_token(&self, uid: &str, token: &str) -> Result<AuthToken> {
        let url = self.admin(&["users", uid, "auth_tokens", token])?;
        self.send(Call::new(Method::GET, url, Credential::ApiKey).uid(uid).secret(token)).await?.data()
    }

    /// `PUT /users/{uid}/auth_tokens/{token}`: given fields replace, absent ones stay.
    pub async fn update_auth_token(&self, uid: &str, token: &str, meta: &TokenMeta) -> Result<AuthToken> {
        let url = self.admin(&["users", uid, "auth_tokens", token])?;
        let call = Call::new(Method::PUT, url, Credential::ApiKey).uid(uid).secret(token).json(meta)?;
        self.send(call).await?.data()
    }

    /// `DELETE /users/{uid}/auth_tokens/{token}` (its push registration goes with it).
    pub async fn delete_auth_token(&self, uid: &str, token: &str) -> Result<Ack> {
        let url = self.admin(&["users", uid, "auth_tokens", token])?;
        self.send(Call::new(Method::DELETE, url, Credential::ApiKey).uid(uid).secret(token)).await?.ack()
    }

    /// `DELETE /users/{uid}/auth_tokens`: every token of the user.
    pub async fn flush_auth_tokens(&self, uid: &str) -> Result<Ack> {
        let url = self.admin(&["users", uid, "auth_tokens"])?;
        self.send(Call::new(Method::DELETE, url, Credential::ApiKey).uid(uid)).await?.ack()
    }

    fn admin(&self, segments: &[&str]) -> Result<reqwest::Url> {
        join(&self.inner.endpoints.admin, segments)
    }
}

/// Routes of the logged-in user (client, `authtoken`).
impl Client {
    /// `PUT /v3.0/me`: binds platform, device id and app info to the session's token.
    pub async fn login(&self, meta: &TokenMeta) -> Result<Me> {
        let url = join(&self.inner.endpoints.client, &["me"])?;
        self.send(Call::new(Method::PUT, url, Credential::AuthToken).json(meta)?).await?.data()
    }

    /// `GET /v3.0/me`.
    pub async fn me(&self) -> Result<Me> {
        let url = join(&self.inner.endpoints.client, &["me"])?;
        self.send(Call::new(Method::GET, url, Credential::AuthToken)).await?.data()
    }

    /// `DELETE /v3.0/me`: ends the session (its token and push registration go).
    pub async fn logout(&self) -> Result<Ack> {
        let url = join(&self.inner.endpoints.client, &["me"])?;
        self.send(Call::new(Method::DELETE, url, Credential::AuthToken)).await?.ack()
    }

    /// `POST /v2/tokens`: registers (replaces) this session's push token: `fcmToken`, or
    /// `apnsToken` with an optional `voipToken`.
    pub async fn register_push(&self, tokens: &PushTokens) -> Result<Ack> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            fcm_token: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            apns_token: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            voip_token: Option<&'a str>,
        }
        let body = Body {
            fcm_token: tokens.fcm_token.as_deref(),
            apns_token: tokens.apns_token.as_deref(),
            voip_token: tokens.voip_token.as_deref(),
        };
        // Registering replaces this session's entry, so a repeat is harmless.
        let call = Call::new(Method::POST, self.push_url()?, Credential::AuthToken).idempotent(true).json(&body)?;
        self.send(call).await?.ack()
    }

    /// `GET /v2/tokens`: the user's push tokens grouped `ios` / `web` / `android`.
    pub async fn list_push(&self) -> Result<PushList> {
        #[derive(Deserialize)]
        struct Groups {
            #[serde(default)]
            ios: Vec<String>,
            #[serde(default)]
            web: Vec<String>,
            #[serde(default)]
            android: Vec<String>,
        }
        let g: Groups = self.send(Call::new(Method::GET, self.push_url()?, Credential::AuthToken)).await?.data()?;
        Ok(PushList { ios: g.ios, web: g.web, android: g.android })
    }

    /// `DELETE /v2/tokens` with `{"all": …}`: this session's registration, or with `all` every
    /// one of the user's.
    pub async fn delete_push(&self, all: bool) -> Result<Ack> {
        let body = serde_json::json!({ "all": all });
        self.send(Call::new(Method::DELETE, self.push_url()?, Credential::AuthToken).json(&body)?).await?.ack()
    }

    fn push_url(&self) -> Result<reqwest::Url> {
        join(&self.inner.endpoints.push, &["v2", "tokens"])
    }
}

/// `"***"` for a present secret.
fn hidden(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "***")
}

fn token_string_or_object<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(o)) => o.get("authToken").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    })
}
