//! `/openapi.json` documents every route of the issue, and a successful call of every documented
//! operation answers what its schema says (checked by a small JSON Schema subset validator).

use crate::common;

use std::collections::BTreeSet;

use common::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use tokensmith::ably::{self, Key, TokenParams};

/// The routes issue #4 asks for; each must be documented (and so served).
const REQUIRED: &[(&str, &str)] = &[
    ("post", "/v3/users"),
    ("get", "/v3/users/{uid}"),
    ("delete", "/v3/users/{uid}"),
    ("post", "/v3/users/{uid}/auth_tokens"),
    ("get", "/v3/users/{uid}/auth_tokens"),
    ("delete", "/v3/users/{uid}/auth_tokens"),
    ("get", "/v3/users/{uid}/auth_tokens/{authToken}"),
    ("put", "/v3/users/{uid}/auth_tokens/{authToken}"),
    ("delete", "/v3/users/{uid}/auth_tokens/{authToken}"),
    ("post", "/v3.0/users"),
    ("get", "/v3.0/users/{uid}/auth_tokens/{authToken}"),
    ("put", "/v3.0/me"),
    ("get", "/v3.0/me"),
    ("delete", "/v3.0/me"),
    ("post", "/v2/tokens"),
    ("get", "/v2/tokens"),
    ("delete", "/v2/tokens"),
    ("post", "/keys/{keyName}/requestToken"),
    ("post", "/keys/{keyName}/revokeTokens"),
    ("get", "/time"),
    ("post", "/generate-user-token"),
    ("post", "/generate-app-token"),
    ("get", "/token/generate"),
    ("get", "/auth/ably"),
    ("post", "/auth/ably"),
    ("get", "/openapi.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
];

/// Validates `v` against `schema`: `$ref`, `oneOf`, `type`, `enum`, `required`, `properties`,
/// `items`, `minItems`/`maxItems`, `minLength` (enough for this document's schemas).
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.strip_prefix("#/components/schemas/").ok_or(format!("bad $ref {r}"))?;
        return validate(doc, &doc["components"]["schemas"][name], v, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return match options.iter().any(|o| validate(doc, o, v, at).is_ok()) {
            true => Ok(()),
            false => Err(format!("{at}: matches no oneOf option: {v}")),
        };
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let is = |t: &str| match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        return Err(format!("{at}: expected {types:?}, got {v}"));
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(v)
    {
        return Err(format!("{at}: {v} is not one of {options:?}"));
    }
    if let Some(obj) = v.as_object() {
        for key in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !obj.contains_key(key) {
                return Err(format!("{at}: missing `{key}` in {v}"));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, s) in props {
                if let Some(field) = obj.get(k) {
                    validate(doc, s, field, &format!("{at}.{k}"))?;
                }
            }
        }
    }
    if let Some(items) = v.as_array() {
        let n = items.len() as u64;
        if schema["minItems"].as_u64().is_some_and(|m| n < m) || schema["maxItems"].as_u64().is_some_and(|m| n > m) {
            return Err(format!("{at}: {n} items"));
        }
        for (i, item) in items.iter().enumerate() {
            validate(doc, &schema["items"], item, &format!("{at}[{i}]"))?;
        }
    }
    if let (Some(s), Some(min)) = (v.as_str(), schema["minLength"].as_u64())
        && (s.chars().count() as u64) < min
    {
        return Err(format!("{at}: shorter than {min}"));
    }
    Ok(())
}

struct Checker<'a> {
    server: &'a Server,
    doc: Value,
    seen: BTreeSet<String>,
}

impl Checker<'_> {
    /// Sends, expects 200, and validates the body against the 200 schema of `template`'s operation.
    async fn run(&mut self, template: &str, req: RequestBuilder) -> Value {
        let req = req.build().unwrap();
        let method = req.method().as_str().to_ascii_lowercase();
        let resp = self.server.http.execute(req).await.unwrap();
        let status = resp.status().as_u16();
        let ctype = resp.headers()["content-type"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 200, "{method} {template}: {text}");
        let op = &self.doc["paths"][template][&method];
        let schema = &op["responses"]["200"]["content"][&ctype]["schema"];
        assert!(schema.is_object(), "{method} {template} does not document {ctype}");
        let body = match ctype.as_str() {
            "application/json" => serde_json::from_str(&text).unwrap(),
            _ => Value::String(text),
        };
        if let Err(e) = validate(&self.doc, schema, &body, "body") {
            panic!("{method} {template}: {e}");
        }
        self.seen.insert(format!("{method} {template}"));
        body
    }
}

#[tokio::test]
async fn every_required_route_is_documented_once() {
    let s = Server::start().await;
    let (status, doc) = call(s.req(Method::GET, "/openapi.json")).await;
    assert_eq!((status, doc["openapi"].as_str()), (200, Some("3.1.0")));
    for (method, path) in REQUIRED {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is not documented");
    }
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_owned()), "duplicate id at {method} {path}");
            let named: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let in_path: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
            assert_eq!(named, in_path, "{method} {path}: path parameters");
        }
    }
}

#[tokio::test]
async fn every_operation_answers_its_documented_schema() {
    let s = Server::start().await;
    let doc = call(s.req(Method::GET, "/openapi.json")).await.1;
    let mut c = Checker { server: &s, doc, seen: BTreeSet::new() };
    let users = "/users/{uid}/auth_tokens";
    let one = "/users/{uid}/auth_tokens/{authToken}";

    for v in ["/v3", "/v3.0"] {
        let uid = if v == "/v3" { "alice" } else { "carol" };
        let created = c
            .run(
                &format!("{v}/users"),
                s.admin(Method::POST, &format!("{v}/users"))
                    .json(&json!({"uid": uid, "withAuthToken": true, "tags": ["a"]})),
            )
            .await;
        assert!(created["data"]["authToken"].is_string());
        c.run(&format!("{v}/users/{{uid}}"), s.admin(Method::GET, &format!("{v}/users/{uid}"))).await;
        let t = c
            .run(
                &format!("{v}{users}"),
                s.admin(Method::POST, &format!("{v}/users/{uid}/auth_tokens")).json(&json!({"platform": "web"})),
            )
            .await;
        let id = t["data"]["id"].as_str().unwrap().to_owned();
        c.run(&format!("{v}{users}"), s.admin(Method::GET, &format!("{v}/users/{uid}/auth_tokens"))).await;
        c.run(&format!("{v}{one}"), s.admin(Method::GET, &format!("{v}/users/{uid}/auth_tokens/{id}"))).await;
        c.run(
            &format!("{v}{one}"),
            s.admin(Method::PUT, &format!("{v}/users/{uid}/auth_tokens/{id}")).json(&json!({"deviceId": "d"})),
        )
        .await;
        c.run(&format!("{v}{one}"), s.admin(Method::DELETE, &format!("{v}/users/{uid}/auth_tokens/{id}"))).await;
        c.run(&format!("{v}{users}"), s.admin(Method::DELETE, &format!("{v}/users/{uid}/auth_tokens"))).await;
        c.run(&format!("{v}/users/{{uid}}"), s.admin(Method::DELETE, &format!("{v}/users/{uid}"))).await;
    }

    let token = s.user_with_token("bob").await;
    for v in ["/v3.0", "/v3"] {
        let me = format!("{v}/me");
        c.run(&me, s.user(Method::PUT, &me, &token).json(&json!({"platform": "web"}))).await;
        c.run(&me, s.user(Method::GET, &me, &token)).await;
    }
    c.run("/v2/tokens", s.user(Method::POST, "/v2/tokens", &token).json(&json!({"fcmToken": "f"}))).await;
    c.run("/v2/tokens", s.user(Method::GET, "/v2/tokens", &token)).await;
    c.run("/v2/tokens", s.user(Method::DELETE, "/v2/tokens", &token)).await;

    let key = Key::new(ABLY_NAME, ABLY_SECRET).unwrap();
    let request = ably::create_token_request(&tokensmith::Context::system(), &key, &TokenParams::default()).unwrap();
    let rt = "/keys/{keyName}/requestToken";
    c.run(rt, s.req(Method::POST, &format!("/keys/{ABLY_NAME}/requestToken")).json(&request)).await;
    let revoke =
        s.req(Method::POST, &format!("/keys/{ABLY_NAME}/revokeTokens")).basic_auth(ABLY_NAME, Some(ABLY_SECRET));
    c.run("/keys/{keyName}/revokeTokens", revoke.json(&json!({"targets": ["clientId:nobody"]}))).await;
    c.run("/time", s.req(Method::GET, "/time")).await;
    c.run("/auth/ably", s.user(Method::GET, "/auth/ably", &token)).await;
    c.run("/auth/ably", s.user(Method::POST, "/auth/ably", &token).form(&[("as", "details")])).await;
    c.run("/auth/ably", s.user(Method::GET, "/auth/ably?as=jwt", &token)).await;

    c.run(
        "/generate-user-token",
        s.admin(Method::POST, "/generate-user-token").json(&json!({"user_uuid": "bob", "expire": 60})),
    )
    .await;
    c.run("/generate-app-token", s.admin(Method::POST, "/generate-app-token").json(&json!({"expire": 60}))).await;
    c.run("/token/generate", s.admin(Method::GET, "/token/generate?userId=bob&expireSeconds=60")).await;
    c.run(
        "/token/generate",
        s.admin(Method::POST, "/token/generate?tokenType=app&expireSeconds=60").header("accept", "application/json"),
    )
    .await;

    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        c.run(path, s.req(Method::GET, path)).await;
    }
    for v in ["/v3.0", "/v3"] {
        let me = format!("{v}/me");
        let fresh = s.token_for("bob").await;
        c.run(&me, s.user(Method::DELETE, &me, &fresh)).await;
    }

    let documented: BTreeSet<String> = c.doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| format!("{m} {path}")))
        .collect();
    let missed: Vec<_> = documented.difference(&c.seen).collect();
    assert!(missed.is_empty(), "operations never exercised: {missed:?}");
}

#[tokio::test]
async fn error_bodies_match_the_error_schemas() {
    let s = Server::start().await;
    let doc = call(s.req(Method::GET, "/openapi.json")).await.1;
    let (_, v) = call(s.admin(Method::GET, "/v3/users/nobody")).await;
    validate(&doc, &json!({"$ref": "#/components/schemas/Error"}), &v, "error").unwrap();
    let (_, v) = call(s.req(Method::POST, "/keys/nope/requestToken")).await;
    validate(&doc, &json!({"$ref": "#/components/schemas/AblyError"}), &v, "error").unwrap();
    assert!(
        validate(&doc, &json!({"$ref": "#/components/schemas/Error"}), &v, "error").is_err(),
        "the validator can fail"
    );
}
