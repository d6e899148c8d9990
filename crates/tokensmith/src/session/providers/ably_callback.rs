//! Ably's `authCallback` (ably-token-auth §7): user code that answers TokenDetails, a signed
//! TokenRequest, or a token string. A TokenRequest still has to be exchanged for a token at the
//! authority's `requestToken`; that step is an [`Exchanger`] (the REST client provides the HTTP
//! one; [`LocalExchanger`] plays the authority in-process).

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use crate::ably::{self, IssueOptions, Key, MemoryNonceCache, RequestCheck, TokenParams, TokenRequest};
use crate::error::{Error, Result};
use crate::session::engine::MAX_TOKEN_LEN;
use crate::session::failure::{Failure, to_error};
use crate::session::{AuthCallback, Credential, FetchError, FetchParams, Provider, TokenFormat};

/// What an `authCallback` (or an authUrl's body) may answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthCallbackResult {
    /// TokenDetails: used as is.
    Details(Credential),
    /// A signed TokenRequest: exchanged for a token first.
    Request(TokenRequest),
}

impl AuthCallbackResult {
    /// A bare token string (an Ably token or a JWT), refused as ably-js refuses it: empty,
    /// `"null"`, `"undefined"`, starting with `{` (double-encoded JSON), or over 128 KiB.
    pub fn from_token(token: &str) -> Result<Self> {
        let unusable = match token {
            "" => "an empty token",
            "null" | "undefined" => "the text `null`/`undefined` instead of a token",
            t if t.starts_with('{') => "JSON text instead of a token (double-encoded?)",
            t if t.len() > MAX_TOKEN_LEN => "a token over 128 KiB",
            _ => return Ok(AuthCallbackResult::Details(details_from_token(token))),
        };
        Err(invalid(unusable))
    }

    /// A parsed JSON answer: a string is a token; an object with `token` is TokenDetails; an
    /// object with `keyName` is a TokenRequest; anything else is refused (Ably 40170).
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = match value {
            Value::String(s) => return Self::from_token(s),
            Value::Object(obj) => obj,
            _ => return Err(invalid("neither a token, TokenDetails nor a TokenRequest")),
        };
        if let Some(token) = obj.get("token") {
            let Some(token) = token.as_str().filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN) else {
                return Err(invalid("TokenDetails without a usable `token` string"));
            };
            let mut c = details_from_token(token);
            let time = |name: &str| match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_u64().map(Some).ok_or_else(|| invalid("TokenDetails times must be integer ms")),
            };
            c.issued_ms = time("issued")?.or(c.issued_ms);
            c.expires_ms = time("expires")?.or(c.expires_ms);
            if let Some(id) = obj.get("clientId").and_then(Value::as_str) {
                c.client_id = Some(id.to_owned());
            }
            return Ok(AuthCallbackResult::Details(c));
        }
        if obj.contains_key("keyName") {
            let request = serde_json::from_value(value.clone()).map_err(|_| invalid("a malformed TokenRequest"))?;
            return Ok(AuthCallbackResult::Request(request));
        }
        Err(invalid("an object with neither `token` (TokenDetails) nor `keyName` (TokenRequest)"))
    }
}

fn invalid(why: &'static str) -> Error {
    to_error(Failure::InvalidCredential(why))
}

/// A token string as TokenDetails: a JWT's own times, otherwise an opaque Ably token whose
/// expiry is unknown (renewed when refused).
fn details_from_token(token: &str) -> Credential {
    let c = Credential::infer(token);
    match c.format {
        TokenFormat::Unknown => c.with_format(TokenFormat::AblyToken),
        _ => c,
    }
}

/// Exchanges a signed TokenRequest for a token (Ably's `POST /keys/{keyName}/requestToken`).
#[async_trait::async_trait]
pub trait Exchanger: Send + Sync {
    async fn exchange(&self, request: &TokenRequest, params: &FetchParams) -> Result<Credential, FetchError>;
}

/// The authority's side, in-process: verifies the request with the key (mac, ±2 min window,
/// nonce replay) and issues an Ably JWT, on the session's estimate of the server's clock.
pub struct LocalExchanger {
    key: Key,
    options: IssueOptions,
    nonces: MemoryNonceCache,
}

impl LocalExchanger {
    pub fn new(key: Key, options: IssueOptions) -> Self {
        LocalExchanger { key, options, nonces: MemoryNonceCache::default() }
    }
}

#[async_trait::async_trait]
impl Exchanger for LocalExchanger {
    async fn exchange(&self, request: &TokenRequest, params: &FetchParams) -> Result<Credential, FetchError> {
        let ctx = &params.context;
        let check = RequestCheck { nonces: Some(&self.nonces), ..RequestCheck::default() };
        let token_params = ably::verify_token_request(ctx, request, &self.key, &check)?;
        Ok(Credential::from(ably::issue_token(ctx, &self.key, &token_params, &self.options)?))
    }
}

/// Calls an `authCallback` with the stored TokenParams on every fetch and exchanges a returned
/// TokenRequest through the [`Exchanger`], if one is set.
pub struct AblyCallbackProvider<F> {
    callback: F,
    params: TokenParams,
    exchanger: Option<Arc<dyn Exchanger>>,
}

impl<F, Fut> AblyCallbackProvider<F>
where
    F: Fn(TokenParams) -> Fut + Send + Sync,
    Fut: Future<Output = Result<AuthCallbackResult, FetchError>> + Send,
{
    /// `params` become the defaults for every renewal (`timestamp` and `nonce` are not kept).
    pub fn new(callback: F, mut params: TokenParams) -> Result<Self> {
        params.timestamp = None;
        params.nonce = None;
        params.validate()?;
        Ok(AblyCallbackProvider { callback, params, exchanger: None })
    }

    pub fn with_exchanger(mut self, exchanger: Arc<dyn Exchanger>) -> Self {
        self.exchanger = Some(exchanger);
        self
    }
}

#[async_trait::async_trait]
impl<F, Fut> Provider for AblyCallbackProvider<F>
where
    F: Fn(TokenParams) -> Fut + Send + Sync,
    Fut: Future<Output = Result<AuthCallbackResult, FetchError>> + Send,
{
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError> {
        match (self.callback)(self.params.clone()).await? {
            AuthCallbackResult::Details(c) => Ok(c),
            AuthCallbackResult::Request(request) => match &self.exchanger {
                Some(x) => x.exchange(&request, params).await,
                None => Err(no_exchanger()),
            },
        }
    }
}

/// A TokenRequest answer with nowhere to exchange it.
pub(crate) fn no_exchanger() -> FetchError {
    FetchError::terminal(invalid("a TokenRequest, but the session has no REST URL to exchange it at"))
}

/// An [`AuthCallback`] (user code, e.g. a JS or Python function) as a provider: called with
/// the stored TokenParams on every fetch; TokenRequests are exchanged through the [`Exchanger`].
pub struct AuthCallbackProvider {
    callback: Arc<dyn AuthCallback>,
    params: TokenParams,
    exchanger: Option<Arc<dyn Exchanger>>,
}

impl AuthCallbackProvider {
    /// `params` become the defaults for every renewal (`timestamp` and `nonce` are not kept).
    pub fn new(
        callback: Arc<dyn AuthCallback>,
        mut params: TokenParams,
        exchanger: Option<Arc<dyn Exchanger>>,
    ) -> Result<Self> {
        params.timestamp = None;
        params.nonce = None;
        params.validate()?;
        Ok(AuthCallbackProvider { callback, params, exchanger })
    }
}

#[async_trait::async_trait]
impl Provider for AuthCallbackProvider {
    async fn fetch(&self, params: &FetchParams) -> Result<Credential, FetchError> {
        match self.callback.call(&self.params, params).await? {
            AuthCallbackResult::Details(c) => Ok(c),
            AuthCallbackResult::Request(request) => match &self.exchanger {
                Some(x) => x.exchange(&request, params).await,
                None => Err(no_exchanger()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_strings_follow_ably_js_rules() {
        for bad in ["", "null", "undefined", "{\"token\":\"x\"}"] {
            let e = AuthCallbackResult::from_token(bad).unwrap_err();
            assert_eq!(e.vendor_code(), Some(40170), "{bad:?}");
        }
        assert!(AuthCallbackResult::from_token(&"a".repeat(MAX_TOKEN_LEN + 1)).is_err());
        let AuthCallbackResult::Details(c) = AuthCallbackResult::from_token("appId.opaque").unwrap() else {
            panic!("a string is a token")
        };
        assert_eq!((c.token(), c.format, c.expires_ms), ("appId.opaque", TokenFormat::AblyToken, None));
    }

    #[test]
    fn json_answers_are_told_apart() {
        let d = json!({"token": "appId.abc", "issued": 1_000, "expires": 61_000, "clientId": "alice"});
        let AuthCallbackResult::Details(c) = AuthCallbackResult::from_json(&d).unwrap() else { panic!() };
        assert_eq!((c.issued_ms, c.expires_ms, c.client_id.as_deref()), (Some(1_000), Some(61_000), Some("alice")));

        let r = json!({"keyName": "app.key", "timestamp": 1, "nonce": "0123456789abcdef", "mac": "x"});
        assert!(
            matches!(AuthCallbackResult::from_json(&r).unwrap(), AuthCallbackResult::Request(q) if q.key_name == "app.key")
        );
        assert!(matches!(AuthCallbackResult::from_json(&json!("t")).unwrap(), AuthCallbackResult::Details(_)));

        for bad in [
            json!(42),
            json!({"foo": 1}),
            json!({"token": ""}),
            json!({"token": "t", "expires": "soon"}),
            json!({"keyName": 3}),
        ] {
            assert_eq!(AuthCallbackResult::from_json(&bad).unwrap_err().vendor_code(), Some(40170), "{bad}");
        }
    }
}
