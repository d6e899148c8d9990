//! `ably.*`: TokenRequests, TokenDetails (Ably JWTs), and replay-protected verification.

use napi::Result;
use napi_derive::napi;
use serde_json::Value;
use tokensmith::ably::{
    self, IssueOptions, Key, MemoryNonceCache, RequestCheck, TokenCheck, TokenParams, TokenRequest,
};
use tokensmith::args;

use crate::convert::{context, to_value, whole, whole_numbers, whole_opt};
use crate::errors::IntoJs;

#[napi(object)]
pub struct AblyKey {
    pub key_name: String,
    pub key_secret: String,
}

#[napi(object)]
pub struct TokenParamsInput {
    /// Milliseconds.
    pub ttl: Option<f64>,
    /// JSON text or an object of resource → operations.
    #[napi(ts_type = "string | Record<string, string[]>")]
    pub capability: Option<Value>,
    pub client_id: Option<String>,
    /// Milliseconds since the epoch; defaults to now.
    pub timestamp: Option<f64>,
    pub nonce: Option<String>,
}

#[napi(object)]
pub struct VerifyRequestOptions {
    /// Milliseconds since the epoch; defaults to now.
    pub now: Option<f64>,
    /// Accepted distance from now, either way (default 120000).
    pub window_ms: Option<f64>,
}

#[napi(object)]
pub struct IssueTokenOptions {
    /// What the key may grant (default `{"*":["*"]}`).
    #[napi(ts_type = "string | Record<string, string[]>")]
    pub key_capability: Option<Value>,
    /// Milliseconds (default 3600000).
    pub default_ttl: Option<f64>,
    /// Milliseconds (default and ceiling 86400000).
    pub max_ttl: Option<f64>,
}

#[napi(object)]
pub struct VerifyTokenOptions {
    /// Milliseconds since the epoch; defaults to now.
    pub now: Option<f64>,
    /// Seconds of clock skew tolerated.
    pub leeway: Option<f64>,
    /// The token must be for this client id (or `*`).
    pub client_id: Option<String>,
    /// With `operation`: the capability must allow it on this resource.
    pub resource: Option<String>,
    pub operation: Option<String>,
}

fn ably_key(k: AblyKey) -> Result<Key> {
    Key::new(k.key_name, k.key_secret).js()
}

fn token_params(p: Option<TokenParamsInput>) -> Result<TokenParams> {
    let Some(p) = p else {
        return Ok(TokenParams::default());
    };
    Ok(TokenParams {
        ttl: whole_opt("ttl", p.ttl)?,
        capability: p
            .capability
            .as_ref()
            .map(args::capability)
            .transpose()
            .js()?,
        client_id: p.client_id,
        timestamp: whole_opt("timestamp", p.timestamp)?,
        nonce: p.nonce,
    })
}

fn request_check(o: Option<VerifyRequestOptions>) -> Result<RequestCheck<'static>> {
    let o = o.unwrap_or(VerifyRequestOptions {
        now: None,
        window_ms: None,
    });
    let mut check = RequestCheck {
        now_ms: whole_opt("now", o.now)?,
        ..Default::default()
    };
    if let Some(w) = o.window_ms {
        check.window_ms = whole("window_ms", w)?;
    }
    Ok(check)
}

fn wire_request(request: Value) -> Result<TokenRequest> {
    serde_json::from_value(whole_numbers(request))
        .map_err(|e| tokensmith::Error::MalformedToken {
            field: "token_request",
            reason: e.to_string(),
            vendor: None,
        })
        .js()
}

#[napi(namespace = "ably", ts_return_type = "TokenRequest")]
pub fn create_token_request(key: AblyKey, params: Option<TokenParamsInput>) -> Result<Value> {
    to_value(&ably::create_token_request(&context(), &ably_key(key)?, &token_params(params)?).js()?)
}

#[napi(
    namespace = "ably",
    ts_args_type = "request: TokenRequest, key: AblyKey, options?: VerifyRequestOptions",
    ts_return_type = "TokenParams"
)]
pub fn verify_token_request(
    request: Value,
    key: AblyKey,
    options: Option<VerifyRequestOptions>,
) -> Result<Value> {
    let (req, check) = (wire_request(request)?, request_check(options)?);
    to_value(&ably::verify_token_request(&context(), &req, &ably_key(key)?, &check).js()?)
}

#[napi(namespace = "ably", ts_return_type = "TokenDetails")]
pub fn issue_token(
    key: AblyKey,
    params: Option<TokenParamsInput>,
    options: Option<IssueTokenOptions>,
) -> Result<Value> {
    let mut opts = IssueOptions::default();
    if let Some(o) = options {
        if let Some(c) = &o.key_capability {
            opts.key_capability = args::capability(c).js()?;
        }
        opts.default_ttl_ms =
            whole_opt("default_ttl", o.default_ttl)?.unwrap_or(opts.default_ttl_ms);
        opts.max_ttl_ms = whole_opt("max_ttl", o.max_ttl)?.unwrap_or(opts.max_ttl_ms);
    }
    to_value(&ably::issue_token(&context(), &ably_key(key)?, &token_params(params)?, &opts).js()?)
}

#[napi(namespace = "ably", ts_return_type = "AblyJwtClaims")]
pub fn verify_token(
    token: String,
    key: AblyKey,
    options: Option<VerifyTokenOptions>,
) -> Result<Value> {
    let mut check = TokenCheck::default();
    if let Some(o) = options {
        check.now_ms = whole_opt("now", o.now)?;
        check.leeway_secs = whole_opt("leeway", o.leeway)?.unwrap_or(0);
        check.client_id = o.client_id;
        check.operation = args::operation(o.resource, o.operation).js()?;
    }
    to_value(&ably::verify_token(&context(), &token, &ably_key(key)?, &check).js()?)
}

/// Verifies TokenRequests and refuses a nonce seen before within the timestamp window.
#[napi(namespace = "ably")]
pub struct TokenRequestVerifier {
    nonces: MemoryNonceCache,
}

#[napi(namespace = "ably")]
impl TokenRequestVerifier {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        TokenRequestVerifier {
            nonces: MemoryNonceCache::default(),
        }
    }

    #[napi(
        ts_args_type = "request: TokenRequest, key: AblyKey, options?: VerifyRequestOptions",
        ts_return_type = "TokenParams"
    )]
    pub fn verify(
        &self,
        request: Value,
        key: AblyKey,
        options: Option<VerifyRequestOptions>,
    ) -> Result<Value> {
        let (req, mut check) = (wire_request(request)?, request_check(options)?);
        check.nonces = Some(&self.nonces);
        to_value(&ably::verify_token_request(&context(), &req, &ably_key(key)?, &check).js()?)
    }
}
