//! `tokensmith serve` as a process: start on an ephemeral port in a temporary folder, answer
//! requests, stop on SIGTERM with exit status 0; the development app is created once and reused.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Generous bounds so a slow machine never fails a test; they only stop a broken one hanging.
const START_WITHIN: Duration = Duration::from_secs(60);
const EXIT_WITHIN: Duration = Duration::from_secs(30);

struct Serve {
    child: Child,
    /// Everything printed on stdout up to and including the `listening on` line.
    banner: Vec<String>,
    addr: String,
}

fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Serve {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokensmith"));
    cmd.arg("serve").args(args).current_dir(dir).stdout(Stdio::piped()).stderr(Stdio::piped());
    for var in ["TOKENSMITH_LISTEN", "TOKENSMITH_STORE", "TOKENSMITH_CONFIG", "TOKENSMITH_DATA_DIR", "TOKENSMITH_LOG"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("spawn tokensmith serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    let deadline = Instant::now() + START_WITHIN;
    loop {
        let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no `listening on` line; stdout so far: {banner:?}")
        };
        let addr = line.strip_prefix("tokensmith: listening on http://").map(str::to_owned);
        banner.push(line);
        if let Some(addr) = addr {
            return Serve { child, banner, addr };
        }
    }
}

/// One HTTP/1.1 request on its own connection; returns (status, body).
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut conn = TcpStream::connect(addr).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    conn.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    conn.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    (status, resp.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default())
}

/// A test that fails half-way still stops its server.
impl Drop for Serve {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// SIGTERM, then the exit status and stderr.
fn terminate(mut s: Serve) -> (std::process::ExitStatus, String) {
    let ok = Command::new("kill").args(["-TERM", &s.child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill -TERM failed");
    let deadline = Instant::now() + EXIT_WITHIN;
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    s.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status, stderr)
}

fn credential<'a>(banner: &'a [String], label: &str) -> &'a str {
    let line =
        banner.iter().find(|l| l.trim_start().starts_with(label)).unwrap_or_else(|| panic!("{label}: {banner:?}"));
    line.split_whitespace().last().unwrap()
}

#[test]
fn serves_until_sigterm_then_exits_cleanly_and_reuses_its_dev_app() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    assert!(first.banner[0].contains("created a development app"), "{:?}", first.banner);
    let key = credential(&first.banner, "API key (fullAccess)").to_owned();
    let ably = credential(&first.banner, "Ably key").to_owned();

    assert_eq!(http(&first.addr, "GET", "/healthz", &[], "").0, 200);
    let created = http(
        &first.addr,
        "POST",
        "/v3/users",
        &[("apikey", &key), ("content-type", "application/json")],
        r#"{"uid":"alice","withAuthToken":true}"#,
    );
    assert_eq!(created.0, 200, "{}", created.1);
    let (status, stderr) = terminate(first);
    assert_eq!(status.code(), Some(0), "clean exit; stderr:\n{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
    for secret in [key.as_str(), ably.as_str()] {
        assert!(!stderr.contains(secret), "a secret in the logs:\n{stderr}");
    }
    let data = dir.path().join("tokensmith-data");
    assert!(data.join("dev-app.toml").exists() && data.join("tokensmith.db").exists());

    // Second start: same app and data, credentials not printed again.
    let second = start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let banner = second.banner.join("\n");
    assert!(banner.contains("using the development app `dev`") && banner.contains("dev-app.toml"), "{banner}");
    assert!(!banner.contains(&key) && !banner.contains(&ably), "credentials printed again:\n{banner}");
    let (status, body) = http(&second.addr, "GET", "/v3/users/alice", &[("apikey", &key)], "");
    assert_eq!(status, 200, "the SQLite store kept the user: {body}");
    assert_eq!(terminate(second).0.code(), Some(0));
}

#[test]
fn config_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tokensmith.toml");
    std::fs::write(
        &config,
        r#"
listen = "256.0.0.1:1"
store = "memory://"
[[apps]]
id = "conf"
api_keys = [{ key = "configured-key-0123456789", scope = "fullAccess" }]
"#,
    )
    .unwrap();
    let config = config.to_str().unwrap();
    // The file's listen address is unusable: the environment overrides it.
    let s = start(dir.path(), &[], &[("TOKENSMITH_CONFIG", config), ("TOKENSMITH_LISTEN", "127.0.0.1:0")]);
    assert!(!s.banner.iter().any(|l| l.contains("development app")), "configured apps replace the dev app");
    let user = http(
        &s.addr,
        "POST",
        "/v3/users",
        &[("apikey", "configured-key-0123456789"), ("content-type", "application/json")],
        r#"{"uid":"a"}"#,
    );
    assert_eq!(user.0, 200, "{}", user.1);
    assert_eq!(terminate(s).0.code(), Some(0));
    assert!(!dir.path().join("tokensmith-data").exists(), "nothing written without the default store or dev app");

    // A flag beats the environment.
    let s = start(
        dir.path(),
        &["--listen", "127.0.0.1:0"],
        &[("TOKENSMITH_CONFIG", config), ("TOKENSMITH_LISTEN", "256.0.0.1:1")],
    );
    assert_eq!(terminate(s).0.code(), Some(0));
}

#[test]
fn unusable_settings_fail_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tokensmith"))
        .args(["serve", "--listen", "256.0.0.1:1", "--store", "memory://"])
        .current_dir(dir.path())
        .env_remove("TOKENSMITH_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[INVALID_ARGUMENT]: cannot listen on 256.0.0.1:1"), "{stderr}");
}
