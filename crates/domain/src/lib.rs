//! dixian's domain: the pure types and rules of 常态化防止返贫致贫监测帮扶.
//!
//! Nothing here does I/O or async; every other crate speaks these types.
//! Names follow `docs/glossary.md` of the shared docs.

pub mod alerts;
pub mod assistance;
pub mod attachment;
pub mod case;
mod coded;
pub mod household;
pub mod id_number;
pub mod mask;
pub mod policy;
pub mod refusal;
pub mod region;
pub mod risk;
pub mod role;
pub mod screening;

pub use assistance::Assistance;
pub use case::{
    Case, CaseError, CaseEvent, CaseStage, EliminationFacts, EliminationReport, EventKind,
    Migration, NewLead, Overdue, Transition, apply, deadline, elimination_check, overdue,
};
pub use household::{
    Category, DisabilityKind, DrinkingWater, EmploymentStatus, Household, HouseholdError,
    HousingGrade, Illness, Income, InsuranceStatus, LaborCapacity, Member, Relation, StatusColour,
    StudentStage, StudentStatus,
};
pub use id_number::{IdNumber, IdNumberError, Sex};
pub use policy::WorkflowPolicy;
pub use refusal::RefusalKind;
pub use region::{RegionCode, RegionCodeError, RegionLevel};
pub use risk::{Channel, RiskType};
pub use role::{Role, Scope};
pub use screening::{Condition, FeedKind, RuleRef, Severity, UnknownCode, WarningStatus};
