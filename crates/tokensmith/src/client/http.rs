//! The one send path: credentials, timeout, retries, body limit, error mapping.
//!
//! Retries: a 429 is retried for every call (the server refused it unprocessed); a 503, a
//! timeout, or a connection that failed after the request went out only for idempotent calls
//! (the request may have been applied: a repeated signed TokenRequest would be a replayed nonce,
//! a repeated create a second token). A connection that could not be opened sent nothing, so
//! it is retried for every call.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Ack, Client, remote, retry};
use crate::error::{Error, Result};

/// Largest response body read (a misbehaving server cannot exhaust memory).
const MAX_BODY: usize = 4 << 20;

/// Which credential a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    None,
    /// `apikey` (+ `appid`): admin routes.
    ApiKey,
    /// `authtoken` (+ `appid`): client routes.
    AuthToken,
    /// HTTP Basic with the Ably key.
    AblyKey,
    /// The API key when the client has one, else the auth token (the Agora token server).
    Any,
}

/// One request, before credentials.
pub(crate) struct Call<'a> {
    pub method: Method,
    pub url: Url,
    pub credential: Credential,
    pub body: Option<Vec<u8>>,
    /// Safe to repeat when an attempt's outcome is unknown.
    pub idempotent: bool,
    /// Retry at all (health checks report the state of the moment).
    pub retry: bool,
    /// Secrets the call carries beyond the client's credentials (a raw token in the path).
    pub secrets: Vec<&'a str>,
    /// The user the call is about, for the uid error kinds.
    pub uid: Option<&'a str>,
    /// Sends `X-Ably-Version` (Ably's REST shape depends on it).
    pub ably: bool,
    /// The body's media type (default JSON).
    pub content_type: &'static str,
    pub accept: &'static str,
    /// Sent as given, after the credential headers (an authUrl's `authHeaders`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, url: Url, credential: Credential) -> Self {
        let idempotent = method != Method::POST;
        Call {
            method,
            url,
            credential,
            body: None,
            idempotent,
            retry: true,
            secrets: Vec::new(),
            uid: None,
            ably: false,
            content_type: "application/json",
            accept: "application/json",
            headers: Vec::new(),
        }
    }

    pub fn json(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::invalid("body", e))?;
        self.body = Some(bytes);
        Ok(self)
    }

    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    pub fn no_retry(mut self) -> Self {
        self.retry = false;
        self
    }

    pub fn secret(mut self, s: &'a str) -> Self {
        self.secrets.push(s);
        self
    }

    pub fn uid(mut self, uid: &'a str) -> Self {
        self.uid = Some(uid);
        self
    }

    pub fn ably(mut self) -> Self {
        self.ably = true;
        self
    }
}

/// A 2xx response, read whole.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| remote::undecodable(self.status, &e))
    }

    /// The `data` member of CometChat's envelope.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T> {
        #[derive(serde::Deserialize)]
        struct Envelope<T> {
            data: T,
        }
        self.json::<Envelope<T>>().map(|e| e.data)
    }

    /// The answer of a delete, flush, logout or push call: `{"data": {"success", "message"}}`
    /// from CometChat, but servers differ (`{"data": null}`, no envelope, a 204 with no body),
    /// and any 2xx is a success.
    pub fn ack(&self) -> Result<Ack> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Ack { success: true, message: None });
        }
        let v: Value = self.json()?;
        let inner = match v.get("data") {
            Some(data) => data.clone(),
            None => v,
        };
        Ok(serde_json::from_value(inner).unwrap_or(Ack { success: true, message: None }))
    }

    pub fn is_json(&self) -> bool {
        self.content_type.starts_with("application/json") || self.content_type.contains("+json")
    }
}

/// Why an attempt produced no response.
struct Failure {
    error: Error,
    /// The request may have reached the server.
    maybe_sent: bool,
    /// Another attempt might go better.
    transient: bool,
}

impl Client {
    /// Sends `call`, retrying per the policy; a 2xx reply or the mapped error.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<Reply> {
        let headers = self.headers(&call)?;
        let policy = &self.inner.retry;
        let attempts = if call.retry { policy.max_attempts.max(1) } else { 1 };
        let mut attempt = 1;
        loop {
            let retry_in = match self.attempt(&call, &headers).await {
                Ok((status, _, reply)) if status.is_success() => return Ok(reply),
                Ok((status, resp_headers, reply)) => {
                    let asked = retry::retry_after(&resp_headers, &self.inner.ctx);
                    let again = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::SERVICE_UNAVAILABLE && call.idempotent);
                    match asked {
                        _ if !again || attempt >= attempts => None,
                        Some(wait) if wait > policy.max_retry_after => None,
                        Some(wait) => Some(wait),
                        None => Some(policy.backoff(attempt - 1, &self.inner.ctx)),
                    }
                    .ok_or_else(|| self.refusal(&call, status, &resp_headers, &reply, asked))?
                }
                Err(Failure { error, maybe_sent, transient }) => {
                    if !transient || attempt >= attempts || (maybe_sent && !call.idempotent) {
                        return Err(error);
                    }
                    policy.backoff(attempt - 1, &self.inner.ctx)
                }
            };
            self.inner.sleeper.sleep(retry_in).await;
            attempt += 1;
        }
    }

    /// The error for a non-2xx reply.
    fn refusal(
        &self,
        call: &Call<'_>,
        status: StatusCode,
        headers: &HeaderMap,
        reply: &Reply,
        asked: Option<Duration>,
    ) -> Error {
        let ably_code = headers.get("x-ably-errorcode").and_then(|v| v.to_str().ok());
        let text = reply.content_type.starts_with("text/plain");
        let secrets = self.secrets(call);
        remote::from_response(status.as_u16(), ably_code, text, &reply.body, &secrets, call.uid, asked)
    }

    async fn attempt(&self, call: &Call<'_>, headers: &HeaderMap) -> Result<(StatusCode, HeaderMap, Reply), Failure> {
        let mut req = self.inner.http.request(call.method.clone(), call.url.clone()).headers(headers.clone());
        if let Some(body) = &call.body {
            req = req.header(CONTENT_TYPE, call.content_type).body(body.clone());
        }
        let mut resp = req.timeout(self.inner.timeout).send().await.map_err(|e| self.failure(call, e))?;
        let status = resp.status();
        let resp_headers = std::mem::take(resp.headers_mut());
        let content_type =
            resp_headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.failure(call, e))? {
            if body.len() + chunk.len() > MAX_BODY {
                let error = Error::HttpError(format!("the response body is over {} MiB", MAX_BODY >> 20));
                return Err(Failure { error, maybe_sent: true, transient: false });
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, resp_headers, Reply { status: status.as_u16(), content_type, body }))
    }

    /// A transport error as NETWORK_ERROR or REQUEST_TIMEOUT, without the URL (a raw token
    /// can be a path segment) or any credential.
    fn failure(&self, call: &Call<'_>, e: reqwest::Error) -> Failure {
        let maybe_sent = !e.is_connect();
        if e.is_timeout() {
            let after_ms = u64::try_from(self.inner.timeout.as_millis()).unwrap_or(u64::MAX);
            return Failure { error: Error::RequestTimeout { after_ms }, maybe_sent, transient: true };
        }
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        let host = call.url.host_str().unwrap_or_default();
        let port = call.url.port_or_known_default().unwrap_or_default();
        let text = format!("{host}:{port}: {text}");
        Failure { error: Error::Network(remote::redact(&text, &self.secrets(call))), maybe_sent, transient: true }
    }

    /// Every credential this call could echo back.
    fn secrets<'s>(&'s self, call: &Call<'s>) -> Vec<&'s str> {
        let i = &self.inner;
        let mut all: Vec<&str> = call.secrets.clone();
        all.extend(i.api_key.as_ref().map(|s| s.expose()));
        all.extend(self.auth_token.as_ref().map(|s| s.expose()));
        all.extend(i.ably_key.as_ref().map(|k| k.secret.expose()));
        all
    }

    fn headers(&self, call: &Call<'_>) -> Result<HeaderMap> {
        let i = &self.inner;
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static(call.accept));
        if call.ably {
            h.insert("x-ably-version", HeaderValue::from_static("6"));
        }
        let missing =
            |field, what| Error::invalid(field, format!("this call needs {what}: set it on the ClientBuilder"));
        let auth = match call.credential {
            Credential::Any if i.api_key.is_some() => Credential::ApiKey,
            Credential::Any if self.auth_token.is_some() => Credential::AuthToken,
            Credential::Any => return Err(missing("api_key", "an API key or an auth token")),
            other => other,
        };
        match auth {
            Credential::None | Credential::Any => {}
            Credential::ApiKey => {
                let key = i.api_key.as_ref().ok_or_else(|| missing("api_key", "an API key"))?;
                h.insert("apikey", sensitive(key.expose(), "api_key")?);
            }
            Credential::AuthToken => {
                let token = self.auth_token.as_ref().ok_or_else(|| missing("auth_token", "an auth token"))?;
                h.insert("authtoken", sensitive(token.expose(), "auth_token")?);
            }
            Credential::AblyKey => {
                let key = i.ably_key.as_ref().ok_or_else(|| missing("ably_key", "an Ably key"))?;
                let basic = format!("Basic {}", STANDARD.encode(format!("{}:{}", key.name, key.secret.expose())));
                h.insert(AUTHORIZATION, sensitive(&basic, "ably_key")?);
            }
        }
        if matches!(auth, Credential::ApiKey | Credential::AuthToken)
            && let Some(app) = &i.app_id
        {
            h.insert(HeaderName::from_static("appid"), HeaderValue::from_str(app).map_err(|_| bad_header("app_id"))?);
        }
        for (name, value) in &call.headers {
            h.insert(name.clone(), value.clone());
        }
        Ok(h)
    }
}

/// A header value marked sensitive (kept out of reqwest's and hyper's debug output).
pub(crate) fn sensitive(value: &str, field: &'static str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| bad_header(field))?;
    v.set_sensitive(true);
    Ok(v)
}

pub(crate) fn bad_header(field: &'static str) -> Error {
    Error::invalid(field, "must be visible ASCII (it is sent as an HTTP header)")
}
