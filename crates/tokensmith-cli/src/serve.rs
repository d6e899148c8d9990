//! `tokensmith serve`: the HTTP service (crate `tokensmith-server`) as a process.
//!
//! Settings come from the TOML file (`--config`), then the environment, then flags. With no app
//! configured it serves a development app whose credentials it creates once in the data folder
//! and prints that one time. It stops gracefully on SIGTERM or Ctrl-C and exits 0.
//!
//! Logs default to `info`: start, stop, tokens issued and revoked, refused (4xx) and failed
//! (5xx) requests. The access line of every answered request is `debug`, so it costs nothing
//! unless asked for (`TOKENSMITH_LOG=info,tokensmith_server=debug`). The runtime is tokio's
//! multi-threaded one, a worker per core the process may run on.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use tokensmith::Context;
use tokensmith_server::{Config, dev_app};

use crate::{Failure, print};

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on [default: the config file's `listen`, else 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR", env = "TOKENSMITH_LISTEN")]
    listen: Option<String>,
    /// Store: memory://, sqlite://PATH or redis://… [default: the config file's, else SQLite in the data folder]
    #[arg(long, value_name = "URL", env = "TOKENSMITH_STORE", hide_env_values = true)]
    store: Option<String>,
    /// TOML configuration file (listen, store, limits, apps)
    #[arg(long, value_name = "FILE", env = "TOKENSMITH_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the default SQLite store and the development app
    #[arg(long, value_name = "DIR", env = "TOKENSMITH_DATA_DIR", default_value = "tokensmith-data")]
    data_dir: PathBuf,
    /// Log lines as text or JSON (on stderr; filter with TOKENSMITH_LOG, default `info`;
    /// `info,tokensmith_server=debug` adds an access line per request)
    #[arg(long, value_enum, env = "TOKENSMITH_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn server_error(e: tokensmith_server::Error) -> Failure {
    Failure { code: e.code(), message: e.to_string() }
}

pub fn run(args: Args) -> Result<(), Failure> {
    init_logs(args.log_format);
    let mut config = match &args.config {
        Some(path) => Config::load(path).map_err(server_error)?,
        None => Config::default(),
    };
    config.listen = Some(args.listen.or(config.listen).unwrap_or_else(|| "127.0.0.1:8080".into()));
    if args.store.is_none() && config.store.is_none() {
        dev_app::create_data_dir(&args.data_dir).map_err(server_error)?;
        config.store = Some(format!("sqlite://{}", args.data_dir.join("tokensmith.db").display()));
    }
    config.store = args.store.or(config.store);
    if config.apps.is_empty() {
        add_dev_app(&mut config, &args.data_dir)?;
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::invalid(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        // Handlers first: a SIGTERM right after the `listening` line must not kill the process.
        let stop = shutdown_signal()?;
        let running = tokensmith_server::serve(config).await.map_err(server_error)?;
        print(&format!("tokensmith: listening on {}", running.url()))?;
        stop.await;
        tracing::info!("shutting down: finishing requests in flight");
        running.shutdown().await;
        Ok(())
    })
}

/// Adds the development app, printing its credentials only when this start created them.
fn add_dev_app(config: &mut Config, data_dir: &Path) -> Result<(), Failure> {
    let dev = dev_app::load_or_create(data_dir, &Context::system()).map_err(server_error)?;
    let where_ = dev.path.display();
    if dev.created {
        print(&format!(
            "tokensmith: created a development app. Its credentials are shown this once and kept in {where_}:"
        ))?;
        for (label, value) in dev.credentials() {
            print(&format!("  {label:<24}{value}"))?;
        }
    } else {
        print(&format!("tokensmith: using the development app `{}` (credentials in {where_})", dev.app.id))?;
    }
    config.apps.push(dev.app);
    Ok(())
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOKENSMITH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => logs.json().try_init(),
    };
}

/// Installs the handlers for Ctrl-C and, on Unix, SIGTERM (what `docker stop`, systemd and
/// Kubernetes send) at once; the returned future resolves at the first of them.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl Future<Output = ()>, Failure> {
    use tokio::signal::unix::{SignalKind, signal};
    let fail = |e: std::io::Error| Failure::invalid(format!("cannot handle signals: {e}"));
    let mut term = signal(SignalKind::terminate()).map_err(fail)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(fail)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl Future<Output = ()>, Failure> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
