//! The one tokio runtime of the process, and `Call`: a core operation waiting to run on it,
//! either blocking (`call.wait()`, the interpreter released) or awaited from asyncio (`await call`).
//!
//! Fork: a child process inherits the runtime's state but none of its threads, so a runtime
//! built in another process is never used (it would hang) nor dropped (dropping waits for those
//! threads): the child builds its own and leaks the parent's. The locks here are only taken
//! while attached to the interpreter, and `os.fork()` holds the interpreter too, so a fork never
//! happens while one of them is held.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use serde::Serialize;
use tokio::runtime::Runtime;

use crate::convert::to_py;
use crate::errors::IntoPy;

/// Turns a core result into a Python object, once attached.
pub type Convert = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;
/// A core operation: no Python objects inside, so it runs detached, on any thread.
pub type Operation = Pin<Box<dyn Future<Output = tokensmith::Result<Convert>> + Send>>;
/// What an awaited operation ended with (`Err`: it panicked, described).
type Outcome = Result<tokensmith::Result<Convert>, String>;

/// The converter for a serializable core result (as the JSON form, like every other result).
pub fn json<T: Serialize + Send + 'static>(result: tokensmith::Result<T>) -> tokensmith::Result<Convert> {
    result.map(|v| Box::new(move |py: Python<'_>| Ok(to_py(py, &v)?.unbind())) as Convert)
}

struct Current {
    pid: u32,
    runtime: &'static Runtime,
}

static CURRENT: Mutex<Option<Current>> = Mutex::new(None);

/// The runtime of this process, built on first use (and again in a forked child).
pub fn runtime(_attached: Python<'_>) -> PyResult<&'static Runtime> {
    let mut current = CURRENT.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some(c) = current.as_ref().filter(|c| c.pid == pid) {
        return Ok(c.runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Only a few GIL waits (see `Call::__await__`) and DNS lookups run here.
        .max_blocking_threads(8)
        .thread_name("tokensmith")
        .enable_all()
        .build()
        .map_err(|e| tokensmith::Error::StoreUnavailable(format!("cannot start the async runtime: {e}")))
        .py()?;
    // Leaked, as the parent's (if any) is: it lives as long as the process.
    let runtime = Box::leak(Box::new(runtime));
    *current = Some(Current { pid, runtime });
    Ok(runtime)
}

/// A core operation not started yet; it runs once, through `wait()` or `await`.
#[pyclass(frozen, module = "tokensmith._native")]
pub struct Call {
    operation: Mutex<Option<Operation>>,
}

impl Call {
    pub fn new(operation: Operation) -> Call {
        Call { operation: Mutex::new(Some(operation)) }
    }

    fn take(&self) -> PyResult<Operation> {
        let taken = self.operation.lock().unwrap_or_else(PoisonError::into_inner).take();
        taken.ok_or_else(|| PyRuntimeError::new_err("this call has already run"))
    }
}

#[pymethods]
impl Call {
    /// Runs the operation to completion on the calling thread, the interpreter released.
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let operation = self.take()?;
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(PyRuntimeError::new_err(
                "cannot wait for a tokensmith call on the async runtime's own threads",
            ));
        }
        let runtime = runtime(py)?;
        let convert = py.detach(|| runtime.block_on(operation)).py()?;
        convert(py)
    }

    /// Spawns the operation on the runtime; the asyncio future it returns completes on the
    /// caller's event loop. Cancelling that future does not stop the operation (a store step
    /// is never cut in half): it finishes, and its result is dropped.
    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let operation = self.take()?;
        let event_loop = py.import(intern!(py, "asyncio"))?.call_method0(intern!(py, "get_running_loop"))?;
        let waiter = event_loop.call_method0(intern!(py, "create_future"))?;
        crate::background::guard_exit(py)?;
        let (loop_ref, waiter_ref) = (event_loop.unbind(), waiter.clone().unbind());
        runtime(py)?.spawn(async move {
            // In a task of its own, so even a panic settles the future (as `wait()` would raise).
            let outcome = tokio::spawn(operation).await.map_err(|e| e.to_string());
            // Waiting for the interpreter off the workers, so other operations keep running.
            // Guarded: a thread taking the interpreter back during finalization crashes it.
            let deliver = move || crate::background::attach(|py| deliver(py, &loop_ref, waiter_ref, outcome));
            drop(tokio::task::spawn_blocking(deliver));
        });
        waiter.call_method0(intern!(py, "__await__"))
    }
}

/// Hands the outcome to the event loop's thread, which settles the future unless it is done
/// (cancelled) by then. A loop closed meanwhile has nobody left to tell.
fn deliver(py: Python<'_>, event_loop: &Py<PyAny>, waiter: Py<PyAny>, outcome: Outcome) {
    let result = outcome.map_err(PanicException::new_err).and_then(|r| r.py()).and_then(|convert| convert(py));
    let (failed, value) = match result {
        Ok(value) => (false, value),
        Err(e) => (true, e.into_value(py).into_any()),
    };
    static SETTLE: PyOnceLock<Py<PyCFunction>> = PyOnceLock::new();
    let settle = SETTLE.get_or_try_init(py, || PyCFunction::new_closure(py, None, None, settle).map(Bound::unbind));
    if let Ok(settle) = settle {
        let _ = event_loop.call_method1(py, intern!(py, "call_soon_threadsafe"), (settle, waiter, failed, value));
    }
}

/// `settle(waiter, failed, value)`, on the event loop's thread.
fn settle(args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let (waiter, failed, value): (Bound<'_, PyAny>, bool, Bound<'_, PyAny>) = args.extract()?;
    let py = args.py();
    if !waiter.call_method0(intern!(py, "done"))?.is_truthy()? {
        let method = if failed { intern!(py, "set_exception") } else { intern!(py, "set_result") };
        waiter.call_method1(method, (value,))?;
    }
    Ok(())
}
