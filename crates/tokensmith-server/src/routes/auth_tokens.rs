//! A user's auth tokens: `POST|GET|DELETE /v3/users/{uid}/auth_tokens` and
//! `GET|PUT|DELETE /v3/users/{uid}/auth_tokens/{authToken}` (raw token or token id).

use axum::extract::{Path, State};
use axum::http::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use tokensmith::store::TokenMeta;

use super::{Endpoint, Security, data, schema, versions};
use crate::app::{AppState, fingerprint};
use crate::auth::{ApiKey, FullAccess};
use crate::body::{OptionalJson, Query};
use crate::error::{ApiError, ApiResult, Ctx};
use crate::wire::{self, Data, Json as Reply, Success};

pub fn endpoints() -> Vec<Endpoint> {
    let list = "/users/{uid}/auth_tokens";
    let one = "/users/{uid}/auth_tokens/{authToken}";
    let per_page = json!({ "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 });
    let page = json!({ "type": "integer", "minimum": 1, "default": 1 });
    let mut all = versions(|v, s| {
        let summary = "Create an auth token (archives the oldest beyond the retention limit)";
        Endpoint::new(Method::POST, format!("{v}{list}"), create, format!("createAuthToken{s}"), summary)
            .tag("auth tokens")
            .access(Security::ApiKey)
            .optional_body(schema("TokenMeta"))
            .ok(data(schema("AuthToken")))
    });
    all.extend(versions(|v, s| {
        Endpoint::new(Method::GET, format!("{v}{list}"), list_tokens, format!("listAuthTokens{s}"), "List auth tokens")
            .tag("auth tokens")
            .access(Security::FullAccess)
            .query("perPage", per_page.clone(), "Tokens per page (1 to 1000).")
            .query("page", page.clone(), "Page number, from 1.")
            .ok(json!({
                "type": "object", "required": ["data", "meta"],
                "properties": { "data": { "type": "array", "items": schema("AuthToken") }, "meta": schema("Pagination") },
            }))
    }));
    all.extend(versions(|v, s| {
        let summary = "Delete all of a user's auth tokens and push registrations";
        Endpoint::new(Method::DELETE, format!("{v}{list}"), flush, format!("flushAuthTokens{s}"), summary)
            .tag("auth tokens")
            .access(Security::FullAccess)
            .ok(data(schema("Success")))
    }));
    all.extend(versions(|v, s| {
        Endpoint::new(Method::GET, format!("{v}{one}"), get, format!("getAuthToken{s}"), "Get an auth token")
            .tag("auth tokens")
            .access(Security::FullAccess)
            .ok(data(schema("AuthToken")))
    }));
    all.extend(versions(|v, s| {
        let summary = "Update an auth token's platform, userAgent, appInfo or deviceId";
        Endpoint::new(Method::PUT, format!("{v}{one}"), update, format!("updateAuthToken{s}"), summary)
            .tag("auth tokens")
            .access(Security::FullAccess)
            .optional_body(schema("TokenMeta"))
            .ok(data(schema("AuthToken")))
    }));
    all.extend(versions(|v, s| {
        let summary = "Delete an auth token and its push registration";
        Endpoint::new(Method::DELETE, format!("{v}{one}"), delete, format!("deleteAuthToken{s}"), summary)
            .tag("auth tokens")
            .access(Security::FullAccess)
            .ok(data(schema("Success")))
    }));
    all
}

/// The token properties CometChat accepts on create and update. Its `force` flag (create only) is
/// ignored: raw tokens are never stored, so an existing one cannot be handed back; every create mints.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MetaBody {
    platform: Option<String>,
    user_agent: Option<String>,
    app_info: Option<Value>,
    device_id: Option<String>,
}

impl From<MetaBody> for TokenMeta {
    fn from(b: MetaBody) -> TokenMeta {
        TokenMeta { platform: b.platform, user_agent: b.user_agent, app_info: b.app_info, device_id: b.device_id }
    }
}

fn path_error(e: tokensmith::Error) -> ApiError {
    ApiError::core(e, Ctx::AdminPath)
}

/// The token named in a path, for the logs: its fingerprint, or the id as given.
fn log_target(token_or_id: &str) {
    let shown = match token_or_id.starts_with(tokensmith::auth_token::PREFIX) {
        true => format!("token:{}", fingerprint(token_or_id)),
        false => format!("id:{}", token_or_id.chars().take(24).collect::<String>()),
    };
    tracing::Span::current().record("subject", shown.as_str());
}

/// Either scope: CometChat's SDK logs in with an authOnly key through this route.
async fn create(
    State(state): State<AppState>,
    key: ApiKey,
    Path(uid): Path<String>,
    OptionalJson(body): OptionalJson<MetaBody>,
) -> ApiResult<Reply<Data<wire::Token>>> {
    let issued = key.app.ts.create_auth_token(&uid, body.into()).await.map_err(path_error)?;
    state.metrics.issued("auth_token", 1);
    // The fingerprint is computed only when the line is written.
    tracing::info!(uid = %issued.info.uid, token = fingerprint(&issued.auth_token).as_str(), "auth token issued");
    Ok(wire::data(wire::token(issued.info, Some(issued.auth_token))))
}

async fn list_tokens(FullAccess(app): FullAccess, Path(uid): Path<String>, query: Query) -> ApiResult<Reply<Value>> {
    // u32: the core multiplies page by page size, which must not overflow.
    let per_page = query.number::<u32>("perPage")?.unwrap_or(100);
    let page = query.number::<u32>("page")?.unwrap_or(1);
    let p = app.ts.list_auth_tokens(&uid, page.into(), per_page.into()).await.map_err(path_error)?;
    let tokens: Vec<wire::Token> = p.tokens.into_iter().map(|t| wire::token(t, None)).collect();
    Ok(Reply(json!({
        "data": tokens,
        "meta": { "pagination": {
            "total": p.total, "count": tokens.len(), "per_page": p.per_page,
            "current_page": p.page, "total_pages": p.total_pages,
        }},
    })))
}

async fn flush(
    State(state): State<AppState>,
    FullAccess(app): FullAccess,
    Path(uid): Path<String>,
) -> ApiResult<Reply<Data<Success>>> {
    let n = app.ts.flush_auth_tokens(&uid).await.map_err(path_error)?;
    state.metrics.revoked("auth_token", n);
    let uid = uid.to_ascii_lowercase();
    tracing::info!(uid = %uid, count = n, "auth tokens flushed");
    Ok(wire::success(format!("Cleared Auth Tokens successfully for uid {uid}.")))
}

async fn get(
    FullAccess(app): FullAccess,
    Path((uid, token)): Path<(String, String)>,
) -> ApiResult<Reply<Data<wire::Token>>> {
    log_target(&token);
    let info = app.ts.get_auth_token(&uid, &token).await.map_err(path_error)?;
    Ok(wire::data(wire::token(info, None)))
}

async fn update(
    FullAccess(app): FullAccess,
    Path((uid, token)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<MetaBody>,
) -> ApiResult<Reply<Data<wire::Token>>> {
    log_target(&token);
    let info = app.ts.update_auth_token(&uid, &token, body.into()).await.map_err(path_error)?;
    Ok(wire::data(wire::token(info, None)))
}

async fn delete(
    State(state): State<AppState>,
    FullAccess(app): FullAccess,
    Path((uid, token)): Path<(String, String)>,
) -> ApiResult<Reply<Data<Success>>> {
    log_target(&token);
    app.ts.delete_auth_token(&uid, &token).await.map_err(path_error)?;
    state.metrics.revoked("auth_token", 1);
    tracing::info!("auth token deleted");
    Ok(wire::success("Auth token has been deleted successfully."))
}
