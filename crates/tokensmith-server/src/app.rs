//! Shared state: the configured apps (one [`Tokensmith`] each over the one shared store), the
//! credential indexes, metrics and the rate limiter; and which app a request is for.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::header::HOST;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use tokensmith::ably::{Capability, IssueOptions, Key, MAX_TTL_MS};
use tokensmith::agora::{self, ChatTokenParams};
use tokensmith::store::Store;
use tokensmith::{Context, Secret, Tokensmith, args};

use crate::Error;
use crate::config::{AppConfig, Config, Scope};
use crate::error::ApiError;
use crate::limits::RateLimiter;
use crate::metrics::Metrics;

/// One app, ready to serve.
pub struct App {
    pub id: String,
    pub ts: Tokensmith,
    pub agora: Option<AgoraCreds>,
    /// The first key also signs `/auth/ably` answers.
    pub ably_keys: Vec<AblyKey>,
    /// What `/auth/ably` grants a user (default: the first key's capability).
    pub user_capability: Option<Capability>,
    pub rate_limit: u32,
}

pub struct AgoraCreds {
    pub app_id: String,
    pub certificate: Secret,
}

pub struct AblyKey {
    pub key: Key,
    pub opts: IssueOptions,
}

/// Everything the handlers share. Clone the [`AppState`] handle, not this.
pub struct Shared {
    pub apps: Vec<Arc<App>>,
    /// Lower-case app id → index.
    by_id: HashMap<String, usize>,
    /// SHA-256 of an API key → (app index, scope): a lookup that never compares raw keys.
    api_keys: HashMap<[u8; 32], (usize, Scope), BuildHasherDefault<DigestHasher>>,
    /// Ably key name → (app index, key index).
    ably_keys: HashMap<String, (usize, usize)>,
    pub store: Arc<dyn Store>,
    pub ctx: Context,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    /// Body cap and request timeout, applied around every handler ([`crate::middleware`]).
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// The OpenAPI document, rendered once from the route table.
    pub openapi: OnceLock<String>,
    /// Counter behind the `X-Request-Id`s (see [`Shared::next_request_id`]).
    request_ids: AtomicU64,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// A short, stable fingerprint for logs and rate-limit keys: the first 16 hex digits of SHA-256
/// (for auth tokens, a prefix of the core's `auth_token::fingerprint`).
pub fn fingerprint(secret: &str) -> String {
    hex::encode(&sha256(secret)[..8])
}

/// Hashes a SHA-256 digest for a map by taking 8 of its bytes: they are already uniform, and
/// only configured keys are inserted, so SipHash's flooding resistance buys nothing here.
#[derive(Default)]
pub struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 32]` hashes as its length, then its bytes: XOR the first 8 bytes of each write.
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 ^= u64::from_le_bytes(word);
    }
}

/// [`fingerprint`] of an already hashed secret, shown as `KIND:HEX`, formatted only when a log
/// line or span field is actually written.
pub struct Shown<'a>(pub &'static str, pub &'a [u8; 32]);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:", self.0)?;
        self.1[..8].iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Shared {
    /// Validates the apps and builds the indexes over an already opened store.
    pub fn new(config: &Config, store: Arc<dyn Store>, ctx: Context) -> Result<Shared, Error> {
        let first_request_id = u64::from_le_bytes(ctx.random_bytes::<8>());
        let mut shared = Shared {
            apps: Vec::new(),
            by_id: HashMap::new(),
            api_keys: HashMap::default(),
            ably_keys: HashMap::new(),
            store,
            ctx,
            metrics: Metrics::default(),
            limiter: RateLimiter::default(),
            body_limit_bytes: config.limits.body_limit_bytes,
            request_timeout: Duration::from_millis(config.limits.request_timeout_ms),
            openapi: OnceLock::new(),
            request_ids: AtomicU64::new(first_request_id),
        };
        for (i, c) in config.apps.iter().enumerate() {
            let fail = |m: String| Error::Config(format!("apps[{i}] (`{}`): {m}", c.id));
            let app = shared.build_app(c).map_err(fail)?;
            if shared.by_id.insert(c.id.to_ascii_lowercase(), i).is_some() {
                return Err(fail("an app with this id is configured twice".into()));
            }
            for k in &c.api_keys {
                if shared.api_keys.insert(sha256(k.key.expose()), (i, k.scope)).is_some() {
                    return Err(fail("an API key is configured twice".into()));
                }
            }
            for (j, k) in app.ably_keys.iter().enumerate() {
                if shared.ably_keys.insert(k.key.name.clone(), (i, j)).is_some() {
                    return Err(fail(format!("the Ably key `{}` is configured twice", k.key.name)));
                }
            }
            shared.apps.push(Arc::new(app));
        }
        Ok(shared)
    }

    fn build_app(&self, c: &AppConfig) -> Result<App, String> {
        let id_ok =
            (1..=64).contains(&c.id.len()) && c.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err("`id` must be 1 to 64 of A-Z a-z 0-9 - _".into());
        }
        for (j, k) in c.api_keys.iter().enumerate() {
            let key = k.key.expose();
            if key.len() < 16 || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(format!("api_keys[{j}]: a key is at least 16 printable ASCII characters, no spaces"));
            }
        }
        let agora = match &c.agora {
            Some(a) => {
                // Building a token checks both values exactly as issuing will.
                let params = ChatTokenParams {
                    app_id: &a.app_id,
                    app_certificate: a.app_certificate.expose(),
                    expire: 1,
                    issue_ts: None,
                    salt: None,
                };
                agora::build_chat_app_token(&self.ctx, &params).map_err(|e| format!("agora: {e}"))?;
                Some(AgoraCreds { app_id: a.app_id.clone(), certificate: a.app_certificate.clone() })
            }
            None => None,
        };
        let mut ably_keys = Vec::new();
        for (j, k) in c.ably_keys.iter().enumerate() {
            let fail = |e: tokensmith::Error| format!("ably_keys[{j}]: {e}");
            let key = Key::parse(k.key.expose()).map_err(fail)?;
            let capability = k.capability.as_ref().map(args::capability).transpose().map_err(fail)?;
            let max_ttl_ms = k.max_ttl_ms.unwrap_or(MAX_TTL_MS);
            if !(1000..=MAX_TTL_MS).contains(&max_ttl_ms) {
                return Err(format!("ably_keys[{j}]: `max_ttl_ms` must be 1000 to {MAX_TTL_MS}"));
            }
            let mut opts = IssueOptions { max_ttl_ms, ..IssueOptions::default() };
            opts.default_ttl_ms = k.default_ttl_ms.unwrap_or(opts.default_ttl_ms).min(max_ttl_ms);
            if let Some(c) = capability {
                opts.key_capability = c;
            }
            ably_keys.push(AblyKey { key, opts });
        }
        let user_capability = c
            .ably_user_capability
            .as_ref()
            .map(args::capability)
            .transpose()
            .map_err(|e| format!("ably_user_capability: {e}"))?;
        let core = tokensmith::Config {
            app: c.id.clone(),
            retention: c.retention,
            token_ttl_ms: c.token_ttl_ms,
            ..tokensmith::Config::default()
        };
        Ok(App {
            id: c.id.clone(),
            ts: Tokensmith::new(self.store.clone(), self.ctx.clone(), core),
            agora,
            ably_keys,
            user_capability,
            rate_limit: c.rate_limit_per_minute,
        })
    }

    /// The app a request names: its `appid` header, else the first label of its host name when
    /// that is a configured app id (`{appId}.api-us.example.com`, as CometChat's hosts).
    pub fn named_app(&self, parts: &Parts) -> Result<Option<usize>, ApiError> {
        if let Some(v) = parts.headers.get("appid") {
            let id = v.to_str().unwrap_or_default().trim();
            if id.is_empty() {
                return Err(ApiError::unauthorized("AUTH_ERR_EMPTY_APPID", "The appid header is empty."));
            }
            return match self.app_index(id) {
                Some(i) => Ok(Some(i)),
                None => Err(ApiError::unauthorized("AUTH_ERR_INVALID_APPID", "The app id is not configured here.")),
            };
        }
        let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok()).or_else(|| parts.uri.host());
        Ok(host.and_then(|h| h.split_once('.')).and_then(|(label, _)| self.app_index(label)))
    }

    /// The configured app whose id is `id`, ignoring ASCII case; lower-cased on the stack (app
    /// ids are at most 64 ASCII characters, so a longer `id` names none).
    fn app_index(&self, id: &str) -> Option<usize> {
        let mut buf = [0u8; 64];
        let lower = buf.get_mut(..id.len())?;
        lower.copy_from_slice(id.as_bytes());
        lower.make_ascii_lowercase();
        self.by_id.get(std::str::from_utf8(lower).ok()?).copied()
    }

    /// The named app, or the only app when just one is configured.
    pub fn request_app(&self, parts: &Parts) -> Result<Arc<App>, ApiError> {
        match self.named_app(parts)? {
            Some(i) => Ok(self.apps[i].clone()),
            None if self.apps.len() == 1 => Ok(self.apps[0].clone()),
            None if self.apps.is_empty() => {
                Err(ApiError::unauthorized("AUTH_ERR_INVALID_APPID", "No app is configured."))
            }
            None => Err(ApiError::unauthorized(
                "AUTH_ERR_EMPTY_APPID",
                "Several apps are served here: name one with the appid header or the host name.",
            )),
        }
    }

    /// The app and scope of an API key, by its SHA-256.
    pub fn api_key(&self, digest: &[u8; 32]) -> Option<(Arc<App>, Scope)> {
        self.api_keys.get(digest).map(|&(i, scope)| (self.apps[i].clone(), scope))
    }

    /// A request id unique in this process (for 2^64 requests), without a CSPRNG draw: a
    /// counter from a random start, through a bijective mixer (SplitMix64's finalizer) so the
    /// ids do not tell clients how many requests came in between theirs.
    pub fn next_request_id(&self) -> u64 {
        let mut z = self.request_ids.fetch_add(1, Ordering::Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The app holding the Ably key `name`, and the key's index in it.
    pub fn ably_key(&self, name: &str) -> Option<(Arc<App>, usize)> {
        self.ably_keys.get(name).map(|&(i, j)| (self.apps[i].clone(), j))
    }
}
