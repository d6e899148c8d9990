//! Input rules, documented in one place (CometChat's where it has them).

use serde_json::Value;

use crate::error::{Error, Result};
use crate::store::TokenMeta;

/// Longest uid, in characters.
pub const MAX_UID: usize = 100;
/// Longest user name, in characters.
pub const MAX_NAME: usize = 100;
/// Largest profile (avatar, link, role, statusMessage, metadata, tags), as JSON bytes.
pub const MAX_PROFILE_BYTES: usize = 10 * 1024;
pub const MAX_PLATFORM: usize = 50;
pub const MAX_USER_AGENT: usize = 255;
pub const MAX_DEVICE_ID: usize = 100;
/// Largest `appInfo`, as JSON bytes.
pub const MAX_APP_INFO_BYTES: usize = 2 * 1024;
/// Longest push token (FCM, APNs or VoIP), in characters.
pub const MAX_PUSH_TOKEN: usize = 4096;

/// CometChat uids: 1–100 of `a-z 0-9 - _`, case-insensitive (stored lower case).
pub fn uid(raw: &str) -> Result<String> {
    let uid = raw.to_ascii_lowercase();
    if uid.is_empty() || uid.len() > MAX_UID {
        return Err(Error::invalid("uid", format!("must be 1 to {MAX_UID} characters")));
    }
    if !uid.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
        return Err(Error::invalid("uid", "may contain only letters, digits, `-` and `_`"));
    }
    Ok(uid)
}

pub fn name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME {
        return Err(Error::invalid("name", format!("must be 1 to {MAX_NAME} characters")));
    }
    Ok(())
}

pub fn profile(profile: &Value) -> Result<()> {
    if !(profile.is_null() || profile.is_object()) {
        return Err(Error::invalid("profile", "must be an object"));
    }
    if profile.to_string().len() > MAX_PROFILE_BYTES {
        return Err(Error::invalid("profile", format!("is over {MAX_PROFILE_BYTES} bytes of JSON")));
    }
    Ok(())
}

fn text(field: &'static str, v: &Option<String>, max: usize) -> Result<()> {
    match v {
        Some(s) if s.chars().count() > max => Err(Error::invalid(field, format!("is over {max} characters"))),
        _ => Ok(()),
    }
}

pub fn token_meta(meta: &TokenMeta) -> Result<()> {
    text("platform", &meta.platform, MAX_PLATFORM)?;
    text("user_agent", &meta.user_agent, MAX_USER_AGENT)?;
    text("device_id", &meta.device_id, MAX_DEVICE_ID)?;
    if meta.app_info.as_ref().is_some_and(|a| a.to_string().len() > MAX_APP_INFO_BYTES) {
        return Err(Error::invalid("app_info", format!("is over {MAX_APP_INFO_BYTES} bytes of JSON")));
    }
    Ok(())
}

pub fn push_token(field: &'static str, v: &Option<String>) -> Result<()> {
    if v.as_deref() == Some("") {
        return Err(Error::invalid(field, "must not be empty"));
    }
    text(field, v, MAX_PUSH_TOKEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids() {
        assert_eq!(uid("Alice_01-x").unwrap(), "alice_01-x");
        for bad in ["", "a b", "é", "a/b", &"a".repeat(101)] {
            assert_eq!(uid(bad).unwrap_err().field(), Some("uid"), "{bad}");
        }
        assert!(uid(&"a".repeat(100)).is_ok());
    }

    #[test]
    fn meta_limits() {
        let ok = TokenMeta { platform: Some("web".into()), ..Default::default() };
        assert!(token_meta(&ok).is_ok());
        let long = TokenMeta { user_agent: Some("x".repeat(256)), ..Default::default() };
        assert_eq!(token_meta(&long).unwrap_err().field(), Some("user_agent"));
        let big = TokenMeta { app_info: Some(Value::String("x".repeat(3000))), ..Default::default() };
        assert_eq!(token_meta(&big).unwrap_err().field(), Some("app_info"));
    }
}
