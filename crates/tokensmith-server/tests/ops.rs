//! Operations routes over loopback: health, readiness, metrics.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_and_readiness_follow_the_store() {
    let s = Server::start().await;
    assert_eq!(call(s.req(Method::GET, "/healthz")).await, (200, json!({"status": "ok"})));
    assert_eq!(call(s.req(Method::GET, "/readyz")).await, (200, json!({"status": "ready"})));
    s.store.set_down(true);
    let (status, v) = call(s.req(Method::GET, "/readyz")).await;
    assert_eq!((status, code(&v)), (503, "ERR_STORE_UNAVAILABLE"));
    assert_eq!(call(s.req(Method::GET, "/healthz")).await.0, 200, "the process itself is fine");
    s.store.set_down(false);
    assert_eq!(call(s.req(Method::GET, "/readyz")).await.0, 200);
}

#[tokio::test]
async fn metrics_count_requests_tokens_and_refusals() {
    let s = Server::start().await;
    let token = s.user_with_token("alice").await;
    s.token_for("alice").await;
    call(s.user(Method::DELETE, "/v3.0/me", &token)).await;
    call(s.user(Method::GET, "/v3.0/me", &token)).await; // refused: logged out
    call(s.req(Method::GET, "/v3/users/alice").header("apikey", "wrong-key-0123456789")).await;
    call(s.admin(Method::POST, "/generate-app-token").json(&json!({"expire": 60}))).await;

    let resp = s.req(Method::GET, "/metrics").send().await.unwrap();
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = resp.text().await.unwrap();
    for line in [
        r#"tokensmith_http_requests_total{route="/v3/users",method="POST",status="200"} 1"#,
        r#"tokensmith_http_requests_total{route="/v3.0/me",method="GET",status="401"} 1"#,
        r#"tokensmith_http_request_duration_seconds_count{route="/v3/users/{uid}/auth_tokens"} 1"#,
        r#"tokensmith_tokens_issued_total{kind="auth_token"} 2"#,
        r#"tokensmith_tokens_issued_total{kind="agora_app"} 1"#,
        r#"tokensmith_tokens_revoked_total{kind="auth_token"} 1"#,
        r#"tokensmith_tokens_refused_total{reason="AUTH_TOKEN_NOT_FOUND"} 1"#,
        r#"tokensmith_tokens_refused_total{reason="AUTH_ERR_APIKEY_NOT_FOUND"} 1"#,
        "# TYPE tokensmith_http_request_duration_seconds histogram",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
    assert!(!text.contains(&token), "labels never hold a token");
}
