//! Hardening over loopback: every bad request is a 4xx JSON error with a code, bodies are
//! capped, credentials are rate limited, slow requests time out, and shutdown lets in-flight
//! requests finish.

use crate::common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Raw HTTP/1.1 over a fresh connection: for what reqwest will not send (partial and chunked bodies).
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> (u16, Value) {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    read_response(&mut conn).await
}

async fn read_response(conn: &mut TcpStream) -> (u16, Value) {
    let mut buf = Vec::new();
    conn.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_requests_are_4xx_json_with_codes() {
    let s = Server::start().await;
    let users = || s.admin(Method::POST, "/v3/users");
    let cases = [
        (users().header("content-type", "application/json").body("{\"uid\": "), 400, "ERR_BAD_REQUEST"),
        (users().header("content-type", "text/plain").body("{\"uid\": \"a\"}"), 415, "ERR_UNSUPPORTED_MEDIA_TYPE"),
        (users().body("{\"uid\": \"a\"}"), 415, "ERR_UNSUPPORTED_MEDIA_TYPE"),
        (users().json(&json!({"uid": 5})), 400, "ERR_BAD_REQUEST"),
        (users().json(&json!(["not", "an", "object"])), 400, "ERR_BAD_REQUEST"),
        (users(), 400, "ERR_BAD_REQUEST"),
        (s.admin(Method::GET, "/v3/nothing/here"), 404, "ERR_ROUTE_NOT_FOUND"),
        (s.admin(Method::PATCH, "/v3/users"), 405, "ERR_METHOD_NOT_ALLOWED"),
        (s.admin(Method::GET, "/v3/users/%FF%FE"), 400, "ERR_BAD_REQUEST"),
        (s.admin(Method::GET, "/v3/users/alice/auth_tokens?page=-1"), 400, "ERR_BAD_REQUEST"),
        (s.admin(Method::GET, "/v3/users/alice/auth_tokens?page=99999999999999999999"), 400, "ERR_BAD_REQUEST"),
        (s.admin(Method::GET, "/v3/users/alice/auth_tokens?page=18446744073709551615"), 400, "ERR_BAD_REQUEST"),
    ];
    for (req, status, expected) in cases {
        let resp = req.send().await.unwrap();
        let (got, ctype) = (resp.status().as_u16(), resp.headers()["content-type"].to_str().unwrap().to_owned());
        let v = body(resp).await;
        assert_eq!((got, code(&v), ctype.as_str()), (status, expected, "application/json"), "{v}");
    }
    let resp = s.admin(Method::PATCH, "/v3/users").send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "POST", "405 keeps its Allow header");

    // Ably routes answer in Ably's shape even for routing errors.
    let (status, v) = call(s.req(Method::GET, "/keys/x/nothing")).await;
    assert_eq!((status, v["error"]["code"].as_u64()), (404, Some(40400)));
    let (status, v) = call(s.req(Method::DELETE, "/time")).await;
    assert_eq!((status, v["error"]["code"].as_u64()), (405, Some(40500)));
}

#[tokio::test]
async fn bodies_over_the_cap_are_413() {
    let mut config = config();
    config.limits.body_limit_bytes = 1024;
    let s = Server::with(config).await;
    let big = json!({"uid": "alice", "metadata": {"x": "y".repeat(2000)}});
    let (status, v) = call(s.admin(Method::POST, "/v3/users").json(&big)).await;
    assert_eq!((status, code(&v)), (413, "ERR_PAYLOAD_TOO_LARGE"));

    // Chunked, so no Content-Length announces it: refused while reading.
    let chunk = "a".repeat(1500);
    let request = format!(
        "POST /v3/users HTTP/1.1\r\nhost: x\r\napikey: {FULL_KEY}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let (status, v) = raw(s.running.addr(), request.as_bytes()).await;
    assert_eq!((status, code(&v)), (413, "ERR_PAYLOAD_TOO_LARGE"));
    let (status, v) = call(s.req(Method::POST, "/keys/chat.main/requestToken").json(&big)).await;
    assert_eq!((status, v["error"]["code"].as_u64()), (413, Some(41300)));
}

#[tokio::test]
async fn rate_limits_per_credential_with_headers() {
    let mut config = config();
    config.apps[0].rate_limit_per_minute = 3;
    let now = 1_800_000_000_000 + 15_000; // 15 s into a minute
    let s = Server::with_ctx(config, frozen(now).0).await;
    let token = s.user_with_token("alice").await; // one request of the key's three
    for remaining in ["1", "0"] {
        let resp = s.admin(Method::GET, "/v3/users/alice").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let h = resp.headers();
        assert_eq!(
            (h["x-ratelimit-limit"].to_str().unwrap(), h["x-ratelimit-remaining"].to_str().unwrap()),
            ("3", remaining)
        );
        assert_eq!(h["x-ratelimit-reset"], "1800000060");
    }
    let resp = s.admin(Method::GET, "/v3/users/alice").send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(
        (resp.headers()["retry-after"].to_str().unwrap(), resp.headers()["x-ratelimit-remaining"].to_str().unwrap()),
        ("45", "0")
    );
    assert_eq!(code(&body(resp).await), "ERR_TOO_MANY_REQUESTS");

    // Other credentials have their own budget.
    let (status, _) = call(s.user(Method::GET, "/v3.0/me", &token)).await;
    assert_eq!(status, 200);
    let (status, _) = call(s.req(Method::POST, "/v3/users/alice/auth_tokens").header("apikey", AUTH_ONLY_KEY)).await;
    assert_eq!(status, 200);
    // Unauthenticated operations are not limited.
    assert_eq!(call(s.req(Method::GET, "/healthz")).await.0, 200);
}

#[tokio::test]
async fn slow_requests_time_out_with_408() {
    let mut config = config();
    config.limits.request_timeout_ms = 300;
    let s = Server::with(config).await;
    // Announce 100 bytes, send 10, then wait.
    let request = format!(
        "POST /v3/users HTTP/1.1\r\nhost: x\r\napikey: {FULL_KEY}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n{{\"uid\": \"a"
    );
    let (status, v) = raw(s.running.addr(), request.as_bytes()).await;
    assert_eq!((status, code(&v)), (408, "ERR_REQUEST_TIMEOUT"));
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let s = Server::start().await;
    let addr = s.running.addr();
    let body = r#"{"uid": "alice", "withAuthToken": true}"#;
    let head = format!(
        "POST /v3/users HTTP/1.1\r\nhost: x\r\napikey: {FULL_KEY}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body.as_bytes()[..10]).await.unwrap();

    let shutdown = tokio::spawn(s.running.shutdown());
    // Wait until the listener is gone: shutdown has begun while our request is half sent.
    while TcpStream::connect(addr).await.is_ok() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!shutdown.is_finished(), "shutdown waits for the request in flight");
    conn.write_all(&body.as_bytes()[10..]).await.unwrap();
    let (status, v) = read_response(&mut conn).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["data"]["authToken"].is_string());
    shutdown.await.unwrap();
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let s = Server::start().await;
    for path in ["/healthz", "/nope"] {
        let resp = s.req(Method::GET, path).send().await.unwrap();
        assert_eq!(resp.headers()["x-request-id"].len(), 16, "{path}");
    }
}
