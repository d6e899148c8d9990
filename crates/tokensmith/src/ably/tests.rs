use super::*;
use crate::{Context, Error};

fn key() -> Key {
    Key::new("appAlpha.keyOne", "alphaSecretValue01").unwrap()
}

fn params() -> TokenParams {
    TokenParams { timestamp: Some(1_700_000_000_000), nonce: Some("0000000000000001".into()), ..Default::default() }
}

#[test]
fn first_vector_mac() {
    let r = create_token_request(&Context::fixed(0), &key(), &params()).unwrap();
    assert_eq!(r.signed_text(), "appAlpha.keyOne\n\n\n\n1700000000000\n0000000000000001\n");
    assert_eq!(r.mac, "tdmWZ5T2tZbDFm6ZxX9Gfth2yC6TTkFp61i9PPS53B8=");
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"keyName":"appAlpha.keyOne","timestamp":1700000000000,"nonce":"0000000000000001","mac":"tdmWZ5T2tZbDFm6ZxX9Gfth2yC6TTkFp61i9PPS53B8="}"#
    );
}

#[test]
fn empty_object_capability_is_signed_like_ably_js() {
    let k = Key::new("quirk.app", "quirkSecret").unwrap();
    let p = |cap: &str| TokenParams {
        capability: Some(Capability::parse(cap).unwrap()),
        timestamp: Some(1_700_000_000_000),
        nonce: Some("quirk-nonce-0001".into()),
        ..Default::default()
    };
    let mac = |cap| create_token_request(&Context::fixed(0), &k, &p(cap)).unwrap().mac;
    assert_eq!(mac("{}"), "NdLTYQ9klLlzZ7f1jteFHcG39BPYRrbgUOqPXsbcqwM=");
}

#[test]
fn defaults_come_from_the_context() {
    let r = create_token_request(&Context::fixed(42), &key(), &TokenParams::default()).unwrap();
    assert_eq!(r.timestamp, 42);
    assert!(r.nonce.len() >= MIN_NONCE_LEN);
}

#[test]
fn bad_params_are_refused() {
    let ctx = Context::fixed(0);
    for (p, field) in [
        (TokenParams { ttl: Some(0), ..params() }, "ttl"),
        (TokenParams { ttl: Some(MAX_TTL_MS + 1), ..params() }, "ttl"),
        (TokenParams { client_id: Some(String::new()), ..params() }, "client_id"),
        (TokenParams { nonce: Some("short".into()), ..params() }, "nonce"),
    ] {
        assert_eq!(create_token_request(&ctx, &key(), &p).unwrap_err().field(), Some(field));
    }
}

#[test]
fn verify_accepts_then_refuses_each_alteration() {
    let ctx = Context::fixed(1_700_000_000_000);
    let p = TokenParams { ttl: Some(60_000), client_id: Some("bob".into()), ..params() };
    let good = create_token_request(&ctx, &key(), &p).unwrap();
    let check = RequestCheck::default();
    assert_eq!(verify_token_request(&ctx, &good, &key(), &check).unwrap().client_id.as_deref(), Some("bob"));
    let alter: Vec<fn(&mut TokenRequest)> = vec![
        |r| r.ttl = Some(60_001),
        |r| r.capability = Some(r#"{"*":["*"]}"#.into()),
        |r| r.client_id = None,
        |r| r.timestamp += 1,
        |r| r.nonce.push('x'),
        |r| r.mac = "AAAA".into(),
        |r| r.mac.clear(),
    ];
    for f in alter {
        let mut r = good.clone();
        f(&mut r);
        let e = verify_token_request(&ctx, &r, &key(), &check).unwrap_err();
        assert_eq!((e.code(), e.vendor_code()), ("BAD_SIGNATURE", Some(40101)));
    }
    let wrong = Key::new("appAlpha.keyOne", "other").unwrap();
    assert_eq!(verify_token_request(&ctx, &good, &wrong, &check).unwrap_err().code(), "BAD_SIGNATURE");
    let other_name = Key::new("appAlpha.keyTwo", "alphaSecretValue01").unwrap();
    assert_eq!(verify_token_request(&ctx, &good, &other_name, &check).unwrap_err().code(), "KEY_MISMATCH");
}

#[test]
fn verify_enforces_window_and_replay() {
    let ctx = Context::fixed(1_700_000_000_000);
    let good = create_token_request(&ctx, &key(), &params()).unwrap();
    let late = RequestCheck { now_ms: Some(1_700_000_000_000 + 120_001), ..Default::default() };
    let e = verify_token_request(&ctx, &good, &key(), &late).unwrap_err();
    assert_eq!((e.code(), e.vendor_code()), ("TIMESTAMP_OUT_OF_WINDOW", Some(40104)));
    let early = RequestCheck { now_ms: Some(1_700_000_000_000 - 120_001), ..Default::default() };
    assert_eq!(
        verify_token_request(&ctx, &good, &key(), &early).unwrap_err(),
        Error::TimestampOutOfWindow { by_ms: 1 }
    );
    let cache = MemoryNonceCache::default();
    let check = RequestCheck { nonces: Some(&cache), ..Default::default() };
    verify_token_request(&ctx, &good, &key(), &check).unwrap();
    let e = verify_token_request(&ctx, &good, &key(), &check).unwrap_err();
    assert_eq!((e.code(), e.vendor_code()), ("REPLAYED_NONCE", Some(40105)));
}

#[test]
fn numeric_strings_are_accepted_on_the_wire() {
    let r: TokenRequest = serde_json::from_str(
        r#"{"keyName":"a.b","ttl":"3600000","timestamp":"1700000000000","nonce":"0000000000000001","mac":"x"}"#,
    )
    .unwrap();
    assert_eq!((r.ttl, r.timestamp), (Some(3_600_000), 1_700_000_000_000));
    for bad in [r#""ttl":"-1""#, r#""ttl":"01""#, r#""ttl":1.5"#, r#""ttl":"""#] {
        let text = format!(r#"{{"keyName":"a.b",{bad},"timestamp":1,"nonce":"n"}}"#);
        assert!(serde_json::from_str::<TokenRequest>(&text).is_err(), "{bad}");
    }
}

#[test]
fn jwt_issue_and_verify() {
    let ctx = Context::fixed(1_700_000_000_700);
    let want = Capability::parse(r#"{"chat:*":["publish","subscribe"]}"#).unwrap();
    let opts = IssueOptions {
        key_capability: Capability::parse(r#"{"chat:*":["subscribe"]}"#).unwrap(),
        ..Default::default()
    };
    let p = TokenParams {
        ttl: Some(60_000),
        capability: Some(want),
        client_id: Some("alice".into()),
        ..Default::default()
    };
    let td = issue_token(&ctx, &key(), &p, &opts).unwrap();
    assert_eq!((td.issued, td.expires), (1_700_000_000_000, 1_700_000_060_000));
    assert_eq!(td.capability, r#"{"chat:*":["subscribe"]}"#);
    assert!(!td.token.contains(':'));
    assert!(!format!("{td:?}").contains(&td.token), "Debug must not show the bearer token");

    let check = TokenCheck {
        client_id: Some("alice".into()),
        operation: Some(("chat:lobby".into(), "subscribe".into())),
        ..Default::default()
    };
    let claims = verify_token(&ctx, &td.token, &key(), &check).unwrap();
    assert_eq!(claims.client_id.as_deref(), Some("alice"));

    let at = |ms| TokenCheck { now_ms: Some(ms), ..Default::default() };
    let e = verify_token(&ctx, &td.token, &key(), &at(1_700_000_065_000)).unwrap_err();
    assert_eq!((e.code(), e.vendor_code()), ("TOKEN_EXPIRED", Some(40142)));
    let lenient = TokenCheck { leeway_secs: 10, ..at(1_700_000_065_000) };
    assert!(verify_token(&ctx, &td.token, &key(), &lenient).is_ok());
    assert_eq!(
        verify_token(&ctx, &td.token, &key(), &at(1_699_999_990_000)).unwrap_err().code(),
        "TOKEN_NOT_YET_VALID"
    );

    let bob = TokenCheck { client_id: Some("bob".into()), ..Default::default() };
    assert_eq!(verify_token(&ctx, &td.token, &key(), &bob).unwrap_err().vendor_code(), Some(40102));
    let publish = TokenCheck { operation: Some(("chat:lobby".into(), "publish".into())), ..Default::default() };
    assert_eq!(verify_token(&ctx, &td.token, &key(), &publish).unwrap_err().code(), "CAPABILITY_REFUSED");

    let wrong = Key::new("appAlpha.keyOne", "nope").unwrap();
    assert_eq!(verify_token(&ctx, &td.token, &wrong, &TokenCheck::default()).unwrap_err().vendor_code(), Some(40144));
    let mut tampered = td.token.clone();
    tampered.insert(td.token.find('.').unwrap() + 1, 'e');
    assert_eq!(verify_token(&ctx, &tampered, &key(), &TokenCheck::default()).unwrap_err().code(), "MALFORMED_TOKEN");
    for bad in ["", "a.b", "a.b.c.d", "!.!.!"] {
        assert_eq!(verify_token(&ctx, bad, &key(), &TokenCheck::default()).unwrap_err().code(), "MALFORMED_TOKEN");
    }
}

#[test]
fn jwt_limits() {
    let ctx = Context::fixed(1_700_000_000_000);
    let opts = IssueOptions { max_ttl_ms: 3_600_000, ..Default::default() };
    let long = TokenParams { ttl: Some(3_600_001), ..Default::default() };
    assert_eq!(issue_token(&ctx, &key(), &long, &opts).unwrap_err().field(), Some("ttl"));
    let td = issue_token(&ctx, &key(), &TokenParams::default(), &IssueOptions::default()).unwrap();
    assert_eq!(
        (td.expires - td.issued, td.capability.as_str(), td.client_id),
        (DEFAULT_TTL_MS, r#"{"*":["*"]}"#, None)
    );
    let refused =
        TokenParams { capability: Some(Capability::parse(r#"{"x":["publish"]}"#).unwrap()), ..Default::default() };
    let narrow = IssueOptions { key_capability: Capability::parse(r#"{"y":["*"]}"#).unwrap(), ..Default::default() };
    assert_eq!(issue_token(&ctx, &key(), &refused, &narrow).unwrap_err().vendor_code(), Some(40160));
}
