//! Ably capabilities: parse, validate, canonicalise, match and intersect (ably-token-auth §4, §6).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::error::{Error, Result};

/// Operations a capability may grant; `*` means all of them and must stand alone.
pub const OPERATIONS: &[&str] = &[
    "annotation-publish",
    "annotation-subscribe",
    "channel-metadata",
    "history",
    "message-delete-any",
    "message-delete-own",
    "message-update-any",
    "message-update-own",
    "object-publish",
    "object-subscribe",
    "presence",
    "privileged-headers",
    "publish",
    "push-admin",
    "push-subscribe",
    "stats",
    "subscribe",
];

/// Resource pattern → operations.
pub type Grants = BTreeMap<String, BTreeSet<String>>;

/// Resource pattern → operations, both kept sorted by code point (Rust `str` order) and
/// de-duplicated, so [`Capability::canonical`] is the same text in every language.
///
/// Immutable and shared: servers issue the same few capabilities again and again, so a clone
/// is a reference count and the canonical text is built once per value.
#[derive(Clone, Default)]
pub struct Capability(Arc<Inner>);

#[derive(Default)]
struct Inner {
    grants: Grants,
    canonical: OnceLock<String>,
    /// The canonical text as a JSON string: the `x-ably-capability` claim of a JWT.
    quoted: OnceLock<String>,
}

impl PartialEq for Capability {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.grants == other.0.grants
    }
}

impl Eq for Capability {}

impl fmt::Debug for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Capability").field(&self.0.grants).finish()
    }
}

impl From<Grants> for Capability {
    fn from(grants: Grants) -> Self {
        Capability(Arc::new(Inner { grants, canonical: OnceLock::new(), quoted: OnceLock::new() }))
    }
}

impl Capability {
    /// The canonical text of [`Capability::all`]: what a key without a capability grants.
    pub const ALL_TEXT: &'static str = r#"{"*":["*"]}"#;

    /// Everything: `{"*":["*"]}`.
    pub fn all() -> Self {
        Capability::from(BTreeMap::from([("*".to_owned(), BTreeSet::from(["*".to_owned()]))]))
    }

    /// The resource patterns and their operations.
    pub fn grants(&self) -> &Grants {
        &self.0.grants
    }

    /// Parses JSON text such as `{"chat:*":["publish","subscribe"]}`.
    pub fn parse(text: &str) -> Result<Capability> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| Error::invalid("capability", format!("not valid JSON: {e}")))?;
        Capability::from_value(&v)
    }

    /// Builds from a JSON value: an object of resource → non-empty array of operations.
    pub fn from_value(v: &Value) -> Result<Capability> {
        let obj = v.as_object().ok_or_else(|| Error::invalid("capability", "must be a JSON object"))?;
        let mut map = BTreeMap::new();
        for (resource, ops) in obj {
            if resource.is_empty() {
                return Err(Error::invalid("capability", "resource names must not be empty"));
            }
            let list = ops
                .as_array()
                .ok_or_else(|| Error::invalid("capability", format!("operations of `{resource}` must be an array")))?;
            let mut set = BTreeSet::new();
            for op in list {
                let op = op.as_str().ok_or_else(|| Error::invalid("capability", "operations must be strings"))?;
                if op != "*" && !OPERATIONS.contains(&op) {
                    return Err(Error::invalid("capability", format!("unknown operation `{op}` on `{resource}`")));
                }
                set.insert(op.to_owned());
            }
            if set.is_empty() {
                return Err(Error::invalid("capability", format!("`{resource}` grants no operation")));
            }
            if set.contains("*") && set.len() > 1 {
                return Err(Error::invalid("capability", format!("`*` must be the only operation of `{resource}`")));
            }
            map.insert(resource.clone(), set);
        }
        Ok(Capability::from(map))
    }

    /// Whitespace-free JSON with sorted resources and operations: the text that is signed.
    pub fn canonical(&self) -> &str {
        self.0
            .canonical
            .get_or_init(|| serde_json::to_string(&self.0.grants).expect("a map of strings always serialises"))
    }

    /// [`canonical`](Self::canonical) as a JSON string literal, built once per value (JWTs
    /// carry the capability as a string claim).
    pub(crate) fn canonical_quoted(&self) -> &str {
        self.0.quoted.get_or_init(|| serde_json::to_string(self.canonical()).expect("a string always serialises"))
    }

    pub fn is_empty(&self) -> bool {
        self.0.grants.is_empty()
    }

    /// True for `{"*":["*"]}` (what a key without a capability grants).
    fn is_all(&self) -> bool {
        let mut it = self.0.grants.iter();
        matches!((it.next(), it.next()), (Some((r, ops)), None) if r == "*" && ops.len() == 1 && ops.contains("*"))
    }

    /// True when the capability allows `operation` on `resource`.
    pub fn allows(&self, resource: &str, operation: &str) -> bool {
        self.0
            .grants
            .iter()
            .any(|(pattern, ops)| resource_matches(pattern, resource) && (ops.contains("*") || ops.contains(operation)))
    }

    /// What a token asking for `self` gets from a key holding `key` (§6); empty is refused (40160).
    pub fn intersect(&self, key: &Capability) -> Result<Capability> {
        // The common case, a key granting everything: a request naming only ordinary channels
        // gets exactly what it asked for (the loop below would rebuild the same map).
        if key.is_all() && !self.is_empty() && self.0.grants.keys().all(|r| resource_matches("*", r)) {
            return Ok(self.clone());
        }
        let mut out = Grants::new();
        for (r, r_ops) in &self.0.grants {
            for (k, k_ops) in &key.0.grants {
                let target = if resource_matches(k, r) {
                    r
                } else if resource_matches(r, k) {
                    k
                } else {
                    continue;
                };
                let ops = intersect_ops(r_ops, k_ops);
                if !ops.is_empty() {
                    out.entry(target.clone()).or_default().extend(ops);
                }
            }
        }
        for ops in out.values_mut() {
            if ops.contains("*") {
                ops.retain(|o| o == "*");
            }
        }
        if out.is_empty() {
            return Err(Error::CapabilityRefused("the key does not grant any of the requested capability".into()));
        }
        Ok(Capability::from(out))
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.canonical())
    }
}

fn intersect_ops(a: &BTreeSet<String>, b: &BTreeSet<String>) -> BTreeSet<String> {
    match (a.contains("*"), b.contains("*")) {
        (true, _) => b.clone(),
        (false, true) => a.clone(),
        _ => a.intersection(b).cloned().collect(),
    }
}

/// Does resource pattern `pattern` cover `resource`? `*` matches one `:` segment, a trailing `*`
/// one or more; `*` alone covers ordinary channels, `[queue]*` / `[meta]*` their namespaces,
/// `[*]*` everything.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    if pattern == resource || pattern == "[*]*" {
        return true;
    }
    let (p_ns, p_rest) = split_namespace(pattern);
    let (r_ns, r_rest) = split_namespace(resource);
    if p_ns != r_ns {
        return false;
    }
    // Segment by segment, without collecting: this runs for every grant a token asks for.
    let (mut p, mut r) = (p_rest.split(':').peekable(), r_rest.split(':'));
    while let Some(seg) = p.next() {
        let last = p.peek().is_none();
        match r.next() {
            None => return false,
            Some(_) if seg == "*" && last => return true,
            Some(rs) if seg == "*" || seg == rs => {}
            Some(_) => return false,
        }
    }
    r.next().is_none()
}

/// `[queue]x` → (`[queue]`, `x`); an ordinary channel has no namespace.
fn split_namespace(s: &str) -> (&str, &str) {
    if s.starts_with('[')
        && let Some(end) = s.find(']')
    {
        return s.split_at(end + 1);
    }
    ("", s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(s: &str) -> Capability {
        Capability::parse(s).unwrap()
    }

    #[test]
    fn canonical_sorts_dedups_and_strips_space() {
        let c = cap(r#"{ "b": ["subscribe", "publish", "subscribe"], "a:*": ["*"] }"#);
        assert_eq!(c.canonical(), r#"{"a:*":["*"],"b":["publish","subscribe"]}"#);
        assert_eq!(cap("{}").canonical(), "{}");
        assert_eq!(cap(r#"{"x\u0001 y":["*"]}"#).canonical(), r#"{"x\u0001 y":["*"]}"#);
    }

    #[test]
    fn all_text_is_the_canonical_text_of_all() {
        assert_eq!(Capability::all().canonical(), Capability::ALL_TEXT);
        assert!(cap(Capability::ALL_TEXT).is_all());
    }

    #[test]
    fn invalid_capabilities_are_refused() {
        for bad in [r#"{"a":["publish_"]}"#, r#"{"a":["*","publish"]}"#, r#"{"a":[]}"#, "[]", "{", r#"{"":["*"]}"#] {
            assert_eq!(Capability::parse(bad).unwrap_err().code(), "INVALID_ARGUMENT", "{bad}");
        }
    }

    #[test]
    fn resource_patterns() {
        assert!(resource_matches("foo:*:baz", "foo:bar:baz"));
        assert!(!resource_matches("foo:*:baz", "foo:bar:bam:baz"));
        assert!(resource_matches("foo:*", "foo:bar"));
        assert!(resource_matches("foo:*", "foo:bar:bam:baz"));
        assert!(!resource_matches("foo:*", "foo"));
        assert!(!resource_matches("foo*", "foobar"));
        assert!(resource_matches("*", "anything"));
        assert!(!resource_matches("*", "[queue]q"));
        assert!(resource_matches("[queue]*", "[queue]q"));
        assert!(resource_matches("[*]*", "[meta]x"));
    }

    #[test]
    fn intersection_examples_from_the_docs() {
        let i = |key: &str, req: &str| cap(req).intersect(&cap(key)).map(|c| c.canonical().to_owned());
        let k = r#"{"channel2":["publish","subscribe"]}"#;
        assert_eq!(i(k, r#"{"channel2":["presence","subscribe"]}"#).unwrap(), r#"{"channel2":["subscribe"]}"#);
        assert_eq!(i(k, r#"{"channel2":["*"]}"#).unwrap(), k);
        assert_eq!(
            i(r#"{"channel6":["*"]}"#, r#"{"channel6":["publish","subscribe"]}"#).unwrap(),
            r#"{"channel6":["publish","subscribe"]}"#
        );
        assert_eq!(i(k, r#"{"channel2":["publish"],"channelx":["publish"]}"#).unwrap(), r#"{"channel2":["publish"]}"#);
        assert_eq!(
            i(r#"{"*":["subscribe"]}"#, r#"{"cansubscribe:*":["subscribe"]}"#).unwrap(),
            r#"{"cansubscribe:*":["subscribe"]}"#
        );
        let e = i(r#"{"canpublish:*":["publish"]}"#, r#"{"canpublish:test":["subscribe"]}"#).unwrap_err();
        assert_eq!((e.code(), e.vendor_code()), ("CAPABILITY_REFUSED", Some(40160)));
        let key = r#"{"your-namespace:*":["publish","subscribe","presence"],"notifications":["subscribe","history"],"alerts":["subscribe"]}"#;
        let req =
            r#"{"your-namespace:user-123":["subscribe"],"notifications":["*"],"private":["publish","subscribe"]}"#;
        assert_eq!(
            i(key, req).unwrap(),
            r#"{"notifications":["history","subscribe"],"your-namespace:user-123":["subscribe"]}"#
        );
    }

    #[test]
    fn allows_checks_patterns_and_ops() {
        let c = cap(r#"{"chat:*":["publish"],"news":["*"]}"#);
        assert!(c.allows("chat:room1", "publish"));
        assert!(!c.allows("chat:room1", "subscribe"));
        assert!(c.allows("news", "history"));
        assert!(!c.allows("other", "publish"));
    }
}
