//! The options of `new Session(…)`, `authorize(…)` and `login(…)` → the core's
//! [`SessionOptions`] / [`AuthOptions`] / [`SessionConfig`]. Conversion only: which means wins,
//! how `authorize` merges, and every check live in the core.

use std::collections::BTreeMap;
use std::sync::Arc;

use napi::Result;
use napi_derive::napi;
use serde_json::Value;
use tokensmith::ably::TokenParams;
use tokensmith::session::providers::AuthCallbackResult;
use tokensmith::session::{
    AgoraCredential, AgoraTokenServer, AuthMethod, AuthOptions, AuthUrl, CometChatLogin, Credential, SessionConfig,
    SessionOptions, TokenErrorKind,
};
use tokensmith::store::TokenMeta;
use tokensmith::{Error, args};

use crate::convert::{whole_numbers, whole_opt};
use crate::errors::{IntoJs, to_js};
use crate::provider::{Callbacks, JsFunction};
use crate::session::Causes;

/// The means of getting tokens: at most one of `key`, `authUrl`, the `authCallback` (passed
/// beside this object) and `agoraTokenServer`; `token` alone is a static token, with a means
/// it is the token to start with.
#[napi(object)]
#[derive(Default)]
pub struct AuthInput {
    /// An Ably key `keyName:keySecret`: every token is an Ably JWT signed locally.
    pub key: Option<String>,
    pub auth_url: Option<String>,
    /// `GET` (default), `POST` (form body) or `POST+JSON`.
    pub auth_method: Option<String>,
    pub auth_headers: Option<BTreeMap<String, String>>,
    pub auth_params: Option<BTreeMap<String, String>>,
    #[napi(ts_type = "string | TokenDetails")]
    pub token: Option<Value>,
    pub agora_token_server: Option<AgoraTokenServerInput>,
}

/// An Agora token server (`POST {baseUrl}/generate-user-token`).
#[napi(object)]
pub struct AgoraTokenServerInput {
    pub base_url: String,
    pub user_uuid: String,
    /// Token lifetime asked for, in seconds (default 3600, at most 86400).
    pub expire: Option<f64>,
    /// One of `apiKey` and `authToken` (the user's own auth token).
    pub api_key: Option<String>,
    pub auth_token: Option<String>,
    /// The `appid` header (default: the session's `appId`).
    pub app_id: Option<String>,
}

/// The Ably TokenParams kept for every renewal.
#[napi(object)]
pub struct SessionTokenParams {
    pub ttl: Option<f64>,
    #[napi(ts_type = "string | Record<string, string[]>")]
    pub capability: Option<Value>,
    pub client_id: Option<String>,
}

/// Where the service is, and the renewal settings; absent ones take the core's defaults.
#[napi(object)]
pub struct SessionSettings {
    /// The tokensmith service (or Ably REST host): TokenRequests are exchanged there, its
    /// clock is read (`GET /time`), and `login` talks to it.
    pub base_url: Option<String>,
    /// The `appid` header for `login` and the Agora token server.
    pub app_id: Option<String>,
    /// Read the server's clock before the first fetch (default true when there is a URL).
    pub query_time: Option<bool>,
    /// Time allowed for each HTTP request (default 10 000).
    pub http_timeout_ms: Option<f64>,
    /// Renew this long before expiry (default 30 000).
    pub margin_ms: Option<f64>,
    /// Renew up to this much earlier still, at random (default 10 000).
    pub jitter_ms: Option<f64>,
    /// Renew in the background ahead of expiry (default true).
    pub background: Option<bool>,
    /// Server time minus local time, when known (then `/time` is not read).
    pub server_offset_ms: Option<f64>,
    /// Retries of a failing provider: the first wait's ceiling (default 1 000)…
    pub backoff_base_ms: Option<f64>,
    /// …the largest wait (default 30 000)…
    pub backoff_cap_ms: Option<f64>,
    /// …and the fetches per renewal, the first included (default 6).
    pub max_attempts: Option<f64>,
}

/// `login(authToken, options)`: what is bound to the token, and where to log in.
#[napi(object)]
#[derive(Default)]
pub struct LoginInput {
    /// Default: the session's `baseUrl`.
    pub base_url: Option<String>,
    /// Default: the session's `appId`.
    pub app_id: Option<String>,
    pub platform: Option<String>,
    pub user_agent: Option<String>,
    #[napi(ts_type = "unknown")]
    pub app_info: Option<Value>,
    pub device_id: Option<String>,
}

/// `refused` (default) or `notFound`.
pub fn token_error_kind(kind: Option<&str>) -> Result<TokenErrorKind> {
    match kind {
        None | Some("refused") => Ok(TokenErrorKind::Refused),
        Some("notFound") => Ok(TokenErrorKind::NotFound),
        Some(_) => Err(invalid("kind", "must be refused or notFound")),
    }
}

pub fn token_params(p: Option<SessionTokenParams>) -> Result<Option<TokenParams>> {
    let Some(p) = p else { return Ok(None) };
    let capability = match p.capability {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(args::capability_text(&text).js()?),
        Some(v) => Some(args::capability(&v).js()?),
    };
    Ok(Some(TokenParams {
        ttl: whole_opt("ttl", p.ttl)?,
        capability,
        client_id: p.client_id,
        ..TokenParams::default()
    }))
}

/// A token given as a string or TokenDetails.
fn credential(token: Value) -> Result<Credential> {
    match AuthCallbackResult::from_json(&whole_numbers(token)).js()? {
        AuthCallbackResult::Details(c) => Ok(c),
        AuthCallbackResult::Request(_) => {
            Err(invalid("token", "must be a token string or TokenDetails, not a TokenRequest"))
        }
    }
}

/// A bad option: `INVALID_ARGUMENT` naming it.
pub fn invalid(field: &'static str, reason: &str) -> napi::Error {
    to_js(Error::InvalidArgument { field, reason: reason.into() })
}

fn secrets(m: Option<BTreeMap<String, String>>) -> Vec<(String, tokensmith::Secret)> {
    m.unwrap_or_default().into_iter().map(|(k, v)| (k, v.into())).collect()
}

/// The means, and the token to start with. `None` when nothing is given.
pub fn auth(
    a: AuthInput,
    callback: Option<&JsFunction<'_>>,
    app_id: Option<&str>,
    (callbacks, causes): (&Callbacks, &Arc<Causes>),
) -> Result<(Option<AuthOptions>, Option<Credential>)> {
    let initial = a.token.map(credential).transpose()?;
    let mut means = Vec::new();
    if let Some(key) = a.key {
        means.push(AuthOptions::key(key));
    }
    if let Some(url) = a.auth_url {
        let method = a.auth_method.as_deref().map(AuthMethod::parse).transpose().js()?.unwrap_or_default();
        let headers = secrets(a.auth_headers);
        let params = secrets(a.auth_params);
        means.push(AuthOptions::AuthUrl(AuthUrl { url, method, headers, params }));
    }
    if let Some(f) = callback {
        means.push(AuthOptions::Callback(callbacks.add(f, causes)?));
    }
    if let Some(s) = a.agora_token_server {
        let credential = match (s.api_key, s.auth_token) {
            (Some(key), None) => AgoraCredential::ApiKey(key.into()),
            (None, Some(token)) => AgoraCredential::AuthToken(token.into()),
            _ => return Err(invalid("agora_token_server", "needs exactly one of apiKey and authToken")),
        };
        means.push(AuthOptions::AgoraTokenServer(AgoraTokenServer {
            base_url: s.base_url,
            credential,
            app_id: s.app_id.or(app_id.map(str::to_owned)),
            user_uuid: s.user_uuid,
            expire: whole_opt("expire", s.expire)?.unwrap_or(3600),
        }));
    }
    if means.len() > 1 {
        let why = "give one of key, authUrl, authCallback and agoraTokenServer";
        return Err(invalid("auth", why));
    }
    Ok(match (means.pop(), initial) {
        (None, Some(token)) => (Some(AuthOptions::Token(token)), None),
        (means, initial) => (means, initial),
    })
}

/// The options of `new Session`.
pub fn options(
    a: AuthInput,
    params: Option<SessionTokenParams>,
    s: &SessionSettings,
    callback: Option<&JsFunction<'_>>,
    hosts: (&Callbacks, &Arc<Causes>),
) -> Result<SessionOptions> {
    let (auth, initial) = auth(a, callback, s.app_id.as_deref(), hosts)?;
    let mut o = SessionOptions { auth, initial, rest_url: s.base_url.clone(), ..SessionOptions::default() };
    o.token_params = token_params(params)?.unwrap_or_default();
    o.query_time = s.query_time.unwrap_or(o.query_time);
    o.http_timeout_ms = whole_opt("http_timeout_ms", s.http_timeout_ms)?.unwrap_or(o.http_timeout_ms);
    Ok(o)
}

pub fn config(s: &SessionSettings) -> Result<SessionConfig> {
    let mut c = SessionConfig::default();
    c.margin_ms = whole_opt("margin_ms", s.margin_ms)?.unwrap_or(c.margin_ms);
    c.jitter_ms = whole_opt("jitter_ms", s.jitter_ms)?.unwrap_or(c.jitter_ms);
    c.background = s.background.unwrap_or(c.background);
    if let Some(offset) = s.server_offset_ms {
        if !offset.is_finite() || offset.fract() != 0.0 || offset.abs() > 9_007_199_254_740_991.0 {
            return Err(invalid("server_offset_ms", "must be a whole number of ms"));
        }
        c.server_offset_ms = Some(offset as i64);
    }
    c.backoff.base_ms = whole_opt("backoff_base_ms", s.backoff_base_ms)?.unwrap_or(c.backoff.base_ms);
    c.backoff.cap_ms = whole_opt("backoff_cap_ms", s.backoff_cap_ms)?.unwrap_or(c.backoff.cap_ms);
    c.backoff.max_attempts = whole_opt("max_attempts", s.max_attempts)?.unwrap_or(c.backoff.max_attempts);
    Ok(c)
}

/// `login(authToken, options)`, with the session's `baseUrl` and `appId` as defaults.
pub fn login(auth_token: String, o: Option<LoginInput>, s: &SessionSettings) -> Result<CometChatLogin> {
    let o = o.unwrap_or_default();
    let Some(base_url) = o.base_url.or_else(|| s.base_url.clone()) else {
        return Err(invalid("base_url", "login needs the service's baseUrl (session or login option)"));
    };
    let meta = TokenMeta {
        platform: o.platform,
        user_agent: o.user_agent,
        app_info: o.app_info.map(whole_numbers),
        device_id: o.device_id,
    };
    let mut login = CometChatLogin::new(base_url, auth_token);
    login.app_id = o.app_id.or_else(|| s.app_id.clone());
    login.meta = meta;
    Ok(login)
}
