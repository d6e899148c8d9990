//! A test-only inflater (after Mark Adler's `puff`) that reports what libz *decided*, not just
//! the bytes: the block type, the dynamic code lengths it sent, the LZ77 symbols, and the exact
//! size of the block in bits. The tests compare those with the fast path's own decisions.

pub struct Parsed {
    /// 0 stored, 1 fixed, 2 dynamic.
    pub btype: u32,
    /// Dynamic blocks: the literal/length and distance code lengths sent (`lcodes`, `dcodes`
    /// entries), and the bit-length code lengths by symbol with the count sent.
    pub lit_lens: Vec<u8>,
    pub dist_lens: Vec<u8>,
    pub bl_lens: [u8; 19],
    pub blcodes: usize,
    /// Fixed and dynamic blocks: the symbols, packed like the encoder's (`dist << 16 | lc`).
    pub syms: Vec<u32>,
    /// Bits from the block header through the end-of-block code (zlib's `3 + opt_len` or
    /// `3 + static_len`).
    pub block_bits: usize,
    pub data: Vec<u8>,
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> u32 {
        let b = (self.data[self.pos / 8] >> (self.pos % 8)) & 1;
        self.pos += 1;
        u32::from(b)
    }
    fn bits(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |acc, i| acc | (self.bit() << i))
    }
}

/// Canonical Huffman decoding table: counts per length, symbols by (length, value).
struct Huffman {
    count: [u16; 16],
    symbol: Vec<u16>,
}

impl Huffman {
    fn new(lens: &[u8]) -> Huffman {
        let mut count = [0u16; 16];
        for &l in lens {
            count[usize::from(l)] += 1;
        }
        let mut symbol = Vec::new();
        for len in 1..16u8 {
            for (s, &l) in lens.iter().enumerate() {
                if l == len {
                    symbol.push(s as u16);
                }
            }
        }
        Huffman { count, symbol }
    }

    fn decode(&self, b: &mut Bits<'_>) -> usize {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= b.bit() as i32;
            let count = i32::from(self.count[len]);
            if code - count < first {
                return usize::from(self.symbol[(index + (code - first)) as usize]);
            }
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        panic!("invalid Huffman code");
    }
}

const LBASE: [u16; 29] =
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT: [u32; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
    8193, 12289, 16385, 24577,
];
const DEXT: [u32; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// Parses a zlib stream made of exactly one (final) deflate block.
pub fn parse(z: &[u8]) -> Parsed {
    assert_eq!(&z[..2], &[0x78, 0x9c], "zlib header");
    let mut b = Bits { data: z, pos: 16 };
    let start = b.pos;
    assert_eq!(b.bit(), 1, "a single, final block");
    let btype = b.bits(2);
    let mut p = Parsed {
        btype,
        lit_lens: Vec::new(),
        dist_lens: Vec::new(),
        bl_lens: [0; 19],
        blcodes: 0,
        syms: Vec::new(),
        block_bits: 0,
        data: Vec::new(),
    };
    let (lit, dist) = match btype {
        0 => {
            let at = b.pos.div_ceil(8);
            let len = usize::from(u16::from_le_bytes([z[at], z[at + 1]]));
            p.data = z[at + 4..at + 4 + len].to_vec();
            assert_eq!(z.len(), at + 4 + len + 4, "adler trailer follows");
            return p;
        }
        1 => {
            let mut l = [8u8; 288];
            l[144..256].fill(9);
            l[256..280].fill(7);
            (Huffman::new(&l), Huffman::new(&[5; 30]))
        }
        2 => {
            let lcodes = b.bits(5) as usize + 257;
            let dcodes = b.bits(5) as usize + 1;
            p.blcodes = b.bits(4) as usize + 4;
            for &s in &ORDER[..p.blcodes] {
                p.bl_lens[s] = b.bits(3) as u8;
            }
            let bl = Huffman::new(&p.bl_lens);
            let mut lens = Vec::new();
            while lens.len() < lcodes + dcodes {
                let (value, repeat) = match bl.decode(&mut b) {
                    s @ 0..=15 => (s as u8, 1),
                    16 => (*lens.last().unwrap(), 3 + b.bits(2)),
                    17 => (0, 3 + b.bits(3)),
                    _ => (0, 11 + b.bits(7)),
                };
                lens.extend(std::iter::repeat_n(value, repeat as usize));
            }
            p.dist_lens = lens.split_off(lcodes);
            p.lit_lens = lens;
            (Huffman::new(&p.lit_lens), Huffman::new(&p.dist_lens))
        }
        _ => panic!("reserved block type"),
    };
    loop {
        let s = lit.decode(&mut b);
        if s < 256 {
            p.syms.push(s as u32);
            p.data.push(s as u8);
        } else if s == 256 {
            break;
        } else {
            let c = s - 257;
            let len = usize::from(LBASE[c]) + b.bits(LEXT[c]) as usize;
            let dc = dist.decode(&mut b);
            let d = usize::from(DBASE[dc]) + b.bits(DEXT[dc]) as usize;
            p.syms.push(((d as u32) << 16) | (len - 3) as u32);
            for _ in 0..len {
                p.data.push(p.data[p.data.len() - d]);
            }
        }
    }
    p.block_bits = b.pos - start;
    assert_eq!(z.len(), b.pos.div_ceil(8) + 4, "adler trailer follows");
    p
}
