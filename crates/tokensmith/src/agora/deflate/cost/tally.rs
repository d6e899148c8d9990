//! zlib's `_tr_tally`, plus what the block decision needs: the fixed-code size, the extra
//! bits, which symbols are used (as bits) and how many symbols have each frequency.
//!
//! Per symbol only the frequency is counted: updating the sums, bits and histogram there
//! chains every literal through the same few memory words (store-to-load latency on each),
//! which cost more than the whole LZ77 pass. [`Tally::finish`] derives them once instead.

use super::tables::{
    D_CODES, END_BLOCK, EXTRA_DBITS, EXTRA_LBITS, FIXED_LIT, L_CODES, LITERALS, dist_code, length_code,
};

/// Frequencies at or above this share one `hist` bucket; small so the bound scans `hist`
/// quickly (chat payloads stay far below).
pub(crate) const HIST: usize = 64;

/// The fixed literal/length code lengths, for a vectorisable size sum.
const FIXED_LEN: [u8; L_CODES] = {
    let mut t = [0u8; L_CODES];
    let mut s = 0;
    while s < L_CODES {
        t[s] = FIXED_LIT[s].1;
        s += 1;
    }
    t
};

pub(crate) struct Tally {
    /// zlib's `dyn_ltree[].Freq` (0..=285) and `dyn_dtree[].Freq`.
    pub lit: [u16; L_CODES],
    pub dist: [u16; D_CODES],
    /// After `finish`: bit `s` set when literal/length symbol `s` is used.
    pub lit_used: [u64; 5],
    /// After `finish`: `hist[f]` is how many literal/length symbols have frequency `f`, for
    /// `f` in `1..HIST`; `hist[HIST]` counts those at `HIST` or more.
    pub hist: [u16; HIST + 1],
    /// After `finish`: zlib's `static_len`, the data in fixed codes, extra bits included.
    pub fixed_bits: u64,
    /// The length and distance extra bits (the same in every block type that codes data).
    pub extra_bits: u64,
    /// The distance codes' fixed size (5 bits each plus extra bits), summed per match.
    match_bits: u64,
}

impl Tally {
    pub(crate) fn new() -> Self {
        let mut t = Tally {
            lit: [0; L_CODES],
            dist: [0; D_CODES],
            lit_used: [0; 5],
            hist: [0; HIST + 1],
            fixed_bits: 0,
            extra_bits: 0,
            match_bits: 0,
        };
        t.reset();
        t
    }

    /// zlib's `init_block`: empty, except for the one end-of-block code.
    pub(crate) fn reset(&mut self) {
        self.lit.fill(0);
        self.dist.fill(0);
        self.extra_bits = 0;
        self.match_bits = 0;
        self.lit[END_BLOCK] = 1;
    }

    /// `_tr_tally_lit`.
    #[inline]
    pub(crate) fn literal(&mut self, byte: u8) {
        self.lit[usize::from(byte)] += 1;
    }

    /// `_tr_tally_dist` for a match of `length - 3 = lc` at `distance - 1 = d`.
    #[inline]
    pub(crate) fn matched(&mut self, lc: usize, d: usize) {
        let lcode = usize::from(length_code(lc));
        self.lit[LITERALS + 1 + lcode] += 1;
        let dcode = usize::from(dist_code(d));
        self.dist[dcode] += 1;
        let extra = u64::from(EXTRA_LBITS[lcode]) + u64::from(EXTRA_DBITS[dcode]);
        self.extra_bits += extra;
        self.match_bits += 5 + extra;
    }

    /// Derives `fixed_bits`, `lit_used` and `hist` from the frequencies.
    pub(crate) fn finish(&mut self) {
        let mut fixed = 0u32;
        for (&c, &len) in self.lit.iter().zip(&FIXED_LEN) {
            fixed += u32::from(c) * u32::from(len);
        }
        self.fixed_bits = u64::from(fixed) + self.match_bits;
        for (w, chunk) in self.lit_used.iter_mut().zip(self.lit.chunks(64)) {
            *w = chunk.iter().enumerate().fold(0, |m, (i, &c)| m | (u64::from(c != 0) << i));
        }
        // Two interleaved histograms, so consecutive increments of the same bucket (most
        // symbols occur once) do not wait on each other.
        let mut h = [[0u16; HIST + 1]; 2];
        let mut k = 0;
        for (w, &bits) in self.lit_used.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let s = w * 64 + bits.trailing_zeros() as usize;
                h[k & 1][usize::from(self.lit[s]).min(HIST)] += 1;
                k += 1;
                bits &= bits - 1;
            }
        }
        for (o, (a, b)) in self.hist.iter_mut().zip(h[0].iter().zip(&h[1])) {
            *o = a + b;
        }
    }
}
