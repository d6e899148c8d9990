//! Signed TokenRequests: create with the exact `mac`, verify over the fields as received (§4, §5).

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Deserializer, Serialize};

use super::{Capability, Key, MAX_TTL_MS};
use crate::clock::Context;
use crate::crypto::{ct_eq, hmac_sha256_reused_key};
use crate::error::{Error, Result};

/// Ably's minimum nonce length.
pub const MIN_NONCE_LEN: usize = 16;
/// Default accepted distance between a TokenRequest's timestamp and the server's clock.
pub const DEFAULT_WINDOW_MS: u64 = 120_000;

/// What a caller asks for (TK2). Absent fields are omitted from the request; serialised with
/// Ably's names (absent fields as `null`), the capability as its canonical text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenParams {
    /// Milliseconds; must be > 0 and at most 24 h.
    pub ttl: Option<u64>,
    #[serde(serialize_with = "canonical_text")]
    pub capability: Option<Capability>,
    /// `*` is a wildcard; `""` is refused.
    pub client_id: Option<String>,
    /// Milliseconds since the epoch; defaults to the context's clock.
    pub timestamp: Option<u64>,
    /// At least 16 characters; defaults to 22 characters from the CSPRNG.
    pub nonce: Option<String>,
}

/// The signed object sent to `requestToken`, with Ably's JSON field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub key_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "int_or_text_opt")]
    pub ttl: Option<u64>,
    /// Canonical JSON text, signed byte for byte as it stands here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(deserialize_with = "int_or_text")]
    pub timestamp: u64,
    pub nonce: String,
    /// Empty for an unsigned request.
    #[serde(default)]
    pub mac: String,
}

impl TokenRequest {
    /// The exact text that is signed: six fields, each followed by `\n`. (The mac itself is
    /// computed from the same pieces without building this text.)
    pub fn signed_text(&self) -> String {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n",
            self.key_name,
            self.ttl.map(|t| t.to_string()).unwrap_or_default(),
            opt(&self.capability),
            opt(&self.client_id),
            self.timestamp,
            self.nonce
        )
    }

    /// HMAC-SHA256 of [`signed_text`](Self::signed_text), fed to the HMAC piece by piece
    /// (integers written in decimal on the stack): the same bytes, no intermediate `String`.
    fn compute_mac(&self, secret: &str) -> [u8; 32] {
        let (mut ttl, mut ts) = ([0u8; 20], [0u8; 20]);
        let nl: &[u8] = b"\n";
        hmac_sha256_reused_key(
            secret.as_bytes(),
            &[
                self.key_name.as_bytes(),
                nl,
                self.ttl.map_or(&[][..], |t| decimal(&mut ttl, t)),
                nl,
                self.capability.as_deref().unwrap_or_default().as_bytes(),
                nl,
                self.client_id.as_deref().unwrap_or_default().as_bytes(),
                nl,
                decimal(&mut ts, self.timestamp),
                nl,
                self.nonce.as_bytes(),
                nl,
            ],
        )
    }

    /// The TokenParams this request asks for (capability parsed and validated).
    pub fn params(&self) -> Result<TokenParams> {
        let capability = match self.capability.as_deref() {
            None | Some("") => None,
            Some(text) => Some(Capability::parse(text)?),
        };
        let p = TokenParams {
            ttl: self.ttl,
            capability,
            client_id: self.client_id.clone(),
            timestamp: Some(self.timestamp),
            nonce: Some(self.nonce.clone()),
        };
        p.validate()?;
        Ok(p)
    }
}

impl TokenParams {
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(ttl) = self.ttl
            && (ttl == 0 || ttl > MAX_TTL_MS)
        {
            return Err(Error::invalid("ttl", format!("{ttl} ms is outside 1..=86400000")));
        }
        if self.client_id.as_deref() == Some("") {
            return Err(Error::invalid("client_id", "must not be empty (omit it for an anonymous token)"));
        }
        if let Some(n) = &self.nonce
            && n.chars().count() < MIN_NONCE_LEN
        {
            return Err(Error::invalid("nonce", format!("must be at least {MIN_NONCE_LEN} characters")));
        }
        Ok(())
    }
}

/// Builds and signs a TokenRequest (RSA9). The `mac` equals ably-js's for the same inputs.
pub fn create_token_request(ctx: &Context, key: &Key, params: &TokenParams) -> Result<TokenRequest> {
    params.validate()?;
    let nonce = match &params.nonce {
        Some(n) => n.clone(),
        None => URL_SAFE_NO_PAD.encode(ctx.random_bytes::<16>()),
    };
    let mut req = TokenRequest {
        key_name: key.name.clone(),
        ttl: params.ttl,
        capability: params.capability.as_ref().map(|c| c.canonical().to_owned()),
        client_id: params.client_id.clone(),
        timestamp: params.timestamp.unwrap_or_else(|| ctx.now_ms()),
        nonce,
        mac: String::new(),
    };
    req.mac = STANDARD.encode(req.compute_mac(key.secret.expose()));
    Ok(req)
}

/// Remembers TokenRequest nonces so each is accepted once (the store implements it durably).
pub trait NonceCache: Send + Sync {
    /// Records `(key_name, nonce)` until `expires_at_ms`; `Err(ReplayedNonce)` if already there.
    fn check_and_remember(&self, key_name: &str, nonce: &str, expires_at_ms: u64, now_ms: u64) -> Result<()>;
}

/// An in-process [`NonceCache`], purged of expired entries as it goes.
#[derive(Debug, Default)]
pub struct MemoryNonceCache(Mutex<HashMap<(String, String), u64>>);

impl NonceCache for MemoryNonceCache {
    fn check_and_remember(&self, key_name: &str, nonce: &str, expires_at_ms: u64, now_ms: u64) -> Result<()> {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 4096 {
            seen.retain(|_, exp| *exp > now_ms);
        }
        match seen.get(&(key_name.to_owned(), nonce.to_owned())) {
            Some(&exp) if exp > now_ms => Err(Error::ReplayedNonce),
            _ => {
                seen.insert((key_name.to_owned(), nonce.to_owned()), expires_at_ms);
                Ok(())
            }
        }
    }
}

/// How [`verify_token_request`] judges time and replays.
#[derive(Clone, Copy)]
pub struct RequestCheck<'a> {
    /// Defaults to the context's clock.
    pub now_ms: Option<u64>,
    /// Accepted distance from now, either way (default ±2 min).
    pub window_ms: u64,
    pub nonces: Option<&'a dyn NonceCache>,
}

impl Default for RequestCheck<'_> {
    fn default() -> Self {
        RequestCheck { now_ms: None, window_ms: DEFAULT_WINDOW_MS, nonces: None }
    }
}

/// Checks key, mac (over the fields exactly as received), timestamp window, fields, then nonce
/// replay; returns the validated TokenParams.
pub fn verify_token_request(
    ctx: &Context,
    req: &TokenRequest,
    key: &Key,
    check: &RequestCheck<'_>,
) -> Result<TokenParams> {
    if req.key_name != key.name {
        return Err(Error::KeyMismatch(format!("request is for key `{}`, not `{}`", req.key_name, key.name)));
    }
    let mac = STANDARD.decode(&req.mac).unwrap_or_default();
    if req.mac.is_empty() || !ct_eq(&mac, &req.compute_mac(key.secret.expose())) {
        return Err(Error::bad_signature("TokenRequest mac does not match the key").with_vendor(40101));
    }
    let now = check.now_ms.unwrap_or_else(|| ctx.now_ms());
    let off = now.abs_diff(req.timestamp);
    if off > check.window_ms {
        return Err(Error::TimestampOutOfWindow { by_ms: off - check.window_ms });
    }
    let params = req.params()?; // validates ttl, capability, client id and nonce length
    if let Some(cache) = check.nonces {
        cache.check_and_remember(&req.key_name, &req.nonce, req.timestamp + check.window_ms, now)?;
    }
    Ok(params)
}

/// `v` in decimal (as `u64::to_string`), written at the end of `buf`.
fn decimal(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

fn canonical_text<S: serde::Serializer>(c: &Option<Capability>, s: S) -> std::result::Result<S::Ok, S::Error> {
    c.as_ref().map(Capability::canonical).serialize(s)
}

/// Accepts `3600000` or `"3600000"` (Ably's own curl examples send strings).
fn int_or_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    let expected = "a non-negative integer or its decimal text";
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => {
            n.as_u64().ok_or_else(|| serde::de::Error::custom(format!("{n} is not {expected}")))
        }
        serde_json::Value::String(s)
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0')) =>
        {
            s.parse().map_err(|_| serde::de::Error::custom(format!("`{s}` is out of range")))
        }
        other => Err(serde::de::Error::custom(format!("{other} is not {expected}"))),
    }
}

fn int_or_text_opt<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    int_or_text(d).map(Some)
}

#[cfg(test)]
mod mac_tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The mac fed piece by piece is the HMAC of `signed_text()`, for any field values
        /// (absent, empty, non-ASCII, newlines, extreme integers).
        #[test]
        fn piecewise_mac_equals_hmac_of_signed_text(
            key_name in "\\PC{0,30}",
            ttl in proptest::option::of(prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()]),
            capability in proptest::option::of("[\\PC\n]{0,60}"),
            client_id in proptest::option::of("\\PC{0,20}"),
            timestamp in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
            nonce in "\\PC{0,30}",
            secret in "\\PC{0,70}",
        ) {
            let req = TokenRequest { key_name, ttl, capability, client_id, timestamp, nonce, mac: String::new() };
            let want = crate::crypto::hmac_sha256(secret.as_bytes(), &[req.signed_text().as_bytes()]);
            prop_assert_eq!(req.compute_mac(&secret), want);
        }

        #[test]
        fn decimal_is_to_string(v in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()]) {
            let (mut buf, text) = ([0; 20], v.to_string());
            prop_assert_eq!(decimal(&mut buf, v), text.as_bytes());
        }
    }
}
