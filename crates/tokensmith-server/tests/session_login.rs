//! CometChat-style login sessions against the real in-process service: `login` (`PUT /v3.0/me`),
//! `logout` (`DELETE /v3.0/me`), and the session ending itself when the service no longer knows
//! its auth token (archived by retention, deleted).

use crate::common;
use crate::session_support;

use common::APP;
use session_support::*;
use std::sync::Arc;

use tokensmith::client::{Client, Me};
use tokensmith::session::{
    CometChatLogin, Credential, LogoutReason, ManualTimer, SessionConfig, SessionEvent, SessionOptions, TokenFormat,
};
use tokensmith::store::TokenMeta;
use tokensmith::{Context, OsRandom};

/// `GET /v3.0/me` with the session's token.
async fn me(client: &Client, c: Arc<Credential>) -> tokensmith::Result<Me> {
    client.with_auth_token(c.token()).me().await
}

fn login(svc: &Service, auth_token: &str) -> CometChatLogin {
    let mut login = CometChatLogin::new(svc.url(), auth_token).app_id(APP);
    login.meta = TokenMeta { platform: Some("web".into()), device_id: Some("laptop-1".into()), ..TokenMeta::default() };
    login
}

#[tokio::test]
async fn login_answers_the_user_and_logout_ends_the_token_at_the_service() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let alice = svc.user("alice").await;
        let (s, mut events) = start(SessionOptions::default(), &timer, 1, SessionConfig::default());
        assert!(s.current_user().is_none());
        assert_eq!(s.token().await.unwrap_err().code(), "NO_RENEWAL_MEANS", "nothing to get a token with yet");
        next(&mut events).await; // that failure's renewFailed

        let user = s.login(login(&svc, &alice)).await.unwrap();
        assert_eq!(user.uid, "alice");
        assert_eq!(s.current_user().map(|u| u.uid), Some("alice".into()));
        let c = s.token().await.unwrap();
        assert_eq!(
            (c.token(), c.format, c.client_id.as_deref()),
            (alice.as_str(), TokenFormat::AuthToken, Some("alice"))
        );
        assert!(matches!(next(&mut events).await, SessionEvent::Renewed { .. }));
        assert_eq!(svc.count("PUT", "/v3.0/me", 200).await, 1);
        // The login bound the device to the token.
        let t = svc.admin.get_auth_token("alice", &alice).await.unwrap();
        assert_eq!((t.meta.platform.as_deref(), t.meta.device_id.as_deref()), (Some("web"), Some("laptop-1")));

        let client = Client::builder(&svc.url()).app_id(APP).build().unwrap();
        let me = s.call(|c| me(&client, c)).await.unwrap();
        assert_eq!(me.user.uid, "alice");

        s.logout().await.unwrap();
        assert_eq!(next(&mut events).await, SessionEvent::LoggedOut { reason: LogoutReason::Requested });
        assert!(s.current_user().is_none());
        assert_eq!(s.token().await.unwrap_err().code(), "AUTH_TOKEN_NOT_FOUND");
        assert_eq!(svc.count("DELETE", "/v3.0/me", 200).await, 1);
        let gone = client.with_auth_token(alice.as_str()).me().await.unwrap_err();
        assert_eq!(gone.code(), "AUTH_TOKEN_NOT_FOUND", "the token is gone at the service");

        s.logout().await.unwrap();
        assert_eq!(
            svc.count("DELETE", "/v3.0/me", 200).await + svc.count("DELETE", "/v3.0/me", 401).await,
            1,
            "told once"
        );
    })
    .await;
}

#[tokio::test]
async fn logout_counts_a_token_the_service_no_longer_knows_as_logged_out() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let alice = svc.user("alice").await;
        let (s, _events) = start(SessionOptions::default(), &timer, 1, SessionConfig::default());
        s.login(login(&svc, &alice)).await.unwrap();
        svc.admin.delete_auth_token("alice", &alice).await.unwrap();
        s.logout().await.expect("token-not-found is success");
        assert_eq!(svc.count("DELETE", "/v3.0/me", 401).await, 1);
        assert!(s.current_user().is_none());
    })
    .await;
}

#[tokio::test]
async fn an_archived_token_logs_the_session_out() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let ctx = Context { clock: timer.clock(), random: Arc::new(OsRandom) };
        let svc = Service::on(ctx, |app| app.retention = 1).await;
        let first = svc.user("alice").await;
        let (s, mut events) = start(
            SessionOptions::new(tokensmith::session::AuthOptions::CometChat(login(&svc, &first))),
            &timer,
            1,
            SessionConfig::default(),
        );
        let client = Client::builder(&svc.url()).app_id(APP).build().unwrap();
        assert_eq!(s.call(|c| me(&client, c)).await.unwrap().user.uid, "alice");
        assert!(matches!(next(&mut events).await, SessionEvent::Renewed { .. }));

        // A second login elsewhere: with retention 1, the first token is archived.
        let second = svc.admin.create_auth_token("alice", &TokenMeta::default(), true).await.unwrap();
        let e = s.call(|c| me(&client, c)).await.unwrap_err();
        assert_eq!(e.code(), "AUTH_TOKEN_NOT_FOUND");
        assert_eq!(next(&mut events).await, SessionEvent::LoggedOut { reason: LogoutReason::TokenNotFound });
        assert!(s.current_user().is_none());
        assert_eq!(s.token().await.unwrap_err().code(), "AUTH_TOKEN_NOT_FOUND");
        assert_eq!(svc.count("PUT", "/v3.0/me", 200).await, 1, "a login is never retried by itself");

        // Logging in again starts a new login.
        let user = s.login(login(&svc, second.auth_token.as_deref().unwrap())).await.unwrap();
        assert_eq!(user.uid, "alice");
        assert_eq!(s.call(|c| me(&client, c)).await.unwrap().user.uid, "alice");
    })
    .await;
}

#[tokio::test]
async fn a_login_with_an_unknown_token_fails_and_logs_out() {
    guard(async {
        let timer = ManualTimer::new(T0);
        let svc = Service::start(&timer).await;
        let alice = svc.user("alice").await;
        svc.admin.delete_auth_token("alice", &alice).await.unwrap();
        let (s, mut events) = start(SessionOptions::default(), &timer, 1, SessionConfig::default());
        let e = s.login(login(&svc, &alice)).await.unwrap_err();
        assert_eq!((e.code(), e.status()), ("AUTH_TOKEN_NOT_FOUND", Some(401)));
        assert!(!format!("{e} {e:?}").contains(&alice), "the token never shows in the error");
        loop {
            match next(&mut events).await {
                SessionEvent::LoggedOut { reason } => break assert_eq!(reason, LogoutReason::TokenNotFound),
                SessionEvent::RenewFailed { terminal, .. } => assert!(terminal),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(svc.count("PUT", "/v3.0/me", 401).await, 1);
        assert!(s.current_user().is_none());
    })
    .await;
}
