//! A stable LSD radix sort of packed `(key << 32) | payload` pairs by key,
//! for grouping feed rows by person or household: linear, and the payload
//! (a row number) keeps its input order within a key.

/// Most bits per pass: 2¹³ counters (64 KB) stay in the second-level cache.
const MAX_DIGIT: u32 = 13;

/// Sorts `v` by its upper 32 bits, of which only the low `key_bits` may
/// be set; stable.
pub(crate) fn by_high_word(v: &mut Vec<u64>, key_bits: u32) {
    by_key(v, key_bits, |&x| x >> 32);
}

/// Sorts `v` by `key`, whose value has at most `key_bits` bits; stable.
pub(crate) fn by_key<T: Copy + Default>(v: &mut Vec<T>, key_bits: u32, key: impl Fn(&T) -> u64) {
    let parts = vec![std::mem::take(v)];
    *v = gather_sorted(parts, key_bits, key);
}

/// Concatenates `parts` (in order) sorted by `key`, whose value has at
/// most `key_bits` bits; stable. The first pass reads the parts directly,
/// so they are never copied into one array first.
pub(crate) fn gather_sorted<T: Copy + Default>(
    parts: Vec<Vec<T>>,
    key_bits: u32,
    key: impl Fn(&T) -> u64,
) -> Vec<T> {
    let n: usize = parts.iter().map(Vec::len).sum();
    let passes = key_bits.div_ceil(MAX_DIGIT).max(1);
    let digit = key_bits.div_ceil(passes).max(1);
    let mask = (1u64 << digit) - 1;
    let mut counts = vec![0usize; 1 << digit];
    let mut out = vec![T::default(); n];
    let mut shift = 0;
    // First pass: from the parts into `out`.
    for x in parts.iter().flatten() {
        counts[((key(x) >> shift) & mask) as usize] += 1;
    }
    prefix(&mut counts);
    for x in parts.iter().flatten() {
        let d = ((key(x) >> shift) & mask) as usize;
        out[counts[d]] = *x;
        counts[d] += 1;
    }
    drop(parts);
    shift += digit;
    if shift >= key_bits {
        return out;
    }
    let mut scratch = vec![T::default(); n];
    while shift < key_bits {
        counts.fill(0);
        for x in out.iter() {
            counts[((key(x) >> shift) & mask) as usize] += 1;
        }
        prefix(&mut counts);
        for &x in out.iter() {
            let d = ((key(&x) >> shift) & mask) as usize;
            scratch[counts[d]] = x;
            counts[d] += 1;
        }
        std::mem::swap(&mut out, &mut scratch);
        shift += digit;
    }
    out
}

/// Counts into starting offsets.
fn prefix(counts: &mut [usize]) {
    let mut at = 0;
    for c in counts.iter_mut() {
        let n = *c;
        *c = at;
        at += n;
    }
}

/// Bits needed to hold every value below `n`.
pub(crate) fn bits_for(n: usize) -> u32 {
    usize::BITS - n.saturating_sub(1).leading_zeros()
}

/// Runs of equal upper words in a sorted slice: `(key, payloads)` for each.
pub(crate) fn groups(v: &[u64]) -> impl Iterator<Item = (u32, &[u64])> {
    let mut rest = v;
    std::iter::from_fn(move || {
        let first = *rest.first()?;
        let key = (first >> 32) as u32;
        let n = rest
            .iter()
            .take_while(|&&x| (x >> 32) as u32 == key)
            .count();
        let (group, tail) = rest.split_at(n);
        rest = tail;
        Some((key, group))
    })
}

/// Packs a key and a payload.
#[inline]
pub(crate) fn pack(key: u32, payload: u32) -> u64 {
    (u64::from(key) << 32) | u64::from(payload)
}

/// The payload of a packed pair.
#[inline]
pub(crate) fn payload(x: u64) -> u32 {
    x as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_key_and_keeps_payload_order() {
        let mut state = 12345u64;
        let mut v: Vec<u64> = (0..10_000u32)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                pack((state >> 40) as u32 % 3000, i)
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|x| x >> 32);
        by_high_word(&mut v, bits_for(3000));
        assert_eq!(v, expected);
        let total: usize = groups(&v).map(|(_, g)| g.len()).sum();
        assert_eq!(total, 10_000);
        assert_eq!(bits_for(1), 0);
        assert_eq!(bits_for(2), 1);
        assert_eq!(bits_for(3000), 12);
    }
}
