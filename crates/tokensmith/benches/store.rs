//! Retention-store benchmark: create-with-retention and validate per backend, memory per
//! retained token, and SQLite create latency at scale. One run prints a Markdown table.
//!
//!     cargo bench -p tokensmith --bench store
//!
//! Environment: `STORE_BENCH_SCALE_USERS` (default 100000) × 100 tokens for the SQLite
//! latency-at-scale row (set it lower for a quick run); `STORE_BENCH_DIR` for the SQLite files
//! (default: a temporary directory on the same disk as the target dir).
//!
//! Targets (speed goals live here, never in timed tests): memory ≥ 500k creates/s on one core;
//! ≤ 200 bytes per retained token at 1M tokens; SQLite ≥ 20k durable creates/s and ≥ 100k
//! validates/s.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use tokensmith::service::NewUser;
use tokensmith::store::TokenMeta;
use tokensmith::{Config, Context, Tokensmith};

/// Counts live heap bytes, for the bytes-per-token row.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
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

async fn service(url: &str, retention: u32) -> Tokensmith {
    Tokensmith::open(url, Config { retention, ..Config::default() }).await.unwrap()
}

async fn users(ts: &Tokensmith, n: usize) -> Vec<String> {
    let mut uids = Vec::with_capacity(n);
    for i in 0..n {
        let uid = format!("user-{i}");
        ts.create_user(NewUser { uid: uid.clone(), ..Default::default() }).await.unwrap();
        uids.push(uid);
    }
    uids
}

/// `ops` creates spread over `uids` from `tasks` concurrent tasks; returns (ops/s, latencies).
async fn creates(ts: &Tokensmith, uids: &Arc<Vec<String>>, ops: usize, tasks: usize) -> (f64, Vec<Duration>) {
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let (ts, uids) = (ts.clone(), uids.clone());
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(ops / tasks);
                for i in (t..ops).step_by(tasks) {
                    let t0 = Instant::now();
                    ts.create_auth_token(&uids[i % uids.len()], TokenMeta::default()).await.unwrap();
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

/// `ops` validates of `tokens` from `tasks` concurrent tasks; returns ops/s.
async fn validates(ts: &Tokensmith, tokens: &Arc<Vec<String>>, ops: usize, tasks: usize) -> f64 {
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let (ts, tokens) = (ts.clone(), tokens.clone());
            tokio::spawn(async move {
                for i in (t..ops).step_by(tasks) {
                    ts.validate(&tokens[i % tokens.len()]).await.unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

fn percentile(lat: &mut [Duration], p: f64) -> Duration {
    lat.sort();
    lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)]
}

fn kops(v: f64) -> String {
    format!("{:.0}k/s", v / 1000.0)
}

async fn sample_tokens(ts: &Tokensmith, uids: &[String], n: usize) -> Arc<Vec<String>> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        tokens.push(ts.create_auth_token(&uids[i % uids.len()], TokenMeta::default()).await.unwrap().auth_token);
    }
    Arc::new(tokens)
}

fn bench_dir() -> std::path::PathBuf {
    let base = std::env::var("STORE_BENCH_DIR").map(Into::into).unwrap_or_else(|_| std::env::temp_dir());
    let dir = base.join(format!("tokensmith-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn main() {
    let mut rows = Vec::new();
    // Memory, one core: a current-thread runtime, so everything runs on this thread.
    let one = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    one.block_on(async {
        let ts = service("memory://", 100).await;
        let uids = Arc::new(users(&ts, 1000).await);
        creates(&ts, &uids, 100_000, 1).await; // warm-up: every user at its retention limit
        let (rate, _) = creates(&ts, &uids, 500_000, 1).await;
        rows.push(row("memory: create with retention (1 core)", kops(rate), "≥ 500k/s", Some(rate >= 500_000.0)));
        let tokens = sample_tokens(&ts, &uids, 10_000).await;
        let rate = validates(&ts, &tokens, 1_000_000, 1).await;
        rows.push(row("memory: validate (1 core)", kops(rate), "", None));
    });
    one.block_on(async {
        let before = LIVE.load(Ordering::Relaxed);
        let ts = service("memory://", 100).await;
        let uids = Arc::new(users(&ts, 10_000).await);
        let after_users = LIVE.load(Ordering::Relaxed);
        creates(&ts, &uids, 1_000_000, 1).await;
        let per_token = (LIVE.load(Ordering::Relaxed) - after_users) as f64 / 1_000_000.0;
        let _ = before;
        rows.push(row(
            "memory: heap per retained token (1M tokens, 10k users)",
            format!("{per_token:.0} B"),
            "≤ 200 B",
            Some(per_token <= 200.0),
        ));
    });

    let multi = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = bench_dir();
    multi.block_on(async {
        let url = format!("sqlite://{}", dir.join("throughput.db").display());
        let ts = service(&url, 100).await;
        let uids = Arc::new(users(&ts, 1000).await);
        let (rate, mut lat) = creates(&ts, &uids, 100_000, 256).await;
        let p99 = percentile(&mut lat, 0.99);
        rows.push(row(
            "sqlite: durable create with retention (256 in flight)",
            format!("{} (p99 {:.1} ms)", kops(rate), p99.as_secs_f64() * 1e3),
            "≥ 20k/s",
            Some(rate >= 20_000.0),
        ));
        let tokens = sample_tokens(&ts, &uids, 10_000).await;
        let rate = validates(&ts, &tokens, 400_000, 8).await;
        rows.push(row("sqlite: validate (8 in flight)", kops(rate), "≥ 100k/s", Some(rate >= 100_000.0)));
    });
    multi.block_on(async {
        let n_users: usize =
            std::env::var("STORE_BENCH_SCALE_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
        let url = format!("sqlite://{}", dir.join("scale.db").display());
        let ts = service(&url, 100).await;
        let uids = Arc::new(users(&ts, n_users).await);
        let t0 = Instant::now();
        creates(&ts, &uids, n_users * 100, 256).await;
        let fill = t0.elapsed();
        let (_, mut lat) = creates(&ts, &uids, 20_000, 16).await;
        let (p50, p99) = (percentile(&mut lat, 0.5), percentile(&mut lat, 0.99));
        rows.push(row(
            &format!("sqlite: create at {}k users × 100 tokens (16 in flight)", n_users / 1000),
            format!(
                "p50 {:.2} ms, p99 {:.2} ms (filled in {:.0} s)",
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
                fill.as_secs_f64()
            ),
            "report",
            None,
        ));
    });
    let _ = std::fs::remove_dir_all(&dir);

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
    let _ = Context::system();
}
