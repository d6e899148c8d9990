//! AccessToken2's little-endian primitives (agora-accesstoken2 §3).

use crate::error::{Error, Result};

/// Appends primitives to a byte buffer.
pub(crate) struct Writer(pub Vec<u8>);

impl Writer {
    pub fn with_capacity(n: usize) -> Self {
        Writer(Vec::with_capacity(n))
    }
    pub fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i16(&mut self, v: i16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// `u16 length` then the bytes; `field` names the value in the error when it is too long.
    pub fn bytes(&mut self, field: &'static str, v: &[u8]) -> Result<()> {
        let len = u16::try_from(v.len())
            .map_err(|_| Error::invalid(field, format!("{} bytes is over the limit of 65535", v.len())))?;
        self.u16(len);
        self.0.extend_from_slice(v);
        Ok(())
    }
}

/// Reads primitives; every failure names the field that was being read.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn pos(&self) -> usize {
        self.pos
    }
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.buf[self.pos..];
        self.pos = self.buf.len();
        r
    }
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| {
            Error::malformed(field, format!("truncated payload: needs {n} bytes at offset {}", self.pos))
        })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn u16(&mut self, field: &'static str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.take(2, field)?.try_into().unwrap()))
    }
    pub fn i16(&mut self, field: &'static str) -> Result<i16> {
        Ok(i16::from_le_bytes(self.take(2, field)?.try_into().unwrap()))
    }
    pub fn u32(&mut self, field: &'static str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, field)?.try_into().unwrap()))
    }
    pub fn bytes(&mut self, field: &'static str) -> Result<&'a [u8]> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }
    pub fn string(&mut self, field: &'static str) -> Result<String> {
        let b = self.bytes(field)?;
        String::from_utf8(b.to_vec()).map_err(|_| Error::malformed(field, "not valid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let mut w = Writer::with_capacity(16);
        w.u16(513);
        w.u32(0xDEADBEEF);
        w.i16(-1);
        w.bytes("s", b"hi").unwrap();
        let mut r = Reader::new(&w.0);
        assert_eq!(r.u16("a").unwrap(), 513);
        assert_eq!(r.u32("b").unwrap(), 0xDEADBEEF);
        assert_eq!(r.i16("c").unwrap(), -1);
        assert_eq!(r.string("s").unwrap(), "hi");
        assert!(r.is_empty());
        let err = Reader::new(&[1]).u16("issue_ts").unwrap_err();
        assert_eq!(err.field(), Some("issue_ts"));
    }

    #[test]
    fn oversized_bytes_are_refused() {
        let mut w = Writer::with_capacity(0);
        let err = w.bytes("user_id", &vec![b'a'; 65536]).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert_eq!(err.field(), Some("user_id"));
    }
}
