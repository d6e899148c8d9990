//! Shared by the session tests: a seeded random source, a scripted provider, and helpers that
//! drive a [`ManualTimer`] and read events. Nothing here sleeps; the one real-time bound
//! ([`GUARD`]) only turns a bug that would hang into a failure.
#![allow(dead_code)] // each test file uses a different part

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokensmith::Random;
use tokensmith::session::{
    Credential, FetchError, FetchParams, ManualTimer, Provider, Session, SessionConfig, SessionEvent,
};
use tokio::sync::{Semaphore, broadcast};

pub const T0: u64 = 1_800_000_000_000;
pub const HOUR: u64 = 3_600_000;
/// Only against hangs; no test asserts how fast anything is.
pub const GUARD: Duration = Duration::from_secs(60);

/// SplitMix64: reproducible randomness from a seed.
pub struct Seeded(Mutex<u64>);

impl Seeded {
    pub fn new(seed: u64) -> Arc<Self> {
        Arc::new(Seeded(Mutex::new(seed)))
    }
}

impl Random for Seeded {
    fn fill(&self, buf: &mut [u8]) {
        let mut s = self.0.lock().unwrap();
        for chunk in buf.chunks_mut(8) {
            *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

type Script = dyn Fn(usize, &FetchParams) -> Result<Credential, FetchError> + Send + Sync;

/// A provider whose n-th fetch (from 1) answers `script(n, params)`; fetches from `gate_from`
/// on first wait for a permit on `gate`.
pub struct Scripted {
    calls: AtomicUsize,
    script: Box<Script>,
    gate: Arc<Semaphore>,
    gate_from: usize,
}

impl Scripted {
    pub fn new(
        script: impl Fn(usize, &FetchParams) -> Result<Credential, FetchError> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Self::gated(usize::MAX, script)
    }

    pub fn gated(
        gate_from: usize,
        script: impl Fn(usize, &FetchParams) -> Result<Credential, FetchError> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Scripted {
            calls: AtomicUsize::new(0),
            script: Box::new(script),
            gate: Arc::new(Semaphore::new(0)),
            gate_from,
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn open_gate(&self, permits: usize) {
        self.gate.add_permits(permits);
    }
}

#[async_trait::async_trait]
impl Provider for Scripted {
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.gate_from {
            self.gate.acquire().await.expect("gate open").forget();
        }
        (self.script)(n, params)
    }
}

/// `token-n`, valid for `ttl` from the provider's (server) clock.
pub fn token(n: usize, params: &FetchParams, ttl: u64) -> Credential {
    let now = params.context.now_ms();
    Credential::new(format!("token-{n}"), Some(now + ttl)).with_issued(now)
}

/// A session on `timer`'s clock with seeded randomness, and its event stream from the start.
pub fn start(
    provider: Arc<dyn Provider>,
    timer: &Arc<ManualTimer>,
    seed: u64,
    config: SessionConfig,
) -> (Session, broadcast::Receiver<SessionEvent>) {
    let builder =
        Session::builder(provider).config(config).context(timer.context(Seeded::new(seed))).timer(timer.clone());
    let events = builder.subscribe();
    (builder.start().expect("session starts"), events)
}

pub async fn next(events: &mut broadcast::Receiver<SessionEvent>) -> SessionEvent {
    guard(events.recv()).await.expect("event stream open")
}

/// Awaits `f`, failing instead of hanging if it never completes.
pub async fn guard<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, f).await.expect("did not complete (hang guard)")
}

/// Lets other tasks run until `done` holds (a bounded number of scheduler turns).
pub async fn settle(mut done: impl FnMut() -> bool) {
    for _ in 0..100_000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("condition never held");
}
