//! `Client`: the REST client of the tokensmith service (also CometChat's hosted API and Ably's
//! token endpoints), one Promise method per route. `npm/tokensmith/client.js` maps errors to the
//! `TokensmithError` classes; results are the core client's JSON shapes (camelCase).

use std::time::Duration;

use napi::Result;
use napi_derive::napi;
use serde_json::Value;
use tokensmith::ably::{Key, TokenParams, TokenRequest};
use tokensmith::client::{self, AgoraTokenType, CreateUser, RetryPolicy, TokenAsk};
use tokensmith::service::{PushTokens, RevokeOptions};
use tokensmith::{Error, args};

use crate::convert::{to_value, whole, whole_numbers, whole_opt};
use crate::errors::IntoJs;
use crate::service::{AuthTokenMeta, DeletePushOptions, PushTokensInput, RevokeSubjectOptions, token_meta};

/// `new Client(options)`.
#[napi(object)]
pub struct ClientOptions {
    /// `http://127.0.0.1:8080`, or CometChat's `https://{appId}.api-{region}.cometchat.io/v3`.
    pub base_url: String,
    /// The REST API key (`apikey` header) for the admin routes.
    pub api_key: Option<String>,
    /// Sent as the `appid` header (the tokensmith service picks the app from it).
    pub app_id: Option<String>,
    /// A user's auth token (`authtoken` header) for `me`, push and `/auth/ably`.
    pub auth_token: Option<String>,
    /// `name:secret`, for `requestToken` with TokenParams and `revokeTokens`.
    pub ably_key: Option<String>,
    /// Time allowed for one attempt (default 10000).
    pub timeout_ms: Option<f64>,
    /// Retries after the first attempt (default 2; 0 never retries).
    pub retries: Option<f64>,
    /// The longest `Retry-After` waited out before retrying (default 30000); a longer one
    /// rejects at once with `RATE_LIMITED` and its `retryAfterMs`.
    pub max_retry_after_ms: Option<f64>,
}

/// `createUser(user)`: the user and its profile, CometChat's names.
#[napi(object)]
pub struct CreateUserInput {
    pub uid: String,
    pub name: String,
    pub avatar: Option<String>,
    pub link: Option<String>,
    pub role: Option<String>,
    pub status_message: Option<String>,
    #[napi(ts_type = "unknown")]
    pub metadata: Option<Value>,
    pub tags: Option<Vec<String>>,
    /// Also mint an auth token, returned as `authToken`.
    pub with_auth_token: Option<bool>,
}

/// `createAuthToken(uid, meta, options)`.
#[napi(object)]
pub struct CreateAuthTokenOptions {
    /// Always mint, even when the device already has an active token.
    pub force: Option<bool>,
}

fn invalid(field: &'static str, reason: &str) -> Error {
    Error::InvalidArgument { field, reason: reason.into() }
}

fn ms(field: &'static str, v: Option<f64>) -> Result<Option<Duration>> {
    Ok(whole_opt::<u64>(field, v)?.map(Duration::from_millis))
}

/// TokenParams as JS passes them: `{ ttl, capability (text or object), clientId, timestamp, nonce }`.
fn token_params(v: &Value) -> tokensmith::Result<TokenParams> {
    let number = |name: &'static str| match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(|f| args::whole_f64(name, f)).transpose(),
        Some(_) => Err(invalid(name, "must be a number")),
    };
    let text = |name: &'static str| match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(name, "must be a string")),
    };
    let capability = match v.get("capability") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(args::capability_text(s)?),
        Some(c) => Some(args::capability(c)?),
    };
    Ok(TokenParams {
        ttl: number("ttl")?,
        capability,
        client_id: text("clientId")?,
        timestamp: number("timestamp")?,
        nonce: text("nonce")?,
    })
}

/// A signed TokenRequest (it has a `mac`), or TokenParams.
fn token_ask(v: Option<Value>) -> tokensmith::Result<TokenAsk> {
    let v = whole_numbers(v.unwrap_or(Value::Object(Default::default())));
    if !v.is_object() {
        return Err(invalid("request", "must be a TokenRequest or TokenParams object"));
    }
    if v.get("mac").is_some() {
        let request: TokenRequest = serde_json::from_value(v).map_err(|e| Error::MalformedToken {
            field: "token_request",
            reason: e.to_string(),
            vendor: None,
        })?;
        return Ok(TokenAsk::Signed(request));
    }
    token_params(&v).map(TokenAsk::Params)
}

#[napi]
pub struct NativeClient {
    inner: client::Client,
}

#[napi]
impl NativeClient {
    #[napi(constructor)]
    pub fn new(options: ClientOptions) -> Result<Self> {
        let o = options;
        let mut builder = client::Client::builder(&o.base_url);
        if let Some(key) = o.api_key {
            builder = builder.api_key(key);
        }
        if let Some(app_id) = o.app_id {
            builder = builder.app_id(app_id);
        }
        if let Some(token) = o.auth_token {
            builder = builder.auth_token(token);
        }
        if let Some(key) = o.ably_key {
            builder = builder.ably_key(Key::parse(&key).js()?);
        }
        if let Some(timeout) = ms("timeout_ms", o.timeout_ms)? {
            builder = builder.timeout(timeout);
        }
        let mut retry = RetryPolicy::default();
        if let Some(retries) = whole_opt::<u32>("retries", o.retries)? {
            retry.max_attempts = retries.saturating_add(1);
        }
        if let Some(max) = ms("max_retry_after_ms", o.max_retry_after_ms)? {
            retry.max_retry_after = max;
        }
        Ok(NativeClient { inner: builder.retry(retry).build().js()? })
    }

    /// The same client acting for the user of `authToken` (shares the connection pool).
    #[napi]
    pub fn with_auth_token(&self, auth_token: String) -> NativeClient {
        NativeClient { inner: self.inner.with_auth_token(auth_token) }
    }

    #[napi]
    pub async fn healthz(&self) -> Result<()> {
        self.inner.healthz().await.js()
    }

    #[napi]
    pub async fn readyz(&self) -> Result<()> {
        self.inner.readyz().await.js()
    }

    #[napi(ts_return_type = "Promise<ApiCreatedUser>")]
    pub async fn create_user(&self, user: CreateUserInput) -> Result<Value> {
        let u = user;
        let body = CreateUser {
            uid: u.uid,
            name: u.name,
            avatar: u.avatar,
            link: u.link,
            role: u.role,
            status_message: u.status_message,
            metadata: u.metadata.map(whole_numbers),
            tags: u.tags,
            with_auth_token: u.with_auth_token.unwrap_or_default(),
        };
        to_value(&self.inner.create_user(&body).await.js()?)
    }

    #[napi(ts_return_type = "Promise<ApiUser>")]
    pub async fn get_user(&self, uid: String) -> Result<Value> {
        to_value(&self.inner.get_user(&uid).await.js()?)
    }

    #[napi(ts_return_type = "Promise<Ack>")]
    pub async fn delete_user(&self, uid: String) -> Result<Value> {
        to_value(&self.inner.delete_user(&uid).await.js()?)
    }

    #[napi(ts_return_type = "Promise<ApiAuthToken>")]
    pub async fn create_auth_token(
        &self,
        uid: String,
        meta: Option<AuthTokenMeta>,
        options: Option<CreateAuthTokenOptions>,
    ) -> Result<Value> {
        let force = options.and_then(|o| o.force).unwrap_or_default();
        to_value(&self.inner.create_auth_token(&uid, &token_meta(meta), force).await.js()?)
    }

    /// `{ items, pagination }`; `page` counts from 1 (default 1), `perPage` default 100.
    #[napi(ts_return_type = "Promise<ApiAuthTokenPage>")]
    pub async fn list_auth_tokens(&self, uid: String, page: Option<f64>, per_page: Option<f64>) -> Result<Value> {
        let page = whole_opt("page", page)?.unwrap_or(1);
        let per_page = whole_opt("per_page", per_page)?.unwrap_or(100);
        let p = self.inner.list_auth_tokens(&uid, page, per_page).await.js()?;
        Ok(serde_json::json!({ "items": to_value(&p.items)?, "pagination": to_value(&p.pagination)? }))
    }

    #[napi(ts_return_type = "Promise<ApiAuthToken[]>")]
    pub async fn list_all_auth_tokens(&self, uid: String) -> Result<Value> {
        to_value(&self.inner.list_all_auth_tokens(&uid).await.js()?)
    }

    #[napi(ts_return_type = "Promise<ApiAuthToken>")]
    pub async fn get_auth_token(&self, uid: String, token_or_id: String) -> Result<Value> {
        to_value(&self.inner.get_auth_token(&uid, &token_or_id).await.js()?)
    }

    #[napi(ts_return_type = "Promise<ApiAuthToken>")]
    pub async fn update_auth_token(&self, uid: String, token_or_id: String, meta: AuthTokenMeta) -> Result<Value> {
        to_value(&self.inner.update_auth_token(&uid, &token_or_id, &token_meta(Some(meta))).await.js()?)
    }

    #[napi(ts_return_type = "Promise<Ack>")]
    pub async fn delete_auth_token(&self, uid: String, token_or_id: String) -> Result<Value> {
        to_value(&self.inner.delete_auth_token(&uid, &token_or_id).await.js()?)
    }

    #[napi(ts_return_type = "Promise<Ack>")]
    pub async fn flush_auth_tokens(&self, uid: String) -> Result<Value> {
        to_value(&self.inner.flush_auth_tokens(&uid).await.js()?)
    }

    #[napi(ts_return_type = "Promise<Me>")]
    pub async fn login(&self, meta: Option<AuthTokenMeta>) -> Result<Value> {
        to_value(&self.inner.login(&token_meta(meta)).await.js()?)
    }

    #[napi(ts_return_type = "Promise<Me>")]
    pub async fn me(&self) -> Result<Value> {
        to_value(&self.inner.me().await.js()?)
    }

    #[napi(ts_return_type = "Promise<Ack>")]
    pub async fn logout(&self) -> Result<Value> {
        to_value(&self.inner.logout().await.js()?)
    }

    #[napi(ts_return_type = "Promise<Ack>")]
    pub async fn register_push(&self, tokens: PushTokensInput) -> Result<Value> {
        let t = tokens;
        let tokens = PushTokens { fcm_token: t.fcm_token, apns_token: t.apns_token, voip_token: t.voip_token };
        to_value(&self.inner.register_push(&tokens).await.js()?)
    }

    #[napi(ts_return_type = "Promise<PushList>")]
    pub async fn list_push(&self) -> Result<Value> {
        to_value(&self.inner.list_push().await.js()?)
    }

    #[napi(ts_return_type = "Promise<Ack>")]
    pub async fn delete_push(&self, options: Option<DeletePushOptions>) -> Result<Value> {
        let all = options.and_then(|o| o.all).unwrap_or_default();
        to_value(&self.inner.delete_push(all).await.js()?)
    }

    /// A signed TokenRequest (sent without credentials) or TokenParams (sent with the Ably key).
    #[napi(ts_args_type = "request?: TokenRequest | TokenParamsInput", ts_return_type = "Promise<TokenDetails>")]
    pub async fn request_token(&self, request: Option<Value>) -> Result<Value> {
        let ask = token_ask(request).js()?;
        to_value(&self.inner.request_token(ask).await.js()?)
    }

    #[napi(ts_return_type = "Promise<BatchResult>")]
    pub async fn revoke_tokens(&self, targets: Vec<String>, options: Option<RevokeSubjectOptions>) -> Result<Value> {
        let (issued_before, margin) = options.map_or((None, None), |o| (o.issued_before, o.allow_reauth_margin));
        let options = RevokeOptions {
            issued_before: whole_opt("issued_before", issued_before)?,
            allow_reauth_margin: margin.unwrap_or_default(),
        };
        to_value(&self.inner.revoke_tokens(&targets, options).await.js()?)
    }

    /// The server's clock, Unix ms.
    #[napi]
    pub async fn time(&self) -> Result<f64> {
        Ok(self.inner.time().await.js()? as f64)
    }

    /// What `/auth/ably` hands an Ably client: a TokenRequest, TokenDetails or a token string.
    #[napi(
        ts_args_type = "params?: TokenParamsInput",
        ts_return_type = "Promise<TokenRequest | TokenDetails | string>"
    )]
    pub async fn auth_ably(&self, params: Option<Value>) -> Result<Value> {
        let params = params.map(|p| token_params(&whole_numbers(p))).transpose().js()?;
        Ok(match self.inner.auth_ably(params.as_ref()).await.js()? {
            client::AblyAuth::Request(r) => to_value(&r)?,
            client::AblyAuth::Details(d) => to_value(&d)?,
            client::AblyAuth::Token(t) => Value::String(t),
        })
    }

    #[napi]
    pub async fn generate_user_token(&self, user_uuid: String, expire: f64) -> Result<String> {
        self.inner.generate_user_token(&user_uuid, whole("expire", expire)?).await.js()
    }

    #[napi]
    pub async fn generate_app_token(&self, expire: f64) -> Result<String> {
        self.inner.generate_app_token(whole("expire", expire)?).await.js()
    }

    #[napi(ts_args_type = "userId: string, expireSeconds: number, tokenType?: 'user' | 'app'")]
    pub async fn token_generate(
        &self,
        user_id: String,
        expire_seconds: f64,
        token_type: Option<String>,
    ) -> Result<String> {
        let kind = match token_type.as_deref() {
            None | Some("user") => AgoraTokenType::User,
            Some("app") => AgoraTokenType::App,
            Some(_) => return Err(invalid("token_type", "must be 'user' or 'app'")).js(),
        };
        self.inner.token_generate(&user_id, whole("expire_seconds", expire_seconds)?, kind).await.js()
    }
}
