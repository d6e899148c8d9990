//! What the store keeps. Raw auth tokens are never stored: a token is known by the SHA-256 of
//! its text (`hash`), shown by a short `id` (a prefix of that hash) and a redacted form.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The SHA-256 of a raw token: the only form a store ever holds.
pub type TokenHash = [u8; 32];

/// A user. `uid` is lower case (CometChat rules); times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub uid: String,
    pub name: String,
    pub created_at: u64,
    /// Optional profile fields (avatar, link, role, statusMessage, metadata, tags), kept as given.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub profile: Value,
}

/// Metadata a client attaches to its auth token (CometChat's token properties).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_info: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

impl TokenMeta {
    pub fn is_empty(&self) -> bool {
        *self == TokenMeta::default()
    }

    /// Shallow replacement: fields present in `patch` overwrite, absent ones stay.
    pub fn apply(&mut self, patch: &TokenMeta) {
        if patch.platform.is_some() {
            self.platform.clone_from(&patch.platform);
        }
        if patch.user_agent.is_some() {
            self.user_agent.clone_from(&patch.user_agent);
        }
        if patch.app_info.is_some() {
            self.app_info.clone_from(&patch.app_info);
        }
        if patch.device_id.is_some() {
            self.device_id.clone_from(&patch.device_id);
        }
    }
}

/// One auth token as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub hash: TokenHash,
    pub uid: String,
    /// `tks_…` + the last 4 characters, for display.
    pub redacted: String,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Unix milliseconds; `None` = never expires.
    pub expires_at: Option<u64>,
    /// Unix milliseconds at which retention archived it; archived tokens never validate.
    pub archived_at: Option<u64>,
    pub meta: TokenMeta,
}

impl TokenRecord {
    /// The public id: the first 12 bytes of the hash, hex (no way back to the token).
    pub fn id(&self) -> String {
        token_id(&self.hash)
    }
}

pub fn token_id(hash: &TokenHash) -> String {
    hex(&hash[..12])
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Which tokens a user holds: counts for list pagination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCounts {
    pub active: u64,
    pub archived: u64,
}

/// A push registration, one per auth token (a new one replaces it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRegistration {
    #[serde(skip)]
    pub token_hash: TokenHash,
    pub uid: String,
    /// `ios`, `web` or `android`.
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fcm_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voip_token: Option<String>,
    pub created_at: u64,
}

/// The revocation subject of a user (also the Ably client id and the Agora chat user id).
pub fn uid_subject(uid: &str) -> String {
    format!("uid:{uid}")
}

/// The revocation subject of one token: `token:` and the hex SHA-256 of its text.
pub fn token_subject(hash: &TokenHash) -> String {
    format!("token:{}", hex(hash))
}

/// A revocation watermark: tokens of `subject` issued before `issued_before` stop working at
/// `applies_at` (Unix ms). `subject` is [`uid_subject`] or [`token_subject`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revocation {
    pub subject: String,
    pub issued_before: u64,
    pub applies_at: u64,
    /// When the entry may be forgotten (no token it covers can still be valid).
    pub forget_after: u64,
}
