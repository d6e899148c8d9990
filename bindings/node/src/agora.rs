//! `agora.*`: AccessToken2 chat tokens. The JS layer passes the fields of the options objects
//! positionally (see `convert::field`).

use napi::Result;
use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use serde_json::Value;
use tokensmith::agora::{self, ChatTokenParams};

use crate::convert::{At, context, field, required, to_value, whole, whole_opt};
use crate::errors::IntoJs;

/// The fields shared by `ChatUserTokenOptions` and `ChatAppTokenOptions`, in declaration order.
struct ChatIn {
    app_id: String,
    app_certificate: String,
    user_id: Option<String>,
    expire: f64,
    issue_ts: Option<f64>,
    salt: Option<f64>,
}

impl ChatIn {
    /// `user_id` is `None` for an app token, whose options have no such field.
    fn read(
        owner: &'static str,
        [app_id, app_certificate]: [&Unknown<'_>; 2],
        user_id: Option<&Unknown<'_>>,
        [expire, issue_ts, salt]: [&Unknown<'_>; 3],
    ) -> Result<ChatIn> {
        let at = |name| -> At { (owner, name) };
        Ok(ChatIn {
            app_id: required(app_id, at("appId"))?,
            app_certificate: required(app_certificate, at("appCertificate"))?,
            user_id: user_id.map(|u| required(u, at("userId"))).transpose()?,
            expire: required(expire, at("expire"))?,
            issue_ts: field(issue_ts, at("issueTs"))?,
            salt: field(salt, at("salt"))?,
        })
    }

    fn params(&self) -> Result<ChatTokenParams<'_>> {
        Ok(ChatTokenParams {
            app_id: &self.app_id,
            app_certificate: &self.app_certificate,
            expire: whole("expire", self.expire)?,
            issue_ts: whole_opt("issue_ts", self.issue_ts)?,
            salt: whole_opt("salt", self.salt)?,
        })
    }
}

/// `agora.buildChatUserToken(options)`.
#[napi]
pub fn agora_build_chat_user_token(
    app_id: Unknown,
    app_certificate: Unknown,
    user_id: Unknown,
    expire: Unknown,
    issue_ts: Unknown,
    salt: Unknown,
) -> Result<String> {
    let (app, times) = ([&app_id, &app_certificate], [&expire, &issue_ts, &salt]);
    let o = ChatIn::read("ChatUserTokenOptions", app, Some(&user_id), times)?;
    let user_id = o.user_id.as_deref().unwrap_or_default();
    agora::build_chat_user_token(context(), &o.params()?, user_id).js()
}

/// `agora.buildChatAppToken(options)`.
#[napi]
pub fn agora_build_chat_app_token(
    app_id: Unknown,
    app_certificate: Unknown,
    expire: Unknown,
    issue_ts: Unknown,
    salt: Unknown,
) -> Result<String> {
    let (app, times) = ([&app_id, &app_certificate], [&expire, &issue_ts, &salt]);
    let o = ChatIn::read("ChatAppTokenOptions", app, None, times)?;
    agora::build_chat_app_token(context(), &o.params()?).js()
}

#[napi(ts_return_type = "AccessToken2")]
pub fn agora_parse(token: String) -> Result<Value> {
    to_value(&agora::parse(&token).js()?)
}

/// `agora.verify(token, appCertificate, options?)`.
#[napi(ts_return_type = "AccessToken2")]
pub fn agora_verify(token: String, app_certificate: String, now: Unknown) -> Result<Value> {
    let now = whole_opt("now", field(&now, ("VerifyOptions", "now"))?)?;
    to_value(&agora::verify(context(), &token, &app_certificate, now).js()?)
}
