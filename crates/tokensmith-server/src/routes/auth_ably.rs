//! `GET|POST /auth/ably`: what an Ably client's `authUrl` points to. For the user of the
//! presented auth token it answers a signed TokenRequest (default), TokenDetails (`as=details`)
//! or the bare JWT (`as=jwt`), with the uid as clientId and the app's user capability.
//!
//! Ably clients send TokenParams (`clientId`, `ttl`, `capability`, …) as query parameters on GET
//! and as a form on POST, merged with their `authParams`; unknown parameters are ignored.

use axum::Json as Reply;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokensmith::ably::{self, Capability, TokenParams};
use tokensmith::args;

use super::{Endpoint, Security, schema};
use crate::app::{AppState, fingerprint};
use crate::auth::SessionAuth;
use crate::body::Params;
use crate::error::{ApiError, ApiResult};

pub fn endpoints() -> Vec<Endpoint> {
    let summary = "A TokenRequest, TokenDetails or JWT for the auth token's user (an Ably authUrl)";
    [(Method::GET, "authAbly"), (Method::POST, "authAblyPost")]
        .into_iter()
        .map(|(method, id)| {
            let fields = json!({ "type": "object", "properties": {
                "clientId": { "type": "string" }, "ttl": { "type": "string", "pattern": "^[0-9]+$" },
                "capability": { "type": "string" }, "as": { "type": "string", "enum": ["request", "details", "jwt"] },
            }});
            Endpoint::new(method, "/auth/ably", auth_ably, id, summary)
                .tag("ably")
                .access(Security::AuthToken)
                .query("clientId", json!({ "type": "string" }), "Must be the user's uid when given.")
                .query("ttl", json!({ "type": "string", "pattern": "^[0-9]+$" }), "Milliseconds.")
                .query("capability", json!({ "type": "string" }), "JSON text, intersected with the user capability.")
                .query("as", json!({ "type": "string", "enum": ["request", "details", "jwt"] }), "Default request.")
                .form_or_json(fields)
                .ok(json!({ "oneOf": [schema("TokenRequest"), schema("TokenDetails")] }))
                .ok_as("application/jwt", json!({ "type": "string" }))
        })
        .collect()
}

/// A missing or invalid auth token is 403 here, not 401: an Ably client treats an authUrl's 401
/// as retryable and keeps asking, while 403 stops it (the user has to log in again).
fn login_required(mut e: ApiError) -> ApiError {
    if e.status == StatusCode::UNAUTHORIZED {
        e.status = StatusCode::FORBIDDEN;
        e.ably_code = 40300;
    }
    e
}

async fn auth_ably(State(state): State<AppState>, s: Result<SessionAuth, ApiError>, p: Params) -> ApiResult<Response> {
    let s = s.map_err(login_required)?;
    let key = s.app.ably_keys.first().ok_or_else(|| ApiError::not_configured("An Ably key").ably(40400))?;
    let uid = &s.session.user.uid;
    if p.get("clientId").is_some_and(|c| c != uid) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "ERR_CLIENT_ID_MISMATCH",
            "clientId must be the user's uid.",
        )
        .ably(40102));
    }
    let ttl = p.number::<u64>("ttl")?;
    if ttl.is_some_and(|t| t > key.opts.max_ttl_ms) {
        let max = key.opts.max_ttl_ms;
        return Err(ApiError::invalid_field("ttl", format!("is over this key's maximum of {max} ms")));
    }
    let allowed = s.app.user_capability.as_ref().unwrap_or(&key.opts.key_capability);
    let capability: Capability = match p.get("capability") {
        Some(text) => args::capability_text(text)?.intersect(allowed)?,
        None => allowed.clone(),
    };
    let params = TokenParams { ttl, capability: Some(capability), client_id: Some(uid.clone()), ..Default::default() };
    let answer = p.get("as").unwrap_or("request");
    let response = match answer {
        "request" => Reply(ably::create_token_request(&state.ctx, &key.key, &params)?).into_response(),
        "details" | "jwt" => {
            let details = ably::issue_token(&state.ctx, &key.key, &params, &key.opts)?;
            let fp = fingerprint(&details.token);
            tracing::info!(client_id = %uid, token = fp, "ably token issued");
            match answer {
                "jwt" => ([(CONTENT_TYPE, "application/jwt")], details.token).into_response(),
                _ => Reply(details).into_response(),
            }
        }
        _ => return Err(ApiError::invalid_field("as", "must be request, details or jwt")),
    };
    let kind = if answer == "request" { "ably_token_request" } else { "ably_token" };
    state.metrics.issued(kind, 1);
    Ok(response)
}
