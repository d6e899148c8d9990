//! Writing and signing an Ably JWT: the issuing hot path.
//!
//! The header is fixed but for `kid`, so it is encoded once per key, together with the HMAC
//! state that has absorbed it. The claims JSON is written by hand, byte for byte what
//! serde_json writes for [`Claims`](super::Claims) (the tests compare the two), and the whole
//! token is base64-encoded into one buffer of the exact size.

use std::cell::RefCell;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Capability, Key};
use crate::crypto::ct_eq;

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// One key's encoded header (with the `.` after it) and the HMAC state that has absorbed it.
struct Signer {
    secret: Zeroizing<Vec<u8>>,
    kid: String,
    header: String,
    mac: Hmac<Sha256>,
}

impl Signer {
    fn new(key: &Key) -> Signer {
        let secret = key.secret.expose().as_bytes();
        let json = serde_json::to_vec(&Header { alg: "HS256", typ: "JWT", kid: &key.name }).expect("serialisable");
        let mut header = URL_SAFE_NO_PAD.encode(json);
        header.push('.');
        let mut mac = <Hmac<Sha256>>::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(header.as_bytes());
        Signer { secret: Zeroizing::new(secret.to_vec()), kid: key.name.clone(), header, mac }
    }

    fn is_for(&self, key: &Key) -> bool {
        self.kid == key.name && ct_eq(&self.secret, key.secret.expose().as_bytes())
    }
}

thread_local! {
    /// The key that last issued on this thread: servers issue with one or two keys, and the
    /// header and keying are a fifth of the work.
    static SIGNER: RefCell<Option<Signer>> = const { RefCell::new(None) };
}

/// `f` applied to this thread's signer for `key`, made (and kept) if the last key was another.
fn with_signer<R>(key: &Key, f: impl Fn(&Signer) -> R) -> R {
    let out = SIGNER.try_with(|cell| {
        let mut cell = cell.borrow_mut();
        match &*cell {
            Some(signer) if signer.is_for(key) => f(signer),
            _ => f(cell.insert(Signer::new(key))),
        }
    });
    // During thread teardown the cache may be gone: work without it.
    out.unwrap_or_else(|_| f(&Signer::new(key)))
}

/// The Ably JWT with these claims, signed with `key`.
pub(super) fn encode(key: &Key, iat: u64, exp: u64, capability: &Capability, client_id: Option<&str>) -> String {
    let claims = claims_json(iat, exp, capability, client_id);
    with_signer(key, |signer| sign(signer, &claims))
}

/// For verifying: the HMAC state that has absorbed `header` and its `.`, when `header` (the
/// token's first part) is the one [`encode`] writes for `key`, so the token's `alg` is HS256
/// and its `kid` is the key's name. Other headers take the decoding way.
pub(super) fn keyed_after_header(key: &Key, header: &str) -> Option<Hmac<Sha256>> {
    with_signer(key, |signer| (signer.header.strip_suffix('.') == Some(header)).then(|| signer.mac.clone()))
}

fn sign(signer: &Signer, claims: &[u8]) -> String {
    let header = signer.header.as_bytes();
    let claims_len = base64::encoded_len(claims.len(), false).expect("claims fit in memory");
    let sig_len = base64::encoded_len(32, false).expect("constant");
    let len = header.len() + claims_len + 1 + sig_len;
    let mut token = Vec::with_capacity(len);
    token.extend_from_slice(header);
    token.resize(len, 0);
    let (body, rest) = token[header.len()..].split_at_mut(claims_len);
    URL_SAFE_NO_PAD.encode_slice(claims, body).expect("sized for the claims");
    let mut mac = signer.mac.clone();
    mac.update(body);
    rest[0] = b'.';
    URL_SAFE_NO_PAD.encode_slice(mac.finalize().into_bytes(), &mut rest[1..]).expect("sized for the signature");
    String::from_utf8(token).expect("base64url and dots are ASCII")
}

/// `{"iat":…,"exp":…,"x-ably-capability":"…"[,"x-ably-clientId":"…"]}`, as serde_json writes it.
fn claims_json(iat: u64, exp: u64, capability: &Capability, client_id: Option<&str>) -> Vec<u8> {
    let quoted = capability.canonical_quoted();
    let mut out = Vec::with_capacity(96 + quoted.len() + client_id.map_or(0, str::len));
    // Writing to a Vec cannot fail; serde_json writes integers without `fmt`.
    out.extend_from_slice(br#"{"iat":"#);
    let _ = serde_json::to_writer(&mut out, &iat);
    out.extend_from_slice(br#","exp":"#);
    let _ = serde_json::to_writer(&mut out, &exp);
    out.extend_from_slice(br#","x-ably-capability":"#);
    out.extend_from_slice(quoted.as_bytes());
    if let Some(client_id) = client_id {
        out.extend_from_slice(br#","x-ably-clientId":"#);
        push_json_string(&mut out, client_id);
    }
    out.push(b'}');
    out
}

/// `s` as a JSON string; only a string that needs escaping goes through serde_json.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hmac_sha256;

    /// The encoder this module replaced: serde_json for both parts, then base64url.
    fn reference(key: &Key, iat: u64, exp: u64, capability: &Capability, client_id: Option<&str>) -> String {
        #[derive(Serialize)]
        struct Claims<'a> {
            iat: u64,
            exp: u64,
            #[serde(rename = "x-ably-capability")]
            capability: &'a str,
            #[serde(rename = "x-ably-clientId", skip_serializing_if = "Option::is_none")]
            client_id: Option<&'a str>,
        }
        let header = serde_json::to_vec(&Header { alg: "HS256", typ: "JWT", kid: &key.name }).unwrap();
        let claims = Claims { iat, exp, capability: capability.canonical(), client_id };
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
        );
        let sig = hmac_sha256(key.secret.expose().as_bytes(), &[signed.as_bytes()]);
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    #[test]
    fn byte_for_byte_the_serde_encoding() {
        let odd = "q\"b\\s/\u{1}\u{8}\t\n\u{c}\r\u{1f}\u{7f} é 😀 \u{2028}";
        let keys = [
            Key::new("appAlpha.keyOne", "alphaSecretValue01").unwrap(),
            Key::new("app.k\u{e9}y\"\\", "s3cr3t-\u{1F600}").unwrap(),
            Key::new("appAlpha.keyOne", "anotherSecret").unwrap(),
            Key::new("appAlpha.keyOne", "x".repeat(100)).unwrap(),
        ];
        let caps = [
            Capability::all(),
            Capability::parse("{}").unwrap(),
            Capability::parse(r#"{"chat:*":["presence","publish","subscribe"],"notifications":["subscribe"]}"#)
                .unwrap(),
            Capability::parse(&serde_json::json!({ odd: ["publish"], "z": ["*"] }).to_string()).unwrap(),
        ];
        let client_ids = [None, Some("alice"), Some("*"), Some(odd), Some("\u{0}")];
        // Each key in turn, and back again, so the per-thread signer is replaced and reused.
        for key in keys.iter().chain(keys.iter().rev()) {
            for cap in &caps {
                for client_id in client_ids {
                    for (iat, exp) in [(0, 1), (1_700_000_000, 1_700_003_600), (u64::MAX - 1, u64::MAX)] {
                        assert_eq!(
                            encode(key, iat, exp, cap, client_id),
                            reference(key, iat, exp, cap, client_id),
                            "{:?} {cap:?} {client_id:?} {iat}",
                            key.name
                        );
                    }
                }
            }
        }
    }
}
