//! The Ably token authority: `POST /keys/{keyName}/requestToken` (a signed TokenRequest; or
//! TokenParams with Basic auth by the key, or with token auth by a token of the key, which caps
//! the new token at the old one's grants → TokenDetails), `POST /keys/{keyName}/revokeTokens`
//! (Basic auth with that key → BatchResult), `GET /time`.
//!
//! Presented tokens are checked by the core, revocation included, so a bad one is a 401 with
//! Ably's 4014x code (40142 expired, 40141 revoked, 40144 invalid), which makes clients renew.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokensmith::ably::{self, Capability, TokenCheck, TokenDetails, TokenParams, TokenRequest};
use tokensmith::args;
use tokensmith::service::RevokeOptions;

use super::{Endpoint, Security, schema};
use crate::app::{AblyKey, App, AppState, fingerprint, sha256};
use crate::body::{Json, OptionalJson};
use crate::error::{ApiError, ApiResult};
use crate::limits::admit;

pub fn endpoints() -> Vec<Endpoint> {
    let request_token = "Exchange a signed TokenRequest (or Basic auth plus TokenParams) for TokenDetails";
    vec![
        Endpoint::new(Method::POST, "/keys/{keyName}/requestToken", request, "requestToken", request_token)
            .tag("ably")
            .access(Security::AblySignedOrBasic)
            .optional_body(json!({ "oneOf": [schema("TokenRequest"), schema("TokenParams")] }))
            .ok(schema("TokenDetails")),
        Endpoint::new(
            Method::POST,
            "/keys/{keyName}/revokeTokens",
            revoke,
            "revokeTokens",
            "Revoke tokens by clientId",
        )
        .tag("ably")
        .access(Security::AblyBasic)
        .body(schema("RevokeRequest"))
        .ok(schema("BatchResult")),
        Endpoint::new(Method::GET, "/time", time, "time", "Server time, as Ably's `[milliseconds]`")
            .tag("ably")
            .ok(json!({ "type": "array", "items": { "type": "integer" }, "minItems": 1, "maxItems": 1 })),
    ]
}

/// An answer in the format the caller accepts: MessagePack when `Accept` names it before JSON,
/// else JSON. Ably's SDKs with the binary protocol (ably-js's default in Node) decode a success
/// by the format they asked for, whatever its `Content-Type` says.
struct Reply<T> {
    msgpack: bool,
    value: T,
}

impl<T> Reply<T> {
    fn to(headers: &HeaderMap, value: T) -> Self {
        let first = headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|m| m.split(';').next().unwrap_or_default().trim())
            .find(|m| m.eq_ignore_ascii_case("application/x-msgpack") || m.eq_ignore_ascii_case("application/json"));
        Reply { msgpack: first.is_some_and(|m| m.eq_ignore_ascii_case("application/x-msgpack")), value }
    }
}

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        if !self.msgpack {
            return axum::Json(self.value).into_response();
        }
        match rmp_serde::to_vec_named(&self.value) {
            Ok(bytes) => ([(CONTENT_TYPE, "application/x-msgpack")], bytes).into_response(),
            Err(_) => axum::Json(self.value).into_response(),
        }
    }
}

fn ably_error(status: StatusCode, code: u32, message: &str) -> ApiError {
    ApiError::new(status, "ERR_INVALID_CREDENTIALS", message).ably(code)
}

/// The configured Ably key named in the path, counted against its app's rate limit, with what
/// the request's `Authorization` says about it.
struct KeyInPath {
    app: Arc<App>,
    index: usize,
    /// `Some(true)`: Basic auth with exactly this key; `Some(false)`: other Basic credentials.
    basic: Option<bool>,
    /// A token presented as `Authorization: Bearer` (ably-js sends it base64-encoded).
    bearer: Option<String>,
}

impl KeyInPath {
    fn key(&self) -> &AblyKey {
        &self.app.ably_keys[self.index]
    }
}

impl FromRequestParts<AppState> for KeyInPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let not_found = || ApiError::new(StatusCode::NOT_FOUND, "ERR_KEY_NOT_FOUND", "No such key here.").ably(40400);
        let Path(name) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| not_found())?;
        tracing::Span::current().record("credential", format!("ably:{name}").as_str());
        let (app, index) = state.ably_key(&name).ok_or_else(not_found)?;
        tracing::Span::current().record("app", app.id.as_str());
        admit(state.limiter.hit(&format!("{}:ably:{name}", app.id), app.rate_limit, state.ctx.now_ms()))?;
        let basic = basic_matches(&parts.headers, &app.ably_keys[index]);
        Ok(KeyInPath { app, index, basic, bearer: bearer_token(&parts.headers) })
    }
}

/// `Authorization: Basic base64(name:secret)`: `None` without one; `Some(true)` when it is exactly
/// this key, `Some(false)` for any other credentials.
fn basic_matches(headers: &HeaderMap, key: &AblyKey) -> Option<bool> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    let Some((name, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return Some(false);
    };
    Some(name == key.key.name && sha256(secret) == sha256(key.key.secret.expose()))
}

/// The token of `Authorization: Bearer …`, base64-decoded when it was sent that way (ably-js
/// encodes it; a JWT as such has two dots, its base64 none).
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    let decoded = STANDARD.decode(token).ok().and_then(|b| String::from_utf8(b).ok());
    Some(decoded.filter(|d| d.matches('.').count() == 2).unwrap_or_else(|| token.to_owned()))
}

/// TokenParams for a caller holding a token of this key: never more than that token grants,
/// and bound to its client id.
async fn within_token(k: &KeyInPath, token: &str, mut params: TokenParams) -> ApiResult<TokenParams> {
    let claims = k.app.ts.verify_ably_token(token, &k.key().key, &TokenCheck::default()).await?;
    let held = Capability::parse(&claims.capability)?;
    params.capability = Some(match params.capability {
        Some(asked) => asked.intersect(&held)?,
        None => held,
    });
    match (claims.client_id, &params.client_id) {
        (Some(held), Some(asked)) if held != "*" && held != *asked => {
            let message = "The token's clientId does not allow another one.";
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "ERR_CLIENT_ID_MISMATCH", message).ably(40102));
        }
        (Some(held), None) if held != "*" => params.client_id = Some(held),
        _ => {}
    }
    Ok(params)
}

/// TokenParams as sent with Basic auth: Ably's names, numbers as integers or decimal text, the
/// capability as JSON text or an object.
fn token_params(body: &Value) -> ApiResult<TokenParams> {
    let obj = match body {
        Value::Null => return Ok(TokenParams::default()),
        Value::Object(obj) => obj,
        _ => return Err(ApiError::bad_request("TokenParams must be a JSON object.").ably(40000)),
    };
    let number = |name: &str| -> ApiResult<Option<u64>> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                n.as_u64().map(Some).ok_or_else(|| ApiError::invalid_field(name, "must be a whole number ≥ 0"))
            }
            Some(Value::String(s)) => {
                s.parse().map(Some).map_err(|_| ApiError::invalid_field(name, "must be a whole number ≥ 0"))
            }
            Some(_) => Err(ApiError::invalid_field(name, "must be a whole number ≥ 0")),
        }
    };
    let capability = match obj.get("capability") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => Some(args::capability(v)?),
    };
    let client_id = match obj.get("clientId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::invalid_field("clientId", "must be a string").ably(40012)),
    };
    Ok(TokenParams { ttl: number("ttl")?, capability, client_id, timestamp: None, nonce: None })
}

async fn request(
    State(state): State<AppState>,
    k: KeyInPath,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<Value>,
) -> ApiResult<Reply<TokenDetails>> {
    let key = k.key();
    let signed = body.get("mac").is_some_and(|m| m.as_str().is_some_and(|m| !m.is_empty()));
    let params = match (k.basic, &k.bearer) {
        (Some(false), _) => {
            return Err(ably_error(StatusCode::UNAUTHORIZED, 40101, "Invalid credentials for this key."));
        }
        (Some(true), _) if !signed => token_params(&body)?,
        (None, Some(token)) if !signed => within_token(&k, token, token_params(&body)?).await?,
        _ => {
            let req: TokenRequest = serde_json::from_value(body)
                .map_err(|e| ApiError::bad_request(format!("Not a TokenRequest: {e}")).ably(40000))?;
            k.app.ts.verify_token_request(&req, &key.key, None).await?
        }
    };
    let details = ably::issue_token(&state.ctx, &key.key, &params, &key.opts)?;
    state.metrics.issued("ably_token", 1);
    let fp = fingerprint(&details.token);
    tracing::info!(client_id = details.client_id.as_deref().unwrap_or(""), token = fp, "ably token issued");
    Ok(Reply::to(&headers, details))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeBody {
    targets: Vec<String>,
    issued_before: Option<u64>,
    #[serde(default)]
    allow_reauth_margin: bool,
}

async fn revoke(
    State(state): State<AppState>,
    k: KeyInPath,
    headers: HeaderMap,
    Json(body): Json<RevokeBody>,
) -> ApiResult<Reply<Value>> {
    match (k.basic, k.bearer.is_some()) {
        (Some(true), _) => {}
        (Some(false), _) => {
            return Err(ably_error(StatusCode::UNAUTHORIZED, 40133, "Revoke with the key that issued the tokens."));
        }
        (None, true) => {
            return Err(ably_error(StatusCode::UNAUTHORIZED, 40162, "revokeTokens needs Basic auth with the key."));
        }
        (None, false) => {
            return Err(ably_error(StatusCode::UNAUTHORIZED, 40101, "revokeTokens needs Basic auth with the key."));
        }
    }
    let app = &k.app;
    if body.targets.is_empty() || body.targets.len() > 100 {
        return Err(ApiError::invalid_field("targets", "give 1 to 100 targets"));
    }
    let options = RevokeOptions { issued_before: body.issued_before, allow_reauth_margin: body.allow_reauth_margin };
    let mut results = Vec::with_capacity(body.targets.len());
    let mut successes = 0u64;
    for target in &body.targets {
        let outcome = match target.split_once(':') {
            Some(("clientId", client_id)) => app.ts.revoke_subject(client_id, options).await.map_err(ApiError::from),
            Some((kind, _)) => {
                Err(ApiError::invalid_field("targets", format!("`{kind}` targets are not supported; use clientId")))
            }
            None => Err(ApiError::invalid_field("targets", "a target is `type:value`")),
        };
        match outcome {
            Ok(r) => {
                successes += 1;
                results.push(json!({ "target": target, "issuedBefore": r.issued_before, "appliesAt": r.applies_at }));
            }
            // The store failing is not this target's fault: the whole call is retryable.
            Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => return Err(e),
            Err(e) => results.push(json!({ "target": target, "error": {
                "message": e.message, "code": e.ably_code, "statusCode": e.status.as_u16(),
            }})),
        }
    }
    state.metrics.revoked("ably_subject", successes);
    tracing::info!(successes, targets = body.targets.len(), "ably tokens revoked");
    let failures = body.targets.len() as u64 - successes;
    Ok(Reply::to(&headers, json!({ "successCount": successes, "failureCount": failures, "results": results })))
}

async fn time(State(state): State<AppState>, headers: HeaderMap) -> Reply<Value> {
    Reply::to(&headers, json!([state.ctx.now_ms()]))
}
