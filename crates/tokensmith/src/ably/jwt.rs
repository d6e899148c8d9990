//! TokenDetails as Ably JWTs (HS256, `kid` = key name): the types and issuing; writing and
//! signing is in `jwt_sign`, verifying in `jwt_verify`.
//!
//! Written against `hmac`/`sha2`/`base64` rather than a JWT crate: the format is fixed (one
//! algorithm, four claims), and owning it gives Ably's error codes and the strict checks
//! (algorithm, `kid`, claim types) without a generic validation layer on the hot path.

use serde::{Deserialize, Serialize};

use super::{Capability, Key, MAX_TTL_MS, TokenParams, jwt_sign};
use crate::clock::Context;
use crate::error::{Error, Result};

/// Ably's default token lifetime (60 min).
pub const DEFAULT_TTL_MS: u64 = 3_600_000;

/// The issued token (TD1–TD7), with Ably's JSON field names. `Debug` shows only a fingerprint.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenDetails {
    pub token: String,
    pub key_name: String,
    /// Milliseconds since the epoch, at a whole second (the JWT's `iat`).
    pub issued: u64,
    /// Exactly `issued + ttl`; the JWT's `exp` is this rounded down to the second.
    pub expires: u64,
    /// Canonical text of the granted (intersected) capability.
    pub capability: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl std::fmt::Debug for TokenDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fingerprint = crate::auth_token::fingerprint(&self.token);
        f.debug_struct("TokenDetails")
            .field("token_sha256", &&fingerprint[..16])
            .field("key_name", &self.key_name)
            .field("issued", &self.issued)
            .field("expires", &self.expires)
            .field("capability", &self.capability)
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// Limits applied when issuing.
#[derive(Debug, Clone)]
pub struct IssueOptions {
    /// What the key may grant; requests are intersected with it (default `{"*":["*"]}`).
    pub key_capability: Capability,
    /// Lifetime when the params give none (default 60 min).
    pub default_ttl_ms: u64,
    /// Longest lifetime granted (default and ceiling 24 h).
    pub max_ttl_ms: u64,
}

impl Default for IssueOptions {
    fn default() -> Self {
        IssueOptions { key_capability: Capability::all(), default_ttl_ms: DEFAULT_TTL_MS, max_ttl_ms: MAX_TTL_MS }
    }
}

/// The claims of an Ably JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iat: u64,
    pub exp: u64,
    #[serde(rename = "x-ably-capability")]
    pub capability: String,
    #[serde(rename = "x-ably-clientId", default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Issues TokenDetails whose token is an Ably JWT signed with the key secret.
pub fn issue_token(ctx: &Context, key: &Key, params: &TokenParams, opts: &IssueOptions) -> Result<TokenDetails> {
    let jwt = issue_jwt(ctx, key, params, opts)?;
    Ok(TokenDetails {
        token: jwt.token,
        key_name: key.name.clone(),
        issued: jwt.issued,
        expires: jwt.expires,
        capability: jwt.capability.canonical().to_owned(),
        client_id: params.client_id.clone(),
    })
}

/// An issued Ably JWT: [`TokenDetails`] without the fields the caller passed in (key name,
/// client id) and with the capability not yet turned into text.
#[derive(Clone)]
pub struct IssuedJwt {
    pub token: String,
    pub issued: u64,
    pub expires: u64,
    /// The granted (intersected) capability.
    pub capability: Capability,
}

impl std::fmt::Debug for IssuedJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fingerprint = crate::auth_token::fingerprint(&self.token);
        f.debug_struct("IssuedJwt")
            .field("token_sha256", &&fingerprint[..16])
            .field("issued", &self.issued)
            .field("expires", &self.expires)
            .field("capability", &self.capability)
            .finish()
    }
}

/// [`issue_token`] for callers that hold the key name and client id already (the bindings):
/// the same checks and token, without copying those into the result.
pub fn issue_jwt(ctx: &Context, key: &Key, params: &TokenParams, opts: &IssueOptions) -> Result<IssuedJwt> {
    params.validate()?;
    let ttl = params.ttl.unwrap_or(opts.default_ttl_ms.min(opts.max_ttl_ms));
    if ttl > opts.max_ttl_ms {
        return Err(Error::invalid("ttl", format!("{ttl} ms is over this key's maximum of {} ms", opts.max_ttl_ms)));
    }
    if ttl < 1000 {
        return Err(Error::invalid("ttl", "must be at least 1000 ms (JWT times are whole seconds)"));
    }
    let capability = match &params.capability {
        Some(c) => c.intersect(&opts.key_capability)?,
        None => opts.key_capability.clone(),
    };
    // Issued at a whole second so `iat` is exact; `exp` rounds down, never past `expires`.
    let issued = ctx.now_ms() / 1000 * 1000;
    let expires = issued + ttl;
    let token = jwt_sign::encode(key, issued / 1000, expires / 1000, &capability, params.client_id.as_deref());
    Ok(IssuedJwt { token, issued, expires, capability })
}
