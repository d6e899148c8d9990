//! TokenDetails as Ably JWTs (HS256, `kid` = key name).
//!
//! Written against `hmac`/`sha2`/`base64` rather than a JWT crate: the format is fixed (one
//! algorithm, four claims), and owning it gives Ably's error codes and the strict checks
//! (algorithm, `kid`, claim types) without a generic validation layer on the hot path.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{Capability, Key, MAX_TTL_MS, TokenParams};
use crate::clock::Context;
use crate::crypto::{ct_eq, hmac_sha256_reused_key};
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

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Deserialize)]
struct HeaderIn {
    alg: String,
    kid: Option<String>,
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
    params.validate()?;
    let ttl = params.ttl.unwrap_or(opts.default_ttl_ms.min(opts.max_ttl_ms));
    if ttl > opts.max_ttl_ms {
        return Err(Error::invalid("ttl", format!("{ttl} ms is over this key's maximum of {} ms", opts.max_ttl_ms)));
    }
    if ttl < 1000 {
        return Err(Error::invalid("ttl", "must be at least 1000 ms (JWT times are whole seconds)"));
    }
    let granted = match &params.capability {
        Some(c) => c.intersect(&opts.key_capability)?,
        None => opts.key_capability.clone(),
    };
    // Issued at a whole second so `iat` is exact; `exp` rounds down, never past `expires`.
    let issued = ctx.now_ms() / 1000 * 1000;
    let expires = issued + ttl;
    let claims = Claims {
        iat: issued / 1000,
        exp: expires / 1000,
        capability: granted.canonical().to_owned(),
        client_id: params.client_id.clone(),
    };
    let token = encode(key, &claims);
    Ok(TokenDetails {
        token,
        key_name: key.name.clone(),
        issued,
        expires,
        capability: claims.capability,
        client_id: claims.client_id,
    })
}

fn encode(key: &Key, claims: &Claims) -> String {
    let header = serde_json::to_vec(&Header { alg: "HS256", typ: "JWT", kid: &key.name }).expect("serialisable");
    let body = serde_json::to_vec(claims).expect("serialisable");
    let mut out = String::with_capacity(64 + (header.len() + body.len()) * 4 / 3);
    URL_SAFE_NO_PAD.encode_string(header, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(body, &mut out);
    let sig = hmac_sha256_reused_key(key.secret.expose().as_bytes(), &[out.as_bytes()]);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(sig, &mut out);
    out
}

/// What [`verify_token`] checks besides the signature and expiry.
#[derive(Debug, Clone, Default)]
pub struct TokenCheck {
    /// Defaults to the context's clock.
    pub now_ms: Option<u64>,
    /// Seconds of clock skew tolerated on `exp` and `iat`.
    pub leeway_secs: u64,
    /// The token's client id must be this one (or `*`).
    pub client_id: Option<String>,
    /// The capability must allow this (resource, operation).
    pub operation: Option<(String, String)>,
}

/// The header and claims of an Ably JWT, without checking anything (for `explain`).
pub fn decode_unverified(token: &str) -> Result<(Option<String>, Claims)> {
    let (header, claims, _, _) = split(token)?;
    Ok((header.kid, claims))
}

fn split(token: &str) -> Result<(HeaderIn, Claims, &str, Vec<u8>)> {
    let bad = |field: &'static str, why: &str| Error::malformed(field, why).with_vendor(40144);
    let mut parts = token.splitn(4, '.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad("jwt", "expected three dot-separated parts"));
    };
    let json = |part: &str, field: &'static str| URL_SAFE_NO_PAD.decode(part).map_err(|_| bad(field, "not base64url"));
    let header: HeaderIn =
        serde_json::from_slice(&json(h, "header")?).map_err(|_| bad("header", "not a JWT header"))?;
    let claims: Claims =
        serde_json::from_slice(&json(c, "claims")?).map_err(|_| bad("claims", "missing or mistyped Ably claims"))?;
    let sig = json(s, "signature")?;
    Ok((header, claims, &token[..h.len() + 1 + c.len()], sig))
}

/// Verifies an Ably JWT: algorithm, key, signature (constant time), expiry, then the optional
/// client id and operation checks. Returns the claims.
pub fn verify_token(ctx: &Context, token: &str, key: &Key, check: &TokenCheck) -> Result<Claims> {
    let (header, claims, signed, sig) = split(token)?;
    if header.alg != "HS256" {
        return Err(Error::UnsupportedToken(format!("JWT algorithm `{}`; Ably JWTs are HS256", header.alg)));
    }
    if header.kid.as_deref() != Some(key.name.as_str()) {
        return Err(Error::KeyMismatch(format!("token is for key `{}`", header.kid.unwrap_or_default())));
    }
    if !ct_eq(&sig, &hmac_sha256_reused_key(key.secret.expose().as_bytes(), &[signed.as_bytes()])) {
        return Err(Error::bad_signature("JWT signature does not match the key").with_vendor(40144));
    }
    let now = check.now_ms.unwrap_or_else(|| ctx.now_ms()) / 1000;
    if now >= claims.exp + check.leeway_secs {
        return Err(Error::TokenExpired { by_secs: now - claims.exp, vendor: Some(40142) });
    }
    if claims.iat > now + check.leeway_secs {
        return Err(Error::TokenNotYetValid { by_secs: claims.iat - now });
    }
    if let Some(want) = &check.client_id
        && !matches!(claims.client_id.as_deref(), Some(c) if c == want || c == "*")
    {
        return Err(Error::ClientIdMismatch(format!("token is not valid for client id `{want}`")));
    }
    if let Some((resource, op)) = &check.operation {
        let cap = Capability::parse(&claims.capability)?;
        if !cap.allows(resource, op) {
            return Err(Error::CapabilityRefused(format!("`{op}` on `{resource}` is not granted")));
        }
    }
    Ok(claims)
}
