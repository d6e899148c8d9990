//! Who is calling: extractors for an API key (`apikey` header, CometChat scopes), the caller's
//! own auth token (`authtoken` header or `Authorization: Bearer`), and either of them.
//!
//! Each one finds the app, counts the request against the credential's rate limit, and records
//! the credential's fingerprint (never the credential) on the request's tracing span.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderName;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tokensmith::Secret;
use tokensmith::service::Session;

use crate::app::{App, AppState, Shown, sha256};
use crate::config::Scope;
use crate::error::{ApiError, Ctx};
use crate::limits::admit;

const APIKEY: HeaderName = HeaderName::from_static("apikey");
const AUTHTOKEN: HeaderName = HeaderName::from_static("authtoken");

/// Any API key; the app is the key's own (an `appid` naming another app is refused).
pub struct ApiKey {
    pub app: Arc<App>,
    pub scope: Scope,
}

/// A `fullAccess` API key.
pub struct FullAccess(pub Arc<App>);

/// The caller's own, validated auth token.
pub struct SessionAuth {
    pub app: Arc<App>,
    pub session: Session,
    /// The raw token, for the calls that act on this session (never logged).
    pub token: Secret,
}

/// An API key or an auth token (the Agora token-server routes take either).
pub enum Caller {
    Key(ApiKey),
    User(Box<SessionAuth>),
}

/// Sets a field of the request's (info-level) span; skipped, span lookup included, when no
/// subscriber listens at info level, and `value` is formatted only if the span is enabled.
fn record(field: &str, value: impl std::fmt::Display) {
    if tracing::level_filters::STATIC_MAX_LEVEL >= tracing::Level::INFO
        && tracing::level_filters::LevelFilter::current() >= tracing::Level::INFO
    {
        tracing::Span::current().record(field, tracing::field::display(value));
    }
}

/// Counts the request against the app's per-credential limit and refuses it when over; an app
/// without a limit counts nothing (no clock read, no key, no headers).
fn count(state: &AppState, app: &App, kind: &str, digest: &[u8; 32]) -> Result<(), ApiError> {
    if app.rate_limit == 0 {
        return Ok(());
    }
    let key = format!("{}:{kind}:{}", app.id, hex::encode(&digest[..8]));
    admit(state.limiter.hit(&key, app.rate_limit, state.ctx.now_ms()))
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let not_found =
            || ApiError::unauthorized("AUTH_ERR_APIKEY_NOT_FOUND", "The API key is not valid for this app.");
        let Some(header) = parts.headers.get(APIKEY) else {
            return Err(ApiError::unauthorized("AUTH_ERR_EMPTY_APIKEY", "The apikey header is missing."));
        };
        let key = header.to_str().map_err(|_| not_found())?.trim();
        if key.is_empty() {
            return Err(ApiError::unauthorized("AUTH_ERR_EMPTY_APIKEY", "The apikey header is empty."));
        }
        let digest = sha256(key);
        record("credential", Shown("apikey", &digest));
        let (app, scope) = state.api_key(&digest).ok_or_else(not_found)?;
        if state.named_app(parts)?.is_some_and(|i| !Arc::ptr_eq(&state.apps[i], &app)) {
            return Err(not_found());
        }
        record("app", &app.id);
        count(state, &app, "key", &digest)?;
        Ok(ApiKey { app, scope })
    }
}

impl FromRequestParts<AppState> for FullAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = ApiKey::from_request_parts(parts, state).await?;
        match key.scope {
            Scope::FullAccess => Ok(FullAccess(key.app)),
            Scope::AuthOnly => Err(ApiError::no_access(
                "This key cannot be used to perform this operation. Please use an API key with the fullAccess scope.",
            )),
        }
    }
}

/// The presented auth token: `authtoken` header (CometChat's SDK), else `Authorization: Bearer`.
fn presented_token(parts: &Parts) -> Option<&str> {
    if let Some(v) = parts.headers.get(AUTHTOKEN) {
        return Some(v.to_str().unwrap_or("\u{0}").trim());
    }
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for SessionAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = match presented_token(parts) {
            Some(t) if !t.is_empty() => t.to_owned(),
            _ => return Err(ApiError::unauthorized("AUTH_ERR_EMPTY_AUTH_TOKEN", "The authtoken header is missing.")),
        };
        let digest = sha256(&token);
        record("credential", Shown("authtoken", &digest));
        let app = state.request_app(parts)?;
        record("app", &app.id);
        let session = app.ts.validate(&token).await.map_err(|e| ApiError::core(e, Ctx::Session))?;
        count(state, &app, "token", &digest)?;
        Ok(SessionAuth { app, session, token: Secret::new(token) })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(APIKEY) {
            return Ok(Caller::Key(ApiKey::from_request_parts(parts, state).await?));
        }
        match SessionAuth::from_request_parts(parts, state).await {
            Ok(s) => Ok(Caller::User(Box::new(s))),
            Err(e) if e.code == "AUTH_ERR_EMPTY_AUTH_TOKEN" => Err(ApiError::unauthorized(
                "AUTH_ERR_EMPTY_APIKEY",
                "Send an apikey header, or the user's authtoken header.",
            )),
            Err(e) => Err(e),
        }
    }
}
