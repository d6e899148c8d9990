//! The REST client's send path against a scripted server on 127.0.0.1: retries on 429 and 503,
//! `Retry-After`, dropped and refused connections, timeouts, credentials, base URL layouts and
//! secrets kept out of errors. Waits are recorded, not slept: attempts are counted, never timed.
#![cfg(feature = "client")]

use crate::client_stub;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use client_stub::{Canned, Stub, Waits, closed_port_url, dropping_server};
use serde_json::{Value, json};
use tokensmith::ably::Key;
use tokensmith::client::{Client, ClientBuilder, CreateUser, RetryPolicy};
use tokensmith::service::RevokeOptions;
use tokensmith::store::TokenMeta;
use tokensmith::{Context, Error};

const API_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4";
const TOKEN: &str = "tks_q2bKJ1m2nT8YxVhZx1Jm0yF3dVbQe7W9sLkPqR4tUaXoNc2v9";

fn user() -> Canned {
    Canned::json(200, &json!({"data": {"uid": "alice", "name": "Alice", "createdAt": 1_694_667_681u64}}))
}

fn token_object() -> Canned {
    Canned::json(200, &json!({"data": {"uid": "alice", "authToken": TOKEN, "createdAt": 1_694_668_129u64}}))
}

fn too_many(retry_after: &str) -> Canned {
    Canned::json(429, &json!({"error": {"message": "Too many requests.", "code": "ERR_TOO_MANY_REQUESTS"}}))
        .header("retry-after", retry_after)
}

fn unavailable() -> Canned {
    Canned::json(503, &json!({"error": {"message": "store unavailable", "code": "STORE_UNAVAILABLE"}}))
}

/// A client whose waits are recorded in the returned `Waits`.
fn recorded(base: &str) -> (ClientBuilder, Arc<Waits>) {
    let waits = Arc::new(Waits::default());
    let builder = Client::builder(base).api_key(API_KEY).app_id("app1").sleeper(waits.clone());
    (builder, waits)
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_the_server_asked_for() {
    let stub = Stub::start().await;
    stub.on("GET", "/v3/users/alice", [too_many("2"), too_many("1"), user()]);
    let (builder, waits) = recorded(&stub.url);
    let c = builder.build().unwrap();
    assert_eq!(c.get_user("alice").await.unwrap().uid, "alice");
    assert_eq!(stub.count("GET", "/v3/users/alice"), 3);
    assert_eq!(waits.taken(), [Duration::from_secs(2), Duration::from_secs(1)]);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_measured_on_the_client_clock() {
    let stub = Stub::start().await;
    // 1445412480 s = Wed, 21 Oct 2015 07:28:00 GMT; the client's clock says 5 s before.
    stub.on("GET", "/v3/users/alice", [too_many("Wed, 21 Oct 2015 07:28:00 GMT"), user()]);
    let (builder, waits) = recorded(&stub.url);
    let c = builder.context(Context::fixed(1_445_412_475_000)).build().unwrap();
    c.get_user("alice").await.unwrap();
    assert_eq!(waits.taken(), [Duration::from_secs(5)]);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_waited() {
    let stub = Stub::start().await;
    stub.on("GET", "/v3/users/alice", [too_many("3600"), user()]);
    let (builder, waits) = recorded(&stub.url);
    let e = builder.build().unwrap().get_user("alice").await.unwrap_err();
    assert_eq!((e.code(), e.status(), e.server_code()), ("RATE_LIMITED", Some(429), Some("ERR_TOO_MANY_REQUESTS")));
    assert_eq!((e.retry_after_ms(), e.retryable()), (Some(3_600_000), true));
    assert_eq!(stub.count("GET", "/v3/users/alice"), 1);
    assert!(waits.taken().is_empty());
}

#[tokio::test]
async fn rate_limiting_gives_up_after_max_attempts_and_backs_off_without_retry_after() {
    let stub = Stub::start().await;
    let bare_429 = Canned::json(429, &json!({"error": {"message": "slow down", "code": "ERR_TOO_MANY_REQUESTS"}}));
    stub.on("GET", "/v3/users/alice", [bare_429]);
    let (builder, waits) = recorded(&stub.url);
    let policy = RetryPolicy { max_attempts: 4, ..RetryPolicy::default() };
    let e = builder.retry(policy).build().unwrap().get_user("alice").await.unwrap_err();
    assert_eq!((e.code(), e.retry_after_ms()), ("RATE_LIMITED", None));
    assert_eq!(stub.count("GET", "/v3/users/alice"), 4);
    // Full jitter: each wait is at most the capped exponential (200 ms, 400 ms, 800 ms).
    let caps = [200, 400, 800].map(Duration::from_millis);
    let taken = waits.taken();
    assert_eq!(taken.len(), 3);
    assert!(taken.iter().zip(caps).all(|(w, cap)| *w <= cap), "{taken:?}");
}

#[tokio::test]
async fn a_429_is_retried_for_a_create_too() {
    // The rate limiter refused the request before doing anything, so repeating it is safe.
    let stub = Stub::start().await;
    stub.on("POST", "/v3/users/alice/auth_tokens", [too_many("0"), token_object()]);
    let (builder, _) = recorded(&stub.url);
    let t = builder.build().unwrap().create_auth_token("alice", &TokenMeta::default(), false).await.unwrap();
    assert_eq!(t.auth_token.as_deref(), Some(TOKEN));
    assert_eq!(stub.count("POST", "/v3/users/alice/auth_tokens"), 2);
}

#[tokio::test]
async fn a_503_is_retried_for_idempotent_calls_only() {
    let stub = Stub::start().await;
    stub.on("GET", "/v3/users/alice", [unavailable(), user()]);
    stub.on("PUT", &format!("/v3/users/alice/auth_tokens/{TOKEN}"), [unavailable(), token_object()]);
    stub.on("POST", "/v3/users", [unavailable(), user()]);
    let (builder, waits) = recorded(&stub.url);
    let c = builder.build().unwrap();

    c.get_user("alice").await.unwrap();
    assert_eq!(stub.count("GET", "/v3/users/alice"), 2);
    c.update_auth_token("alice", TOKEN, &TokenMeta::default()).await.unwrap();
    assert_eq!(waits.taken().len(), 2);
    assert!(waits.taken().iter().all(|w| *w <= Duration::from_millis(200)));

    // A create that met a 503 may have been applied: it is not repeated.
    let e = c.create_user(&CreateUser::new("alice", "Alice")).await.unwrap_err();
    assert_eq!((e.code(), e.status(), e.retryable()), ("STORE_UNAVAILABLE", Some(503), true));
    assert_eq!(stub.count("POST", "/v3/users"), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_idempotent_calls_only() {
    let (url, requests) = dropping_server().await;
    let (builder, _) = recorded(&url);
    let c = builder.build().unwrap();

    let e = c.get_user("alice").await.unwrap_err();
    assert_eq!(e.code(), "NETWORK_ERROR", "{e}");
    assert_eq!(requests.load(Ordering::SeqCst), 3);

    requests.store(0, Ordering::SeqCst);
    let e = c.create_auth_token("alice", &TokenMeta::default(), false).await.unwrap_err();
    assert_eq!((e.code(), e.status(), e.retryable()), ("NETWORK_ERROR", None, true));
    assert_eq!(requests.load(Ordering::SeqCst), 1, "a create that may have arrived was sent again");

    // A signed TokenRequest carries a nonce that is accepted once: never resent either.
    requests.store(0, Ordering::SeqCst);
    let key = Key::new("appAlpha.keyOne", "alphaSecretValue01").unwrap();
    let req = tokensmith::ably::create_token_request(&Context::system(), &key, &Default::default()).unwrap();
    assert_eq!(c.request_token(&req).await.unwrap_err().code(), "NETWORK_ERROR");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error_without_the_url() {
    let url = closed_port_url().await;
    let (builder, waits) = recorded(&url);
    let c = builder.build().unwrap();
    let e = c.get_auth_token("alice", TOKEN).await.unwrap_err();
    assert_eq!((e.code(), e.retryable()), ("NETWORK_ERROR", true));
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(TOKEN) && !shown.contains(&TOKEN[4..]) && !shown.contains(API_KEY), "{shown}");
    assert!(shown.contains("127.0.0.1"), "{shown}");
    // Nothing was sent, so even a create may try again.
    assert_eq!(waits.taken().len(), 2);
    c.create_auth_token("alice", &TokenMeta::default(), false).await.unwrap_err();
    assert_eq!(waits.taken().len(), 4);
}

#[tokio::test]
async fn a_timeout_is_a_typed_error_and_is_retried_only_when_idempotent() {
    let stub = Stub::start().await;
    stub.on("GET", "/v3/users/alice", [Canned::hang()]);
    stub.on("POST", "/v3/users/alice/auth_tokens", [Canned::hang()]);
    let (builder, _) = recorded(&stub.url);
    let c = builder.timeout(Duration::from_millis(100)).build().unwrap();

    let e = c.get_user("alice").await.unwrap_err();
    assert_eq!(e, Error::RequestTimeout { after_ms: 100 });
    assert_eq!((e.code(), e.retryable()), ("REQUEST_TIMEOUT", true));
    assert_eq!(stub.count("GET", "/v3/users/alice"), 3);

    let e = c.create_auth_token("alice", &TokenMeta::default(), false).await.unwrap_err();
    assert_eq!(e.code(), "REQUEST_TIMEOUT");
    assert_eq!(stub.count("POST", "/v3/users/alice/auth_tokens"), 1);
}

#[tokio::test]
async fn health_checks_are_not_retried() {
    let stub = Stub::start().await;
    stub.on("GET", "/healthz", [Canned::text(200, "text/plain", "ok")]);
    stub.on(
        "GET",
        "/readyz",
        [Canned::text(503, "text/plain", "store unreachable"), Canned::text(200, "text/plain", "ok")],
    );
    let (builder, _) = recorded(&format!("{}/v3", stub.url));
    let c = builder.build().unwrap();
    c.healthz().await.unwrap();
    let e = c.readyz().await.unwrap_err();
    assert_eq!((e.code(), e.status()), ("HTTP_ERROR", Some(503)));
    assert_eq!(stub.count("GET", "/readyz"), 1);
    c.readyz().await.unwrap();
}

#[tokio::test]
async fn credentials_go_where_each_route_wants_them() {
    let stub = Stub::start().await;
    stub.on("GET", "/v3/users/alice", [user()]);
    stub.on("GET", "/v3.0/me", [user()]);
    stub.on(
        "POST",
        "/keys/appAlpha.keyOne/revokeTokens",
        [Canned::json(200, &json!({"successCount": 0, "failureCount": 0, "results": []}))],
    );
    let key = Key::new("appAlpha.keyOne", "alphaSecretValue01").unwrap();
    let admin = Client::builder(&stub.url).api_key(API_KEY).app_id("app1").ably_key(key).build().unwrap();

    admin.get_user("alice").await.unwrap();
    let sent = stub.last();
    assert_eq!((sent.header("apikey"), sent.header("appid")), (Some(API_KEY), Some("app1")));
    assert_eq!((sent.header("authtoken"), sent.header("accept")), (None, Some("application/json")));
    assert!(sent.header("user-agent").unwrap().starts_with("tokensmith/"));

    admin.with_auth_token(TOKEN).me().await.unwrap();
    let sent = stub.last();
    assert_eq!(
        (sent.header("authtoken"), sent.header("apikey"), sent.header("appid")),
        (Some(TOKEN), None, Some("app1"))
    );

    admin.revoke_tokens(&["clientId:alice"], RevokeOptions::default()).await.unwrap();
    let sent = stub.last();
    assert!(sent.header("authorization").unwrap().starts_with("Basic "));
    assert_eq!(sent.header("apikey"), None);

    // A missing credential is refused before anything is sent.
    let before = stub.seen().len();
    let e = admin.me().await.unwrap_err();
    assert_eq!((e.code(), e.field()), ("INVALID_ARGUMENT", Some("auth_token")));
    let anonymous = Client::builder(&stub.url).build().unwrap();
    assert_eq!(anonymous.get_user("alice").await.unwrap_err().field(), Some("api_key"));
    assert_eq!(anonymous.generate_app_token(60).await.unwrap_err().field(), Some("api_key"));
    assert_eq!(
        anonymous.revoke_tokens(&["clientId:a"], RevokeOptions::default()).await.unwrap_err().field(),
        Some("ably_key")
    );
    assert_eq!(stub.seen().len(), before);
}

#[tokio::test]
async fn base_url_layouts() {
    let stub = Stub::start().await;
    stub.on("GET", "/v3/users/alice", [user()]);
    stub.on("GET", "/v3.0/users/alice", [user()]);
    stub.on("GET", "/prefix/v3/users/alice", [user()]);
    stub.on("GET", "/v3.0/me", [user()]);
    stub.on("GET", "/v2/tokens", [Canned::json(200, &json!({"data": {"ios": [], "web": [], "android": []}}))]);
    stub.on("GET", "/time", [Canned::json(200, &json!([1]))]);
    stub.on("GET", "/v3/users/a%2Fb%20c", [user()]);

    // (base, the path `get_user` reaches): CometChat's hosted `/v3` layout with and without a
    // trailing slash, the SDK's `/v3.0`, and a service mounted under a prefix.
    for (base, path) in [
        (stub.url.clone(), "/v3/users/alice"),
        (format!("{}/", stub.url), "/v3/users/alice"),
        (format!("{}/v3", stub.url), "/v3/users/alice"),
        (format!("{}/v3/", stub.url), "/v3/users/alice"),
        (format!("{}/v3.0", stub.url), "/v3.0/users/alice"),
        (format!("{}/prefix/", stub.url), "/prefix/v3/users/alice"),
    ] {
        let c = Client::builder(&base).api_key(API_KEY).auth_token(TOKEN).build().unwrap();
        c.get_user("alice").await.unwrap();
        assert_eq!(stub.last().path, path, "{base}");
        if !base.contains("prefix") {
            // Client, push and unversioned routes are the same from every layout of one host.
            c.me().await.unwrap();
            assert_eq!(stub.last().path, "/v3.0/me", "{base}");
            c.list_push().await.unwrap();
            assert_eq!(stub.last().path, "/v2/tokens", "{base}");
            c.time().await.unwrap();
            assert_eq!(stub.last().path, "/time", "{base}");
        }
    }
    // Path segments are percent-encoded: a `/` stays inside the uid.
    let c = Client::builder(&stub.url).api_key(API_KEY).build().unwrap();
    c.get_user("a/b c").await.unwrap();
    assert_eq!(stub.last().path, "/v3/users/a%2Fb%20c");

    // Hosted CometChat: separate hosts for admin, client and push routes.
    let hosted = Client::cometchat("app1", "us").api_key(API_KEY).build().unwrap();
    let e = hosted.endpoints();
    assert_eq!(
        (e.admin.as_str(), e.client.as_str(), e.push.as_str()),
        (
            "https://app1.api-us.cometchat.io/v3",
            "https://app1.apiclient-us.cometchat.io/v3.0",
            "https://push-notification-us.cometchat.io/"
        )
    );
    // Overrides point one family elsewhere.
    let split = Client::builder(&stub.url).push_url(&format!("{}/push", stub.url)).build().unwrap();
    assert_eq!(split.endpoints().push.path(), "/push");
    let bad = Client::builder("not a url").build().unwrap_err();
    assert_eq!((bad.code(), bad.field()), ("INVALID_ARGUMENT", Some("base_url")));
}

#[tokio::test]
async fn no_secret_in_errors_or_debug() {
    let stub = Stub::start().await;
    // CometChat quotes the key and the token in these messages.
    let no_access = json!({"error": {"message": format!("The key {API_KEY} cannot be used to perform this operation."), "code": "AUTH_ERR_NO_ACCESS"}});
    let gone = json!({"error": {"message": format!("The auth token {TOKEN} does not exist."), "code": "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"}});
    stub.on("GET", "/v3/users/alice", [Canned::json(403, &no_access)]);
    stub.on("GET", "/v3.0/me", [Canned::json(401, &gone)]);
    let (builder, _) = recorded(&stub.url);
    let c = builder.auth_token(TOKEN).ably_key(Key::new("a.b", "ablySecretValue9").unwrap()).build().unwrap();

    let e = c.get_user("alice").await.unwrap_err();
    assert_eq!((e.code(), e.server_code()), ("UNAUTHORIZED", Some("AUTH_ERR_NO_ACCESS")));
    let e2 = c.me().await.unwrap_err();
    assert_eq!((e2.code(), e2.status()), ("AUTH_TOKEN_NOT_FOUND", Some(401)));
    assert!(matches!(e2.kind(), Error::AuthTokenNotFound));
    for shown in [format!("{e}"), format!("{e:?}"), format!("{e2}"), format!("{e2:?}"), format!("{c:?}")] {
        for secret in [API_KEY, TOKEN, &TOKEN[4..], "ablySecretValue9"] {
            assert!(!shown.contains(secret), "shows a secret: {shown}");
        }
    }
    assert!(e2.to_string().starts_with("The auth token *** does not exist."), "{e2}");
}

#[tokio::test]
async fn undecodable_success_bodies_are_http_errors() {
    let stub = Stub::start().await;
    stub.on("GET", "/v3/users/alice", [Canned::text(200, "text/html", "<html>login page</html>")]);
    stub.on("GET", "/v3/users/bob", [Canned::json(200, &json!({"data": {"uid": 5}}))]);
    let (builder, _) = recorded(&stub.url);
    let c = builder.build().unwrap();
    for uid in ["alice", "bob"] {
        let e = c.get_user(uid).await.unwrap_err();
        assert_eq!((e.code(), e.status(), e.retryable()), ("HTTP_ERROR", Some(200), false), "{uid}");
    }
    let body: Value = json!({"data": {"uid": "alice", "name": "A", "createdAt": 1u64, "unknown": {"x": 1}}});
    stub.on("GET", "/v3/users/alice", [Canned::json(200, &body)]);
    assert_eq!(c.get_user("alice").await.unwrap().created_at, 1);
}
