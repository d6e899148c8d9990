//! What `serve` takes: listen address, store URL, hardening limits and the apps, read from TOML
//! (or built in code, or from JSON by the bindings: any serde format works).
//!
//! Secrets (API keys, certificates, Ably key secrets) are held as [`Secret`]s from the moment they
//! are parsed, so `Debug` never shows them; TOML errors are reported by position, never by
//! quoting the offending line (it may hold a secret).

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use tokensmith::Secret;

use crate::Error;

/// The whole service configuration. Every field has a default, so `Config::default()` serves an
/// empty in-memory store on an ephemeral loopback port (add apps before it is useful).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `HOST:PORT`; default `127.0.0.1:0` (an ephemeral port: read it from `Running::addr`).
    #[serde(default)]
    pub listen: Option<String>,
    /// Store URL (`memory://`, `sqlite://PATH`, `redis://…`); default `memory://`.
    #[serde(default)]
    pub store: Option<String>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub apps: Vec<AppConfig>,
}

/// Server-wide hardening.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest request body; larger ones get 413.
    #[serde(default = "defaults::body_limit_bytes")]
    pub body_limit_bytes: usize,
    /// A request (body upload included) that takes longer gets 408.
    #[serde(default = "defaults::request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// On shutdown, in-flight requests get this long to finish before connections are dropped.
    #[serde(default = "defaults::shutdown_grace_ms")]
    pub shutdown_grace_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_limit_bytes: defaults::body_limit_bytes(),
            request_timeout_ms: defaults::request_timeout_ms(),
            shutdown_grace_ms: defaults::shutdown_grace_ms(),
        }
    }
}

/// One app: a namespace in the store with its own credentials and policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// Also the first host-name label that selects it (`{id}.example.com`).
    pub id: String,
    /// REST API keys (`apikey` header), CometChat scopes.
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    /// Agora credentials for the token-server routes.
    #[serde(default)]
    pub agora: Option<AgoraConfig>,
    /// Ably keys for `/keys/{keyName}/…`; the first one also signs `/auth/ably` answers.
    #[serde(default)]
    pub ably_keys: Vec<AblyKeyConfig>,
    /// What `/auth/ably` grants a user (JSON text or a table); default: the Ably key's capability.
    #[serde(default)]
    pub ably_user_capability: Option<Value>,
    /// Active auth tokens kept per user (0 = unlimited).
    #[serde(default = "defaults::retention")]
    pub retention: u32,
    /// Auth-token lifetime in ms; absent = they never expire (CometChat).
    #[serde(default)]
    pub token_ttl_ms: Option<u64>,
    /// Requests per minute per credential (API key, auth token or Ably key); 0 = unlimited.
    #[serde(default = "defaults::rate_limit_per_minute")]
    pub rate_limit_per_minute: u32,
}

impl AppConfig {
    /// An app with this id, no credentials and the default policy.
    pub fn new(id: impl Into<String>) -> Self {
        AppConfig {
            id: id.into(),
            api_keys: Vec::new(),
            agora: None,
            ably_keys: Vec::new(),
            ably_user_capability: None,
            retention: defaults::retention(),
            token_ttl_ms: None,
            rate_limit_per_minute: defaults::rate_limit_per_minute(),
        }
    }
}

/// CometChat's key scopes: `fullAccess` may do anything, `authOnly` only create users and auth tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Scope {
    #[default]
    #[serde(rename = "fullAccess")]
    FullAccess,
    #[serde(rename = "authOnly")]
    AuthOnly,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::FullAccess => "fullAccess",
            Scope::AuthOnly => "authOnly",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    #[serde(deserialize_with = "secret")]
    pub key: Secret,
    #[serde(default)]
    pub scope: Scope,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgoraConfig {
    pub app_id: String,
    #[serde(deserialize_with = "secret")]
    pub app_certificate: Secret,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AblyKeyConfig {
    /// The whole key, `<appId>.<keyId>:<secret>`.
    #[serde(deserialize_with = "secret")]
    pub key: Secret,
    /// What the key may grant (JSON text or a table); default `{"*":["*"]}`.
    #[serde(default)]
    pub capability: Option<Value>,
    /// Longest token lifetime it grants, ms (default and ceiling 24 h).
    #[serde(default)]
    pub max_ttl_ms: Option<u64>,
    /// Lifetime when a request names none, ms (default 1 h, capped at `max_ttl_ms`).
    #[serde(default)]
    pub default_ttl_ms: Option<u64>,
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

mod defaults {
    pub fn body_limit_bytes() -> usize {
        64 * 1024
    }
    pub fn request_timeout_ms() -> u64 {
        10_000
    }
    pub fn shutdown_grace_ms() -> u64 {
        10_000
    }
    pub fn retention() -> u32 {
        100
    }
    pub fn rate_limit_per_minute() -> u32 {
        20_000
    }
}

impl Config {
    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Config, Error> {
        toml::from_str(text).map_err(|e| Error::Config(TomlError { text, error: &e }.to_string()))
    }

    /// Reads and parses a TOML file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read config file {}: {e}", path.display())))?;
        Config::from_toml(&text).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}

/// A TOML error as `line L, column C: message`: the message names the key or the expected
/// type, and the offending text is left out because it may be a secret.
struct TomlError<'a> {
    text: &'a str,
    error: &'a toml::de::Error,
}

impl fmt::Display for TomlError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = scrub(self.error.message());
        match self.error.span() {
            Some(span) => {
                let before = &self.text[..span.start.min(self.text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                write!(f, "line {line}, column {column}: {message}")
            }
            None => f.write_str(&message),
        }
    }
}

/// serde's "invalid type: string \"…\", expected …" quotes the value, which may be a secret
/// given the wrong type: keep the kind, drop the quoted value.
fn scrub(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: ")) else {
        return message.to_owned();
    };
    let (found, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
    let kind = found.split([' ', '`', '"']).next().unwrap_or_default();
    format!("{} {kind}, expected{expected}", &message[..message.len() - rest.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
listen = "127.0.0.1:9000"
store = "memory://"

[limits]
body_limit_bytes = 1024

[[apps]]
id = "chat"
retention = 5
rate_limit_per_minute = 10
api_keys = [
  { key = "full-access-key-0123456789", scope = "fullAccess" },
  { key = "auth-only-key-0123456789", scope = "authOnly" },
]
agora = { app_id = "970CA35de60c44645bbae8a215061b33", app_certificate = "5CFd2fd1755d40ecb72977518be15d3b" }
ably_user_capability = { "chat:*" = ["publish", "subscribe"] }

[[apps.ably_keys]]
key = "chat.main:ably-secret-value"
capability = '{"*":["*"]}'
max_ttl_ms = 3600000
"#;

    #[test]
    fn parses_every_section_and_hides_secrets_in_debug() {
        let c = Config::from_toml(FULL).unwrap();
        assert_eq!(c.listen.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(c.limits.body_limit_bytes, 1024);
        assert_eq!(c.limits.request_timeout_ms, 10_000);
        let app = &c.apps[0];
        assert_eq!((app.retention, app.rate_limit_per_minute), (5, 10));
        assert_eq!(app.api_keys[1].scope, Scope::AuthOnly);
        assert_eq!(app.ably_keys[0].max_ttl_ms, Some(3_600_000));
        let debug = format!("{c:?}");
        for secret in ["full-access-key", "auth-only-key", "5CFd2fd1755d40ecb72977518be15d3b", "ably-secret-value"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn errors_give_the_position_not_the_text() {
        let text = "[[apps]]\nid = \"a\"\napi_keys = [{ key = \"very-secret-key-123456\", scope = \"root\" }]\n";
        let e = Config::from_toml(text).unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        assert!(!e.contains("very-secret-key"), "{e}");
        let e = Config::from_toml("[[apps]]\nid = \"a\"\nagora = { app_id = \"x\", app_certificate = 1234567 }\n");
        let e = e.unwrap_err().to_string();
        assert!(e.contains("invalid type: integer, expected a string") && !e.contains("1234567"), "{e}");
        let e = Config::from_toml("lisen = \"x\"").unwrap_err().to_string();
        assert!(e.contains("unknown field `lisen`"), "{e}");
    }
}
