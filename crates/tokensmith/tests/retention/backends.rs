//! Opening each backend for a test: a fresh, isolated store every time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokensmith::store::{self, Store};

use crate::redis_server;

/// A temporary directory removed on drop (keeps SQLite files out of the repo).
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let n: u64 = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
        let dir = std::env::temp_dir().join(format!("tokensmith-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store plus whatever keeps it alive; `url` opens a second, independent handle on the same
/// state (empty for memory, which has none). `app` is the namespace the test must use: backends
/// that share one server give every test its own.
pub struct Backend {
    pub store: Arc<dyn Store>,
    pub url: String,
    pub app: String,
    _dir: Option<TempDir>,
}

pub async fn memory() -> Backend {
    let store = store::open("memory://").await.unwrap();
    Backend { store, url: String::new(), app: "default".into(), _dir: None }
}

pub async fn sqlite() -> Backend {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("state.db").display());
    let store = store::open(&url).await.unwrap();
    Backend { store, url, app: "default".into(), _dir: Some(dir) }
}

/// A handle on this test binary's own `redis-server` (started on first use; see
/// `redis_server.rs`), with an app name no other test uses.
pub async fn redis() -> Backend {
    static NEXT_APP: AtomicU64 = AtomicU64::new(0);
    let url = redis_server::shared().url();
    let store = store::open(&url).await.unwrap();
    Backend { store, url, app: format!("test-{}", NEXT_APP.fetch_add(1, Ordering::Relaxed)), _dir: None }
}
