//! SQLite, the embedded default: durable once a call returns, intact after a crash, never
//! holding a raw token, and versioned.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use tokensmith::service::NewUser;
use tokensmith::store::TokenMeta;
use tokensmith::{Config, Tokensmith};

const CHILD_DB: &str = "TOKENSMITH_DURABILITY_CHILD_DB";

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "tokensmith-{tag}-{}-{:?}",
            std::process::id(),
            std::time::Instant::now()
        ));
        let dir = std::path::PathBuf::from(dir.to_string_lossy().replace([' ', '{', '}', ':', ','], "_"));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn db(&self) -> String {
        self.0.join("state.db").display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Runs only when re-executed by `sigkill_mid_load_loses_nothing_that_returned`: creates tokens
/// from 8 concurrent writers forever, printing each one once its create has returned. Retention
/// is off so that every returned token must still validate afterwards.
#[test]
fn durability_child() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    runtime().block_on(async {
        let config = Config { retention: 0, ..Config::default() };
        let ts = Tokensmith::open(&format!("sqlite://{path}"), config).await.unwrap();
        let _ = ts.create_user(NewUser { uid: "alice".into(), ..Default::default() }).await;
        for _ in 0..8 {
            let ts = ts.clone();
            tokio::spawn(async move {
                loop {
                    let t = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
                    println!("TOKEN {}", t.auth_token);
                }
            });
        }
        std::future::pending::<()>().await; // until the parent kills this process
    });
}

#[test]
fn sigkill_mid_load_loses_nothing_that_returned() {
    let dir = TempDir::new("kill");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sqlite_durability::durability_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, dir.db())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut returned = Vec::new();
    while returned.len() < 400 {
        let line = lines.next().expect("the child stopped early").unwrap();
        if let Some(token) = line.strip_prefix("TOKEN ") {
            returned.push(token.to_owned());
        }
    }
    child.kill().unwrap(); // SIGKILL, while its writers are mid-transaction
    child.wait().unwrap();
    // Lines the child printed before it died were returned creates too.
    returned.extend(lines.map_while(Result::ok).filter_map(|l| l.strip_prefix("TOKEN ").map(str::to_owned)));

    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(conn);

    runtime().block_on(async {
        let ts = Tokensmith::open(&format!("sqlite://{}", dir.db()), Config { retention: 0, ..Config::default() })
            .await
            .unwrap();
        for token in &returned {
            ts.validate(token).await.unwrap_or_else(|e| panic!("a token whose create returned is lost: {e}"));
        }
        let page = ts.list_auth_tokens("alice", 1, 1).await.unwrap();
        assert!(page.total as usize >= returned.len());
    });
}

#[test]
fn the_database_never_holds_a_raw_token() {
    let dir = TempDir::new("secret");
    let issued: Vec<String> = runtime().block_on(async {
        let ts = Tokensmith::open(&format!("sqlite://{}", dir.db()), Config { retention: 3, ..Config::default() })
            .await
            .unwrap();
        let first = ts
            .create_user(NewUser { uid: "alice".into(), with_auth_token: true, ..Default::default() })
            .await
            .unwrap()
            .auth_token
            .unwrap();
        let mut all = vec![first.auth_token];
        for _ in 0..10 {
            all.push(ts.create_auth_token("alice", TokenMeta::default()).await.unwrap().auth_token);
        }
        all
    });
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir.0).unwrap() {
        // state.db, -wal, -shm (the last two may vanish as the store closes)
        if let Ok(b) = std::fs::read(entry.unwrap().path()) {
            bytes.extend(b);
        }
    }
    assert!(bytes.len() > 4096, "read the database");
    let text = String::from_utf8_lossy(&bytes);
    for token in &issued {
        assert!(!text.contains(token.as_str()), "raw token found on disk");
        assert!(!text.contains(&token[4..47]), "a token's random body found on disk");
    }
}

#[test]
fn schema_is_versioned() {
    let dir = TempDir::new("schema");
    runtime().block_on(async {
        Tokensmith::open(&format!("sqlite://{}", dir.db()), Config::default()).await.unwrap();
        Tokensmith::open(&format!("sqlite://{}", dir.db()), Config::default())
            .await
            .expect("reopening runs no migration twice");
    });
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 3, "v3: the hash index keys on the hash's prefix");
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let e = runtime().block_on(Tokensmith::open(&format!("sqlite://{}", dir.db()), Config::default())).err().unwrap();
    assert_eq!(e.code(), "STORE_UNAVAILABLE");
    assert!(e.to_string().contains("newer"), "{e}");
}

/// Forks again and again while the store is busy on every thread (writer, checkpointer,
/// readers); each child opens the same file and must work. A fork that lands while another
/// thread is inside SQLite leaves a mutex it held locked in the child for ever, and the child's
/// first connection hangs — Python's `os.fork()` and `multiprocessing`, pre-forking servers.
#[cfg(unix)]
#[test]
fn a_child_forked_mid_load_opens_the_same_file_and_works() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    let dir = TempDir::new("fork");
    let url = format!("sqlite://{}", dir.db());
    let rt = runtime();
    let ts = rt.block_on(async {
        let ts = Tokensmith::open(&url, Config::default()).await.unwrap();
        ts.create_user(NewUser { uid: "alice".into(), ..Default::default() }).await.unwrap();
        ts
    });
    // The load runs while the test forks and pauses while the child works: what goes wrong is
    // decided at the fork, and a busy parent would only starve the child's writes.
    let (stop, paused) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    for _ in 0..4 {
        let (ts, stop, paused) = (ts.clone(), stop.clone(), paused.clone());
        rt.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if paused.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
                let t = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
                ts.validate(&t.auth_token).await.unwrap();
            }
        });
    }
    const ROUNDS: usize = 12; // without the guard the first one fails
    for round in 0..ROUNDS {
        std::thread::sleep(Duration::from_millis(5)); // the load is in full swing again
        // SAFETY: the child runs only what is fork-safe here — a new runtime over a new store on
        // its own threads — and leaves with `_exit`, never returning into the test harness.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = std::panic::catch_unwind(|| {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    let ts = Tokensmith::open(&url, Config::default()).await?;
                    let uid = format!("child-{round}");
                    let made = ts
                        .create_user(NewUser { uid: uid.clone(), with_auth_token: true, ..Default::default() })
                        .await?;
                    let session = ts.validate(&made.auth_token.unwrap().auth_token).await?;
                    Ok::<_, tokensmith::Error>(session.user.uid == uid)
                })
            });
            unsafe { libc::_exit(if matches!(ok, Ok(Ok(true))) { 0 } else { 1 }) };
        }
        assert!(pid > 0, "fork failed");
        paused.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut status = 0;
            // SAFETY: waits for our own child; `status` is a valid out-pointer.
            if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
                assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "round {round}: the child failed");
                paused.store(false, Ordering::Relaxed);
                break;
            }
            if Instant::now() > deadline {
                // SAFETY: our own child, still running.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                panic!("round {round}: the forked child hung opening the store");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    stop.store(true, Ordering::Relaxed);
    // The parent kept working too, and sees what every child wrote.
    rt.block_on(async {
        let t = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
        assert_eq!(ts.validate(&t.auth_token).await.unwrap().user.uid, "alice");
        for round in 0..ROUNDS {
            assert!(ts.get_user(&format!("child-{round}")).await.is_ok(), "child-{round}");
        }
    });
}
