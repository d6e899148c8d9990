//! Where each family of routes lives.
//!
//! CometChat's hosted API has its version in the base URL
//! (`https://{appId}.api-{region}.cometchat.io/v3`); the tokensmith service is given without one
//! (`http://127.0.0.1:8080`). From one base URL: admin routes take the base's version when it
//! ends in one (`/v3`, `/v3.0`) and `/v3` otherwise; client routes (`/me`) are `/v3.0`, as the
//! CometChat SDK calls them; everything else (`/keys/…`, `/v2/tokens`, `/time`, `/healthz`) hangs
//! off the base without its version.

use reqwest::Url;

use crate::error::{Error, Result};

/// The base URL of each family of routes. Each is a directory: route segments are appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Admin routes (`users/…`, `apikey`), version included: `…/v3`.
    pub admin: Url,
    /// Client routes (`me`, `authtoken`), version included: `…/v3.0`.
    pub client: Url,
    /// The push registry (`v2/tokens`).
    pub push: Url,
    /// Ably, Agora, `auth/ably`, `time`, health checks.
    pub root: Url,
}

impl Endpoints {
    /// Every family from one base URL (see the module notes).
    pub fn from_base(base: &str) -> Result<Endpoints> {
        let base = parse(base)?;
        let mut segments = segments(&base);
        let version = match segments.last() {
            Some(last) if is_version(last) => segments.pop(),
            _ => None,
        };
        let root = with_segments(&base, &segments)?;
        let admin = join(&root, &[version.as_deref().unwrap_or("v3")])?;
        let client = join(&root, &["v3.0"])?;
        Ok(Endpoints { admin, client, push: root.clone(), root })
    }

    /// CometChat's hosted hosts for an app in a region (`us`, `eu`, `in`).
    pub fn cometchat(app_id: &str, region: &str) -> Result<Endpoints> {
        let label = |v: &str, field| match !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            true => Ok(()),
            false => Err(Error::invalid(field, "must be letters, digits and `-`")),
        };
        label(app_id, "app_id")?;
        label(region, "region")?;
        let root = parse(&format!("https://{app_id}.api-{region}.cometchat.io"))?;
        Ok(Endpoints {
            admin: join(&root, &["v3"])?,
            client: parse(&format!("https://{app_id}.apiclient-{region}.cometchat.io/v3.0"))?,
            push: parse(&format!("https://push-notification-{region}.cometchat.io"))?,
            root,
        })
    }
}

/// An `http(s)` URL without query or fragment, usable as a directory.
pub(crate) fn parse(text: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|e| Error::invalid("base_url", e))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::invalid("base_url", "must be an http:// or https:// URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid("base_url", "must not have a query or fragment"));
    }
    Ok(url)
}

/// `base` with `extra` appended as path segments, each percent-encoded (a `/` in a uid or token
/// stays inside its segment).
pub(crate) fn join<S: AsRef<str>>(base: &Url, extra: &[S]) -> Result<Url> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| Error::invalid("base_url", "cannot take a path"))?
        .pop_if_empty()
        .extend(extra.iter().map(AsRef::as_ref));
    Ok(url)
}

fn segments(url: &Url) -> Vec<String> {
    url.path_segments().into_iter().flatten().filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn with_segments(base: &Url, segments: &[String]) -> Result<Url> {
    let mut url = base.clone();
    url.set_path("");
    join(&url, segments)
}

/// `v3`, `v3.0`, `v2.0`: a trailing API version.
fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin_users(base: &str) -> String {
        join(&Endpoints::from_base(base).unwrap().admin, &["users", "alice"]).unwrap().to_string()
    }

    #[test]
    fn admin_routes_keep_the_base_version_or_add_v3() {
        for (base, want) in [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v3/users/alice"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v3/users/alice"),
            ("https://app1.api-us.cometchat.io/v3", "https://app1.api-us.cometchat.io/v3/users/alice"),
            ("https://app1.api-us.cometchat.io/v3/", "https://app1.api-us.cometchat.io/v3/users/alice"),
            ("https://app1.api-eu.cometchat.io/v3.0", "https://app1.api-eu.cometchat.io/v3.0/users/alice"),
            ("http://h/prefix", "http://h/prefix/v3/users/alice"),
            ("http://h/prefix/v3", "http://h/prefix/v3/users/alice"),
        ] {
            assert_eq!(admin_users(base), want, "{base}");
        }
    }

    #[test]
    fn other_routes_drop_the_version() {
        let e = Endpoints::from_base("https://app1.api-us.cometchat.io/v3").unwrap();
        assert_eq!(join(&e.root, &["time"]).unwrap().as_str(), "https://app1.api-us.cometchat.io/time");
        assert_eq!(join(&e.client, &["me"]).unwrap().as_str(), "https://app1.api-us.cometchat.io/v3.0/me");
        assert_eq!(join(&e.push, &["v2", "tokens"]).unwrap().as_str(), "https://app1.api-us.cometchat.io/v2/tokens");
    }

    #[test]
    fn segments_are_encoded() {
        let e = Endpoints::from_base("http://h").unwrap();
        let url = join(&e.admin, &["users", "a/b c", "auth_tokens", "t?x#y"]).unwrap();
        assert_eq!(url.as_str(), "http://h/v3/users/a%2Fb%20c/auth_tokens/t%3Fx%23y");
    }

    #[test]
    fn hosted_cometchat_hosts() {
        let e = Endpoints::cometchat("app1", "eu").unwrap();
        assert_eq!(e.admin.as_str(), "https://app1.api-eu.cometchat.io/v3");
        assert_eq!(e.client.as_str(), "https://app1.apiclient-eu.cometchat.io/v3.0");
        assert_eq!(e.push.as_str(), "https://push-notification-eu.cometchat.io/");
        assert_eq!(Endpoints::cometchat("a.b", "us").unwrap_err().field(), Some("app_id"));
    }

    #[test]
    fn bad_bases_are_refused() {
        for bad in ["", "ftp://h", "h:8080", "http://h/?q=1", "http://h/#f", "mailto:a@b"] {
            assert_eq!(Endpoints::from_base(bad).unwrap_err().code(), "INVALID_ARGUMENT", "{bad}");
        }
    }
}
