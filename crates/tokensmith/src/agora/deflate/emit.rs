//! Writing the zlib stream: header, one fixed-Huffman or stored block, Adler-32 trailer.

use super::Sym;
use super::cost::{END_BLOCK, FIXED_LIT, fixed_match};

const ZLIB_HEADER: [u8; 2] = [0x78, 0x9c]; // deflate, 32 KiB window, level 6, no dictionary

/// LSB-first bit writer, as zlib's `send_bits`, into a buffer sized in advance: each `put`
/// stores 8 bytes and advances by the whole bytes filled, so there is no branch on the bit
/// count (which is unpredictable and was the writer's main cost).
struct Bits<'a> {
    buf: &'a mut [u8],
    pos: usize,
    acc: u64,
    n: u32,
}

impl Bits<'_> {
    /// `len <= 31`.
    #[inline]
    fn put(&mut self, value: u32, len: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += len;
        self.buf[self.pos..self.pos + 8].copy_from_slice(&self.acc.to_le_bytes());
        let bytes = self.n >> 3; // at most 4: n < 8 before, len <= 31
        self.pos += bytes as usize;
        self.acc >>= bytes * 8;
        self.n &= 7;
    }

    /// zlib's `bi_windup`: the last partial byte, zero-padded (already stored by `put`).
    fn finish(self) -> usize {
        self.pos + usize::from(self.n > 0)
    }
}

/// The zlib stream with one last fixed-Huffman block (`compress_block(static_ltree,
/// static_dtree)`) of `bits` bits (zlib's `static_len`), without the trailer.
pub(super) fn fixed(syms: &[Sym], bits: u64, out: &mut Vec<u8>) {
    let total = 2 + (bits as usize + 3).div_ceil(8);
    out.clear();
    out.resize(total + 8, 0); // 8 bytes of slack for `put`'s stores
    out[..2].copy_from_slice(&ZLIB_HEADER);
    let mut w = Bits { buf: &mut out[2..], pos: 0, acc: 0, n: 0 };
    w.put(0b011, 3); // BFINAL = 1, BTYPE = 01
    for &s in syms {
        let dist = (s >> 16) as usize;
        let lc = (s & 0xff) as usize;
        if dist == 0 {
            let (code, len) = FIXED_LIT[lc];
            w.put(u32::from(code), u32::from(len));
        } else {
            let (code, len) = fixed_match(lc, dist - 1);
            w.put(code, len);
        }
    }
    let (code, len) = FIXED_LIT[END_BLOCK];
    w.put(u32::from(code), u32::from(len));
    let written = 2 + w.finish();
    debug_assert_eq!(written, total);
    out.truncate(written);
}

/// The zlib stream with one last stored block: `_tr_stored_block` right after the header
/// (bit buffer empty), without the trailer.
pub(super) fn stored(input: &[u8], out: &mut Vec<u8>) {
    let len = input.len() as u16;
    out.clear();
    out.reserve(2 + 5 + input.len() + 4);
    out.extend_from_slice(&ZLIB_HEADER);
    out.push(0b001); // BFINAL = 1, BTYPE = 00, then aligned
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(input);
}

/// Adler-32 (RFC 1950), reduced every 5552 bytes as zlib does (no overflow before that).
pub(super) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}
