//! Agora AccessToken2 (`007`) chat user and app tokens: build, parse, verify.
//!
//! Byte-exact with Agora's reference builders (standard zlib, level 6). Unlike the
//! references, bad input is a typed error naming the field, and verification checks expiry.

mod deflate;
mod packer;
mod service;
mod token;

pub use service::{
    PRIVILEGE_CHAT_APP, PRIVILEGE_CHAT_USER, SERVICE_CHAT, SERVICE_RTC, SERVICE_RTM, Service, ServiceBody, service_name,
};
pub use token::{AccessToken2, decode_payload};

use crate::clock::Context;
use crate::error::{Error, Result};

/// Agora's documented maximum validity for chat tokens (24 h).
pub const MAX_CHAT_EXPIRE: u32 = 86_400;
/// Generated salts are uniform in `1..=SALT_MAX`, as the references draw them.
pub const SALT_MAX: u32 = 99_999_999;

/// Inputs shared by both chat token kinds. `issue_ts` and `salt` default to the
/// context's clock and CSPRNG. `Debug` redacts the certificate.
#[derive(Clone, Copy)]
pub struct ChatTokenParams<'a> {
    pub app_id: &'a str,
    pub app_certificate: &'a str,
    /// Validity in seconds from `issue_ts` (at most [`MAX_CHAT_EXPIRE`]).
    pub expire: u32,
    pub issue_ts: Option<u32>,
    pub salt: Option<u32>,
}

impl std::fmt::Debug for ChatTokenParams<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatTokenParams")
            .field("app_id", &self.app_id)
            .field("app_certificate", &crate::Secret::new(""))
            .field("expire", &self.expire)
            .field("issue_ts", &self.issue_ts)
            .field("salt", &self.salt)
            .finish()
    }
}

/// Builds a chat **user** token (privilege 1) for `user_id`.
pub fn build_chat_user_token(ctx: &Context, params: &ChatTokenParams<'_>, user_id: &str) -> Result<String> {
    build_chat(ctx, params, Some(user_id))
}

/// Builds a chat **app** token (privilege 2, empty user id), for the Chat REST API.
pub fn build_chat_app_token(ctx: &Context, params: &ChatTokenParams<'_>) -> Result<String> {
    build_chat(ctx, params, None)
}

fn build_chat(ctx: &Context, p: &ChatTokenParams<'_>, user_id: Option<&str>) -> Result<String> {
    check_hex32("app_id", p.app_id)?;
    check_hex32("app_certificate", p.app_certificate)?;
    if p.expire > MAX_CHAT_EXPIRE {
        return Err(Error::invalid("expire", format!("{} s is over the 86400 s chat maximum", p.expire)));
    }
    if let Some(u) = user_id.filter(|u| u.len() > usize::from(u16::MAX)) {
        return Err(Error::invalid("user_id", format!("{} bytes is over the limit of 65535", u.len())));
    }
    let issue_ts = match p.issue_ts {
        Some(ts) => ts,
        None => u32::try_from(ctx.now_secs()).map_err(|_| Error::invalid("issue_ts", "clock is past 2106"))?,
    };
    let salt = p.salt.unwrap_or_else(|| ctx.random_range(1, SALT_MAX));
    Ok(token::build_chat_token(p.app_certificate, p.app_id, issue_ts, p.expire, salt, user_id))
}

/// Parses any AccessToken2 (chat, RTC, RTM, multi-service) without checking the signature.
pub fn parse(token: &str) -> Result<AccessToken2> {
    AccessToken2::parse(token)
}

/// Parses, checks the signature in constant time, then expiry at `issue_ts + expire`.
/// `now_secs` defaults to the context's clock.
pub fn verify(ctx: &Context, token: &str, app_certificate: &str, now_secs: Option<u64>) -> Result<AccessToken2> {
    check_hex32("app_certificate", app_certificate)?;
    let parsed = AccessToken2::parse(token)?;
    if !parsed.signature_matches(app_certificate) {
        return Err(Error::bad_signature("AccessToken2 signature does not match the app certificate"));
    }
    let now = now_secs.unwrap_or_else(|| ctx.now_secs());
    if now >= parsed.expires_at() {
        return Err(Error::TokenExpired { by_secs: now - parsed.expires_at(), vendor: None });
    }
    Ok(parsed)
}

/// App ids and certificates are 32 hex characters, any case, used as ASCII (§6).
fn check_hex32(field: &'static str, v: &str) -> Result<()> {
    if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("must be 32 hex characters (got {} characters)", v.chars().count())))
    }
}

#[cfg(test)]
mod tests;
