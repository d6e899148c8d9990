//! `tokensmith::Error` → the Python exception class for its code. The classes live in
//! `tokensmith/errors.py` (picklable, one base class); Rust only instantiates them.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// Builds the exception through `tokensmith.errors._from_native(code, message, vendor_code, field,
/// status, server_code, retry_after_ms)`.
/// A provider failure's own error becomes the exception's `__cause__`.
pub fn to_py(e: tokensmith::Error) -> PyErr {
    Python::attach(|py| {
        static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let make = FROM_NATIVE
            .get_or_try_init(py, || py.import("tokensmith.errors")?.getattr("_from_native").map(Bound::unbind));
        let args =
            (e.code(), e.to_string(), e.vendor_code(), e.field(), e.status(), e.server_code(), e.retry_after_ms());
        match make.and_then(|f| f.call1(py, args)) {
            Ok(exc) => {
                let err = PyErr::from_value(exc.into_bound(py));
                if let Some(cause) = e.cause() {
                    err.set_cause(py, Some(to_py(cause.clone())));
                }
                err
            }
            Err(import_failed) => import_failed,
        }
    })
}

/// `Result<T, tokensmith::Error>` → `PyResult<T>`.
pub trait IntoPy<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for tokensmith::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
