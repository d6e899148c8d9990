//! Shared by the session tests: the real service on 127.0.0.1:0 over a store the test can hold
//! or fail, its request counts (from `/metrics`), seeded randomness, and helpers that read
//! events. No test waits for time to pass: the session's (and usually the service's) clock
//! moves only when a test advances the [`ManualTimer`]; the one real-time bound ([`GUARD`])
//! only turns a hang into a failure.
#![allow(dead_code)] // each test file uses a different part

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use tokensmith::client::{Client, CreateUser};
use tokensmith::session::{
    AuthMethod, AuthUrl, ManualTimer, Session, SessionConfig, SessionEvent, SessionOptions, TokenErrorKind,
};
use tokensmith::store::{
    MemoryStore, PushRegistration, Revocation, Store, TokenCounts, TokenHash, TokenMeta, TokenRecord, User,
};
use tokensmith::{Context, Error, OsRandom, Random, RemoteError};
use tokensmith_server::{AppConfig, Config, Running};
use tokio::sync::{Notify, broadcast};

use crate::common::{ABLY_SECRET, APP, FULL_KEY, app_config};

pub const T0: u64 = 1_800_000_000_000;
pub const HOUR: u64 = 3_600_000;
/// Only against hangs; no test asserts how fast anything is.
pub const GUARD: Duration = Duration::from_secs(60);
pub const ABLY_KEY_NAME: &str = "chat.main";

/// The service on `clock` (shared with the session under test, unless a test wants them apart).
pub struct Service {
    pub running: Running,
    pub store: Arc<TestStore>,
    pub admin: Client,
    pub http: reqwest::Client,
}

impl Service {
    pub async fn start(timer: &ManualTimer) -> Service {
        Service::on(Context { clock: timer.clock(), random: Arc::new(OsRandom) }, |_| {}).await
    }

    /// With the app's settings changed by `tweak`.
    pub async fn on(ctx: Context, tweak: impl FnOnce(&mut AppConfig)) -> Service {
        let mut app = app_config(APP);
        tweak(&mut app);
        let config = Config { apps: vec![app], ..Config::default() };
        let store = Arc::new(TestStore::default());
        let running = tokensmith_server::serve_on(config, store.clone(), ctx).await.expect("serve");
        let admin = Client::builder(&running.url()).api_key(FULL_KEY).app_id(APP).build().expect("client");
        Service { running, store, admin, http: reqwest::Client::new() }
    }

    pub fn url(&self) -> String {
        self.running.url()
    }

    /// A new user with an auth token; returns the token.
    pub async fn user(&self, uid: &str) -> String {
        let created = self
            .admin
            .create_user(&CreateUser { with_auth_token: true, ..CreateUser::new(uid, uid) })
            .await
            .expect("create user");
        created.auth_token.expect("an auth token")
    }

    /// Ably's authUrl on this service, for the user of `auth_token`: `answer` is `request`
    /// (a TokenRequest), `details` or `jwt`.
    pub fn auth_url(&self, auth_token: &str, answer: &str, method: AuthMethod) -> AuthUrl {
        AuthUrl::new(format!("{}/auth/ably", self.url()))
            .method(method)
            .header("authtoken", auth_token)
            .header("appid", APP)
            .param("as", answer)
    }

    /// Options for a session that gets Ably tokens from this service's authUrl.
    pub fn ably_options(&self, auth_token: &str, answer: &str) -> SessionOptions {
        SessionOptions::new(tokensmith::session::AuthOptions::AuthUrl(self.auth_url(
            auth_token,
            answer,
            AuthMethod::Get,
        )))
    }

    /// Requests the service answered on `route` with `method` and `status`, from `/metrics`.
    pub async fn count(&self, method: &str, route: &str, status: u16) -> u64 {
        let text = self.http.get(format!("{}/metrics", self.url())).send().await.unwrap().text().await.unwrap();
        let wanted =
            format!("tokensmith_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&wanted)).map_or(0, |n| n.trim().parse().unwrap())
    }

    /// An Ably call made with `token`, as ably-js makes it (`Authorization: Bearer base64(token)`):
    /// a `requestToken` by token auth, which the service answers only for a valid, unrevoked
    /// token of its key (401 with 40142 expired, 40141 revoked otherwise).
    pub async fn ably_call(&self, token: &str) -> Result<Value, Error> {
        let url = format!("{}/keys/{ABLY_KEY_NAME}/requestToken", self.url());
        let bearer = format!("Bearer {}", STANDARD.encode(token));
        let resp = self.http.post(url).header("authorization", bearer).json(&serde_json::json!({})).send().await;
        let resp = resp.map_err(|e| Error::Network(e.to_string()))?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status == 200 {
            return Ok(body);
        }
        let code = body["error"]["code"].as_u64().map(|c| c.to_string());
        let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
        Err(Error::Remote(Box::new(RemoteError {
            kind: Error::Unauthorized(message.clone()),
            status,
            server_code: code,
            message,
            details: vec![],
        })))
    }
}

/// `kind` of a token error a server answered, for `Session::recover`.
pub fn token_error(e: &Error) -> Option<TokenErrorKind> {
    tokensmith::session::AsTokenError::token_error(e)
}

/// A session on `timer`'s clock with seeded randomness, and its event stream from the start.
pub fn start(
    options: SessionOptions,
    timer: &Arc<ManualTimer>,
    seed: u64,
    config: SessionConfig,
) -> (Session, broadcast::Receiver<SessionEvent>) {
    let builder = Session::options_builder(options)
        .expect("valid options")
        .config(config)
        .context(timer.context(Seeded::new(seed)))
        .timer(timer.clone());
    let events = builder.subscribe();
    (builder.start().expect("session starts"), events)
}

pub async fn next(events: &mut broadcast::Receiver<SessionEvent>) -> SessionEvent {
    guard(events.recv()).await.expect("event stream open")
}

/// Awaits `f`, failing instead of hanging if it never completes.
pub async fn guard<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, f).await.expect("did not complete (hang guard)")
}

/// Lets other tasks run until `done` holds (bounded by the hang guard).
pub async fn settle(mut done: impl FnMut() -> bool) {
    guard(async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
}

/// Lets a backoff wait of `delay` ms pass: waits until the renewal sleeps, then moves the clock.
pub async fn wait_out(timer: &Arc<ManualTimer>, delay: u64) {
    if delay > 0 {
        guard(timer.sleeping_until(timer.now_ms() + delay)).await;
        timer.advance(delay);
    }
}

/// The Ably key secret of the test app (for revocation with Basic auth).
pub fn ably_key() -> tokensmith::ably::Key {
    tokensmith::ably::Key::new(ABLY_KEY_NAME, ABLY_SECRET).unwrap()
}

/// SplitMix64: reproducible randomness from a seed.
pub struct Seeded(Mutex<u64>);

impl Seeded {
    pub fn new(seed: u64) -> Arc<Self> {
        Arc::new(Seeded(Mutex::new(seed)))
    }
}

impl Random for Seeded {
    fn fill(&self, buf: &mut [u8]) {
        let mut s = self.0.lock().unwrap();
        for chunk in buf.chunks_mut(8) {
            *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// A memory store whose auth-token lookups (`get_session`, behind every `authtoken` route) can
/// be held until released, or fail the next few times with `STORE_UNAVAILABLE` (the service
/// then answers 503).
#[derive(Default)]
pub struct TestStore {
    inner: MemoryStore,
    held: AtomicBool,
    release: Notify,
    /// Lookups waiting at the gate right now.
    pub waiting: AtomicUsize,
    failures: AtomicUsize,
}

impl TestStore {
    /// Lookups from now on wait until [`release`](Self::release).
    pub fn hold(&self) {
        self.held.store(true, Ordering::SeqCst);
    }

    pub fn release(&self) {
        self.held.store(false, Ordering::SeqCst);
        self.release.notify_waiters();
    }

    /// The next `n` lookups fail.
    pub fn fail_next(&self, n: usize) {
        self.failures.store(n, Ordering::SeqCst);
    }

    async fn gate(&self) -> Result<(), Error> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        while self.held.load(Ordering::SeqCst) {
            let released = self.release.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if !self.held.load(Ordering::SeqCst) {
                break;
            }
            released.await;
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let failed = self.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if failed { Err(Error::StoreUnavailable("test store is failing".into())) } else { Ok(()) }
    }
}

#[async_trait]
impl Store for TestStore {
    async fn create_user(&self, app: &str, user: &User) -> Result<(), Error> {
        self.inner.create_user(app, user).await
    }
    async fn get_user(&self, app: &str, uid: &str) -> Result<Option<User>, Error> {
        self.inner.get_user(app, uid).await
    }
    async fn delete_user(&self, app: &str, uid: &str) -> Result<bool, Error> {
        self.inner.delete_user(app, uid).await
    }
    async fn insert_token(&self, app: &str, token: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>, Error> {
        self.inner.insert_token(app, token, keep).await
    }
    async fn list_tokens(
        &self,
        app: &str,
        uid: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TokenRecord>, TokenCounts), Error> {
        self.inner.list_tokens(app, uid, offset, limit).await
    }
    async fn get_token(&self, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>, Error> {
        self.inner.get_token(app, hash).await
    }
    async fn get_session(&self, app: &str, hash: &TokenHash) -> Result<Option<(TokenRecord, User)>, Error> {
        self.gate().await?;
        self.inner.get_session(app, hash).await
    }
    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>, Error> {
        self.inner.update_token(app, hash, patch).await
    }
    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool, Error> {
        self.inner.delete_token(app, hash).await
    }
    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64, Error> {
        self.inner.flush_tokens(app, uid).await
    }
    async fn purge_archived(&self, app: &str, before: u64) -> Result<u64, Error> {
        self.inner.purge_archived(app, before).await
    }
    async fn add_revocation(&self, app: &str, revocation: &Revocation) -> Result<(), Error> {
        self.inner.add_revocation(app, revocation).await
    }
    async fn is_revoked(&self, app: &str, subjects: &[String], issued_at: u64, now: u64) -> Result<bool, Error> {
        self.inner.is_revoked(app, subjects, issued_at, now).await
    }
    async fn remember_nonce(&self, app: &str, key: &str, nonce: &str, expires: u64, now: u64) -> Result<bool, Error> {
        self.inner.remember_nonce(app, key, nonce, expires, now).await
    }
    async fn put_push(&self, app: &str, registration: &PushRegistration) -> Result<(), Error> {
        self.inner.put_push(app, registration).await
    }
    async fn list_push(&self, app: &str, uid: &str) -> Result<Vec<PushRegistration>, Error> {
        self.inner.list_push(app, uid).await
    }
    async fn delete_push(&self, app: &str, uid: &str, token: Option<&TokenHash>) -> Result<u64, Error> {
        self.inner.delete_push(app, uid, token).await
    }
    async fn ping(&self) -> Result<(), Error> {
        self.inner.ping().await
    }
}
