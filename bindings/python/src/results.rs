//! The Ably results as dicts, built directly (keys interned once) rather than through
//! `serde_json::Value`: the same keys, in the same order, with the same omissions as the
//! core's JSON form (`to_py` of the structs), which `tests/python` pins.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokensmith::ably::{Claims, TokenDetails, TokenParams, TokenRequest};

/// `keyName, ttl?, capability?, clientId?, timestamp, nonce, mac`.
pub fn token_request(py: Python<'_>, r: TokenRequest) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "keyName"), r.key_name)?;
    if let Some(ttl) = r.ttl {
        d.set_item(intern!(py, "ttl"), ttl)?;
    }
    if let Some(capability) = r.capability {
        d.set_item(intern!(py, "capability"), capability)?;
    }
    if let Some(client_id) = r.client_id {
        d.set_item(intern!(py, "clientId"), client_id)?;
    }
    d.set_item(intern!(py, "timestamp"), r.timestamp)?;
    d.set_item(intern!(py, "nonce"), r.nonce)?;
    d.set_item(intern!(py, "mac"), r.mac)?;
    Ok(d)
}

/// `token, keyName, issued, expires, capability, clientId?`.
pub fn token_details(py: Python<'_>, t: TokenDetails) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "token"), t.token)?;
    d.set_item(intern!(py, "keyName"), t.key_name)?;
    d.set_item(intern!(py, "issued"), t.issued)?;
    d.set_item(intern!(py, "expires"), t.expires)?;
    d.set_item(intern!(py, "capability"), t.capability)?;
    if let Some(client_id) = t.client_id {
        d.set_item(intern!(py, "clientId"), client_id)?;
    }
    Ok(d)
}

/// `iat, exp, x-ably-capability, x-ably-clientId?`.
pub fn claims(py: Python<'_>, c: Claims) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "iat"), c.iat)?;
    d.set_item(intern!(py, "exp"), c.exp)?;
    d.set_item(intern!(py, "x-ably-capability"), c.capability)?;
    if let Some(client_id) = c.client_id {
        d.set_item(intern!(py, "x-ably-clientId"), client_id)?;
    }
    Ok(d)
}

/// `ttl, capability, clientId, timestamp, nonce`, `None` where absent.
pub fn token_params(py: Python<'_>, p: TokenParams) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "ttl"), p.ttl)?;
    d.set_item(intern!(py, "capability"), p.capability.as_ref().map(|c| c.canonical()))?;
    d.set_item(intern!(py, "clientId"), p.client_id)?;
    d.set_item(intern!(py, "timestamp"), p.timestamp)?;
    d.set_item(intern!(py, "nonce"), p.nonce)?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::to_py;
    use tokensmith::ably::{self, Capability, IssueOptions, Key, TokenCheck};

    /// Each dict equals, key order included, the one built through the struct's JSON form.
    #[test]
    fn dicts_match_the_json_form() {
        Python::initialize();
        Python::attach(|py| {
            let ctx = tokensmith::Context::fixed(1_700_000_000_000);
            let key = Key::new("app.key", "secret").unwrap();
            let same = |a: Bound<'_, PyDict>, b: Bound<'_, PyAny>| {
                let (a, b) = (a.repr().unwrap().to_string(), b.repr().unwrap().to_string());
                assert_eq!(a, b);
            };
            let full = TokenParams {
                ttl: Some(60_000),
                capability: Some(Capability::parse(r#"{"a":["publish"]}"#).unwrap()),
                client_id: Some("bob".into()),
                ..Default::default()
            };
            for p in [TokenParams::default(), full] {
                let r = ably::create_token_request(&ctx, &key, &p).unwrap();
                same(token_request(py, r.clone()).unwrap(), to_py(py, &r).unwrap());
                let t = ably::issue_token(&ctx, &key, &p, &IssueOptions::default()).unwrap();
                same(token_details(py, t.clone()).unwrap(), to_py(py, &t).unwrap());
                let c = ably::verify_token(&ctx, &t.token, &key, &TokenCheck::default()).unwrap();
                same(claims(py, c.clone()).unwrap(), to_py(py, &c).unwrap());
                let checked = ably::verify_token_request(&ctx, &r, &key, &Default::default()).unwrap();
                same(token_params(py, checked.clone()).unwrap(), to_py(py, &checked).unwrap());
            }
        });
    }
}
