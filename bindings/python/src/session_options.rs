//! The arguments of `Session(…)`, `authorize(…)` and `login(…)` → the core's
//! [`SessionOptions`] / [`AuthOptions`] / [`SessionConfig`], as the Node binding converts them.
//! Conversion only: which means wins, how `authorize` merges, and every check live in the core.
//! `tokensmith/session.py` passes the means and the settings as dicts with every key below.

use std::collections::BTreeMap;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokensmith::ably::TokenParams;
use tokensmith::session::providers::AuthCallbackResult;
use tokensmith::session::{
    AgoraCredential, AgoraTokenServer, AuthMethod, AuthOptions, AuthUrl, CometChatLogin, Credential, SessionConfig,
    SessionOptions, TokenErrorKind,
};
use tokensmith::store::TokenMeta;
use tokensmith::{Error, Secret};

use crate::convert::{Int, py_to_value, whole_opt};
use crate::errors::IntoPy;
use crate::provider::{Callbacks, Causes, LoopSlot, PyAuthCallback};

/// The means of getting tokens: at most one of `key`, `auth_url`, `auth_callback` and
/// `agora_token_server`; `token` alone is a static token, with a means the token to start with.
#[derive(FromPyObject, Default)]
#[pyo3(from_item_all)]
pub struct AuthArgs {
    key: Option<String>,
    auth_url: Option<String>,
    auth_method: Option<String>,
    auth_headers: Option<BTreeMap<String, String>>,
    auth_params: Option<BTreeMap<String, String>>,
    auth_callback: Option<Py<PyAny>>,
    /// A token string or TokenDetails (a dict with Ably's names).
    token: Option<Py<PyAny>>,
    agora_token_server: Option<AgoraArgs>,
}

/// An Agora token server (`POST {base_url}/generate-user-token`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct AgoraArgs {
    base_url: String,
    user_uuid: String,
    #[pyo3(default)]
    expire: Option<Int>,
    #[pyo3(default)]
    api_key: Option<String>,
    #[pyo3(default)]
    auth_token: Option<String>,
    #[pyo3(default)]
    app_id: Option<String>,
}

/// Where the service is, and the renewal settings; absent ones take the core's defaults.
#[derive(FromPyObject, Default)]
#[pyo3(from_item_all)]
pub struct Settings {
    base_url: Option<String>,
    app_id: Option<String>,
    query_time: Option<bool>,
    http_timeout_ms: Option<Int>,
    margin_ms: Option<Int>,
    jitter_ms: Option<Int>,
    background: Option<bool>,
    server_offset_ms: Option<i64>,
    backoff_base_ms: Option<Int>,
    backoff_cap_ms: Option<Int>,
    max_attempts: Option<Int>,
}

/// The session's callbacks, exceptions and (for `AsyncSession`) event loop.
pub type Hosts<'a> = (&'a Callbacks, &'a Arc<Causes>, Option<&'a Arc<LoopSlot>>);

fn invalid(field: &'static str, reason: &str) -> PyErr {
    crate::errors::to_py(Error::InvalidArgument { field, reason: reason.into() })
}

/// `SessionClosedError` with a message of its own (the fork case).
pub fn closed_error(message: &str) -> PyErr {
    Python::attach(|py| {
        static CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let class = CLASS
            .get_or_try_init(py, || py.import("tokensmith.errors")?.getattr("SessionClosedError").map(Bound::unbind));
        match class.and_then(|c| c.call1(py, (message, "SESSION_CLOSED"))) {
            Ok(exc) => PyErr::from_value(exc.into_bound(py)),
            Err(import_failed) => import_failed,
        }
    })
}

/// `refused` (default) or `notFound` (the same words as in Node).
pub fn token_error_kind(kind: Option<&str>) -> PyResult<TokenErrorKind> {
    match kind {
        None | Some("refused") => Ok(TokenErrorKind::Refused),
        Some("notFound") => Ok(TokenErrorKind::NotFound),
        Some(_) => Err(invalid("kind", "must be refused or notFound")),
    }
}

/// `{ttl, capability, client_id}` (any Mapping; capability as JSON text or a dict).
pub fn token_params(p: Option<&Bound<'_, PyAny>>) -> PyResult<Option<TokenParams>> {
    let Some(p) = p.filter(|p| !p.is_none()) else { return Ok(None) };
    let item =
        |name: &str| -> PyResult<Option<Bound<'_, PyAny>>> { Ok(p.get_item(name).ok().filter(|v| !v.is_none())) };
    let ttl = item("ttl")?.map(|v| v.extract::<Int>()).transpose()?;
    let capability = item("capability")?.map(|c| crate::convert::capability(&c)).transpose()?;
    let client_id = item("client_id")?.map(|v| v.extract::<String>()).transpose()?;
    Ok(Some(TokenParams { ttl: whole_opt("ttl", ttl)?, capability, client_id, ..TokenParams::default() }))
}

fn credential(token: &Bound<'_, PyAny>) -> PyResult<Credential> {
    match AuthCallbackResult::from_json(&py_to_value(token)?).py()? {
        AuthCallbackResult::Details(c) => Ok(c),
        AuthCallbackResult::Request(_) => {
            Err(invalid("token", "must be a token string or TokenDetails, not a TokenRequest"))
        }
    }
}

fn secrets(m: Option<BTreeMap<String, String>>) -> Vec<(String, Secret)> {
    m.unwrap_or_default().into_iter().map(|(k, v)| (k, v.into())).collect()
}

/// The means, and the token to start with.
fn auth(
    a: AuthArgs,
    app_id: Option<&str>,
    (callbacks, causes, event_loop): Hosts<'_>,
) -> PyResult<(Option<AuthOptions>, Option<Credential>)> {
    let initial = Python::attach(|py| a.token.map(|t| credential(t.bind(py))).transpose())?;
    let mut means = Vec::new();
    if let Some(key) = a.key {
        means.push(AuthOptions::key(key));
    }
    if let Some(url) = a.auth_url {
        let method = a.auth_method.as_deref().map(AuthMethod::parse).transpose().py()?.unwrap_or_default();
        let (headers, params) = (secrets(a.auth_headers), secrets(a.auth_params));
        means.push(AuthOptions::AuthUrl(AuthUrl { url, method, headers, params }));
    }
    if let Some(f) = a.auth_callback {
        let cb = PyAuthCallback::new(f, event_loop.cloned(), causes.clone());
        callbacks.add(&cb);
        means.push(AuthOptions::Callback(cb));
    }
    if let Some(s) = a.agora_token_server {
        let credential = match (s.api_key, s.auth_token) {
            (Some(key), None) => AgoraCredential::ApiKey(key.into()),
            (None, Some(token)) => AgoraCredential::AuthToken(token.into()),
            _ => return Err(invalid("agora_token_server", "needs exactly one of api_key and auth_token")),
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
        return Err(invalid("auth", "give one of key, auth_url, auth_callback and agora_token_server"));
    }
    Ok(match (means.pop(), initial) {
        (None, Some(token)) => (Some(AuthOptions::Token(token)), None),
        (means, initial) => (means, initial),
    })
}

/// The means `authorize` was given (`None`: keep the stored one).
pub fn authorize_means(a: AuthArgs, app_id: Option<&str>, hosts: Hosts<'_>) -> PyResult<Option<AuthOptions>> {
    match auth(a, app_id, hosts)? {
        (means, None) => Ok(means),
        (_, Some(_)) => Err(invalid("auth", "authorize takes a token or a means to get tokens, not both")),
    }
}

/// Where the service is, once read.
pub struct Service {
    pub base_url: Option<String>,
    pub app_id: Option<String>,
    query_time: Option<bool>,
    http_timeout_ms: Option<u64>,
}

impl Settings {
    /// The renewal settings and where the service is.
    pub fn read(self) -> PyResult<(SessionConfig, Service)> {
        let mut c = SessionConfig::default();
        c.margin_ms = whole_opt("margin_ms", self.margin_ms)?.unwrap_or(c.margin_ms);
        c.jitter_ms = whole_opt("jitter_ms", self.jitter_ms)?.unwrap_or(c.jitter_ms);
        c.background = self.background.unwrap_or(c.background);
        c.server_offset_ms = self.server_offset_ms.or(c.server_offset_ms);
        c.backoff.base_ms = whole_opt("backoff_base_ms", self.backoff_base_ms)?.unwrap_or(c.backoff.base_ms);
        c.backoff.cap_ms = whole_opt("backoff_cap_ms", self.backoff_cap_ms)?.unwrap_or(c.backoff.cap_ms);
        c.backoff.max_attempts = whole_opt("max_attempts", self.max_attempts)?.unwrap_or(c.backoff.max_attempts);
        let service = Service {
            base_url: self.base_url,
            app_id: self.app_id,
            query_time: self.query_time,
            http_timeout_ms: whole_opt("http_timeout_ms", self.http_timeout_ms)?,
        };
        Ok((c, service))
    }
}

pub fn options(
    a: AuthArgs,
    params: Option<&Bound<'_, PyAny>>,
    s: &Service,
    hosts: Hosts<'_>,
) -> PyResult<SessionOptions> {
    let (auth, initial) = auth(a, s.app_id.as_deref(), hosts)?;
    let mut o = SessionOptions { auth, initial, rest_url: s.base_url.clone(), ..SessionOptions::default() };
    o.token_params = token_params(params)?.unwrap_or_default();
    o.query_time = s.query_time.unwrap_or(o.query_time);
    o.http_timeout_ms = s.http_timeout_ms.unwrap_or(o.http_timeout_ms);
    Ok(o)
}

/// `login(auth_token, …)`'s keyword arguments.
pub struct LoginMeta<'py> {
    pub base_url: Option<String>,
    pub app_id: Option<String>,
    pub platform: Option<String>,
    pub user_agent: Option<String>,
    pub app_info: Option<&'py Bound<'py, PyAny>>,
    pub device_id: Option<String>,
}

/// The login, with the session's `base_url` and `app_id` as defaults.
pub fn login(auth_token: String, m: LoginMeta<'_>, s: &Service) -> PyResult<CometChatLogin> {
    let Some(base_url) = m.base_url.or_else(|| s.base_url.clone()) else {
        return Err(invalid("base_url", "login needs the service's base_url (session or login argument)"));
    };
    let mut login = CometChatLogin::new(base_url, auth_token);
    login.app_id = m.app_id.or_else(|| s.app_id.clone());
    login.meta = TokenMeta {
        platform: m.platform,
        user_agent: m.user_agent,
        app_info: m.app_info.map(py_to_value).transpose()?,
        device_id: m.device_id,
    };
    Ok(login)
}
