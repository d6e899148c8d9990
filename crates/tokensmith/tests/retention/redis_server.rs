//! Private `redis-server` processes for this test binary: 127.0.0.1, an ephemeral port,
//! persistence off. Nothing depends on a server started by hand.
//!
//! Lifecycle: each server runs under a tiny `sh` wrapper whose stdin is a pipe from this
//! process. The wrapper starts `redis-server` in the background, prints its pid, then blocks
//! reading stdin; when stdin reaches EOF it SIGKILLs the server. The write end of that pipe
//! closes when the [`RedisServer`] is dropped, or, for the shared server kept in a static,
//! when this process exits in any way (even SIGKILL): the kernel closes its descriptors. So no
//! server outlives `cargo test`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    pid: u32,
    wrapper: Child,
    /// Closing it makes the wrapper kill the server.
    lifeline: Option<ChildStdin>,
}

const WRAPPER: &str = r#"redis-server "$@" >/dev/null 2>&1 &
pid=$!
echo "$pid"
cat >/dev/null
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit 0"#;

fn require_redis_server() {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "redis-server is not installed, and the Redis tests need one: run scripts/test.sh \
         (it installs it), or `apt-get install -y redis-server`"
    );
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

/// True when something on `port` answers `PING` with `+PONG`.
fn answers_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

impl RedisServer {
    /// Starts a server on `port` (a free one if `None`) and waits until it answers PING.
    pub fn start(port: Option<u16>) -> RedisServer {
        require_redis_server();
        let port = port.unwrap_or_else(free_port);
        let mut wrapper = Command::new("sh")
            .args(["-c", WRAPPER, "sh"])
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sh");
        let lifeline = wrapper.stdin.take();
        let mut line = String::new();
        BufReader::new(wrapper.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let pid: u32 = line.trim().parse().expect("the wrapper prints the server pid");
        let server = RedisServer { port, pid, wrapper, lifeline };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !answers_ping(port) {
            assert!(
                Instant::now() < deadline,
                "redis-server on 127.0.0.1:{port} did not answer PING within 10 s \
                 (try `redis-server --port {port} --save '' --appendonly no` by hand to see why)"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server abruptly (SIGKILL, like a crash) and waits until the port refuses.
    pub fn kill(&self) {
        let _ = Command::new("sh").args(["-c", r#"kill -9 "$1" 2>/dev/null"#, "sh", &self.pid.to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "redis-server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        drop(self.lifeline.take());
        let _ = self.wrapper.wait();
    }
}

/// The server every Redis backend of this binary shares (each test uses its own app).
pub fn shared() -> &'static RedisServer {
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(|| RedisServer::start(None))
}
