//! The push-token registry of CometChat's legacy extension, keyed to the caller's auth token:
//! `POST /v2/tokens` (`fcmToken`, or `apnsToken` + optional `voipToken`), `GET /v2/tokens`
//! (grouped `ios` / `web` / `android`), `DELETE /v2/tokens` (`all` false or true).

use axum::http::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use tokensmith::service::{PushList, PushTokens};

use super::{Endpoint, Security, data, schema};
use crate::auth::SessionAuth;
use crate::body::{Json, OptionalJson, Query};
use crate::error::{ApiError, ApiResult, Ctx};
use crate::wire::{self, Data, Json as Reply};

pub fn endpoints() -> Vec<Endpoint> {
    let all = json!({ "type": "boolean" });
    vec![
        Endpoint::new(Method::POST, "/v2/tokens", register, "registerPushToken", "Register this session's push token")
            .tag("push")
            .access(Security::AuthToken)
            .body(schema("PushRegistration"))
            .ok(data(schema("Success"))),
        Endpoint::new(Method::GET, "/v2/tokens", list, "listPushTokens", "The user's push tokens by platform")
            .tag("push")
            .access(Security::AuthToken)
            .ok(data(schema("PushList"))),
        Endpoint::new(
            Method::DELETE,
            "/v2/tokens",
            delete,
            "deletePushTokens",
            "Delete this session's push token, or all",
        )
        .tag("push")
        .access(Security::AuthToken)
        .query("all", all.clone(), "Delete every registration of the user (the body's `all` wins).")
        .optional_body(json!({ "type": "object", "properties": { "all": all } }))
        .ok(data(schema("Success"))),
    ]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterBody {
    fcm_token: Option<String>,
    apns_token: Option<String>,
    voip_token: Option<String>,
}

#[derive(Deserialize, Default)]
struct DeleteBody {
    all: Option<bool>,
}

fn session_error(e: tokensmith::Error) -> ApiError {
    ApiError::core(e, Ctx::Session)
}

async fn register(s: SessionAuth, Json(body): Json<RegisterBody>) -> ApiResult<Reply<Data<Value>>> {
    let tokens = PushTokens { fcm_token: body.fcm_token, apns_token: body.apns_token, voip_token: body.voip_token };
    s.app.ts.register_push(s.token.expose(), tokens).await.map_err(session_error)?;
    Ok(wire::data(json!({ "success": true })))
}

async fn list(s: SessionAuth) -> ApiResult<Reply<Data<PushList>>> {
    let list = s.app.ts.list_push(s.token.expose()).await.map_err(session_error)?;
    Ok(wire::data(list))
}

/// The SDK sends `all` as a JSON body on DELETE; `?all=` is accepted too.
async fn delete(
    s: SessionAuth,
    query: Query,
    OptionalJson(body): OptionalJson<DeleteBody>,
) -> ApiResult<Reply<Data<Value>>> {
    let all = body.all.or(query.flag("all")?).unwrap_or(false);
    let n = s.app.ts.delete_push(s.token.expose(), all).await.map_err(session_error)?;
    Ok(wire::data(json!({ "success": true, "deleted": n })))
}
