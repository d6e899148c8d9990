//! The Agora chat token server over loopback: every route needs a caller credential, and the
//! tokens it mints verify with the app certificate.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::json;
use tokensmith::agora::{self, PRIVILEGE_CHAT_APP, PRIVILEGE_CHAT_USER, ServiceBody};
use tokensmith::service::RevokeOptions;
use tokensmith::{Config as CoreConfig, Context, Tokensmith};
use tokensmith_server::Config;

/// Verifies with the certificate; returns (user id, privilege).
fn check(token: &str) -> (String, u16) {
    let parsed = agora::verify(&Context::system(), token, AGORA_CERT, None).unwrap();
    assert_eq!(parsed.app_id, AGORA_APP_ID);
    let service = &parsed.services[0];
    let user = match &service.body {
        ServiceBody::UserId { user_id } => user_id.clone(),
        other => panic!("{other:?}"),
    };
    (user, *service.privileges.keys().next().unwrap())
}

#[tokio::test]
async fn api_keys_mint_user_and_app_tokens() {
    let s = Server::start().await;
    let (status, v) =
        call(s.admin(Method::POST, "/generate-user-token").json(&json!({"user_uuid": "test_user", "expire": 3600})))
            .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(check(v["token"].as_str().unwrap()), ("test_user".into(), PRIVILEGE_CHAT_USER));
    let (status, v) = call(s.admin(Method::POST, "/generate-app-token").json(&json!({"expire": 600}))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(check(v["token"].as_str().unwrap()), (String::new(), PRIVILEGE_CHAT_APP));
}

#[tokio::test]
async fn a_user_gets_only_its_own_user_token() {
    let s = Server::start().await;
    let token = s.user_with_token("alice").await;
    let mint = |user: &str| {
        s.user(Method::POST, "/generate-user-token", &token).json(&json!({"user_uuid": user, "expire": 60}))
    };
    let (status, v) = call(mint("alice")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(check(v["token"].as_str().unwrap()).0, "alice");
    let (status, v) = call(mint("bob")).await;
    assert_eq!((status, code(&v)), (403, "AUTH_ERR_NO_ACCESS"));
    let (status, v) = call(s.user(Method::POST, "/generate-app-token", &token).json(&json!({"expire": 60}))).await;
    assert_eq!((status, code(&v)), (403, "AUTH_ERR_NO_ACCESS"));
    let auth_only = s.req(Method::POST, "/generate-user-token").header("apikey", AUTH_ONLY_KEY);
    let (status, v) = call(auth_only.json(&json!({"user_uuid": "alice", "expire": 60}))).await;
    assert_eq!((status, code(&v)), (403, "AUTH_ERR_NO_ACCESS"), "authOnly keys are for users and auth tokens only");
}

#[tokio::test]
async fn no_credential_no_token() {
    let s = Server::start().await;
    let body = json!({"user_uuid": "alice", "expire": 60});
    let (status, v) = call(s.req(Method::POST, "/generate-user-token").json(&body)).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_EMPTY_APIKEY"));
    let (status, v) = call(s.req(Method::GET, "/token/generate?userId=alice&expireSeconds=60")).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_EMPTY_APIKEY"));
    let (status, v) = call(s.user(Method::POST, "/generate-user-token", "tks_forged").json(&body)).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"));
}

#[tokio::test]
async fn bad_input_is_a_400_never_an_empty_token() {
    let s = Server::start().await;
    for (path, body, field) in [
        ("/generate-user-token", json!({"user_uuid": "alice"}), "expire"),
        ("/generate-user-token", json!({"user_uuid": "alice", "expire": 0}), "expire"),
        ("/generate-user-token", json!({"user_uuid": "alice", "expire": 86401}), "expire"),
        ("/generate-user-token", json!({"expire": 60}), "user_uuid"),
        ("/generate-user-token", json!({"user_uuid": "", "expire": 60}), "user_uuid"),
        ("/generate-app-token", json!({}), "expire"),
    ] {
        let (status, v) = call(s.admin(Method::POST, path).json(&body)).await;
        assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"), "{path} {body}");
        assert!(v["error"]["details"][field].is_array(), "{v}");
    }
    let (status, v) =
        call(s.admin(Method::POST, "/generate-user-token").json(&json!({"user_uuid": "a", "expire": -1}))).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));
    let (status, v) = call(s.admin(Method::GET, "/token/generate?userId=a&expireSeconds=60&tokenType=rtc")).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));
    let (status, v) = call(s.admin(Method::GET, "/token/generate?tokenType=user&expireSeconds=60")).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));
}

#[tokio::test]
async fn token_generate_answers_text_or_json_from_query_or_form() {
    let s = Server::start().await;
    let resp = s.admin(Method::GET, "/token/generate?userId=alice&expireSeconds=600").send().await.unwrap();
    assert_eq!(
        (resp.status().as_u16(), resp.headers()["content-type"].to_str().unwrap()),
        (200, "text/plain; charset=utf-8")
    );
    assert_eq!(check(&resp.text().await.unwrap()).0, "alice");

    // The Android sample POSTs the parameters in the query string; the Java sample reads forms.
    let resp =
        s.admin(Method::POST, "/token/generate?userId=alice&expireSeconds=600&tokenType=USER").send().await.unwrap();
    assert_eq!(check(&resp.text().await.unwrap()).0, "alice");
    let form = [("expireSeconds", "600"), ("tokenType", "app")];
    let resp = s.admin(Method::POST, "/token/generate").form(&form).send().await.unwrap();
    assert_eq!(check(&resp.text().await.unwrap()).1, PRIVILEGE_CHAT_APP);

    let req =
        s.admin(Method::GET, "/token/generate?userId=alice&expireSeconds=600").header("accept", "application/json");
    let (status, v) = call(req).await;
    assert_eq!(status, 200);
    assert_eq!(check(v["token"].as_str().unwrap()).0, "alice");
}

#[tokio::test]
async fn apps_without_agora_say_so() {
    let mut config = Config { apps: vec![app_config(APP)], ..Config::default() };
    config.apps[0].agora = None;
    let s = Server::with(config).await;
    let (status, v) = call(s.admin(Method::POST, "/generate-app-token").json(&json!({"expire": 60}))).await;
    assert_eq!((status, code(&v)), (404, "ERR_NOT_CONFIGURED"));
}

/// The server's Agora tokens name the user as the core's revocation expects: revoking the uid on
/// the same store makes the core's verifier refuse them.
#[tokio::test]
async fn tokens_follow_user_revocation() {
    let s = Server::start().await;
    let (_, v) =
        call(s.admin(Method::POST, "/generate-user-token").json(&json!({"user_uuid": "alice", "expire": 600}))).await;
    let token = v["token"].as_str().unwrap();
    // Agora tokens carry whole seconds: revoke, at that moment, everything issued before the next one.
    let next_second = (u64::from(agora::parse(token).unwrap().issue_ts) + 1) * 1000;
    let ts =
        Tokensmith::new(s.store.clone(), frozen(next_second).0, CoreConfig { app: APP.into(), ..Default::default() });
    ts.verify_agora_token(token, AGORA_CERT, None).await.unwrap();
    ts.revoke_subject("alice", RevokeOptions::default()).await.unwrap();
    assert_eq!(ts.verify_agora_token(token, AGORA_CERT, None).await.unwrap_err().code(), "TOKEN_REVOKED");
}
