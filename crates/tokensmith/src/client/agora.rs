//! The Agora token server routes (agora-accesstoken2 §14): `POST /generate-user-token`,
//! `POST /generate-app-token` and `GET /token/generate`. Each takes a caller credential: the
//! client's API key when it has one, else its auth token (whose user must be the one asked for).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::Client;
use super::http::{Call, Credential, Reply};
use super::remote;
use super::urls::join;
use crate::error::{Error, RemoteError, Result};

/// `tokenType` of `GET /token/generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgoraTokenType {
    User,
    App,
}

impl AgoraTokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            AgoraTokenType::User => "user",
            AgoraTokenType::App => "app",
        }
    }
}

impl Client {
    /// `POST /generate-user-token {user_uuid, expire}` → an Agora chat user token (`007…`);
    /// `expire` in seconds.
    pub async fn generate_user_token(&self, user_uuid: &str, expire: u32) -> Result<String> {
        #[derive(Serialize)]
        struct Body<'a> {
            user_uuid: &'a str,
            expire: u32,
        }
        let url = join(&self.inner.endpoints.root, &["generate-user-token"])?;
        // Minting is a pure function of the inputs and the time: a repeat is harmless.
        let call = Call::new(Method::POST, url, Credential::Any).idempotent(true).json(&Body { user_uuid, expire })?;
        token_of(&self.send(call).await?)
    }

    /// `POST /generate-app-token {expire}` → an Agora chat app token.
    pub async fn generate_app_token(&self, expire: u32) -> Result<String> {
        let url = join(&self.inner.endpoints.root, &["generate-app-token"])?;
        let call = Call::new(Method::POST, url, Credential::Any)
            .idempotent(true)
            .json(&serde_json::json!({ "expire": expire }))?;
        token_of(&self.send(call).await?)
    }

    /// `GET /token/generate?userId=&expireSeconds=&tokenType=` (the Java sample's route).
    pub async fn token_generate(&self, user_id: &str, expire_seconds: u32, kind: AgoraTokenType) -> Result<String> {
        let mut url = join(&self.inner.endpoints.root, &["token", "generate"])?;
        url.query_pairs_mut()
            .append_pair("userId", user_id)
            .append_pair("expireSeconds", &expire_seconds.to_string())
            .append_pair("tokenType", kind.as_str());
        token_of(&self.send(Call::new(Method::GET, url, Credential::Any)).await?)
    }
}

/// `{"token": …}`, or the bare token as text (the Java sample). Agora's Go sample answers a
/// failed build with 200 `{"token": "", "error": …}`: that is an error here.
fn token_of(reply: &Reply) -> Result<String> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        token: String,
        #[serde(default)]
        error: Option<String>,
    }
    let (token, error) = match reply.is_json() {
        true => reply.json::<Answer>().map(|a| (a.token, a.error))?,
        false => (String::from_utf8_lossy(&reply.body).trim().to_owned(), None),
    };
    if !token.is_empty() {
        return Ok(token);
    }
    let message = remote::redact(error.as_deref().unwrap_or("the token server answered no token"), &[]);
    Err(Error::Remote(Box::new(RemoteError {
        kind: Error::HttpError(message.clone()),
        status: reply.status,
        server_code: None,
        message,
        details: Vec::new(),
    })))
}
