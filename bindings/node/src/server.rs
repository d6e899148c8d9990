//! `serve(options)`: the tokensmith HTTP service in this process, on napi's tokio runtime.
//!
//! That runtime's threads do not hold Node's event loop, so a running server never keeps the
//! process alive: a jest suite that forgets `close()` still exits (the server goes with the
//! process), and an app server stays up because of its own listeners. `close()` stops accepting,
//! lets in-flight requests finish, then resolves; dropping the handle (garbage collection) starts
//! the same shutdown without waiting.

use std::sync::{Mutex, PoisonError};

use napi::Result;
use napi_derive::napi;
use serde_json::{Map, Value};
use tokensmith_server::dev_app::{AppCredentials, generate};
use tokensmith_server::{AppConfig, Config, Limits, Running};

use crate::convert::{context, whole_opt};

/// `serve(options)`. Without `apps`, one app is generated with fresh credentials (read them
/// from the handle's `app`); `appId`, `retention`, `tokenTtlMs`, `rateLimitPerMinute` and
/// `ablyUserCapability` shape that generated app.
#[napi(object)]
pub struct ServeOptions {
    /// Store URL: `memory://` (default), `sqlite://PATH`, `redis://…`.
    pub store: Option<String>,
    /// `HOST:PORT`; default `127.0.0.1:0` (an ephemeral port).
    pub listen: Option<String>,
    /// Id of the generated app (default `test`).
    pub app_id: Option<String>,
    pub retention: Option<f64>,
    pub token_ttl_ms: Option<f64>,
    /// Per credential; 0 = unlimited.
    pub rate_limit_per_minute: Option<f64>,
    #[napi(ts_type = "string | Record<string, string[]>")]
    pub ably_user_capability: Option<Value>,
    /// Apps as in the TOML configuration (camelCase or snake_case keys), used as given.
    #[napi(ts_type = "Array<Record<string, unknown>>")]
    pub apps: Option<Vec<Value>>,
    /// `{ bodyLimitBytes, requestTimeoutMs, shutdownGraceMs }`.
    #[napi(ts_type = "{ bodyLimitBytes?: number; requestTimeoutMs?: number; shutdownGraceMs?: number }")]
    pub limits: Option<Value>,
}

/// The first credential of each kind of the first app.
#[napi(object)]
pub struct ServedApp {
    pub app_id: String,
    pub api_key: Option<String>,
    pub auth_only_key: Option<String>,
    pub ably_key: Option<String>,
    pub agora_app_id: Option<String>,
    pub agora_app_certificate: Option<String>,
}

#[napi]
pub struct NativeServer {
    url: String,
    app: Option<AppCredentials>,
    running: Mutex<Option<Running>>,
}

#[napi]
impl NativeServer {
    /// `http://127.0.0.1:PORT`.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    #[napi(getter)]
    pub fn app(&self) -> Option<ServedApp> {
        self.app.clone().map(|c| ServedApp {
            app_id: c.app_id,
            api_key: c.api_key,
            auth_only_key: c.auth_only_key,
            ably_key: c.ably_key,
            agora_app_id: c.agora_app_id,
            agora_app_certificate: c.agora_app_certificate,
        })
    }

    /// Stops accepting connections and resolves once in-flight requests have finished (at most
    /// `limits.shutdownGraceMs`). Idempotent.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(running) = running {
            running.shutdown().await;
        }
        Ok(())
    }
}

#[napi(ts_return_type = "Promise<NativeServer>")]
pub async fn serve(options: Option<ServeOptions>) -> Result<NativeServer> {
    let config = config(options)?;
    let app = config.apps.first().map(AppCredentials::of);
    let running = tokensmith_server::serve(config).await.map_err(server_error)?;
    Ok(NativeServer { url: running.url(), app, running: Mutex::new(Some(running)) })
}

fn config(options: Option<ServeOptions>) -> Result<Config> {
    let o = options.unwrap_or(ServeOptions {
        store: None,
        listen: None,
        app_id: None,
        retention: None,
        token_ttl_ms: None,
        rate_limit_per_minute: None,
        ably_user_capability: None,
        apps: None,
        limits: None,
    });
    let limits: Limits = match o.limits {
        Some(v) => parse("limits", snake_keys(v))?,
        None => Limits::default(),
    };
    let apps = match o.apps {
        Some(apps) if !apps.is_empty() => {
            apps.into_iter().map(|a| parse::<AppConfig>("apps", snake_keys(a))).collect::<Result<Vec<_>>>()?
        }
        _ => {
            let mut app = generate(o.app_id.as_deref().unwrap_or("test"), context());
            app.retention = whole_opt("retention", o.retention)?.unwrap_or(app.retention);
            app.token_ttl_ms = whole_opt("token_ttl_ms", o.token_ttl_ms)?;
            app.rate_limit_per_minute =
                whole_opt("rate_limit_per_minute", o.rate_limit_per_minute)?.unwrap_or(app.rate_limit_per_minute);
            app.ably_user_capability = o.ably_user_capability;
            vec![app]
        }
    };
    Ok(Config { listen: o.listen, store: o.store, limits, apps })
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, v: Value) -> Result<T> {
    serde_json::from_value(crate::convert::whole_numbers(v)).map_err(|e| server_error(config_error(what, &e)))
}

/// serde's message without the offending value, which may be a secret.
fn config_error(what: &str, e: &serde_json::Error) -> tokensmith_server::Error {
    let m = e.to_string();
    let m = match (m.strip_prefix("invalid type: ").or_else(|| m.strip_prefix("invalid value: ")), m.find(", expected"))
    {
        (Some(_), Some(at)) => format!("{}{}", &m[..m.find(':').unwrap_or(0)], &m[at..]),
        _ => m,
    };
    tokensmith_server::Error::Config(format!("{what}: {m}"))
}

fn server_error(e: tokensmith_server::Error) -> napi::Error {
    match e {
        tokensmith_server::Error::Core(e) => crate::errors::to_js(e),
        other => crate::errors::to_js(tokensmith::Error::InvalidArgument { field: "serve", reason: other.to_string() }),
    }
}

/// `camelCase` keys → `snake_case`, the configuration's names; capabilities (channel names as
/// keys) are left as they are.
fn snake_keys(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| {
                    let key = snake(&k);
                    let v = if key.ends_with("capability") { v } else { snake_keys(v) };
                    (key, v)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(snake_keys).collect()),
        other => other,
    }
}

fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
