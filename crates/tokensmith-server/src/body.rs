//! Request bodies and parameters, with every failure a typed 4xx.
//!
//! - [`Json`]: a required JSON body (or MessagePack, which Ably's Node SDK sends by default);
//!   [`RawJson`] the same, kept as bytes so the handler's fields can borrow from it.
//! - [`OptionalJson`]: CometChat bodies where "no body" (and the `[]` some clients send) means
//!   "no fields".
//! - [`Params`]: query string merged with a form or JSON body, for the routes that Ably's
//!   `authUrl` and Agora's sample clients call either way.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use bytes::BytesMut;
use http_body_util::{BodyExt, LengthLimitError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

pub struct Json<T>(pub T);

/// A required JSON or MessagePack body, not yet decoded: see [`RawJson::parse`].
pub struct RawJson {
    mime: Option<Mime>,
    body: Bytes,
}

pub struct OptionalJson<T>(pub T);

/// Parameters by name; the body's values win over the query string's.
pub struct Params(pub BTreeMap<String, String>);

/// The query string alone (for routes whose body means something else, or nothing).
pub struct Query(pub Params);

/// The body formats told apart by `Content-Type` (its media type, case-insensitive).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mime {
    /// `application/json` or any `application/…+json`.
    Json,
    MsgPack,
    Form,
    Other,
}

fn mime(headers: &HeaderMap) -> Option<Mime> {
    let v = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let m = v.split(';').next().unwrap_or_default().trim();
    let is = |name: &str| m.eq_ignore_ascii_case(name);
    let ends_json = m.len() >= 5 && m.is_char_boundary(m.len() - 5) && m[m.len() - 5..].eq_ignore_ascii_case("+json");
    let application = m.len() >= 12 && m.is_char_boundary(12) && m[..12].eq_ignore_ascii_case("application/");
    Some(match () {
        () if is("application/json") || (application && ends_json) => Mime::Json,
        () if is("application/x-msgpack") => Mime::MsgPack,
        () if is("application/x-www-form-urlencoded") => Mime::Form,
        () => Mime::Other,
    })
}

/// A JSON or MessagePack body as `T`; any other content type is a 415.
fn decode<'a, T: Deserialize<'a>>(mime: Option<Mime>, body: &'a [u8]) -> Result<T, ApiError> {
    match mime {
        Some(Mime::MsgPack) => rmp_serde::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("The MessagePack body is not valid: {e}"))),
        Some(Mime::Json) => parse(body),
        _ => Err(unsupported()),
    }
}

/// The body's format and bytes (the format read first: the headers go with the request).
async fn bytes<S: Send + Sync>(req: Request, _: &S) -> Result<(Option<Mime>, Bytes), ApiError> {
    let mime = mime(req.headers());
    Ok((mime, collect(req.into_body()).await?))
}

/// The whole body. Its size is capped by [`crate::body_cap`]; a body that arrives in one piece
/// (any small one with a `Content-Length`) is passed on without a copy.
async fn collect(mut body: Body) -> Result<Bytes, ApiError> {
    let mut first = Bytes::new();
    let mut more: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|e| body_error(&e))?.into_data() else {
            continue; // trailers
        };
        match &mut more {
            Some(buf) => buf.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                let mut buf = BytesMut::with_capacity(first.len() + data.len());
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&data);
                more = Some(buf);
            }
        }
    }
    Ok(more.map_or(first, BytesMut::freeze))
}

/// 413 when the cap stopped the body (as axum's extractors tell it), else 400.
fn body_error(e: &axum::Error) -> ApiError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<LengthLimitError>() {
            return ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE);
        }
        source = err.source();
    }
    ApiError::from_status(StatusCode::BAD_REQUEST)
}

fn unsupported() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "ERR_UNSUPPORTED_MEDIA_TYPE",
        "Send the body as application/json.",
    )
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("The JSON body is not valid: {e}")))
}

/// Whitespace only counts as no body.
fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

impl<S: Send + Sync> FromRequest<S> for RawJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (mime, body) = bytes(req, state).await?;
        if is_blank(&body) {
            return Err(ApiError::bad_request("A JSON body is required."));
        }
        Ok(RawJson { mime, body })
    }
}

impl RawJson {
    /// The body as `T`, whose strings may borrow from it; the errors of [`Json`].
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, ApiError> {
        decode(self.mime, &self.body)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        RawJson::from_request(req, state).await?.parse().map(Json)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (mime, body) = bytes(req, state).await?;
        if is_blank(&body) {
            return Ok(OptionalJson(T::default()));
        }
        // Straight into `T` when that works; the slower path below gives the same result and
        // decides the `[]` case and the error messages.
        if mime == Some(Mime::Json)
            && let Ok(t) = serde_json::from_slice(&body)
        {
            return Ok(OptionalJson(t));
        }
        let value: Value = decode(mime, &body)?;
        // CometChat accepts `[]` as "no fields" (its recorded PHP client sends it).
        if value.as_array().is_some_and(Vec::is_empty) {
            return Ok(OptionalJson(T::default()));
        }
        serde_json::from_value(value)
            .map(OptionalJson)
            .map_err(|e| ApiError::bad_request(format!("The body does not have the expected shape: {e}")))
    }
}

fn query_pairs(query: Option<&str>) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect()
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Query(Params(query_pairs(parts.uri.query()))))
    }
}

impl std::ops::Deref for Query {
    type Target = Params;
    fn deref(&self) -> &Params {
        &self.0
    }
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let mut params = query_pairs(req.uri().query());
        let (mime, body) = bytes(req, state).await?;
        if is_blank(&body) {
            return Ok(Params(params));
        }
        match mime {
            Some(Mime::Form) => params.extend(form_urlencoded::parse(&body).into_owned()),
            Some(Mime::Json) => {
                let Value::Object(fields) = parse::<Value>(&body)? else {
                    return Err(ApiError::bad_request("The JSON body must be an object."));
                };
                for (k, v) in fields {
                    match v {
                        Value::Null => {}
                        Value::String(s) => {
                            params.insert(k, s);
                        }
                        // Numbers, booleans, and objects such as an Ably capability, as JSON text.
                        other => {
                            params.insert(k, other.to_string());
                        }
                    }
                }
            }
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "ERR_UNSUPPORTED_MEDIA_TYPE",
                    "Send parameters in the query string, or as application/x-www-form-urlencoded or JSON.",
                ));
            }
        }
        Ok(Params(params))
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// A whole number parameter; absent is `None`, anything but decimal digits is a 400.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.bytes().all(|b| b.is_ascii_digit()) => {
                v.parse().map(Some).map_err(|_| ApiError::invalid_field(name, "is out of range"))
            }
            Some(_) => Err(ApiError::invalid_field(name, "must be a whole number")),
        }
    }

    /// `true`/`false` (or `1`/`0`); absent is `None`, anything else a 400.
    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_field(name, "must be true or false")),
        }
    }
}
