use super::*;

const APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";

fn params(expire: u32) -> ChatTokenParams<'static> {
    ChatTokenParams { app_id: APP_ID, app_certificate: CERT, expire, issue_ts: Some(1_111_111), salt: Some(1) }
}

#[test]
fn reference_user_token() {
    let ctx = Context::fixed(0);
    let t = build_chat_user_token(&ctx, &params(600), "2882341273").unwrap();
    assert_eq!(
        t,
        "007eJxTYNAIsnbS3v/A5t2TC6feR15r+6cq8bqAvfaW+tk/Vzz+p6xTYLA0N3B2NDZNSTUzSDYxMTMxTUpKTLVINDI0NTAzTDI2dv8iwBDBxMDAyADCrEDMCOZzMRhZWBgZmxgamRsDAB+lHrg="
    );
}

#[test]
fn defaults_come_from_the_context() {
    let ctx = Context::fixed(1_700_000_000_500);
    let p = ChatTokenParams { issue_ts: None, salt: None, ..params(3600) };
    let t = parse(&build_chat_app_token(&ctx, &p).unwrap()).unwrap();
    assert_eq!(t.issue_ts, 1_700_000_000);
    assert!((1..=SALT_MAX).contains(&t.salt));
}

#[test]
fn verify_checks_signature_then_expiry() {
    let ctx = Context::fixed(0);
    let t = build_chat_user_token(&ctx, &params(600), "u").unwrap();
    assert!(verify(&ctx, &t, CERT, Some(1_111_111 + 599)).is_ok());
    let e = verify(&ctx, &t, CERT, Some(1_111_111 + 610)).unwrap_err();
    assert_eq!(e, Error::TokenExpired { by_secs: 10, vendor: None });
    let other = "5CFd2fd1755d40ecb72977518be15d3c";
    assert_eq!(verify(&ctx, &t, other, Some(1_111_111)).unwrap_err().code(), "BAD_SIGNATURE");
}

#[test]
fn bad_input_names_the_field() {
    let ctx = Context::fixed(0);
    let cases: Vec<(ChatTokenParams, &str)> = vec![
        (ChatTokenParams { app_id: "xyz", ..params(60) }, "app_id"),
        (ChatTokenParams { app_id: "970CA35de60c44645bbae8a215061b3g", ..params(60) }, "app_id"),
        (ChatTokenParams { app_certificate: "", ..params(60) }, "app_certificate"),
        (params(86_401), "expire"),
    ];
    for (p, field) in cases {
        let e = build_chat_user_token(&ctx, &p, "u").unwrap_err();
        assert_eq!((e.code(), e.field()), ("INVALID_ARGUMENT", Some(field)));
        assert!(!e.to_string().contains(CERT));
    }
    let long = "a".repeat(65_536);
    assert_eq!(build_chat_user_token(&ctx, &params(60), &long).unwrap_err().field(), Some("user_id"));
    assert!(build_chat_user_token(&ctx, &params(60), &"a".repeat(65_535)).is_ok());
}

#[test]
fn malformed_tokens_name_the_field() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let zlib = |b: &[u8]| {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    };
    let ctx = Context::fixed(0);
    let good = build_chat_user_token(&ctx, &params(600), "u").unwrap();
    let payload = decode_payload(&good).unwrap();
    let mut trailing = payload.clone();
    trailing.push(0);
    let mut stream_trailing = base64::engine::general_purpose::STANDARD.decode(&good[3..]).unwrap();
    stream_trailing.push(7);
    let cases = vec![
        (String::new(), "version"),
        ("006abc".to_owned(), "version"),
        ("007!!!".to_owned(), "base64"),
        (good.trim_end_matches('=').to_owned(), "base64"),
        (format!("007{}", b64(b"not zlib")), "zlib"),
        (format!("007{}", b64(&zlib(&payload)[..20])), "zlib"),
        (format!("007{}", b64(&zlib(&payload[..70]))), "issue_ts"),
        (format!("007{}", b64(&zlib(&payload[..payload.len() - 3]))), "user_id"),
        (format!("007{}", b64(&zlib(&trailing))), "trailing"),
        (format!("007{}", b64(&stream_trailing)), "trailing"),
        (format!("007{}", b64(&zlib(&[1, 0, 9]))), "signature"),
    ];
    for (token, field) in cases {
        let e = parse(&token).unwrap_err();
        assert_eq!((e.code(), e.field()), ("MALFORMED_TOKEN", Some(field)), "{token}");
    }
}

#[test]
fn service_count_larger_than_present_is_truncated() {
    let ctx = Context::fixed(0);
    let good = build_chat_user_token(&ctx, &params(600), "u").unwrap();
    let mut payload = decode_payload(&good).unwrap();
    // service_count sits right after signature(34) + app_id(34) + 3 × u32.
    payload[34 + 34 + 12] = 2;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut e, &payload).unwrap();
    use base64::Engine as _;
    let t = format!("007{}", base64::engine::general_purpose::STANDARD.encode(e.finish().unwrap()));
    assert_eq!(parse(&t).unwrap_err().field(), Some("services"));
}

#[test]
fn debug_redacts_the_certificate() {
    let text = format!("{:?}", params(600));
    assert!(text.contains(APP_ID) && !text.contains(CERT), "{text}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

    /// The chat builder writes exactly what the general `AccessToken2::build` writes.
    #[test]
    fn chat_builder_equals_the_general_builder(
        app in "[0-9a-fA-F]{32}",
        cert in "[0-9a-fA-F]{32}",
        issue_ts in proptest::prelude::any::<u32>(),
        expire in proptest::prelude::any::<u32>(),
        salt in proptest::prelude::any::<u32>(),
        user in proptest::option::of("\\PC{0,300}"),
    ) {
        let general = AccessToken2 {
            app_id: app.clone(),
            issue_ts,
            expire,
            salt,
            services: vec![Service::chat(user.as_deref(), expire)],
            signature: Vec::new(),
            signing_info: Vec::new(),
        }
        .build(&cert)
        .unwrap();
        let chat = token::build_chat_token(&cert, &app, issue_ts, expire, salt, user.as_deref());
        proptest::prop_assert_eq!(chat, general);
    }
}
