//! A session on the service's Agora token server (`POST /generate-user-token`): fetched at start,
//! renewed ahead of the AccessToken2's own expiry (Agora's `onTokenWillExpire` flow).

use crate::common;
use crate::session_support;

use common::{AGORA_APP_ID, AGORA_CERT, APP, AUTH_ONLY_KEY, FULL_KEY};
use session_support::*;
use tokensmith::Context;
use tokensmith::agora;
use tokensmith::session::{
    AgoraCredential, AgoraTokenServer, AuthOptions, FetchReason, ManualTimer, SessionConfig, SessionEvent,
    SessionOptions, TokenFormat,
};

fn server(svc: &Service, credential: AgoraCredential, uid: &str) -> SessionOptions {
    SessionOptions::new(AuthOptions::AgoraTokenServer(AgoraTokenServer {
        base_url: svc.url(),
        credential,
        app_id: Some(APP.into()),
        user_uuid: uid.into(),
        expire: 600,
    }))
}

#[tokio::test]
async fn an_agora_user_token_is_fetched_at_start_and_renewed_before_it_expires() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let alice = svc.user("alice").await;
        let (s, mut events) = start(
            server(&svc, AgoraCredential::AuthToken(alice.as_str().into()), "alice"),
            &timer,
            9,
            SessionConfig::default(),
        );
        let c = s.token().await.unwrap();
        assert_eq!(
            (c.format, c.issued_ms, c.expires_ms),
            (TokenFormat::AgoraAccessToken2, Some(T0), Some(T0 + 600_000))
        );
        let verified =
            agora::verify(&Context::fixed(T0), c.token(), AGORA_CERT, None).expect("a valid chat user token");
        assert_eq!(verified.app_id, AGORA_APP_ID);
        assert_eq!(svc.count("POST", "/generate-user-token", 200).await, 1);
        assert!(matches!(next(&mut events).await, SessionEvent::Renewed { reason: FetchReason::Initial, .. }));

        let at = s.next_renewal_ms().unwrap();
        assert!((T0 + 560_000..=T0 + 570_000).contains(&at), "{at}");
        guard(timer.sleeping_until(at)).await;
        timer.advance_to(at);
        assert_eq!(next(&mut events).await, SessionEvent::TokenWillExpire { generation: 1, expires_ms: T0 + 600_000 });
        let SessionEvent::Renewed { reason: FetchReason::Scheduled, expires_ms: Some(expires), .. } =
            next(&mut events).await
        else {
            panic!("a scheduled renewal")
        };
        assert_eq!(expires, at / 1000 * 1000 + 600_000, "a fresh token from the server");
        assert_ne!(s.current().unwrap().token(), c.token());
        assert_eq!(svc.count("POST", "/generate-user-token", 200).await, 2);
    })
    .await;
}

#[tokio::test]
async fn the_token_server_takes_an_api_key_and_refusals_are_final() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        svc.user("bob").await;
        let options = server(&svc, AgoraCredential::ApiKey(FULL_KEY.into()), "bob");
        let (s, _events) = start(options, &timer, 1, SessionConfig::default());
        assert_eq!(s.token().await.unwrap().format, TokenFormat::AgoraAccessToken2);

        // A key without the scope: a 403, final.
        let options = server(&svc, AgoraCredential::ApiKey(AUTH_ONLY_KEY.into()), "bob");
        let (s, _events) = start(options, &timer, 1, SessionConfig::default());
        let e = s.token().await.unwrap_err();
        assert_eq!((e.code(), e.status(), e.vendor_code()), ("PROVIDER_ERROR", Some(403), Some(40300)));
        assert_eq!(e.cause().map(|c| c.code()), Some("UNAUTHORIZED"));
        assert_eq!(s.token().await.unwrap_err(), e);
        assert_eq!(svc.count("POST", "/generate-user-token", 403).await, 1);

        // A user's token asks for another user's Agora token: refused, and not asked again.
        let alice = svc.user("alice").await;
        let (s, _events) = start(
            server(&svc, AgoraCredential::AuthToken(alice.as_str().into()), "bob"),
            &timer,
            1,
            SessionConfig::default(),
        );
        let e = s.token().await.unwrap_err();
        assert_eq!(e.code(), "PROVIDER_ERROR");
        assert!(matches!(e.status(), Some(401 | 403)), "{e:?}");
        assert_eq!(s.token().await.unwrap_err(), e);
        let refused =
            svc.count("POST", "/generate-user-token", 401).await + svc.count("POST", "/generate-user-token", 403).await;
        assert_eq!(refused, 2, "the scope refusal above and this one");
    })
    .await;
}
