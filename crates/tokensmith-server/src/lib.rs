//! The tokensmith HTTP service: CometChat-compatible users, auth tokens, `/me` and push tokens;
//! an Ably token authority (`requestToken`, `revokeTokens`, `/time`, an `authUrl`); an Agora chat
//! token server; `/openapi.json`, `/healthz`, `/readyz` and `/metrics`.
//!
//! ```no_run
//! # async fn run() -> Result<(), tokensmith_server::Error> {
//! let mut config = tokensmith_server::Config::default(); // 127.0.0.1:0, memory://
//! config.apps.push(tokensmith_server::AppConfig::new("demo"));
//! let running = tokensmith_server::serve(config).await?;
//! println!("listening on {}", running.url());
//! running.shutdown().await; // in-flight requests finish first
//! # Ok(()) }
//! ```
//!
//! One [`Tokensmith`](tokensmith::Tokensmith) per configured app shares one store, each app a
//! namespace in it. The server is a library so the CLI (`tokensmith serve`), the Node and Python
//! packages and test suites all start it the same way, on an ephemeral port when asked.

mod app;
mod auth;
mod body;
mod body_cap;
pub mod config;
mod cors;
mod deadline;
pub mod dev_app;
mod error;
mod limits;
mod metrics;
mod middleware;
mod observe;
mod openapi;
mod panic;
mod routes;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokensmith::Context;
use tokensmith::store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{AblyKeyConfig, AgoraConfig, ApiKeyConfig, AppConfig, Config, Limits, Scope};

use crate::app::{AppState, Shared};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid (the message names the setting, never a secret).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The listen address cannot be bound (in use, not local, malformed).
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    /// The store could not be opened.
    #[error(transparent)]
    Core(#[from] tokensmith::Error),
}

impl Error {
    /// The stable code, as the core's: bad settings and addresses are `INVALID_ARGUMENT`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) | Error::Bind { .. } => "INVALID_ARGUMENT",
            Error::Core(e) => e.code(),
        }
    }
}

/// A running server. Dropping it starts a graceful shutdown without waiting for it.
pub struct Running {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish (up to
    /// `limits.shutdown_grace_ms`), then returns.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Opens the store, binds, and serves in the background on the current tokio runtime.
pub async fn serve(config: Config) -> Result<Running, Error> {
    let store = tokensmith::store::open(config.store.as_deref().unwrap_or("memory://")).await?;
    serve_on(config, store, Context::system()).await
}

/// [`serve`] over an already open store (`config.store` is not read) with a given clock and
/// random source: for embedding next to other users of the store, and for tests.
pub async fn serve_on(config: Config, store: Arc<dyn Store>, ctx: Context) -> Result<Running, Error> {
    let shared = Shared::new(&config, store, ctx)?;
    let (routes, doc) = routes::build();
    let _ = shared.openapi.set(doc);
    let state = AppState(Arc::new(shared));
    let app = routes.with_state(state.clone());

    let listen = config.listen.clone().unwrap_or_else(|| "127.0.0.1:0".into());
    let bind_error = |source| Error::Bind { addr: listen.clone(), source };
    let listener = TcpListener::bind(&listen).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let (stop, stopped) = watch::channel(false);
    let grace = Duration::from_millis(config.limits.shutdown_grace_ms);
    tracing::info!(%addr, apps = state.apps.len(), "listening");
    let task = tokio::spawn(run(listener, app, state, stopped, grace));
    Ok(Running { addr, stop, task: Some(task) })
}

async fn run(
    listener: TcpListener,
    app: axum::Router,
    state: AppState,
    stopped: watch::Receiver<bool>,
    grace: Duration,
) {
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let server = axum::serve(listener, app).with_graceful_shutdown(until_stopped(stopped.clone()));
    let deadline = async {
        until_stopped(stopped.clone()).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server.into_future() => match result {
            Ok(()) => tracing::info!("stopped"),
            Err(e) => tracing::error!(error = %e, "server failed"),
        },
        () = deadline => tracing::warn!(grace_ms = grace.as_millis() as u64, "shutdown grace period over"),
        () = purge_archived(&state) => {}
    }
}

/// Forgets archived auth tokens past their retention, hourly, for every app (never returns).
async fn purge_archived(state: &AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        for app in &state.apps {
            match app.ts.purge_archived().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(app = %app.id, purged = n, "archived auth tokens purged"),
                Err(e) => tracing::warn!(app = %app.id, error = %e, "purging archived auth tokens failed"),
            }
        }
    }
}
