//! The two primitives every format signs with.

use std::cell::RefCell;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// HMAC-SHA256 of the concatenation of `parts` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC accepts any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// A key (kept to recognise it, zeroized when replaced) and its keyed HMAC state.
type KeyedMac = (Zeroizing<Vec<u8>>, Hmac<Sha256>);

thread_local! {
    /// The keyed HMAC state of the last long-lived key used on this thread. Servers sign with
    /// one or two API keys again and again, and keying costs two of the ~7 SHA-256 blocks of a
    /// JWT or TokenRequest signature.
    static KEYED: RefCell<Option<KeyedMac>> = const { RefCell::new(None) };
}

/// [`hmac_sha256`] for a key used many times (an API key secret, not a per-token derived key):
/// the keyed state is kept per thread, so repeated signatures skip the key setup.
pub(crate) fn hmac_sha256_reused_key(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let keyed = KEYED.try_with(|cell| {
        let mut cell = cell.borrow_mut();
        match &*cell {
            Some((k, mac)) if ct_eq(k, key) => mac.clone(),
            _ => {
                let mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC accepts any key length");
                *cell = Some((Zeroizing::new(key.to_vec()), mac.clone()));
                mac
            }
        }
    });
    // During thread teardown the cache may be gone: key afresh.
    let Ok(mut mac) = keyed else { return hmac_sha256(key, parts) };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Constant-time equality (length is not secret). The bytes are OR-folded and only the result
/// goes through `subtle`: its slice `ct_eq` puts an optimisation barrier on every byte, which
/// costs more than the rest of a key-cache lookup.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)).ct_eq(&0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_compares_every_byte_and_the_length() {
        let a = b"uqPm4yHQiMQGWc8bi4kRnqWv6Gc1trP5s3YvJ8mTqKR";
        assert!(ct_eq(a, a) && ct_eq(b"", b""));
        for i in 0..a.len() {
            let mut b = *a;
            b[i] ^= 0x80;
            assert!(!ct_eq(a, &b), "byte {i}");
        }
        assert!(!ct_eq(a, &a[..a.len() - 1]) && !ct_eq(b"", b"x"));
    }

    #[test]
    fn reused_key_state_equals_a_fresh_one() {
        let long = [7u8; 100]; // longer than a block: HMAC hashes it first
        for key in [&b"k1"[..], b"k2", b"k1", b"k1", b"", &long, &long, b"k2"] {
            assert_eq!(hmac_sha256_reused_key(key, &[b"a", b"bc"]), hmac_sha256(key, &[b"abc"]));
        }
    }
}
