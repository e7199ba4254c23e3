//! 帮扶: what a monitored household receives. [`Assistance`] names the
//! social-assistance kinds identified jointly with monitoring; the
//! [`catalogue`] names every kind of measure and what a rule set says of
//! it; [`record`] holds plans, measures received and follow-up visits.

pub mod catalogue;
pub mod chain;
pub mod check;
pub mod effect;
pub mod eligible;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod propose;
pub mod record;
mod stored;

pub use catalogue::{
    AssistancePolicy, Department, Eligibility, MeasureCatalogue, MeasureClass, MeasureKind,
    MeasureRule, MeasureUnit,
};
pub use chain::{ChainFinding, ChainRule, chain_findings};
pub use check::{
    MeasureProblem, check_measure, check_requirement, covering, last_day, rate_limit, term_end,
};
pub use effect::{
    AdjustReason, EffectReview, IncomeChange, MeasureToAdjust, StackProtection, effect_review,
    income_change,
};
pub use eligible::EligibilityTest;
pub use propose::{able_to_work, propose};
pub use record::{
    AssistancePlan, BasicNeeds, FollowUpVisit, IncomeBySource, Measure, MeasureCheck,
    MeasureEffect, MeasureSource, MeasureStatus, PlanStatus, PlannedMeasure, ResponsiblePerson,
};

use crate::coded::coded_enum;

coded_enum! {
    /// 社会救助: a kind of social assistance.
    Assistance {
        /// 最低生活保障 (低保)
        Dibao => ("dibao", "低保", "Minimum living allowance", "最低生活保障"),
        /// 特困人员救助供养 (特困)
        Tekun => ("tekun", "特困供养", "Extreme-poverty support", "特困", "特困人员救助供养"),
        /// 低保边缘家庭 (identified jointly with monitoring, like 低保 and 特困)
        DibaoEdge => ("dibao_edge", "低保边缘", "Near-dibao family", "低保边缘家庭"),
        /// 临时救助
        Temporary => ("temporary", "临时救助", "Temporary assistance"),
        /// 医疗救助
        Medical => ("medical", "医疗救助", "Medical assistance"),
    }
}

impl Assistance {
    /// Whether the kind is identified jointly with monitoring (低保, 特困,
    /// 低保边缘): one home visit and one judgement serve both.
    pub fn joint_identification(self) -> bool {
        matches!(
            self,
            Assistance::Dibao | Assistance::Tekun | Assistance::DibaoEdge
        )
    }
}
