//! The push registry: one registration per auth token (FCM, or APNs with an optional VoIP
//! token), listed per user grouped `ios` / `web` / `android`. It follows the auth token:
//! deleting, flushing, archiving or revoking it, or deleting the user, removes it.

use serde::Serialize;

use super::auth_tokens::hash_of;
use super::{Tokensmith, limits};
use crate::error::{Error, Result};
use crate::store::PushRegistration;

/// What a device registers: an FCM token, or an APNs token with an optional VoIP token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushTokens {
    pub fcm_token: Option<String>,
    pub apns_token: Option<String>,
    pub voip_token: Option<String>,
}

/// A user's registrations, grouped as CometChat's `GET /v2/tokens` answers (all three keys always).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushList {
    pub ios: Vec<String>,
    pub web: Vec<String>,
    pub android: Vec<String>,
}

impl Tokensmith {
    /// Registers (or replaces) the push token of the session `auth_token`.
    pub async fn register_push(&self, auth_token: &str, tokens: PushTokens) -> Result<()> {
        limits::push_token("fcm_token", &tokens.fcm_token)?;
        limits::push_token("apns_token", &tokens.apns_token)?;
        limits::push_token("voip_token", &tokens.voip_token)?;
        let platform = match (&tokens.fcm_token, &tokens.apns_token) {
            (Some(_), None) if tokens.voip_token.is_none() => None,
            (None, Some(_)) => Some("ios"),
            _ => {
                return Err(Error::invalid(
                    "push",
                    "give either `fcm_token`, or `apns_token` with an optional `voip_token`",
                ));
            }
        };
        let session = self.validate(auth_token).await?;
        // FCM tokens are web or android; the session's own platform tells which (CometChat).
        let platform = platform.unwrap_or_else(|| {
            let p = session.token.platform.as_deref().unwrap_or_default().to_ascii_lowercase();
            if p.contains("web") || p.contains("javascript") { "web" } else { "android" }
        });
        let registration = PushRegistration {
            token_hash: hash_of(auth_token),
            uid: session.user.uid,
            platform: platform.to_owned(),
            fcm_token: tokens.fcm_token,
            apns_token: tokens.apns_token,
            voip_token: tokens.voip_token,
            created_at: self.ctx.now_ms(),
        };
        self.store.put_push(self.app(), &registration).await
    }

    /// Every push token of the session's user, grouped by platform (VoIP tokens are kept, not listed).
    pub async fn list_push(&self, auth_token: &str) -> Result<PushList> {
        let session = self.validate(auth_token).await?;
        let mut list = PushList::default();
        for r in self.store.list_push(self.app(), &session.user.uid).await? {
            let (group, token) = match r.platform.as_str() {
                "ios" => (&mut list.ios, r.apns_token),
                "web" => (&mut list.web, r.fcm_token),
                _ => (&mut list.android, r.fcm_token),
            };
            group.extend(token);
        }
        Ok(list)
    }

    /// Deletes this session's registration, or with `all` every one of the user's; returns how many.
    pub async fn delete_push(&self, auth_token: &str, all: bool) -> Result<u64> {
        let session = self.validate(auth_token).await?;
        let hash = hash_of(auth_token);
        let only = (!all).then_some(&hash);
        self.store.delete_push(self.app(), &session.user.uid, only).await
    }

    /// Ends the session: deletes the token and its push registration (CometChat's `DELETE /me`).
    pub async fn logout(&self, auth_token: &str) -> Result<()> {
        let session = self.validate(auth_token).await?;
        self.delete_auth_token(&session.user.uid, auth_token).await
    }
}
