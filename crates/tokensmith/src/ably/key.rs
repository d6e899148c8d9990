//! Ably API keys: `<appId>.<keyId>:<secret>`.

use std::fmt;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// An API key. The secret is used as-is (UTF-8 bytes) as the HMAC key, never decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub secret: Secret,
}

impl Key {
    pub fn new(name: impl Into<String>, secret: impl Into<Secret>) -> Result<Key> {
        let (name, secret) = (name.into(), secret.into());
        if name.is_empty() || name.chars().any(|c| c == ':' || c.is_whitespace()) {
            return Err(Error::invalid("key_name", "must be non-empty, without ':' or white space"));
        }
        if secret.is_empty() {
            return Err(Error::invalid("key_secret", "must not be empty"));
        }
        Ok(Key { name, secret })
    }

    /// Parses `name:secret` (split on the first `:`).
    pub fn parse(key: &str) -> Result<Key> {
        match key.split_once(':') {
            Some((name, secret)) if !secret.contains(':') => Key::new(name, secret),
            _ => Err(Error::invalid("key", "expected `<appId>.<keyId>:<secret>`")),
        }
    }

    /// The app id part of the key name (before the first `.`).
    pub fn app_id(&self) -> &str {
        self.name.split('.').next().unwrap_or_default()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key").field("name", &self.name).field("secret", &self.secret).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_redact() {
        let k = Key::parse("app.key:s3cr3t+/=").unwrap();
        assert_eq!((k.name.as_str(), k.secret.expose(), k.app_id()), ("app.key", "s3cr3t+/=", "app"));
        assert!(!format!("{k:?}").contains("s3cr3t"));
        for bad in ["nocolon", ":secret", "name:", "a b:c", "a:b:c"] {
            assert_eq!(Key::parse(bad).unwrap_err().code(), "INVALID_ARGUMENT", "{bad}");
        }
    }
}
