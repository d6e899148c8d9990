//! Configuration: a TOML file serves as written, and every invalid setting stops `serve` with
//! a message that names the setting but never shows a secret.

use crate::common;

use common::*;
use serde_json::json;
use tokensmith_server::{AblyKeyConfig, ApiKeyConfig, Config, Scope, serve};

const TOML: &str = r#"
listen = "127.0.0.1:0"
store = "memory://"

[limits]
body_limit_bytes = 4096

[[apps]]
id = "toml-app"
retention = 3
api_keys = [{ key = "toml-full-access-key-123", scope = "fullAccess" }]
agora = { app_id = "970CA35de60c44645bbae8a215061b33", app_certificate = "5CFd2fd1755d40ecb72977518be15d3b" }

[[apps.ably_keys]]
key = "toml-app.k1:toml-ably-secret"
capability = { "chat:*" = ["subscribe"] }
"#;

#[tokio::test]
async fn a_toml_file_serves_as_written() {
    let running = serve(Config::from_toml(TOML).unwrap()).await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/v3/users", running.url());
    let resp = http.post(&url).header("apikey", "toml-full-access-key-123").json(&json!({"uid": "a"})).send().await;
    assert_eq!(resp.unwrap().status(), 200);
    let resp = http
        .post(format!("{}/keys/toml-app.k1/requestToken", running.url()))
        .basic_auth("toml-app.k1", Some("toml-ably-secret"))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["capability"], r#"{"chat:*":["subscribe"]}"#);
    running.shutdown().await;
}

async fn refused(config: Config) -> (String, &'static str) {
    match serve(config).await {
        Ok(_) => panic!("served an invalid configuration"),
        Err(e) => (e.to_string(), e.code()),
    }
}

type Edit = Box<dyn Fn(&mut Config)>;

#[tokio::test]
async fn invalid_settings_are_named_without_their_secrets() {
    let bad_cert = "zz".repeat(16);
    // (how to break the config, what the message must name, what it must not show)
    let cases: Vec<(Edit, &str, &str)> = vec![
        (Box::new(|c| c.apps.push(app_config(APP))), "configured twice", ""),
        (Box::new(|c| c.apps[0].id = "a b".into()), "`id`", ""),
        (Box::new(|c| c.apps[0].api_keys[0].key = "short".into()), "api_keys[0]", "short"),
        (
            Box::new(|c| c.apps[0].api_keys.push(ApiKeyConfig { key: FULL_KEY.into(), scope: Scope::AuthOnly })),
            "API key is configured twice",
            FULL_KEY,
        ),
        (
            Box::new(move |c| c.apps[0].agora.as_mut().unwrap().app_certificate = "zz".repeat(16).as_str().into()),
            "app_certificate",
            &bad_cert,
        ),
        (
            Box::new(|c| {
                c.apps[0].ably_keys.push(AblyKeyConfig {
                    key: "no-colon-secret-value".into(),
                    capability: None,
                    max_ttl_ms: None,
                    default_ttl_ms: None,
                })
            }),
            "ably_keys[1]",
            "no-colon-secret-value",
        ),
        (Box::new(|c| c.apps[0].ably_keys[0].capability = Some(json!({"a": ["fly"]}))), "ably_keys[0]", ABLY_SECRET),
        (Box::new(|c| c.apps[0].ably_keys[0].max_ttl_ms = Some(100)), "max_ttl_ms", ABLY_SECRET),
        (Box::new(|c| c.apps[0].ably_user_capability = Some(json!("nope"))), "ably_user_capability", ""),
    ];
    for (edit, named, secret) in cases {
        let mut c = config();
        edit(&mut c);
        let (message, code) = refused(c).await;
        assert!(message.contains(named), "{message} should name {named}");
        assert!(secret.is_empty() || !message.contains(secret), "{message} shows a secret");
        assert_eq!(code, "INVALID_ARGUMENT");
    }
}

#[tokio::test]
async fn bad_addresses_and_stores_are_invalid_arguments() {
    let mut c = config();
    c.listen = Some("not an address".into());
    assert_eq!(refused(c).await.1, "INVALID_ARGUMENT");
    let s = Server::start().await; // holds a port
    let mut c = config();
    c.listen = Some(s.running.addr().to_string());
    let (message, code) = refused(c).await;
    assert!(message.starts_with("cannot listen on"), "{message}");
    assert_eq!(code, "INVALID_ARGUMENT");
    let mut c = config();
    c.store = Some("ftp://nope".into());
    assert_eq!(refused(c).await.1, "INVALID_ARGUMENT");
}
