//! Reading an Ably JWT's claims JSON without serde: the verifying hot path.
//!
//! The reader takes the shape issuers write (an object of the four Ably claims, whole-number
//! times, strings with the short escapes) and unescapes strings in place in the decoded
//! buffer, so nothing is allocated. Anything else — unknown or repeated claims, `\u` escapes,
//! `null`, other number forms, invalid UTF-8 — returns `None` and serde_json decides, so the
//! result and every error are exactly serde's (the tests compare the two).

/// Claims borrowed from the token's decoded JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimsRef<'a> {
    pub iat: u64,
    pub exp: u64,
    /// `x-ably-capability`: the capability's JSON text.
    pub capability: &'a str,
    /// `x-ably-clientId`.
    pub client_id: Option<&'a str>,
}

impl<'a> ClaimsRef<'a> {
    pub fn of(claims: &'a super::Claims) -> Self {
        ClaimsRef {
            iat: claims.iat,
            exp: claims.exp,
            capability: &claims.capability,
            client_id: claims.client_id.as_deref(),
        }
    }

    pub fn to_owned(&self) -> super::Claims {
        super::Claims {
            iat: self.iat,
            exp: self.exp,
            capability: self.capability.to_owned(),
            client_id: self.client_id.map(str::to_owned),
        }
    }
}

/// The claims in `json` as serde_json reads them into [`Claims`](super::Claims), or `None`
/// (with `json` partly unescaped) when that is for serde_json to decide.
pub(super) fn read_in_place(json: &mut [u8]) -> Option<ClaimsRef<'_>> {
    let mut r = Reader { buf: json, pos: 0 };
    let (mut iat, mut exp, mut capability, mut client_id) = (None, None, None, None);
    r.skip_ws();
    r.eat(b'{')?;
    loop {
        r.skip_ws();
        let name = r.name()?;
        r.skip_ws();
        r.eat(b':')?;
        r.skip_ws();
        // A repeated claim is serde's "duplicate field" error.
        match name {
            Name::Iat if iat.is_none() => iat = Some(r.whole()?),
            Name::Exp if exp.is_none() => exp = Some(r.whole()?),
            Name::Capability if capability.is_none() => capability = Some(r.string()?),
            Name::ClientId if client_id.is_none() => client_id = Some(r.string()?),
            _ => return None,
        }
        r.skip_ws();
        if r.eat(b',').is_none() {
            break;
        }
    }
    r.eat(b'}')?;
    r.skip_ws();
    if r.pos != r.buf.len() {
        return None;
    }
    let buf = &*r.buf;
    let text = |(start, end): (usize, usize)| std::str::from_utf8(&buf[start..end]).ok();
    Some(ClaimsRef {
        iat: iat?,
        exp: exp?,
        capability: text(capability?)?,
        client_id: match client_id {
            Some(range) => Some(text(range)?),
            None => None,
        },
    })
}

enum Name {
    Iat,
    Exp,
    Capability,
    ClientId,
}

struct Reader<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// JSON white space, as serde_json skips it.
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.pos += 1)
    }

    /// A claim name, written without escapes.
    fn name(&mut self) -> Option<Name> {
        self.eat(b'"')?;
        let start = self.pos;
        let len = self.buf[start..].iter().position(|&b| b == b'"')?;
        self.pos += len + 1;
        match &self.buf[start..start + len] {
            b"iat" => Some(Name::Iat),
            b"exp" => Some(Name::Exp),
            b"x-ably-capability" => Some(Name::Capability),
            b"x-ably-clientId" => Some(Name::ClientId),
            _ => None,
        }
    }

    /// A `u64` written as serde_json reads one: digits, no leading zero, no fraction or
    /// exponent (those make a float, which a `u64` claim refuses).
    fn whole(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.pos += 1;
        }
        let digits = self.pos - start;
        let leading_zero = digits > 1 && self.buf[start] == b'0';
        if digits == 0 || leading_zero || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(n)
    }

    /// A string, unescaped in place; its range in the buffer. `\u` escapes and raw control
    /// characters are left to serde_json.
    fn string(&mut self) -> Option<(usize, usize)> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut out = start;
        loop {
            let b = self.peek()?;
            let (byte, len) = match b {
                b'"' => {
                    self.pos += 1;
                    return Some((start, out));
                }
                b'\\' => match self.buf.get(self.pos + 1)? {
                    b'"' => (b'"', 2),
                    b'\\' => (b'\\', 2),
                    b'/' => (b'/', 2),
                    b'b' => (0x08, 2),
                    b'f' => (0x0c, 2),
                    b'n' => (b'\n', 2),
                    b'r' => (b'\r', 2),
                    b't' => (b'\t', 2),
                    _ => return None,
                },
                0x00..=0x1f => return None,
                _ => (b, 1),
            };
            // `out` never passes `pos`: an escape writes one byte for two.
            self.buf[out] = byte;
            out += 1;
            self.pos += len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Claims;
    use super::*;

    /// The fast reader agrees with serde_json whenever it answers.
    fn agrees(json: &str) -> bool {
        let serde = serde_json::from_str::<Claims>(json).ok();
        let mut buf = json.as_bytes().to_vec();
        match read_in_place(&mut buf) {
            Some(fast) => {
                assert_eq!(Some(fast.to_owned()), serde, "{json}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_what_issuers_write() {
        let cap = serde_json::to_string(r#"{"chat:*":["presence","publish"],"n":["*"]}"#).unwrap();
        for json in [
            format!(r#"{{"iat":1700000000,"exp":1700003600,"x-ably-capability":{cap},"x-ably-clientId":"alice"}}"#),
            format!(r#"{{"iat":0,"exp":18446744073709551615,"x-ably-capability":{cap}}}"#),
            format!(
                " {{ \"x-ably-clientId\" : \"é \\t\\n\\\\\\/\" ,\r\n\"x-ably-capability\":{cap},\"exp\":2,\"iat\":1 }}\n"
            ),
            r#"{"iat":1,"exp":2,"x-ably-capability":"","x-ably-clientId":"😀\b\f\r"}"#.into(),
        ] {
            assert!(agrees(&json), "the fast reader should take {json}");
        }
    }

    #[test]
    fn leaves_the_rest_to_serde() {
        for json in [
            "",
            "{}",
            "[1,2,\"{}\"]",
            r#"{"iat":1,"exp":2}"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":"{}","iat":1}"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":"{}","x-ably-clientId":null}"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":"{}","other":1}"#,
            r#"{"iat":01,"exp":2,"x-ably-capability":"{}"}"#,
            r#"{"iat":1.0,"exp":2,"x-ably-capability":"{}"}"#,
            r#"{"iat":1e3,"exp":2,"x-ably-capability":"{}"}"#,
            r#"{"iat":-1,"exp":2,"x-ably-capability":"{}"}"#,
            r#"{"iat":18446744073709551616,"exp":2,"x-ably-capability":"{}"}"#,
            r#"{"iat":"1","exp":2,"x-ably-capability":"{}"}"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":"\u0041"}"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":"\q"}"#,
            "{\"iat\":1,\"exp\":2,\"x-ably-capability\":\"\u{1}\"}",
            r#"{"iat":1,"exp":2,"x-ably-capability":"{}",}"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":"{}"} x"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":"{}""#,
            r#"{"i\u0061t":1,"exp":2,"x-ably-capability":"{}"}"#,
            r#"{"iat":1,"exp":2,"x-ably-capability":1}"#,
        ] {
            assert!(!agrees(json), "the fast reader should leave {json:?} to serde");
        }
        // Invalid UTF-8 in a string.
        let mut bytes = br#"{"iat":1,"exp":2,"x-ably-capability":"#.to_vec();
        bytes.extend_from_slice(b"\"\xc3\\n\"}");
        assert!(serde_json::from_slice::<Claims>(&bytes).is_err());
        assert_eq!(read_in_place(&mut bytes), None);
    }

    #[test]
    fn every_truncation_and_byte_flip_agrees_or_defers() {
        let json = r#"{"iat":1700000000,"exp":1700003600,"x-ably-capability":"{\"a:*\":[\"publish\"]}","x-ably-clientId":"bob\/\\x"}"#;
        assert!(agrees(json));
        for end in 0..json.len() {
            agrees(&json[..end]);
        }
        let bytes = json.as_bytes();
        for i in 0..bytes.len() {
            for b in [b'"', b'\\', b'0', b'1', b' ', b',', b'}', b'{', b':', b'n', b'.', b'u', 0x01, 0xc3, 0xff] {
                let mut flipped = bytes.to_vec();
                flipped[i] = b;
                let serde = serde_json::from_slice::<Claims>(&flipped).ok();
                if let Some(fast) = read_in_place(&mut flipped.clone()) {
                    assert_eq!(Some(fast.to_owned()), serde, "{}", String::from_utf8_lossy(&flipped));
                }
            }
        }
    }
}
