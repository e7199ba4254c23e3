//! Small sampling helpers on top of the run's single random stream.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The generator's random stream: ChaCha8, a portable, documented stream,
/// so a seed means the same population wherever it is run.
pub(crate) type SimRng = ChaCha8Rng;

/// True with probability `p` (below 0 never, above 1 always).
pub(crate) fn chance(rng: &mut SimRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A standard normal deviate (Box–Muller; the second value is dropped to
/// keep the stream simple).
pub(crate) fn normal(rng: &mut SimRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal deviate with the given median and log-scale spread.
pub(crate) fn log_normal(rng: &mut SimRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// An integer in `lo..=hi`.
pub(crate) fn between(rng: &mut SimRng, lo: u32, hi: u32) -> u32 {
    rng.random_range(lo..=hi)
}

/// One item of a small table of `(item, weight)` pairs.
pub(crate) fn pick<T: Copy>(rng: &mut SimRng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total);
    for &(item, w) in table {
        if r < w {
            return item;
        }
        r -= w;
    }
    table[table.len() - 1].0
}

/// A prebuilt weighted table for larger lists (binary search on the
/// cumulative weights).
pub(crate) struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u32>,
}

impl<T: Copy> Weighted<T> {
    /// Builds the table; weights must not all be zero.
    pub(crate) fn new(table: &[(T, u32)]) -> Self {
        let mut sum = 0;
        let cumulative = table
            .iter()
            .map(|(_, w)| {
                sum += w;
                sum
            })
            .collect();
        Weighted {
            items: table.iter().map(|(t, _)| *t).collect(),
            cumulative,
        }
    }

    /// Draws one item.
    pub(crate) fn sample(&self, rng: &mut SimRng) -> T {
        let total = *self.cumulative.last().expect("tables are never empty");
        let r = rng.random_range(0..total);
        self.items[self.cumulative.partition_point(|&c| c <= r)]
    }
}

/// Rounds a money amount to whole tens of 元, never below zero.
pub(crate) fn yuan(x: f64) -> i64 {
    ((x.max(0.0) / 10.0).round() as i64) * 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn weighted_follows_weights() {
        let mut rng = SimRng::seed_from_u64(1);
        let t = Weighted::new(&[('a', 1), ('b', 0), ('c', 3)]);
        let n = 40_000;
        let c = (0..n).filter(|_| t.sample(&mut rng) == 'c').count();
        assert!((c as f64 / n as f64 - 0.75).abs() < 0.02, "share of c {c}");
        assert!((0..1000).all(|_| t.sample(&mut rng) != 'b'));
    }

    #[test]
    fn log_normal_median_is_close() {
        let mut rng = SimRng::seed_from_u64(2);
        let mut v: Vec<f64> = (0..20_001)
            .map(|_| log_normal(&mut rng, 1000.0, 0.5))
            .collect();
        v.sort_by(f64::total_cmp);
        assert!((v[10_000] - 1000.0).abs() < 30.0, "median {}", v[10_000]);
    }

    #[test]
    fn yuan_rounds_to_tens_and_floors_at_zero() {
        assert_eq!(yuan(1234.9), 1230);
        assert_eq!(yuan(1235.0), 1240);
        assert_eq!(yuan(-5.0), 0);
    }
}
