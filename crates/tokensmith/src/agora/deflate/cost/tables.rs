//! Deflate's fixed tables (RFC 1951 §3.2.5–3.2.7), built at compile time.

pub(crate) const LITERALS: usize = 256;
pub(crate) const END_BLOCK: usize = 256;
const LENGTH_CODES: usize = 29;
/// Literal/length symbols zlib tallies (286 and 287 never occur).
pub(crate) const L_CODES: usize = LITERALS + 1 + LENGTH_CODES;
pub(crate) const D_CODES: usize = 30;

pub(crate) const EXTRA_LBITS: [u8; LENGTH_CODES] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
pub(crate) const EXTRA_DBITS: [u8; D_CODES] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/// Extra bits of the bit-length symbols 16 (repeat 3..6), 17 (3..10 zeros), 18 (11..138 zeros).
pub(crate) const EXTRA_BLBITS: [u8; 19] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
/// The order in which the bit-length code lengths are sent (and trimmed from the end).
pub(crate) const BL_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// First `length - 3` of each length code.
const BASE_LENGTH: [u8; LENGTH_CODES] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 255];
/// First `distance - 1` of each distance code.
const BASE_DIST: [u16; D_CODES] = [
    0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144,
    8192, 12288, 16384, 24576,
];

/// zlib's `_length_code`: `length - 3` → length code 0..28. Length 258 (255) is code 28, not
/// the last value of code 27, as zlib's `tr_static_init` overwrites it.
const LENGTH_CODE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut code = 0;
    while code < LENGTH_CODES - 1 {
        let mut i = 0;
        while i < (1 << EXTRA_LBITS[code]) {
            t[BASE_LENGTH[code] as usize + i] = code as u8;
            i += 1;
        }
        code += 1;
    }
    t[255] = 28;
    t
};

pub(crate) fn length_code(lc: usize) -> u8 {
    LENGTH_CODE[lc]
}

/// zlib's `d_code`: `distance - 1` → distance code (the last code whose base is <= d).
pub(crate) fn dist_code(d: usize) -> u8 {
    if d < 4 {
        d as u8
    } else {
        let top = usize::BITS - 1 - d.leading_zeros(); // floor(log2 d), >= 2
        (2 * top + ((d >> (top - 1)) & 1) as u32) as u8
    }
}

/// `code` written MSB first as deflate's Huffman codes are, i.e. bit-reversed for an
/// LSB-first bit buffer (zlib's `bi_reverse`).
const fn reverse(code: u16, len: u8) -> u16 {
    code.reverse_bits() >> (16 - len as u32)
}

/// The fixed literal/length code: (reversed code, length) for symbols 0..=287.
pub(crate) const FIXED_LIT: [(u16, u8); 288] = {
    let mut t = [(0u16, 0u8); 288];
    let mut n = 0;
    while n < 288 {
        let (code, len) = match n {
            0..=143 => (0x30 + n as u16, 8),
            144..=255 => (0x190 + (n - 144) as u16, 9),
            256..=279 => ((n - 256) as u16, 7),
            _ => (0xc0 + (n - 280) as u16, 8),
        };
        t[n] = (reverse(code, len), len);
        n += 1;
    }
    t
};

/// One match in fixed codes: length code, its extra bits, distance code (5 bits), its extra
/// bits, packed LSB first; returns (bits, bit count), at most 8 + 5 + 5 + 13 = 31 bits.
pub(crate) fn fixed_match(lc: usize, d: usize) -> (u32, u32) {
    let lcode = usize::from(LENGTH_CODE[lc]);
    let (code, len) = FIXED_LIT[LITERALS + 1 + lcode];
    let mut bits = u32::from(code);
    let mut n = u32::from(len);
    let lx = u32::from(EXTRA_LBITS[lcode]);
    bits |= ((lc - usize::from(BASE_LENGTH[lcode])) as u32) << n;
    n += lx;
    let dcode = usize::from(dist_code(d));
    bits |= u32::from(reverse(dcode as u16, 5)) << n;
    n += 5;
    bits |= ((d - usize::from(BASE_DIST[dcode])) as u32) << n;
    n += u32::from(EXTRA_DBITS[dcode]);
    (bits, n)
}
