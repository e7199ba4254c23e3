//! The run's plan: how poor each township is and how many households each
//! village gets. O(villages) memory, drawn before the first household.

use crate::economy::Place;
use crate::random::{SimRng, log_normal};
use crate::{PopulationSpec, Township, Village};
use rand::Rng;

/// What is fixed per township for the whole run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TownshipTraits {
    /// 0 (better off) – 1 (poorest).
    pub poverty: f64,
    /// A 街道 (urban sub-district).
    pub urban: bool,
}

/// Township traits and household counts per village, in spec order.
pub(crate) struct Plan {
    pub townships: Vec<TownshipTraits>,
    /// Households of each village, townships flattened in spec order.
    pub households: Vec<u64>,
}

impl Plan {
    /// Draws the plan of `spec` from the run's stream.
    pub(crate) fn new(rng: &mut SimRng, spec: &PopulationSpec) -> Self {
        let townships = spec
            .townships
            .iter()
            .map(|t| township_traits(rng, t))
            .collect();
        let weights: Vec<f64> = spec
            .townships
            .iter()
            .flat_map(|t| &t.villages)
            .map(|v| village_weight(rng, v))
            .collect();
        Plan {
            townships,
            households: apportion(spec.households, &weights),
        }
    }
}

/// Poverty of a township: rural townships spread over the whole range,
/// 街道 stay at the better-off end.
fn township_traits(rng: &mut SimRng, t: &Township) -> TownshipTraits {
    let urban = t.name.ends_with("街道");
    let poverty = if urban {
        rng.random_range(0.0..0.3)
    } else {
        rng.random_range(0.15..1.0)
    };
    TownshipTraits { poverty, urban }
}

/// Relative size of a village; 社区 (communities) are larger.
fn village_weight(rng: &mut SimRng, v: &Village) -> f64 {
    let community = if is_community(&v.name) { 1.4 } else { 1.0 };
    log_normal(rng, 1.0, 0.4) * community
}

/// Whether a village-level unit is an urban or town-seat community (社区).
pub(crate) fn is_community(name: &str) -> bool {
    name.contains("社区") || name.ends_with("居民委员会") || name.ends_with("居委会")
}

/// The place of one village: its township's poverty, and village earnings
/// varying a little around what that poverty implies.
pub(crate) fn place(rng: &mut SimRng, t: TownshipTraits, v: &Village) -> Place {
    let earnings = (1.3 - 0.6 * t.poverty) * log_normal(rng, 1.0, 0.08);
    Place {
        poverty: t.poverty,
        urban: t.urban || is_community(&v.name),
        earnings,
    }
}

/// The name used in addresses: "…村民委员会" → "…村", "…社区居民委员会" →
/// "…社区".
pub(crate) fn short_name(name: &str) -> String {
    for (long, short) in [
        ("社区居民委员会", "社区"),
        ("村民委员会", "村"),
        ("居民委员会", "社区"),
        ("村委会", "村"),
    ] {
        if let Some(stem) = name.strip_suffix(long) {
            return format!("{stem}{short}");
        }
    }
    name.to_string()
}

/// Splits `total` in proportion to `weights` (largest remainder), so the
/// parts always add up to `total`.
pub(crate) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let given: u64 = parts.iter().sum();
    // Float rounding can leave the floor sum a little off either way.
    let mut missing = total as i128 - given as i128;
    for &i in order.iter().cycle() {
        if missing == 0 {
            break;
        }
        if missing > 0 {
            parts[i] += 1;
            missing -= 1;
        } else if parts[i] > 0 {
            parts[i] -= 1;
            missing += 1;
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_names() {
        assert_eq!(short_name("大洼塘社区居民委员会"), "大洼塘社区");
        assert_eq!(short_name("团结村民委员会"), "团结村");
        assert_eq!(short_name("团结村"), "团结村");
    }

    #[test]
    fn apportion_is_proportional() {
        assert_eq!(apportion(10, &[1.0, 1.0, 2.0]), vec![3, 2, 5]);
        assert_eq!(apportion(0, &[1.0, 2.0]), vec![0, 0]);
        assert_eq!(apportion(5, &[]), Vec::<u64>::new());
    }

    proptest! {
        #[test]
        fn apportion_adds_up(total in 0u64..10_000_000, weights in prop::collection::vec(0.01f64..10.0, 1..700)) {
            let parts = apportion(total, &weights);
            prop_assert_eq!(parts.iter().sum::<u64>(), total);
            let sum: f64 = weights.iter().sum();
            for (p, w) in parts.iter().zip(&weights) {
                prop_assert!((*p as f64 - total as f64 * w / sum).abs() <= 1.0 + 1e-6 * total as f64);
            }
        }
    }
}
