//! Round trips for arbitrary inputs: build → parse → verify, create → verify, issue → verify.

use proptest::prelude::*;
use tokensmith::ably::{self, Capability, Key, RequestCheck, TokenCheck, TokenParams};
use tokensmith::agora::{self, ChatTokenParams};
use tokensmith::{Context, auth_token};

const OPS: &[&str] = &["publish", "subscribe", "presence", "history", "*"];

fn capability() -> impl Strategy<Value = Capability> {
    prop::collection::btree_map("[a-z*:]{1,12}", prop::sample::subsequence(OPS, 1..3), 1..4).prop_map(|m| {
        let v: serde_json::Map<_, _> = m
            .into_iter()
            .map(|(r, ops)| {
                let ops = if ops.contains(&"*") { vec!["*"] } else { ops };
                (r, serde_json::json!(ops))
            })
            .collect();
        Capability::from_value(&serde_json::Value::Object(v)).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn agora_round_trip(user in "\\PC{0,80}", expire in 0u32..=86_400, issue_ts in any::<u32>(), salt in 1u32..=99_999_999, app in "[0-9a-fA-F]{32}", cert in "[0-9a-fA-F]{32}") {
        let ctx = Context::system();
        let p = ChatTokenParams { app_id: &app, app_certificate: &cert, expire, issue_ts: Some(issue_ts), salt: Some(salt) };
        let t = agora::build_chat_user_token(&ctx, &p, &user).unwrap();
        let now = u64::from(issue_ts);
        if expire > 0 {
            let v = agora::verify(&ctx, &t, &cert, Some(now)).unwrap();
            prop_assert_eq!(v.services[0].clone(), agora::Service::chat(Some(&user), expire));
        } else {
            prop_assert_eq!(agora::verify(&ctx, &t, &cert, Some(now)).unwrap_err().code(), "TOKEN_EXPIRED");
        }
        let app_token = agora::build_chat_app_token(&ctx, &p).unwrap();
        prop_assert_eq!(agora::parse(&app_token).unwrap().expires_at(), now + u64::from(expire));
    }

    #[test]
    fn ably_request_round_trip(cap in proptest::option::of(capability()), ttl in proptest::option::of(1u64..=86_400_000), client in proptest::option::of("[a-zA-Z0-9@.*_-]{1,20}")) {
        let ctx = Context::fixed(1_700_000_000_000);
        let key = Key::new("app.key", "s3cret").unwrap();
        let params = TokenParams { ttl, capability: cap.clone(), client_id: client.clone(), ..Default::default() };
        let req = ably::create_token_request(&ctx, &key, &params).unwrap();
        let wire: ably::TokenRequest = serde_json::from_str(&serde_json::to_string(&req).unwrap()).unwrap();
        let back = ably::verify_token_request(&ctx, &wire, &key, &RequestCheck::default()).unwrap();
        prop_assert_eq!((back.ttl, back.capability, back.client_id), (ttl, cap, client));
    }

    #[test]
    fn ably_jwt_round_trip(cap in capability(), ttl in 1_000u64..=86_400_000, client in proptest::option::of("[a-zA-Z0-9@._-]{1,20}")) {
        let ctx = Context::fixed(1_700_000_000_000);
        let key = Key::new("app.key", "s3cret").unwrap();
        let params = TokenParams { ttl: Some(ttl), capability: Some(cap.clone()), client_id: client.clone(), ..Default::default() };
        let td = ably::issue_token(&ctx, &key, &params, &Default::default()).unwrap();
        prop_assert_eq!(&td.capability, cap.canonical());
        let claims = ably::verify_token(&ctx, &td.token, &key, &TokenCheck::default()).unwrap();
        prop_assert_eq!(claims.client_id, client);
    }

    #[test]
    fn auth_tokens_always_check(_i in 0..50u8) {
        let t = auth_token::generate(&Context::system());
        prop_assert!(auth_token::check(&t).is_ok());
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,200}") {
        let ctx = Context::system();
        let _ = agora::parse(&format!("007{s}"));
        let _ = tokensmith::explain(&ctx, &s, Some("x"));
        let _ = auth_token::check(&s);
    }
}
