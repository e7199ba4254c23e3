//! Splitting work over a few threads with `std::thread::scope`: contiguous
//! ranges, results in range order, so the output never depends on timing.

use std::ops::Range;

/// `n` items cut into `parts` contiguous ranges of near-equal size.
pub(crate) fn split(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|i| (n * i / parts)..(n * (i + 1) / parts))
        .collect()
}

/// Runs `f` on each range, one thread per range (the caller's thread takes
/// the last), and returns the results in range order.
pub(crate) fn map<T: Send>(
    ranges: &[Range<usize>],
    f: impl Fn(&Range<usize>) -> T + Sync,
) -> Vec<T> {
    let Some((last, rest)) = ranges.split_last() else {
        return Vec::new();
    };
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = rest.iter().map(|r| s.spawn(move || f(r))).collect();
        let tail = f(last);
        let mut out: Vec<T> = handles
            .into_iter()
            .map(|h| h.join().expect("screening worker does not panic"))
            .collect();
        out.push(tail);
        out
    })
}

/// Runs `f` on each item, one thread per item (the caller's thread takes
/// the last), and returns the results in item order.
pub(crate) fn map_owned<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync) -> Vec<U> {
    let mut items = items;
    let Some(last) = items.pop() else {
        return Vec::new();
    };
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items.into_iter().map(|x| s.spawn(move || f(x))).collect();
        let tail = f(last);
        let mut out: Vec<U> = handles
            .into_iter()
            .map(|h| h.join().expect("screening worker does not panic"))
            .collect();
        out.push(tail);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_once() {
        for (n, parts) in [(0, 3), (1, 4), (10, 3), (1000, 7)] {
            let r = split(n, parts);
            assert_eq!(r.first().map(|r| r.start), Some(0));
            assert_eq!(r.last().map(|r| r.end), Some(n));
            assert!(r.windows(2).all(|w| w[0].end == w[1].start));
        }
        let sums = map(&split(100, 3), |r| r.clone().sum::<usize>());
        assert_eq!(sums.iter().sum::<usize>(), 4950);
    }
}
