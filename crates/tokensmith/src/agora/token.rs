//! The AccessToken2 envelope: `"007" + base64(zlib(signature || signing_info))`.

use std::cell::RefCell;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use serde::Serialize;

use super::deflate;
use super::packer::{Reader, Writer};
use super::service::{PRIVILEGE_CHAT_APP, PRIVILEGE_CHAT_USER, SERVICE_CHAT, Service};
use crate::crypto::{ct_eq, hmac_sha256};
use crate::error::{Error, Result};

pub const VERSION: &str = "007";
/// Decompressed payloads larger than this are refused (a zip bomb guard; real tokens are < 1 KiB).
const MAX_PAYLOAD: usize = 1 << 20;

/// A parsed (or to-be-built) AccessToken2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken2 {
    pub app_id: String,
    pub issue_ts: u32,
    /// Seconds relative to `issue_ts`.
    pub expire: u32,
    pub salt: u32,
    pub services: Vec<Service>,
    /// The signature as read from a token (empty before signing).
    #[serde(skip)]
    pub signature: Vec<u8>,
    /// The signed bytes exactly as read, so verification never depends on re-serialisation.
    #[serde(skip)]
    pub signing_info: Vec<u8>,
}

impl AccessToken2 {
    /// Unix seconds at which the token stops being valid.
    pub fn expires_at(&self) -> u64 {
        u64::from(self.issue_ts) + u64::from(self.expire)
    }

    /// Serialises the signed part (§4); services sorted by type, stable for duplicates.
    pub fn encode_signing_info(&self) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(96 + self.services.len() * 32);
        w.bytes("app_id", self.app_id.as_bytes())?;
        w.u32(self.issue_ts);
        w.u32(self.expire);
        w.u32(self.salt);
        let mut services: Vec<&Service> = self.services.iter().collect();
        services.sort_by_key(|s| s.service_type);
        w.u16(u16::try_from(services.len()).map_err(|_| Error::invalid("services", "too many services"))?);
        for s in services {
            s.write(&mut w)?;
        }
        Ok(w.0)
    }

    /// Signs and encodes any token; the certificate must already be validated. Chat tokens
    /// are built by [`build_chat_token`]; this general form is its oracle in the tests.
    #[cfg(test)]
    pub(crate) fn build(&self, app_certificate: &str) -> Result<String> {
        let signing_info = self.encode_signing_info()?;
        let signature = sign(app_certificate, self.issue_ts, self.salt, &signing_info);
        let mut payload = Vec::with_capacity(34 + signing_info.len());
        payload.extend_from_slice(&32u16.to_le_bytes());
        payload.extend_from_slice(&signature);
        payload.extend_from_slice(&signing_info);
        Ok(encode_payload(&payload))
    }

    /// Parses any AccessToken2, accepting any valid zlib stream (Node and Go tokens included).
    pub fn parse(token: &str) -> Result<AccessToken2> {
        parse_payload(&decode_payload(token)?)
    }

    /// True when `app_certificate` produced the signature (constant-time comparison).
    pub fn signature_matches(&self, app_certificate: &str) -> bool {
        let expected = sign(app_certificate, self.issue_ts, self.salt, &self.signing_info);
        ct_eq(&expected, &self.signature)
    }
}

/// k1 = HMAC(u32le(issue_ts), cert); k2 = HMAC(u32le(salt), k1); sig = HMAC(k2, signing_info) (§5).
pub(crate) fn sign(app_certificate: &str, issue_ts: u32, salt: u32, signing_info: &[u8]) -> [u8; 32] {
    let k2 = signing_key(app_certificate, issue_ts, salt);
    hmac_sha256(&k2, &[signing_info])
}

pub(crate) fn signing_key(app_certificate: &str, issue_ts: u32, salt: u32) -> [u8; 32] {
    let k1 = hmac_sha256(&issue_ts.to_le_bytes(), &[app_certificate.as_bytes()]);
    hmac_sha256(&salt.to_le_bytes(), &[&k1])
}

/// Per-thread buffers reused by every token built on the thread.
struct Scratch {
    /// The payload being built (chat tokens).
    payload: Vec<u8>,
    /// The zlib stream.
    out: Vec<u8>,
    /// libz, created on first need: only when the fast path cannot prove zlib's output
    /// (see `deflate`). Reset per token, as allocating its state would dominate otherwise.
    libz: Option<Compress>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> =
        const { RefCell::new(Scratch { payload: Vec::new(), out: Vec::new(), libz: None }) };
}

/// A chat token, built in the thread's reused buffers: the same bytes as [`AccessToken2::build`]
/// of a token whose only service is `Service::chat(user_id, expire)` (the tests check), without
/// building that token's strings, map and vectors. Inputs are already validated: a 32-byte
/// `app_id`, a `user_id` of at most 65535 bytes.
pub(crate) fn build_chat_token(
    app_certificate: &str,
    app_id: &str,
    issue_ts: u32,
    expire: u32,
    salt: u32,
    user_id: Option<&str>,
) -> String {
    SCRATCH.with(|cell| {
        let s = &mut *cell.borrow_mut();
        let p = &mut s.payload;
        let user = user_id.unwrap_or_default().as_bytes();
        let privilege = if user_id.is_some() { PRIVILEGE_CHAT_USER } else { PRIVILEGE_CHAT_APP };
        p.clear();
        p.extend_from_slice(&32u16.to_le_bytes());
        p.extend_from_slice(&[0; 32]); // the signature, filled in below
        let start = p.len();
        p.extend_from_slice(&(app_id.len() as u16).to_le_bytes());
        p.extend_from_slice(app_id.as_bytes());
        for v in [issue_ts, expire, salt] {
            p.extend_from_slice(&v.to_le_bytes());
        }
        for v in [1, SERVICE_CHAT, 1, privilege] {
            p.extend_from_slice(&v.to_le_bytes()); // one service: chat, one privilege
        }
        p.extend_from_slice(&expire.to_le_bytes());
        p.extend_from_slice(&(user.len() as u16).to_le_bytes());
        p.extend_from_slice(user);
        let signature = sign(app_certificate, issue_ts, salt, &p[start..]);
        p[2..34].copy_from_slice(&signature);
        encode(&s.payload, &mut s.out, &mut s.libz)
    })
}

/// `"007" + base64(zlib level 6(payload))`, byte-exact with the vanilla-zlib references.
#[cfg(test)]
fn encode_payload(payload: &[u8]) -> String {
    SCRATCH.with(|cell| {
        let s = &mut *cell.borrow_mut();
        encode(payload, &mut s.out, &mut s.libz)
    })
}

fn encode(payload: &[u8], out: &mut Vec<u8>, libz: &mut Option<Compress>) -> String {
    if deflate::compress(payload, out) == deflate::Outcome::Fallback {
        libz_level6(libz.get_or_insert_with(|| Compress::new(Compression::new(6), true)), payload, out);
    }
    let mut token = String::with_capacity(3 + out.len().div_ceil(3) * 4);
    token.push_str(VERSION);
    STANDARD.encode_string(&out[..], &mut token);
    token
}

/// Vanilla zlib level 6 through libz, with a reused (reset) stream.
fn libz_level6(z: &mut Compress, payload: &[u8], out: &mut Vec<u8>) {
    z.reset();
    out.clear();
    out.reserve(payload.len() + 64);
    loop {
        let status = z
            .compress_vec(&payload[z.total_in() as usize..], out, FlushCompress::Finish)
            .expect("deflate of an in-memory buffer cannot fail");
        if status == Status::StreamEnd {
            break;
        }
        out.reserve(out.capacity().max(64));
    }
}

/// Undoes [`encode_payload`]: checks the prefix, strict base64, one complete zlib stream.
pub fn decode_payload(token: &str) -> Result<Vec<u8>> {
    let body = match token.strip_prefix(VERSION) {
        Some(b) => b,
        None if token.starts_with("006") => {
            return Err(Error::malformed("version", "legacy 006 AccessToken is not supported; expected 007"));
        }
        None => return Err(Error::malformed("version", "expected the prefix \"007\"")),
    };
    let compressed =
        STANDARD.decode(body).map_err(|e| Error::malformed("base64", format!("not standard padded base64: {e}")))?;
    let mut z = Decompress::new(true);
    let mut out = Vec::with_capacity(compressed.len() * 4);
    loop {
        let consumed = z.total_in() as usize;
        let status = z
            .decompress_vec(&compressed[consumed..], &mut out, FlushDecompress::Finish)
            .map_err(|e| Error::malformed("zlib", format!("invalid zlib stream: {e}")))?;
        match status {
            Status::StreamEnd => break,
            _ if out.len() > MAX_PAYLOAD => {
                return Err(Error::malformed("zlib", "decompressed payload is over 1 MiB"));
            }
            _ if out.len() == out.capacity() => out.reserve(out.capacity().max(256)),
            _ => return Err(Error::malformed("zlib", "zlib stream is truncated")),
        }
    }
    if (z.total_in() as usize) != compressed.len() {
        return Err(Error::malformed("trailing", "bytes after the end of the zlib stream"));
    }
    Ok(out)
}

fn parse_payload(payload: &[u8]) -> Result<AccessToken2> {
    let mut r = Reader::new(payload);
    let signature = r.bytes("signature")?.to_vec();
    if signature.len() != 32 {
        return Err(Error::malformed("signature", format!("expected 32 bytes, found {}", signature.len())));
    }
    let start = r.pos();
    let app_id = r.string("app_id")?;
    let issue_ts = r.u32("issue_ts")?;
    let expire = r.u32("expire")?;
    let salt = r.u32("salt")?;
    let count = r.u16("service_count")?;
    let mut services = Vec::with_capacity(usize::from(count).min(16));
    for _ in 0..count {
        if r.is_empty() {
            return Err(Error::malformed("services", format!("service_count is {count}, found {}", services.len())));
        }
        let service = Service::read(&mut r)?;
        let unknown = matches!(service.body, super::service::ServiceBody::Unknown { .. });
        services.push(service);
        if unknown {
            break;
        }
    }
    if !r.is_empty() {
        return Err(Error::malformed("trailing", "bytes after the last service"));
    }
    Ok(AccessToken2 { app_id, issue_ts, expire, salt, services, signature, signing_info: payload[start..].to_vec() })
}
