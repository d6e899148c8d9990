//! Which block `_tr_flush_block` writes: stored, fixed or dynamic Huffman, decided from sizes.
//!
//! zlib computes `opt_len` (dynamic: data plus tree description) and `static_len` (fixed codes)
//! in bits, rounds both to bytes as `(bits + 3 + 7) >> 3`, keeps fixed when
//! `static_lenb <= opt_lenb`, and then stores instead when `stored_len + 4 <= min(..)`.
//! The fixed and stored sizes are cheap and exact here. For the dynamic size, [`bound`] gives a
//! sound lower bound first (it decides nearly every chat token); only when it cannot decide is
//! the size computed exactly by [`Trees`], a port of `build_tree`/`gen_bitlen`/`scan_tree`/
//! `build_bl_tree` that keeps zlib's heap and its tie-breaking, because the tree description
//! (and so the choice) depends on which of several equally good code lengths zlib picks.

mod bound;
mod tables;
mod tally;

pub(super) use bound::dynamic_lower_bound;
use tables::{BL_ORDER, D_CODES, EXTRA_BLBITS, L_CODES};
pub(super) use tables::{END_BLOCK, FIXED_LIT, fixed_match};
pub(super) use tally::Tally;

/// The block type zlib writes for the whole input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::agora) enum Block {
    Stored,
    Fixed,
    Dynamic,
}

/// zlib's byte-rounded block size: 3 header bits, padded to a byte (`(bits + 3 + 7) >> 3`).
fn bytes(bits: u64) -> u64 {
    (bits + 3 + 7) >> 3
}

/// A block type and how it was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Choice {
    pub block: Block,
    /// True when the cheap bound decided; false when the trees were built.
    pub by_bound: bool,
}

/// `_tr_flush_block`'s choice for a block of `stored_len` input bytes tallied in `t`.
pub(super) fn choose(t: &Tally, stored_len: usize, trees: &mut Trees) -> Choice {
    let static_lenb = bytes(t.fixed_bits);
    let extra_bits = t.extra_bits;
    let stored = stored_len as u64 + 4;
    // Any dynamic size at least `lower` (bits) decides when fixed certainly wins, or when
    // stored certainly wins whichever of fixed and dynamic zlib compares it with.
    let decide = |lower: u64| -> Option<Block> {
        let opt_lenb = bytes(lower);
        if static_lenb <= opt_lenb {
            Some(if stored <= static_lenb { Block::Stored } else { Block::Fixed })
        } else if stored <= opt_lenb {
            Some(Block::Stored)
        } else {
            None
        }
    };
    if let Some(block) = decide(dynamic_lower_bound(t, &mut trees.scratch) + extra_bits) {
        return Choice { block, by_bound: true };
    }
    let exact = trees.dynamic_bits(t) + extra_bits;
    Choice { block: decide(exact).unwrap_or(Block::Dynamic), by_bound: false }
}

/// zlib's `static_len` (fixed codes, extra bits included) and the extra bits alone, from the
/// frequencies: the tests check [`Tally`]'s running sums against it.
#[cfg(test)]
pub(super) fn static_and_extra_bits(f: &Tally) -> (u64, u64) {
    use tables::{EXTRA_DBITS, EXTRA_LBITS, LITERALS};
    let mut fixed = 0u64;
    for (n, &c) in f.lit.iter().enumerate() {
        fixed += u64::from(c) * u64::from(FIXED_LIT[n].1);
    }
    let mut extra = 0u64;
    for (code, &c) in f.lit[LITERALS + 1..].iter().enumerate() {
        extra += u64::from(c) * u64::from(EXTRA_LBITS[code]);
    }
    for (code, &c) in f.dist.iter().enumerate() {
        fixed += u64::from(c) * 5;
        extra += u64::from(c) * u64::from(EXTRA_DBITS[code]);
    }
    (fixed + extra, extra)
}

/// `2 * L_CODES + 1`: zlib's heap, shared by the three trees.
const HEAP_SIZE: usize = 2 * L_CODES + 1;
const MAX_BITS: usize = 15;
const MAX_BL_BITS: usize = 7;
const BL_CODES: usize = 19;

/// Scratch space for the exact dynamic size (zlib's `heap`, `depth` and tree fields).
pub(in crate::agora) struct Trees {
    /// zlib's `heap[heap_max..]`: the nodes in removal order, root first.
    heap: [u16; HEAP_SIZE],
    /// The heap proper, `h[1..=len]`, entries `key << 16 | node`.
    work: [u64; HEAP_SIZE + 2],
    /// `freq << 8 | depth` per node.
    key: [u32; HEAP_SIZE],
    dad: [u16; HEAP_SIZE],
    len: [u8; HEAP_SIZE],
    heap_max: usize,
    /// The code lengths zlib would send, from the last `dynamic_bits` (kept for the tests).
    pub(super) lit_len: [u8; L_CODES],
    pub(super) dist_len: [u8; D_CODES],
    pub(super) bl_len: [u8; BL_CODES],
    /// `l_desc.max_code`, `d_desc.max_code` and `max_blindex`.
    pub(super) max_codes: (usize, usize, usize),
    /// Buffers for the cheap bound.
    pub(super) scratch: bound::Scratch,
}

/// One alphabet's parameters (zlib's `static_tree_desc`, minus the static tree).
struct Alphabet<'a> {
    extra: &'a [u8],
    extra_base: usize,
    max_length: usize,
}

impl Trees {
    pub(in crate::agora) fn new() -> Self {
        Trees {
            heap: [0; HEAP_SIZE],
            work: [0; HEAP_SIZE + 2],
            key: [0; HEAP_SIZE],
            dad: [0; HEAP_SIZE],
            len: [0; HEAP_SIZE],
            heap_max: 0,
            lit_len: [0; L_CODES],
            dist_len: [0; D_CODES],
            bl_len: [0; BL_CODES],
            max_codes: (0, 0, 0),
            scratch: bound::Scratch::default(),
        }
    }

    /// zlib's `opt_len` minus the extra bits: dynamic codes for the data, the two trees coded
    /// with the bit-length tree, that tree's lengths and the 5 + 5 + 4 count bits.
    pub(super) fn dynamic_bits(&mut self, f: &Tally) -> u64 {
        let lit = Alphabet { extra: &[], extra_base: usize::MAX, max_length: MAX_BITS };
        let dist = Alphabet { extra: &[], extra_base: usize::MAX, max_length: MAX_BITS };
        let mut lit_len = [0u8; L_CODES];
        let (lit_max, lit_bits) = self.build_tree(&f.lit, &lit, &mut lit_len);
        let mut dist_len = [0u8; D_CODES];
        let (dist_max, dist_bits) = self.build_tree(&f.dist, &dist, &mut dist_len);

        // build_bl_tree
        let mut bl_freq = [0u16; BL_CODES];
        scan_tree(&lit_len[..=lit_max], &mut bl_freq);
        scan_tree(&dist_len[..=dist_max], &mut bl_freq);
        let bl = Alphabet { extra: &EXTRA_BLBITS, extra_base: 0, max_length: MAX_BL_BITS };
        let mut bl_len = [0u8; BL_CODES];
        let (_, bl_bits) = self.build_tree(&bl_freq, &bl, &mut bl_len);
        let mut max_blindex = BL_CODES - 1;
        while max_blindex >= 3 && bl_len[BL_ORDER[max_blindex]] == 0 {
            max_blindex -= 1;
        }
        let header = 3 * (max_blindex as i64 + 1) + 5 + 5 + 4;
        (self.lit_len, self.dist_len, self.bl_len) = (lit_len, dist_len, bl_len);
        self.max_codes = (lit_max, dist_max, max_blindex);
        (lit_bits + dist_bits + bl_bits + header) as u64
    }

    /// `build_tree` + `gen_bitlen` for `freqs`: writes the code lengths of the symbols into
    /// `lens` and returns `max_code` and this tree's part of `opt_len`.
    ///
    /// The heap holds `key << 16 | node` so a comparison needs no lookup; `key` is
    /// `freq << 8 | depth`, so zlib's `smaller(n, m)` is `key(n) <= key(m)`. The nodes zlib
    /// stores at `heap[heap_max..]` (in removal order, for `gen_bitlen`) go to `self.heap`.
    fn build_tree(&mut self, freqs: &[u16], a: &Alphabet<'_>, lens: &mut [u8]) -> (usize, i64) {
        let elems = freqs.len();
        let mut opt: i64 = 0;
        let h = &mut self.work;
        let mut len = 0usize;
        let mut max_code: isize = -1;
        for (n, &f) in freqs.iter().enumerate() {
            if f != 0 {
                len += 1;
                h[len] = (u64::from(f) << 24) | n as u64; // depth 0
                max_code = n as isize;
            }
            self.key[n] = u32::from(f) << 8;
            lens[n] = 0;
        }
        // At least two codes: zlib adds symbol 0, 1 or 2 with frequency 1 (no extra bits).
        while len < 2 {
            let node = if max_code < 2 {
                max_code += 1;
                max_code as usize
            } else {
                0
            };
            len += 1;
            h[len] = (1 << 24) | node as u64;
            self.key[node] = 1 << 8;
            opt -= 1;
        }
        let max_code = max_code as usize;
        h[len + 1] = u64::MAX; // sentinel: never the smaller son
        for k in (1..=len / 2).rev() {
            sift(h, len, k);
        }
        let mut node = elems;
        let mut heap_max = HEAP_SIZE;
        loop {
            let n = h[1]; // pqremove
            h[1] = h[len];
            h[len] = u64::MAX;
            len -= 1;
            sift(h, len, 1);
            let m = h[1];
            heap_max -= 2;
            self.heap[heap_max + 1] = n as u16;
            self.heap[heap_max] = m as u16;
            let (kn, km) = ((n >> 16) as u32, (m >> 16) as u32);
            let key = (((kn >> 8) + (km >> 8)) << 8) | ((kn & 0xff).max(km & 0xff) + 1);
            self.key[node] = key;
            self.dad[usize::from(n as u16)] = node as u16;
            self.dad[usize::from(m as u16)] = node as u16;
            h[1] = (u64::from(key) << 16) | node as u64;
            node += 1;
            sift(h, len, 1);
            if len < 2 {
                break;
            }
        }
        heap_max -= 1;
        self.heap[heap_max] = h[1] as u16;
        self.heap_max = heap_max;
        opt += self.gen_bitlen(a, max_code);
        for (n, len) in lens.iter_mut().enumerate().take(max_code + 1) {
            *len = if self.key[n] >> 8 != 0 { self.len[n] } else { 0 };
        }
        (max_code, opt)
    }

    /// zlib's `gen_bitlen`: code lengths from the tree (parents first, in `heap` order),
    /// limited to `max_length` with zlib's overflow repair; returns the data bits.
    fn gen_bitlen(&mut self, a: &Alphabet<'_>, max_code: usize) -> i64 {
        let mut bl_count = [0u16; MAX_BITS + 1];
        let mut opt: i64 = 0;
        let mut overflow: i32 = 0;
        self.len[usize::from(self.heap[self.heap_max])] = 0; // the root
        for h in self.heap_max + 1..HEAP_SIZE {
            let n = usize::from(self.heap[h]);
            let mut bits = usize::from(self.len[usize::from(self.dad[n])]) + 1;
            if bits > a.max_length {
                bits = a.max_length;
                overflow += 1;
            }
            self.len[n] = bits as u8;
            if n > max_code {
                continue; // not a leaf
            }
            bl_count[bits] += 1;
            let xbits = if n >= a.extra_base { a.extra[n - a.extra_base] } else { 0 };
            opt += i64::from(self.key[n] >> 8) * (bits as i64 + i64::from(xbits));
        }
        if overflow == 0 {
            return opt;
        }
        // Move leaves down from the longest lengths until everything fits, then reassign the
        // lengths in increasing frequency order (heap order from the end), as zlib does.
        loop {
            let mut bits = a.max_length - 1;
            while bl_count[bits] == 0 {
                bits -= 1;
            }
            bl_count[bits] -= 1;
            bl_count[bits + 1] += 2;
            bl_count[a.max_length] -= 1;
            overflow -= 2;
            if overflow <= 0 {
                break;
            }
        }
        let mut h = HEAP_SIZE;
        for bits in (1..=a.max_length).rev() {
            let mut count = bl_count[bits];
            while count != 0 {
                h -= 1;
                let m = usize::from(self.heap[h]);
                if m > max_code {
                    continue;
                }
                if usize::from(self.len[m]) != bits {
                    opt += (bits as i64 - i64::from(self.len[m])) * i64::from(self.key[m] >> 8);
                    self.len[m] = bits as u8;
                }
                count -= 1;
            }
        }
        opt
    }
}

/// zlib's `pqdownheap` on `h[1..=len]` (`h[len + 1]` is a sentinel): sift `h[k]` down; on
/// equal keys the right son and the moving node count as smaller (zlib's `<=`).
#[inline]
fn sift(h: &mut [u64; HEAP_SIZE + 2], len: usize, mut k: usize) {
    let v = h[k];
    loop {
        let j = 2 * k;
        if j > len {
            break;
        }
        let (a, b) = (h[j], h[j + 1]);
        let right = b >> 16 <= a >> 16;
        let (j, c) = if right { (j + 1, b) } else { (j, a) };
        if v >> 16 <= c >> 16 {
            break;
        }
        h[k] = c;
        k = j;
    }
    h[k] = v;
}

/// zlib's `scan_tree`: counts the bit-length-tree symbols (lengths 0..15, 16 = repeat the
/// previous 3..6 times, 17 = 3..10 zeros, 18 = 11..138 zeros) that describe `lens`.
pub(super) fn scan_tree(lens: &[u8], bl_freq: &mut [u16; BL_CODES]) {
    const REP_3_6: usize = 16;
    const REPZ_3_10: usize = 17;
    const REPZ_11_138: usize = 18;
    let mut prevlen: i32 = -1;
    let mut nextlen = i32::from(lens[0]);
    let mut count = 0u16;
    let (mut max_count, mut min_count) = if nextlen == 0 { (138, 3) } else { (7, 4) };
    for n in 0..lens.len() {
        let curlen = nextlen;
        nextlen = lens.get(n + 1).map_or(0xffff, |&l| i32::from(l)); // zlib's guard
        count += 1;
        if count < max_count && curlen == nextlen {
            continue;
        } else if count < min_count {
            bl_freq[curlen as usize] += count;
        } else if curlen != 0 {
            if curlen != prevlen {
                bl_freq[curlen as usize] += 1;
            }
            bl_freq[REP_3_6] += 1;
        } else if count <= 10 {
            bl_freq[REPZ_3_10] += 1;
        } else {
            bl_freq[REPZ_11_138] += 1;
        }
        count = 0;
        prevlen = curlen;
        (max_count, min_count) = if nextlen == 0 {
            (138, 3)
        } else if curlen == nextlen {
            (6, 3)
        } else {
            (7, 4)
        };
    }
}
