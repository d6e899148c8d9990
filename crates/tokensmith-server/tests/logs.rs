//! The logs carry token fingerprints, never a raw token or a secret. (Its own test binary: it
//! installs the process-wide tracing subscriber.)

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use reqwest::Method;
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_show_fingerprints_not_tokens_or_secrets() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .init();

    let s = Server::start().await;
    let token = s.user_with_token("alice").await;
    call(s.user(Method::PUT, "/v3.0/me", &token).json(&json!({"platform": "web"}))).await;
    call(s.admin(Method::GET, &format!("/v3/users/alice/auth_tokens/{token}"))).await;
    call(s.user(Method::GET, "/v3.0/me", "tks_not_a_real_token_value")).await;
    let (_, v) =
        call(s.admin(Method::POST, "/generate-user-token").json(&json!({"user_uuid": "alice", "expire": 60}))).await;
    let agora = v["token"].as_str().unwrap().to_owned();
    let req = s.req(Method::POST, &format!("/keys/{ABLY_NAME}/requestToken")).basic_auth(ABLY_NAME, Some(ABLY_SECRET));
    let (_, v) = call(req).await;
    let jwt = v["token"].as_str().unwrap().to_owned();
    call(s.req(Method::GET, "/v3/users/alice").header("apikey", "wrong-but-secret-key-123")).await;
    s.running.shutdown().await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let fingerprint = &tokensmith::auth_token::fingerprint(&token)[..16];
    assert!(text.contains(&format!("authtoken:{fingerprint}")), "the session's fingerprint is logged:\n{text}");
    assert!(text.contains(&format!("token:{fingerprint}")), "so is a token named in a path");
    assert!(text.contains("route=/v3/users/{uid}/auth_tokens/{authToken}"), "routes are templates:\n{text}");
    for secret in [
        token.as_str(),
        "tks_not_a_real_token_value",
        &agora,
        &jwt,
        FULL_KEY,
        ABLY_SECRET,
        AGORA_CERT,
        "wrong-but-secret-key-123",
    ] {
        assert!(!text.contains(secret), "{secret} appears in the logs:\n{text}");
    }
}
