//! `redis://HOST:PORT/DB`: one state shared by many app-server instances.
//!
//! Every multi-step operation is one Lua script ([`super::redis_scripts`]), so retention,
//! cascades, revocation and nonce checks stay atomic across instances; single reads and the
//! nonce check (`SET NX PX`) are single commands. The connection is a [`ConnectionManager`]
//! (reconnects by itself); every call has a deadline, so an unreachable server gives
//! `STORE_UNAVAILABLE` quickly instead of hanging. Error messages never carry key contents.
//!
//! # Key layout
//!
//! Everything of an app lives under `ts:{APP}:`, `APP` being the app name with every byte
//! outside `A-Z a-z 0-9 . _ -` written `%XX` (an empty name is `~`). The braces make it a
//! Redis Cluster hash tag, so all of an app's keys share one slot and the scripts may touch
//! keys they derive. `HEX` is the lower-case hex SHA-256 of a token: raw tokens never reach
//! the store.
//!
//! | key | type | holds |
//! |---|---|---|
//! | `ts:{APP}:seq` | string | per-app counter (`INCR`): token insertion order, never tied |
//! | `ts:{APP}:u:UID` | hash | `name`, `created_at`, `profile` (JSON, optional) |
//! | `ts:{APP}:t:HEX` | hash | `uid`, `redacted`, `created_at`, `seq`; optional `expires_at`, `archived_at`, `platform`, `user_agent`, `app_info` (JSON), `device_id` |
//! | `ts:{APP}:ua:UID` | zset | the user's active token hashes, score = `seq` |
//! | `ts:{APP}:uz:UID` | zset | the user's archived token hashes, score = `seq` |
//! | `ts:{APP}:az` | zset | every archived token hash of the app, score = `archived_at` (for `purge_archived`) |
//! | `ts:{APP}:p:HEX` | hash | the token's push registration: `uid`, `platform`, `created_at`; optional `fcm_token`, `apns_token`, `voip_token` |
//! | `ts:{APP}:pu:UID` | set | the user's token hashes that have a push registration |
//! | `ts:{APP}:r:SUBJECT` | hash | revocation watermarks: field `ISSUED_BEFORE:APPLIES_AT`, value `FORGET_AFTER` (20-digit zero-padded ms) |
//! | `ts:{APP}:n:KEY_NAME:NONCE` | string | a seen TokenRequest nonce, `PX` until its window ends (`KEY_NAME` escaped like `APP`) |
//!
//! Token metadata is kept as separate hash fields (not one JSON blob) so a shallow update is a
//! plain `HSET` inside the script, with no JSON round trip through Lua's number handling.
//!
//! TTLs: nonces expire with their window; archived token hashes `archived_ttl_ms` after
//! archiving (the index entries they leave behind are dropped lazily by the scripts); a
//! revocation hash once all its watermarks may be forgotten (never for uid watermarks, which
//! every backend keeps for good).

use std::collections::HashMap;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, Cmd, FromRedisValue, RedisError, RedisResult, ScriptInvocation, Value};
use async_trait::async_trait;
use serde_json::Value as Json;

use super::redis_scripts::SCRIPTS;
use super::{PushRegistration, Revocation, Store, TokenCounts, TokenHash, TokenMeta, TokenRecord, User, hex};
use crate::error::{Error, Result};

/// Default archive TTL: 30 days.
pub const DEFAULT_ARCHIVED_TTL_MS: u64 = 30 * 24 * 3600 * 1000;
/// Default deadline for connecting and for each call.
pub const DEFAULT_TIMEOUT_MS: u64 = 2000;
/// Archive-index entries `purge_archived` handles per script call (keeps each call short).
const PURGE_BATCH: u64 = 500;
/// Largest offset / page size sent to a script (a Lua number prints exactly up to 1e14).
const MAX_PAGE: u64 = 1_000_000_000;

/// The Redis backend, opened from
/// `redis://[USER:PASSWORD@]HOST[:PORT][/DB][?archived_ttl_ms=N&timeout_ms=N]`:
///
/// - `archived_ttl_ms`: archived tokens expire (Redis `PEXPIRE`) this long after archiving,
///   even if `purge_archived` never runs; `0` = never. Default 30 days. Keep it at least as
///   long as the service's `purge_archived_after_ms`.
/// - `timeout_ms`: deadline for connecting and for each call; past it the call fails with
///   `STORE_UNAVAILABLE` (the server may still apply a write that timed out). Default 2000.
///
/// `rediss://` (TLS) is recognised but needs the `redis` crate's TLS feature, which this build
/// does not enable: opening one fails with `INVALID_ARGUMENT` saying so.
pub struct RedisStore {
    conn: ConnectionManager,
    timeout: Duration,
    archived_ttl_ms: u64,
}

/// What a store URL says once our own query parameters are taken out.
struct Options {
    /// The URL without the query, as the `redis` crate reads it.
    server: String,
    archived_ttl_ms: u64,
    timeout_ms: u64,
}

fn bad_url(reason: impl std::fmt::Display) -> Error {
    Error::invalid(
        "store",
        format!("expected redis://[USER:PASSWORD@]HOST[:PORT][/DB][?archived_ttl_ms=N&timeout_ms=N]: {reason}"),
    )
}

fn parse_url(url: &str) -> Result<Options> {
    let (server, query) = url.split_once('?').unwrap_or((url, ""));
    let mut opts =
        Options { server: server.to_owned(), archived_ttl_ms: DEFAULT_ARCHIVED_TTL_MS, timeout_ms: DEFAULT_TIMEOUT_MS };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number =
            || value.parse::<u64>().map_err(|_| bad_url(format!("`{name}` must be a whole number of milliseconds")));
        match name {
            "archived_ttl_ms" => opts.archived_ttl_ms = number()?,
            "timeout_ms" => opts.timeout_ms = number()?.max(1),
            _ => return Err(bad_url("unknown parameter (known: archived_ttl_ms, timeout_ms)")),
        }
    }
    if server.starts_with("rediss://") {
        return Err(bad_url("rediss:// (TLS) is not enabled in this build of tokensmith"));
    }
    let rest = server.strip_prefix("redis://").ok_or_else(|| bad_url("not a redis:// URL"))?;
    let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if host_and_db.is_empty() || host_and_db.starts_with('/') || host_and_db.starts_with(':') {
        return Err(bad_url("missing host"));
    }
    Ok(opts)
}

/// A redis failure as `STORE_UNAVAILABLE`, described by kind only (never by what it carried).
fn unavailable(e: &RedisError) -> Error {
    let what = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connection_refusal() {
        "connection refused".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() {
        "connection lost".to_owned()
    } else {
        match e.code() {
            Some(code) => format!("{} ({code})", e.category()),
            None => e.category().to_owned(),
        }
    };
    Error::StoreUnavailable(format!("redis: {what}"))
}

fn malformed() -> Error {
    Error::StoreUnavailable("redis: unexpected reply or record shape".into())
}

/// `ts:{APP}:` with the app escaped (see the module docs).
fn prefix(app: &str) -> String {
    let app = if app.is_empty() { "~".into() } else { escape(app) };
    format!("ts:{{{app}}}:")
}

/// Bytes outside `A-Z a-z 0-9 . _ -` as `%XX`: no `{`, `}` or `:` can reach a key component.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A u64 as 20 zero-padded digits (what the scripts compare exactly).
fn pad(v: u64) -> String {
    format!("{v:020}")
}

fn unhex(s: &str) -> Result<TokenHash> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return Err(malformed());
    }
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let pair = std::str::from_utf8(chunk).map_err(|_| malformed())?;
        out[i] = u8::from_str_radix(pair, 16).map_err(|_| malformed())?;
    }
    Ok(out)
}

fn parse<T: FromRedisValue>(v: Value) -> Result<T> {
    ::redis::from_redis_value(v).map_err(|_| malformed())
}

/// A flat `field, value, …` reply as a map.
fn fields(flat: Vec<String>) -> HashMap<String, String> {
    let mut it = flat.into_iter();
    let mut map = HashMap::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        map.insert(k, v);
    }
    map
}

/// `{hash hex, field, value, …}` (what the list scripts return per record).
fn hex_and_fields(v: Value) -> Result<(TokenHash, HashMap<String, String>)> {
    let mut flat: Vec<String> = parse(v)?;
    if flat.is_empty() {
        return Err(malformed());
    }
    let hash = unhex(&flat.remove(0))?;
    Ok((hash, fields(flat)))
}

fn num(f: &HashMap<String, String>, name: &str) -> Result<u64> {
    f.get(name).ok_or_else(malformed)?.parse().map_err(|_| malformed())
}

fn opt_num(f: &HashMap<String, String>, name: &str) -> Result<Option<u64>> {
    f.get(name).map(|v| v.parse().map_err(|_| malformed())).transpose()
}

fn token_from(hash: TokenHash, mut f: HashMap<String, String>) -> Result<TokenRecord> {
    Ok(TokenRecord {
        hash,
        created_at: num(&f, "created_at")?,
        expires_at: opt_num(&f, "expires_at")?,
        archived_at: opt_num(&f, "archived_at")?,
        meta: TokenMeta {
            platform: f.remove("platform"),
            user_agent: f.remove("user_agent"),
            app_info: f.remove("app_info").map(|j| serde_json::from_str(&j).map_err(|_| malformed())).transpose()?,
            device_id: f.remove("device_id"),
        },
        uid: f.remove("uid").ok_or_else(malformed)?,
        redacted: f.remove("redacted").ok_or_else(malformed)?,
    })
}

fn user_from(uid: String, mut f: HashMap<String, String>) -> Result<User> {
    Ok(User {
        uid,
        created_at: num(&f, "created_at")?,
        profile: match f.remove("profile") {
            Some(p) => serde_json::from_str(&p).map_err(|_| malformed())?,
            None => Json::Null,
        },
        name: f.remove("name").ok_or_else(malformed)?,
    })
}

/// The metadata fields a token hash holds, as field/value pairs (absent ones left out).
fn meta_pairs(meta: &TokenMeta, out: &mut Vec<String>) {
    let mut put = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            out.push(name.to_owned());
            out.push(v);
        }
    };
    put("platform", meta.platform.clone());
    put("user_agent", meta.user_agent.clone());
    put("app_info", meta.app_info.as_ref().map(Json::to_string));
    put("device_id", meta.device_id.clone());
}

fn hgetall(key: String) -> Cmd {
    let mut cmd = ::redis::cmd("HGETALL");
    cmd.arg(key);
    cmd
}

impl RedisStore {
    /// Connects to the server a `redis://` URL names (see [`RedisStore`] for the parameters).
    pub async fn open(url: &str) -> Result<RedisStore> {
        let opts = parse_url(url)?;
        let client = Client::open(opts.server.as_str()).map_err(|e| bad_url(e.category()))?;
        let timeout = Duration::from_millis(opts.timeout_ms);
        // Fail fast while the server is away: one quick retry per connection attempt (the
        // manager starts a new attempt on the next call), and deadlines on connect and reply.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = tokio::time::timeout(timeout, ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| Error::StoreUnavailable("redis: timed out connecting".into()))?
            .map_err(|e| unavailable(&e))?;
        Ok(RedisStore { conn, timeout, archived_ttl_ms: opts.archived_ttl_ms })
    }

    /// The SHA1 of a hot-path script (`insert_token`, `get_session`, `is_revoked`), for the store benchmark,
    /// which replays it with `redis-benchmark … EVALSHA` to compare against the server's own
    /// throughput. A server knows a script once a store has run it.
    #[doc(hidden)]
    pub fn script_sha1(name: &str) -> Option<&'static str> {
        match name {
            "insert_token" => Some(SCRIPTS.insert_token.get_hash()),
            "get_session" => Some(SCRIPTS.get_session.get_hash()),
            "is_revoked" => Some(SCRIPTS.is_revoked.get_hash()),
            _ => None,
        }
    }

    /// Runs a script invocation under the deadline.
    async fn script<T: FromRedisValue>(&self, call: &ScriptInvocation<'_>) -> Result<T> {
        let mut conn = self.conn.clone();
        self.deadline(call.invoke_async(&mut conn)).await
    }

    /// Runs one command under the deadline.
    async fn cmd<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T> {
        let mut conn = self.conn.clone();
        self.deadline(cmd.query_async(&mut conn)).await
    }

    async fn deadline<T: FromRedisValue>(&self, call: impl Future<Output = RedisResult<Value>> + Send) -> Result<T> {
        let reply = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| Error::StoreUnavailable(format!("redis: no reply within {} ms", self.timeout.as_millis())))?
            .map_err(|e| unavailable(&e))?;
        parse(reply)
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn create_user(&self, app: &str, user: &User) -> Result<()> {
        let p = prefix(app);
        let mut pairs = vec!["name".to_owned(), user.name.clone(), "created_at".into(), user.created_at.to_string()];
        if !user.profile.is_null() {
            pairs.extend(["profile".to_owned(), user.profile.to_string()]);
        }
        let mut call = SCRIPTS.create_user.key(format!("{p}u:{}", user.uid));
        call.arg(&p).arg(&pairs);
        match self.script::<i64>(&call).await? {
            1 => Ok(()),
            _ => Err(Error::UidAlreadyExists(user.uid.clone())),
        }
    }

    async fn get_user(&self, app: &str, uid: &str) -> Result<Option<User>> {
        let flat: Vec<String> = self.cmd(&hgetall(format!("{}u:{uid}", prefix(app)))).await?;
        match flat.is_empty() {
            true => Ok(None),
            false => user_from(uid.to_owned(), fields(flat)).map(Some),
        }
    }

    async fn delete_user(&self, app: &str, uid: &str) -> Result<bool> {
        let p = prefix(app);
        let mut call = SCRIPTS.delete_user.key(format!("{p}u:{uid}"));
        call.arg(&p).arg(uid);
        Ok(self.script::<i64>(&call).await? == 1)
    }

    async fn insert_token(&self, app: &str, token: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>> {
        let p = prefix(app);
        let mut pairs =
            vec!["redacted".to_owned(), token.redacted.clone(), "created_at".into(), token.created_at.to_string()];
        if let Some(exp) = token.expires_at {
            pairs.extend(["expires_at".to_owned(), exp.to_string()]);
        }
        meta_pairs(&token.meta, &mut pairs);
        let mut call = SCRIPTS.insert_token.key(format!("{p}u:{}", token.uid));
        call.arg(&p)
            .arg(&token.uid)
            .arg(hex(&token.hash))
            .arg(keep)
            .arg(self.archived_ttl_ms)
            .arg(token.created_at)
            .arg(&pairs);
        let reply: Vec<String> = self.script(&call).await?;
        match reply.first().map(String::as_str) {
            Some("ok") => reply[1..].iter().map(|h| unhex(h)).collect(),
            Some("no_user") => Err(Error::UserNotFound(token.uid.clone())),
            Some("duplicate") => Err(Error::StoreUnavailable("redis: a token with this hash already exists".into())),
            _ => Err(malformed()),
        }
    }

    async fn list_tokens(
        &self,
        app: &str,
        uid: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TokenRecord>, TokenCounts)> {
        let p = prefix(app);
        let mut call = SCRIPTS.list_tokens.key(format!("{p}u:{uid}"));
        call.arg(&p).arg(uid).arg(offset.min(MAX_PAGE)).arg(limit.min(MAX_PAGE));
        let reply: Vec<Value> = self.script(&call).await?;
        let mut items = reply.into_iter();
        let found: i64 = parse(items.next().ok_or_else(malformed)?)?;
        if found != 1 {
            return Err(Error::UserNotFound(uid.to_owned()));
        }
        let active: u64 = parse(items.next().ok_or_else(malformed)?)?;
        let archived: u64 = parse(items.next().ok_or_else(malformed)?)?;
        let page = items.map(|rec| hex_and_fields(rec).and_then(|(h, f)| token_from(h, f))).collect::<Result<_>>()?;
        Ok((page, TokenCounts { active, archived }))
    }

    async fn get_token(&self, app: &str, hash: &TokenHash) -> Result<Option<TokenRecord>> {
        let flat: Vec<String> = self.cmd(&hgetall(format!("{}t:{}", prefix(app), hex(hash)))).await?;
        match flat.is_empty() {
            true => Ok(None),
            false => token_from(*hash, fields(flat)).map(Some),
        }
    }

    async fn get_session(&self, app: &str, hash: &TokenHash) -> Result<Option<(TokenRecord, User)>> {
        let p = prefix(app);
        let mut call = SCRIPTS.get_session.key(format!("{p}t:{}", hex(hash)));
        call.arg(&p);
        let reply: Vec<Vec<String>> = self.script(&call).await?;
        let mut parts = reply.into_iter();
        let (Some(t), Some(u)) = (parts.next(), parts.next()) else {
            return Ok(None);
        };
        let token = token_from(*hash, fields(t))?;
        let user = user_from(token.uid.clone(), fields(u))?;
        Ok(Some((token, user)))
    }

    async fn update_token(&self, app: &str, hash: &TokenHash, patch: &TokenMeta) -> Result<Option<TokenRecord>> {
        let p = prefix(app);
        let mut pairs = Vec::new();
        meta_pairs(patch, &mut pairs);
        let mut call = SCRIPTS.update_token.key(format!("{p}t:{}", hex(hash)));
        call.arg(&p).arg(&pairs);
        let flat: Vec<String> = self.script(&call).await?;
        match flat.is_empty() {
            true => Ok(None),
            false => token_from(*hash, fields(flat)).map(Some),
        }
    }

    async fn delete_token(&self, app: &str, hash: &TokenHash) -> Result<bool> {
        let (p, h) = (prefix(app), hex(hash));
        let mut call = SCRIPTS.delete_token.key(format!("{p}t:{h}"));
        call.arg(&p).arg(&h);
        Ok(self.script::<i64>(&call).await? == 1)
    }

    async fn flush_tokens(&self, app: &str, uid: &str) -> Result<u64> {
        let p = prefix(app);
        let mut call = SCRIPTS.flush_tokens.key(format!("{p}u:{uid}"));
        call.arg(&p).arg(uid);
        self.script(&call).await
    }

    async fn purge_archived(&self, app: &str, before: u64) -> Result<u64> {
        let p = prefix(app);
        let mut call = SCRIPTS.purge_archived.key(format!("{p}az"));
        call.arg(&p).arg(before).arg(PURGE_BATCH);
        let mut purged = 0;
        loop {
            let (n, visited): (u64, u64) = self.script(&call).await?;
            purged += n;
            if visited < PURGE_BATCH {
                return Ok(purged);
            }
        }
    }

    async fn add_revocation(&self, app: &str, r: &Revocation) -> Result<()> {
        let p = prefix(app);
        // The hash may go once its last watermark may be forgotten; watermarks without a real
        // end (`forget_after` beyond any clock) keep it for good. Redis TTLs run on the server's
        // clock, so the TTL is taken relative to `applies_at` (about now), plus an hour of slack.
        let ttl = match r.forget_after {
            f if f >= 1 << 53 => 0,
            f => f.saturating_sub(r.applies_at).max(1) + 3_600_000,
        };
        let mut call = SCRIPTS.add_revocation.key(format!("{p}r:{}", r.subject));
        call.arg(&p).arg(pad(r.issued_before)).arg(pad(r.applies_at)).arg(pad(r.forget_after)).arg(ttl);
        self.script::<i64>(&call).await.map(drop)
    }

    async fn is_revoked(&self, app: &str, subjects: &[String], issued_at: u64, now: u64) -> Result<bool> {
        if subjects.is_empty() {
            return Ok(false);
        }
        let p = prefix(app);
        let mut call = SCRIPTS.is_revoked.prepare_invoke();
        for s in subjects {
            call.key(format!("{p}r:{s}"));
        }
        call.arg(&p).arg(pad(now)).arg(pad(issued_at));
        Ok(self.script::<i64>(&call).await? == 1)
    }

    async fn remember_nonce(&self, app: &str, key_name: &str, nonce: &str, expires_at: u64, now: u64) -> Result<bool> {
        // Already expired: nothing to remember, and nothing it could replay against.
        let Some(ttl) = expires_at.checked_sub(now).filter(|&t| t > 0) else {
            return Ok(true);
        };
        let mut cmd = ::redis::cmd("SET");
        cmd.arg(format!("{}n:{}:{nonce}", prefix(app), escape(key_name))).arg(1).arg("NX").arg("PX").arg(ttl);
        let set: Option<String> = self.cmd(&cmd).await?;
        Ok(set.is_some())
    }

    async fn put_push(&self, app: &str, r: &PushRegistration) -> Result<()> {
        let (p, h) = (prefix(app), hex(&r.token_hash));
        let mut pairs = vec!["platform".to_owned(), r.platform.clone(), "created_at".into(), r.created_at.to_string()];
        for (name, v) in [("fcm_token", &r.fcm_token), ("apns_token", &r.apns_token), ("voip_token", &r.voip_token)] {
            if let Some(v) = v {
                pairs.extend([name.to_owned(), v.clone()]);
            }
        }
        let mut call = SCRIPTS.put_push.key(format!("{p}t:{h}"));
        call.arg(&p).arg(&h).arg(&r.uid).arg(&pairs);
        match self.script::<i64>(&call).await? {
            1 => Ok(()),
            _ => Err(Error::AuthTokenNotFound),
        }
    }

    async fn list_push(&self, app: &str, uid: &str) -> Result<Vec<PushRegistration>> {
        let p = prefix(app);
        let mut call = SCRIPTS.list_push.key(format!("{p}pu:{uid}"));
        call.arg(&p);
        let reply: Vec<Value> = self.script(&call).await?;
        let mut out = reply
            .into_iter()
            .map(|rec| {
                let (token_hash, mut f) = hex_and_fields(rec)?;
                Ok(PushRegistration {
                    token_hash,
                    created_at: num(&f, "created_at")?,
                    uid: f.remove("uid").ok_or_else(malformed)?,
                    platform: f.remove("platform").ok_or_else(malformed)?,
                    fcm_token: f.remove("fcm_token"),
                    apns_token: f.remove("apns_token"),
                    voip_token: f.remove("voip_token"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|p| (p.created_at, p.token_hash));
        Ok(out)
    }

    async fn delete_push(&self, app: &str, uid: &str, token: Option<&TokenHash>) -> Result<u64> {
        let p = prefix(app);
        let only = token.map(|h| hex(h)).unwrap_or_default();
        let mut call = SCRIPTS.delete_push.key(format!("{p}pu:{uid}"));
        call.arg(&p).arg(uid).arg(&only);
        self.script(&call).await
    }

    async fn ping(&self) -> Result<()> {
        self.cmd::<String>(&::redis::cmd("PING")).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let o = parse_url("redis://127.0.0.1:6379/2").unwrap();
        assert_eq!(
            (o.server.as_str(), o.archived_ttl_ms, o.timeout_ms),
            ("redis://127.0.0.1:6379/2", DEFAULT_ARCHIVED_TTL_MS, 2000)
        );
        let o = parse_url("redis://:pw@h/0?archived_ttl_ms=0&timeout_ms=500").unwrap();
        assert_eq!((o.archived_ttl_ms, o.timeout_ms), (0, 500));
        for bad in
            ["redis://", "redis:///0", "redis://h?ttl=1", "redis://h?archived_ttl_ms=x", "rediss://h:6380", "http://h"]
        {
            let e = parse_url(bad).err().unwrap_or_else(|| panic!("{bad}"));
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{bad}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(prefix("default"), "ts:{default}:");
        assert_eq!(prefix("a}b:c{"), "ts:{a%7Db%3Ac%7B}:");
        assert_eq!(prefix(""), "ts:{~}:");
        assert_eq!(pad(42), "00000000000000000042");
        assert_eq!(pad(u64::MAX).len(), 20);
        let h = [0xabu8; 32];
        assert_eq!(unhex(&hex(&h)).unwrap(), h);
        assert!(unhex("zz").is_err());
    }
}
