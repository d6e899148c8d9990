//! A server on 127.0.0.1:0 per test, and a small HTTP client around it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};
use tokensmith::store::{
    MemoryStore, PushRegistration, Revocation, Store, TokenCounts, TokenHash, TokenMeta, TokenRecord, User,
};
use tokensmith::{Context, Error, FixedClock, OsRandom};
use tokensmith_server::{AblyKeyConfig, AgoraConfig, ApiKeyConfig, AppConfig, Config, Running, Scope};

pub const APP: &str = "chat";
pub const FULL_KEY: &str = "full-access-key-0123456789";
pub const AUTH_ONLY_KEY: &str = "auth-only-key-0123456789";
pub const AGORA_APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
pub const AGORA_CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";
pub const ABLY_NAME: &str = "chat.main";
pub const ABLY_SECRET: &str = "ably-secret-value";

/// The test app: both key scopes, Agora, one Ably key, a user capability.
pub fn app_config(id: &str) -> AppConfig {
    let mut app = AppConfig::new(id);
    app.api_keys = vec![
        ApiKeyConfig { key: format!("{FULL_KEY}{}", suffix(id)).as_str().into(), scope: Scope::FullAccess },
        ApiKeyConfig { key: format!("{AUTH_ONLY_KEY}{}", suffix(id)).as_str().into(), scope: Scope::AuthOnly },
    ];
    app.agora = Some(AgoraConfig { app_id: AGORA_APP_ID.into(), app_certificate: AGORA_CERT.into() });
    app.ably_keys = vec![AblyKeyConfig {
        key: format!("{id}.main:{ABLY_SECRET}").as_str().into(),
        capability: Some(json!({"chat:*": ["publish", "subscribe", "presence"], "news": ["subscribe"]})),
        max_ttl_ms: Some(3_600_000),
        default_ttl_ms: None,
    }];
    app.ably_user_capability = Some(json!({"chat:*": ["publish", "subscribe"]}));
    app
}

/// Keys of apps other than the main one end in their id, so every key is unique.
fn suffix(id: &str) -> String {
    if id == APP { String::new() } else { format!("-{id}") }
}

pub fn config() -> Config {
    Config { apps: vec![app_config(APP)], ..Config::default() }
}

pub struct Server {
    pub running: Running,
    pub http: reqwest::Client,
    pub store: Arc<FlakyStore>,
}

impl Server {
    pub async fn start() -> Server {
        Server::with(config()).await
    }

    pub async fn with(config: Config) -> Server {
        Server::with_ctx(config, Context::system()).await
    }

    pub async fn with_ctx(config: Config, ctx: Context) -> Server {
        let store = Arc::new(FlakyStore::default());
        let running = tokensmith_server::serve_on(config, store.clone(), ctx).await.expect("serve");
        Server { running, http: reqwest::Client::new(), store }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// With the fullAccess key.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.req(method, path).header("apikey", FULL_KEY)
    }

    /// With a user's auth token.
    pub fn user(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.req(method, path).header("authtoken", token)
    }

    /// Creates `uid` with an auth token; returns the token.
    pub async fn user_with_token(&self, uid: &str) -> String {
        let (status, body) =
            call(self.admin(Method::POST, "/v3/users").json(&json!({"uid": uid, "withAuthToken": true}))).await;
        assert_eq!(status, 200, "{body}");
        body["data"]["authToken"].as_str().unwrap().to_owned()
    }

    /// Mints one more auth token for an existing user.
    pub async fn token_for(&self, uid: &str) -> String {
        let (status, body) = call(self.admin(Method::POST, &format!("/v3/users/{uid}/auth_tokens"))).await;
        assert_eq!(status, 200, "{body}");
        body["data"]["authToken"].as_str().unwrap().to_owned()
    }
}

/// A context whose clock only moves when the test moves it (randomness stays real).
pub fn frozen(now_ms: u64) -> (Context, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(now_ms));
    (Context { clock: clock.clone(), random: Arc::new(OsRandom) }, clock)
}

/// Sends; returns the status and the JSON body (`Null` when the body is not JSON).
pub async fn call(req: RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, body(resp).await)
}

pub async fn body(resp: Response) -> Value {
    let text = resp.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The CometChat error code of a body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("not an error body: {body}"))
}

/// A memory store that can be switched to fail every call with `STORE_UNAVAILABLE`.
#[derive(Default)]
pub struct FlakyStore {
    inner: MemoryStore,
    down: AtomicBool,
}

impl FlakyStore {
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn up(&self) -> Result<(), Error> {
        match self.down.load(Ordering::SeqCst) {
            true => Err(Error::StoreUnavailable("test store is down".into())),
            false => Ok(()),
        }
    }
}

#[async_trait]
impl Store for FlakyStore {
    async fn create_user(&self, app: &str, user: &User) -> Result<(), Error> {
        self.up()?;
        self.inner.create_user(app, user).await
    }
    async fn get_user(&self, app: &str, uid: &str) -> Result<Option<User>, Error> {
        self.up()?;
        self.inner.get_user(app, uid).await
    }
    async fn delete_user(&self, app: &str, uid: &str) -> Result<bool, Error> {
        self.up()?;
        self.inner.delete_user(app, uid).await
    }
    async fn insert_token(&self, app: &str, token: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>, Error> {
        self.up()?;
        self.inner.insert_token(app, token, keep).await
    }
    async fn list_tokens(
        &self,
        app: &str,
        uid: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TokenRecord>, TokenCounts), Error> {
        self.up()?;
        self.inner.list_tokens(app, uid, offset, limit).await
    }
    async fn get_token(&self, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>, Error> {
        self.up()?;
        self.inner.get_token(app, hash).await
    }
    async fn get_session(&self, app: &str, hash: &TokenHash) -> Result<Option<(TokenRecord, User)>, Error> {
        self.up()?;
        self.inner.get_session(app, hash).await
    }
    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>, Error> {
        self.up()?;
        self.inner.update_token(app, hash, patch).await
    }
    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool, Error> {
        self.up()?;
        self.inner.delete_token(app, hash).await
    }
    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64, Error> {
        self.up()?;
        self.inner.flush_tokens(app, uid).await
    }
    async fn purge_archived(&self, app: &str, before: u64) -> Result<u64, Error> {
        self.up()?;
        self.inner.purge_archived(app, before).await
    }
    async fn add_revocation(&self, app: &str, revocation: &Revocation) -> Result<(), Error> {
        self.up()?;
        self.inner.add_revocation(app, revocation).await
    }
    async fn is_revoked(&self, app: &str, subjects: &[String], issued_at: u64, now: u64) -> Result<bool, Error> {
        self.up()?;
        self.inner.is_revoked(app, subjects, issued_at, now).await
    }
    async fn remember_nonce(&self, app: &str, key: &str, nonce: &str, expires: u64, now: u64) -> Result<bool, Error> {
        self.up()?;
        self.inner.remember_nonce(app, key, nonce, expires, now).await
    }
    async fn put_push(&self, app: &str, registration: &PushRegistration) -> Result<(), Error> {
        self.up()?;
        self.inner.put_push(app, registration).await
    }
    async fn list_push(&self, app: &str, uid: &str) -> Result<Vec<PushRegistration>, Error> {
        self.up()?;
        self.inner.list_push(app, uid).await
    }
    async fn delete_push(&self, app: &str, uid: &str, token: Option<&TokenHash>) -> Result<u64, Error> {
        self.up()?;
        self.inner.delete_push(app, uid, token).await
    }
    async fn ping(&self) -> Result<(), Error> {
        self.up()
    }
}
