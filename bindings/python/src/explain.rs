//! `tokensmith.explain(token, secret=None)` and the list of error codes.

use pyo3::prelude::*;

use crate::convert::{context, to_py};
use crate::errors::IntoPy;

#[pyfunction]
#[pyo3(signature = (token, secret=None))]
pub fn explain<'py>(py: Python<'py>, token: &str, secret: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &tokensmith::explain(context(), token, secret).py()?)
}

/// Every stable error code, so the Python layer can check it maps each one.
#[pyfunction]
pub fn error_codes() -> Vec<&'static str> {
    tokensmith::CODES.to_vec()
}
