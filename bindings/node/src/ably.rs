//! `ably.*`: TokenRequests, TokenDetails (Ably JWTs), and replay-protected verification.
//!
//! The JS layer passes the fields of `key`, `params` and `options` positionally and builds the
//! result objects from the flat tuples returned here. Each function reads its arguments, then
//! checks them, in the order the object-taking functions did, so the first error is the same.

use napi::bindgen_prelude::{Float64ArraySlice, ToNapiValue, Unknown};
use napi::{JsValue, Result, sys};
use napi_derive::napi;
use serde_json::{Number, Value};
use tokensmith::ably::{self, Key, MemoryNonceCache, RequestCheck, TokenCheck, TokenParams, TokenRequest};
use tokensmith::args;

use crate::convert::{
    CapabilityIn, context, field, field_f64, field_string, if_changed, number, read_str, required_string, whole,
    whole_opt,
};
use crate::errors::IntoJs;

// Results leave out what the JS layer already has (key name, ttl, client id) unless reading it
// changed it (`if_changed`); `null` where absent.

/// `[capability, timestamp, nonce, mac, keyName, clientId]`.
type TokenRequestOut = (Option<String>, Number, String, String, Option<String>, Option<String>);
/// `[token, issued, expires, capability, keyName, clientId]`.
type TokenDetailsOut = (String, Number, Number, String, Option<String>, Option<String>);
/// `[iat, exp, capability, clientId]`, when the times are past 2^53 − 1.
type ClaimsOut = (Number, Number, String, Option<String>);
/// `[ttl, capability, clientId, timestamp, nonce]`.
type TokenParamsOut = (Option<Number>, Option<String>, Option<String>, Option<Number>, Option<String>);

/// The fields of an `AblyKey`.
struct KeyIn(String, String);

impl KeyIn {
    fn read(name: &Unknown<'_>, secret: &Unknown<'_>) -> Result<KeyIn> {
        Ok(KeyIn(required_string(name, ("AblyKey", "keyName"))?, required_string(secret, ("AblyKey", "keySecret"))?))
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
            ttl: field_f64(ttl, (AT, "ttl"))?,
            capability: CapabilityIn::read(capability, (AT, "capability"))?,
            client_id: field_string(client_id, (AT, "clientId"))?,
            // Usually absent: `field` asks the type first, one call for `undefined`.
            timestamp: field(timestamp, (AT, "timestamp"))?,
            nonce: field(nonce, (AT, "nonce"))?,
        })
    }

    /// Leaves the capability as it crossed, for [`ably_issue_token`] to compare.
    fn check(&mut self) -> Result<TokenParams> {
        Ok(TokenParams {
            ttl: whole_opt("ttl", self.ttl)?,
            capability: CapabilityIn::parse(self.capability.as_ref())?,
            client_id: self.client_id.take(),
            timestamp: whole_opt("timestamp", self.timestamp)?,
            nonce: self.nonce.take(),
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
    let mut params = ParamsIn::read([&ttl, &capability, &client_id, &timestamp, &nonce])?;
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

/// What a key grants when neither the params nor the options name a capability; the JS layer
/// reads it from here for `ably.issueToken`'s short way.
#[napi]
pub const ABLY_CAPABILITY_ALL: &str = ably::Capability::ALL_TEXT;

/// `ably.issueToken` returns the token alone, its times in `times`, when the JS layer already
/// holds every other field: the granted capability is the text it passed (or [`ABLY_CAPABILITY_ALL`]), and key
/// name and client id crossed unchanged. Building a JS array costs more than the signature.
pub enum IssuedOut {
    Token(String),
    Details(TokenDetailsOut),
}

impl ToNapiValue for IssuedOut {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        match val {
            IssuedOut::Token(token) => {
                let mut out = std::ptr::null_mut();
                // The token is base64url and dots: ASCII, so Latin-1 is the same text, and V8
                // copies it as is instead of decoding UTF-8.
                let create =
                    if token.is_ascii() { sys::napi_create_string_latin1 } else { sys::napi_create_string_utf8 };
                // SAFETY: `env` is the current call's; the text is valid for its length.
                let status = unsafe { create(env, token.as_ptr().cast(), token.len() as isize, &mut out) };
                napi::check_status!(status, "Failed to create the token string")?;
                Ok(out)
            }
            // SAFETY: as above.
            IssuedOut::Details(details) => unsafe { ToNapiValue::to_napi_value(env, details) },
        }
    }
}

/// `ably.issueToken(key, params?, options?)`.
#[napi(ts_return_type = "string | [string, number, number, string, string | null, string | null]")]
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
    #[napi(ts_arg_type = "Float64Array")] times: Unknown,
) -> Result<IssuedOut> {
    const AT: &str = "IssueTokenOptions";
    let key = KeyIn::read(&key_name, &key_secret)?;
    let mut params = ParamsIn::read([&ttl, &capability, &client_id, &timestamp, &nonce])?;
    let key_capability_in = CapabilityIn::read(&key_capability, (AT, "keyCapability"))?;
    let default_ttl = field(&default_ttl, (AT, "defaultTtl"))?;
    let max_ttl = field(&max_ttl, (AT, "maxTtl"))?;

    let key_capability = CapabilityIn::parse(key_capability_in.as_ref())?;
    let (default_ttl, max_ttl) = (whole_opt("default_ttl", default_ttl)?, whole_opt("max_ttl", max_ttl)?);
    let opts = args::issue_options(key_capability, default_ttl, max_ttl);
    let (key, token_params) = (key.check()?, params.check()?);
    let t = ably::issue_jwt(context(), &key, &token_params, &opts).js()?;
    let capability = t.capability.canonical();

    // The text the JS layer returns as the capability on the short way, as `index.js` picks it.
    let passed = match (&params.capability, &key_capability_in) {
        (Some(c), _) => c.text(),
        (None, Some(k)) => k.text(),
        (None, None) => Some(ABLY_CAPABILITY_ALL),
    };
    // A lone surrogate became U+FFFD in what Rust read: the JS text differs, so send ours.
    let unchanged = |s: &str| s.is_ascii() || !s.contains('\u{FFFD}');
    let safe = |ms: u64| ms <= MAX_SAFE_INTEGER;
    if passed == Some(capability)
        && unchanged(capability)
        && unchanged(&key.name)
        && token_params.client_id.as_deref().is_none_or(unchanged)
        && safe(t.expires)
    {
        // SAFETY: read now, after the arguments (whose getters run JS code); no JS runs from
        // here to the return, and the JS layer reads the array right after it.
        let mut times: Float64ArraySlice = unsafe { times.cast() }?;
        if let [issued, expires] = unsafe { times.as_mut() } {
            (*issued, *expires) = (t.issued as f64, t.expires as f64);
            return Ok(IssuedOut::Token(t.token));
        }
    }
    let (issued, expires, capability) = (number(t.issued), number(t.expires), capability.to_owned());
    Ok(IssuedOut::Details((
        t.token,
        issued,
        expires,
        capability,
        if_changed(key.name),
        token_params.client_id.and_then(if_changed),
    )))
}

/// Past 2^53 − 1 a time crosses as a BigInt (see [`number`]), which a `Float64Array` cannot hold.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `ably.verifyToken` returns the capability and the client id joined in one string, and the
/// times and where to split in `out`: creating one string and writing numbers into a typed
/// array cost a fraction of building a JS array. Times past 2^53 − 1 take the array.
pub enum VerifiedOut {
    Joined(sys::napi_value),
    Claims(ClaimsOut),
}

impl ToNapiValue for VerifiedOut {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        match val {
            VerifiedOut::Joined(value) => Ok(value),
            // SAFETY: `env` is the current call's.
            VerifiedOut::Claims(claims) => unsafe { ToNapiValue::to_napi_value(env, claims) },
        }
    }
}

/// Tokens up to this many UTF-8 bytes are read without allocating.
const TOKEN_ON_STACK: usize = 2048;

/// `ably.verifyToken(token, key, options?)`: `capability + clientId`, with `out` =
/// `[iat, exp, capability length in UTF-16 units, 1 if a client id follows else 0]`.
#[napi(ts_return_type = "string | [number, number, string, string | null]")]
#[allow(clippy::too_many_arguments)]
pub fn ably_verify_token(
    #[napi(ts_arg_type = "string")] token: Unknown,
    key_name: Unknown,
    key_secret: Unknown,
    now: Unknown,
    leeway: Unknown,
    client_id: Unknown,
    resource: Unknown,
    operation: Unknown,
    #[napi(ts_arg_type = "Float64Array")] out: Unknown,
) -> Result<VerifiedOut> {
    const AT: &str = "VerifyTokenOptions";
    let mut token_buf = [0u8; TOKEN_ON_STACK];
    let token_heap;
    let token = match read_str(&token, &mut token_buf) {
        Some(token) => token,
        None => {
            // SAFETY: an argument of this call; napi's own conversion, with its error.
            token_heap = unsafe { token.cast::<String>() }?;
            token_heap.as_str()
        }
    };
    let key = KeyIn::read(&key_name, &key_secret)?;
    let (now, leeway) = (field_f64(&now, (AT, "now"))?, field_f64(&leeway, (AT, "leeway"))?);
    let client_id = field_string(&client_id, (AT, "clientId"))?;
    let resource = field_string(&resource, (AT, "resource"))?;
    let operation = field_string(&operation, (AT, "operation"))?;

    let check = TokenCheck {
        now_ms: whole_opt("now", now)?,
        leeway_secs: whole_opt("leeway", leeway)?.unwrap_or(0),
        client_id,
        operation: args::operation(resource, operation).js()?,
    };
    let key = key.check()?;
    let env = out.value().env;
    // SAFETY: read after the other arguments; no JS runs from here to the return, and the JS
    // layer reads the array right after it.
    let mut out: Float64ArraySlice = unsafe { out.cast() }?;
    let out = unsafe { out.as_mut() };
    ably::verify_token_with(context(), token, &key, &check, |c| joined(env, c, out)).js()?
}

/// The verified claims as [`VerifiedOut`]: the joined string, `out` filled in.
fn joined(env: sys::napi_env, c: ably::ClaimsRef<'_>, out: &mut [f64]) -> Result<VerifiedOut> {
    /// Room for most capabilities and client ids (longer ones: the heap).
    const ON_STACK: usize = 1024;
    let safe = c.iat <= MAX_SAFE_INTEGER && c.exp <= MAX_SAFE_INTEGER;
    let ([iat, exp, split, has_client_id], true) = (out, safe) else {
        let client_id = c.client_id.map(str::to_owned);
        return Ok(VerifiedOut::Claims((number(c.iat), number(c.exp), c.capability.to_owned(), client_id)));
    };
    let (capability, client_id) = (c.capability.as_bytes(), c.client_id.unwrap_or_default().as_bytes());
    let len = capability.len() + client_id.len();
    let (mut stack, mut heap) = ([0u8; ON_STACK], Vec::new());
    let text = if len <= ON_STACK {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        heap.as_mut_slice()
    };
    text[..capability.len()].copy_from_slice(capability);
    text[capability.len()..].copy_from_slice(client_id);
    // ASCII is the same text in Latin-1, which V8 copies as is instead of decoding UTF-8.
    let create = if text.is_ascii() { sys::napi_create_string_latin1 } else { sys::napi_create_string_utf8 };
    let mut value = std::ptr::null_mut();
    // SAFETY: `env` is the current call's; the text is valid for its length.
    let status = unsafe { create(env, text.as_ptr().cast(), len as isize, &mut value) };
    napi::check_status!(status, "Failed to create the claims string")?;
    let utf16_len = if capability.is_ascii() { capability.len() } else { c.capability.encode_utf16().count() };
    (*iat, *exp, *split) = (c.iat as f64, c.exp as f64, utf16_len as f64);
    *has_client_id = if c.client_id.is_some() { 1.0 } else { 0.0 };
    Ok(VerifiedOut::Joined(value))
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
