//! `Tokensmith`: the retention service (users, auth tokens, revocation, push) over a store URL.
//!
//! napi constructors cannot be async, so the constructor only reads the options; the store is
//! opened on first use (once, shared by concurrent first calls) and an unreachable one rejects
//! that call with `STORE_UNAVAILABLE`; the next call tries again. `close()` drops this handle's
//! store: calls already running finish, later ones reject with `STORE_UNAVAILABLE`.
//! `npm/tokensmith/service.js` groups the methods (`users.create`, `authTokens.list`, …).

use std::sync::{Arc, Mutex, PoisonError};

use napi::Result;
use napi_derive::napi;
use serde_json::Value;
use tokensmith::ably::{Key, TokenCheck, TokenRequest};
use tokensmith::service::{NewUser, PushTokens, RevokeOptions};
use tokensmith::store::TokenMeta;
use tokensmith::{Config, Error, args};
use tokio::sync::OnceCell;

use crate::convert::{to_value, whole, whole_numbers, whole_opt};
use crate::errors::IntoJs;

/// `new Tokensmith(options)`. Absent numbers take the core's `Config::default()`.
#[napi(object)]
pub struct TokensmithOptions {
    /// `sqlite://PATH`, `redis://HOST:PORT/DB` or `memory://` (required).
    pub store: Option<String>,
    /// Namespace inside the store (one store can hold many apps).
    pub app: Option<String>,
    /// Active auth tokens kept per user; one more archives the oldest (0 = unlimited).
    pub retention: Option<f64>,
    /// Lifetime of auth tokens in ms; absent = they never expire.
    pub token_ttl_ms: Option<f64>,
    /// Archived tokens are forgotten by `purgeArchived()` this long after archiving.
    pub purge_archived_after_ms: Option<f64>,
    /// How much later a revocation with `allowReauthMargin` takes effect.
    pub reauth_margin_ms: Option<f64>,
}

/// What a client attaches to its auth token (CometChat's token properties).
#[napi(object)]
pub struct AuthTokenMeta {
    pub platform: Option<String>,
    pub user_agent: Option<String>,
    #[napi(ts_type = "unknown")]
    pub app_info: Option<Value>,
    pub device_id: Option<String>,
}

/// `users.create(options)`.
#[napi(object)]
pub struct CreateUserOptions {
    /// 1–100 of `a-z 0-9 - _`, case-insensitive (stored lower case).
    pub uid: String,
    /// Defaults to the uid.
    pub name: Option<String>,
    /// Profile fields (avatar, link, role, statusMessage, metadata, tags), kept as given.
    #[napi(ts_type = "Record<string, unknown>")]
    pub profile: Option<Value>,
    /// Also mint an auth token (returned once, as `authToken.authToken`).
    pub with_auth_token: Option<bool>,
    pub platform: Option<String>,
    pub user_agent: Option<String>,
    #[napi(ts_type = "unknown")]
    pub app_info: Option<Value>,
    pub device_id: Option<String>,
}

/// `authTokens.list(uid, options)`.
#[napi(object)]
pub struct ListAuthTokensOptions {
    /// Counts from 1 (default 1).
    pub page: Option<f64>,
    /// Clamped to 1..=1000 (default: the largest page).
    pub per_page: Option<f64>,
}

/// `revokeSubject(subject, options)`.
#[napi(object)]
pub struct RevokeSubjectOptions {
    /// Unix ms; tokens issued before it are revoked (default now; at most an hour ago).
    pub issued_before: Option<f64>,
    /// Postpone enforcement by `reauthMarginMs`, so live clients can renew first.
    pub allow_reauth_margin: Option<bool>,
}

/// `push.register(authToken, tokens)`: an FCM token, or an APNs token with an optional VoIP token.
#[napi(object)]
pub struct PushTokensInput {
    pub fcm_token: Option<String>,
    pub apns_token: Option<String>,
    pub voip_token: Option<String>,
}

/// `push.delete(authToken, options)`.
#[napi(object)]
pub struct DeletePushOptions {
    /// Every registration of the session's user, not only this session's.
    pub all: Option<bool>,
}

fn json(v: Option<Value>) -> Option<Value> {
    v.map(whole_numbers)
}

pub(crate) fn token_meta(m: Option<AuthTokenMeta>) -> TokenMeta {
    m.map_or_else(TokenMeta::default, |m| TokenMeta {
        platform: m.platform,
        user_agent: m.user_agent,
        app_info: json(m.app_info),
        device_id: m.device_id,
    })
}

fn closed() -> napi::Error {
    crate::errors::to_js(Error::StoreUnavailable("closed".into()))
}

/// The service over one store, opened on first use.
#[napi]
pub struct Tokensmith {
    url: String,
    config: Config,
    /// `None` once closed.
    service: Mutex<Option<Arc<OnceCell<tokensmith::Tokensmith>>>>,
}

impl Tokensmith {
    async fn service(&self) -> Result<tokensmith::Tokensmith> {
        let cell = self.service.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(closed)?;
        let open = || tokensmith::Tokensmith::open(&self.url, self.config.clone());
        cell.get_or_try_init(open).await.cloned().js()
    }
}

#[napi]
impl Tokensmith {
    #[napi(constructor)]
    pub fn new(options: TokensmithOptions) -> Result<Self> {
        let url = options
            .store
            .ok_or_else(|| Error::InvalidArgument {
                field: "store",
                reason: "is required: sqlite://PATH, redis://HOST:PORT/DB or memory://".into(),
            })
            .js()?;
        let mut config = Config::default();
        if let Some(app) = options.app {
            config.app = app;
        }
        config.retention = whole_opt("retention", options.retention)?.unwrap_or(config.retention);
        config.token_ttl_ms = whole_opt("token_ttl_ms", options.token_ttl_ms)?.or(config.token_ttl_ms);
        config.purge_archived_after_ms = whole_opt("purge_archived_after_ms", options.purge_archived_after_ms)?
            .unwrap_or(config.purge_archived_after_ms);
        config.reauth_margin_ms =
            whole_opt("reauth_margin_ms", options.reauth_margin_ms)?.unwrap_or(config.reauth_margin_ms);
        Ok(Tokensmith { url, config, service: Mutex::new(Some(Arc::default())) })
    }

    /// Drops this handle's store; later calls reject with `STORE_UNAVAILABLE`.
    #[napi]
    pub fn close(&self) {
        self.service.lock().unwrap_or_else(PoisonError::into_inner).take();
    }

    #[napi(ts_return_type = "Promise<CreatedUser>")]
    pub async fn users_create(&self, options: CreateUserOptions) -> Result<Value> {
        let o = options;
        let token_meta = token_meta(Some(AuthTokenMeta {
            platform: o.platform,
            user_agent: o.user_agent,
            app_info: o.app_info,
            device_id: o.device_id,
        }));
        let new = NewUser {
            uid: o.uid,
            name: o.name,
            profile: json(o.profile).unwrap_or_default(),
            with_auth_token: o.with_auth_token.unwrap_or_default(),
            token_meta,
        };
        to_value(&self.service().await?.create_user(new).await.js()?)
    }

    #[napi(ts_return_type = "Promise<User>")]
    pub async fn users_get(&self, uid: String) -> Result<Value> {
        to_value(&self.service().await?.get_user(&uid).await.js()?)
    }

    #[napi]
    pub async fn users_delete(&self, uid: String) -> Result<()> {
        self.service().await?.delete_user(&uid).await.js()
    }

    #[napi(ts_return_type = "Promise<IssuedToken>")]
    pub async fn auth_tokens_create(&self, uid: String, meta: Option<AuthTokenMeta>) -> Result<Value> {
        to_value(&self.service().await?.create_auth_token(&uid, token_meta(meta)).await.js()?)
    }

    #[napi(ts_return_type = "Promise<TokenPage>")]
    pub async fn auth_tokens_list(&self, uid: String, options: Option<ListAuthTokensOptions>) -> Result<Value> {
        let (page, per_page) = options.map_or((None, None), |o| (o.page, o.per_page));
        // Absent: the first page, as large as the core allows (it clamps `per_page`).
        let page = whole_opt("page", page)?.unwrap_or(1);
        let per_page = whole_opt("per_page", per_page)?.unwrap_or(u64::MAX);
        to_value(&self.service().await?.list_auth_tokens(&uid, page, per_page).await.js()?)
    }

    #[napi(ts_return_type = "Promise<AuthTokenInfo>")]
    pub async fn auth_tokens_get(&self, uid: String, token_or_id: String) -> Result<Value> {
        to_value(&self.service().await?.get_auth_token(&uid, &token_or_id).await.js()?)
    }

    #[napi(ts_return_type = "Promise<AuthTokenInfo>")]
    pub async fn auth_tokens_update(&self, uid: String, token_or_id: String, patch: AuthTokenMeta) -> Result<Value> {
        to_value(&self.service().await?.update_auth_token(&uid, &token_or_id, token_meta(Some(patch))).await.js()?)
    }

    #[napi]
    pub async fn auth_tokens_delete(&self, uid: String, token_or_id: String) -> Result<()> {
        self.service().await?.delete_auth_token(&uid, &token_or_id).await.js()
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub async fn auth_tokens_flush(&self, uid: String) -> Result<Value> {
        Ok(self.service().await?.flush_auth_tokens(&uid).await.js()?.into())
    }

    #[napi(ts_return_type = "Promise<Session>")]
    pub async fn validate(&self, token: String) -> Result<Value> {
        to_value(&self.service().await?.validate(&token).await.js()?)
    }

    #[napi]
    pub async fn logout(&self, token: String) -> Result<()> {
        self.service().await?.logout(&token).await.js()
    }

    #[napi]
    pub async fn revoke_token(&self, token: String) -> Result<()> {
        self.service().await?.revoke_token(&token).await.js()
    }

    #[napi(ts_return_type = "Promise<RevokeResult>")]
    pub async fn revoke_subject(&self, subject: String, options: Option<RevokeSubjectOptions>) -> Result<Value> {
        let (issued_before, margin) = options.map_or((None, None), |o| (o.issued_before, o.allow_reauth_margin));
        let options = RevokeOptions {
            issued_before: whole_opt("issued_before", issued_before)?,
            allow_reauth_margin: margin.unwrap_or_default(),
        };
        to_value(&self.service().await?.revoke_subject(&subject, options).await.js()?)
    }

    /// The key and options cross positionally (`service.js` destructures them).
    #[napi(ts_return_type = "Promise<AblyJwtClaims>")]
    #[allow(clippy::too_many_arguments)]
    pub async fn verify_ably_token(
        &self,
        token: String,
        key_name: String,
        key_secret: String,
        now: Option<f64>,
        leeway: Option<f64>,
        client_id: Option<String>,
        resource: Option<String>,
        operation: Option<String>,
    ) -> Result<Value> {
        let key = Key::new(key_name, key_secret).js()?;
        let check = TokenCheck {
            now_ms: whole_opt("now", now)?,
            leeway_secs: whole_opt("leeway", leeway)?.unwrap_or_default(),
            client_id,
            operation: args::operation(resource, operation).js()?,
        };
        to_value(&self.service().await?.verify_ably_token(&token, &key, &check).await.js()?)
    }

    #[napi(ts_return_type = "Promise<AccessToken2>")]
    pub async fn verify_agora_token(&self, token: String, app_certificate: String, now: Option<f64>) -> Result<Value> {
        let now = whole_opt("now", now)?;
        to_value(&self.service().await?.verify_agora_token(&token, &app_certificate, now).await.js()?)
    }

    #[napi(
        ts_args_type = "request: TokenRequest, keyName: string, keySecret: string, windowMs?: number | undefined | null",
        ts_return_type = "Promise<TokenParams>"
    )]
    pub async fn verify_token_request(
        &self,
        request: Value,
        key_name: String,
        key_secret: String,
        window_ms: Option<f64>,
    ) -> Result<Value> {
        let request: TokenRequest = serde_json::from_value(whole_numbers(request))
            .map_err(|e| Error::MalformedToken { field: "token_request", reason: e.to_string(), vendor: None })
            .js()?;
        let key = Key::new(key_name, key_secret).js()?;
        let window_ms = window_ms.map(|w| whole("window_ms", w)).transpose()?;
        to_value(&self.service().await?.verify_token_request(&request, &key, window_ms).await.js()?)
    }

    #[napi]
    pub async fn push_register(&self, auth_token: String, tokens: PushTokensInput) -> Result<()> {
        let t = tokens;
        let tokens = PushTokens { fcm_token: t.fcm_token, apns_token: t.apns_token, voip_token: t.voip_token };
        self.service().await?.register_push(&auth_token, tokens).await.js()
    }

    #[napi(ts_return_type = "Promise<PushList>")]
    pub async fn push_list(&self, auth_token: String) -> Result<Value> {
        to_value(&self.service().await?.list_push(&auth_token).await.js()?)
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub async fn push_delete(&self, auth_token: String, options: Option<DeletePushOptions>) -> Result<Value> {
        let all = options.and_then(|o| o.all).unwrap_or_default();
        Ok(self.service().await?.delete_push(&auth_token, all).await.js()?.into())
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub async fn purge_archived(&self) -> Result<Value> {
        Ok(self.service().await?.purge_archived().await.js()?.into())
    }
}
