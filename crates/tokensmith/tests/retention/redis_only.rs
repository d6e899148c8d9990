//! Redis-only behaviour: an outage and recovery, and what the server ends up holding.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::redis_server::{self, RedisServer};
use crate::suite::*;

fn config(app: &str, retention: u32) -> Config {
    Config { app: app.into(), retention, ..Config::default() }
}

/// Runs `call`, which must fail with STORE_UNAVAILABLE within 5 s (not hang, not panic), with
/// a message that names no key.
async fn unavailable<T: std::fmt::Debug>(what: &str, call: impl Future<Output = Result<T, Error>>) {
    let started = Instant::now();
    let e = call.await.expect_err(what);
    let took = started.elapsed();
    assert_eq!(e.code(), "STORE_UNAVAILABLE", "{what}: {e}");
    assert!(took < Duration::from_secs(5), "{what} took {took:?}");
    let msg = e.to_string();
    assert!(!msg.contains("ts:") && !msg.contains("alice"), "{what}: the message names a key: {msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_then_back() {
    // Its own server: killing the shared one would break the other tests.
    let server = RedisServer::start(None);
    let ts = Tokensmith::open(&server.url(), config("outage", 100)).await.unwrap();
    ts.create_user(user("alice")).await.unwrap();
    let t = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
    ts.validate(&t.auth_token).await.unwrap();

    server.kill();
    unavailable("validate", ts.validate(&t.auth_token)).await;
    unavailable("create_auth_token", ts.create_auth_token("alice", TokenMeta::default())).await;
    unavailable("list_auth_tokens", ts.list_auth_tokens("alice", 1, 10)).await;
    unavailable("get_user", ts.get_user("alice")).await;
    unavailable("revoke_subject", ts.revoke_subject("alice", RevokeOptions::default())).await;
    unavailable("purge_archived", ts.purge_archived()).await;
    unavailable("ping", ts.ping()).await;
    // A store opened while the server is down fails the same way.
    let started = Instant::now();
    let e = tokensmith::store::open(&server.url()).await.err().expect("open with the server down");
    assert_eq!(e.code(), "STORE_UNAVAILABLE");
    assert!(started.elapsed() < Duration::from_secs(5));

    // The server comes back on the same port (empty: persistence is off). The handle reconnects
    // by itself; allow it a few attempts.
    let _back = RedisServer::start(Some(server.port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while ts.ping().await.is_err() {
        assert!(Instant::now() < deadline, "no recovery within 10 s of the server's return");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(code(ts.validate(&t.auth_token).await), "AUTH_TOKEN_NOT_FOUND", "the data went with the server");
    ts.create_user(user("alice")).await.unwrap();
    let fresh = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
    assert_eq!(ts.validate(&fresh.auth_token).await.unwrap().user.uid, "alice");
    assert_eq!(ts.list_auth_tokens("alice", 1, 10).await.unwrap().total, 1);
}

/// Every key of the server with everything it holds, as text.
fn dump_everything(url: &str) -> (Vec<String>, String) {
    let mut conn = redis::Client::open(url).unwrap().get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    let mut dump = String::new();
    for key in &keys {
        let kind: String = redis::cmd("TYPE").arg(key).query(&mut conn).unwrap();
        let values: Vec<String> = match kind.as_str() {
            "string" => redis::cmd("GET").arg(key).query::<Option<String>>(&mut conn).unwrap().into_iter().collect(),
            "hash" => redis::cmd("HGETALL").arg(key).query(&mut conn).unwrap(),
            "zset" => redis::cmd("ZRANGE").arg(key).arg(0).arg(-1).arg("WITHSCORES").query(&mut conn).unwrap(),
            "set" => redis::cmd("SMEMBERS").arg(key).query(&mut conn).unwrap(),
            "list" => redis::cmd("LRANGE").arg(key).arg(0).arg(-1).query(&mut conn).unwrap(),
            "none" => Vec::new(), // gone in between (another test deleted it)
            other => panic!("unexpected key type {other}"),
        };
        dump.push_str(key);
        dump.push('\n');
        for v in values {
            dump.push_str(&v);
            dump.push('\n');
        }
    }
    (keys, dump)
}

#[tokio::test]
async fn no_raw_token_in_redis() {
    let url = redis_server::shared().url();
    let app = "no-raw-token";
    let ts = Tokensmith::open(&url, config(app, 2)).await.unwrap();
    let first = ts
        .create_user(NewUser { uid: "alice".into(), with_auth_token: true, ..Default::default() })
        .await
        .unwrap()
        .auth_token
        .unwrap();
    let mut issued = vec![first.auth_token];
    for i in 0..5 {
        let meta = TokenMeta { platform: Some("web".into()), device_id: Some(format!("d{i}")), ..Default::default() };
        issued.push(ts.create_auth_token("alice", meta).await.unwrap().auth_token);
    }
    // Push registrations, a revoked token, a subject watermark and a nonce: every kind of key.
    let last = issued.last().unwrap().clone();
    ts.register_push(&last, PushTokens { fcm_token: Some("fcm-1".into()), ..Default::default() }).await.unwrap();
    ts.revoke_token(&issued[4]).await.unwrap();
    ts.revoke_subject("bob", RevokeOptions::default()).await.unwrap();
    let key = Key::new("app.key", "secret").unwrap();
    let req = ably::create_token_request(ts.context(), &key, &TokenParams::default()).unwrap();
    ts.verify_token_request(&req, &key, None).await.unwrap();

    let (keys, dump) = dump_everything(&url);
    let ours: Vec<_> = keys.iter().filter(|k| k.starts_with(&format!("ts:{{{app}}}:"))).collect();
    for kind in [":u:", ":t:", ":ua:", ":uz:", ":az", ":p:", ":pu:", ":r:", ":n:", ":seq"] {
        assert!(ours.iter().any(|k| k.contains(kind)), "no `{kind}` key: the dump would prove nothing");
    }
    // What the store does hold: fingerprints.
    assert!(dump.contains(&tokensmith::auth_token::fingerprint(&last)));
    for token in &issued {
        assert!(!dump.contains(token.as_str()), "a raw token is in Redis");
        assert!(!dump.contains(&token[4..47]), "a token's random body is in Redis");
    }
}

#[tokio::test]
async fn bad_redis_urls_are_invalid_arguments() {
    for url in ["redis://", "redis://127.0.0.1:1/x", "redis://127.0.0.1:1/0?nope=1", "rediss://127.0.0.1:1/0"] {
        let e = tokensmith::store::open(url).await.err().unwrap_or_else(|| panic!("{url}"));
        assert_eq!(e.code(), "INVALID_ARGUMENT", "{url}: {e}");
    }
}

#[tokio::test]
async fn archived_tokens_expire_by_ttl() {
    let url = format!("{}?archived_ttl_ms=200", redis_server::shared().url());
    let ts = Tokensmith::open(&url, config("archive-ttl", 1)).await.unwrap();
    ts.create_user(user("alice")).await.unwrap();
    let old = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
    ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
    let page = ts.list_auth_tokens("alice", 1, 10).await.unwrap();
    assert_eq!((page.active, page.archived), (1, 1));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let page = ts.list_auth_tokens("alice", 1, 10).await.unwrap();
    assert_eq!((page.active, page.archived, page.tokens.len()), (1, 0, 1), "the archived one expired");
    assert_eq!(code(ts.get_auth_token("alice", &old.info.id).await), "AUTH_TOKEN_NOT_FOUND");
    // Its entry in the app-wide archive index goes at the next archiving.
    ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
    let mut conn = redis::Client::open(url.as_str()).unwrap().get_connection().unwrap();
    let index: Vec<String> = redis::cmd("ZRANGE").arg("ts:{archive-ttl}:az").arg(0).arg(-1).query(&mut conn).unwrap();
    assert_eq!(index.len(), 1, "only the newly archived token");
}
