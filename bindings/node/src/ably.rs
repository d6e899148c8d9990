//! `ably.*`: TokenRequests, TokenDetails (Ably JWTs), and replay-protected verification.
//!
//! The JS layer passes the fields of `key`, `params` and `options` positionally and builds the
//! result objects from the flat tuples returned here. Each function reads its arguments, then
//! checks them, in the order the object-taking functions did, so the first error is the same.

use napi::Result;
use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use serde_json::{Number, Value};
use tokensmith::ably::{self, Key, MemoryNonceCache, RequestCheck, TokenCheck, TokenParams, TokenRequest};
use tokensmith::args;

use crate::convert::{CapabilityIn, context, field, if_changed, number, required, whole, whole_opt};
use crate::errors::IntoJs;

// Results leave out what the JS layer already has (key name, ttl, client id) unless reading it
// changed it (`if_changed`); `null` where absent.

/// `[capability, timestamp, nonce, mac, keyName, clientId]`.
type TokenRequestOut = (Option<String>, Number, String, String, Option<String>, Option<String>);
/// `[token, issued, expires, capability, keyName, clientId]`.
type TokenDetailsOut = (String, Number, Number, String, Option<String>, Option<String>);
/// `[iat, exp, capability, clientId]`.
type ClaimsOut = (Number, Number, String, Option<String>);
/// `[ttl, capability, clientId, timestamp, nonce]`.
type TokenParamsOut = (Option<Number>, Option<String>, Option<String>, Option<Number>, Option<String>);

/// The fields of an `AblyKey`.
struct KeyIn(String, String);

impl KeyIn {
    fn read(name: &Unknown<'_>, secret: &Unknown<'_>) -> Result<KeyIn> {
        Ok(KeyIn(required(name, ("AblyKey", "keyName"))?, required(secret, ("AblyKey", "keySecret"))?))
    }

    fn check(self) -> Result<Key> {
        Key::new(self.0, self.1).js()
    }
}

/// The fields of a `TokenParamsInput`.
struct ParamsIn {
    ttl: Option<f64>,
    capability: Option<CapabilityIn>,
    client_id: Option<String>,
    timestamp: Option<f64>,
    nonce: Option<String>,
}

impl ParamsIn {
    fn read(fields: [&Unknown<'_>; 5]) -> Result<ParamsIn> {
        const AT: &str = "TokenParamsInput";
        let [ttl, capability, client_id, timestamp, nonce] = fields;
        Ok(ParamsIn {
            ttl: field(ttl, (AT, "ttl"))?,
            capability: CapabilityIn::read(capability, (AT, "capability"))?,
            client_id: field(client_id, (AT, "clientId"))?,
            timestamp: field(timestamp, (AT, "timestamp"))?,
            nonce: field(nonce, (AT, "nonce"))?,
        })
    }

    fn check(self) -> Result<TokenParams> {
        Ok(TokenParams {
            ttl: whole_opt("ttl", self.ttl)?,
            capability: CapabilityIn::parse(self.capability)?,
            client_id: self.client_id,
            timestamp: whole_opt("timestamp", self.timestamp)?,
            nonce: self.nonce,
        })
    }
}

/// The fields of `VerifyRequestOptions`.
struct RequestCheckIn(Option<f64>, Option<f64>);

impl RequestCheckIn {
    fn read(now: &Unknown<'_>, window_ms: &Unknown<'_>) -> Result<RequestCheckIn> {
        const AT: &str = "VerifyRequestOptions";
        Ok(RequestCheckIn(field(now, (AT, "now"))?, field(window_ms, (AT, "windowMs"))?))
    }

    fn check(self) -> Result<RequestCheck<'static>> {
        let mut check = RequestCheck { now_ms: whole_opt("now", self.0)?, ..Default::default() };
        if let Some(w) = self.1 {
            check.window_ms = whole("window_ms", w)?;
        }
        Ok(check)
    }
}

fn wire_request(request: Value) -> Result<TokenRequest> {
    serde_json::from_value(crate::convert::whole_numbers(request))
        .map_err(|e| tokensmith::Error::MalformedToken { field: "token_request", reason: e.to_string(), vendor: None })
        .js()
}

fn token_params_out(p: TokenParams) -> TokenParamsOut {
    (p.ttl.map(number), p.capability.map(|c| c.canonical().to_owned()), p.client_id, p.timestamp.map(number), p.nonce)
}

/// `ably.createTokenRequest(key, params?)`.
#[napi(ts_return_type = "[string | null, number, string, string, string | null, string | null]")]
pub fn ably_create_token_request(
    key_name: Unknown,
    key_secret: Unknown,
    ttl: Unknown,
    capability: Unknown,
    client_id: Unknown,
    timestamp: Unknown,
    nonce: Unknown,
) -> Result<TokenRequestOut> {
    let key = KeyIn::read(&key_name, &key_secret)?;
    let params = ParamsIn::read([&ttl, &capability, &client_id, &timestamp, &nonce])?;
    let (key, params) = (key.check()?, params.check()?);
    let r = ably::create_token_request(context(), &key, &params).js()?;
    Ok((r.capability, number(r.timestamp), r.nonce, r.mac, if_changed(r.key_name), r.client_id.and_then(if_changed)))
}

/// `ably.verifyTokenRequest(request, key, options?)`.
#[napi(ts_return_type = "[number | null, string | null, string | null, number | null, string | null]")]
pub fn ably_verify_token_request(
    request: Value,
    key_name: Unknown,
    key_secret: Unknown,
    now: Unknown,
    window_ms: Unknown,
) -> Result<TokenParamsOut> {
    verify_request(request, &[key_name, key_secret, now, window_ms], None)
}

/// Shared by the function and `TokenRequestVerifier.verify` (which adds its nonce cache).
fn verify_request(
    request: Value,
    [key_name, key_secret, now, window_ms]: &[Unknown; 4],
    nonces: Option<&MemoryNonceCache>,
) -> Result<TokenParamsOut> {
    let key = KeyIn::read(key_name, key_secret)?;
    let check = RequestCheckIn::read(now, window_ms)?;
    let (req, mut check) = (wire_request(request)?, check.check()?);
    check.nonces = nonces.map(|n| n as &dyn ably::NonceCache);
    let params = ably::verify_token_request(context(), &req, &key.check()?, &check).js()?;
    Ok(token_params_out(params))
}

/// `ably.issueToken(key, params?, options?)`.
#[napi(ts_return_type = "[string, number, number, string, string | null, string | null]")]
#[allow(clippy::too_many_arguments)]
pub fn ably_issue_token(
    key_name: Unknown,
    key_secret: Unknown,
    ttl: Unknown,
    capability: Unknown,
    client_id: Unknown,
    timestamp: Unknown,
    nonce: Unknown,
    key_capability: Unknown,
    default_ttl: Unknown,
    max_ttl: Unknown,
) -> Result<TokenDetailsOut> {
    const AT: &str = "IssueTokenOptions";
    let key = KeyIn::read(&key_name, &key_secret)?;
    let params = ParamsIn::read([&ttl, &capability, &client_id, &timestamp, &nonce])?;
    let key_capability = CapabilityIn::read(&key_capability, (AT, "keyCapability"))?;
    let default_ttl = field(&default_ttl, (AT, "defaultTtl"))?;
    let max_ttl = field(&max_ttl, (AT, "maxTtl"))?;

    let key_capability = CapabilityIn::parse(key_capability)?;
    let (default_ttl, max_ttl) = (whole_opt("default_ttl", default_ttl)?, whole_opt("max_ttl", max_ttl)?);
    let opts = args::issue_options(key_capability, default_ttl, max_ttl);
    let (key, params) = (key.check()?, params.check()?);
    let t = ably::issue_token(context(), &key, &params, &opts).js()?;
    let (issued, expires) = (number(t.issued), number(t.expires));
    Ok((t.token, issued, expires, t.capability, if_changed(t.key_name), t.client_id.and_then(if_changed)))
}

/// `ably.verifyToken(token, key, options?)`.
#[napi(ts_return_type = "[number, number, string, string | null]")]
#[allow(clippy::too_many_arguments)]
pub fn ably_verify_token(
    token: String,
    key_name: Unknown,
    key_secret: Unknown,
    now: Unknown,
    leeway: Unknown,
    client_id: Unknown,
    resource: Unknown,
    operation: Unknown,
) -> Result<ClaimsOut> {
    const AT: &str = "VerifyTokenOptions";
    let key = KeyIn::read(&key_name, &key_secret)?;
    let (now, leeway) = (field(&now, (AT, "now"))?, field(&leeway, (AT, "leeway"))?);
    let client_id = field(&client_id, (AT, "clientId"))?;
    let resource = field(&resource, (AT, "resource"))?;
    let operation = field(&operation, (AT, "operation"))?;

    let check = TokenCheck {
        now_ms: whole_opt("now", now)?,
        leeway_secs: whole_opt("leeway", leeway)?.unwrap_or(0),
        client_id,
        operation: args::operation(resource, operation).js()?,
    };
    let c = ably::verify_token(context(), &token, &key.check()?, &check).js()?;
    Ok((number(c.iat), number(c.exp), c.capability, c.client_id))
}

/// Verifies TokenRequests and refuses a nonce seen before within the timestamp window;
/// `ably.TokenRequestVerifier` wraps it.
#[napi]
pub struct TokenRequestVerifier {
    nonces: MemoryNonceCache,
}

#[napi]
impl TokenRequestVerifier {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        TokenRequestVerifier { nonces: MemoryNonceCache::default() }
    }

    /// `verifier.verify(request, key, options?)`.
    #[napi(ts_return_type = "[number | null, string | null, string | null, number | null, string | null]")]
    pub fn verify(
        &self,
        request: Value,
        key_name: Unknown,
        key_secret: Unknown,
        now: Unknown,
        window_ms: Unknown,
    ) -> Result<TokenParamsOut> {
        verify_request(request, &[key_name, key_secret, now, window_ms], Some(&self.nonces))
    }
}
