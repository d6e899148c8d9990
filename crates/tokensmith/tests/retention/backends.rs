//! Opening each backend for a test: a fresh, isolated store every time.

use std::sync::Arc;

use tokensmith::store::{self, Store};

/// A temporary directory removed on drop (keeps SQLite files out of the repo).
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let n: u64 = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
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

/// A store plus whatever keeps it alive; `url` opens a second, independent handle on the same state.
pub struct Backend {
    pub store: Arc<dyn Store>,
    pub url: String,
    _dir: Option<TempDir>,
}

pub async fn memory() -> Backend {
    let store = store::open("memory://").await.unwrap();
    Backend {
        store,
        url: String::new(),
        _dir: None,
    }
}

pub async fn sqlite() -> Backend {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("state.db").display());
    let store = store::open(&url).await.unwrap();
    Backend {
        store,
        url,
        _dir: Some(dir),
    }
}
