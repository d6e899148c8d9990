//! The Ably token authority over loopback: requestToken (signed and Basic), revokeTokens, /time,
//! and the `/auth/ably` authUrl. Time is frozen, so windows and revocations are exact.

use crate::common;

use std::sync::Arc;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokensmith::ably::{self, Capability, Key, TokenCheck, TokenParams, TokenRequest};
use tokensmith::{Context, FixedClock, Tokensmith};

const NOW: u64 = 1_800_000_000_000;

fn key() -> Key {
    Key::new(ABLY_NAME, ABLY_SECRET).unwrap()
}

async fn start() -> (Server, Context, Arc<FixedClock>) {
    let (ctx, clock) = frozen(NOW);
    (Server::with_ctx(config(), ctx.clone()).await, ctx, clock)
}

fn signed(ctx: &Context, params: TokenParams) -> TokenRequest {
    ably::create_token_request(ctx, &key(), &params).unwrap()
}

fn request_token(s: &Server, body: &impl serde::Serialize) -> reqwest::RequestBuilder {
    s.req(Method::POST, &format!("/keys/{ABLY_NAME}/requestToken")).json(body)
}

/// Ably's error object: numeric code, statusCode, href, and the X-Ably-ErrorCode header.
async fn ably_error(req: reqwest::RequestBuilder) -> (u16, u64) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let header = resp.headers().get("x-ably-errorcode").map(|v| v.to_str().unwrap().to_owned());
    let v = body(resp).await;
    let code = v["error"]["code"].as_u64().unwrap_or_else(|| panic!("not an Ably error: {v}"));
    assert_eq!(v["error"]["statusCode"], status, "{v}");
    assert_eq!(v["error"]["href"], format!("https://help.ably.io/error/{code}"));
    assert_eq!(header, Some(code.to_string()));
    (status, code)
}

#[tokio::test]
async fn signed_token_request_gives_verifiable_token_details_once() {
    let (s, ctx, _) = start().await;
    let capability = Capability::parse(r#"{"chat:lobby":["publish","history"],"news":["*"]}"#).unwrap();
    let params = TokenParams {
        ttl: Some(600_000),
        capability: Some(capability),
        client_id: Some("alice".into()),
        ..Default::default()
    };
    let req = signed(&ctx, params);
    let (status, v) = call(request_token(&s, &req)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["keyName"].as_str(), v["clientId"].as_str()), (Some(ABLY_NAME), Some("alice")));
    assert_eq!((v["issued"].as_u64(), v["expires"].as_u64()), (Some(NOW), Some(NOW + 600_000)));
    assert_eq!(v["capability"], r#"{"chat:lobby":["publish"],"news":["subscribe"]}"#, "intersected with the key's");
    let token = v["token"].as_str().unwrap();
    let check = TokenCheck { client_id: Some("alice".into()), ..Default::default() };
    ably::verify_token(&ctx, token, &key(), &check).unwrap();

    assert_eq!(ably_error(request_token(&s, &req)).await, (401, 40105), "a replayed nonce");
}

#[tokio::test]
async fn refused_token_requests_carry_ably_codes() {
    let (s, ctx, _) = start().await;
    let mut req = signed(&ctx, TokenParams { timestamp: Some(NOW - 600_000), ..Default::default() });
    assert_eq!(ably_error(request_token(&s, &req)).await, (401, 40104), "timestamp 10 min old");

    req = signed(&ctx, TokenParams::default());
    req.mac = "AAAA".repeat(11);
    assert_eq!(ably_error(request_token(&s, &req)).await, (401, 40101), "bad mac");

    req = signed(&ctx, TokenParams { ttl: Some(7_200_000), ..Default::default() });
    assert_eq!(ably_error(request_token(&s, &req)).await, (400, 40003), "ttl over the key's 1 h");

    let other = Key::new("chat.other", ABLY_SECRET).unwrap();
    req = ably::create_token_request(&ctx, &other, &TokenParams::default()).unwrap();
    assert_eq!(ably_error(request_token(&s, &req)).await, (401, 40101), "body names another key");

    let cap = Capability::parse(r#"{"secret":["publish"]}"#).unwrap();
    req = signed(&ctx, TokenParams { capability: Some(cap), ..Default::default() });
    assert_eq!(ably_error(request_token(&s, &req)).await, (401, 40160), "nothing in common with the key");

    let unknown = s.req(Method::POST, "/keys/nope.key/requestToken").json(&signed(&ctx, TokenParams::default()));
    assert_eq!(ably_error(unknown).await, (404, 40400));
    let garbage = s.req(Method::POST, &format!("/keys/{ABLY_NAME}/requestToken")).json(&json!({"keyName": 5}));
    assert_eq!(ably_error(garbage).await.0, 400);
}

#[tokio::test]
async fn basic_auth_with_token_params() {
    let (s, ctx, _) = start().await;
    let basic = |secret: &str| {
        s.req(Method::POST, &format!("/keys/{ABLY_NAME}/requestToken")).basic_auth(ABLY_NAME, Some(secret))
    };
    let params = json!({"clientId": "bob", "ttl": "60000", "capability": {"chat:*": ["subscribe"]}});
    let (status, v) = call(basic(ABLY_SECRET).json(&params)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["clientId"].as_str(), v["expires"].as_u64()), (Some("bob"), Some(NOW + 60_000)));
    assert_eq!(v["capability"], r#"{"chat:*":["subscribe"]}"#);
    ably::verify_token(&ctx, v["token"].as_str().unwrap(), &key(), &TokenCheck::default()).unwrap();

    // No body at all: the key's defaults.
    let (status, v) = call(basic(ABLY_SECRET)).await;
    assert_eq!((status, v["expires"].as_u64()), (200, Some(NOW + 3_600_000)), "{v}");

    assert_eq!(ably_error(basic("wrong").json(&params)).await, (401, 40101));
    assert_eq!(ably_error(basic(ABLY_SECRET).json(&json!({"clientId": ""}))).await, (400, 40012));
    assert_eq!(ably_error(basic(ABLY_SECRET).json(&json!({"ttl": -5}))).await, (400, 40003));
    assert_eq!(ably_error(basic(ABLY_SECRET).json(&json!(["ttl"]))).await, (400, 40000));
}

/// A holder of a token may get a new one with it (no escalation); a bad token is a 401 with
/// Ably's 4014x code, the signal for Ably clients to renew.
#[tokio::test]
async fn token_auth_renews_within_the_token_and_refuses_bad_tokens_with_4014x() {
    let (s, ctx, clock) = start().await;
    let basic =
        s.req(Method::POST, &format!("/keys/{ABLY_NAME}/requestToken")).basic_auth(ABLY_NAME, Some(ABLY_SECRET));
    let params = json!({"clientId": "carol", "ttl": 60000, "capability": {"chat:lobby": ["subscribe"]}});
    let (_, v) = call(basic.json(&params)).await;
    let held = v["token"].as_str().unwrap().to_owned();
    // ably-js sends the token base64-encoded; the raw form works too.
    let with = |token: &str| s.req(Method::POST, &format!("/keys/{ABLY_NAME}/requestToken")).bearer_auth(token);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &held);

    let wider = json!({"capability": {"chat:*": ["publish", "subscribe"]}, "ttl": 30000});
    let (status, v) = call(with(&encoded).json(&wider)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["clientId"].as_str(), v["capability"].as_str()),
        (Some("carol"), Some(r#"{"chat:lobby":["subscribe"]}"#))
    );
    let (status, _) = call(with(&held)).await;
    assert_eq!(status, 200);
    assert_eq!(ably_error(with(&held).json(&json!({"clientId": "mallory"}))).await, (401, 40102));

    assert_eq!(ably_error(with("not-a-token")).await, (401, 40144));
    let mut forged = held.clone();
    forged.push('x');
    assert_eq!(ably_error(with(&forged)).await, (401, 40144));
    clock.advance(61_000);
    assert_eq!(ably_error(with(&held)).await, (401, 40142));

    clock.set(NOW);
    let (_, v) =
        call(request_token(&s, &signed(&ctx, TokenParams { client_id: Some("dave".into()), ..Default::default() })))
            .await;
    let dave = v["token"].as_str().unwrap().to_owned();
    clock.advance(1_000);
    let revoke =
        s.req(Method::POST, &format!("/keys/{ABLY_NAME}/revokeTokens")).basic_auth(ABLY_NAME, Some(ABLY_SECRET));
    call(revoke.json(&json!({"targets": ["clientId:dave"]}))).await;
    assert_eq!(ably_error(with(&dave)).await, (401, 40141));
}

#[tokio::test]
async fn revoke_tokens_by_client_id() {
    let (s, ctx, clock) = start().await;
    let alice_session = s.user_with_token("alice").await;
    let basic = Method::POST;
    let (_, v) =
        call(request_token(&s, &signed(&ctx, TokenParams { client_id: Some("alice".into()), ..Default::default() })))
            .await;
    let alice_jwt = v["token"].as_str().unwrap().to_owned();
    clock.advance(5_000);

    let revoke = |body: Value| s.req(basic.clone(), &format!("/keys/{ABLY_NAME}/revokeTokens")).json(&body);
    let body = json!({"targets": ["clientId:alice", "channel:secret", "clientId:"]});
    assert_eq!(ably_error(revoke(body.clone())).await, (401, 40101), "no credentials");
    assert_eq!(ably_error(revoke(body.clone()).bearer_auth(&alice_jwt)).await, (401, 40162), "token auth");
    assert_eq!(ably_error(revoke(body.clone()).basic_auth(ABLY_NAME, Some("wrong"))).await, (401, 40133));

    let (status, v) = call(revoke(body).basic_auth(ABLY_NAME, Some(ABLY_SECRET))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["successCount"].as_u64(), v["failureCount"].as_u64()), (Some(1), Some(2)));
    assert_eq!(
        v["results"][0],
        json!({"target": "clientId:alice", "issuedBefore": NOW + 5_000, "appliesAt": NOW + 5_000})
    );
    assert_eq!(v["results"][1]["error"]["statusCode"], 400);

    // Both the Ably token and the auth token issued before are refused now.
    let ts =
        Tokensmith::new(s.store.clone(), ctx.clone(), tokensmith::Config { app: APP.into(), ..Default::default() });
    let e = ts.verify_ably_token(&alice_jwt, &key(), &TokenCheck::default()).await.unwrap_err();
    assert_eq!(e.code(), "TOKEN_REVOKED");
    let (status, v) = call(s.user(Method::GET, "/v3.0/me", &alice_session)).await;
    assert_eq!((status, v["error"]["tokensmithCode"].as_str()), (401, Some("TOKEN_REVOKED")));

    // allowReauthMargin postpones enforcement; issuedBefore in the future is refused per target.
    let body = json!({"targets": ["clientId:bob"], "allowReauthMargin": true});
    let (_, v) = call(revoke(body).basic_auth(ABLY_NAME, Some(ABLY_SECRET))).await;
    assert_eq!(v["results"][0]["appliesAt"], NOW + 5_000 + 30_000);
    let body = json!({"targets": ["clientId:bob"], "issuedBefore": NOW + 3_600_000});
    let (_, v) = call(revoke(body).basic_auth(ABLY_NAME, Some(ABLY_SECRET))).await;
    assert_eq!((v["failureCount"].as_u64(), v["results"][0]["error"]["code"].as_u64()), (Some(1), Some(40003)));
    let (status, _) = call(revoke(json!({"targets": []})).basic_auth(ABLY_NAME, Some(ABLY_SECRET))).await;
    assert_eq!(status, 400);

    // ably-js in Node sends MessagePack unless told otherwise.
    let packed = rmp_serde::to_vec_named(&json!({"targets": ["clientId:erin"], "allowReauthMargin": false})).unwrap();
    let req = s
        .req(Method::POST, &format!("/keys/{ABLY_NAME}/revokeTokens?newBatchResponse=true"))
        .basic_auth(ABLY_NAME, Some(ABLY_SECRET))
        .header("content-type", "application/x-msgpack")
        .body(packed);
    let (status, v) = call(req).await;
    assert_eq!((status, v["successCount"].as_u64()), (200, Some(1)), "{v}");

    // …and decodes the answer as what it accepts (MessagePack), whatever its Content-Type says.
    let packed = rmp_serde::to_vec_named(&json!({"targets": ["clientId:erin"]})).unwrap();
    let res = s
        .req(Method::POST, &format!("/keys/{ABLY_NAME}/revokeTokens"))
        .basic_auth(ABLY_NAME, Some(ABLY_SECRET))
        .header("content-type", "application/x-msgpack")
        .header("accept", "application/x-msgpack")
        .body(packed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/x-msgpack");
    let v: serde_json::Value = rmp_serde::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(v["successCount"].as_u64(), Some(1), "{v}");
}

#[tokio::test]
async fn time_is_ably_shaped() {
    let (s, _, _) = start().await;
    let (status, v) = call(s.req(Method::GET, "/time")).await;
    assert_eq!((status, v), (200, json!([NOW])));
}

#[tokio::test]
async fn auth_url_answers_token_request_details_or_jwt_for_the_user() {
    let (s, ctx, _) = start().await;
    let token = s.user_with_token("alice").await;

    // Default: a TokenRequest for the user, exchangeable at requestToken.
    let (status, v) = call(s.user(Method::GET, "/auth/ably?ttl=120000&clientId=alice&extra=ignored", &token)).await;
    assert_eq!(status, 200, "{v}");
    let req: TokenRequest = serde_json::from_value(v).unwrap();
    assert_eq!((req.client_id.as_deref(), req.ttl, req.key_name.as_str()), (Some("alice"), Some(120_000), ABLY_NAME));
    assert_eq!(req.capability.as_deref(), Some(r#"{"chat:*":["publish","subscribe"]}"#), "the app's user capability");
    let (status, details) = call(request_token(&s, &req)).await;
    assert_eq!((status, details["clientId"].as_str()), (200, Some("alice")));

    // TokenDetails, with a narrower capability asked for (POSTed as a form, as ably-js does).
    let form = [("as", "details"), ("capability", r#"{"chat:lobby":["subscribe","presence"]}"#)];
    let (status, v) = call(s.user(Method::POST, "/auth/ably", &token).form(&form)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["capability"], r#"{"chat:lobby":["subscribe"]}"#);
    assert!(v["issued"].is_u64(), "ably-js recognises TokenDetails by `issued`");
    let check = TokenCheck { client_id: Some("alice".into()), ..Default::default() };
    ably::verify_token(&ctx, v["token"].as_str().unwrap(), &key(), &check).unwrap();

    let resp = s.user(Method::GET, "/auth/ably?as=jwt", &token).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "application/jwt");
    let jwt = resp.text().await.unwrap();
    ably::verify_token(&ctx, &jwt, &key(), &check).unwrap();

    assert_eq!(ably_error(s.user(Method::GET, "/auth/ably?clientId=bob", &token)).await, (401, 40102));
    assert_eq!(ably_error(s.user(Method::GET, "/auth/ably?clientId=*", &token)).await, (401, 40102));
    let wide = s.user(Method::GET, "/auth/ably?capability=%7B%22news%22%3A%5B%22subscribe%22%5D%7D", &token);
    assert_eq!(ably_error(wide).await, (401, 40160), "outside the user capability");
    assert_eq!(ably_error(s.user(Method::GET, "/auth/ably?as=xml", &token)).await.0, 400);
    // Without a valid login, 403 (40300): Ably clients stop instead of retrying forever.
    assert_eq!(ably_error(s.req(Method::GET, "/auth/ably")).await, (403, 40300));
    assert_eq!(ably_error(s.user(Method::GET, "/auth/ably", "tks_nope")).await, (403, 40300));
}

#[tokio::test]
async fn browsers_may_call_the_auth_url() {
    let (s, _, _) = start().await;
    let preflight = s
        .req(Method::OPTIONS, "/auth/ably")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authtoken");
    let resp = preflight.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let token = s.user_with_token("alice").await;
    let resp = s.user(Method::GET, "/auth/ably", &token).header("origin", "https://app.example").send().await.unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
}
