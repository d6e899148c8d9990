//! Admin routes over loopback: users and auth tokens with CometChat's shapes, status/code pairs,
//! key scopes, `/v3.0` aliases and app selection.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokensmith_server::Config;

#[tokio::test]
async fn create_user_with_token_has_cometchat_shape() {
    let s = Server::start().await;
    let body = json!({"uid": "Alice", "name": "Alice A", "avatar": "https://a/x.png", "metadata": {"k": 1},
                      "tags": ["t"], "withAuthToken": true});
    let (status, v) = call(s.admin(Method::POST, "/v3/users").json(&body)).await;
    assert_eq!(status, 200, "{v}");
    let user = &v["data"];
    assert_eq!(user["uid"], "alice", "uids are lower-cased");
    assert_eq!(user["name"], "Alice A");
    assert_eq!(user["status"], "offline");
    assert_eq!(user["role"], "default");
    assert_eq!(user["avatar"], "https://a/x.png");
    assert_eq!(user["metadata"], json!({"k": 1}));
    assert_eq!(user["tags"], json!(["t"]));
    assert!(user["createdAt"].as_u64().unwrap() > 1_600_000_000 && user["createdAt"].as_u64().unwrap() < 1e11 as u64);
    let token = user["authToken"].as_str().unwrap();
    assert!(token.starts_with("tks_"));
    assert!(user.get("link").is_none(), "absent optional fields are omitted");

    // Without withAuthToken: no token.
    let (_, v) = call(s.admin(Method::POST, "/v3/users").json(&json!({"uid": "bob"}))).await;
    assert!(v["data"].get("authToken").is_none());
    assert_eq!(v["data"]["name"], "bob", "name defaults to the uid");

    let (status, v) = call(s.admin(Method::GET, "/v3/users/ALICE")).await;
    assert_eq!((status, v["data"]["uid"].as_str()), (200, Some("alice")));
}

#[tokio::test]
async fn user_errors_use_cometchat_codes() {
    let s = Server::start().await;
    s.user_with_token("alice").await;
    let (status, v) = call(s.admin(Method::POST, "/v3/users").json(&json!({"uid": "alice"}))).await;
    assert_eq!((status, code(&v)), (400, "ERR_UID_ALREADY_EXISTS"));
    assert_eq!(v["error"]["tokensmithCode"], "UID_ALREADY_EXISTS");
    assert_eq!(v["error"]["source"], "chat-api");
    assert!(v["error"]["devMessage"].is_string());

    let (status, v) = call(s.admin(Method::POST, "/v3/users").json(&json!({"uid": "a b"}))).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));
    assert!(v["error"]["details"]["uid"][0].is_string(), "{v}");

    let (status, v) = call(s.admin(Method::POST, "/v3/users").json(&json!({"name": "no uid"}))).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));

    for path in ["/v3/users/nobody", "/v3/users/%20", "/v3/users/nobody/auth_tokens"] {
        let (status, v) = call(s.admin(Method::GET, path)).await;
        assert_eq!((status, code(&v)), (404, "ERR_UID_NOT_FOUND"), "{path}");
    }

    let (status, v) = call(s.admin(Method::DELETE, "/v3/users/alice")).await;
    assert_eq!(status, 200);
    assert_eq!(v["data"], json!({"success": true, "message": "User with UID alice has been deleted successfully."}));
    let (status, v) = call(s.admin(Method::DELETE, "/v3/users/alice")).await;
    assert_eq!((status, code(&v)), (404, "ERR_UID_NOT_FOUND"));
}

#[tokio::test]
async fn auth_token_lifecycle_by_raw_token_and_id() {
    let s = Server::start().await;
    s.user_with_token("alice").await;
    let meta = json!({"platform": "web", "userAgent": "jest", "deviceId": "d1", "appInfo": {"v": 1}});
    let (status, v) = call(s.admin(Method::POST, "/v3/users/alice/auth_tokens").json(&meta)).await;
    assert_eq!(status, 200, "{v}");
    let created = &v["data"];
    let raw = created["authToken"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!((created["uid"].as_str(), created["platform"].as_str()), (Some("alice"), Some("web")));
    assert!(created["createdAt"].is_u64());

    // Get by raw token and by id: the same token, the raw one never echoed back.
    for name in [&raw, &id] {
        let (status, v) = call(s.admin(Method::GET, &format!("/v3/users/alice/auth_tokens/{name}"))).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["data"]["id"], id.as_str());
        assert_eq!(v["data"]["authToken"], id.as_str(), "listings show the id in authToken");
        assert_eq!(v["data"]["deviceId"], "d1");
        assert!(!v.to_string().contains(&raw));
    }

    // Update: given fields replace, others stay; an empty body and CometChat's `[]` change nothing.
    let path = format!("/v3/users/alice/auth_tokens/{raw}");
    let (status, v) = call(s.admin(Method::PUT, &path).json(&json!({"platform": "android"}))).await;
    assert_eq!(
        (status, v["data"]["platform"].as_str(), v["data"]["deviceId"].as_str()),
        (200, Some("android"), Some("d1"))
    );
    for body in ["", "[]"] {
        let req = s.admin(Method::PUT, &path).header("content-type", "application/json").body(body);
        let (status, v) = call(req).await;
        assert_eq!((status, v["data"]["platform"].as_str()), (200, Some("android")), "{body:?}");
    }
    let (status, v) = call(s.admin(Method::PUT, &path).json(&json!({"platform": "x".repeat(51)}))).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));
    assert!(v["error"]["details"]["platform"].is_array(), "{v}");

    // List: newest first, CometChat's pagination meta.
    let (status, v) = call(s.admin(Method::GET, "/v3/users/alice/auth_tokens?perPage=1&page=1")).await;
    assert_eq!(status, 200);
    assert_eq!(
        v["meta"]["pagination"],
        json!({"total": 2, "count": 1, "per_page": 1, "current_page": 1, "total_pages": 2})
    );
    assert_eq!(v["data"][0]["id"], id.as_str());
    let (status, v) = call(s.admin(Method::GET, "/v3/users/alice/auth_tokens?perPage=abc")).await;
    assert_eq!((status, code(&v)), (400, "ERR_BAD_REQUEST"));

    // Delete by id; twice is 404.
    let one = format!("/v3/users/alice/auth_tokens/{id}");
    let (status, v) = call(s.admin(Method::DELETE, &one)).await;
    assert_eq!((status, v["data"]["success"].as_bool()), (200, Some(true)));
    let (status, v) = call(s.admin(Method::DELETE, &one)).await;
    assert_eq!((status, code(&v)), (404, "ERR_AUTH_TOKEN_NOT_FOUND"));
    let (status, v) = call(s.user(Method::GET, "/v3.0/me", &raw)).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"));

    // Unknown, mistyped and someone else's tokens are all not found.
    let bob = s.user_with_token("bob").await;
    let typo = format!("{}x", &raw[..raw.len() - 1]);
    for name in [typo.as_str(), bob.as_str(), "000000000000000000000000", "nonsense"] {
        let (status, v) = call(s.admin(Method::GET, &format!("/v3/users/alice/auth_tokens/{name}"))).await;
        assert_eq!((status, code(&v)), (404, "ERR_AUTH_TOKEN_NOT_FOUND"), "{name}");
    }

    // Flush.
    let (status, v) = call(s.admin(Method::DELETE, "/v3/users/alice/auth_tokens")).await;
    assert_eq!(status, 200);
    assert_eq!(v["data"]["message"], "Cleared Auth Tokens successfully for uid alice.");
    let (_, v) = call(s.admin(Method::GET, "/v3/users/alice/auth_tokens")).await;
    assert_eq!(v["meta"]["pagination"]["total"], 0);
}

#[tokio::test]
async fn rolling_retention_archives_the_oldest() {
    let mut config = Config { apps: vec![app_config(APP)], ..Config::default() };
    config.apps[0].retention = 2;
    let s = Server::with(config).await;
    let first = s.user_with_token("alice").await;
    s.token_for("alice").await;
    s.token_for("alice").await;
    let (status, v) = call(s.user(Method::GET, "/v3.0/me", &first)).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"));
    let (_, v) = call(s.admin(Method::GET, "/v3/users/alice/auth_tokens")).await;
    let archived: Vec<bool> = v["data"].as_array().unwrap().iter().map(|t| t["archived"].as_bool().unwrap()).collect();
    assert_eq!(archived, [false, false, true]);
}

#[tokio::test]
async fn auth_only_keys_create_users_and_tokens_only() {
    let s = Server::start().await;
    let key = |m: Method, p: &str| s.req(m, p).header("apikey", AUTH_ONLY_KEY);
    let (status, v) = call(key(Method::POST, "/v3/users").json(&json!({"uid": "alice", "withAuthToken": true}))).await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = call(key(Method::POST, "/v3/users/alice/auth_tokens")).await;
    assert_eq!(status, 200);
    for (m, p) in [
        (Method::GET, "/v3/users/alice"),
        (Method::DELETE, "/v3/users/alice"),
        (Method::GET, "/v3/users/alice/auth_tokens"),
        (Method::DELETE, "/v3/users/alice/auth_tokens"),
        (Method::GET, "/v3/users/alice/auth_tokens/000000000000000000000000"),
    ] {
        let (status, v) = call(key(m.clone(), p)).await;
        assert_eq!((status, code(&v)), (403, "AUTH_ERR_NO_ACCESS"), "{m} {p}");
        assert!(!v.to_string().contains(AUTH_ONLY_KEY), "the key is never echoed");
    }
}

#[tokio::test]
async fn missing_and_wrong_keys() {
    let s = Server::start().await;
    let (status, v) = call(s.req(Method::GET, "/v3/users/alice")).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_EMPTY_APIKEY"));
    let (status, v) = call(s.req(Method::GET, "/v3/users/alice").header("apikey", "wrong-key-0123456789")).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_APIKEY_NOT_FOUND"));
    let (status, v) = call(s.req(Method::GET, "/v3/users/alice").header("apikey", [0xffu8, 0xfe].as_slice())).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_APIKEY_NOT_FOUND"));
    let (status, v) = call(s.admin(Method::GET, "/v3/users/alice").header("appid", "other")).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_INVALID_APPID"));
}

#[tokio::test]
async fn v3_0_aliases_answer_the_same() {
    let s = Server::start().await;
    let (status, v) = call(s.admin(Method::POST, "/v3.0/users").json(&json!({"uid": "alice"}))).await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = call(s.admin(Method::POST, "/v3.0/users/alice/auth_tokens")).await;
    assert_eq!(status, 200, "{v}");
    let (_, v) = call(s.admin(Method::GET, "/v3.0/users/alice/auth_tokens")).await;
    assert_eq!(v["meta"]["pagination"]["total"], 1);
    let (status, _) = call(s.admin(Method::GET, "/v3.0/users/alice")).await;
    assert_eq!(status, 200);
}

/// Several apps share one store, each a namespace; the key picks its app, `appid` and the host
/// name may name it, and they must agree.
#[tokio::test]
async fn apps_are_namespaces_chosen_by_key_header_or_host() {
    let config = Config { apps: vec![app_config(APP), app_config("other")], ..Config::default() };
    let s = Server::with(config).await;
    let other_key = format!("{FULL_KEY}-other");
    let create = |key: &str| s.req(Method::POST, "/v3/users").header("apikey", key).json(&json!({"uid": "alice"}));
    assert_eq!(call(create(FULL_KEY)).await.0, 200);
    assert_eq!(call(create(&other_key)).await.0, 200, "the same uid in another app");

    let get = |key: &str| s.req(Method::GET, "/v3/users/alice").header("apikey", key);
    assert_eq!(call(get(FULL_KEY).header("appid", "CHAT")).await.0, 200, "app ids match case-insensitively");
    let (status, v) = call(get(FULL_KEY).header("appid", "other")).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_APIKEY_NOT_FOUND"), "a key of another app");
    assert_eq!(call(get(&other_key).header("host", "other.api-us.example.com")).await.0, 200);
    let (status, _) = call(get(FULL_KEY).header("host", "other.api-us.example.com")).await;
    assert_eq!(status, 401);

    // Auth tokens need the app named when several are served.
    let token = s.user_with_token("bob").await;
    let (status, v) = call(s.user(Method::GET, "/v3.0/me", &token)).await;
    assert_eq!((status, code(&v)), (401, "AUTH_ERR_EMPTY_APPID"));
    let (status, v) = call(s.user(Method::GET, "/v3.0/me", &token).header("appid", APP)).await;
    assert_eq!((status, v["data"]["uid"].as_str()), (200, Some("bob")));
    let (status, _) = call(s.user(Method::GET, "/v3.0/me", &token).header("appid", "other")).await;
    assert_eq!(status, 401, "a token of one app is unknown in another");
}

#[tokio::test]
async fn store_failures_are_503_with_retry_after() {
    let s = Server::start().await;
    s.store.set_down(true);
    let resp = s.admin(Method::POST, "/v3/users").json(&json!({"uid": "alice"})).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let v: Value = body(resp).await;
    assert_eq!((code(&v), v["error"]["tokensmithCode"].as_str()), ("ERR_STORE_UNAVAILABLE", Some("STORE_UNAVAILABLE")));
    s.store.set_down(false);
    assert_eq!(call(s.admin(Method::POST, "/v3/users").json(&json!({"uid": "alice"}))).await.0, 200);
}
