//! The golden vectors from the vendors' own libraries, and the cross-language error contract.

use serde_json::Value;
use tokensmith::ably::{self, Capability, Key, RequestCheck, TokenCheck, TokenParams, TokenRequest};
use tokensmith::agora::{self, ChatTokenParams};
use tokensmith::{Context, Error, auth_token};

fn load(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

#[test]
fn agora_chat_cases_are_byte_exact_and_verify() {
    let ctx = Context::system();
    let doc = load("agora_accesstoken2.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for c in cases {
        let name = s(&c["name"]);
        let p = ChatTokenParams {
            app_id: s(&c["app_id"]),
            app_certificate: s(&c["app_certificate"]),
            expire: c["expire"].as_u64().unwrap() as u32,
            issue_ts: Some(c["issue_ts"].as_u64().unwrap() as u32),
            salt: Some(c["salt"].as_u64().unwrap() as u32),
        };
        let token = match s(&c["kind"]) {
            "chat_user" => agora::build_chat_user_token(&ctx, &p, s(&c["user_id"])).unwrap(),
            _ => agora::build_chat_app_token(&ctx, &p).unwrap(),
        };
        assert_eq!(hex(&agora::decode_payload(&token).unwrap()), s(&c["payload_hex"]), "{name} payload");
        assert_eq!(token, s(&c["token"]), "{name} token");
        let parsed = agora::parse(&token).unwrap();
        assert_eq!(hex(&parsed.signing_info), s(&c["signing_info_hex"]), "{name}");
        assert_eq!(hex(&parsed.signature), s(&c["signature_hex"]), "{name}");

        let now = u64::from(parsed.issue_ts) + u64::from(parsed.expire) / 2;
        for variant in ["token", "token_node", "token_go_reference_test"] {
            let Some(t) = c[variant].as_str() else {
                continue;
            };
            let v = agora::verify(&ctx, t, p.app_certificate, Some(now))
                .unwrap_or_else(|e| panic!("{name}/{variant}: {e}"));
            assert_eq!((v.app_id.as_str(), v.issue_ts, v.salt), (p.app_id, p.issue_ts.unwrap(), p.salt.unwrap()));
            let other = "00000000000000000000000000000000";
            assert_eq!(agora::verify(&ctx, t, other, Some(now)).unwrap_err().code(), "BAD_SIGNATURE");
        }
    }
}

#[test]
fn agora_other_services_parse_verify_and_reencode() {
    let ctx = Context::system();
    let doc = load("agora_accesstoken2.json");
    for c in doc["other_reference_test_vectors"].as_array().unwrap() {
        let name = s(&c["name"]);
        for (producer, t) in c["tokens"].as_object().unwrap() {
            let t = s(t);
            assert_eq!(hex(&agora::decode_payload(t).unwrap()), s(&c["payload_hex"]), "{name}/{producer}");
            let now = c["issue_ts"].as_u64().unwrap() + 1;
            let parsed = agora::verify(&ctx, t, s(&c["app_certificate"]), Some(now)).unwrap();
            let want: Vec<u64> =
                c["services"].as_array().unwrap().iter().map(|s| s["type"].as_u64().unwrap()).collect();
            let got: Vec<u64> = parsed.services.iter().map(|s| u64::from(s.service_type)).collect();
            assert_eq!(got, want, "{name}");
            // Our serialiser reproduces the signed bytes of every service kind.
            assert_eq!(parsed.encode_signing_info().unwrap(), parsed.signing_info, "{name}");
            let json = serde_json::to_value(&parsed.services).unwrap();
            for (i, svc) in c["services"].as_array().unwrap().iter().enumerate() {
                for (k, v) in svc.as_object().unwrap() {
                    let camel = match k.as_str() {
                        "channel_name" => "channelName",
                        "user_id" => "userId",
                        "room_uuid" => "roomUuid",
                        "user_uuid" => "userUuid",
                        other => other,
                    };
                    assert_eq!(&json[i][camel], v, "{name} service {i} field {k}");
                }
            }
        }
    }
}

fn params_from(v: &Value) -> TokenParams {
    TokenParams {
        ttl: v["ttl"].as_u64(),
        capability: match &v["capability"] {
            Value::Null => None,
            Value::String(t) => Some(Capability::parse(t).unwrap()),
            obj => Some(Capability::from_value(obj).unwrap()),
        },
        client_id: v["clientId"].as_str().map(str::to_owned),
        timestamp: v["timestamp"].as_u64(),
        nonce: v["nonce"].as_str().map(str::to_owned),
    }
}

#[test]
fn ably_token_requests_match_ably_js() {
    let doc = load("ably_token_request.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for c in cases {
        let name = s(&c["name"]);
        let ctx = Context::fixed(c["token_params"]["timestamp"].as_u64().unwrap());
        let key = Key::new(s(&c["key_name"]), s(&c["key_secret"])).unwrap();
        let req = ably::create_token_request(&ctx, &key, &params_from(&c["token_params"])).unwrap();
        assert_eq!(req.signed_text(), s(&c["signed_text"]), "{name}");
        assert_eq!(serde_json::to_value(&req).unwrap(), c["token_request"], "{name}");
        // An object capability passed as the equivalent text gives the same request.
        if c["token_params"]["capability"].is_object() {
            let mut as_text = c["token_params"].clone();
            as_text["capability"] = Value::String(c["token_params"]["capability"].to_string());
            assert_eq!(ably::create_token_request(&ctx, &key, &params_from(&as_text)).unwrap(), req, "{name}");
        }
        // The vendor's own object verifies, and a replay does not.
        let wire: TokenRequest = serde_json::from_value(c["token_request"].clone()).unwrap();
        let nonces = ably::MemoryNonceCache::default();
        let check = RequestCheck { nonces: Some(&nonces), ..Default::default() };
        ably::verify_token_request(&ctx, &wire, &key, &check).unwrap();
        assert_eq!(ably::verify_token_request(&ctx, &wire, &key, &check).unwrap_err(), Error::ReplayedNonce);
    }
}

/// Runs one case of `errors.json` and returns the error.
fn run_error_case(call: &str, i: &Value) -> Error {
    let ctx = Context::fixed(1_700_000_000_000);
    let key = |v: &Value| Key::new(s(&v["keyName"]), s(&v["keySecret"]));
    fn chat(i: &Value) -> ChatTokenParams<'_> {
        ChatTokenParams {
            app_id: s(&i["appId"]),
            app_certificate: s(&i["appCertificate"]),
            expire: i["expire"].as_u64().unwrap() as u32,
            issue_ts: None,
            salt: None,
        }
    }
    let r: Result<(), Error> = match call {
        "agora.buildChatUserToken" => agora::build_chat_user_token(&ctx, &chat(i), s(&i["userId"])).map(drop),
        "agora.buildChatAppToken" => agora::build_chat_app_token(&ctx, &chat(i)).map(drop),
        "agora.parse" => agora::parse(s(&i["token"])).map(drop),
        "agora.verify" => agora::verify(&ctx, s(&i["token"]), s(&i["appCertificate"]), i["now"].as_u64()).map(drop),
        "ably.createTokenRequest" => key(&i["key"]).and_then(|k| {
            let p = &i["params"];
            let capability = match p["capability"].as_str() {
                Some(t) => Some(Capability::parse(t)?),
                None => None,
            };
            let params = TokenParams {
                ttl: p["ttl"].as_u64(),
                capability,
                client_id: p["clientId"].as_str().map(str::to_owned),
                timestamp: p["timestamp"].as_u64(),
                nonce: p["nonce"].as_str().map(str::to_owned),
            };
            ably::create_token_request(&ctx, &k, &params).map(drop)
        }),
        "ably.verifyTokenRequest" => {
            let req: TokenRequest = serde_json::from_value(i["request"].clone()).unwrap();
            let k = Key::new(req.key_name.clone(), s(&i["keySecret"])).unwrap();
            let check = RequestCheck { now_ms: i["now"].as_u64(), ..Default::default() };
            ably::verify_token_request(&ctx, &req, &k, &check).map(drop)
        }
        "ably.verifyToken" => {
            ably::verify_token(&ctx, s(&i["token"]), &key(&i["key"]).unwrap(), &TokenCheck::default()).map(drop)
        }
        "authToken.check" => auth_token::check(s(&i["token"])),
        "explain" => tokensmith::explain(&ctx, s(&i["token"]), None).map(drop),
        other => panic!("unknown call {other}"),
    };
    r.expect_err("the case must fail")
}

#[test]
fn error_contract() {
    let doc = load("errors.json");
    for c in doc["cases"].as_array().unwrap() {
        let name = s(&c["name"]);
        let e = run_error_case(s(&c["call"]), &c["input"]);
        assert_eq!(e.code(), s(&c["expected_error_code"]), "{name}: {e}");
        if let Some(f) = c["field"].as_str() {
            assert_eq!(e.field(), Some(f), "{name}");
        }
        if let Some(v) = c["vendor_code"].as_u64() {
            assert_eq!(e.vendor_code(), Some(v as u32), "{name}");
        }
        for secret in ["5CFd2fd1755d40ecb72977518be15d3b", "alphaSecretValue01"] {
            assert!(!e.to_string().contains(secret), "{name} leaks a secret");
        }
    }
}
