//! The fast path against libz (flate2's zlib backend, the static zlib the crate links),
//! byte for byte, and each of its decisions against what libz's output shows it decided.
//!
//! For every input `check` proves:
//! - the LZ77 symbols equal the ones decoded from libz's block (fixed or dynamic);
//! - the block type chosen equals libz's, and the exact sizes equal the real ones: a fixed
//!   block's bits are `3 + static_len`, a dynamic block's `3 + opt_len`, and its code lengths
//!   (literal, distance and bit-length trees, and how many of each were sent) are ours;
//! - the cheap bound never exceeds the exact dynamic size (so it can only decide correctly);
//! - `compress` writes libz's exact bytes, or falls back only where libz wrote a dynamic block.

mod inflate;

use flate2::{Compress, Compression, FlushCompress, Status};
use proptest::prelude::*;

use super::cost::{self, Block};
use super::{Lz77, MAX_INPUT, Outcome, compress};
use crate::agora::{AccessToken2, Service};

/// Vanilla zlib level 6 with the zlib wrapper, from a fresh stream.
fn libz(input: &[u8]) -> Vec<u8> {
    let mut z = Compress::new(Compression::new(6), true);
    let mut out = Vec::with_capacity(input.len() + 64);
    loop {
        let st = z.compress_vec(&input[z.total_in() as usize..], &mut out, FlushCompress::Finish).unwrap();
        if st == Status::StreamEnd {
            return out;
        }
        out.reserve(out.capacity());
    }
}

/// Everything the module header lists, for one input; returns what `compress` did and
/// whether the cheap bound decided.
fn check(input: &[u8]) -> (Outcome, bool) {
    assert!(input.len() <= MAX_INPUT);
    let z = libz(input);
    let zp = inflate::parse(&z);
    assert_eq!(zp.data, input);

    let mut lz = Lz77::new();
    lz.run(input);
    if zp.btype != 0 {
        assert_eq!(lz.syms, zp.syms, "LZ77 symbols");
    }
    let (static_bits, extra) = cost::static_and_extra_bits(&lz.tally);
    assert_eq!((lz.tally.fixed_bits, lz.tally.extra_bits), (static_bits, extra));
    let exact = lz.trees.dynamic_bits(&lz.tally) + extra;
    let lower = cost::dynamic_lower_bound(&lz.tally, &mut Default::default()) + extra;
    assert!(lower <= exact, "bound {lower} > exact {exact}");
    match zp.btype {
        1 => assert_eq!(3 + static_bits as usize, zp.block_bits, "static_len"),
        2 => {
            let t = &lz.trees;
            let (lit_max, dist_max, max_blindex) = t.max_codes;
            assert_eq!(&t.lit_len[..=lit_max], &zp.lit_lens[..], "literal/length lengths");
            assert_eq!(&t.dist_len[..=dist_max], &zp.dist_lens[..], "distance lengths");
            assert_eq!((t.bl_len, max_blindex + 1), (zp.bl_lens, zp.blcodes), "bl tree");
            assert_eq!(3 + exact as usize, zp.block_bits, "opt_len");
        }
        _ => {}
    }
    let choice = cost::choose(&lz.tally, input.len(), &mut lz.trees);
    let want = [Block::Stored, Block::Fixed, Block::Dynamic][zp.btype as usize];
    assert_eq!(choice.block, want, "block type");

    let mut out = vec![1, 2, 3];
    let outcome = compress(input, &mut out);
    match outcome {
        Outcome::Written(b) => {
            assert_eq!(b, want);
            assert_eq!(out, z, "bytes");
        }
        Outcome::Fallback => {
            assert_eq!(want, Block::Dynamic);
            assert!(out.is_empty());
        }
    }
    (outcome, choice.by_bound)
}

/// An AccessToken2 chat payload as `build` lays it out: signature, then the signing info.
fn chat_payload(sig: &[u8; 32], app_id: &str, ts: u32, expire: u32, salt: u32, user: Option<&str>) -> Vec<u8> {
    let t = AccessToken2 {
        app_id: app_id.to_owned(),
        issue_ts: ts,
        expire,
        salt,
        services: vec![Service::chat(user, expire)],
        signature: Vec::new(),
        signing_info: Vec::new(),
    };
    let mut p = vec![32, 0];
    p.extend_from_slice(sig);
    p.extend_from_slice(&t.encode_signing_info().unwrap());
    p
}

#[test]
fn golden_vectors_are_written_by_the_fast_path() {
    use base64::Engine as _;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/agora_accesstoken2.json");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let mut seen = 0;
    for c in cases {
        let payload = hex::decode(c["payload_hex"].as_str().unwrap()).unwrap();
        let token = c["token"].as_str().unwrap();
        let want = base64::engine::general_purpose::STANDARD.decode(&token[3..]).unwrap();
        let (outcome, _) = check(&payload);
        assert!(matches!(outcome, Outcome::Written(Block::Fixed)), "{}", c["name"]);
        let mut out = Vec::new();
        compress(&payload, &mut out);
        assert_eq!(out, want, "{}", c["name"]);
        seen += 1;
    }
    for c in doc["other_reference_test_vectors"].as_array().unwrap() {
        check(&hex::decode(c["payload_hex"].as_str().unwrap()).unwrap());
    }
    assert_eq!(seen, 9);
}

#[test]
fn edge_inputs() {
    check(b"");
    for n in 1..=600 {
        check(&vec![b'a'; n]); // runs: overlapping matches, 258 caps, lazy evaluation
        let ramp: Vec<u8> = (0..n).map(|i| (i % 7) as u8).collect();
        check(&ramp);
    }
    // Every string of length <= 9 over two letters.
    for len in 0..=9 {
        for bits in 0..1u32 << len {
            let s: Vec<u8> = (0..len).map(|i| b'a' + ((bits >> i) & 1) as u8).collect();
            check(&s);
        }
    }
}

/// Long small-alphabet inputs: long hash chains (the 128- and 32-candidate budgets), and above
/// 4 KiB, length-3 matches further than TOO_FAR, which zlib drops.
#[test]
fn long_chains_and_too_far_matches() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for letters in [2, 3, 4, 16] {
        for n in [2000, 4097, 6500, MAX_INPUT] {
            let data: Vec<u8> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b'a' + (x % letters) as u8
                })
                .collect();
            check(&data);
        }
    }
    let mut out = Vec::new();
    assert_eq!(compress(&vec![0; MAX_INPUT + 1], &mut out), Outcome::Fallback);
}

fn user_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,300}",
        "\\PC{0,100}",
        ("[a-z0-9]{1,4}", 1..100usize).prop_map(|(s, k)| s.repeat(k).chars().take(300).collect()),
        "[a-z]{0,8}-[0-9]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn chat_payloads_equal_libz(
        sig in any::<[u8; 32]>(),
        app_id in "[0-9a-fA-F]{32}",
        user in proptest::option::of(user_id()),
        ts in any::<u32>(),
        expire in any::<u32>(),
        salt in any::<u32>(),
    ) {
        check(&chat_payload(&sig, &app_id, ts, expire, salt, user.as_deref()));
    }

    #[test]
    fn random_bytes_equal_libz(
        data in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..=1000),
            proptest::collection::vec(0u8..4, 0..=1000),
            proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), any::<u8>()], 0..=1000),
            (proptest::collection::vec(any::<u8>(), 1..8), 1..300usize, proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6))
                .prop_map(|(seed, k, edits)| {
                    let mut v: Vec<u8> = seed.iter().copied().cycle().take((seed.len() * k).min(1000)).collect();
                    for (i, b) in edits {
                        if !v.is_empty() {
                            let at = i % v.len();
                            v[at] = b;
                        }
                    }
                    v
                }),
        ]
    ) {
        check(&data);
    }
}

/// The speed target is real only if realistic chat tokens take the fast path: user ids of
/// 0..=32 bytes as apps use them, random salts and signatures, current timestamps.
#[test]
fn realistic_chat_payloads_take_the_fast_path() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@";
    const HEX: &[u8] = b"0123456789abcdef";
    let (mut total, mut fast, mut by_bound) = (0, 0, 0);
    for i in 0..3000 {
        let len = (next() % 33) as usize;
        let user: String = match i % 3 {
            0 => (0..len).map(|_| ALNUM[(next() % ALNUM.len() as u64) as usize] as char).collect(),
            1 => format!("user-{}", next() % 10u64.pow((len.min(19)) as u32).max(1)),
            _ => (0..len).map(|_| HEX[(next() % 16) as usize] as char).collect(),
        };
        let app_id: String = (0..32).map(|_| HEX[(next() % 16) as usize] as char).collect();
        let mut sig = [0u8; 32];
        sig.iter_mut().for_each(|b| *b = next() as u8);
        let ts = 1_700_000_000 + (next() % 100_000_000) as u32;
        let expire = [3600, 86_400, (next() % 86_401) as u32][(next() % 3) as usize];
        let salt = 1 + (next() % 99_999_999) as u32;
        let user = (i % 10 != 9).then_some(user.as_str()); // some app tokens
        let (outcome, bound) = check(&chat_payload(&sig, &app_id, ts, expire, salt, user));
        total += 1;
        fast += usize::from(matches!(outcome, Outcome::Written(_)));
        by_bound += usize::from(bound);
    }
    let rate = fast as f64 / total as f64;
    eprintln!(
        "fast path: {fast}/{total} ({:.1} %), decided by the cheap bound: {by_bound} ({:.1} %)",
        rate * 100.0,
        by_bound as f64 * 100.0 / total as f64
    );
    assert!(rate >= 0.90, "fast-path rate {rate}");
}
