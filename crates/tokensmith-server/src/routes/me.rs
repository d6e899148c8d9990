//! The client API's session routes, called with the user's own `authtoken`:
//! `PUT /v3.0/me` (login: binds platform, deviceId, appInfo), `GET /v3.0/me`, `DELETE /v3.0/me` (logout).

use axum::extract::State;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, Method};
use serde_json::Value;
use tokensmith::service::limits::MAX_USER_AGENT;
use tokensmith::store::TokenMeta;

use super::auth_tokens::MetaBody;
use super::{Endpoint, Security, data, schema};
use crate::app::AppState;
use crate::auth::SessionAuth;
use crate::body::OptionalJson;
use crate::error::{ApiError, ApiResult, Ctx};
use crate::wire::{self, Data, Json as Reply, Success};

pub fn endpoints() -> Vec<Endpoint> {
    ["/v3.0", "/v3"]
        .into_iter()
        .zip(["", "V3"])
        .flat_map(|(v, s)| {
            let path = format!("{v}/me");
            [
                Endpoint::new(
                    Method::PUT,
                    &path,
                    login,
                    format!("login{s}"),
                    "Log in: bind platform, deviceId and appInfo to the token",
                )
                .tag("session")
                .access(Security::AuthToken)
                .optional_body(schema("TokenMeta"))
                .ok(data(schema("User"))),
                Endpoint::new(Method::GET, &path, me, format!("me{s}"), "The logged-in user")
                    .tag("session")
                    .access(Security::AuthToken)
                    .ok(data(schema("User"))),
                Endpoint::new(
                    Method::DELETE,
                    &path,
                    logout,
                    format!("logout{s}"),
                    "Log out: delete the token and its push registration",
                )
                .tag("session")
                .access(Security::AuthToken)
                .ok(data(schema("Success"))),
            ]
        })
        .collect()
}

fn session_error(e: tokensmith::Error) -> ApiError {
    ApiError::core(e, Ctx::Session)
}

/// The SDK's login step. Without a `userAgent` in the body, the request's own User-Agent is
/// recorded (cut to the stored maximum: the caller did not choose it).
async fn login(
    s: SessionAuth,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<MetaBody>,
) -> ApiResult<Reply<Data<Value>>> {
    let mut patch = TokenMeta::from(body);
    if patch.user_agent.is_none() {
        let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        patch.user_agent = (!ua.is_empty()).then(|| ua.chars().take(MAX_USER_AGENT).collect());
    }
    if !patch.is_empty() {
        s.app.ts.update_auth_token(&s.session.user.uid, s.token.expose(), patch).await.map_err(session_error)?;
    }
    tracing::info!(uid = %s.session.user.uid, "logged in");
    Ok(wire::data(wire::user(&s.session.user)))
}

async fn me(s: SessionAuth) -> Reply<Data<Value>> {
    wire::data(wire::user(&s.session.user))
}

async fn logout(State(state): State<AppState>, s: SessionAuth) -> ApiResult<Reply<Data<Success>>> {
    s.app.ts.logout(s.token.expose()).await.map_err(session_error)?;
    state.metrics.revoked("auth_token", 1);
    tracing::info!(uid = %s.session.user.uid, "logged out");
    Ok(wire::success("Logged out successfully."))
}
