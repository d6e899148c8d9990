//! The behaviour suite. Each test takes a fresh backend; time is frozen unless a test moves it.

// Re-exported so the test bodies the macro expands (in other modules) see them.
pub use std::sync::Arc;

pub use serde_json::json;
pub use tokensmith::ably::{self, Key, TokenCheck, TokenParams};
pub use tokensmith::agora::{self, ChatTokenParams};
pub use tokensmith::service::{NewUser, PushTokens, RevokeOptions};
pub use tokensmith::store::TokenMeta;
pub use tokensmith::{Config, Context, Error, FixedClock, OsRandom, Tokensmith};

pub const T0: u64 = 1_800_000_000_000;

/// A service over `b` with a clock the test controls.
pub fn service(b: &super::backends::Backend, retention: u32) -> (Tokensmith, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(T0));
    let ctx = Context { clock: clock.clone(), random: Arc::new(OsRandom) };
    let config = Config { app: b.app.clone(), retention, ..Config::default() };
    (Tokensmith::new(b.store.clone(), ctx, config), clock)
}

pub fn user(uid: &str) -> NewUser {
    NewUser { uid: uid.into(), ..Default::default() }
}

pub fn code<T: std::fmt::Debug>(r: Result<T, Error>) -> &'static str {
    r.expect_err("expected an error").code()
}

macro_rules! tests {
    ($backend:ident) => {
        use super::suite::*;

        async fn open() -> crate::backends::Backend {
            crate::backends::$backend().await
        }

        #[tokio::test]
        async fn users_create_get_delete() {
            let b = open().await;
            let (ts, _) = service(&b, 100);
            let created = ts.create_user(NewUser { uid: "Alice".into(), name: Some("Alice A".into()), ..Default::default() }).await.unwrap();
            assert_eq!((created.user.uid.as_str(), created.user.name.as_str()), ("alice", "Alice A"));
            assert!(created.auth_token.is_none());
            assert_eq!(code(ts.create_user(user("ALICE")).await), "UID_ALREADY_EXISTS");
            assert_eq!(code(ts.create_user(user("a b")).await), "INVALID_ARGUMENT");
            assert_eq!(ts.get_user("alice").await.unwrap().name, "Alice A");
            ts.delete_user("alice").await.unwrap();
            assert_eq!(code(ts.get_user("alice").await), "USER_NOT_FOUND");
            assert_eq!(code(ts.delete_user("alice").await), "USER_NOT_FOUND");
        }

        #[tokio::test]
        async fn user_with_auth_token_and_profile() {
            let b = open().await;
            let (ts, _) = service(&b, 100);
            let profile = json!({"avatar": "https://example.com/a.png", "tags": ["vip"]});
            let new = NewUser { uid: "bob".into(), profile: profile.clone(), with_auth_token: true, ..Default::default() };
            let created = ts.create_user(new).await.unwrap();
            let issued = created.auth_token.unwrap();
            let session = ts.validate(&issued.auth_token).await.unwrap();
            assert_eq!((session.user.uid.as_str(), &session.user.profile), ("bob", &profile));
            let bad = NewUser { uid: "carl".into(), profile: json!([1]), ..Default::default() };
            assert_eq!(code(ts.create_user(bad).await), "INVALID_ARGUMENT");
            assert_eq!(code(ts.get_user("carl").await), "USER_NOT_FOUND", "nothing half-written");
        }

        #[tokio::test]
        async fn auth_tokens_lifecycle() {
            let b = open().await;
            let (ts, clock) = service(&b, 100);
            assert_eq!(code(ts.create_auth_token("nobody", TokenMeta::default()).await), "USER_NOT_FOUND");
            ts.create_user(user("alice")).await.unwrap();
            let meta = TokenMeta { platform: Some("web".into()), device_id: Some("d1".into()), ..Default::default() };
            let first = ts.create_auth_token("alice", meta).await.unwrap();
            clock.advance(1000);
            let second = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
            assert_ne!(first.auth_token, second.auth_token);

            let page = ts.list_auth_tokens("alice", 1, 100).await.unwrap();
            assert_eq!((page.total, page.active, page.archived, page.total_pages), (2, 2, 0, 1));
            assert_eq!(page.tokens[0].id, second.info.id, "newest first");
            assert!(page.tokens.iter().all(|t| !t.redacted.contains(&first.auth_token[4..20])));
            let paged = ts.list_auth_tokens("alice", 2, 1).await.unwrap();
            assert_eq!((paged.tokens.len(), paged.tokens[0].id.as_str(), paged.total_pages), (1, first.info.id.as_str(), 2));
            let beyond = ts.list_auth_tokens("alice", u64::MAX, 1000).await.unwrap();
            assert_eq!((beyond.tokens.len(), beyond.total), (0, 2), "a page past the end is empty, not an overflow");

            // get / update / delete by raw token or by id
            assert_eq!(ts.get_auth_token("alice", &first.auth_token).await.unwrap().platform.as_deref(), Some("web"));
            let by_id = ts.get_auth_token("ALICE", &first.info.id).await.unwrap();
            assert_eq!(by_id.device_id.as_deref(), Some("d1"));
            let patch = TokenMeta { user_agent: Some("ua/1".into()), ..Default::default() };
            let updated = ts.update_auth_token("alice", &first.info.id, patch).await.unwrap();
            assert_eq!((updated.platform.as_deref(), updated.user_agent.as_deref()), (Some("web"), Some("ua/1")));
            assert_eq!(code(ts.get_auth_token("alice", "000000000000000000000000").await), "AUTH_TOKEN_NOT_FOUND");
            assert_eq!(code(ts.get_auth_token("alice", "tks_short").await), "MALFORMED_TOKEN");
            assert_eq!(code(ts.get_auth_token("ghost", &first.info.id).await), "USER_NOT_FOUND");

            let session = ts.validate(&second.auth_token).await.unwrap();
            assert_eq!((session.user.uid.as_str(), session.token.id.as_str()), ("alice", second.info.id.as_str()));
            ts.delete_auth_token("alice", &second.auth_token).await.unwrap();
            assert_eq!(code(ts.validate(&second.auth_token).await), "AUTH_TOKEN_NOT_FOUND");
            assert_eq!(code(ts.delete_auth_token("alice", &second.auth_token).await), "AUTH_TOKEN_NOT_FOUND");

            assert_eq!(ts.flush_auth_tokens("alice").await.unwrap(), 1);
            assert_eq!(code(ts.validate(&first.auth_token).await), "AUTH_TOKEN_NOT_FOUND");
            assert_eq!(ts.list_auth_tokens("alice", 1, 10).await.unwrap().total, 0);
            assert_eq!(code(ts.flush_auth_tokens("ghost").await), "USER_NOT_FOUND");
        }

        #[tokio::test]
        async fn another_users_token_is_not_found() {
            let b = open().await;
            let (ts, _) = service(&b, 100);
            ts.create_user(user("alice")).await.unwrap();
            ts.create_user(user("bob")).await.unwrap();
            let bobs = ts.create_auth_token("bob", TokenMeta::default()).await.unwrap();
            assert_eq!(code(ts.get_auth_token("alice", &bobs.auth_token).await), "AUTH_TOKEN_NOT_FOUND");
            assert_eq!(code(ts.delete_auth_token("alice", &bobs.info.id).await), "AUTH_TOKEN_NOT_FOUND");
            assert!(ts.validate(&bobs.auth_token).await.is_ok());
        }

        #[tokio::test]
        async fn bad_input_is_refused_and_nothing_is_written() {
            let b = open().await;
            let (ts, _) = service(&b, 100);
            ts.create_user(user("alice")).await.unwrap();
            let long = TokenMeta { platform: Some("p".repeat(51)), ..Default::default() };
            assert_eq!(code(ts.create_auth_token("alice", long).await), "INVALID_ARGUMENT");
            let big = TokenMeta { app_info: Some(json!({"x": "y".repeat(3000)})), ..Default::default() };
            assert_eq!(code(ts.create_auth_token("alice", big).await), "INVALID_ARGUMENT");
            assert_eq!(ts.list_auth_tokens("alice", 1, 10).await.unwrap().total, 0);
            for malformed in ["", "tks_", "nope", "tks_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
                assert_eq!(code(ts.validate(malformed).await), "MALFORMED_TOKEN", "{malformed}");
            }
            let unknown = tokensmith::auth_token::generate(&tokensmith::Context::system());
            assert_eq!(code(ts.validate(&unknown).await), "AUTH_TOKEN_NOT_FOUND");
        }

        #[tokio::test]
        async fn rolling_retention_archives_the_oldest() {
            let b = open().await;
            let (ts, clock) = service(&b, 3);
            ts.create_user(user("alice")).await.unwrap();
            let mut issued = Vec::new();
            for _ in 0..5 {
                issued.push(ts.create_auth_token("alice", TokenMeta::default()).await.unwrap());
                clock.advance(1000);
            }
            for old in &issued[..2] {
                assert_eq!(code(ts.validate(&old.auth_token).await), "AUTH_TOKEN_NOT_FOUND");
            }
            for new in &issued[2..] {
                ts.validate(&new.auth_token).await.unwrap();
            }
            let page = ts.list_auth_tokens("alice", 1, 10).await.unwrap();
            assert_eq!((page.total, page.active, page.archived), (5, 3, 2));
            let archived: Vec<_> = page.tokens.iter().filter(|t| t.archived).map(|t| t.id.clone()).collect();
            assert_eq!(archived, vec![issued[1].info.id.clone(), issued[0].info.id.clone()]);
            let patch = TokenMeta { platform: Some("x".into()), ..Default::default() };
            assert_eq!(code(ts.update_auth_token("alice", &issued[0].info.id, patch).await), "AUTH_TOKEN_NOT_FOUND");
            // Archived tokens are forgotten after the configured age.
            clock.advance(ts.config().purge_archived_after_ms + 1);
            assert_eq!(ts.purge_archived().await.unwrap(), 2);
            assert_eq!(ts.list_auth_tokens("alice", 1, 10).await.unwrap().total, 3);
        }

        #[tokio::test]
        async fn revocation_by_subject_with_margin() {
            let b = open().await;
            let (ts, clock) = service(&b, 100);
            ts.create_user(user("alice")).await.unwrap();
            let old = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
            clock.advance(1000);
            let r = ts.revoke_subject("alice", RevokeOptions { allow_reauth_margin: true, ..Default::default() }).await.unwrap();
            assert_eq!((r.issued_before, r.applies_at), (T0 + 1000, T0 + 1000 + 30_000));
            ts.validate(&old.auth_token).await.expect("still valid during the reauth margin");
            clock.advance(30_000);
            assert_eq!(code(ts.validate(&old.auth_token).await), "TOKEN_REVOKED");
            let fresh = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
            ts.validate(&fresh.auth_token).await.expect("issued after the watermark");
            assert_eq!(code(ts.revoke_subject("alice", RevokeOptions { issued_before: Some(T0 + 10_000_000), ..Default::default() }).await), "INVALID_ARGUMENT");
        }

        #[tokio::test]
        async fn revocation_reaches_ably_jwts_and_agora_tokens() {
            let b = open().await;
            let (ts, clock) = service(&b, 100);
            let key = Key::new("app.key", "secret").unwrap();
            let params = TokenParams { client_id: Some("alice".into()), ..Default::default() };
            let jwt = ably::issue_token(ts.context(), &key, &params, &Default::default()).unwrap();
            let cert = "5CFd2fd1755d40ecb72977518be15d3b";
            let p = ChatTokenParams { app_id: "970CA35de60c44645bbae8a215061b33", app_certificate: cert, expire: 3600, issue_ts: None, salt: None };
            let agora_token = agora::build_chat_user_token(ts.context(), &p, "alice").unwrap();
            ts.verify_ably_token(&jwt.token, &key, &TokenCheck::default()).await.unwrap();
            ts.verify_agora_token(&agora_token, cert, None).await.unwrap();
            clock.advance(1000);
            ts.revoke_subject("alice", RevokeOptions::default()).await.unwrap();
            let e = ts.verify_ably_token(&jwt.token, &key, &TokenCheck::default()).await.unwrap_err();
            assert_eq!((e.code(), e.vendor_code()), ("TOKEN_REVOKED", Some(40141)));
            assert_eq!(code(ts.verify_agora_token(&agora_token, cert, None).await), "TOKEN_REVOKED");

            // One token at a time: another client's JWT, revoked by itself.
            let bob = TokenParams { client_id: Some("bob".into()), ..Default::default() };
            let bobs = ably::issue_token(ts.context(), &key, &bob, &Default::default()).unwrap();
            let bobs2 = ably::issue_token(ts.context(), &key, &bob, &Default::default()).unwrap();
            ts.revoke_token(&bobs.token).await.unwrap();
            assert_eq!(code(ts.verify_ably_token(&bobs.token, &key, &TokenCheck::default()).await), "TOKEN_REVOKED");
            if bobs2.token != bobs.token {
                ts.verify_ably_token(&bobs2.token, &key, &TokenCheck::default()).await.unwrap();
            }
        }

        #[tokio::test]
        async fn revoking_an_auth_token_deletes_it_and_its_push() {
            let b = open().await;
            let (ts, _) = service(&b, 100);
            ts.create_user(user("alice")).await.unwrap();
            let t = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
            let other = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
            ts.register_push(&t.auth_token, PushTokens { fcm_token: Some("fcm-1".into()), ..Default::default() }).await.unwrap();
            ts.revoke_token(&t.auth_token).await.unwrap();
            assert_eq!(code(ts.validate(&t.auth_token).await), "AUTH_TOKEN_NOT_FOUND");
            assert!(ts.list_push(&other.auth_token).await.unwrap().android.is_empty());
        }

        #[tokio::test]
        async fn nonces_are_accepted_once() {
            let b = open().await;
            let (ts, _) = service(&b, 100);
            let key = Key::new("app.key", "secret").unwrap();
            let req = ably::create_token_request(ts.context(), &key, &TokenParams::default()).unwrap();
            ts.verify_token_request(&req, &key, None).await.unwrap();
            let e = ts.verify_token_request(&req, &key, None).await.unwrap_err();
            assert_eq!((e.code(), e.vendor_code()), ("REPLAYED_NONCE", Some(40105)));
        }

        #[tokio::test]
        async fn push_registry_follows_the_auth_token() {
            let b = open().await;
            let (ts, _) = service(&b, 2);
            ts.create_user(user("alice")).await.unwrap();
            let web = ts.create_auth_token("alice", TokenMeta { platform: Some("WEB".into()), ..Default::default() }).await.unwrap();
            let ios = ts.create_auth_token("alice", TokenMeta { platform: Some("ios".into()), ..Default::default() }).await.unwrap();
            ts.register_push(&web.auth_token, PushTokens { fcm_token: Some("fcm-old".into()), ..Default::default() }).await.unwrap();
            ts.register_push(&web.auth_token, PushTokens { fcm_token: Some("fcm-web".into()), ..Default::default() }).await.unwrap();
            let apns = PushTokens { apns_token: Some("apns-1".into()), voip_token: Some("voip-1".into()), ..Default::default() };
            ts.register_push(&ios.auth_token, apns).await.unwrap();
            let list = ts.list_push(&web.auth_token).await.unwrap();
            assert_eq!((list.ios, list.web, list.android), (vec!["apns-1".to_string()], vec!["fcm-web".to_string()], vec![]));

            let both = PushTokens { fcm_token: Some("a".into()), apns_token: Some("b".into()), ..Default::default() };
            assert_eq!(code(ts.register_push(&web.auth_token, both).await), "INVALID_ARGUMENT");
            assert_eq!(code(ts.register_push(&web.auth_token, PushTokens::default()).await), "INVALID_ARGUMENT");

            // Archiving (retention 2) removes the archived session's registration.
            let third = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
            let list = ts.list_push(&third.auth_token).await.unwrap();
            assert_eq!((list.ios.len(), list.web.len()), (1, 0), "the web session was archived");

            assert_eq!(ts.delete_push(&ios.auth_token, false).await.unwrap(), 1);
            ts.register_push(&third.auth_token, PushTokens { fcm_token: Some("fcm-3".into()), ..Default::default() }).await.unwrap();
            ts.register_push(&ios.auth_token, PushTokens { apns_token: Some("apns-2".into()), ..Default::default() }).await.unwrap();
            assert_eq!(ts.delete_push(&third.auth_token, true).await.unwrap(), 2);

            // Logout ends the session and its registration; deleting the user ends everything.
            ts.register_push(&ios.auth_token, PushTokens { apns_token: Some("apns-3".into()), ..Default::default() }).await.unwrap();
            ts.logout(&ios.auth_token).await.unwrap();
            assert_eq!(code(ts.list_push(&ios.auth_token).await), "AUTH_TOKEN_NOT_FOUND");
            assert!(ts.list_push(&third.auth_token).await.unwrap().ios.is_empty());
            ts.register_push(&third.auth_token, PushTokens { fcm_token: Some("fcm-4".into()), ..Default::default() }).await.unwrap();
            ts.delete_user("alice").await.unwrap();
            assert!(b.store.list_push(&b.app, "alice").await.unwrap().is_empty());
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_writers_leave_exactly_the_newest_100() {
            let b = open().await;
            let config = Config { app: b.app.clone(), ..Config::default() };
            let ts = Tokensmith::new(b.store.clone(), Context::system(), config);
            ts.create_user(user("alice")).await.unwrap();
            let mut writers = Vec::new();
            for _ in 0..16 {
                let ts = ts.clone();
                writers.push(tokio::spawn(async move {
                    for _ in 0..125 {
                        ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
                    }
                }));
            }
            for w in writers {
                w.await.unwrap();
            }
            assert_newest_100(&ts, 2000).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn two_handles_on_one_state() {
            let b = open().await;
            // memory:// has no URL: a second handle would be a second, separate state.
            if b.url.is_empty() {
                return;
            }
            let other = tokensmith::store::open(&b.url).await.unwrap();
            let config = Config { app: b.app.clone(), ..Config::default() };
            let one = Tokensmith::new(b.store.clone(), Context::system(), config.clone());
            let two = Tokensmith::new(other, Context::system(), config);
            one.create_user(user("alice")).await.unwrap();
            assert_eq!(two.get_user("alice").await.unwrap().uid, "alice", "one state");
            let mut writers = Vec::new();
            for i in 0..16 {
                let ts = if i % 2 == 0 { one.clone() } else { two.clone() };
                writers.push(tokio::spawn(async move {
                    for _ in 0..125 {
                        ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
                    }
                }));
            }
            for w in writers {
                w.await.unwrap();
            }
            assert_newest_100(&one, 2000).await;
            assert_newest_100(&two, 2000).await;
        }
    };
}

pub(crate) use tests;

/// Exactly 100 active tokens, and none archived is newer than the oldest active one.
pub async fn assert_newest_100(ts: &Tokensmith, total: u64) {
    let page = ts.list_auth_tokens("alice", 1, 1000).await.unwrap();
    let rest = ts.list_auth_tokens("alice", 2, 1000).await.unwrap();
    assert_eq!((page.total, page.active, page.archived), (total, 100, total - 100));
    let all: Vec<_> = page.tokens.into_iter().chain(rest.tokens).collect();
    let oldest_active = all.iter().filter(|t| !t.archived).map(|t| t.created_at).min().unwrap();
    let newest_archived = all.iter().filter(|t| t.archived).map(|t| t.created_at).max().unwrap();
    assert!(newest_archived <= oldest_active, "an archived token is newer than an active one");
}
