//! A cheap, sound lower bound on zlib's dynamic block size (`opt_len` without extra bits).
//!
//! zlib's code lengths depend on how its heap breaks ties, but every part of this bound holds
//! whatever the tie-breaking:
//!
//! - **Data**: zlib's literal/length and distance codes are Huffman codes (or worse, when it
//!   has to limit them to 15 bits), so they cost at least the optimal prefix-code cost of the
//!   frequencies, which is the same for every optimal tree ([`huffman_cost`]).
//! - **Tree description** (`send_all_trees`): which symbols are unused is known, so each run
//!   of zeros is coded by exactly known bit-length symbols (`0`, or `17` + 3 bits, or `18` + 7
//!   bits, 138 zeros at most each). A distance tree with at most two codes has both lengths 1
//!   (zlib forces two codes), so it is known exactly. The other lengths are unknown: a run of
//!   `r` used symbols needs at least `r` bit-length symbols when `r < 4` (repeat code 16 needs
//!   3 to 6 copies after a first), else at least `1 + ceil((r - 1) / 6)`; all of them are
//!   counted as one symbol (merged with length 1's known count, if any), since merging symbols
//!   and lowering counts never raises a Huffman cost. The bit-length code costs at least the optimal prefix-code cost of these counts
//!   (zlib's is optimal or, limited to 7 bits, worse), plus 5 + 5 + 4 count bits and 3 bits
//!   per bit-length code up to the last one known to be sent (at least 4).

use super::tally::{HIST, Tally};

/// Index of each bit-length symbol in zlib's `bl_order` (send order, trimmed from the end).
const BL_RANK: [usize; 19] = [3, 17, 15, 13, 11, 9, 7, 5, 4, 6, 8, 10, 12, 14, 16, 18, 0, 1, 2];

/// Reused buffers, so the bound allocates and clears nothing per call.
#[derive(Default)]
pub(crate) struct Scratch {
    leaves: Vec<(u32, u32)>,
    merged: Vec<(u32, u32)>,
}

pub(crate) fn dynamic_lower_bound(t: &Tally, s: &mut Scratch) -> u64 {
    let lit_codes: u32 = t.lit_used.iter().map(|w| w.count_ones()).sum();
    if t.hist[HIST] != 0 || lit_codes < 2 {
        // An incomplete histogram, or an empty input (zlib then forces a second code, which
        // changes the zero runs): 0 is a valid bound, and the exact sizes decide.
        return 0;
    }
    let mut bl = [0u32; 19]; // bit-length symbols known to be sent
    let mut extra = 0u64; // their extra bits
    let mut lumped = 0u32; // symbols for the used codes' unknown lengths, as one

    // Literal/length tree: zlib sends lengths 0..=max_code.
    let lit_end = 64 * 4 + 64 - t.lit_used[4].leading_zeros() as usize;
    runs(&t.lit_used, lit_end, |zeros, used| {
        extra += zero_run(zeros, &mut bl);
        lumped += min_symbols(used);
    });
    s.leaves.clear();
    for f in 1..HIST {
        if t.hist[f] != 0 {
            s.leaves.push((f as u32, u32::from(t.hist[f])));
        }
    }
    let mut data = huffman_cost(&s.leaves, &mut s.merged);

    // Distance tree.
    let mut dist_used = 0u64;
    for (n, &c) in t.dist.iter().enumerate() {
        dist_used |= u64::from(c != 0) << n;
    }
    if dist_used.count_ones() <= 2 {
        // The forced codes of build_tree: at least two leaves, each of length 1.
        while dist_used.count_ones() < 2 {
            let max_code = 63 - dist_used.leading_zeros() as i32; // -1 when none
            dist_used |= 1 << if max_code < 2 { max_code + 1 } else { 0 };
        }
        let end = 64 - dist_used.leading_zeros() as usize;
        runs(&[dist_used], end, |zeros, used| {
            extra += zero_run(zeros, &mut bl);
            bl[1] += used as u32; // at most two equal lengths: never a repeat code
        });
        data += t.dist.iter().map(|&c| u64::from(c)).sum::<u64>(); // one bit each
    } else {
        let end = 64 - dist_used.leading_zeros() as usize;
        runs(&[dist_used], end, |zeros, used| {
            extra += zero_run(zeros, &mut bl);
            lumped += min_symbols(used);
        });
        let mut counts = t.dist.map(u32::from); // rare: more than two distance codes
        counts.sort_unstable();
        let first = counts.iter().position(|&c| c != 0).unwrap_or(counts.len());
        data += huffman_cost(&runs_of(&counts[first..]), &mut s.merged);
    }

    let mut max_rank = 3;
    for (sym, &c) in bl.iter().enumerate() {
        if c != 0 {
            max_rank = max_rank.max(BL_RANK[sym]);
        }
    }
    // The lumped symbols are lengths 1..=15 or repeats (16); of those only `1` can have a known
    // count (from the distance tree), so they are merged into it (merging never raises the
    // cost), or else counted as a symbol of their own.
    if bl[1] != 0 {
        bl[1] += lumped;
    } else {
        bl[16] = lumped;
    }
    bl.sort_unstable(); // 19 small counts
    let first = bl.iter().position(|&c| c != 0).unwrap_or(bl.len());
    let codes = huffman_cost(&runs_of(&bl[first..]), &mut s.merged);
    data + extra + codes + 5 + 5 + 4 + 3 * (max_rank as u64 + 1)
}

/// The fewest bit-length symbols that can describe `r` consecutive non-zero lengths.
#[inline]
fn min_symbols(r: usize) -> u32 {
    (if r < 4 { r } else { 1 + (r - 1).div_ceil(6) }) as u32
}

/// Calls `f(zeros, used)` for each run of clear bits and the run of set bits after it, over
/// the bit set `words` below `end` (bit `end - 1` is set). Walks the boundaries between runs
/// (`w ^ (w << 1)`), so the cost is per run, not per symbol.
fn runs(words: &[u64], end: usize, mut f: impl FnMut(usize, usize)) {
    let (mut start, mut zeros, mut in_used) = (0usize, 0usize, false);
    let mut carry = 0u64;
    for (i, &w) in words.iter().enumerate() {
        let mut edges = w ^ ((w << 1) | carry);
        carry = w >> 63;
        while edges != 0 {
            let q = i * 64 + edges.trailing_zeros() as usize;
            if q >= end {
                break;
            }
            if in_used {
                f(zeros, q - start);
            } else {
                zeros = q - start;
            }
            start = q;
            in_used = !in_used;
            edges &= edges - 1;
        }
    }
    debug_assert!(in_used);
    f(zeros, end - start);
}

/// Counts the bit-length symbols for `z` zeros (scan_tree: 138 at a time; 1–2 as `0`s, 3–10 as
/// `17`, 11–138 as `18`) and returns their extra bits.
#[inline]
fn zero_run(mut z: usize, bl: &mut [u32; 19]) -> u64 {
    if z <= 138 {
        // The common case without branches on the length.
        bl[0] += if z <= 2 { z as u32 } else { 0 };
        let (r17, r18) = (u32::from((3..=10).contains(&z)), u32::from(z >= 11));
        bl[17] += r17;
        bl[18] += r18;
        return u64::from(3 * r17 + 7 * r18);
    }
    let mut extra = 0;
    while z > 0 {
        let n = z.min(138);
        match n {
            1 | 2 => bl[0] += n as u32,
            3..=10 => {
                bl[17] += 1;
                extra += 3;
            }
            _ => {
                bl[18] += 1;
                extra += 7;
            }
        }
        z -= n;
    }
    extra
}

/// `(value, multiplicity)` runs of sorted values (at most 30 of them here).
fn runs_of(sorted: &[u32]) -> Runs {
    let mut r = Runs([(0, 0); 30], 0);
    for &v in sorted {
        if r.1 > 0 && r.0[r.1 - 1].0 == v {
            r.0[r.1 - 1].1 += 1;
        } else {
            r.0[r.1] = (v, 1);
            r.1 += 1;
        }
    }
    r
}

struct Runs([(u32, u32); 30], usize);

impl std::ops::Deref for Runs {
    type Target = [(u32, u32)];
    fn deref(&self) -> &[(u32, u32)] {
        &self.0[..self.1]
    }
}

/// The cost in bits of an optimal prefix code for weights given as ascending `(weight,
/// multiplicity)` runs (0 for fewer than two): the sum of the weights Huffman's algorithm
/// merges. Equal smallest weights are paired in bulk (any pairing of equal weights costs the
/// same), and merged weights come out in ascending order, so both queues stay runs.
pub(crate) fn huffman_cost(leaves: &[(u32, u32)], merged: &mut Vec<(u32, u32)>) -> u64 {
    merged.clear();
    let mut nodes: u64 = leaves.iter().map(|&(_, n)| u64::from(n)).sum();
    let (mut li, mut lrem) = (0usize, leaves.first().map_or(0, |l| l.1));
    let mut mi = 0usize;
    let mut cost = 0u64;
    // The smallest weight left and how many nodes have it, from either queue.
    let front = |li: usize, lrem: u32, mi: usize, merged: &Vec<(u32, u32)>| {
        let lw = (li < leaves.len()).then(|| leaves[li].0);
        let mw = merged.get(mi).map(|m| m.0);
        match (lw, mw) {
            (Some(l), Some(m)) if l == m => (l, lrem + merged[mi].1),
            (Some(l), Some(m)) if l < m => (l, lrem),
            (Some(l), None) => (l, lrem),
            (_, Some(m)) => (m, merged[mi].1),
            (None, None) => unreachable!("nodes remain"),
        }
    };
    // Removes `k` nodes of weight `w` (the smallest), leaf run first.
    let take = |k: u32, w: u32, li: &mut usize, lrem: &mut u32, mi: &mut usize, merged: &mut Vec<(u32, u32)>| {
        let mut k = k;
        if *li < leaves.len() && leaves[*li].0 == w {
            let n = k.min(*lrem);
            *lrem -= n;
            k -= n;
            if *lrem == 0 {
                *li += 1;
                *lrem = leaves.get(*li).map_or(0, |l| l.1);
            }
        }
        if k > 0 {
            merged[*mi].1 -= k;
            if merged[*mi].1 == 0 {
                *mi += 1;
            }
        }
    };
    let push = |w: u32, n: u32, merged: &mut Vec<(u32, u32)>| match merged.last_mut() {
        Some((lw, ln)) if *lw == w => *ln += n,
        _ => merged.push((w, n)),
    };
    while nodes > 1 {
        let (w, n) = front(li, lrem, mi, merged);
        if n >= 2 {
            let pairs = n / 2;
            take(2 * pairs, w, &mut li, &mut lrem, &mut mi, merged);
            push(2 * w, pairs, merged);
            cost += u64::from(2 * w) * u64::from(pairs);
            nodes -= u64::from(pairs);
        } else {
            take(1, w, &mut li, &mut lrem, &mut mi, merged);
            let (w2, _) = front(li, lrem, mi, merged);
            take(1, w2, &mut li, &mut lrem, &mut mi, merged);
            push(w + w2, 1, merged);
            cost += u64::from(w + w2);
            nodes -= 1;
        }
    }
    cost
}
