//! `explain(token, secret?)`: which format a token is, what it grants, and, given the secret,
//! which check fails and by how much. Output never contains the token or the secret.

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

use crate::ably::{self, Key, RequestCheck, TokenCheck, TokenRequest};
use crate::agora::{self, AccessToken2, ServiceBody};
use crate::auth_token;
use crate::clock::Context;
use crate::error::{Error, Result};

/// A redacted breakdown of a token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// `agora-accesstoken2`, `ably-jwt`, `ably-token-request` or `auth-token`.
    pub format: &'static str,
    /// e.g. `chat-user`, `chat-app`, `rtc`, `rtc+rtm`.
    pub kind: String,
    /// Agora app id or Ably key name.
    pub issuer: Option<String>,
    /// User id or client id.
    pub subject: Option<String>,
    /// Unix seconds.
    pub issued_at: Option<u64>,
    /// Unix seconds.
    pub expires_at: Option<u64>,
    /// Agora services and privileges, or the Ably capability.
    pub grants: Value,
    /// SHA-256 of the token (hex), safe to log.
    pub fingerprint: String,
    /// Checks run; signature checks only when a secret was given.
    pub checks: Vec<Check>,
    /// All checks passed (`None` without a secret for formats that need one).
    pub valid: Option<bool>,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// The error code when the check failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

impl Check {
    fn from_result(name: &'static str, ok_detail: impl Into<String>, r: Result<()>) -> Check {
        match r {
            Ok(()) => Check { name, ok: true, detail: ok_detail.into(), code: None },
            Err(e) => Check { name, ok: false, detail: e.to_string(), code: Some(e.code()) },
        }
    }
}

/// Detects the format and explains the token; `secret` is the app certificate or key secret.
pub fn explain(ctx: &Context, token: &str, secret: Option<&str>) -> Result<Explanation> {
    let token = token.trim();
    let mut e = if token.starts_with("007") || token.starts_with("006") {
        explain_agora(ctx, token, secret)?
    } else if token.starts_with(auth_token::PREFIX) {
        explain_auth_token(token)
    } else if token.starts_with('{') {
        explain_token_request(ctx, token, secret)?
    } else if token.matches('.').count() == 2 {
        explain_jwt(ctx, token, secret)?
    } else {
        return Err(Error::UnsupportedToken(
            "not an Agora AccessToken2, Ably JWT, Ably TokenRequest or tokensmith auth token".into(),
        ));
    };
    e.fingerprint = auth_token::fingerprint(token);
    if e.valid.is_none() && (secret.is_some() || e.format == "auth-token") {
        e.valid = Some(e.checks.iter().all(|c| c.ok));
    }
    Ok(e)
}

fn base(format: &'static str, kind: String) -> Explanation {
    Explanation {
        format,
        kind,
        issuer: None,
        subject: None,
        issued_at: None,
        expires_at: None,
        grants: Value::Null,
        fingerprint: String::new(),
        checks: Vec::new(),
        valid: None,
    }
}

fn expiry_check(now: u64, expires_at: u64) -> Check {
    if now < expires_at {
        Check { name: "expiry", ok: true, detail: format!("expires in {}s", expires_at - now), code: None }
    } else {
        let e = Error::TokenExpired { by_secs: now - expires_at, vendor: None };
        Check { name: "expiry", ok: false, detail: e.to_string(), code: Some(e.code()) }
    }
}

fn explain_agora(ctx: &Context, token: &str, secret: Option<&str>) -> Result<Explanation> {
    let t: AccessToken2 = agora::parse(token)?;
    let kind = agora_kind(&t);
    let mut e = base("agora-accesstoken2", kind);
    e.subject = t.services.iter().find_map(|s| match &s.body {
        ServiceBody::UserId { user_id } | ServiceBody::Rtm2 { user_id, .. } if !user_id.is_empty() => {
            Some(user_id.clone())
        }
        ServiceBody::Rtc { uid, .. } => Some(uid.clone()),
        _ => None,
    });
    e.issuer = Some(t.app_id.clone());
    e.issued_at = Some(u64::from(t.issue_ts));
    e.expires_at = Some(t.expires_at());
    e.grants = serde_json::to_value(&t.services).unwrap_or(Value::Null);
    if let Some(cert) = secret {
        let r = agora::verify(ctx, token, cert, Some(u64::MAX)).map(drop);
        let sig = match r {
            Err(Error::TokenExpired { .. }) => Ok(()),
            other => other,
        };
        e.checks.push(Check::from_result("signature", "signed with this app certificate", sig));
    }
    e.checks.push(expiry_check(ctx.now_secs(), t.expires_at()));
    Ok(e)
}

fn agora_kind(t: &AccessToken2) -> String {
    let chat_user = |s: &agora::Service| s.privileges.contains_key(&agora::PRIVILEGE_CHAT_USER);
    match t.services.as_slice() {
        [s] if s.service_type == agora::SERVICE_CHAT && chat_user(s) => "chat-user".into(),
        [s] if s.service_type == agora::SERVICE_CHAT => "chat-app".into(),
        services => services.iter().map(|s| s.name).collect::<Vec<_>>().join("+"),
    }
}

fn explain_jwt(ctx: &Context, token: &str, secret: Option<&str>) -> Result<Explanation> {
    let (kid, claims) = ably::decode_unverified(token)?;
    let mut e = base("ably-jwt", "token".into());
    e.issuer = kid.clone();
    e.subject = claims.client_id.clone();
    e.issued_at = Some(claims.iat);
    e.expires_at = Some(claims.exp);
    e.grants = serde_json::from_str(&claims.capability).unwrap_or(Value::String(claims.capability.clone()));
    if let Some(secret) = secret {
        let sig = Key::new(kid.unwrap_or_default(), secret).and_then(|key| {
            let far_past = TokenCheck { now_ms: Some(claims.iat * 1000), ..Default::default() };
            ably::verify_token(ctx, token, &key, &far_past).map(drop)
        });
        e.checks.push(Check::from_result("signature", "signed with this key secret", sig));
    }
    e.checks.push(expiry_check(ctx.now_secs(), claims.exp));
    Ok(e)
}

fn explain_token_request(ctx: &Context, text: &str, secret: Option<&str>) -> Result<Explanation> {
    let req: TokenRequest = serde_json::from_str(text)
        .map_err(|err| Error::malformed("token_request", format!("not an Ably TokenRequest: {err}")))?;
    let mut e = base("ably-token-request", "token-request".into());
    e.issuer = Some(req.key_name.clone());
    e.subject = req.client_id.clone();
    e.issued_at = Some(req.timestamp / 1000);
    e.grants = json!({ "ttl": req.ttl, "capability": req.capability.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()) });
    if let Some(secret) = secret {
        let at_issue = RequestCheck { now_ms: Some(req.timestamp), ..Default::default() };
        let sig = Key::new(req.key_name.clone(), secret)
            .and_then(|key| ably::verify_token_request(ctx, &req, &key, &at_issue).map(drop));
        e.checks.push(Check::from_result("mac", "signed with this key secret", sig));
    }
    let now = ctx.now_ms();
    let window = RequestCheck::default().window_ms;
    let off = now.abs_diff(req.timestamp);
    let r = if off > window { Err(Error::TimestampOutOfWindow { by_ms: off - window }) } else { Ok(()) };
    e.checks.push(Check::from_result("timestamp", format!("within ±{}s of now", window / 1000), r));
    Ok(e)
}

fn explain_auth_token(token: &str) -> Explanation {
    let mut e = base("auth-token", "auth-token".into());
    e.subject = None;
    e.grants = json!({ "redacted": auth_token::redact(token) });
    e.checks.push(Check::from_result("checksum", "well-formed", auth_token::check(token)));
    e
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let time = |v: Option<u64>| v.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
        writeln!(f, "format:      {} ({})", self.format, self.kind)?;
        writeln!(f, "issuer:      {}", opt(&self.issuer))?;
        writeln!(f, "subject:     {}", opt(&self.subject))?;
        writeln!(f, "issued at:   {}", time(self.issued_at))?;
        writeln!(f, "expires at:  {}", time(self.expires_at))?;
        writeln!(f, "grants:      {}", self.grants)?;
        writeln!(f, "fingerprint: {}", self.fingerprint)?;
        for c in &self.checks {
            writeln!(f, "check {:<10} {} {}", c.name, if c.ok { "ok  " } else { "FAIL" }, c.detail)?;
        }
        let verdict = match self.valid {
            Some(true) => "valid",
            Some(false) => "INVALID",
            None => "not verified (no secret given)",
        };
        write!(f, "verdict:     {verdict}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agora::ChatTokenParams;

    const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";

    fn agora_token() -> String {
        let p = ChatTokenParams {
            app_id: "970CA35de60c44645bbae8a215061b33",
            app_certificate: CERT,
            expire: 600,
            issue_ts: Some(1_000_000),
            salt: Some(7),
        };
        agora::build_chat_user_token(&Context::fixed(0), &p, "alice").unwrap()
    }

    #[test]
    fn agora_breakdown_and_failing_check() {
        let ctx = Context::fixed(1_000_700_000);
        let t = agora_token();
        let e = explain(&ctx, &t, None).unwrap();
        assert_eq!(
            (e.format, e.kind.as_str(), e.subject.as_deref()),
            ("agora-accesstoken2", "chat-user", Some("alice"))
        );
        assert_eq!((e.expires_at, e.valid), (Some(1_000_600), None));
        let e = explain(&ctx, &t, Some(CERT)).unwrap();
        assert_eq!(e.valid, Some(false));
        assert!(e.checks[0].ok);
        assert_eq!((e.checks[1].code, e.checks[1].detail.as_str()), (Some("TOKEN_EXPIRED"), "token expired 100s ago"));
        let e = explain(&ctx, &t, Some("00000000000000000000000000000000")).unwrap();
        assert_eq!(e.checks[0].code, Some("BAD_SIGNATURE"));
        let text = format!("{e}");
        assert!(!text.contains(CERT) && !text.contains(&t));
    }

    #[test]
    fn ably_jwt_and_request() {
        let ctx = Context::fixed(1_700_000_000_000);
        let key = Key::parse("app.key:secret").unwrap();
        let td = ably::issue_token(&ctx, &key, &Default::default(), &Default::default()).unwrap();
        let e = explain(&ctx, &td.token, Some("secret")).unwrap();
        assert_eq!((e.format, e.issuer.as_deref(), e.valid), ("ably-jwt", Some("app.key"), Some(true)));
        assert_eq!(explain(&ctx, &td.token, Some("wrong")).unwrap().checks[0].code, Some("BAD_SIGNATURE"));
        let req = ably::create_token_request(&ctx, &key, &Default::default()).unwrap();
        let json = serde_json::to_string(&req).unwrap();
        let e = explain(&ctx, &json, Some("secret")).unwrap();
        assert_eq!((e.format, e.valid), ("ably-token-request", Some(true)));
    }

    #[test]
    fn auth_tokens_and_unknown_strings() {
        let ctx = Context::fixed(0);
        let t = auth_token::generate(&ctx);
        let e = explain(&ctx, &t, None).unwrap();
        assert_eq!((e.format, e.valid), ("auth-token", Some(true)));
        assert_eq!(explain(&ctx, "hello", None).unwrap_err().code(), "UNSUPPORTED_TOKEN");
        assert_eq!(explain(&ctx, "007abc", None).unwrap_err().code(), "MALFORMED_TOKEN");
    }
}
