//! Core-operation benchmark: median ns/op of several timed runs, single thread, no framework.
//!
//!     cargo bench -p tokensmith --bench core
//!
//!     cargo bench -p tokensmith --bench core -- breakdown   # plus where the time goes
//!
//! Environment: `BENCH_RUNS` (runs per operation, default 11) and
//! `BENCH_MS` (target milliseconds per run, default 100). `bench/run.sh` pins the
//! process to one core with `taskset -c 0` and pastes the Markdown table printed here into
//! docs/benchmarks.md.
//!
//! Every operation runs the way the Node and Python packages call it: the system clock and the
//! OS CSPRNG (salts, nonces), inputs already validated types (capability parsed once), one
//! `Context` reused. The floor is one raw HMAC-SHA256 over 200 bytes.
//!
//! Targets (from the benchmark issue; speed goals live here, never in timed tests):
//! - an Ably TokenRequest `mac` (create_token_request) costs at most 3x one raw HMAC;
//! - a chat token costs at most 4 us.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokensmith::Context;
use tokensmith::ably::{self, Capability, IssueOptions, Key, TokenCheck, TokenParams};
use tokensmith::agora::{self, ChatTokenParams};
use tokensmith::auth_token;

const APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
const APP_CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";
const USER_ID: &str = "user-2882341273";
const KEY_NAME: &str = "xVLyHw.A-pwh7wCiHEATEl";
const KEY_SECRET: &str = "uqPm4yHQiMQGWc8bi4kRnqWv6Gc1trP5s3YvJ8mTqKR";
const CAPABILITY: &str = r#"{"chat:*":["publish","subscribe","presence"],"notifications":["subscribe"]}"#;
const CLIENT_ID: &str = "user-2882341273";
const TTL_MS: u64 = 3_600_000;

const FLOOR: &str = "hmac_sha256_200b";
const CHAT_TOKEN_TARGET_NS: f64 = 4_000.0;
const ABLY_MAC_TARGET_RATIO: f64 = 3.0;

struct Settings {
    runs: usize,
    run_time: Duration,
}

impl Settings {
    fn from_env() -> Self {
        let get = |name: &str, default: u64| {
            std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok()).filter(|&v| v > 0).unwrap_or(default)
        };
        Settings { runs: get("BENCH_RUNS", 11) as usize, run_time: Duration::from_millis(get("BENCH_MS", 100)) }
    }
}

#[derive(Clone, Copy)]
struct Sample {
    median_ns: f64,
    min_ns: f64,
    max_ns: f64,
}

/// Operations timed together: each is warmed up and given an iteration count so one run takes
/// about `run_time`; then `runs` rounds time every operation once, in rotating order, so all of
/// them (the HMAC floor included) share the same machine conditions. This VM's speed drifts by
/// tens of percent over seconds; interleaving keeps the ratios honest.
struct Bench<'a> {
    ops: Vec<(&'static str, Op<'a>)>,
}

/// One timed call; the result is fed to `black_box` so the work is not optimised away.
type Op<'a> = Box<dyn FnMut() -> usize + 'a>;

impl<'a> Bench<'a> {
    fn new() -> Self {
        Bench { ops: Vec::new() }
    }

    fn add(&mut self, name: &'static str, f: impl FnMut() -> usize + 'a) {
        self.ops.push((name, Box::new(f)));
    }

    fn run(mut self, s: &Settings) -> Vec<(&'static str, Sample)> {
        let time = |f: &mut Op<'a>, iters: u64| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(f());
            }
            t.elapsed()
        };
        // Warm up (caches, allocator, lazily created thread-locals) and calibrate.
        let iters: Vec<u64> = self
            .ops
            .iter_mut()
            .map(|(_, f)| {
                let mut n = 1u64;
                loop {
                    let el = time(f, n);
                    if el >= s.run_time / 4 {
                        let per = el.as_secs_f64() / n as f64;
                        break ((s.run_time.as_secs_f64() / per) as u64).max(1);
                    }
                    n *= 2;
                }
            })
            .collect();
        let k = self.ops.len();
        let mut per_call: Vec<Vec<f64>> = vec![Vec::with_capacity(s.runs); k];
        for round in 0..s.runs {
            for j in 0..k {
                let i = (round + j) % k;
                let el = time(&mut self.ops[i].1, iters[i]);
                per_call[i].push(el.as_nanos() as f64 / iters[i] as f64);
            }
        }
        self.ops
            .iter()
            .zip(per_call)
            .map(|((name, _), mut v)| {
                v.sort_by(f64::total_cmp);
                let sample = Sample { median_ns: v[v.len() / 2], min_ns: v[0], max_ns: v[v.len() - 1] };
                (*name, sample)
            })
            .collect()
    }
}

struct Row {
    op: &'static str,
    sample: Sample,
    target: Option<(String, bool)>,
}

/// 64 chat user tokens with distinct salts (so signatures and compressed bodies differ): a single
/// fixed input would let the branch predictor learn zlib and inflate paths and flatter them.
fn token_pool(ctx: &Context, chat: &ChatTokenParams<'_>) -> Vec<String> {
    (1..=64)
        .map(|salt| {
            let p = ChatTokenParams { salt: Some(salt * 1_234_567), ..*chat };
            agora::build_chat_user_token(ctx, &p, USER_ID).expect("user token")
        })
        .collect()
}

/// Cycles 0..64.
fn cycle() -> impl FnMut() -> usize {
    let mut i = 0usize;
    move || {
        i = (i + 1) & 63;
        i
    }
}

fn main() {
    // `cargo bench` passes `--bench` (and any filter); a filter selects operations by substring,
    // and `breakdown` times the pieces the two targeted operations are made of instead.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let s = Settings::from_env();
    if filter.as_deref() == Some("breakdown") {
        breakdown(&s);
        return;
    }
    let ctx = Context::system();

    // Inputs, built once (the bindings hand the core already-converted values).
    let chat =
        ChatTokenParams { app_id: APP_ID, app_certificate: APP_CERT, expire: 86_400, issue_ts: None, salt: None };
    let key = Key::new(KEY_NAME, KEY_SECRET).expect("valid key");
    let params = TokenParams {
        ttl: Some(TTL_MS),
        capability: Some(Capability::parse(CAPABILITY).expect("valid capability")),
        client_id: Some(CLIENT_ID.to_owned()),
        timestamp: None,
        nonce: None,
    };
    let issue_opts = IssueOptions::default();
    let check = TokenCheck::default();

    let tokens = token_pool(&ctx, &chat);
    for t in &tokens {
        agora::verify(&ctx, t, APP_CERT, None).expect("fresh token verifies");
    }
    let jwt = ably::issue_token(&ctx, &key, &params, &issue_opts).expect("issue").token;
    ably::verify_token(&ctx, &jwt, &key, &check).expect("fresh JWT verifies");

    // The floor: one HMAC-SHA256 (key setup included) over 200 bytes, as every format pays.
    let hmac_key = *b"0123456789abcdef0123456789abcdef";
    let msg = [0x5au8; 200];

    let verify_tokens = token_pool(&ctx, &chat);
    let (mut next_parse, mut next_verify) = (cycle(), cycle());
    let mut bench = Bench::new();
    macro_rules! add {
        ($op:expr, $f:expr $(,)?) => {
            bench.ops.push(($op, $f))
        };
    }
    add!(
        FLOOR,
        Box::new(|| {
            let mut mac = <Hmac<Sha256>>::new_from_slice(black_box(&hmac_key)).expect("any key");
            mac.update(black_box(&msg));
            mac.finalize().into_bytes()[0] as usize
        }),
    );
    add!(
        "agora.build_chat_user_token",
        Box::new(|| {
            agora::build_chat_user_token(&ctx, black_box(&chat), black_box(USER_ID)).expect("user token").len()
        }),
    );
    add!(
        "agora.build_chat_app_token",
        Box::new(|| { agora::build_chat_app_token(&ctx, black_box(&chat)).expect("app token").len() }),
    );
    add!("agora.parse", Box::new(|| { agora::parse(black_box(&tokens[next_parse()])).expect("parse").salt as usize }),);
    add!(
        "agora.verify",
        Box::new(|| {
            agora::verify(&ctx, black_box(&verify_tokens[next_verify()]), black_box(APP_CERT), None)
                .expect("verify")
                .salt as usize
        }),
    );
    add!(
        "ably.create_token_request",
        Box::new(|| {
            ably::create_token_request(&ctx, black_box(&key), black_box(&params)).expect("token request").mac.len()
        }),
    );
    add!(
        "ably.issue_token",
        Box::new(|| {
            ably::issue_token(&ctx, black_box(&key), black_box(&params), &issue_opts).expect("issue").token.len()
        }),
    );
    add!(
        "ably.verify_token",
        Box::new(|| {
            ably::verify_token(&ctx, black_box(&jwt), black_box(&key), &check).expect("verify").exp as usize
        }),
    );
    add!("auth_token.generate", Box::new(|| auth_token::generate(&ctx).len()),);

    // A filter keeps the matching operations (and always the floor).
    bench.ops.retain(|(op, _)| *op == FLOOR || filter.as_deref().is_none_or(|f| op.contains(f)));
    let mut rows: Vec<Row> = bench.run(&s).into_iter().map(|(op, sample)| Row { op, sample, target: None }).collect();
    let floor = rows[0].sample.median_ns;
    for row in &mut rows {
        let ns = row.sample.median_ns;
        row.target = match row.op {
            "agora.build_chat_user_token" | "agora.build_chat_app_token" => {
                Some((format!("≤ {:.0} µs", CHAT_TOKEN_TARGET_NS / 1000.0), ns <= CHAT_TOKEN_TARGET_NS))
            }
            "ably.create_token_request" => {
                Some((format!("≤ {ABLY_MAC_TARGET_RATIO:.0}× HMAC"), ns / floor <= ABLY_MAC_TARGET_RATIO))
            }
            _ => None,
        };
    }

    println!(
        "Rust core, single thread: median of {} interleaved runs (~{} ms each), ns per call; floor = one raw HMAC-SHA256 over 200 bytes.\n",
        s.runs,
        s.run_time.as_millis()
    );
    println!("| operation | median ns/op | ops/s | × HMAC floor | min–max ns | target | result |");
    println!("|---|--:|--:|--:|--:|---|---|");
    for row in &rows {
        let Sample { median_ns, min_ns, max_ns } = row.sample;
        let (target, result) = match &row.target {
            Some((t, ok)) => (t.as_str(), if *ok { "PASS" } else { "MISS" }),
            None => ("", ""),
        };
        println!(
            "| {} | {:.0} | {} | {:.2} | {:.0}–{:.0} | {} | {} |",
            row.op,
            median_ns,
            group(1e9 / median_ns),
            median_ns / floor,
            min_ns,
            max_ns,
            target,
            result
        );
    }
    let misses = rows.iter().filter(|r| matches!(r.target, Some((_, false)))).count();
    println!();
    if misses == 0 {
        println!("Rust targets: all PASS");
    } else {
        println!("Rust targets: {misses} MISS");
    }
}

/// Times the parts of a chat token and of a TokenRequest, rebuilt from the crate's public API
/// and its own dependencies (flate2, hmac, sha2, base64), to show where the time goes.
fn breakdown(s: &Settings) {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use flate2::{Compress, Compression, FlushCompress, Status};

    let ctx = Context::system();
    let chat =
        ChatTokenParams { app_id: APP_ID, app_certificate: APP_CERT, expire: 86_400, issue_ts: None, salt: None };
    let tokens = token_pool(&ctx, &chat);
    let parsed: Vec<_> = tokens.iter().map(|t| agora::parse(t).expect("parse")).collect();
    let payloads: Vec<Vec<u8>> = tokens.iter().map(|t| agora::decode_payload(t).expect("payload")).collect();
    let key = Key::new(KEY_NAME, KEY_SECRET).expect("valid key");
    let capability = Capability::parse(CAPABILITY).expect("valid capability");
    let params = TokenParams {
        ttl: Some(TTL_MS),
        capability: Some(capability.clone()),
        client_id: Some(CLIENT_ID.to_owned()),
        timestamp: None,
        nonce: None,
    };
    let req = ably::create_token_request(&ctx, &key, &params).expect("token request");
    let signed = req.signed_text();
    let hmac = |k: &[u8], m: &[u8]| -> [u8; 32] {
        let mut mac = <Hmac<Sha256>>::new_from_slice(k).expect("any key");
        mac.update(m);
        mac.finalize().into_bytes().into()
    };
    fn deflate(z: &mut Compress, out: &mut Vec<u8>, data: &[u8]) -> usize {
        out.clear();
        out.reserve(data.len() + 64);
        loop {
            let st = z.compress_vec(&data[z.total_in() as usize..], out, FlushCompress::Finish).expect("deflate");
            if st == Status::StreamEnd {
                return out.len();
            }
            out.reserve(64);
        }
    }
    let mut compressed = Vec::new();
    deflate(&mut Compress::new(Compression::new(6), true), &mut compressed, &payloads[0]);

    let (mut next_a, mut next_b, mut next_c) = (cycle(), cycle(), cycle());
    let mut z = Compress::new(Compression::new(6), true);
    let mut zout = Vec::with_capacity(256);
    let mut b = Bench::new();
    b.add(FLOOR, || hmac(black_box(b"0123456789abcdef0123456789abcdef"), black_box(&[0x5a; 200]))[0] as usize);
    b.add("chat: whole build_chat_user_token", || {
        agora::build_chat_user_token(&ctx, black_box(&chat), USER_ID).expect("token").len()
    });
    b.add("chat: clock (now_secs)", || ctx.now_secs() as usize);
    b.add("chat: salt (random_range → getrandom 4 B)", || ctx.random_range(1, agora::SALT_MAX) as usize);
    b.add("chat: encode_signing_info", || black_box(&parsed[next_a()]).encode_signing_info().expect("encode").len());
    b.add("chat: 3 × HMAC (k1, k2, signature)", || {
        let t = &parsed[next_b()];
        let k1 = hmac(&t.issue_ts.to_le_bytes(), black_box(APP_CERT).as_bytes());
        let k2 = hmac(&t.salt.to_le_bytes(), &k1);
        hmac(&k2, black_box(&t.signing_info))[0] as usize
    });
    b.add("chat: zlib deflate, reused state (reset + compress)", || {
        z.reset();
        deflate(&mut z, &mut zout, black_box(&payloads[next_c()]))
    });
    b.add("chat: base64 of the compressed payload", || {
        let mut t = String::with_capacity(256);
        t.push_str("007");
        STANDARD.encode_string(black_box(&compressed), &mut t);
        t.len()
    });
    b.add("mac: whole create_token_request", || {
        ably::create_token_request(&ctx, black_box(&key), black_box(&params)).expect("token request").mac.len()
    });
    b.add("mac: nonce (getrandom 16 B + base64url)", || URL_SAFE_NO_PAD.encode(ctx.random_bytes::<16>()).len());
    b.add("mac: clock (now_ms)", || ctx.now_ms() as usize);
    b.add("mac: Capability::parse (the bindings do it per call)", || {
        Capability::parse(black_box(CAPABILITY)).expect("capability").grants().len()
    });
    b.add("mac: Capability::canonical (serde_json)", || black_box(&capability).canonical().len());
    b.add("mac: clone key name + client id", || {
        key.name.clone().len() + black_box(&params).client_id.clone().map_or(0, |c| c.len())
    });
    b.add("mac: signed_text (format!)", || black_box(&req).signed_text().len());
    b.add("mac: HMAC over the signed text", || hmac(KEY_SECRET.as_bytes(), black_box(signed.as_bytes()))[0] as usize);
    b.add("mac: base64 of the mac", || STANDARD.encode(black_box([7u8; 32])).len());
    // What the core could do instead (a prototype here, not in the crate): draw the nonce from
    // a buffered OS CSPRNG and feed the HMAC field by field, with no intermediate text.
    let mut pool = RandomPool::default();
    let (params_ref, ctx_ref, key_ref) = (&params, &ctx, &key);
    b.add("mac (what-if): buffered nonce + HMAC fed by field", move || {
        let nonce = URL_SAFE_NO_PAD.encode(pool.take::<16>());
        let capability = black_box(params_ref).capability.as_ref().map(Capability::canonical);
        let timestamp = ctx_ref.now_ms();
        let mut mac = <Hmac<Sha256>>::new_from_slice(KEY_SECRET.as_bytes()).expect("any key");
        let mut digits = [0u8; 20];
        for part in [
            key_ref.name.as_bytes(),
            decimal(&mut digits, TTL_MS),
            capability.unwrap_or_default().as_bytes(),
            CLIENT_ID.as_bytes(),
        ] {
            mac.update(part);
            mac.update(b"\n");
        }
        mac.update(decimal(&mut digits, timestamp));
        mac.update(b"\n");
        mac.update(nonce.as_bytes());
        mac.update(b"\n");
        let req = ably::TokenRequest {
            key_name: key_ref.name.clone(),
            ttl: Some(TTL_MS),
            capability: capability.map(str::to_owned),
            client_id: Some(CLIENT_ID.to_owned()),
            timestamp,
            nonce,
            mac: STANDARD.encode(mac.finalize().into_bytes()),
        };
        req.mac.len()
    });
    let rows = b.run(s);

    let floor = rows[0].1.median_ns;
    println!(
        "Breakdown, single thread: median of {} interleaved runs, ns per call (signed text {} bytes, chat payload {} bytes → {} compressed).\n",
        s.runs,
        signed.len(),
        payloads[0].len(),
        compressed.len()
    );
    println!("| piece | median ns | × HMAC floor |");
    println!("|---|--:|--:|");
    for (name, sample) in rows {
        println!("| {name} | {:.0} | {:.2} |", sample.median_ns, sample.median_ns / floor);
    }
}

/// OS randomness fetched 512 bytes at a time (one getrandom call per 32 nonces).
#[derive(Default)]
struct RandomPool {
    buf: Vec<u8>,
    pos: usize,
}

impl RandomPool {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        if self.pos + N > self.buf.len() {
            self.buf.resize(512, 0);
            getrandom::fill(&mut self.buf).expect("OS randomness");
            self.pos = 0;
        }
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        out
    }
}

/// `v` in decimal, written into `buf`.
fn decimal(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

/// `1234567.8` → `1,234,568`.
fn group(v: f64) -> String {
    let digits = format!("{:.0}", v);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
