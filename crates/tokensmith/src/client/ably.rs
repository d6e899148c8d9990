//! Ably-compatible routes (ably-token-auth §5, §7, §10): `requestToken`, `revokeTokens`, `time`,
//! and the service's `/auth/ably` authUrl. Times are Unix milliseconds.

use std::fmt;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Client;
use super::http::{Call, Credential, Reply};
use super::urls::join;
use crate::ably::{TokenDetails, TokenParams, TokenRequest};
use crate::error::{Error, Result};
use crate::service::RevokeOptions;

/// What `requestToken` exchanges for TokenDetails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAsk {
    /// A signed TokenRequest (from an authUrl, or `ably::create_token_request`), sent without
    /// credentials to `/keys/{its keyName}/requestToken`. Never retried after it may have
    /// arrived: its nonce is accepted once.
    Signed(TokenRequest),
    /// TokenParams, sent with the client's Ably key as Basic auth.
    Params(TokenParams),
}

impl From<TokenRequest> for TokenAsk {
    fn from(r: TokenRequest) -> Self {
        TokenAsk::Signed(r)
    }
}

impl From<&TokenRequest> for TokenAsk {
    fn from(r: &TokenRequest) -> Self {
        TokenAsk::Signed(r.clone())
    }
}

impl From<TokenParams> for TokenAsk {
    fn from(p: TokenParams) -> Self {
        TokenAsk::Params(p)
    }
}

impl From<&TokenParams> for TokenAsk {
    fn from(p: &TokenParams) -> Self {
        TokenAsk::Params(p.clone())
    }
}

/// A `revokeTokens` BatchResult.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    #[serde(default)]
    pub success_count: u64,
    #[serde(default)]
    pub failure_count: u64,
    #[serde(default)]
    pub results: Vec<RevocationResult>,
}

/// One target's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum RevocationResult {
    Failed { target: String, error: RevocationError },
    Revoked { target: String, issued_before: u64, applies_at: u64 },
}

/// Why one target was not revoked (Ably's ErrorInfo).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RevocationError {
    pub code: u32,
    pub status_code: u16,
    pub message: String,
}

/// What `/auth/ably` hands an Ably client: TokenDetails, a TokenRequest to exchange at
/// `requestToken`, or a bare token string (`text/plain`, `application/jwt`).
#[derive(Clone, PartialEq, Eq)]
pub enum AblyAuth {
    Details(TokenDetails),
    Request(TokenRequest),
    Token(String),
}

impl fmt::Debug for AblyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AblyAuth::Details(d) => f.debug_tuple("Details").field(d).finish(),
            AblyAuth::Request(r) => f.debug_tuple("Request").field(r).finish(),
            AblyAuth::Token(_) => f.write_str("Token(***)"),
        }
    }
}

impl Client {
    /// `POST /keys/{keyName}/requestToken` → TokenDetails.
    pub async fn request_token(&self, ask: impl Into<TokenAsk>) -> Result<TokenDetails> {
        let call = match ask.into() {
            TokenAsk::Signed(req) => {
                let url = join(&self.inner.endpoints.root, &["keys", &req.key_name, "requestToken"])?;
                Call::new(Method::POST, url, Credential::None).ably().json(&req)?
            }
            TokenAsk::Params(params) => {
                params.validate()?;
                let key_name = self.ably_key_name()?;
                let body = ParamsBody {
                    key_name,
                    ttl: params.ttl,
                    capability: params.capability.as_ref().map(|c| c.canonical().to_owned()),
                    client_id: params.client_id.as_deref(),
                    timestamp: params.timestamp,
                    nonce: params.nonce.as_deref(),
                };
                let url = join(&self.inner.endpoints.root, &["keys", key_name, "requestToken"])?;
                // Nothing is remembered per request, so a repeat only mints another token.
                Call::new(Method::POST, url, Credential::AblyKey).ably().idempotent(true).json(&body)?
            }
        };
        self.send(call).await?.json()
    }

    /// `POST /keys/{keyName}/revokeTokens` with the client's Ably key: `targets` are
    /// `clientId:…`, `revocationKey:…` or `channel:…`.
    pub async fn revoke_tokens<S: AsRef<str>>(&self, targets: &[S], options: RevokeOptions) -> Result<BatchResult> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            targets: Vec<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            issued_before: Option<u64>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            allow_reauth_margin: bool,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Batch(BatchResult),
            /// The pre-v3 answer: the successes alone.
            Bare(Vec<RevocationResult>),
        }
        let key_name = self.ably_key_name()?;
        let body = Body {
            targets: targets.iter().map(AsRef::as_ref).collect(),
            issued_before: options.issued_before,
            allow_reauth_margin: options.allow_reauth_margin,
        };
        let url = join(&self.inner.endpoints.root, &["keys", key_name, "revokeTokens"])?;
        // A revocation is a watermark: applying it twice is applying it once.
        let call = Call::new(Method::POST, url, Credential::AblyKey).ably().idempotent(true).json(&body)?;
        Ok(match self.send(call).await?.json()? {
            Wire::Batch(b) => b,
            Wire::Bare(results) => {
                let failed = results.iter().filter(|r| matches!(r, RevocationResult::Failed { .. })).count() as u64;
                BatchResult { success_count: results.len() as u64 - failed, failure_count: failed, results }
            }
        })
    }

    /// `GET /time`: the server's clock in Unix milliseconds.
    pub async fn time(&self) -> Result<u64> {
        let url = join(&self.inner.endpoints.root, &["time"])?;
        let reply = self.send(Call::new(Method::GET, url, Credential::None).ably()).await?;
        let times: Vec<u64> = reply.json()?;
        times.first().copied().ok_or_else(|| Error::HttpError("`/time` answered an empty list".into()))
    }

    /// `GET /auth/ably` as the user of the client's auth token: what an Ably client's `authUrl`
    /// receives. `params` (ttl, capability, clientId) go in the query string as Ably sends them.
    pub async fn auth_ably(&self, params: Option<&TokenParams>) -> Result<AblyAuth> {
        let mut url = join(&self.inner.endpoints.root, &["auth", "ably"])?;
        if let Some(p) = params {
            let mut q = url.query_pairs_mut();
            if let Some(ttl) = p.ttl {
                q.append_pair("ttl", &ttl.to_string());
            }
            if let Some(c) = &p.capability {
                q.append_pair("capability", c.canonical());
            }
            if let Some(id) = &p.client_id {
                q.append_pair("clientId", id);
            }
        }
        auth_answer(&self.send(Call::new(Method::GET, url, Credential::AuthToken)).await?)
    }

    fn ably_key_name(&self) -> Result<&str> {
        self.inner
            .ably_key
            .as_ref()
            .map(|k| k.name.as_str())
            .ok_or_else(|| Error::invalid("ably_key", "this call needs an Ably key: set it on the ClientBuilder"))
    }
}

/// TokenParams on the wire: Ably's names, absent fields omitted, capability as canonical text.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParamsBody<'a> {
    key_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capability: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

/// Ably's rule for authUrl answers: JSON with `issued` is TokenDetails, JSON with `keyName` a
/// TokenRequest; a text body is the token itself.
fn auth_answer(reply: &Reply) -> Result<AblyAuth> {
    if reply.is_json() {
        let v: Value = reply.json()?;
        let undecodable = |e| super::remote::undecodable(reply.status, &e);
        return match () {
            _ if v.get("issued").is_some() => serde_json::from_value(v).map(AblyAuth::Details).map_err(undecodable),
            _ if v.get("keyName").is_some() => serde_json::from_value(v).map(AblyAuth::Request).map_err(undecodable),
            _ => Err(Error::HttpError(
                "`/auth/ably` answered JSON that is neither TokenDetails nor a TokenRequest".into(),
            )),
        };
    }
    match std::str::from_utf8(&reply.body).map(str::trim) {
        Ok(token) if !token.is_empty() => Ok(AblyAuth::Token(token.to_owned())),
        _ => Err(Error::HttpError("`/auth/ably` answered an empty or non-UTF-8 body".into())),
    }
}
