//! The renewal engine's rules, on a manual clock: single flight, renewal time, token errors,
//! backoff, terminal stops, events, and the session's lifetime.

use crate::session_support;

use std::sync::{Arc, Mutex};

use session_support::*;
use tokensmith::Error;
use tokensmith::session::{
    AuthOptions, Backoff, Credential, FetchError, FetchReason, LogoutReason, ManualTimer, SessionConfig, SessionEvent,
    TokenErrorKind,
};

fn config() -> SessionConfig {
    SessionConfig::default()
}

fn renewed_reason(e: &SessionEvent) -> FetchReason {
    match e {
        SessionEvent::Renewed { reason, .. } => *reason,
        other => panic!("expected renewed, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_callers_across_an_expiry_share_one_fetch() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        // Every fetch after the first waits at the gate until all callers are queued behind it.
        let provider = Scripted::gated(2, |n, p| Ok(token(n, p, HOUR)));
        let (s, _events) = start(provider.clone(), &timer, 1, config());
        assert_eq!(s.token().await.unwrap().token(), "token-1");

        timer.advance(HOUR); // the token has just expired
        let callers: Vec<_> = (0..100)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.call(|c| async move { Ok::<_, Error>(c.token().to_owned()) }).await })
            })
            .collect();
        guard(settle(|| s.stats().waiting == 100)).await;
        provider.open_gate(1);
        for c in callers {
            assert_eq!(guard(c).await.unwrap().unwrap(), "token-2");
        }
        assert_eq!(provider.calls(), 2, "one fetch at start, one for all 100 callers");
        assert_eq!(s.stats().fetches, 2);
    })
    .await;
}

#[tokio::test]
async fn renews_at_expiry_minus_margin_minus_jitter_with_events_in_order() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let provider = Scripted::new(|n, p| Ok(token(n, p, HOUR)));
        let (s, mut events) = start(provider.clone(), &timer, 7, config());
        s.token().await.unwrap();
        let expires = T0 + HOUR;
        let at = s.next_renewal_ms().expect("a renewal is planned");
        assert!((expires - 40_000..=expires - 30_000).contains(&at), "margin 30 s + jitter ≤ 10 s: {at}");

        let first = next(&mut events).await;
        assert_eq!(
            first,
            SessionEvent::Renewed {
                generation: 1,
                reason: FetchReason::Initial,
                issued_ms: Some(T0),
                expires_ms: Some(expires),
                format: tokensmith::session::TokenFormat::Unknown,
                renew_at_ms: Some(at),
            }
        );
        guard(timer.sleeping_until(at)).await; // the scheduler waits for exactly that time
        timer.advance_to(at - 1);
        assert_eq!((provider.calls(), timer.deadlines()), (1, vec![at]), "nothing happens a millisecond early");
        timer.advance_to(at);
        assert_eq!(next(&mut events).await, SessionEvent::TokenWillExpire { generation: 1, expires_ms: expires });
        let renewed = next(&mut events).await;
        assert_eq!(renewed_reason(&renewed), FetchReason::Scheduled);
        assert_eq!(s.current().unwrap().token(), "token-2");
        assert_eq!(provider.calls(), 2);

        // The jitter is drawn from the session's randomness: the same seed plans the same time.
        let again = ManualTimer::new(T0);
        let (s2, _) = start(Scripted::new(|n, p| Ok(token(n, p, HOUR))), &again, 7, config());
        s2.token().await.unwrap();
        assert_eq!(s2.next_renewal_ms(), Some(at));
    })
    .await;
}

#[tokio::test]
async fn renewal_is_judged_on_the_server_clock_when_an_offset_is_known() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let skew = 120_000; // the server is 2 min ahead of this machine
        let provider = Scripted::new(|n, p| Ok(token(n, p, HOUR)));
        let cfg = SessionConfig { server_offset_ms: Some(skew), ..config() };
        let (s, _events) = start(provider.clone(), &timer, 3, cfg);
        let c = s.token().await.unwrap();
        assert_eq!(c.expires_ms, Some(T0 + skew as u64 + HOUR), "the provider saw server time");
        let at = s.next_renewal_ms().unwrap();
        guard(timer.sleeping_until(at - skew as u64)).await; // local deadline = server time − offset

        // A new estimate (e.g. from GET /time) moves the plan.
        s.set_server_time(T0 + 5_000);
        assert_eq!(s.server_offset_ms(), 5_000);
        guard(timer.sleeping_until(at - 5_000)).await;

        // Expired on the server's clock, though not on the local one: a caller gets a new token.
        s.set_server_offset(2 * HOUR as i64);
        assert_eq!(s.token().await.unwrap().token(), "token-2");
    })
    .await;
}

#[tokio::test]
async fn a_token_error_renews_once_and_retries_once_with_the_new_token() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let provider = Scripted::new(|n, p| Ok(token(n, p, HOUR)));
        let (s, _events) = start(provider.clone(), &timer, 1, config());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let op = |c: Arc<Credential>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(c.token().to_owned());
                match c.token() {
                    "token-1" => Err(Error::TokenRevoked),
                    _ => Ok("done"),
                }
            }
        };
        assert_eq!(s.call(op).await.unwrap(), "done");
        assert_eq!(*seen.lock().unwrap(), ["token-1", "token-2"], "the retry carries the new token");
        assert_eq!(provider.calls(), 2);

        // A failure that is not a token error is returned without renewing.
        let r = s.call(|_| async { Err::<(), _>(Error::CapabilityRefused("publish".into())) }).await;
        assert_eq!(r.unwrap_err().code(), "CAPABILITY_REFUSED");
        assert_eq!(provider.calls(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_second_token_error_goes_to_the_caller_and_never_loops() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let provider = Scripted::new(|n, p| Ok(token(n, p, HOUR)));
        let (s, _events) = start(provider.clone(), &timer, 1, config());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let always_expired = |c: Arc<Credential>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(c.token().to_owned());
                Err::<(), _>(Error::TokenExpired { by_secs: 0, vendor: Some(40142) })
            }
        };
        let e = s.call(always_expired).await.unwrap_err();
        assert_eq!((e.code(), e.vendor_code()), ("TOKEN_EXPIRED", Some(40142)));
        assert_eq!(*seen.lock().unwrap(), ["token-1", "token-2"]);
        assert_eq!(provider.calls(), 2, "one renewal, no more");
        // Both were refused: neither is handed out again.
        assert!(s.current().is_none());
        assert_eq!(s.token().await.unwrap().token(), "token-3");
    })
    .await;
}

#[tokio::test]
async fn a_refused_token_is_never_handed_out_again() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        // A provider with a stale cache: it answers the refused token once more before a new one.
        let provider = Scripted::new(|n, p| Ok(token(if n <= 2 { 1 } else { n }, p, HOUR)));
        let (s, mut events) = start(provider.clone(), &timer, 1, config());
        let first = s.token().await.unwrap();
        next(&mut events).await;

        let s2 = s.clone();
        let fresh = tokio::spawn(async move { s2.recover(&first, TokenErrorKind::Refused).await });
        let SessionEvent::RenewFailed { attempt: 1, error, retry_in_ms: Some(delay), terminal: false } =
            next(&mut events).await
        else {
            panic!("the stale answer is a retryable failure")
        };
        assert_eq!((error.code(), error.vendor_code(), error.cause()), ("PROVIDER_ERROR", Some(40170), None));
        assert!(s.current().is_none(), "the refused token is not held meanwhile");
        wait_out(&timer, delay).await;
        assert_eq!(guard(fresh).await.unwrap().unwrap().token(), "token-3");
        assert_eq!(s.current().unwrap().token(), "token-3");
        assert_eq!(provider.calls(), 3);
    })
    .await;
}

#[tokio::test]
async fn retryable_failures_back_off_with_full_jitter_then_succeed() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let provider = Scripted::new(|n, p| {
            if n <= 5 { Err(FetchError::from(Error::StoreUnavailable("down".into()))) } else { Ok(token(n, p, HOUR)) }
        });
        let (s, mut events) = start(provider.clone(), &timer, 42, config());
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
            assert_eq!(
                (a, error.code(), error.cause().map(Error::code)),
                (attempt, "PROVIDER_ERROR", Some("STORE_UNAVAILABLE"))
            );
            assert!(d <= backoff.ceiling_ms(attempt), "attempt {attempt}: {d} ms over the full-jitter bound");
            if d > 0 {
                guard(timer.sleeping_until(timer.now_ms() + d)).await;
                assert_eq!(provider.calls() as u32, attempt, "no fetch before the wait is over");
            }
            wait_out(&timer, d).await;
            delays.push(d);
        }
        assert_eq!(renewed_reason(&next(&mut events).await), FetchReason::Initial);
        assert_eq!(guard(got).await.unwrap().unwrap().token(), "token-6");
        assert_eq!(provider.calls(), 6);

        // Exactly the full-jitter draws of the seeded randomness: uniform in 0..=min(cap, base·2^(n−1)).
        let replay = timer.context(Seeded::new(42));
        let expected: Vec<u64> = (1..=5).map(|n| backoff.delay_ms(&replay, n, None)).collect();
        assert_eq!(delays, expected);
        assert!(delays.iter().any(|&d| d > 0) && delays.windows(2).any(|w| w[0] != w[1]));
    })
    .await;
}

#[tokio::test]
async fn retries_are_bounded_and_a_failed_round_cools_down() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let provider = Scripted::new(|n, p| {
            if n <= 6 {
                Err(FetchError::retryable(Error::StoreUnavailable("down".into())))
            } else {
                Ok(token(n, p, HOUR))
            }
        });
        let (s, mut events) = start(provider.clone(), &timer, 5, config());
        let s2 = s.clone();
        let got = tokio::spawn(async move { s2.token().await });
        loop {
            match next(&mut events).await {
                SessionEvent::RenewFailed { retry_in_ms: Some(d), .. } => wait_out(&timer, d).await,
                SessionEvent::RenewFailed { attempt, retry_in_ms: None, terminal, .. } => {
                    assert_eq!((attempt, terminal), (6, false));
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let e = guard(got).await.unwrap().unwrap_err();
        assert_eq!(
            (e.code(), e.cause().map(Error::code), e.retryable()),
            ("PROVIDER_ERROR", Some("STORE_UNAVAILABLE"), true)
        );
        assert_eq!(provider.calls(), 6);
        // Callers arriving right after get the error without hammering the provider…
        assert_eq!(s.token().await.unwrap_err(), e);
        assert_eq!(provider.calls(), 6);
        // …until the backoff cap has passed.
        timer.advance(Backoff::default().cap_ms);
        assert_eq!(s.token().await.unwrap().token(), "token-7");
    })
    .await;
}

#[tokio::test]
async fn a_terminal_failure_stops_with_the_typed_error_until_authorized_again() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        let provider = Scripted::new(|n, p| {
            if n == 1 {
                Err(FetchError::terminal(Error::CapabilityRefused("forbidden by app".into())))
            } else {
                Ok(token(n, p, HOUR))
            }
        });
        let (s, mut events) = start(provider.clone(), &timer, 1, config());
        let e = s.token().await.unwrap_err();
        assert_eq!(
            (e.code(), e.cause()),
            ("PROVIDER_ERROR", Some(&Error::CapabilityRefused("forbidden by app".into())))
        );
        assert_eq!(e.vendor_code(), Some(40160), "the cause's own Ably code");
        let SessionEvent::RenewFailed { attempt: 1, retry_in_ms: None, terminal: true, error } =
            next(&mut events).await
        else {
            panic!("a terminal failure is reported as such")
        };
        assert_eq!(error, e);
        for _ in 0..5 {
            assert_eq!(s.token().await.unwrap_err(), e);
        }
        assert_eq!(provider.calls(), 1, "never a loop");
        assert!(timer.deadlines().is_empty(), "no retry is scheduled");
        assert_eq!(s.renew().await.unwrap().token(), "token-2", "an explicit renew lifts the stop");
    })
    .await;
}

#[tokio::test]
async fn a_static_token_expires_with_a_typed_error_and_events() {
    guard(async move {
        use tokensmith::session::providers::StaticToken;
        let timer = ManualTimer::new(T0);
        let cred = Credential::new("static-token", Some(T0 + 60_000)).with_issued(T0);
        let (s, mut events) = start(Arc::new(StaticToken::new(cred)), &timer, 1, config());
        assert_eq!(s.token().await.unwrap().token(), "static-token");
        assert_eq!(renewed_reason(&next(&mut events).await), FetchReason::Initial);
        let at = s.next_renewal_ms().unwrap();
        guard(timer.sleeping_until(at)).await;
        timer.advance_to(at);
        assert!(matches!(next(&mut events).await, SessionEvent::TokenWillExpire { generation: 1, .. }));
        guard(timer.sleeping_until(T0 + 60_000)).await;
        timer.advance_to(T0 + 65_000);
        assert_eq!(next(&mut events).await, SessionEvent::TokenExpired { generation: 1, expired_at_ms: T0 + 60_000 });
        let e = s.token().await.unwrap_err();
        assert_eq!((e.code(), e.vendor_code()), ("NO_RENEWAL_MEANS", Some(40171)), "no means to renew");
        assert!(e.to_string().contains("5s"), "{e}");
        assert_eq!(s.stats().fetches, 1);
    })
    .await;
}

#[tokio::test]
async fn a_token_error_on_a_static_token_is_final() {
    guard(async move {
        use tokensmith::session::providers::StaticToken;
        let timer = ManualTimer::new(T0);
        let (s, _events) = start(Arc::new(StaticToken::new(Credential::new("login", None))), &timer, 1, config());
        let r = s.call(|_| async { Err::<(), _>(Error::TokenRevoked) }).await;
        assert_eq!(r.unwrap_err().code(), "TOKEN_REVOKED", "the caller sees what the server said");
        assert_eq!(s.token().await.unwrap_err().code(), "NO_RENEWAL_MEANS");

        // AUTH_TOKEN_NOT_FOUND on a login that cannot renew ends it.
        let (s, mut events) = start(Arc::new(StaticToken::new(Credential::new("login", None))), &timer, 1, config());
        let r = s.call(|_| async { Err::<(), _>(Error::AuthTokenNotFound) }).await;
        assert_eq!(r.unwrap_err().code(), "AUTH_TOKEN_NOT_FOUND");
        next(&mut events).await;
        assert_eq!(next(&mut events).await, SessionEvent::LoggedOut { reason: LogoutReason::TokenNotFound });
        assert_eq!(s.token().await.unwrap_err().code(), "AUTH_TOKEN_NOT_FOUND");
    })
    .await;
}

#[tokio::test]
async fn logout_and_authorize_start_a_new_login() {
    guard(async move {
        use tokensmith::session::providers::StaticToken;
        let timer = ManualTimer::new(T0);
        let (s, mut events) = start(Arc::new(StaticToken::new(Credential::new("alice", None))), &timer, 1, config());
        s.token().await.unwrap();
        next(&mut events).await;
        s.logout().await.unwrap();
        assert_eq!(next(&mut events).await, SessionEvent::LoggedOut { reason: LogoutReason::Requested });
        assert_eq!(s.token().await.unwrap_err().code(), "AUTH_TOKEN_NOT_FOUND");
        s.logout().await.unwrap(); // a second logout changes nothing and emits nothing
        let bob = AuthOptions::Token(Credential::new("bob", None));
        assert_eq!(s.authorize(None, Some(bob)).await.unwrap().token(), "bob");
        assert_eq!(renewed_reason(&next(&mut events).await), FetchReason::Authorize);
        assert_eq!(s.token().await.unwrap().token(), "bob");
    })
    .await;
}

#[tokio::test]
async fn closing_or_dropping_the_session_ends_its_tasks() {
    guard(async move {
        let timer = ManualTimer::new(T0);
        // The second fetch never completes: a renewal is in flight when the session goes away.
        let provider = Scripted::gated(2, |n, p| Ok(token(n, p, HOUR)));
        let (s, _events) = start(provider.clone(), &timer, 1, config());
        s.token().await.unwrap();
        let at = s.next_renewal_ms().unwrap();
        guard(timer.sleeping_until(at)).await;
        timer.advance_to(at); // the scheduler starts a renewal that never completes
        guard(settle(|| provider.calls() == 2)).await;
        assert!(Arc::strong_count(&provider) > 1);
        drop(s);
        // The scheduler and the stuck renewal are aborted: nothing holds the provider any more.
        guard(settle(|| Arc::strong_count(&provider) == 1)).await;
        guard(settle(|| timer.deadlines().is_empty())).await;

        let (s, _events) = start(Scripted::new(|n, p| Ok(token(n, p, HOUR))), &timer, 1, config());
        let other = s.clone();
        s.close();
        assert_eq!(other.token().await.unwrap_err().code(), "SESSION_CLOSED", "closed for every clone");
    })
    .await;
}

/// Lets a backoff wait of `delay` ms pass: waits until the renewal sleeps, then moves the clock.
async fn wait_out(timer: &Arc<ManualTimer>, delay: u64) {
    if delay > 0 {
        guard(timer.sleeping_until(timer.now_ms() + delay)).await;
        timer.advance(delay);
    }
}

/// Compile-time: the session's futures can be spawned on any runtime thread (the bindings do).
#[allow(dead_code)]
fn session_futures_are_send(s: tokensmith::session::Session, c: Credential) {
    fn send<T: Send + 'static>(_: T) {}
    let s2 = s.clone();
    send(async move { s2.token().await });
    let s2 = s.clone();
    send(async move { s2.renew().await });
    let s2 = s.clone();
    send(async move { s2.recover(&c, TokenErrorKind::Refused).await });
    let s2 = s.clone();
    send(async move { s2.authorize(None, Some(AuthOptions::Token(Credential::new("t", None)))).await });
    let s2 = s.clone();
    send(async move { s2.logout().await });
    let s2 = s.clone();
    send(async move { s2.login(tokensmith::session::CometChatLogin::new("http://127.0.0.1:1", "tks_x")).await });
    send(async move { s.call(|c| async move { Ok::<_, Error>(c.token().len()) }).await });
}
