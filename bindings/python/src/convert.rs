//! Python values ↔ JSON values, and checked integers. Core results cross as dicts with the
//! core's (vendor) JSON field names, the same objects the Node package returns.

use std::sync::LazyLock;

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::errors::IntoPy;

/// An integer argument, range-checked by [`whole`]. An int beyond 64 bits is kept (as its decimal
/// text) so it becomes the same `INVALID_ARGUMENT` as any other out-of-range value, as in Node,
/// instead of pyo3's `OverflowError`; a value that is not an int stays pyo3's `TypeError`.
pub struct Int(Result<i64, String>);

impl<'a, 'py> FromPyObject<'a, 'py> for Int {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<i64>() {
            Ok(v) => Ok(Int(Ok(v))),
            Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => Ok(Int(Err(obj.str()?.to_str()?.to_owned()))),
            Err(e) => Err(e),
        }
    }
}

pub fn whole<T: TryFrom<i64>>(field: &'static str, v: Int) -> PyResult<T> {
    match v.0 {
        Ok(v) => tokensmith::args::whole_i64(field, v).py(),
        Err(text) => Err(tokensmith::Error::InvalidArgument { field, reason: format!("{text} is out of range") }).py(),
    }
}

pub fn whole_opt<T: TryFrom<i64>>(field: &'static str, v: Option<Int>) -> PyResult<Option<T>> {
    v.map(|v| whole(field, v)).transpose()
}

/// The system clock and the OS CSPRNG, made once.
pub fn context() -> &'static tokensmith::Context {
    static CONTEXT: LazyLock<tokensmith::Context> = LazyLock::new(tokensmith::Context::system);
    &CONTEXT
}

/// A capability given as JSON text (parsed once per distinct text, see
/// `args::capability_text`) or as a dict of resource → operations.
pub fn capability(c: &Bound<'_, PyAny>) -> PyResult<tokensmith::ably::Capability> {
    match c.cast::<PyString>() {
        Ok(text) => tokensmith::args::capability_text(text.to_str()?).py(),
        Err(_) => tokensmith::args::capability(&py_to_value(c)?).py(),
    }
}

pub fn to_py<'py, T: Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(v).map_err(|e| PyTypeError::new_err(e.to_string()))?;
    value_to_py(py, &value)
}

pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into_pyobject(py)?.into_any(),
            (None, Some(i)) => i.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// dict (any `Mapping`) / list / tuple / str / int / float / bool / None → JSON value; anything
/// else is a `TypeError`.
pub fn py_to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            Ok(Value::from(i))
        } else if let Ok(u) = obj.extract::<u64>() {
            Ok(Value::from(u))
        } else {
            // Beyond 64 bits (untrusted JSON can hold any int): a float, or null past f64, which
            // no field accepts, so the caller gets its typed error rather than an OverflowError.
            Ok(obj.extract::<f64>().ok().and_then(Number::from_f64).map_or(Value::Null, Value::Number))
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        Ok(Number::from_f64(f.value()).map(Value::Number).unwrap_or(Value::Null))
    } else if let Ok(s) = obj.cast::<PyString>() {
        Ok(Value::String(s.to_str()?.to_owned()))
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| PyTypeError::new_err("dict keys must be str"))?;
            map.insert(key.to_str()?.to_owned(), py_to_value(&v)?);
        }
        Ok(Value::Object(map))
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        obj.try_iter()?.map(|item| py_to_value(&item?)).collect::<PyResult<Vec<_>>>().map(Value::Array)
    } else if let Ok(m) = obj.cast::<PyMapping>() {
        let dict = PyDict::new(obj.py());
        dict.update(m)?;
        py_to_value(dict.as_any())
    } else {
        Err(PyTypeError::new_err(format!("cannot convert {} to JSON", obj.get_type().name()?)))
    }
}
