//! `TryFrom<String>` by the stable code for the assistance vocabulary: how
//! the store reads a stored code back (`store::codes::Stored`). Only the
//! exact code is accepted; labels and aliases are for files and forms.

use super::catalogue::{Department, MeasureKind};
use super::record::{MeasureEffect, MeasureSource, MeasureStatus, PlanStatus};
use crate::UnknownCode;

macro_rules! stored_code {
    ($($t:ty => $what:literal),+ $(,)?) => {$(
        impl TryFrom<String> for $t {
            type Error = UnknownCode;
            fn try_from(s: String) -> Result<$t, UnknownCode> {
                <$t>::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s)
                    .ok_or(UnknownCode { what: $what })
            }
        }
    )+};
}

stored_code! {
    MeasureKind => "measure kind",
    Department => "department",
    MeasureStatus => "measure status",
    MeasureSource => "measure source",
    PlanStatus => "plan status",
    MeasureEffect => "measure effect",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_codes_only() {
        for k in MeasureKind::ALL {
            assert_eq!(MeasureKind::try_from(k.code().to_string()), Ok(*k));
        }
        assert!(MeasureKind::try_from("小额信贷".to_string()).is_err());
        assert!(PlanStatus::try_from("Active".to_string()).is_err());
    }
}
