//! The Agora chat token server of Agora's guide, with a caller credential the guide's samples
//! lack: `POST /generate-user-token {user_uuid, expire}`, `POST /generate-app-token {expire}` →
//! `{token}`, and `GET|POST /token/generate?userId=&expireSeconds=&tokenType=user|app`.
//!
//! A fullAccess API key may mint any token; an auth token only a user token for its own uid.

use std::borrow::Cow;

use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use tokensmith::agora::{self, ChatTokenParams, MAX_CHAT_EXPIRE};

use super::{Endpoint, Security, schema};
use crate::app::{AppState, fingerprint};
use crate::auth::Caller;
use crate::body::{Json, Params, RawJson};
use crate::config::Scope;
use crate::error::{ApiError, ApiResult};
use crate::wire;

pub fn endpoints() -> Vec<Endpoint> {
    let summary = "An Agora chat token (the route of Agora's Java sample)";
    vec![
        Endpoint::new(
            Method::POST,
            "/generate-user-token",
            user_token,
            "generateUserToken",
            "An Agora chat user token",
        )
        .tag("agora")
        .access(Security::ApiKeyOrAuthToken)
        .body(schema("AgoraUserTokenRequest"))
        .ok(schema("AgoraToken")),
        Endpoint::new(Method::POST, "/generate-app-token", app_token, "generateAppToken", "An Agora chat app token")
            .tag("agora")
            .access(Security::ApiKey)
            .body(schema("AgoraAppTokenRequest"))
            .ok(schema("AgoraToken")),
        generate_doc(Endpoint::new(Method::GET, "/token/generate", generate, "tokenGenerate", summary)),
        generate_doc(Endpoint::new(Method::POST, "/token/generate", generate, "tokenGeneratePost", summary)),
    ]
}

/// `/token/generate` takes its parameters from the query string or a form / JSON body.
fn generate_doc(e: Endpoint) -> Endpoint {
    let user = json!({ "type": "string" });
    let expire = json!({ "type": "string", "pattern": "^[0-9]+$" });
    let kind = json!({ "type": "string", "enum": ["user", "app"] });
    let body =
        json!({ "type": "object", "properties": { "userId": user, "expireSeconds": expire, "tokenType": kind } });
    e.tag("agora")
        .access(Security::ApiKeyOrAuthToken)
        .query("userId", user, "The chat user (user tokens).")
        .query("expireSeconds", expire, "Validity in seconds, 1 to 86400.")
        .query("tokenType", kind, "`user` (default) or `app`.")
        .form_or_json(body)
        .ok_as("text/plain", json!({ "type": "string" }))
        .ok(schema("AgoraToken"))
}

#[derive(Deserialize)]
struct UserTokenBody<'a> {
    #[serde(default, borrow, deserialize_with = "borrowed")]
    user_uuid: Option<Cow<'a, str>>,
    expire: Option<u32>,
}

/// A string that borrows from the body unless it has escapes (serde borrows a `Cow` only as a
/// field of its own, not inside an `Option`).
fn borrowed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Text<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Text<'de>>::deserialize(d)?.map(|t| t.0))
}

#[derive(Deserialize)]
struct AppTokenBody {
    expire: Option<u32>,
}

/// Mints a user token (`user` given) or an app token, after checking the caller may.
fn mint(state: &AppState, caller: &Caller, user: Option<&str>, expire: Option<u32>) -> ApiResult<String> {
    let (app, may) = match (caller, user) {
        (Caller::Key(k), _) => (&k.app, k.scope == Scope::FullAccess),
        (Caller::User(s), Some(u)) => (&s.app, u == s.session.user.uid),
        (Caller::User(s), None) => (&s.app, false),
    };
    if !may {
        return Err(ApiError::no_access(match caller {
            Caller::Key(_) => "Agora tokens need an API key with the fullAccess scope.",
            Caller::User(_) if user.is_some() => "An auth token only gets Agora user tokens for its own user.",
            Caller::User(_) => "Agora app tokens need an API key.",
        }));
    }
    let creds = app.agora.as_ref().ok_or_else(|| ApiError::not_configured("Agora"))?;
    let expire = match expire {
        None => return Err(ApiError::invalid_field("expire", "is required (seconds)")),
        Some(e) if e == 0 || e > MAX_CHAT_EXPIRE => {
            return Err(ApiError::invalid_field("expire", format!("must be 1 to {MAX_CHAT_EXPIRE} seconds")));
        }
        Some(e) => e,
    };
    let params = ChatTokenParams {
        app_id: &creds.app_id,
        app_certificate: creds.certificate.expose(),
        expire,
        issue_ts: None,
        salt: None,
    };
    let token = match user {
        Some(u) => agora::build_chat_user_token(&state.ctx, &params, u)?,
        None => agora::build_chat_app_token(&state.ctx, &params)?,
    };
    state.metrics.issued(if user.is_some() { "agora_user" } else { "agora_app" }, 1);
    // The fingerprint is computed only when the line is written.
    tracing::info!(user = user.unwrap_or(""), expire, token = fingerprint(&token).as_str(), "agora token issued");
    Ok(token)
}

fn required_user<'a>(user: Option<&'a str>, field: &str) -> ApiResult<&'a str> {
    match user {
        Some(u) if !u.is_empty() => Ok(u),
        _ => Err(ApiError::invalid_field(field, "is required")),
    }
}

/// `{"token": …}`.
#[derive(Serialize)]
struct TokenReply {
    token: String,
}

impl IntoResponse for TokenReply {
    fn into_response(self) -> Response {
        // Exactly the answer's size (a token needs no escapes), so the buffer becomes the body
        // without a second allocation.
        let size = self.token.len() + r#"{"token":""}"#.len();
        wire::json_response(&self, size)
    }
}

async fn user_token(State(state): State<AppState>, caller: Caller, body: RawJson) -> ApiResult<TokenReply> {
    let b: UserTokenBody = body.parse()?;
    let user = required_user(b.user_uuid.as_deref(), "user_uuid")?;
    let token = mint(&state, &caller, Some(user), b.expire)?;
    Ok(TokenReply { token })
}

async fn app_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(b): Json<AppTokenBody>,
) -> ApiResult<TokenReply> {
    let token = mint(&state, &caller, None, b.expire)?;
    Ok(TokenReply { token })
}

/// The Java sample answers the bare token as text (its Android client reads the whole body);
/// a caller that asks for JSON gets `{token}`.
async fn generate(State(state): State<AppState>, caller: Caller, headers: HeaderMap, p: Params) -> ApiResult<Response> {
    let expire = p.number::<u32>("expireSeconds")?;
    let token = match p.get("tokenType").map(str::to_ascii_lowercase).as_deref() {
        None | Some("user") => mint(&state, &caller, Some(required_user(p.get("userId"), "userId")?), expire)?,
        Some("app") => mint(&state, &caller, None, expire)?,
        Some(_) => return Err(ApiError::invalid_field("tokenType", "must be user or app")),
    };
    let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(match accept.contains("application/json") {
        true => TokenReply { token }.into_response(),
        false => ([(CONTENT_TYPE, "text/plain; charset=utf-8")], token).into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_borrow_from_the_body_unless_escaped() {
        let parse = |text: &'static str| serde_json::from_str::<UserTokenBody>(text).unwrap();
        let plain = parse(r#"{"user_uuid":"alice","expire":60}"#);
        assert!(matches!(plain.user_uuid, Some(Cow::Borrowed("alice"))));
        assert_eq!(plain.expire, Some(60));
        let escaped = parse(r#"{"user_uuid":"a\"b\u00e9"}"#);
        assert_eq!(escaped.user_uuid.as_deref(), Some("a\"bé"));
        assert!(parse(r#"{"user_uuid":null}"#).user_uuid.is_none());
        assert!(parse(r#"{"expire":1}"#).user_uuid.is_none());
        assert!(serde_json::from_str::<UserTokenBody>(r#"{"user_uuid":7}"#).is_err());
    }
}
