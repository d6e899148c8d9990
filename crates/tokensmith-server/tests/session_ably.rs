//! The renewal engine against the real in-process service, through its Ably `authUrl`
//! (`/auth/ably`) and token authority (`/keys/{keyName}/requestToken`, `/time`). Requests are
//! counted at the service (`/metrics`); time moves only when a test advances the manual timer.

use crate::common;
use crate::session_support;

use std::sync::{Arc, Mutex};

use session_support::*;
use tokensmith::ably::{Capability, TokenParams};
use tokensmith::client::Client;
use tokensmith::service::RevokeOptions;
use tokensmith::session::{
    AuthMethod, AuthOptions, Backoff, FetchReason, ManualTimer, SessionConfig, SessionEvent, SessionOptions,
    TokenFormat,
};
use tokensmith::{Context, Error, FixedClock, OsRandom};

const REQUEST_TOKEN: &str = "/keys/{keyName}/requestToken";

fn ttl(ms: u64) -> TokenParams {
    TokenParams { ttl: Some(ms), ..TokenParams::default() }
}

fn renewed(e: &SessionEvent) -> FetchReason {
    match e {
        SessionEvent::Renewed { reason, .. } => *reason,
        other => panic!("expected renewed, got {other:?}"),
    }
}

/// Runs an Ably call with the session's token (renewing once on a token error) and records
/// each token it carried.
async fn ably_call(s: &tokensmith::session::Session, svc: &Service, sent: &Mutex<Vec<String>>) -> Result<(), Error> {
    s.call(|c| async move {
        sent.lock().unwrap().push(c.token().to_owned());
        svc.ably_call(c.token()).await.map(drop)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_calls_across_an_expiry_make_exactly_one_fetch() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Arc::new(Service::start(&timer).await);
        let alice = svc.user("alice").await;
        let (s, _events) = start(
            svc.ably_options(&alice, "details").with_token_params(ttl(HOUR)),
            &timer,
            1,
            SessionConfig::default(),
        );
        let first = s.token().await.unwrap();
        assert_eq!((first.expires_ms, first.format), (Some(T0 + HOUR), TokenFormat::AblyJwt));
        assert_eq!(svc.count("GET", "/auth/ably", 200).await, 1);

        // The service holds the next authUrl request until every caller is queued behind it.
        svc.store.hold();
        timer.advance(HOUR);
        let callers: Vec<_> = (0..100)
            .map(|_| {
                let (s, svc) = (s.clone(), svc.clone());
                tokio::spawn(async move {
                    s.call(|c| {
                        let svc = svc.clone();
                        async move { svc.ably_call(c.token()).await.map(|_| c.token().to_owned()) }
                    })
                    .await
                })
            })
            .collect();
        settle(|| s.stats().waiting == 100 && svc.store.waiting.load(std::sync::atomic::Ordering::SeqCst) == 1).await;
        svc.store.release();
        let mut tokens = Vec::new();
        for c in callers {
            tokens.push(guard(c).await.unwrap().expect("the call succeeds with the new token"));
        }
        assert!(tokens.iter().all(|t| t == &tokens[0] && t != first.token()), "every caller got the one new token");
        assert_eq!(svc.count("GET", "/auth/ably", 200).await, 2, "one fetch at start, one for all 100 callers");
        assert_eq!(svc.count("POST", REQUEST_TOKEN, 200).await, 100, "each call reached the service once");
        assert_eq!(s.stats().fetches, 2);
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_retry_carries_the_new_token() {
    guard(async {
        let timer = ManualTimer::new(T0);
        // The service keeps its own clock: it will see the token expire before the session does.
        let server_clock = Arc::new(FixedClock::new(T0));
        let svc = Service::on(Context { clock: server_clock.clone(), random: Arc::new(OsRandom) }, |_| {}).await;
        let alice = svc.user("alice").await;
        let options = svc.ably_options(&alice, "details").with_token_params(ttl(60_000));
        let (s, mut events) = start(options, &timer, 1, SessionConfig::default());
        let sent = Mutex::new(Vec::new());
        ably_call(&s, &svc, &sent).await.unwrap();
        assert_eq!(renewed(&next(&mut events).await), FetchReason::Initial);
        let first = sent.lock().unwrap()[0].clone();

        server_clock.advance(120_000);
        let expired = svc.ably_call(&first).await.unwrap_err();
        assert_eq!((expired.status(), expired.vendor_code()), (Some(401), Some(40142)), "the service refuses it now");

        ably_call(&s, &svc, &sent).await.expect("renewed and retried");
        let sent = sent.into_inner().unwrap();
        assert_eq!(sent.len(), 3, "the first call, the refused attempt, one retry: {sent:?}");
        assert_eq!((&sent[1], sent[2] != first), (&first, true), "the retry carries the new token");
        assert_eq!(renewed(&next(&mut events).await), FetchReason::TokenError);
        assert_eq!(s.current().unwrap().token(), sent[2]);
        assert_eq!(svc.count("GET", "/auth/ably", 200).await, 2, "exactly one renewal");
        assert_eq!(svc.count("POST", REQUEST_TOKEN, 401).await, 2, "one refusal from the call, one from the check");
    })
    .await;
}

/// Revoking `clientId:alice` at this service also ends alice's auth tokens (her login), so the
/// session here holds the Ably key itself and signs its tokens locally.
#[tokio::test]
async fn a_revoked_token_is_renewed_and_never_sent_again() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let options = SessionOptions::new(AuthOptions::key(format!("{ABLY_KEY_NAME}:{}", common::ABLY_SECRET)))
            .with_token_params(TokenParams { client_id: Some("alice".into()), ..ttl(HOUR) })
            .with_rest_url(svc.url());
        let (s, _events) = start(options, &timer, 1, SessionConfig::default());
        let sent = Mutex::new(Vec::new());
        ably_call(&s, &svc, &sent).await.unwrap();
        let revoked = sent.lock().unwrap()[0].clone();

        timer.advance(5_000);
        let key_holder = Client::builder(&svc.url()).ably_key(ably_key()).build().unwrap();
        let batch = key_holder.revoke_tokens(&["clientId:alice"], RevokeOptions::default()).await.unwrap();
        assert_eq!(batch.success_count, 1);
        let e = svc.ably_call(&revoked).await.unwrap_err();
        assert_eq!((e.status(), e.vendor_code()), (Some(401), Some(40141)));

        for _ in 0..3 {
            ably_call(&s, &svc, &sent).await.expect("renewed past the revocation");
        }
        let sent = sent.into_inner().unwrap();
        assert_eq!(sent.iter().filter(|t| **t == revoked).count(), 2, "used once, refused once, never again: {sent:?}");
        assert_eq!(sent.len(), 5);
        assert!(sent[2..].iter().all(|t| t == &sent[2]), "one new token for every later call");
        assert_ne!(s.current().unwrap().token(), revoked);
        assert_eq!(s.stats().fetches, 2, "one renewal");
        assert_eq!(svc.count("POST", REQUEST_TOKEN, 401).await, 2, "the refused attempt and the check above");
        assert_eq!(svc.count("GET", "/time", 200).await, 1, "the session read the service's clock");
    })
    .await;
}

#[tokio::test]
async fn an_auth_url_failing_five_times_backs_off_with_full_jitter_then_succeeds() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let alice = svc.user("alice").await;
        svc.store.fail_next(5); // the service answers 503 five times
        let (s, mut events) = start(svc.ably_options(&alice, "details"), &timer, 42, SessionConfig::default());
        let s2 = s.clone();
        let got = tokio::spawn(async move { s2.token().await });

        let backoff = Backoff::default();
        let mut delays = Vec::new();
        for attempt in 1..=5 {
            let SessionEvent::RenewFailed { attempt: a, error, retry_in_ms: Some(d), terminal: false } =
                next(&mut events).await
            else {
                panic!("attempt {attempt}: expected a retryable failure")
            };
            assert_eq!((a, error.code(), error.status()), (attempt, "PROVIDER_ERROR", Some(503)));
            assert!(d <= backoff.ceiling_ms(attempt), "attempt {attempt}: {d} ms over the full-jitter bound");
            if d > 0 {
                guard(timer.sleeping_until(timer.now_ms() + d)).await;
                assert_eq!(svc.count("GET", "/auth/ably", 503).await, u64::from(attempt), "no request before the wait");
            }
            wait_out(&timer, d).await;
            delays.push(d);
        }
        assert_eq!(renewed(&next(&mut events).await), FetchReason::Initial);
        assert_eq!(guard(got).await.unwrap().unwrap().format, TokenFormat::AblyJwt);
        assert_eq!((svc.count("GET", "/auth/ably", 503).await, svc.count("GET", "/auth/ably", 200).await), (5, 1));

        // Exactly the seeded full-jitter draws: uniform in 0..=min(cap, base·2^(n−1)).
        let replay = timer.context(Seeded::new(42));
        let expected: Vec<u64> = (1..=5).map(|n| backoff.delay_ms(&replay, n, None)).collect();
        assert_eq!(delays, expected);
        assert!(delays.windows(2).any(|w| w[0] != w[1]), "jittered: {delays:?}");
    })
    .await;
}

#[tokio::test]
async fn a_403_from_the_auth_url_stops_with_the_typed_error_and_never_loops() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let alice = svc.user("alice").await;
        svc.admin.delete_auth_token("alice", &alice).await.unwrap(); // the login is over
        let (s, mut events) = start(svc.ably_options(&alice, "details"), &timer, 1, SessionConfig::default());
        let e = s.token().await.unwrap_err();
        assert_eq!((e.code(), e.status(), e.vendor_code()), ("PROVIDER_ERROR", Some(403), Some(40300)));
        assert!(!e.retryable());
        let SessionEvent::RenewFailed { attempt: 1, retry_in_ms: None, terminal: true, error } =
            next(&mut events).await
        else {
            panic!("a terminal failure is reported as such")
        };
        assert_eq!(error, e);
        for _ in 0..5 {
            assert_eq!(s.token().await.unwrap_err(), e);
        }
        assert_eq!(svc.count("GET", "/auth/ably", 403).await, 1, "never a loop");
        assert!(timer.deadlines().is_empty(), "no retry is planned");

        // A new login lifts the stop.
        let fresh = svc.admin.create_auth_token("alice", &Default::default(), true).await.unwrap();
        let auth = AuthOptions::AuthUrl(svc.auth_url(fresh.auth_token.as_deref().unwrap(), "details", AuthMethod::Get));
        assert_eq!(s.authorize(None, Some(auth)).await.unwrap().client_id.as_deref(), Some("alice"));
    })
    .await;
}

#[tokio::test]
async fn a_token_request_is_exchanged_on_the_servers_clock() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let skew = 90_000; // the service's clock is 90 s ahead of this machine's
        let server_clock = Arc::new(FixedClock::new(T0 + skew));
        let svc = Service::on(Context { clock: server_clock.clone(), random: Arc::new(OsRandom) }, |_| {}).await;
        let alice = svc.user("alice").await;
        let params = TokenParams {
            ttl: Some(600_000),
            capability: Some(Capability::parse(r#"{"chat:lobby":["subscribe"]}"#).unwrap()),
            ..TokenParams::default()
        };
        let (s, mut events) =
            start(svc.ably_options(&alice, "request").with_token_params(params), &timer, 3, SessionConfig::default());
        let c = s.token().await.unwrap();
        assert_eq!(s.server_offset_ms(), skew as i64, "learnt from GET /time");
        assert_eq!(
            (c.format, c.issued_ms, c.expires_ms),
            (TokenFormat::AblyJwt, Some(T0 + skew), Some(T0 + skew + 600_000))
        );
        assert_eq!(c.client_id.as_deref(), Some("alice"));
        let (time, auth, exchanged) = (
            svc.count("GET", "/time", 200).await,
            svc.count("GET", "/auth/ably", 200).await,
            svc.count("POST", REQUEST_TOKEN, 200).await,
        );
        assert_eq!((time, auth, exchanged), (1, 1, 1), "the TokenRequest was exchanged at requestToken");
        assert_eq!(renewed(&next(&mut events).await), FetchReason::Initial);

        // The renewal is planned on the server's clock: 30–40 s before expiry there.
        let at = s.next_renewal_ms().unwrap();
        assert!((T0 + skew + 560_000..=T0 + skew + 570_000).contains(&at), "{at}");
        guard(timer.sleeping_until(at - skew)).await;
        server_clock.set(at);
        timer.advance_to(at - skew);
        assert!(matches!(next(&mut events).await, SessionEvent::TokenWillExpire { .. }));
        assert_eq!(renewed(&next(&mut events).await), FetchReason::Scheduled);
        assert_eq!(s.current().unwrap().issued_ms, Some(at / 1000 * 1000));
        assert_eq!(svc.count("POST", REQUEST_TOKEN, 200).await, 2);
        assert_eq!(svc.count("GET", "/time", 200).await, 1, "the clock is read once");
    })
    .await;
}

#[tokio::test]
async fn auth_url_posts_send_the_params_and_authorize_changes_them_for_later_renewals() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let alice = svc.user("alice").await;
        for (method, n) in [(AuthMethod::Post, 1), (AuthMethod::PostJson, 2)] {
            let options = SessionOptions::new(AuthOptions::AuthUrl(svc.auth_url(&alice, "details", method)))
                .with_token_params(TokenParams { client_id: Some("alice".into()), ..ttl(120_000) });
            let (s, _events) = start(options, &timer, 1, SessionConfig::default());
            let c = s.token().await.unwrap();
            assert_eq!(
                c.expires_ms.unwrap() - c.issued_ms.unwrap(),
                120_000,
                "{method:?}: the ttl reached the service"
            );

            let c = s.authorize(Some(ttl(300_000)), None).await.unwrap();
            assert_eq!(c.expires_ms.unwrap() - c.issued_ms.unwrap(), 300_000);
            let c = s.renew().await.unwrap();
            assert_eq!(c.expires_ms.unwrap() - c.issued_ms.unwrap(), 300_000, "the new params are the default now");
            assert_eq!(svc.count("POST", "/auth/ably", 200).await, 3 * n);
        }

        // A clientId the service will not grant is refused: terminal, with the server's code.
        let options = svc
            .ably_options(&alice, "details")
            .with_token_params(TokenParams { client_id: Some("mallory".into()), ..TokenParams::default() });
        let (s, _events) = start(options, &timer, 1, SessionConfig::default());
        let e = s.token().await.unwrap_err();
        assert_eq!((e.code(), e.status(), e.vendor_code()), ("PROVIDER_ERROR", Some(401), Some(40102)));
    })
    .await;
}
