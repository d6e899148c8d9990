//! `tokensmith.agora`: AccessToken2 chat tokens.

use pyo3::prelude::*;
use tokensmith::agora::{self, ChatTokenParams};

use crate::convert::{Int, context, to_py, whole, whole_opt};
use crate::errors::IntoPy;

fn params<'a>(
    app_id: &'a str,
    cert: &'a str,
    expire: Int,
    issue_ts: Option<Int>,
    salt: Option<Int>,
) -> PyResult<ChatTokenParams<'a>> {
    Ok(ChatTokenParams {
        app_id,
        app_certificate: cert,
        expire: whole("expire", expire)?,
        issue_ts: whole_opt("issue_ts", issue_ts)?,
        salt: whole_opt("salt", salt)?,
    })
}

#[pyfunction]
#[pyo3(signature = (app_id, app_certificate, user_id, expire, *, issue_ts=None, salt=None))]
pub fn agora_build_chat_user_token(
    app_id: &str,
    app_certificate: &str,
    user_id: &str,
    expire: Int,
    issue_ts: Option<Int>,
    salt: Option<Int>,
) -> PyResult<String> {
    let p = params(app_id, app_certificate, expire, issue_ts, salt)?;
    agora::build_chat_user_token(context(), &p, user_id).py()
}

#[pyfunction]
#[pyo3(signature = (app_id, app_certificate, expire, *, issue_ts=None, salt=None))]
pub fn agora_build_chat_app_token(
    app_id: &str,
    app_certificate: &str,
    expire: Int,
    issue_ts: Option<Int>,
    salt: Option<Int>,
) -> PyResult<String> {
    let p = params(app_id, app_certificate, expire, issue_ts, salt)?;
    agora::build_chat_app_token(context(), &p).py()
}

#[pyfunction]
pub fn agora_parse<'py>(py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &agora::parse(token).py()?)
}

#[pyfunction]
#[pyo3(signature = (token, app_certificate, *, now=None))]
pub fn agora_verify<'py>(
    py: Python<'py>,
    token: &str,
    app_certificate: &str,
    now: Option<Int>,
) -> PyResult<Bound<'py, PyAny>> {
    let now = whole_opt("now", now)?;
    to_py(py, &agora::verify(context(), token, app_certificate, now).py()?)
}
