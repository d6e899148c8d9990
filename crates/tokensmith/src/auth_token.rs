//! Opaque per-user auth tokens (the CometChat-style credential): `tks_` + 32 CSPRNG bytes
//! (base64url, 43 characters) + a 6-character checksum.
//!
//! The checksum lets a mistyped or truncated token be refused without a lookup, and the fixed
//! prefix lets secret scanners find leaked ones (`tks_[A-Za-z0-9_-]{49}`). Stores keep only the
//! SHA-256 [`fingerprint`]; logs show [`redact`]ed forms.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::clock::Context;
use crate::crypto::sha256;
use crate::error::{Error, Result};

pub const PREFIX: &str = "tks_";
const BODY_LEN: usize = 43;
const CHECKSUM_LEN: usize = 6;
/// Total length of a token.
pub const TOKEN_LEN: usize = PREFIX.len() + BODY_LEN + CHECKSUM_LEN;

/// A fresh token. Show it to its owner once; store only its [`fingerprint`].
pub fn generate(ctx: &Context) -> String {
    let mut token = String::with_capacity(TOKEN_LEN);
    token.push_str(PREFIX);
    URL_SAFE_NO_PAD.encode_string(ctx.random_bytes::<32>(), &mut token);
    token.push_str(&checksum(&token));
    token
}

fn checksum(prefix_and_body: &str) -> String {
    let digest = sha256(prefix_and_body.as_bytes());
    let mut s = URL_SAFE_NO_PAD.encode(&digest[..5]);
    s.truncate(CHECKSUM_LEN);
    s
}

/// Checks prefix, length, alphabet and checksum, without any lookup.
pub fn check(token: &str) -> Result<()> {
    let Some(rest) = token.strip_prefix(PREFIX) else {
        return Err(Error::malformed("prefix", "auth tokens start with `tks_`"));
    };
    if token.len() != TOKEN_LEN {
        return Err(Error::malformed("length", format!("auth tokens are {TOKEN_LEN} characters, got {}", token.len())));
    }
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Error::malformed("alphabet", "auth tokens use only A-Z a-z 0-9 - _"));
    }
    let (head, sum) = token.split_at(PREFIX.len() + BODY_LEN);
    if !crate::crypto::ct_eq(checksum(head).as_bytes(), sum.as_bytes()) {
        return Err(Error::malformed("checksum", "checksum mismatch: the token is mistyped or truncated"));
    }
    Ok(())
}

/// Lower-case hex SHA-256 of the token: what stores keep and logs may show.
pub fn fingerprint(token: &str) -> String {
    let digest = sha256(token.as_bytes());
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A display form that identifies a token without revealing it: `tks_…` + its last 4 characters.
pub fn redact(token: &str) -> String {
    let tail: String = token.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{PREFIX}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_check_and_differ() {
        let ctx = Context::system();
        let a = generate(&ctx);
        let b = generate(&ctx);
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_LEN);
        check(&a).unwrap();
        assert_eq!(fingerprint(&a).len(), 64);
        assert!(redact(&a).starts_with("tks_…") && !redact(&a).contains(&a[4..20]));
    }

    #[test]
    fn typos_and_truncation_are_caught() {
        let t = generate(&Context::system());
        let field = |s: &str| check(s).unwrap_err().field().unwrap();
        assert_eq!(field(&t[..t.len() - 1]), "length");
        assert_eq!(field(&t.replacen("tks_", "tkx_", 1)), "prefix");
        assert_eq!(field(&format!("{}!{}", &t[..10], &t[11..])), "alphabet");
        let mut chars: Vec<char> = t.chars().collect();
        chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
        assert_eq!(field(&chars.into_iter().collect::<String>()), "checksum");
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        assert_eq!(fingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
