//! The authUrl provider on the wire, against a scripted server: what ably-js sends (query or
//! form, parameter precedence, headers) and how each answer is read (ably-token-auth §7).
#![cfg(feature = "client")]

use crate::client_stub;
use crate::session_support;

use client_stub::{Canned, Stub};
use serde_json::json;
use session_support::{T0, guard};
use tokensmith::ably::{self, Capability, IssueOptions, Key, TokenParams};
use tokensmith::session::{
    AuthMethod, AuthOptions, AuthUrl, ManualTimer, Session, SessionConfig, SessionOptions, TokenFormat,
};
use tokensmith::{Context, Error};

const HEADER_SECRET: &str = "header-secret-value-123";

fn auth_url(stub: &Stub, method: AuthMethod) -> AuthUrl {
    AuthUrl::new(format!("{}/auth?fromUrl=1&shared=url", stub.url))
        .method(method)
        .header("x-auth", HEADER_SECRET)
        .param("shared", "authParams")
        .param("extra", "x")
}

/// The spec's example TokenParams.
fn bob() -> TokenParams {
    TokenParams {
        client_id: Some("bob".into()),
        ttl: Some(120_000),
        capability: Some(Capability::parse(r#"{"b":["subscribe"],"a":["publish","history"]}"#).unwrap()),
        ..TokenParams::default()
    }
}

fn session(auth: AuthUrl, params: TokenParams, rest_url: Option<String>) -> Session {
    let timer = ManualTimer::new(T0);
    let options =
        SessionOptions { rest_url, ..SessionOptions::new(AuthOptions::AuthUrl(auth)).with_token_params(params) };
    Session::options_builder(options)
        .unwrap()
        .config(SessionConfig { background: false, ..SessionConfig::default() })
        .context(timer.context(std::sync::Arc::new(tokensmith::OsRandom)))
        .timer(timer)
        .start()
        .unwrap()
}

fn pairs(text: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://h/?{text}")).unwrap().query_pairs().into_owned().collect()
}

fn owned(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[tokio::test]
async fn get_merges_url_params_under_auth_params_under_token_params() {
    guard(async {
        let stub = Stub::start().await;
        stub.on("GET", "/auth", [Canned::text(200, "text/plain; charset=utf-8", "plain-token-3\n")]);
        let c = session(auth_url(&stub, AuthMethod::Get), bob(), None).token().await.unwrap();
        assert_eq!((c.token(), c.format, c.expires_ms), ("plain-token-3", TokenFormat::AblyToken, None));

        let seen = stub.last();
        let capability = r#"{"a":["history","publish"],"b":["subscribe"]}"#;
        assert_eq!(
            pairs(seen.query.as_deref().unwrap()),
            owned(&[
                ("fromUrl", "1"),
                ("shared", "authParams"),
                ("extra", "x"),
                ("clientId", "bob"),
                ("ttl", "120000"),
                ("capability", capability),
            ])
        );
        assert_eq!(seen.header("x-auth"), Some(HEADER_SECRET));
        let accept = seen.header("accept").unwrap();
        assert!(accept.contains("application/json") && accept.contains("text/plain"), "{accept}");
    })
    .await;
}

#[tokio::test]
async fn post_sends_a_form_and_leaves_the_url_alone() {
    guard(async {
        let stub = Stub::start().await;
        let jwt = ably::issue_token(
            &Context::fixed(T0),
            &Key::new("app.key", "secret").unwrap(),
            &TokenParams { ttl: Some(60_000), ..TokenParams::default() },
            &IssueOptions::default(),
        )
        .unwrap()
        .token;
        stub.on("POST", "/auth", [Canned::text(200, "application/jwt", &jwt)]);
        let params = TokenParams { client_id: Some("bob".into()), ..TokenParams::default() };
        let c = session(auth_url(&stub, AuthMethod::Post), params.clone(), None).token().await.unwrap();
        assert_eq!((c.format, c.expires_ms), (TokenFormat::AblyJwt, Some(T0 + 60_000)), "the JWT's own expiry");
        let seen = stub.last();
        assert_eq!(seen.query.as_deref(), Some("fromUrl=1&shared=url"));
        assert_eq!(seen.header("content-type"), Some("application/x-www-form-urlencoded"));
        let body = String::from_utf8(seen.body.clone()).unwrap();
        assert_eq!(pairs(&body), owned(&[("shared", "authParams"), ("extra", "x"), ("clientId", "bob")]));

        // POST+JSON: the same fields as a JSON object of strings.
        session(auth_url(&stub, AuthMethod::PostJson), params, None).token().await.unwrap();
        let seen = stub.last();
        assert_eq!(seen.header("content-type"), Some("application/json"));
        assert_eq!(seen.json(), json!({"shared": "authParams", "extra": "x", "clientId": "bob"}));
    })
    .await;
}

#[tokio::test]
async fn a_token_request_answer_is_exchanged_unchanged_at_the_rest_host() {
    guard(async {
        let stub = Stub::start().await;
        let key = Key::new("app.key", "secret").unwrap();
        let request = ably::create_token_request(&Context::fixed(T0), &key, &bob()).unwrap();
        let details = ably::issue_token(&Context::fixed(T0), &key, &bob(), &IssueOptions::default()).unwrap();
        stub.on("GET", "/auth", [Canned::json(200, &serde_json::to_value(&request).unwrap())]);
        stub.on("POST", "/keys/app.key/requestToken", [Canned::json(200, &serde_json::to_value(&details).unwrap())]);
        let s = session(auth_url(&stub, AuthMethod::Get), bob(), Some(stub.url.clone()));
        let c = s.token().await.unwrap();
        assert_eq!((c.token(), c.client_id.as_deref()), (details.token.as_str(), Some("bob")));
        assert_eq!(stub.last().json(), serde_json::to_value(&request).unwrap(), "sent as received");

        // TokenDetails answered directly are used as they are.
        stub.on("GET", "/auth", [Canned::json(200, &json!({"token": "opaque", "issued": T0, "expires": T0 + 5_000}))]);
        let c = s.renew().await.unwrap();
        assert_eq!((c.token(), c.expires_ms), ("opaque", Some(T0 + 5_000)));
    })
    .await;
}

#[tokio::test]
async fn unusable_answers_are_final_provider_errors() {
    guard(async {
        for (name, answer) in [
            ("text/html", Canned::text(200, "text/html", "<html>login</html>")),
            ("no type", Canned { content_type: None, ..Canned::text(200, "x", "token") }),
            ("json without token or keyName", Canned::json(200, &json!({"nope": 1}))),
            ("over 128 KiB", Canned::text(200, "text/plain", &"t".repeat(128 * 1024 + 1))),
            ("`null`", Canned::text(200, "text/plain", "null")),
        ] {
            let stub = Stub::start().await;
            stub.on("GET", "/auth", [answer]);
            let s = session(auth_url(&stub, AuthMethod::Get), TokenParams::default(), None);
            let e = s.token().await.unwrap_err();
            assert_eq!((e.code(), e.vendor_code(), e.retryable()), ("PROVIDER_ERROR", Some(40170), false), "{name}");
            assert_eq!(s.token().await.unwrap_err(), e, "{name}");
            assert_eq!(stub.count("GET", "/auth"), 1, "{name}: not asked again");
        }
    })
    .await;
}

#[tokio::test]
async fn a_refusal_keeps_the_status_and_never_shows_the_credentials() {
    guard(async {
        let stub = Stub::start().await;
        let body = json!({"error": {"code": 40300, "statusCode": 403, "message": format!("bad {HEADER_SECRET}")}});
        stub.on("GET", "/auth", [Canned::json(403, &body)]);
        let s = session(auth_url(&stub, AuthMethod::Get), TokenParams::default(), None);
        let e = s.token().await.unwrap_err();
        assert_eq!((e.code(), e.status(), e.vendor_code()), ("PROVIDER_ERROR", Some(403), Some(40300)));
        let shown = format!("{e} {e:?} {:?}", e.cause());
        assert!(!shown.contains(HEADER_SECRET), "{shown}");
        let options = format!("{:?}", AuthOptions::AuthUrl(auth_url(&stub, AuthMethod::Get)));
        assert!(!options.contains(HEADER_SECRET) && !options.contains("authParams"), "{options}");

        // A bad URL or header is refused up front.
        let bad = SessionOptions::new(AuthOptions::AuthUrl(AuthUrl::new("ftp://h/auth")));
        assert_eq!(Session::options_builder(bad).err().map(|e| e.code()), Some("INVALID_ARGUMENT"));
        let bad = AuthUrl::new(format!("{}/auth", stub.url)).header("bad header", "x");
        let e: Error = Session::options_builder(SessionOptions::new(AuthOptions::AuthUrl(bad))).err().unwrap();
        assert_eq!((e.code(), e.field()), ("INVALID_ARGUMENT", Some("auth_headers")));
    })
    .await;
}
