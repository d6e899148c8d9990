//! `Client`: the REST client of the tokensmith service (also CometChat's hosted API and Ably's
//! token endpoints). Each method checks its arguments at once and returns a `Call` (see
//! `runtime.rs`) that `tokensmith.Client` waits for and `tokensmith.AsyncClient` awaits. Results
//! are the core client's JSON shapes (camelCase keys, as in Node).

use std::future::Future;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyString;
use tokensmith::ably::{Key, TokenRequest};
use tokensmith::client::{self, AgoraTokenType, CreateUser, RetryPolicy, TokenAsk};
use tokensmith::service::{PushTokens, RevokeOptions};
use tokensmith::store::TokenMeta;
use tokensmith::{Error, Result};

use crate::ably::params;
use crate::convert::{Int, py_to_value, to_py, whole, whole_opt};
use crate::errors::IntoPy;
use crate::runtime::{Call, Convert, json};

#[pyclass(frozen, module = "tokensmith._native")]
pub struct Client {
    inner: client::Client,
}

fn ms(field: &'static str, v: Option<Int>) -> PyResult<Option<Duration>> {
    Ok(whole_opt::<u64>(field, v)?.map(Duration::from_millis))
}

fn meta(
    platform: Option<String>,
    user_agent: Option<String>,
    app_info: Option<&Bound<'_, PyAny>>,
    device_id: Option<String>,
) -> PyResult<TokenMeta> {
    let app_info = app_info.map(py_to_value).transpose()?;
    Ok(TokenMeta { platform, user_agent, app_info, device_id })
}

impl Client {
    /// A `Call` running `op` on a clone of the client.
    fn call<F, Fut>(&self, op: F) -> Call
    where
        F: FnOnce(client::Client) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Convert>> + Send + 'static,
    {
        let c = self.inner.clone();
        Call::new(Box::pin(async move { op(c).await }))
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (base_url, *, api_key=None, app_id=None, auth_token=None, ably_key=None, timeout_ms=None, retries=None, max_retry_after_ms=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        base_url: &str,
        api_key: Option<String>,
        app_id: Option<String>,
        auth_token: Option<String>,
        ably_key: Option<&str>,
        timeout_ms: Option<Int>,
        retries: Option<Int>,
        max_retry_after_ms: Option<Int>,
    ) -> PyResult<Self> {
        let mut builder = client::Client::builder(base_url);
        if let Some(key) = api_key {
            builder = builder.api_key(key);
        }
        if let Some(app_id) = app_id {
            builder = builder.app_id(app_id);
        }
        if let Some(token) = auth_token {
            builder = builder.auth_token(token);
        }
        if let Some(key) = ably_key {
            builder = builder.ably_key(Key::parse(key).py()?);
        }
        if let Some(timeout) = ms("timeout_ms", timeout_ms)? {
            builder = builder.timeout(timeout);
        }
        let mut retry = RetryPolicy::default();
        if let Some(retries) = whole_opt::<u32>("retries", retries)? {
            retry.max_attempts = retries.saturating_add(1);
        }
        if let Some(max) = ms("max_retry_after_ms", max_retry_after_ms)? {
            retry.max_retry_after = max;
        }
        Ok(Client { inner: builder.retry(retry).build().py()? })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let root = self.inner.endpoints().root.to_string();
        Ok(format!("Client({})", PyString::new(py, root.trim_end_matches('/')).repr()?))
    }

    fn with_auth_token(&self, auth_token: String) -> Client {
        Client { inner: self.inner.with_auth_token(auth_token) }
    }

    fn healthz(&self) -> Call {
        self.call(|c| async move { json(c.healthz().await) })
    }

    fn readyz(&self) -> Call {
        self.call(|c| async move { json(c.readyz().await) })
    }

    #[pyo3(signature = (uid, name, *, avatar=None, link=None, role=None, status_message=None, metadata=None, tags=None, with_auth_token=false))]
    #[allow(clippy::too_many_arguments)]
    fn create_user(
        &self,
        uid: String,
        name: String,
        avatar: Option<String>,
        link: Option<String>,
        role: Option<String>,
        status_message: Option<String>,
        metadata: Option<&Bound<'_, PyAny>>,
        tags: Option<Vec<String>>,
        with_auth_token: bool,
    ) -> PyResult<Call> {
        let metadata = metadata.map(py_to_value).transpose()?;
        let user = CreateUser { uid, name, avatar, link, role, status_message, metadata, tags, with_auth_token };
        Ok(self.call(|c| async move { json(c.create_user(&user).await) }))
    }

    fn get_user(&self, uid: String) -> Call {
        self.call(|c| async move { json(c.get_user(&uid).await) })
    }

    fn delete_user(&self, uid: String) -> Call {
        self.call(|c| async move { json(c.delete_user(&uid).await) })
    }

    #[pyo3(signature = (uid, *, platform=None, user_agent=None, app_info=None, device_id=None, force=false))]
    fn create_auth_token(
        &self,
        uid: String,
        platform: Option<String>,
        user_agent: Option<String>,
        app_info: Option<&Bound<'_, PyAny>>,
        device_id: Option<String>,
        force: bool,
    ) -> PyResult<Call> {
        let meta = meta(platform, user_agent, app_info, device_id)?;
        Ok(self.call(move |c| async move { json(c.create_auth_token(&uid, &meta, force).await) }))
    }

    /// `{"items": [...], "pagination": {...}}`.
    #[pyo3(signature = (uid, *, page=None, per_page=None))]
    fn list_auth_tokens(&self, uid: String, page: Option<Int>, per_page: Option<Int>) -> PyResult<Call> {
        let page = whole_opt("page", page)?.unwrap_or(1);
        let per_page = whole_opt("per_page", per_page)?.unwrap_or(100);
        Ok(self.call(move |c| async move {
            let p = c.list_auth_tokens(&uid, page, per_page).await?;
            json(Ok(serde_json::json!({ "items": p.items, "pagination": p.pagination })))
        }))
    }

    fn list_all_auth_tokens(&self, uid: String) -> Call {
        self.call(|c| async move { json(c.list_all_auth_tokens(&uid).await) })
    }

    fn get_auth_token(&self, uid: String, token_or_id: String) -> Call {
        self.call(|c| async move { json(c.get_auth_token(&uid, &token_or_id).await) })
    }

    #[pyo3(signature = (uid, token_or_id, *, platform=None, user_agent=None, app_info=None, device_id=None))]
    fn update_auth_token(
        &self,
        uid: String,
        token_or_id: String,
        platform: Option<String>,
        user_agent: Option<String>,
        app_info: Option<&Bound<'_, PyAny>>,
        device_id: Option<String>,
    ) -> PyResult<Call> {
        let meta = meta(platform, user_agent, app_info, device_id)?;
        Ok(self.call(move |c| async move { json(c.update_auth_token(&uid, &token_or_id, &meta).await) }))
    }

    fn delete_auth_token(&self, uid: String, token_or_id: String) -> Call {
        self.call(|c| async move { json(c.delete_auth_token(&uid, &token_or_id).await) })
    }

    fn flush_auth_tokens(&self, uid: String) -> Call {
        self.call(|c| async move { json(c.flush_auth_tokens(&uid).await) })
    }

    #[pyo3(signature = (*, platform=None, user_agent=None, app_info=None, device_id=None))]
    fn login(
        &self,
        platform: Option<String>,
        user_agent: Option<String>,
        app_info: Option<&Bound<'_, PyAny>>,
        device_id: Option<String>,
    ) -> PyResult<Call> {
        let meta = meta(platform, user_agent, app_info, device_id)?;
        Ok(self.call(move |c| async move { json(c.login(&meta).await) }))
    }

    fn me(&self) -> Call {
        self.call(|c| async move { json(c.me().await) })
    }

    fn logout(&self) -> Call {
        self.call(|c| async move { json(c.logout().await) })
    }

    #[pyo3(signature = (*, fcm_token=None, apns_token=None, voip_token=None))]
    fn register_push(&self, fcm_token: Option<String>, apns_token: Option<String>, voip_token: Option<String>) -> Call {
        let tokens = PushTokens { fcm_token, apns_token, voip_token };
        self.call(move |c| async move { json(c.register_push(&tokens).await) })
    }

    fn list_push(&self) -> Call {
        self.call(|c| async move { json(c.list_push().await) })
    }

    #[pyo3(signature = (*, all=false))]
    fn delete_push(&self, all: bool) -> Call {
        self.call(move |c| async move { json(c.delete_push(all).await) })
    }

    /// A signed TokenRequest dict (sent without credentials), else the TokenParams given as
    /// keywords (sent with the client's Ably key).
    #[pyo3(signature = (request=None, *, ttl=None, capability=None, client_id=None, timestamp=None, nonce=None))]
    #[allow(clippy::too_many_arguments)]
    fn request_token(
        &self,
        request: Option<&Bound<'_, PyAny>>,
        ttl: Option<Int>,
        capability: Option<&Bound<'_, PyAny>>,
        client_id: Option<String>,
        timestamp: Option<Int>,
        nonce: Option<String>,
    ) -> PyResult<Call> {
        let ask = match request {
            Some(r) => {
                let request: TokenRequest = serde_json::from_value(py_to_value(r)?)
                    .map_err(|e| Error::MalformedToken { field: "token_request", reason: e.to_string(), vendor: None })
                    .py()?;
                TokenAsk::Signed(request)
            }
            None => TokenAsk::Params(params(ttl, capability, client_id, timestamp, nonce)?),
        };
        Ok(self.call(move |c| async move { json(c.request_token(ask).await) }))
    }

    #[pyo3(signature = (targets, *, issued_before=None, allow_reauth_margin=false))]
    fn revoke_tokens(
        &self,
        targets: Vec<String>,
        issued_before: Option<Int>,
        allow_reauth_margin: bool,
    ) -> PyResult<Call> {
        let options = RevokeOptions { issued_before: whole_opt("issued_before", issued_before)?, allow_reauth_margin };
        Ok(self.call(move |c| async move { json(c.revoke_tokens(&targets, options).await) }))
    }

    fn time(&self) -> Call {
        self.call(|c| async move { json(c.time().await) })
    }

    /// What `/auth/ably` answers: a TokenRequest or TokenDetails dict, or a token string.
    #[pyo3(signature = (*, ttl=None, capability=None, client_id=None))]
    fn auth_ably(
        &self,
        ttl: Option<Int>,
        capability: Option<&Bound<'_, PyAny>>,
        client_id: Option<String>,
    ) -> PyResult<Call> {
        let given = ttl.is_some() || capability.is_some() || client_id.is_some();
        let p = given.then(|| params(ttl, capability, client_id, None, None)).transpose()?;
        Ok(self.call(move |c| async move {
            let answer = c.auth_ably(p.as_ref()).await?;
            Ok(Box::new(move |py: Python<'_>| {
                Ok(match &answer {
                    client::AblyAuth::Request(r) => to_py(py, r)?.unbind(),
                    client::AblyAuth::Details(d) => to_py(py, d)?.unbind(),
                    client::AblyAuth::Token(t) => PyString::new(py, t).into_any().unbind(),
                })
            }) as Convert)
        }))
    }

    fn generate_user_token(&self, user_uuid: String, expire: Int) -> PyResult<Call> {
        let expire = whole("expire", expire)?;
        Ok(self.call(move |c| async move { json(c.generate_user_token(&user_uuid, expire).await) }))
    }

    fn generate_app_token(&self, expire: Int) -> PyResult<Call> {
        let expire = whole("expire", expire)?;
        Ok(self.call(move |c| async move { json(c.generate_app_token(expire).await) }))
    }

    #[pyo3(signature = (user_id, expire_seconds, token_type="user"))]
    fn token_generate(&self, user_id: String, expire_seconds: Int, token_type: &str) -> PyResult<Call> {
        let expire = whole("expire_seconds", expire_seconds)?;
        let kind = match token_type {
            "user" => AgoraTokenType::User,
            "app" => AgoraTokenType::App,
            _ => {
                let reason = "must be 'user' or 'app'".into();
                return Err(Error::InvalidArgument { field: "token_type", reason }).py();
            }
        };
        Ok(self.call(move |c| async move { json(c.token_generate(&user_id, expire, kind).await) }))
    }
}
