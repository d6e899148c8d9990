//! Verifying an Ably JWT: the checking hot path.
//!
//! A token this crate issued starts with the header `jwt_sign` writes for the key: then the
//! header is not decoded, and the HMAC resumes from the state that absorbed it. Claims and
//! signature are decoded into stack buffers and the claims read in place (`jwt_claims`).
//! Other headers and unusual claims take serde's way; either way the checks and their errors
//! come in the same order.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::jwt_claims::{self, ClaimsRef};
use super::{Capability, Claims, Key, jwt_sign};
use crate::clock::Context;
use crate::crypto::{ct_eq, hmac_sha256_reused_key};
use crate::error::{Error, Result};

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

#[derive(Deserialize)]
struct HeaderIn {
    alg: String,
    kid: Option<String>,
}

/// How the signature is checked: from the keyed state after our own header, or from scratch
/// once the decoded header has passed.
enum Signing {
    Known(Hmac<Sha256>),
    Decoded(HeaderIn),
}

fn bad(field: &'static str, why: &str) -> Error {
    Error::malformed(field, why).with_vendor(40144)
}

/// Header, claims and signature, still encoded.
fn parts(token: &str) -> Result<(&str, &str, &str)> {
    let mut parts = token.splitn(4, '.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad("jwt", "expected three dot-separated parts"));
    };
    Ok((h, c, s))
}

fn decode(part: &str, field: &'static str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| bad(field, "not base64url"))
}

/// [`decode`] into `stack` when it fits, else into `heap`.
fn decode_into<'b>(
    part: &str,
    field: &'static str,
    stack: &'b mut [u8],
    heap: &'b mut Vec<u8>,
) -> Result<&'b mut [u8]> {
    let estimate = base64::decoded_len_estimate(part.len());
    let buf = if estimate <= stack.len() {
        stack
    } else {
        heap.resize(estimate, 0);
        heap.as_mut_slice()
    };
    // Sized by the estimate, the buffer is never too small: any error is the input's.
    let len = URL_SAFE_NO_PAD.decode_slice(part, &mut *buf).map_err(|_| bad(field, "not base64url"))?;
    Ok(&mut buf[..len])
}

fn header(part: &str) -> Result<HeaderIn> {
    serde_json::from_slice(&decode(part, "header")?).map_err(|_| bad("header", "not a JWT header"))
}

fn claims(json: &[u8]) -> Result<Claims> {
    serde_json::from_slice(json).map_err(|_| bad("claims", "missing or mistyped Ably claims"))
}

/// The header and claims of an Ably JWT, without checking anything (for `explain`).
pub fn decode_unverified(token: &str) -> Result<(Option<String>, Claims)> {
    let (h, c, s) = parts(token)?;
    let header = header(h)?;
    let claims = claims(&decode(c, "claims")?)?;
    decode(s, "signature")?;
    Ok((header.kid, claims))
}

/// Verifies an Ably JWT: algorithm, key, signature (constant time), expiry, then the optional
/// client id and operation checks. Returns the claims.
pub fn verify_token(ctx: &Context, token: &str, key: &Key, check: &TokenCheck) -> Result<Claims> {
    verify_token_with(ctx, token, key, check, |claims| claims.to_owned())
}

/// [`verify_token`], handing the claims to `f` as they lie in the decoded token (for the
/// bindings, which copy them straight into the host language).
pub fn verify_token_with<R>(
    ctx: &Context,
    token: &str,
    key: &Key,
    check: &TokenCheck,
    f: impl FnOnce(ClaimsRef<'_>) -> R,
) -> Result<R> {
    /// Room for the claims of most tokens (capabilities can be long: then the heap).
    const CLAIMS_ON_STACK: usize = 1024;
    let (h, c, s) = parts(token)?;
    // The header we write for this key needs neither decoding nor checking.
    let signing = match jwt_sign::keyed_after_header(key, h) {
        Some(mac) => Signing::Known(mac),
        None => Signing::Decoded(header(h)?),
    };

    let (mut stack, mut heap) = ([0u8; CLAIMS_ON_STACK], Vec::new());
    let json = decode_into(c, "claims", &mut stack, &mut heap)?;
    let serde_claims;
    let claims = match jwt_claims::read_in_place(json) {
        Some(claims) => claims,
        // The fast reader declined (and may have unescaped part of `json`): serde decides.
        None => {
            serde_claims = claims(&decode(c, "claims")?)?;
            ClaimsRef::of(&serde_claims)
        }
    };
    let (mut sig_stack, mut sig_heap) = ([0u8; 48], Vec::new());
    let sig = decode_into(s, "signature", &mut sig_stack, &mut sig_heap)?;

    let expected: [u8; 32] = match signing {
        Signing::Known(mut mac) => {
            mac.update(c.as_bytes());
            mac.finalize().into_bytes().into()
        }
        Signing::Decoded(header) => {
            if header.alg != "HS256" {
                return Err(Error::UnsupportedToken(format!("JWT algorithm `{}`; Ably JWTs are HS256", header.alg)));
            }
            if header.kid.as_deref() != Some(key.name.as_str()) {
                return Err(Error::KeyMismatch(format!("token is for key `{}`", header.kid.unwrap_or_default())));
            }
            let signed = &token[..h.len() + 1 + c.len()];
            hmac_sha256_reused_key(key.secret.expose().as_bytes(), &[signed.as_bytes()])
        }
    };
    if !ct_eq(sig, &expected) {
        return Err(Error::bad_signature("JWT signature does not match the key").with_vendor(40144));
    }

    let now = check.now_ms.unwrap_or_else(|| ctx.now_ms()) / 1000;
    // Saturating: a signed `exp` or `iat` near u64::MAX must not overflow with the leeway.
    if now >= claims.exp.saturating_add(check.leeway_secs) {
        return Err(Error::TokenExpired { by_secs: now - claims.exp, vendor: Some(40142) });
    }
    if claims.iat > now.saturating_add(check.leeway_secs) {
        return Err(Error::TokenNotYetValid { by_secs: claims.iat - now });
    }
    if let Some(want) = &check.client_id
        && !matches!(claims.client_id, Some(c) if c == want || c == "*")
    {
        return Err(Error::ClientIdMismatch(format!("token is not valid for client id `{want}`")));
    }
    if let Some((resource, op)) = &check.operation {
        let cap = Capability::parse(claims.capability)?;
        if !cap.allows(resource, op) {
            return Err(Error::CapabilityRefused(format!("`{op}` on `{resource}` is not granted")));
        }
    }
    Ok(f(claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ably::{IssueOptions, TokenParams, issue_token};
    use crate::crypto::hmac_sha256;

    /// The verifier this module replaced: serde for header and claims, signature from scratch.
    fn reference(now: u64, token: &str, key: &Key, check: &TokenCheck) -> Result<Claims> {
        let (h, c, s) = parts(token)?;
        let header = header(h)?;
        let claims = claims(&decode(c, "claims")?)?;
        let sig = decode(s, "signature")?;
        if header.alg != "HS256" {
            return Err(Error::UnsupportedToken(format!("JWT algorithm `{}`; Ably JWTs are HS256", header.alg)));
        }
        if header.kid.as_deref() != Some(key.name.as_str()) {
            return Err(Error::KeyMismatch(format!("token is for key `{}`", header.kid.unwrap_or_default())));
        }
        let signed = &token[..h.len() + 1 + c.len()];
        if !ct_eq(&sig, &hmac_sha256(key.secret.expose().as_bytes(), &[signed.as_bytes()])) {
            return Err(Error::bad_signature("JWT signature does not match the key").with_vendor(40144));
        }
        let now = check.now_ms.unwrap_or(now) / 1000;
        if now >= claims.exp.saturating_add(check.leeway_secs) {
            return Err(Error::TokenExpired { by_secs: now - claims.exp, vendor: Some(40142) });
        }
        if claims.iat > now.saturating_add(check.leeway_secs) {
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

    fn outcome(r: Result<Claims>) -> std::result::Result<Claims, String> {
        r.map_err(|e| format!("{} {:?} {:?} {e}", e.code(), e.vendor_code(), e.field()))
    }

    /// A JWT with this header and claims text, signed with `secret`.
    fn signed(secret: &str, header: &str, claims: &str) -> String {
        let hc = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims));
        let sig = hmac_sha256(secret.as_bytes(), &[hc.as_bytes()]);
        format!("{hc}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    #[test]
    fn every_outcome_is_the_reference_one() {
        const NOW: u64 = 1_700_000_000_000;
        let ctx = Context::fixed(NOW);
        let keys = [
            Key::new("appAlpha.keyOne", "alphaSecretValue01").unwrap(),
            Key::new("app.k\u{e9}y\"\\", "s3cr3t-\u{1F600}").unwrap(),
            Key::new("appAlpha.keyOne", "another").unwrap(),
            Key::new("appAlpha.keyTwo", "alphaSecretValue01").unwrap(),
        ];
        let ours = r#"{"alg":"HS256","typ":"JWT","kid":"appAlpha.keyOne"}"#;
        let claims = r#"{"iat":1699999000,"exp":1700003600,"x-ably-capability":"{\"chat:*\":[\"publish\"]}","x-ably-clientId":"bob"}"#;
        let secret = "alphaSecretValue01";
        let mut tokens = vec![];
        for key in &keys {
            for client_id in [None, Some("alice"), Some("q\"\\\u{1}\u{e9}\u{1F600}"), Some("*")] {
                let params = TokenParams { client_id: client_id.map(Into::into), ..Default::default() };
                tokens.push(issue_token(&ctx, key, &params, &IssueOptions::default()).unwrap().token);
            }
        }
        for header in [
            ours,
            r#"{"typ":"JWT","alg":"HS256","kid":"appAlpha.keyOne"}"#,
            r#"{"alg":"HS512","typ":"JWT","kid":"appAlpha.keyOne"}"#,
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"HS256","typ":"JWT","kid":"appAlpha.keyTwo"}"#,
            "{}",
            "not json",
        ] {
            tokens.push(signed(secret, header, claims));
        }
        let long =
            format!(r#"{{"iat":1,"exp":1700003600,"x-ably-capability":"{{\"{}\":[\"*\"]}}"}}"#, "x".repeat(3000));
        for claims in [
            claims,
            r#"{"iat":1699999000,"exp":1700003600,"x-ably-capability":"{}"}"#,
            r#"{"iat":1699999000,"exp":1700003600,"x-ably-capability":"{}","x-ably-clientId":null}"#,
            r#"{"iat":1699999000,"exp":1700003600,"x-ably-capability":"{\u0022a\u0022:[\u0022*\u0022]}"}"#,
            r#"{"iat":1699999000,"exp":1700003600,"x-ably-capability":"{}","other":[1]}"#,
            r#"{"iat":1699999000,"exp":1700003600,"x-ably-capability":"not json"}"#,
            r#"{"iat":1699999000,"exp":1700003600}"#,
            r#"{"iat":1.0,"exp":1700003600,"x-ably-capability":"{}"}"#,
            r#"{"iat":1,"exp":18446744073709551615,"x-ably-capability":"{}"}"#,
            r#"[1699999000,1700003600,"{}"]"#,
            &long,
        ] {
            tokens.push(signed(secret, ours, claims));
        }
        let good = signed(secret, ours, claims);
        let (hc, sig) = good.rsplit_once('.').unwrap();
        tokens.extend([
            signed("other", ours, claims),
            format!("{hc}.{}", &sig[1..]),
            format!("{hc}.{sig}AA"),
            format!("{hc}.!!"),
            format!("{hc}."),
            format!("{}.!!.{sig}", hc.split('.').next().unwrap()),
            format!("!!.{}", &good[good.find('.').unwrap() + 1..]),
            String::new(),
            "a.b".into(),
            "a.b.c.d".into(),
        ]);
        let checks = [
            TokenCheck::default(),
            TokenCheck { now_ms: Some(NOW + 10_000_000), leeway_secs: 5, ..Default::default() },
            TokenCheck { now_ms: Some(1_699_998_000_000), ..Default::default() },
            TokenCheck { client_id: Some("bob".into()), ..Default::default() },
            TokenCheck { operation: Some(("chat:x".into(), "publish".into())), ..Default::default() },
            TokenCheck { operation: Some(("news".into(), "publish".into())), ..Default::default() },
            TokenCheck { leeway_secs: u64::MAX, ..Default::default() },
        ];
        let mut verified = 0;
        for token in &tokens {
            for check in &checks {
                // Each key in turn, so the per-thread signer is replaced and reused.
                for key in keys.iter().chain(keys.iter().rev()) {
                    let want = outcome(reference(NOW, token, key, check));
                    verified += usize::from(want.is_ok());
                    assert_eq!(outcome(verify_token(&ctx, token, key, check)), want, "{token} {key:?} {check:?}");
                }
            }
        }
        assert!(verified > 50, "{verified} verified: the cases must include good tokens");
    }
}
