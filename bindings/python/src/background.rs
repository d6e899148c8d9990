//! Attaching to the interpreter from the runtime's threads, safely around interpreter exit.
//!
//! Before 3.14, CPython ends a thread that takes the interpreter back once finalization has
//! begun (`PyThread_exit_thread`). A runtime thread inside a Python call that released the
//! interpreter meanwhile (a socket write in `call_soon_threadsafe`, a callback's I/O) would be
//! unwound through Rust frames that then touch Python objects unattached: a crash at exit.
//! So the first session or awaited call registers an `atexit` hook (run before finalization)
//! that stops new background attaches and waits, detached, for those in flight to finish.
//!
//! User code (callbacks, listeners) runs on a thread of its own, not on one of the runtime's:
//! there it may call tokensmith's blocking API itself (`Call.wait()` refuses runtime threads).

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};

static EXITING: AtomicBool = AtomicBool::new(false);
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// How long exit waits for a callback still running (then it exits regardless).
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// Registers the `atexit` hook, once per process (a forked child inherits it).
pub fn guard_exit(py: Python<'_>) -> PyResult<()> {
    static REGISTERED: Once = Once::new();
    let mut result = Ok(());
    REGISTERED.call_once(|| {
        result = PyCFunction::new_closure(py, None, None, on_exit)
            .and_then(|hook| py.import("atexit")?.call_method1("register", (hook,)).map(drop));
    });
    result
}

fn on_exit(args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    EXITING.store(true, Ordering::SeqCst);
    args.py().detach(|| {
        let deadline = Instant::now() + EXIT_WAIT;
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    Ok(())
}

/// `f` attached, from a runtime thread; `None` once the interpreter is exiting.
pub fn attach<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        }
    }
    // Counted before the check, so the exit hook either sees this call or it sees the flag.
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let _counted = Counted;
    if EXITING.load(Ordering::SeqCst) { None } else { Python::try_attach(f) }
}

/// `f` attached on a new thread (user code: see the module doc); `None` if the interpreter is
/// exiting or the thread could not start.
pub async fn run<R: Send + 'static>(f: impl for<'py> FnOnce(Python<'py>) -> R + Send + 'static) -> Option<R> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("tokensmith-callback".into()).spawn(move || {
        let _ = tx.send(attach(f));
    });
    match spawned {
        Ok(_) => rx.await.ok().flatten(),
        Err(_) => None,
    }
}
