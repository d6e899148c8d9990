//! A byte-exact fast path for zlib level 6 on one small buffer (`compress2(.., 6)`).
//!
//! Why: AccessToken2 strings must equal the Python/Java references, i.e. vanilla zlib level 6
//! (spec §7), and libz spends ~10 µs on a ~110-byte chat payload: `deflateReset` clears a 64 KiB
//! hash table, and `_tr_flush_block` builds three dynamic Huffman trees only to find, for these
//! payloads, that a fixed-Huffman block is smaller. This module repeats zlib's decisions and
//! nothing else:
//!
//! 1. [`Lz77`] is zlib's `deflate_slow` with the level-6 parameters, for one input given with
//!    `Z_FINISH` (no window slide, no mid-block flush: inputs are at most [`MAX_INPUT`] bytes).
//! 2. [`cost::choose`] decides the block type exactly as `_tr_flush_block` would, from the exact
//!    fixed and stored sizes and a proven bound on (or the exact size of) the dynamic block.
//! 3. Fixed-Huffman and stored blocks are written here; a dynamic block is never written: the
//!    caller falls back to libz, so anything this module cannot prove stays libz's own output.
//!
//! Written from zlib 1.2.13/1.3.x `deflate.c` and `trees.c` (the algorithm, not the code);
//! `tests.rs` compares it with libz byte for byte.

mod cost;
mod emit;
#[cfg(test)]
mod tests;

use std::cell::RefCell;

pub(super) use cost::Block;

/// Larger inputs go to libz: positions fit in `u16`, matches never reach `TOO_FAR`'s window
/// edge cases beyond one block, and zlib's 16383-symbol block limit is never hit.
pub(super) const MAX_INPUT: usize = 8 * 1024;

const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// zlib's `MAX_DIST` for a 32 KiB window (`w_size - MIN_LOOKAHEAD`); never reached here.
const MAX_DIST: usize = (1 << 15) - (MAX_MATCH + MIN_MATCH + 1);
const HASH_BITS: u32 = 15; // memLevel 8: hash_bits = memLevel + 7
const HASH_SIZE: usize = 1 << HASH_BITS;
const HASH_MASK: usize = HASH_SIZE - 1;
// Level 6 of zlib's configuration_table.
const GOOD_LENGTH: usize = 8;
const MAX_LAZY: usize = 16;
const NICE_LENGTH: usize = 128;
const MAX_CHAIN: usize = 128;
/// Matches of length 3 further away than this are dropped.
const TOO_FAR: usize = 4096;

/// One tallied symbol, as zlib's `sym_buf` holds it: `dist << 16 | lc`, where `dist == 0`
/// means `lc` is a literal byte, else `lc` is the match length minus 3.
type Sym = u32;

/// Result of [`compress`]: what was written, or why the caller must use libz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// `out` holds the complete zlib stream, equal to libz's.
    Written(Block),
    /// zlib would (or might) choose a dynamic-Huffman block, or the input is too large.
    Fallback,
}

/// Compresses `input` into `out` (cleared first) as `compress2(.., level 6)` would, or returns
/// [`Outcome::Fallback`] (and leaves `out` empty) when it cannot prove the result.
pub(super) fn compress(input: &[u8], out: &mut Vec<u8>) -> Outcome {
    out.clear();
    if input.len() > MAX_INPUT {
        return Outcome::Fallback;
    }
    LZ77.with(|cell| {
        let lz = &mut *cell.borrow_mut();
        lz.run(input);
        let block = cost::choose(&lz.tally, input.len(), &mut lz.trees).block;
        match block {
            Block::Fixed => emit::fixed(&lz.syms, lz.tally.fixed_bits, out),
            Block::Stored => emit::stored(input, out),
            Block::Dynamic => return Outcome::Fallback,
        }
        out.extend_from_slice(&emit::adler32(input).to_be_bytes());
        Outcome::Written(block)
    })
}

thread_local! {
    static LZ77: RefCell<Lz77> = RefCell::new(Lz77::new());
}

/// Per-thread matcher state, reused so nothing of window size is allocated or cleared per call.
struct Lz77 {
    /// zlib's `head` (last position inserted per 15-bit hash, 0 = none). It is only used to
    /// link `prev`, and every entry set is reset right after, so it is all zeros between calls.
    /// (A smaller bucketed table was tried: its unpredictable chain walk cost more than the
    /// cache misses of this one, which a tight loop overlaps.)
    head: Box<[u16; HASH_SIZE]>,
    /// The hash of each position that has three bytes.
    hashes: Vec<u16>,
    /// zlib's `prev` (and `hash_head`): for each position, the last earlier one with the same
    /// hash, 0 when none. zlib inserts every position `0..=n - 3` exactly once and in order,
    /// whatever the matches, so all of it is known before matching starts. Position 0 links as
    /// 0, zlib's NIL: it is never a match candidate, exactly as in zlib.
    prev: Vec<u16>,
    syms: Vec<Sym>,
    tally: cost::Tally,
    trees: cost::Trees,
}

/// zlib's rolling `ins_h` after `INSERT_STRING` at a position whose bytes are `w`: it depends
/// on these three bytes only.
#[inline]
fn hash(w: &[u8]) -> u16 {
    (((usize::from(w[0]) << 10) ^ (usize::from(w[1]) << 5) ^ usize::from(w[2])) & HASH_MASK) as u16
}

impl Lz77 {
    fn new() -> Self {
        Lz77 {
            head: Box::new([0; HASH_SIZE]),
            hashes: Vec::new(),
            prev: Vec::new(),
            syms: Vec::new(),
            tally: cost::Tally::new(),
            trees: cost::Trees::new(),
        }
    }

    /// zlib's `INSERT_STRING` for every position, in order, in one tight pass (then `head` is
    /// reset entry by entry).
    fn link(&mut self, data: &[u8]) {
        self.hashes.clear();
        self.hashes.extend(data.windows(MIN_MATCH).map(hash));
        self.prev.clear();
        self.prev.resize(self.hashes.len(), 0);
        let head = &mut *self.head;
        for (p, (&h, prev)) in self.hashes.iter().zip(self.prev.iter_mut()).enumerate() {
            let h = usize::from(h) & HASH_MASK;
            *prev = head[h]; // 0 when none, or when it is position 0: zlib's NIL
            head[h] = p as u16;
        }
        for &h in &self.hashes {
            head[usize::from(h) & HASH_MASK] = 0;
        }
    }

    /// `deflate_slow(s, Z_FINISH)` over the whole input, from a freshly reset stream.
    fn run(&mut self, data: &[u8]) {
        self.link(data);
        self.tally.reset(); // init_block
        self.syms.clear();
        self.syms.reserve(data.len() + 1);
        let (prev, syms, tally) = (&self.prev[..], &mut self.syms, &mut self.tally);
        let n = data.len();
        let mut strstart = 0usize;
        let mut match_length = MIN_MATCH - 1;
        let mut match_start = 0usize;
        let mut match_available = false;
        while strstart < n {
            let lookahead = n - strstart;
            // INSERT_STRING's result (the insertion itself is already done).
            let hash_head = if lookahead >= MIN_MATCH { usize::from(prev[strstart]) } else { 0 };
            if hash_head == 0 && match_length < MIN_MATCH {
                // No candidate and no pending match: deflate_slow only emits the previous byte
                // (if one is pending) and moves on. Take the whole run of such positions at
                // once: up to the next position with a candidate (none have one near the end).
                let mut end = strstart + 1;
                while end < prev.len() && prev[end] == 0 {
                    end += 1;
                }
                if end >= prev.len() {
                    end = n;
                }
                let from = if match_available { strstart - 1 } else { strstart };
                literals(syms, tally, &data[from..end - 1]);
                match_available = true;
                strstart = end;
                continue;
            }
            let prev_length = match_length;
            let prev_match = match_start;
            match_length = MIN_MATCH - 1;
            if hash_head != 0 && prev_length < MAX_LAZY && strstart - hash_head <= MAX_DIST {
                match_length = longest_match(data, prev, strstart, hash_head, prev_length, &mut match_start);
                if match_length == MIN_MATCH && strstart - match_start > TOO_FAR {
                    match_length = MIN_MATCH - 1;
                }
            }
            if prev_length >= MIN_MATCH && match_length <= prev_length {
                // Emit the previous match (it started at strstart - 1) and skip past it; the
                // strings it covers were linked with everything else.
                let dist = strstart - 1 - prev_match;
                syms.push(((dist as u32) << 16) | (prev_length - MIN_MATCH) as u32);
                tally.matched(prev_length - MIN_MATCH, dist - 1);
                strstart += prev_length - 1;
                match_available = false;
                match_length = MIN_MATCH - 1;
            } else if match_available {
                literal(syms, tally, data[strstart - 1]);
                strstart += 1;
            } else {
                match_available = true;
                strstart += 1;
            }
        }
        if match_available {
            literal(syms, tally, data[strstart - 1]);
        }
        tally.finish();
    }
}

/// `_tr_tally_lit`.
#[inline]
fn literal(syms: &mut Vec<Sym>, tally: &mut cost::Tally, byte: u8) {
    syms.push(Sym::from(byte));
    tally.literal(byte);
}

/// `_tr_tally_lit` for each byte.
#[inline]
fn literals(syms: &mut Vec<Sym>, tally: &mut cost::Tally, bytes: &[u8]) {
    syms.extend(bytes.iter().map(|&b| Sym::from(b)));
    for &b in bytes {
        tally.literal(b);
    }
}

/// zlib's `longest_match`: the longest match at `strstart` longer than `prev_length` along the
/// hash chain from `cur`, within the chain budget. Sets `match_start` when it finds one.
///
/// zlib compares up to 258 bytes even past the end of the input (reading stale window bytes)
/// and then clamps the length to `lookahead`. That never changes its output: `nice_match` is
/// clamped to `lookahead` too, so the first candidate that matches to the end stops the search
/// whatever follows; and when `prev_length >= lookahead` the result is at most `prev_length`
/// and deflate_slow emits the previous match regardless. Here only real bytes are compared,
/// with the same outcome.
fn longest_match(
    data: &[u8],
    prev: &[u16],
    strstart: usize,
    mut cur: usize,
    prev_length: usize,
    match_start: &mut usize,
) -> usize {
    let lookahead = data.len() - strstart;
    let mut best_len = prev_length;
    if best_len >= lookahead {
        return lookahead; // discarded by the caller, see above
    }
    let mut chain = MAX_CHAIN;
    if prev_length >= GOOD_LENGTH {
        chain >>= 2;
    }
    let nice = NICE_LENGTH.min(lookahead);
    let max_len = MAX_MATCH.min(lookahead);
    let scan = &data[strstart..];
    loop {
        let m = &data[cur..];
        // zlib's quick rejection: a longer match must agree at best_len and best_len - 1, and
        // at 0 and 1 (byte 2 then agrees too: equal hashes, equal first two bytes).
        if m[best_len] == scan[best_len] && m[best_len - 1] == scan[best_len - 1] && m[0] == scan[0] && m[1] == scan[1]
        {
            debug_assert_eq!(m[2], scan[2]);
            let mut len = MIN_MATCH;
            while len < max_len && m[len] == scan[len] {
                len += 1;
            }
            if len > best_len {
                *match_start = cur;
                best_len = len;
                if len >= nice {
                    break;
                }
            }
        }
        cur = usize::from(prev[cur]);
        chain -= 1;
        if cur == 0 || chain == 0 {
            break;
        }
    }
    best_len
}
