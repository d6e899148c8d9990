//! The REST client against recorded response shapes: every CometChat route on the bodies
//! cometchat-rest.md records (tests/fixtures/cometchat_responses.json), tokensmith's own token
//! objects, Ably's and the Agora token server's answers, and the error contract of
//! tests/vectors/errors.json (`codes`, `server_responses`).
#![cfg(feature = "client")]

use crate::client_stub;

use std::sync::Arc;

use client_stub::{Canned, Stub, Waits};
use serde_json::{Value, json};
use tokensmith::ably::{self, Capability, Key, TokenParams, TokenRequest};
use tokensmith::client::{AblyAuth, AgoraTokenType, Client, CreateUser, RetryPolicy, RevocationResult};
use tokensmith::service::{PushList, PushTokens, RevokeOptions};
use tokensmith::store::TokenMeta;
use tokensmith::{Context, Error};

const API_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4";

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/cometchat_responses.json")).unwrap()
}

fn ok(name: &str) -> Canned {
    Canned::json(200, &fixtures()[name])
}

fn admin(stub: &Stub) -> Client {
    Client::builder(&stub.url).api_key(API_KEY).app_id("app1").build().unwrap()
}

#[tokio::test]
async fn users() {
    let stub = Stub::start().await;
    stub.on("POST", "/v3/users", [ok("create_user"), ok("create_user_with_tags")]);
    stub.on("GET", "/v3/users/alice", [ok("get_user")]);
    stub.on("DELETE", "/v3/users/alice", [ok("delete_user")]);
    let c = admin(&stub);

    let created =
        c.create_user(&CreateUser { with_auth_token: true, ..CreateUser::new("alice", "Alice") }).await.unwrap();
    assert_eq!(stub.last().json(), json!({"uid": "alice", "name": "Alice", "withAuthToken": true}));
    assert_eq!((created.user.uid.as_str(), created.user.created_at), ("alice", 1_694_667_681));
    assert_eq!(created.user.status.as_deref(), Some("offline"));
    assert_eq!(created.user.avatar.as_deref(), Some("https://example.com/alice.png"));
    assert_eq!(created.auth_token.as_deref(), Some("alice_16946676819a8b7c6d5e4f30211203948576a6b5c4"));
    assert!(!format!("{created:?}").contains("alice_1694667681"), "Debug shows the token");

    let bob = CreateUser {
        metadata: Some(json!({"department": "sales"})),
        tags: Some(vec!["beta".into(), "eu".into()]),
        ..CreateUser::new("bob", "Bob")
    };
    let created = c.create_user(&bob).await.unwrap();
    assert_eq!(stub.last().json()["tags"], json!(["beta", "eu"]));
    assert_eq!(created.auth_token, None);
    assert_eq!(created.user.tags, Some(vec!["beta".to_owned(), "eu".to_owned()]));
    assert_eq!(created.user.metadata, Some(json!({"department": "sales"})));

    let user = c.get_user("alice").await.unwrap();
    assert_eq!((user.name.as_str(), user.status_message.as_deref()), ("Alice", Some("away")));

    let ack = c.delete_user("alice").await.unwrap();
    assert!(ack.success);
    assert_eq!(stub.last().json(), json!({"permanent": true}));
}

#[tokio::test]
async fn auth_tokens() {
    let stub = Stub::start().await;
    let token = "alice_16946681290f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let one = format!("/v3/users/alice/auth_tokens/{token}");
    stub.on("POST", "/v3/users/alice/auth_tokens", [ok("create_auth_token")]);
    stub.on("GET", "/v3/users/alice/auth_tokens", [ok("list_auth_tokens_page_1")]);
    stub.on("GET", &one, [ok("get_auth_token")]);
    stub.on("PUT", &one, [ok("update_auth_token")]);
    stub.on("DELETE", &one, [ok("delete_auth_token")]);
    stub.on("DELETE", "/v3/users/alice/auth_tokens", [ok("flush_auth_tokens")]);
    let c = admin(&stub);

    let created = c.create_auth_token("alice", &TokenMeta::default(), false).await.unwrap();
    assert_eq!(stub.last().json(), json!({}));
    assert_eq!(
        (created.uid.as_str(), created.auth_token.as_deref(), created.created_at),
        ("alice", Some(token), 1_694_668_129)
    );
    assert_eq!(created.handle(), Some(token));
    assert!(!format!("{created:?}").contains(token), "Debug shows the token");
    let meta = TokenMeta { device_id: Some("d1".into()), platform: Some("web".into()), ..TokenMeta::default() };
    c.create_auth_token("alice", &meta, true).await.unwrap();
    assert_eq!(stub.last().json(), json!({"force": true, "platform": "web", "deviceId": "d1"}));

    let page = c.list_auth_tokens("alice", 1, 2).await.unwrap();
    assert_eq!(stub.last().query.as_deref(), Some("perPage=2&page=1"));
    assert_eq!(page.items.len(), 2);
    assert_eq!((page.pagination.total, page.pagination.total_pages, page.is_last()), (5, 3, false));
    let second = &page.items[1];
    assert_eq!(second.meta.platform.as_deref(), Some("web"));
    assert_eq!(second.meta.app_info, Some(json!({"version": "v4.2.0"})));
    assert_eq!(second.meta.device_id.as_deref(), Some("app1_3f2a_1694668100000"));

    let got = c.get_auth_token("alice", token).await.unwrap();
    assert_eq!(got.auth_token.as_deref(), Some(token));

    let patch = TokenMeta { platform: Some("android".into()), ..TokenMeta::default() };
    let updated = c.update_auth_token("alice", token, &patch).await.unwrap();
    assert_eq!(stub.last().json(), json!({"platform": "android"}));
    assert_eq!(updated.meta.user_agent.as_deref(), Some("okhttp/4.9"));

    assert!(c.delete_auth_token("alice", token).await.unwrap().success);
    let flushed = c.flush_auth_tokens("alice").await.unwrap();
    assert_eq!(flushed.message.as_deref(), Some("Cleared Auth Tokens successfully for uid alice."));
}

#[tokio::test]
async fn listing_every_page() {
    let stub = Stub::start().await;
    stub.on(
        "GET",
        "/v3/users/alice/auth_tokens",
        [ok("list_auth_tokens_page_1"), ok("list_auth_tokens_page_2"), ok("list_auth_tokens_page_3")],
    );
    let all = admin(&stub).list_all_auth_tokens("alice").await.unwrap();
    let times: Vec<u64> = all.iter().map(|t| t.created_at).collect();
    assert_eq!(times, [1_694_668_129, 1_694_668_100, 1_694_668_050, 1_694_668_040, 1_694_668_030]);
    let pages: Vec<_> = stub.seen().into_iter().map(|s| s.query.unwrap()).collect();
    assert_eq!(pages, ["perPage=100&page=1", "perPage=100&page=2", "perPage=100&page=3"]);
}

#[tokio::test]
async fn tokensmith_token_objects_and_a_list_without_meta() {
    let stub = Stub::start().await;
    let listed = json!({"data": [
        {"id": "0123456789abcdef01234567", "uid": "alice", "redacted": "tks_…abcd", "createdAt": 1_700_000_000u64,
         "archived": true, "archivedAt": 1_700_000_100u64, "platform": "web"}
    ]});
    stub.on("GET", "/v3/users/alice/auth_tokens", [Canned::json(200, &listed)]);
    let page = admin(&stub).list_auth_tokens("alice", 1, 100).await.unwrap();
    let t = &page.items[0];
    assert_eq!((t.auth_token.as_deref(), t.handle()), (None, Some("0123456789abcdef01234567")));
    assert_eq!((t.archived, t.archived_at, t.redacted.as_deref()), (true, Some(1_700_000_100), Some("tks_…abcd")));
    assert_eq!((page.pagination.total, page.pagination.total_pages, page.is_last()), (1, 1, true));
}

#[tokio::test]
async fn me_and_push() {
    let stub = Stub::start().await;
    stub.on("PUT", "/v3.0/me", [ok("me")]);
    stub.on("GET", "/v3.0/me", [ok("me")]);
    let null_data = Canned::json(200, &json!({"data": null}));
    stub.on("DELETE", "/v3.0/me", [ok("logout"), null_data, Canned::text(204, "text/plain", "")]);
    stub.on("POST", "/v2/tokens", [ok("push_register")]);
    stub.on("GET", "/v2/tokens", [ok("push_list")]);
    stub.on("DELETE", "/v2/tokens", [ok("push_delete")]);
    let c = Client::builder(&stub.url).app_id("app1").auth_token("tks_session").build().unwrap();

    let meta = TokenMeta {
        platform: Some("WEB".into()),
        device_id: Some("app1_uuid_1".into()),
        app_info: Some(json!({"version": "v4.2.0"})),
        ..TokenMeta::default()
    };
    let me = c.login(&meta).await.unwrap();
    assert_eq!(
        stub.last().json(),
        json!({"platform": "WEB", "appInfo": {"version": "v4.2.0"}, "deviceId": "app1_uuid_1"})
    );
    assert_eq!((me.user.uid.as_str(), me.user.status.as_deref()), ("alice", Some("online")));
    assert!(me.jwt.is_some() && !format!("{me:?}").contains("eyJ"), "Debug shows the JWT");
    assert_eq!(c.me().await.unwrap().settings, Some(json!({"CHAT_API_VERSION": "v3.0"})));
    assert_eq!(stub.last().header("authtoken"), Some("tks_session"));

    let fcm = PushTokens { fcm_token: Some("fcm-1".into()), ..PushTokens::default() };
    assert!(c.register_push(&fcm).await.unwrap().success);
    assert_eq!(stub.last().json(), json!({"fcmToken": "fcm-1"}));
    let apns = PushTokens { apns_token: Some("a1".into()), voip_token: Some("v1".into()), ..PushTokens::default() };
    c.register_push(&apns).await.unwrap();
    assert_eq!(stub.last().json(), json!({"apnsToken": "a1", "voipToken": "v1"}));

    let list = c.list_push().await.unwrap();
    let ios = "7a1f00c3e9b2d4a6f8e0c1b3d5f7a9c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4";
    assert_eq!(list, PushList { ios: vec![ios.into()], web: vec![], android: vec!["fcm-registration-token-1".into()] });
    c.delete_push(true).await.unwrap();
    assert_eq!(stub.last().json(), json!({"all": true}));
    let ack = c.logout().await.unwrap();
    assert_eq!((ack.success, ack.message.as_deref()), (true, Some("Logged out successfully.")));
    // Servers differ in what a success carries; any 2xx is one.
    assert!(c.logout().await.unwrap().success);
    assert!(c.logout().await.unwrap().success);
    assert_eq!(stub.count("DELETE", "/v3.0/me"), 3);
}

fn ably_key() -> Key {
    Key::new("appAlpha.keyOne", "alphaSecretValue01").unwrap()
}

fn details_json(client_id: &str) -> Value {
    json!({"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "keyName": "appAlpha.keyOne", "issued": 1_700_000_000_000u64,
           "expires": 1_700_003_600_000u64, "capability": "{\"*\":[\"*\"]}", "clientId": client_id})
}

#[tokio::test]
async fn ably_request_token_signed_and_basic() {
    let stub = Stub::start().await;
    stub.on("POST", "/keys/appAlpha.keyOne/requestToken", [Canned::json(200, &details_json("alice"))]);
    let c = Client::builder(&stub.url).ably_key(ably_key()).build().unwrap();

    let ctx = Context::fixed(1_700_000_000_000);
    let params = TokenParams { client_id: Some("alice".into()), ttl: Some(60_000), ..TokenParams::default() };
    let signed = ably::create_token_request(&ctx, &ably_key(), &params).unwrap();
    let details = c.request_token(&signed).await.unwrap();
    assert_eq!((details.client_id.as_deref(), details.expires), (Some("alice"), 1_700_003_600_000));
    let sent = stub.last();
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.header("x-ably-version"), Some("6"));
    assert_eq!(serde_json::from_slice::<TokenRequest>(&sent.body).unwrap(), signed);

    let params = TokenParams {
        capability: Some(Capability::parse(r#"{"chat:*":["subscribe","publish"]}"#).unwrap()),
        client_id: Some("alice".into()),
        ..TokenParams::default()
    };
    c.request_token(params).await.unwrap();
    let sent = stub.last();
    // base64("appAlpha.keyOne:alphaSecretValue01")
    assert_eq!(sent.header("authorization"), Some("Basic YXBwQWxwaGEua2V5T25lOmFscGhhU2VjcmV0VmFsdWUwMQ=="));
    assert_eq!(
        sent.json(),
        json!({"keyName": "appAlpha.keyOne", "capability": "{\"chat:*\":[\"publish\",\"subscribe\"]}", "clientId": "alice"})
    );
    // Local checks first: nothing is sent for a bad ttl.
    let before = stub.seen().len();
    let bad = c.request_token(TokenParams { ttl: Some(0), ..TokenParams::default() }).await.unwrap_err();
    assert_eq!((bad.code(), bad.field(), stub.seen().len()), ("INVALID_ARGUMENT", Some("ttl"), before));
}

#[tokio::test]
async fn ably_revoke_tokens_both_answer_formats_and_time() {
    let stub = Stub::start().await;
    let batch = json!({"successCount": 1, "failureCount": 1, "results": [
        {"target": "clientId:alice", "issuedBefore": 1_700_000_000_000u64, "appliesAt": 1_700_000_030_000u64},
        {"target": "channel:x", "error": {"code": 40000, "statusCode": 400, "message": "channel revocation is not enabled"}}
    ]});
    let bare = json!([{"target": "clientId:bob", "issuedBefore": 1u64, "appliesAt": 2u64}]);
    stub.on("POST", "/keys/appAlpha.keyOne/revokeTokens", [Canned::json(201, &batch), Canned::json(201, &bare)]);
    stub.on("GET", "/time", [Canned::json(200, &json!([1_700_000_000_123u64]))]);
    let c = Client::builder(&stub.url).ably_key(ably_key()).build().unwrap();

    let opts = RevokeOptions { issued_before: Some(1_700_000_000_000), allow_reauth_margin: true };
    let r = c.revoke_tokens(&["clientId:alice", "channel:x"], opts).await.unwrap();
    assert_eq!(
        stub.last().json(),
        json!({"targets": ["clientId:alice", "channel:x"], "issuedBefore": 1_700_000_000_000u64, "allowReauthMargin": true})
    );
    assert_eq!((r.success_count, r.failure_count), (1, 1));
    assert!(matches!(&r.results[0], RevocationResult::Revoked { applies_at: 1_700_000_030_000, .. }));
    assert!(matches!(&r.results[1], RevocationResult::Failed { error, .. } if error.code == 40000));

    let r = c.revoke_tokens(&["clientId:bob".to_owned()], RevokeOptions::default()).await.unwrap();
    assert_eq!(stub.last().json(), json!({"targets": ["clientId:bob"]}));
    assert_eq!((r.success_count, r.failure_count, r.results.len()), (1, 0, 1));

    assert_eq!(c.time().await.unwrap(), 1_700_000_000_123);
}

#[tokio::test]
async fn auth_ably_answers() {
    let stub = Stub::start().await;
    let ctx = Context::fixed(1_700_000_000_000);
    let req = ably::create_token_request(&ctx, &ably_key(), &TokenParams::default()).unwrap();
    stub.on(
        "GET",
        "/auth/ably",
        [
            Canned::json(200, &details_json("alice")),
            Canned::json(200, &serde_json::to_value(&req).unwrap()),
            Canned::text(200, "application/jwt", "eyJhbGciOiJIUzI1NiJ9.e30.sig\n"),
            Canned::json(200, &json!({"something": "else"})),
        ],
    );
    let c = Client::builder(&stub.url).auth_token("tks_session").build().unwrap();
    let params = TokenParams {
        ttl: Some(120_000),
        capability: Some(Capability::parse(r#"{"b":["subscribe"],"a":["publish","history"]}"#).unwrap()),
        ..TokenParams::default()
    };
    assert!(
        matches!(c.auth_ably(Some(&params)).await.unwrap(), AblyAuth::Details(d) if d.client_id.as_deref() == Some("alice"))
    );
    let q = stub.last().query.unwrap();
    assert_eq!(
        q,
        "ttl=120000&capability=%7B%22a%22%3A%5B%22history%22%2C%22publish%22%5D%2C%22b%22%3A%5B%22subscribe%22%5D%7D"
    );
    assert_eq!(c.auth_ably(None).await.unwrap(), AblyAuth::Request(req));
    let token = c.auth_ably(None).await.unwrap();
    assert_eq!(token, AblyAuth::Token("eyJhbGciOiJIUzI1NiJ9.e30.sig".into()));
    assert_eq!(format!("{token:?}"), "Token(***)");
    assert_eq!(c.auth_ably(None).await.unwrap_err().code(), "HTTP_ERROR");
}

#[tokio::test]
async fn agora_token_server() {
    let stub = Stub::start().await;
    let token = "007eJxTYNAIsnbS3v/A5t2TC6feR15r+6cq8bqAvfaW+tk/Vzz+p6xTYLA0N3B2NDZNSTUzSDYxMTMxTUpKTLVINDI0NTAzTDI2dv8iwBDBxMDAyADCrEDMCOZzMRhZWBgZmxgamRsDAB+lHrg=";
    let minted = Canned::json(200, &json!({"token": token}));
    let failed = Canned::json(200, &json!({"token": "", "error": "invalid expire"}));
    stub.on("POST", "/generate-user-token", [minted.clone(), failed, minted]);
    stub.on("POST", "/generate-app-token", [Canned::json(200, &json!({"token": token}))]);
    stub.on("GET", "/token/generate", [Canned::text(200, "text/plain", token)]);
    let c = admin(&stub);

    assert_eq!(c.generate_user_token("alice", 3600).await.unwrap(), token);
    let sent = stub.last();
    assert_eq!((sent.json(), sent.header("apikey")), (json!({"user_uuid": "alice", "expire": 3600}), Some(API_KEY)));
    assert_eq!(c.generate_app_token(600).await.unwrap(), token);
    assert_eq!(stub.last().json(), json!({"expire": 600}));
    assert_eq!(c.token_generate("alice", 600, AgoraTokenType::App).await.unwrap(), token);
    assert_eq!(stub.last().query.as_deref(), Some("userId=alice&expireSeconds=600&tokenType=app"));

    // Agora's Go sample answers a failed build with 200 and an empty token.
    let e = c.generate_user_token("alice", 0).await.unwrap_err();
    assert_eq!((e.code(), e.status()), ("HTTP_ERROR", Some(200)));
    assert!(e.to_string().contains("invalid expire"), "{e}");

    // With only an auth token, that is the credential.
    let user = Client::builder(&stub.url).auth_token("tks_session").build().unwrap();
    user.generate_user_token("alice", 60).await.unwrap();
    let sent = stub.last();
    assert_eq!((sent.header("authtoken"), sent.header("apikey")), (Some("tks_session"), None));
}

#[test]
fn the_contract_lists_every_code_with_its_class() {
    let doc: Value = serde_json::from_str(include_str!("../../../tests/vectors/errors.json")).unwrap();
    let codes: Vec<&str> = doc["codes"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(codes, tokensmith::CODES);
}

/// Every `server_responses` case of errors.json, served by the stub and read by the client.
#[tokio::test]
async fn server_responses_contract() {
    let doc: Value = serde_json::from_str(include_str!("../../../tests/vectors/errors.json")).unwrap();
    let cases = doc["server_responses"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let stub = Stub::start().await;
    let waits = Arc::new(Waits::default());
    let c =
        Client::builder(&stub.url).api_key(API_KEY).retry(RetryPolicy::never()).sleeper(waits.clone()).build().unwrap();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let status = case["status"].as_u64().unwrap() as u16;
        let mut canned = match case.get("body") {
            Some(body) => Canned::json(status, body),
            None => Canned::text(
                status,
                case["content_type"].as_str().unwrap_or("text/plain"),
                case["body_text"].as_str().unwrap(),
            ),
        };
        for (k, v) in case["headers"].as_object().into_iter().flatten() {
            canned = canned.header(k, v.as_str().unwrap());
        }
        stub.on("GET", "/v3/users/alice", [canned]);
        let e = c.get_user("alice").await.unwrap_err();
        assert!(matches!(e, Error::Remote(_)), "{name}: {e:?}");
        assert_eq!(e.code(), case["expected_error_code"].as_str().unwrap(), "{name}: {e}");
        assert_eq!(e.status(), Some(status), "{name}");
        assert_eq!(e.server_code(), case["server_code"].as_str(), "{name}");
        assert_eq!(e.vendor_code().map(u64::from), case["vendor_code"].as_u64(), "{name}");
        if let Some(field) = case["field"].as_str() {
            assert_eq!(e.field(), Some(field), "{name}");
        }
        if let Some(r) = case["retryable"].as_bool() {
            assert_eq!(e.retryable(), r, "{name}");
        }
        if let Some(ms) = case["retry_after_ms"].as_u64() {
            assert_eq!(e.retry_after_ms(), Some(ms), "{name}");
        }
        let shown = format!("{e} {e:?}");
        for secret in case["must_not_contain"].as_array().into_iter().flatten() {
            assert!(!shown.contains(secret.as_str().unwrap()), "{name} shows a credential: {shown}");
        }
        assert!(!shown.contains(API_KEY), "{name} shows the API key");
    }
    assert!(waits.taken().is_empty(), "RetryPolicy::never() waited");
}
