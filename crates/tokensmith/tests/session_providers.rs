//! The local providers (Ably key, Ably authCallback with a TokenRequest exchange, a function)
//! and the engine against the real in-process retention service: revocation, archiving, logout.

use crate::session_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use session_support::*;
use tokensmith::ably::{self, IssueOptions, Key, TokenCheck, TokenParams, TokenRequest};
use tokensmith::service::NewUser;
use tokensmith::session::providers::{
    AblyCallbackProvider, AblyKeyProvider, AuthCallbackResult, LocalExchanger, StaticToken, from_fn,
};
use tokensmith::session::{
    Credential, FetchError, FetchReason, LogoutReason, ManualTimer, Provider, SessionConfig, SessionEvent, TokenFormat,
};
use tokensmith::store::TokenMeta;
use tokensmith::{Config, Context, Tokensmith};

fn key() -> Key {
    Key::new("appAlpha.keyOne", "alphaSecretValue01").unwrap()
}

fn alice(ttl: u64) -> TokenParams {
    TokenParams { ttl: Some(ttl), client_id: Some("alice".into()), ..Default::default() }
}

/// The server's clock as a verifier would read it.
fn server_ctx(timer: &ManualTimer, offset: u64) -> Context {
    Context::fixed(timer.now_ms() + offset)
}

#[tokio::test]
async fn an_ably_key_signs_jwts_on_the_servers_clock_and_renews_them() {
    guard(async move {
        let timer = ManualTimer::new(T0 + 123);
        let offset = 10_000;
        let provider = Arc::new(AblyKeyProvider::new(key(), alice(HOUR)).unwrap());
        let cfg = SessionConfig { server_offset_ms: Some(offset as i64), ..SessionConfig::default() };
        let (s, mut events) = start(provider, &timer, 1, cfg);
        let c = s.token().await.unwrap();
        let issued = (T0 + offset) / 1000 * 1000;
        assert_eq!((c.format, c.issued_ms, c.expires_ms), (TokenFormat::AblyJwt, Some(issued), Some(issued + HOUR)));
        assert_eq!(c.client_id.as_deref(), Some("alice"));
        let check = TokenCheck { client_id: Some("alice".into()), ..Default::default() };
        ably::verify_token(&server_ctx(&timer, offset), c.token(), &key(), &check).unwrap();

        next(&mut events).await;
        let at = s.next_renewal_ms().unwrap();
        guard(timer.sleeping_until(at - offset)).await;
        timer.advance_to(at - offset);
        assert!(matches!(next(&mut events).await, SessionEvent::TokenWillExpire { .. }));
        next(&mut events).await;
        let renewed = s.current().unwrap();
        assert_ne!(renewed.token(), c.token());
        ably::verify_token(&server_ctx(&timer, offset), renewed.token(), &key(), &check).unwrap();
    })
    .await;
}

#[test]
fn an_ably_key_provider_refuses_bad_params_up_front() {
    let bad = TokenParams { client_id: Some(String::new()), ..Default::default() };
    assert_eq!(AblyKeyProvider::new(key(), bad).err().unwrap().code(), "INVALID_ARGUMENT");
}

/// An authCallback returning a fresh TokenRequest per call, exchanged by the in-process
/// authority (mac, window, nonce replay checked), as ably-js does with `requestToken`.
#[tokio::test]
async fn an_auth_callback_token_request_is_exchanged_for_each_renewal() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let calls = Arc::new(AtomicUsize::new(0));
        let (ctx, n) = (timer.context(Seeded::new(9)), calls.clone());
        let callback = move |params: TokenParams| {
            n.fetch_add(1, Ordering::SeqCst);
            let request = ably::create_token_request(&ctx, &key(), &params);
            async move { Ok::<_, FetchError>(AuthCallbackResult::Request(request?)) }
        };
        let provider = AblyCallbackProvider::new(callback, alice(HOUR))
            .unwrap()
            .with_exchanger(Arc::new(LocalExchanger::new(key(), IssueOptions::default())));
        let (s, mut events) = start(Arc::new(provider), &timer, 1, SessionConfig::default());
        let first = s.token().await.unwrap();
        ably::verify_token(&server_ctx(&timer, 0), first.token(), &key(), &TokenCheck::default()).unwrap();
        next(&mut events).await;

        let at = s.next_renewal_ms().unwrap();
        guard(timer.sleeping_until(at)).await;
        timer.advance_to(at);
        next(&mut events).await; // tokenWillExpire
        assert_eq!(renewed_reason(next(&mut events).await), FetchReason::Scheduled);
        assert_eq!(calls.load(Ordering::SeqCst), 2, "a new TokenRequest each time, so no replayed nonce");
    })
    .await;
}

/// ably-java#459: a callback that hands out the same TokenRequest twice gets 40105 from the
/// authority. That is terminal: the session stops with the typed error instead of looping.
#[tokio::test]
async fn a_replayed_token_request_stops_the_session_with_its_error() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let once = ably::create_token_request(&timer.context(Seeded::new(1)), &key(), &alice(HOUR)).unwrap();
        let callback = move |_: TokenParams| {
            let r = once.clone();
            async move { Ok::<_, FetchError>(AuthCallbackResult::Request(r)) }
        };
        let provider = AblyCallbackProvider::new(callback, alice(HOUR))
            .unwrap()
            .with_exchanger(Arc::new(LocalExchanger::new(key(), IssueOptions::default())));
        let (s, _events) = start(Arc::new(provider), &timer, 1, SessionConfig::default());
        s.token().await.unwrap();
        let e = s.renew().await.unwrap_err();
        assert_eq!((e.code(), e.vendor_code()), ("PROVIDER_ERROR", Some(40105)), "the cause's Ably code");
        assert_eq!(e.cause(), Some(&tokensmith::Error::ReplayedNonce));
        assert_eq!(s.stats().fetches, 2);
        assert_eq!(s.token().await.unwrap().token(), s.current().unwrap().token(), "the valid token stays usable");
    })
    .await;
}

#[tokio::test]
async fn auth_callback_answers_strings_details_and_refuses_the_unusable() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let jwt = ably::issue_token(&timer.context(Seeded::new(1)), &key(), &alice(60_000), &IssueOptions::default())
            .unwrap()
            .token;
        let answers = Arc::new(Mutex::new(vec![
            json!({"token": "appAlpha.opaque", "issued": T0, "expires": T0 + 60_000}),
            json!("null"),
            json!(jwt),
        ]));
        let callback = move |_: TokenParams| {
            let answer = answers.lock().unwrap().pop().unwrap();
            async move { AuthCallbackResult::from_json(&answer).map_err(FetchError::terminal) }
        };
        let (s, _events) = start(
            Arc::new(AblyCallbackProvider::new(callback, alice(60_000)).unwrap()),
            &timer,
            1,
            SessionConfig::default(),
        );
        let c = s.token().await.unwrap();
        assert_eq!((c.format, c.expires_ms), (TokenFormat::AblyJwt, Some(T0 + 60_000)), "a JWT's own expiry");
        let e = s.renew().await.unwrap_err();
        assert_eq!((e.code(), e.vendor_code()), ("PROVIDER_ERROR", Some(40170)), "the text `null` is not a token");
        let c = s.renew().await.unwrap();
        assert_eq!((c.token(), c.format, c.expires_ms), ("appAlpha.opaque", TokenFormat::AblyToken, Some(T0 + 60_000)));

        // A TokenRequest with nowhere to exchange it is a configuration error: terminal, 40170.
        let request: TokenRequest =
            ably::create_token_request(&Context::fixed(T0), &key(), &TokenParams::default()).unwrap();
        let callback = move |_: TokenParams| {
            let r = request.clone();
            async move { Ok::<_, FetchError>(AuthCallbackResult::Request(r)) }
        };
        let (s, _events) = start(
            Arc::new(AblyCallbackProvider::new(callback, TokenParams::default()).unwrap()),
            &timer,
            1,
            SessionConfig::default(),
        );
        assert_eq!(s.token().await.unwrap_err().vendor_code(), Some(40170));
    })
    .await;
}

async fn service(timer: &ManualTimer, retention: u32) -> Tokensmith {
    let store = tokensmith::store::open("memory://").await.unwrap();
    let config = Config { retention, ..Config::default() };
    let ts = Tokensmith::new(store, timer.context(Arc::new(tokensmith::OsRandom)), config);
    ts.create_user(NewUser { uid: "alice".into(), ..Default::default() }).await.unwrap();
    ts
}

/// A provider that logs in again through the service: each fetch mints a new auth token.
fn minting(ts: &Tokensmith) -> Arc<dyn Provider> {
    let ts = ts.clone();
    Arc::new(from_fn(move |_| {
        let ts = ts.clone();
        async move {
            let issued = ts.create_auth_token("alice", TokenMeta::default()).await?;
            Ok::<_, FetchError>(Credential::infer(issued.auth_token))
        }
    }))
}

#[tokio::test]
async fn a_revoked_auth_token_is_renewed_through_the_service_and_never_sent_again() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let ts = service(&timer, 100).await;
        let (s, _events) = start(minting(&ts), &timer, 1, SessionConfig::default());
        let sent = Arc::new(Mutex::new(Vec::new()));
        let validate = |c: Arc<Credential>| {
            let (ts, sent) = (ts.clone(), sent.clone());
            async move {
                sent.lock().unwrap().push(c.token().to_owned());
                ts.validate(c.token()).await.map(|v| v.user.uid)
            }
        };
        assert_eq!(s.call(validate).await.unwrap(), "alice");
        let first = s.current().unwrap();
        assert_eq!(first.format, TokenFormat::AuthToken);
        ts.revoke_token(first.token()).await.unwrap();

        assert_eq!(s.call(validate).await.unwrap(), "alice");
        assert_eq!(s.call(validate).await.unwrap(), "alice");
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 4);
        assert_eq!(&sent[..2], [first.token(), first.token()], "used, then refused once");
        assert!(sent[2..].iter().all(|t| t != first.token() && *t == sent[2]), "then only the new token");
        assert_eq!(s.stats().fetches, 2);
    })
    .await;
}

#[tokio::test]
async fn an_archived_login_token_logs_the_session_out() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let ts = service(&timer, 1).await;
        let login = ts.create_auth_token("alice", TokenMeta::default()).await.unwrap().auth_token;
        let (s, mut events) =
            start(Arc::new(StaticToken::new(Credential::infer(login))), &timer, 1, SessionConfig::default());
        let validate = |c: Arc<Credential>| {
            let ts = ts.clone();
            async move { ts.validate(c.token()).await.map(|v| v.user.uid) }
        };
        assert_eq!(s.call(validate).await.unwrap(), "alice");
        ts.create_auth_token("alice", TokenMeta::default()).await.unwrap(); // retention 1: archives the login

        assert_eq!(s.call(validate).await.unwrap_err().code(), "AUTH_TOKEN_NOT_FOUND");
        assert_eq!(renewed_reason(next(&mut events).await), FetchReason::Initial);
        assert_eq!(next(&mut events).await, SessionEvent::LoggedOut { reason: LogoutReason::TokenNotFound });
        assert_eq!(s.token().await.unwrap_err().code(), "AUTH_TOKEN_NOT_FOUND");
    })
    .await;
}

/// With a means to renew, AUTH_TOKEN_NOT_FOUND is a token error like any other: renew, retry.
#[tokio::test]
async fn an_archived_token_is_renewed_when_the_session_can_renew() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let ts = service(&timer, 1).await;
        let (s, _events) = start(minting(&ts), &timer, 1, SessionConfig::default());
        let validate = |c: Arc<Credential>| {
            let ts = ts.clone();
            async move { ts.validate(c.token()).await.map(|v| v.user.uid) }
        };
        s.call(validate).await.unwrap();
        ts.create_auth_token("alice", TokenMeta::default()).await.unwrap();
        assert_eq!(s.call(validate).await.unwrap(), "alice");
        assert_eq!(s.stats().fetches, 2);
    })
    .await;
}

fn renewed_reason(e: SessionEvent) -> FetchReason {
    match e {
        SessionEvent::Renewed { reason, .. } => reason,
        other => panic!("expected renewed, got {other:?}"),
    }
}
