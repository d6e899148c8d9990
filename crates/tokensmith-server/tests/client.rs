//! Client routes over loopback, with the user's own `authtoken`: `/v3.0/me` and `/v2/tokens`.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn login_binds_the_session_and_returns_the_user() {
    let s = Server::start().await;
    let token = s.user_with_token("alice").await;
    let login = json!({"platform": "WEB", "deviceId": "chat_uuid_1", "appInfo": {"version": "v4.2.0"}});
    let req = s.user(Method::PUT, "/v3.0/me", &token).header("user-agent", "browser/1").json(&login);
    let (status, v) = call(req).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["data"]["uid"].as_str(), v["data"]["status"].as_str()), (Some("alice"), Some("offline")));
    assert!(v["data"].get("authToken").is_none(), "the SDK would replace its token if one came back");

    // The binding shows on the admin side.
    let (_, v) = call(s.admin(Method::GET, &format!("/v3/users/alice/auth_tokens/{token}"))).await;
    let t = &v["data"];
    assert_eq!((t["platform"].as_str(), t["deviceId"].as_str()), (Some("WEB"), Some("chat_uuid_1")));
    assert_eq!((t["appInfo"]["version"].as_str(), t["userAgent"].as_str()), (Some("v4.2.0"), Some("browser/1")));

    // `Authorization: Bearer` works as well as the `authtoken` header.
    let req = s.req(Method::GET, "/v3.0/me").bearer_auth(&token);
    let (status, v) = call(req).await;
    assert_eq!((status, v["data"]["uid"].as_str()), (200, Some("alice")));
}

#[tokio::test]
async fn logout_ends_the_session_and_its_push_token() {
    let s = Server::start().await;
    let phone = s.user_with_token("alice").await;
    let laptop = s.token_for("alice").await;
    call(s.user(Method::PUT, "/v3.0/me", &laptop).json(&json!({"platform": "web"}))).await;
    let (status, v) =
        call(s.user(Method::POST, "/v2/tokens", &phone).json(&json!({"apnsToken": "apns-1", "voipToken": "voip-1"})))
            .await;
    assert_eq!((status, v["data"]["success"].as_bool()), (200, Some(true)), "{v}");
    call(s.user(Method::POST, "/v2/tokens", &laptop).json(&json!({"fcmToken": "fcm-web"}))).await;
    let (_, v) = call(s.user(Method::GET, "/v2/tokens", &laptop)).await;
    assert_eq!(v["data"], json!({"ios": ["apns-1"], "web": ["fcm-web"], "android": []}));

    let (status, v) = call(s.user(Method::DELETE, "/v3.0/me", &phone)).await;
    assert_eq!((status, v["data"]["success"].as_bool()), (200, Some(true)));
    for (m, p) in [(Method::GET, "/v3.0/me"), (Method::DELETE, "/v3.0/me"), (Method::GET, "/v2/tokens")] {
        let (status, v) = call(s.user(m, p, &phone)).await;
        assert_eq!((status, code(&v)), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"), "{p}");
    }
    let (_, v) = call(s.user(Method::GET, "/v2/tokens", &laptop)).await;
    assert_eq!(
        v["data"],
        json!({"ios": [], "web": ["fcm-web"], "android": []}),
        "the phone's registration went with it"
    );
}

#[tokio::test]
async fn push_registry_replaces_and_deletes_by_session_or_all() {
    let s = Server::start().await;
    let a = s.user_with_token("alice").await;
    let b = s.token_for("alice").await;
    call(s.user(Method::POST, "/v2/tokens", &a).json(&json!({"fcmToken": "one"}))).await;
    call(s.user(Method::POST, "/v2/tokens", &a).json(&json!({"fcmToken": "two"}))).await;
    call(s.user(Method::POST, "/v2/tokens", &b).json(&json!({"fcmToken": "three"}))).await;
    let (_, v) = call(s.user(Method::GET, "/v2/tokens", &a)).await;
    let mut android: Vec<String> = serde_json::from_value(v["data"]["android"].clone()).unwrap();
    android.sort();
    assert_eq!(android, ["three", "two"], "registering again replaces the session's entry");

    let (status, v) = call(s.user(Method::DELETE, "/v2/tokens", &a).json(&json!({"all": false}))).await;
    assert_eq!((status, v["data"]["deleted"].as_u64()), (200, Some(1)));
    let (_, v) = call(s.user(Method::GET, "/v2/tokens", &a)).await;
    assert_eq!(v["data"]["android"], json!(["three"]));
    let (status, v) = call(s.user(Method::DELETE, "/v2/tokens?all=true", &a)).await;
    assert_eq!((status, v["data"]["deleted"].as_u64()), (200, Some(1)));
    let (_, v) = call(s.user(Method::GET, "/v2/tokens", &b)).await;
    assert_eq!(v["data"]["android"], json!([]));

    for bad in [json!({}), json!({"fcmToken": "x", "apnsToken": "y"}), json!({"fcmToken": ""}), json!({"fcmToken": 5})]
    {
        let (status, v) = call(s.user(Method::POST, "/v2/tokens", &a).json(&bad)).await;
        assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"), "{bad}");
    }
    let (status, v) = call(s.user(Method::DELETE, "/v2/tokens?all=maybe", &a)).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));
}

#[tokio::test]
async fn missing_unknown_malformed_and_revoked_tokens() {
    let s = Server::start().await;
    let (status, v) = call(s.req(Method::GET, "/v3.0/me")).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_EMPTY_AUTH_TOKEN"));
    let token = s.user_with_token("alice").await;
    let other = tokensmith::auth_token::generate(&tokensmith::Context::system());
    for (t, core) in [(other.as_str(), "AUTH_TOKEN_NOT_FOUND"), ("tks_typo", "MALFORMED_TOKEN")] {
        let (status, v) = call(s.user(Method::GET, "/v3.0/me", t)).await;
        assert_eq!(
            (status, code(&v), v["error"]["tokensmithCode"].as_str()),
            (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", Some(core))
        );
    }
    // Deleting the user ends every session.
    call(s.admin(Method::DELETE, "/v3/users/alice")).await;
    let (status, v) = call(s.user(Method::PUT, "/v3.0/me", &token)).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"));
}

#[tokio::test]
async fn me_is_served_under_v3_too() {
    let s = Server::start().await;
    let token = s.user_with_token("alice").await;
    let (status, v) = call(s.user(Method::GET, "/v3/me", &token)).await;
    assert_eq!((status, v["data"]["uid"].as_str()), (200, Some("alice")));
}
