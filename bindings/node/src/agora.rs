//! `agora.*`: AccessToken2 chat tokens.

use napi::Result;
use napi_derive::napi;
use serde_json::Value;
use tokensmith::agora::{self, ChatTokenParams};

use crate::convert::{context, to_value, whole, whole_opt};
use crate::errors::IntoJs;

#[napi(object)]
pub struct ChatUserTokenOptions {
    pub app_id: String,
    pub app_certificate: String,
    pub user_id: String,
    /// Seconds of validity from `issueTs` (at most 86400).
    pub expire: f64,
    /// Unix seconds; defaults to now.
    pub issue_ts: Option<f64>,
    /// 1..=99999999; defaults to a CSPRNG value.
    pub salt: Option<f64>,
}

#[napi(object)]
pub struct ChatAppTokenOptions {
    pub app_id: String,
    pub app_certificate: String,
    pub expire: f64,
    pub issue_ts: Option<f64>,
    pub salt: Option<f64>,
}

#[napi(object)]
pub struct VerifyOptions {
    /// Unix seconds; defaults to now.
    pub now: Option<f64>,
}

fn params<'a>(
    app_id: &'a str,
    cert: &'a str,
    expire: f64,
    issue_ts: Option<f64>,
    salt: Option<f64>,
) -> Result<ChatTokenParams<'a>> {
    Ok(ChatTokenParams {
        app_id,
        app_certificate: cert,
        expire: whole("expire", expire)?,
        issue_ts: whole_opt("issue_ts", issue_ts)?,
        salt: whole_opt("salt", salt)?,
    })
}

#[napi(namespace = "agora")]
pub fn build_chat_user_token(options: ChatUserTokenOptions) -> Result<String> {
    let o = options;
    let p = params(&o.app_id, &o.app_certificate, o.expire, o.issue_ts, o.salt)?;
    agora::build_chat_user_token(&context(), &p, &o.user_id).js()
}

#[napi(namespace = "agora")]
pub fn build_chat_app_token(options: ChatAppTokenOptions) -> Result<String> {
    let o = options;
    let p = params(&o.app_id, &o.app_certificate, o.expire, o.issue_ts, o.salt)?;
    agora::build_chat_app_token(&context(), &p).js()
}

#[napi(namespace = "agora", ts_return_type = "AccessToken2")]
pub fn parse(token: String) -> Result<Value> {
    to_value(&agora::parse(&token).js()?)
}

#[napi(namespace = "agora", ts_return_type = "AccessToken2")]
pub fn verify(
    token: String,
    app_certificate: String,
    options: Option<VerifyOptions>,
) -> Result<Value> {
    let now = whole_opt("now", options.and_then(|o| o.now))?;
    to_value(&agora::verify(&context(), &token, &app_certificate, now).js()?)
}
