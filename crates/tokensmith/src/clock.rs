//! The one injectable clock and random source every format uses.
//!
//! Production code uses [`Context::system`]; tests freeze time with
//! [`FixedClock`] and pin salts and nonces with [`SeqRandom`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> u64;
}

/// A source of unpredictable bytes.
pub trait Random: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicU64);

impl FixedClock {
    pub fn new(now_ms: u64) -> Self {
        FixedClock(AtomicU64::new(now_ms))
    }
    pub fn set(&self, now_ms: u64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The operating system CSPRNG, drawn through a small per-thread buffer.
///
/// One `getrandom` call costs about as much as an HMAC, and every salt and nonce needs only
/// 4 to 16 bytes, so each thread fetches 256 bytes at a time and hands them out once
/// each (they are zeroed as they are taken). The buffer records the process epoch it was filled
/// in and is discarded when that changed, so a `fork()`ed child (Python's multiprocessing,
/// pre-forking servers) never reuses its parent's bytes. Requests over 64 bytes go straight to
/// the OS.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

/// Bytes fetched per `getrandom` call.
const POOL_SIZE: usize = 256;
/// Larger requests bypass the buffer.
const POOL_DIRECT: usize = 64;

struct Pool {
    buf: [u8; POOL_SIZE],
    /// Next unused byte; `POOL_SIZE` when empty.
    pos: usize,
    /// The [`process_epoch`] in which `buf` was filled.
    epoch: u64,
}

thread_local! {
    static POOL: std::cell::RefCell<Pool> = const {
        std::cell::RefCell::new(Pool { buf: [0; POOL_SIZE], pos: POOL_SIZE, epoch: u64::MAX })
    };
}

/// Changes in a `fork()`ed child, so buffered bytes are never shared across processes.
///
/// On Unix it is a counter that a `pthread_atfork` child handler bumps: one atomic load per
/// draw, where comparing process ids costs a `getpid` system call each time (glibc no longer
/// caches it). Where the handler cannot be installed (and off Unix) it is the process id.
/// A child made by a raw `clone` system call skips atfork handlers; only `fork()` is covered.
fn process_epoch() -> u64 {
    #[cfg(unix)]
    if fork_watch::installed() {
        return fork_watch::generation();
    }
    // The high bit keeps process ids apart from fork generations.
    (1 << 63) | u64::from(std::process::id())
}

#[cfg(unix)]
mod fork_watch {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    static FORKS: AtomicU64 = AtomicU64::new(0);
    static INSTALLED: OnceLock<bool> = OnceLock::new();

    extern "C" fn in_child() {
        FORKS.fetch_add(1, Ordering::Relaxed);
    }

    pub fn installed() -> bool {
        // SAFETY: registers a handler that only touches an atomic, which is async-signal-safe
        // as the child side of fork() requires; nothing is unregistered later.
        *INSTALLED.get_or_init(|| unsafe { libc::pthread_atfork(None, None, Some(in_child)) } == 0)
    }

    pub fn generation() -> u64 {
        FORKS.load(Ordering::Relaxed)
    }
}

/// The OS source failing is unrecoverable and never happens on supported targets.
fn os_fill(buf: &mut [u8]) {
    getrandom::fill(buf).expect("operating system random source unavailable");
}

impl Random for OsRandom {
    fn fill(&self, out: &mut [u8]) {
        if out.len() > POOL_DIRECT {
            return os_fill(out);
        }
        POOL.with(|pool| {
            let p = &mut *pool.borrow_mut();
            let epoch = process_epoch();
            if p.epoch != epoch || p.pos + out.len() > POOL_SIZE {
                os_fill(&mut p.buf);
                p.pos = 0;
                p.epoch = epoch;
            }
            let taken = &mut p.buf[p.pos..p.pos + out.len()];
            out.copy_from_slice(taken);
            taken.fill(0); // handed out once; not kept in memory
            p.pos += out.len();
        });
    }
}

/// Predictable bytes (0, 1, 2, … continuing across calls) for tests. Never for production.
#[derive(Debug, Default)]
pub struct SeqRandom(AtomicU64);

impl Random for SeqRandom {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf {
            *b = self.0.fetch_add(1, Ordering::Relaxed) as u8;
        }
    }
}

/// Clock plus randomness, passed to everything that needs either.
#[derive(Clone)]
pub struct Context {
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
}

impl Context {
    /// The system clock and the OS CSPRNG.
    pub fn system() -> Self {
        Context { clock: Arc::new(SystemClock), random: Arc::new(OsRandom) }
    }

    /// A context with a fixed clock and a predictable random source, for tests.
    pub fn fixed(now_ms: u64) -> Self {
        Context { clock: Arc::new(FixedClock::new(now_ms)), random: Arc::new(SeqRandom::default()) }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    pub fn now_secs(&self) -> u64 {
        self.clock.now_ms() / 1000
    }

    pub fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut buf = [0u8; N];
        self.random.fill(&mut buf);
        buf
    }

    /// A uniform integer in `low..=high` (rejection sampling, no modulo bias).
    pub fn random_range(&self, low: u32, high: u32) -> u32 {
        debug_assert!(low <= high);
        let span = u64::from(high - low) + 1;
        let zone = u64::from(u32::MAX) + 1 - ((u64::from(u32::MAX) + 1) % span);
        loop {
            let v = u64::from(u32::from_le_bytes(self.random_bytes::<4>()));
            if v < zone {
                return low + (v % span) as u32;
            }
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::system()
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("now_ms", &self.now_ms()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance(500);
        assert_eq!(c.now_ms(), 1_500);
        c.set(7);
        assert_eq!(c.now_ms(), 7);
    }

    #[test]
    fn random_range_stays_in_bounds() {
        let ctx = Context::system();
        for _ in 0..10_000 {
            let v = ctx.random_range(1, 99_999_999);
            assert!((1..=99_999_999).contains(&v));
        }
        assert_eq!(ctx.random_range(5, 5), 5);
    }

    #[test]
    fn os_random_hands_out_fresh_bytes_across_refills() {
        // 5000 draws of 16 bytes cross ~300 refills; any repeat would be a reuse bug.
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5000 {
            let mut b = [0u8; 16];
            OsRandom.fill(&mut b);
            assert!(seen.insert(b), "repeated 16-byte draw");
        }
        let mut big = [0u8; 1000];
        OsRandom.fill(&mut big); // bypasses the pool
        assert!(big.iter().any(|&b| b != 0));
        let mut empty = [0u8; 0];
        OsRandom.fill(&mut empty);
    }

    #[test]
    fn os_random_buffers_are_per_thread() {
        let draw = || {
            let mut b = [0u8; 32];
            OsRandom.fill(&mut b);
            b
        };
        let here = draw();
        let there = std::thread::spawn(draw).join().unwrap();
        assert_ne!(here, there);
    }

    /// What a `fork()`ed child sees: a pool filled in another process epoch. It must refill,
    /// not hand out the bytes the parent still has buffered (and will use itself).
    #[test]
    fn os_random_refills_when_the_process_epoch_changes() {
        let mut b = [0u8; 16];
        OsRandom.fill(&mut b);
        let parents_next = POOL.with(|p| {
            let mut p = p.borrow_mut();
            p.epoch = p.epoch.wrapping_add(1);
            p.buf[p.pos..p.pos + 16].to_vec()
        });
        let mut child = [0u8; 16];
        OsRandom.fill(&mut child);
        assert_ne!(&child[..], &parents_next[..], "reused the parent's buffered bytes");
        let (pos, epoch) = POOL.with(|p| (p.borrow().pos, p.borrow().epoch));
        assert_eq!((pos, epoch), (16, process_epoch()));
    }

    /// A real `fork()`: the child's first draw must not be the bytes the parent has buffered.
    #[cfg(unix)]
    #[test]
    fn a_forked_child_never_draws_the_parents_buffered_bytes() {
        let mut b = [0u8; 16];
        OsRandom.fill(&mut b); // the pool is filled and installs the fork handler
        let parents_next: [u8; 16] = POOL.with(|p| {
            let p = p.borrow();
            p.buf[p.pos..p.pos + 16].try_into().unwrap()
        });
        let mut fds = [0i32; 2];
        // SAFETY: plain POSIX calls; the child only draws, writes to the pipe and `_exit`s
        // (no allocation, no locks the parent's other threads could hold).
        unsafe {
            assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
            let pid = libc::fork();
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                let mut child = [0u8; 16];
                OsRandom.fill(&mut child);
                libc::write(fds[1], child.as_ptr().cast(), 16);
                libc::_exit(0);
            }
            libc::close(fds[1]);
            let mut child = [0u8; 16];
            assert_eq!(libc::read(fds[0], child.as_mut_ptr().cast(), 16), 16);
            libc::close(fds[0]);
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
            assert_ne!(child, parents_next, "the child reused the parent's buffered bytes");
            assert_ne!(child, [0u8; 16]);
        }
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }
}
