//! Retention-store benchmark: create-with-retention and validate per backend, memory per
//! retained token, SQLite create latency at scale, and Redis against `redis-benchmark` running
//! the same scripts on the same private server. One run prints one Markdown table.
//!
//!     cargo bench -p tokensmith --bench store                  # every group
//!     cargo bench -p tokensmith --bench store -- memory redis  # only some: memory sqlite scale redis
//!
//! Environment: `STORE_BENCH_SCALE_USERS` (default 100000) × 100 tokens for the SQLite
//! latency-at-scale row (set it lower for a quick run); `STORE_BENCH_DIR` for the SQLite files
//! (default: the system temporary directory); `STORE_BENCH_ROUNDS` (default 3) interleaved
//! rounds of each throughput measurement, the median reported; `STORE_BENCH_REDIS_TASKS`
//! (default 64) requests in flight against Redis, ours and `redis-benchmark -c`'s.
//!
//! Targets (speed goals live here, never in timed tests): memory ≥ 500k creates/s on one core;
//! ≤ 200 bytes per retained token at 1M tokens; SQLite ≥ 20k durable creates/s and ≥ 100k
//! validates/s; Redis ≥ 0.5× what `redis-benchmark` reaches with the same script mix.

#[allow(dead_code)] // the test binary's helper; the bench uses `start` and `url` only
#[path = "../tests/retention/redis_server.rs"]
mod redis_server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use tokensmith::service::NewUser;
use tokensmith::store::{RedisStore, TokenMeta};
use tokensmith::{Config, Tokensmith};

/// Counts live heap bytes while `COUNTING` is on, for the bytes-per-token row (off elsewhere:
/// an atomic add per allocation is a visible share of a 2 µs create).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);

fn count(delta: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize));
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count(new as isize - l.size() as isize);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Row {
    name: String,
    value: String,
    target: String,
    pass: Option<bool>,
}

fn row(name: &str, value: String, target: &str, pass: Option<bool>) -> Row {
    Row { name: name.into(), value, target: target.into(), pass }
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rounds() -> usize {
    env_num("STORE_BENCH_ROUNDS", 3).max(1)
}

/// The median of the rounds; every round goes to stderr, to see the spread.
fn median(what: &str, mut v: Vec<f64>) -> f64 {
    let rounds: Vec<String> =
        v.iter().map(|r| if *r >= 100.0 { format!("{r:.0}") } else { format!("{r:.2}") }).collect();
    eprintln!("{what}: {}", rounds.join(" "));
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn kops(v: f64) -> String {
    format!("{:.1}k/s", v / 1000.0)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn percentile(lat: &mut [Duration], p: f64) -> Duration {
    lat.sort();
    lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)]
}

async fn service(url: &str, app: &str, retention: u32) -> Tokensmith {
    Tokensmith::open(url, Config { app: app.into(), retention, ..Config::default() }).await.unwrap()
}

/// `user-0` … `user-{n-1}`, created 64 at a time (SQLite commits them in groups).
async fn users(ts: &Tokensmith, n: usize) -> Arc<Vec<String>> {
    let uids: Arc<Vec<String>> = Arc::new((0..n).map(|i| format!("user-{i}")).collect());
    let (ts, all) = (ts.clone(), uids.clone());
    drive(n, 64, move |i| {
        let (ts, all) = (ts.clone(), all.clone());
        async move {
            ts.create_user(NewUser { uid: all[i].clone(), ..Default::default() }).await.unwrap();
        }
    })
    .await;
    uids
}

/// Runs `op(i)` for i in 0..ops from `tasks` concurrent tasks; returns (ops/s, latencies).
async fn drive<F, Fut>(ops: usize, tasks: usize, op: F) -> (f64, Vec<Duration>)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(ops / tasks + 1);
                for i in (t..ops).step_by(tasks) {
                    let t0 = Instant::now();
                    op(i).await;
                    lat.push(t0.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::with_capacity(ops);
    for h in handles {
        all.extend(h.await.unwrap());
    }
    (ops as f64 / start.elapsed().as_secs_f64(), all)
}

/// `ops` creates spread over `uids`, round robin.
async fn creates(ts: &Tokensmith, uids: &Arc<Vec<String>>, ops: usize, tasks: usize) -> (f64, Vec<Duration>) {
    let (ts, uids) = (ts.clone(), uids.clone());
    drive(ops, tasks, move |i| {
        let (ts, uids) = (ts.clone(), uids.clone());
        async move {
            ts.create_auth_token(&uids[i % uids.len()], TokenMeta::default()).await.unwrap();
        }
    })
    .await
}

/// `ops` validates of `tokens`, round robin.
async fn validates(ts: &Tokensmith, tokens: &Arc<Vec<String>>, ops: usize, tasks: usize) -> f64 {
    let (ts, tokens) = (ts.clone(), tokens.clone());
    drive(ops, tasks, move |i| {
        let (ts, tokens) = (ts.clone(), tokens.clone());
        async move {
            ts.validate(&tokens[i % tokens.len()]).await.unwrap();
        }
    })
    .await
    .0
}

/// One call at a time on this task, nothing timed per call: the memory store's rate.
async fn create_loop(ts: &Tokensmith, uids: &[String], ops: usize) -> f64 {
    let start = Instant::now();
    for i in 0..ops {
        ts.create_auth_token(&uids[i % uids.len()], TokenMeta::default()).await.unwrap();
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

async fn validate_loop(ts: &Tokensmith, tokens: &[String], ops: usize) -> f64 {
    let start = Instant::now();
    for i in 0..ops {
        ts.validate(&tokens[i % tokens.len()]).await.unwrap();
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

/// 10,000 live tokens to validate: 100 each for 100 users of their own, so the creates timed
/// later (on other users) never archive them.
async fn sample_tokens(ts: &Tokensmith) -> Arc<Vec<String>> {
    let mut tokens = Vec::with_capacity(10_000);
    for u in 0..100 {
        let uid = format!("sample-{u}");
        ts.create_user(NewUser { uid: uid.clone(), ..Default::default() }).await.unwrap();
        for _ in 0..100 {
            tokens.push(ts.create_auth_token(&uid, TokenMeta::default()).await.unwrap().auth_token);
        }
    }
    Arc::new(tokens)
}

/// Where the SQLite files go; removed on drop, also when a row panics (the files reach GBs).
struct BenchDir(std::path::PathBuf);

impl Drop for BenchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bench_dir() -> BenchDir {
    let base = std::env::var("STORE_BENCH_DIR").map(Into::into).unwrap_or_else(|_| std::env::temp_dir());
    let dir = base.join(format!("tokensmith-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    BenchDir(dir)
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// Memory, one core: a current-thread runtime, so everything runs on this thread.
fn memory_rows(rows: &mut Vec<Row>) {
    let one = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    one.block_on(async {
        let ts = service("memory://", "default", 100).await;
        let uids = users(&ts, 1000).await;
        create_loop(&ts, &uids, 100_000).await; // warm-up: every user at its retention limit
        let tokens = sample_tokens(&ts).await;
        let (mut c, mut v) = (Vec::new(), Vec::new());
        for _ in 0..rounds() {
            c.push(create_loop(&ts, &uids, 300_000).await);
            v.push(validate_loop(&ts, &tokens, 1_000_000).await);
        }
        let rate = median("memory create/s", c);
        rows.push(row("memory: create with retention (1 core)", kops(rate), "≥ 500k/s", Some(rate >= 500_000.0)));
        rows.push(row("memory: validate (1 core)", kops(median("memory validate/s", v)), "", None));
    });
    one.block_on(async {
        let ts = service("memory://", "default", 100).await;
        let uids = users(&ts, 10_000).await;
        COUNTING.store(true, Ordering::Relaxed); // nothing else runs meanwhile
        create_loop(&ts, &uids, 1_000_000).await;
        COUNTING.store(false, Ordering::Relaxed);
        let per_token = LIVE.load(Ordering::Relaxed) as f64 / 1_000_000.0;
        rows.push(row(
            "memory: heap per retained token (1M tokens, 10k users)",
            format!("{per_token:.0} B"),
            "≤ 200 B",
            Some(per_token <= 200.0),
        ));
    });
}

/// This process's CPU time (all threads, seconds) and bytes handed to `write(2)` so far, from
/// `/proc` (Linux only). Per-operation costs that the machine's load does not skew much.
fn usage() -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name: state is the first; utime and stime (in 1/100 s) the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    let written = io.lines().find_map(|l| l.strip_prefix("wchar:"))?.trim().parse().ok()?;
    Some((ticks as f64 / 100.0, written))
}

/// CPU µs and bytes written per operation between two [`usage`] samples.
fn per_op(before: Option<(f64, u64)>, ops: usize) -> Option<(f64, f64)> {
    let ((c0, w0), (c1, w1)) = (before?, usage()?);
    Some(((c1 - c0) * 1e6 / ops as f64, (w1 - w0) as f64 / ops as f64))
}

fn sqlite_rows(rows: &mut Vec<Row>, dir: &std::path::Path) {
    multi_thread().block_on(async {
        let url = format!("sqlite://{}", dir.join("throughput.db").display());
        let ts = service(&url, "default", 100).await;
        let uids = users(&ts, 1000).await;
        creates(&ts, &uids, 100_000, 256).await; // warm-up: every user at its retention limit
        let tokens = sample_tokens(&ts).await;
        let (mut c, mut v, mut p99s, mut c_cost, mut v_cost) = (vec![], vec![], vec![], vec![], vec![]);
        for round in 1..=rounds() {
            // Phase markers: a profiler attached by hand can start at the phase it wants.
            eprintln!("sqlite round {round}: timing creates");
            let before = usage();
            let (rate, mut lat) = creates(&ts, &uids, 100_000, 256).await;
            c_cost.extend(per_op(before, 100_000));
            c.push(rate);
            p99s.push(percentile(&mut lat, 0.99).as_secs_f64() * 1e3);
            eprintln!("sqlite round {round}: timing validates");
            let before = usage();
            v.push(validates(&ts, &tokens, 400_000, 8).await);
            v_cost.extend(per_op(before, 400_000));
        }
        let (rate, p99) = (median("sqlite create/s", c), median("sqlite create p99 ms", p99s));
        let cost = |what: &str, costs: Vec<(f64, f64)>, bytes: bool| match costs.is_empty() {
            true => String::new(),
            false => {
                let cpu = median(&format!("{what} CPU µs/op"), costs.iter().map(|c| c.0).collect());
                if !bytes {
                    return format!(" ({cpu:.0} µs CPU per validate)");
                }
                let written = median(&format!("{what} bytes written/op"), costs.iter().map(|c| c.1).collect());
                format!("; {cpu:.0} µs CPU and {:.1} KiB written per create", written / 1024.0)
            }
        };
        rows.push(row(
            "sqlite: durable create with retention (256 in flight)",
            format!(
                "{} (p99 {}{})",
                kops(rate),
                ms(Duration::from_secs_f64(p99 / 1e3)),
                cost("sqlite create", c_cost, true)
            ),
            "≥ 20k/s",
            Some(rate >= 20_000.0),
        ));
        let rate = median("sqlite validate/s", v);
        let value = format!("{}{}", kops(rate), cost("sqlite validate", v_cost, false));
        rows.push(row("sqlite: validate (8 in flight)", value, "≥ 100k/s", Some(rate >= 100_000.0)));
    });
}

fn scale_rows(rows: &mut Vec<Row>, dir: &std::path::Path) {
    multi_thread().block_on(async {
        let n_users = env_num("STORE_BENCH_SCALE_USERS", 100_000);
        let url = format!("sqlite://{}", dir.join("scale.db").display());
        let ts = service(&url, "default", 100).await;
        eprintln!("sqlite scale: filling {n_users} users × 100 tokens (STORE_BENCH_SCALE_USERS to change)…");
        let uids = users(&ts, n_users).await;
        let t0 = Instant::now();
        creates(&ts, &uids, n_users * 100, 256).await;
        let fill = t0.elapsed();
        let (_, mut lat) = creates(&ts, &uids, 20_000, 16).await;
        let (p50, p99) = (percentile(&mut lat, 0.5), percentile(&mut lat, 0.99));
        rows.push(row(
            &format!("sqlite: create at {}k users × 100 tokens (16 in flight)", n_users / 1000),
            format!("p50 {}, p99 {} (filled in {:.0} s)", ms(p50), ms(p99), fill.as_secs_f64()),
            "report",
            None,
        ));
    });
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `redis-benchmark -c tasks -n ops -r keyspace --csv ARGS…` against the private server; its
/// requests/s. `-r` is read as a C `int`, hence the `i32`.
fn redis_benchmark(port: u16, tasks: usize, ops: usize, keyspace: i32, args: &[&str]) -> f64 {
    let out = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-c", &tasks.to_string(), "-n", &ops.to_string()])
        .args(["-P", "1", "-r", &keyspace.to_string(), "--csv"])
        .args(args)
        .output()
        .expect("run redis-benchmark");
    let text = String::from_utf8_lossy(&out.stdout);
    // "test","rps","avg_latency_ms",…  then  "EVALSHA","52356.02",…
    let rps = text.lines().nth(1).and_then(|l| l.split(',').nth(1)).map(|f| f.trim_matches('"').parse::<f64>());
    match rps {
        Some(Ok(v)) if out.status.success() => v,
        _ => panic!("redis-benchmark failed: {}\n{}", text, String::from_utf8_lossy(&out.stderr)),
    }
}

/// The app `redis-benchmark` works in: one user, `bench`, and `VALIDATE_KEYS` token hashes.
const RB_APP: &str = "rb";
const RB_PREFIX: &str = "ts:{rb}:";
/// A token hash is 64 hex digits; `redis-benchmark` fills in the last 12 (`__rand_int__`).
const RB_HASH_HEAD: &str = "0000000000000000000000000000000000000000000000000000";
const VALIDATE_KEYS: i32 = 100_000;

async fn redis_cmd<T: redis::FromRedisValue>(conn: &mut redis::aio::MultiplexedConnection, cmd: &redis::Cmd) -> T {
    cmd.query_async(conn).await.unwrap()
}

fn redis_rows(rows: &mut Vec<Row>) {
    if !installed("redis-server") || !installed("redis-benchmark") {
        let missing = "not run: redis-server or redis-benchmark is not installed (apt-get install redis-server)";
        rows.push(row("redis: create with retention / validate", missing.into(), "≥ 0.5× redis-benchmark", None));
        return;
    }
    let tasks = env_num("STORE_BENCH_REDIS_TASKS", 64).max(1);
    let server = redis_server::RedisServer::start(None);
    let (url, port) = (server.url(), server.port);
    let rt = multi_thread();
    let ops = 100_000;

    // Ours: 1000 users at their retention limit, then a sample of live tokens to validate.
    let (ts, uids, tokens) = rt.block_on(async {
        let ts = service(&url, "default", 100).await;
        let uids = users(&ts, 1000).await;
        creates(&ts, &uids, 100_000, tasks).await;
        let tokens = sample_tokens(&ts).await;
        (ts, uids, tokens)
    });

    // redis-benchmark's: the same scripts, so the server does the same work per request. Our
    // store has run them, so the server knows them; one EVALSHA each checks the arguments.
    let now = now_ms().to_string();
    let (insert_sha, session_sha, revoked_sha) = (
        RedisStore::script_sha1("insert_token").unwrap(),
        RedisStore::script_sha1("get_session").unwrap(),
        RedisStore::script_sha1("is_revoked").unwrap(),
    );
    let (user_key, hash) = (format!("{RB_PREFIX}u:bench"), format!("{RB_HASH_HEAD}__rand_int__"));
    let insert: Vec<&str> = vec![
        "EVALSHA",
        insert_sha,
        "1",
        &user_key,
        RB_PREFIX,
        "bench",
        &hash,
        "100",
        "2592000000",
        &now,
        "redacted",
        "tks_…AbCd",
        "created_at",
        &now,
    ];
    let token_key = format!("{RB_PREFIX}t:{hash}");
    let session: Vec<&str> = vec!["EVALSHA", session_sha, "1", &token_key, RB_PREFIX];
    let (uid_key, token_subject) = (format!("{RB_PREFIX}r:uid:bench"), format!("{RB_PREFIX}r:token:{hash}"));
    let padded_now = format!("{now:0>20}");
    let revoked: Vec<&str> =
        vec!["EVALSHA", revoked_sha, "2", &uid_key, &token_subject, RB_PREFIX, &padded_now, &padded_now];
    let uz_key = format!("{RB_PREFIX}uz:bench");
    rt.block_on(async {
        let rb = service(&url, RB_APP, 100).await;
        rb.create_user(NewUser { uid: "bench".into(), ..Default::default() }).await.unwrap();
        rb.create_auth_token("bench", TokenMeta::default()).await.unwrap(); // loads insert_token
        let mut conn = redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
        let fixed = |args: &[&str]| {
            let mut cmd = redis::cmd(args[0]);
            for a in &args[1..] {
                cmd.arg(a.replace("__rand_int__", "000000000000"));
            }
            cmd
        };
        let reply: Vec<String> = redis_cmd(&mut conn, &fixed(&insert)).await;
        assert_eq!(reply.first().map(String::as_str), Some("ok"), "insert_token replay");
        // Tokens for the validate replay: hashes RB_HASH_HEAD + 000000000000 … VALIDATE_KEYS - 1.
        for chunk in (0..VALIDATE_KEYS).collect::<Vec<_>>().chunks(1000) {
            let mut pipe = redis::pipe();
            for i in chunk {
                pipe.cmd("HSET")
                    .arg(format!("{RB_PREFIX}t:{RB_HASH_HEAD}{i:012}"))
                    .arg(&["uid", "bench", "seq", &i.to_string(), "redacted", "tks_…AbCd", "created_at", &now][..])
                    .ignore();
            }
            let () = pipe.query_async(&mut conn).await.unwrap();
        }
        ts.validate(&tokens[0]).await.unwrap(); // loads get_session and is_revoked
        let reply: Vec<Vec<String>> = redis_cmd(&mut conn, &fixed(&session)).await;
        assert_eq!(reply.len(), 2, "get_session replay finds token and user");
        let reply: i64 = redis_cmd(&mut conn, &fixed(&revoked)).await;
        assert_eq!(reply, 0, "is_revoked replay");
    });

    let (mut ours_c, mut ours_v, mut rb_c, mut rb_v) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds() {
        ours_c.push(rt.block_on(creates(&ts, &uids, ops, tasks)).0);
        let archived_before: u64 = rt.block_on(zcard(&url, &uz_key));
        rb_c.push(redis_benchmark(port, tasks, ops, i32::MAX, &insert));
        let archived = rt.block_on(zcard(&url, &uz_key)) - archived_before;
        assert!(archived as f64 >= 0.99 * ops as f64, "redis-benchmark's creates did not all archive ({archived})");
        ours_v.push(rt.block_on(validates(&ts, &tokens, ops * 2, tasks)));
        // Our validate is two round trips (session, then revocation), so is the replay's.
        let s = redis_benchmark(port, tasks, ops, VALIDATE_KEYS, &session);
        let r = redis_benchmark(port, tasks, ops, VALIDATE_KEYS, &revoked);
        rb_v.push(1.0 / (1.0 / s + 1.0 / r));
    }
    for (name, ours, theirs, what) in [
        (
            "redis: create with retention",
            median("redis create/s", ours_c),
            median("redis-benchmark create/s", rb_c),
            "EVALSHA insert_token",
        ),
        (
            "redis: validate",
            median("redis validate/s", ours_v),
            median("redis-benchmark validate/s", rb_v),
            "EVALSHA get_session + EVALSHA is_revoked",
        ),
    ] {
        let ratio = ours / theirs;
        rows.push(row(
            &format!("{name} ({tasks} in flight)"),
            format!("{} vs redis-benchmark {} ({what}, -c {tasks}): {ratio:.2}×", kops(ours), kops(theirs)),
            "≥ 0.5× redis-benchmark",
            Some(ratio >= 0.5),
        ));
    }
    drop(ts);
    drop(rt);
    drop(server);
}

async fn zcard(url: &str, key: &str) -> u64 {
    let mut conn = redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap();
    redis_cmd(&mut conn, redis::cmd("ZCARD").arg(key)).await
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn main() {
    const GROUPS: [&str; 4] = ["memory", "sqlite", "scale", "redis"];
    let asked: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if let Some(bad) = asked.iter().find(|a| !GROUPS.contains(&a.as_str())) {
        eprintln!("store bench: unknown group `{bad}` (groups: {})", GROUPS.join(", "));
        std::process::exit(2);
    }
    let run = |g: &str| asked.is_empty() || asked.iter().any(|a| a == g);

    let mut rows = Vec::new();
    let dir = bench_dir();
    if run("memory") {
        memory_rows(&mut rows);
    }
    if run("sqlite") {
        sqlite_rows(&mut rows, &dir.0);
    }
    if run("scale") {
        scale_rows(&mut rows, &dir.0);
    }
    if run("redis") {
        redis_rows(&mut rows);
    }
    drop(dir);

    println!("| operation | result | target | |");
    println!("|---|---|---|---|");
    for r in rows {
        let verdict = match r.pass {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "",
        };
        println!("| {} | {} | {} | {} |", r.name, r.value, r.target, verdict);
    }
}
