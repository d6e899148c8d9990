//! Calling an Ably `authUrl` as ably-js does (ably-token-auth §7): TokenParams merged over
//! `authParams` (and, for GET, over the URL's own query), `authHeaders` sent as given, and the
//! answer read by its media type: JSON TokenDetails or TokenRequest, or a `text/plain` /
//! `application/jwt` token string.

use reqwest::header::HeaderName;
use reqwest::{Method, Url};

use super::Client;
use super::http::{Call, Credential, bad_header, sensitive};
use crate::ably::TokenParams;
use crate::error::{Error, Result};
use crate::session::providers::AuthCallbackResult;
use crate::session::{AuthMethod, AuthUrl};

/// Largest authUrl answer accepted (RSA4f).
const MAX_ANSWER: usize = 128 * 1024;

impl Client {
    /// Calls `auth.url` with `params` and reads the answer. The URL is used as given (the
    /// client's base URL plays no part); a non-2xx answer is the usual [`Error::Remote`].
    pub async fn auth_url(&self, auth: &AuthUrl, params: &TokenParams) -> Result<AuthCallbackResult> {
        let mut url = Url::parse(&auth.url).map_err(|e| Error::invalid("auth_url", e))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid("auth_url", "must be an http:// or https:// URL with a host"));
        }
        let mut fields: Vec<(String, String)> =
            auth.params.iter().map(|(n, v)| (n.clone(), v.expose().into())).collect();
        for (name, value) in token_params(params) {
            set(&mut fields, name, value);
        }
        let mut call = match auth.method {
            AuthMethod::Get => {
                // URL params < authParams < TokenParams, the URL's order first.
                let mut merged: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                for (name, value) in fields {
                    set(&mut merged, &name, value);
                }
                url.set_query(None);
                if !merged.is_empty() {
                    url.query_pairs_mut().extend_pairs(&merged);
                }
                Call::new(Method::GET, url, Credential::None)
            }
            AuthMethod::Post => {
                let body = form(&url, &fields);
                let mut call = Call::new(Method::POST, url, Credential::None);
                call.body = Some(body.into_bytes());
                call.content_type = "application/x-www-form-urlencoded";
                call
            }
            AuthMethod::PostJson => {
                let object: serde_json::Map<String, serde_json::Value> =
                    fields.into_iter().map(|(n, v)| (n, serde_json::Value::String(v))).collect();
                Call::new(Method::POST, url, Credential::None).json(&object)?
            }
        };
        // Asking again only mints another token: safe to repeat.
        call = call.idempotent(true);
        call.accept = "application/json, text/plain, application/jwt";
        for (name, value) in &auth.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad_header("auth_headers"))?;
            call.headers.push((name, sensitive(value.expose(), "auth_headers")?));
            call = call.secret(value.expose());
        }
        for (_, value) in &auth.params {
            call = call.secret(value.expose());
        }
        let reply = self.send(call).await?;
        if reply.body.len() > MAX_ANSWER {
            return Err(unusable("an answer over 128 KiB".into()));
        }
        let media = reply.content_type.split(';').next().unwrap_or_default().trim().to_owned();
        if reply.is_json() {
            let value: serde_json::Value = reply.json()?;
            return AuthCallbackResult::from_json(&value);
        }
        if media == "text/plain" || media == "application/jwt" {
            let text = std::str::from_utf8(&reply.body).map_err(|_| unusable("a token that is not UTF-8".into()))?;
            return AuthCallbackResult::from_token(text.trim());
        }
        let shown = if media.is_empty() { "none".to_owned() } else { media.chars().take(80).collect() };
        Err(unusable(format!("the Content-Type {shown}; expected application/json, text/plain or application/jwt")))
    }
}

/// TokenParams as an authUrl receives them: strings, capability as its canonical JSON text.
fn token_params(p: &TokenParams) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(id) = &p.client_id {
        out.push(("clientId", id.clone()));
    }
    if let Some(ttl) = p.ttl {
        out.push(("ttl", ttl.to_string()));
    }
    if let Some(c) = &p.capability {
        out.push(("capability", c.canonical().to_owned()));
    }
    if let Some(t) = p.timestamp {
        out.push(("timestamp", t.to_string()));
    }
    if let Some(n) = &p.nonce {
        out.push(("nonce", n.clone()));
    }
    out
}

/// Replaces the value of `name` in place, or appends it.
fn set(fields: &mut Vec<(String, String)>, name: &str, value: String) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(field) => field.1 = value,
        None => fields.push((name.to_owned(), value)),
    }
}

/// `fields` as `application/x-www-form-urlencoded` text (the URL parser's encoder).
fn form(url: &Url, fields: &[(String, String)]) -> String {
    let mut scratch = url.clone();
    scratch.set_query(None);
    scratch.query_pairs_mut().extend_pairs(fields);
    scratch.query().unwrap_or_default().to_owned()
}

fn unusable(what: String) -> Error {
    Error::Provider { reason: format!("the authUrl answered {what}"), cause: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_params_win_over_auth_params_in_place() {
        let mut fields = vec![("shared".to_owned(), "url".to_owned()), ("fromUrl".to_owned(), "1".to_owned())];
        set(&mut fields, "shared", "authParams".into());
        set(&mut fields, "clientId", "bob".into());
        assert_eq!(
            fields,
            [("shared", "authParams"), ("fromUrl", "1"), ("clientId", "bob")]
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        let url = Url::parse("http://h/auth?x=1").unwrap();
        assert_eq!(form(&url, &fields), "shared=authParams&fromUrl=1&clientId=bob");
    }
}
