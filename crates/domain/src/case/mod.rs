//! 监测案件: one run of the monitoring workflow for one household, from a
//! lead (线索) through identification (识别认定) to monitoring, risk
//! elimination (风险消除) and, after a new shock, re-entry (返贫).
//!
//! Everything here is pure: the clock (`now`) and the province's numbers
//! ([`WorkflowPolicy`](crate::WorkflowPolicy)) are passed in. [`apply`] is
//! the one place that decides what may happen to a case, and who may do it
//! (the table is in `rules.rs`); [`deadline`] and [`overdue`] say when a
//! step is late and who is told; [`elimination_check`] says whether a
//! household's risk may be closed.
//!
//! ## Stages
//!
//! ```text
//! open ─▶ HomeCheck ─▶ DataComparison ─▶ VillageDeliberation ─▶ NoticePending
//!            ▲                                                      │
//!            └──── upheld objection ──── Notice ◀───────────────────┘
//!                                          │ (NoticeEnd, on/after the end date)
//!                        TownshipReview ◀──┘
//!                              │
//!                        CountyApproval ─▶ Monitored ◀──── rollback ────┐
//!                                              │                       │
//!   EliminationDeliberation ◀── ProposeElimination                     │
//!     ─▶ EliminationNoticePending ─▶ EliminationNotice                 │
//!     ─▶ EliminationTownshipReview ─▶ EliminationCountyApproval ─▶ Eliminated
//!                                                                      │
//!   HomeCheck ◀──────────────── ReEntry (返贫, a new lead) ─────────────┘
//! ```
//!
//! A reviewer may return the case for more material (退回补充): from the
//! township review or county approval of an identification back to
//! `HomeCheck`, from those of an elimination back to
//! `EliminationDeliberation`.
//!
//! A rejection (by deliberation, review, approval or an explicit `Reject`)
//! ends the run: a first identification goes to `Rejected` (a new lead is
//! a new case); a re-entry run goes back to `Eliminated`; an elimination
//! run goes back to `Monitored`. An upheld objection during an elimination
//! notice also returns the case to `Monitored`.
//!
//! ## Storage
//!
//! A [`Case`] serialises to JSON as the snapshot, which is authoritative;
//! its `stage` is also a text code ([`CaseStage::code`], e.g.
//! `township_review`) for an indexed column. A [`CaseEvent`] serialises to
//! JSON tagged by `"kind"`, whose value is the [`EventKind::code`] (e.g.
//! `{"kind":"notice_end"}`); kept with the actor's role and region, the
//! time and the policy in force, the event log is the case's history and
//! can be replayed through [`apply`]. Every enum inside is stored by its
//! stable snake_case code.

mod apply;
mod comparison;
mod deadline;
mod elimination;
mod error;
mod event;
mod rules;
#[cfg(test)]
mod tests;

pub use apply::apply;
pub use comparison::{Finding, KindFinding, check_against as check_comparison};
pub use deadline::{Overdue, deadline, escalation_level, overdue, step_limit_days};
pub use elimination::{
    CriterionResult, EliminationCriterion, EliminationFacts, EliminationReport, IncomePeriod,
    ThreeGuarantees, elimination_check, has_labor_capacity,
};
pub use error::{CaseError, TextField};
pub use event::{CaseEvent, EventKind};
pub use rules::{LEAD_ROLES, allowed_roles, records_step, step_event};

use crate::assistance::{
    Assistance, Department, Measure, MeasureKind, MeasureSource, MeasureStatus,
};
use crate::coded::coded_enum;
use crate::household::Category;
use crate::region::{RegionCode, RegionLevel};
use crate::risk::{Channel, RiskType};
use crate::role::{Role, Scope};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

coded_enum! {
    /// 案件环节: where a case stands, named by the step it waits for.
    CaseStage {
        /// 入户核查: waiting for the home check.
        HomeCheck => ("home_check", "入户核查", "Home check"),
        /// 信息比对: waiting for the departments' data comparison.
        DataComparison => ("data_comparison", "信息比对", "Data comparison"),
        /// 民主评议: waiting for the village deliberation.
        VillageDeliberation => ("village_deliberation", "民主评议", "Village deliberation"),
        /// 待公示: deliberated, the notice is to be posted.
        NoticePending => ("notice_pending", "待公示", "Notice to post"),
        /// 公示中: the notice is posted.
        Notice => ("notice", "公示", "Notice"),
        /// 乡镇审核
        TownshipReview => ("township_review", "乡镇审核", "Township review"),
        /// 县级审定
        CountyApproval => ("county_approval", "县级审定", "County approval"),
        /// 监测帮扶中: a monitored household (防止返贫致贫对象).
        Monitored => ("monitored", "监测帮扶中", "Monitored"),
        /// 不予纳入: the first identification was rejected; the case is closed.
        Rejected => ("rejected", "不予纳入", "Rejected"),
        /// 风险消除评议: elimination proposed, waiting for the deliberation.
        EliminationDeliberation => ("elimination_deliberation", "风险消除民主评议", "Elimination deliberation"),
        /// 风险消除待公示
        EliminationNoticePending => ("elimination_notice_pending", "风险消除待公示", "Elimination notice to post"),
        /// 风险消除公示中
        EliminationNotice => ("elimination_notice", "风险消除公示", "Elimination notice"),
        /// 风险消除乡镇审核
        EliminationTownshipReview => ("elimination_township_review", "风险消除乡镇审核", "Elimination township review"),
        /// 风险消除县级审定
        EliminationCountyApproval => ("elimination_county_approval", "风险消除县级审定", "Elimination county approval"),
        /// 已消除风险: still watched (先跟踪再脱钩) until it leaves.
        Eliminated => ("eliminated", "已消除风险", "Risk eliminated"),
    }
}

impl CaseStage {
    /// Whether the stage belongs to a risk-elimination run.
    pub fn is_elimination(self) -> bool {
        use CaseStage::*;
        matches!(
            self,
            EliminationDeliberation
                | EliminationNoticePending
                | EliminationNotice
                | EliminationTownshipReview
                | EliminationCountyApproval
        )
    }

    /// Whether the stage belongs to an identification run (lead to approval).
    pub fn is_identification(self) -> bool {
        use CaseStage::*;
        matches!(
            self,
            HomeCheck
                | DataComparison
                | VillageDeliberation
                | NoticePending
                | Notice
                | TownshipReview
                | CountyApproval
        )
    }

    /// The level whose people owe the step; `None` where nothing is owed.
    pub fn owner(self) -> Option<RegionLevel> {
        use CaseStage::*;
        match self {
            TownshipReview | EliminationTownshipReview => Some(RegionLevel::Township),
            CountyApproval | EliminationCountyApproval => Some(RegionLevel::County),
            Monitored | Rejected | Eliminated => None,
            _ => Some(RegionLevel::Village),
        }
    }

    /// The stage a completed step leads to (approval, not rejection).
    fn next(self) -> CaseStage {
        use CaseStage::*;
        match self {
            HomeCheck => DataComparison,
            DataComparison => VillageDeliberation,
            VillageDeliberation => NoticePending,
            NoticePending => Notice,
            Notice => TownshipReview,
            TownshipReview => CountyApproval,
            CountyApproval => Monitored,
            Monitored => EliminationDeliberation,
            EliminationDeliberation => EliminationNoticePending,
            EliminationNoticePending => EliminationNotice,
            EliminationNotice => EliminationTownshipReview,
            EliminationTownshipReview => EliminationCountyApproval,
            EliminationCountyApproval => Eliminated,
            Rejected | Eliminated => self,
        }
    }
}

/// 线索: what opened the current identification run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lead {
    /// 途径
    pub channel: Channel,
    /// When the lead was registered (the identification clock starts here).
    pub opened_at: DateTime<Utc>,
    /// Suspected risk types (confirmed at county approval).
    pub risk_types: Vec<RiskType>,
    /// Free text: what was reported.
    pub note: String,
}

/// A household the county monitored before dixian, for [`Case::migrate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Migration {
    /// 户编号 of the household.
    pub household: String,
    /// 所在村 (12-digit village code).
    #[schema(value_type = String)]
    pub village: RegionCode,
    /// 监测对象类别.
    pub category: Category,
    /// 风险类型 (at least one).
    pub risk_types: Vec<RiskType>,
    /// Day the county identified it (原认定日期).
    pub identified_on: NaiveDate,
    /// Where the record comes from.
    pub note: String,
}

/// A new lead, to open a case with [`Case::open`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewLead {
    /// 户编号 of the household.
    pub household: String,
    /// 所在村 (12-digit village code).
    #[schema(value_type = String)]
    pub village: RegionCode,
    /// 途径
    pub channel: Channel,
    /// Suspected risk types.
    pub risk_types: Vec<RiskType>,
    /// Free text: what was reported.
    pub note: String,
}

/// 公示: the posted notice of the current run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    /// First day on the board.
    pub start: NaiveDate,
    /// Last day on the board (inclusive).
    pub end: NaiveDate,
    /// Objections (异议) received.
    pub objections: Vec<Objection>,
}

/// 异议: an objection to a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Objection {
    /// What was objected.
    pub text: String,
    /// Whether the objection was found to be right (reopens the check).
    pub upheld: bool,
    /// Day it was recorded (China time).
    pub recorded_on: NaiveDate,
}

/// Why and where a run was ended without approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rejection {
    /// The stage the case was at.
    pub stage: CaseStage,
    /// Role of who decided.
    pub role: Role,
    /// The reason given.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// 退回补充: a reviewer sent the case back for more material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Return {
    /// The review stage it was sent back from.
    pub from: CaseStage,
    /// The stage it was sent back to (the home check, or the elimination
    /// deliberation).
    pub to: CaseStage,
    /// Role of who returned it.
    pub role: Role,
    /// What is missing or must be redone.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl Return {
    /// Whether the return is what the case waits on now: it is still at
    /// the stage it was sent back to, and has not moved since.
    pub fn pending(&self, case: &Case) -> bool {
        case.stage == self.to && case.stage_entered_at == self.at
    }
}

/// 联合认定: a proposal of the household for 低保 or 特困, and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssistanceProposal {
    /// 低保 or 特困.
    pub assistance: Assistance,
    /// Day proposed (China time).
    pub proposed_on: NaiveDate,
    /// The decision of 民政, once known.
    pub decision: Option<AssistanceDecision>,
}

impl AssistanceProposal {
    /// The assistance as a link of the assistance chain, once granted: a
    /// measure of the household (the case records the grant for the
    /// household, not per person) from the day of the decision, given by
    /// 民政 (医疗救助: 医保), entered by a cadre. `None` until granted.
    pub fn granted_measure(&self) -> Option<Measure> {
        let decision = self.decision.as_ref().filter(|d| d.granted)?;
        let (kind, department) = match self.assistance {
            Assistance::Dibao => (MeasureKind::Dibao, Department::CivilAffairs),
            Assistance::Tekun => (MeasureKind::Tekun, Department::CivilAffairs),
            Assistance::DibaoEdge => (MeasureKind::DibaoEdge, Department::CivilAffairs),
            Assistance::Temporary => (MeasureKind::TemporaryRelief, Department::CivilAffairs),
            Assistance::Medical => (MeasureKind::MedicalRelief, Department::MedicalSecurity),
        };
        Some(Measure {
            person: None,
            kind,
            department,
            amount_fen: None,
            starts_on: decision.decided_on,
            ends_on: None,
            status: MeasureStatus::Ongoing,
            source: MeasureSource::Cadre,
            evidence: format!(
                "case decision of {} ({}审批)",
                decision.decided_on,
                self.assistance.label_zh()
            ),
        })
    }
}

/// The decision on an [`AssistanceProposal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssistanceDecision {
    /// Whether the assistance was granted.
    pub granted: bool,
    /// Day recorded (China time).
    pub decided_on: NaiveDate,
    /// Free text.
    pub note: String,
}

/// 监测案件: the current state of one household's case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    /// 户编号 of the household.
    pub household: String,
    /// 所在村 (12-digit village code): every action is checked against it.
    #[schema(value_type = String)]
    pub village: RegionCode,
    /// Where the case stands.
    pub stage: CaseStage,
    /// When the case entered its stage (the step clock starts here).
    pub stage_entered_at: DateTime<Utc>,
    /// 线索 of the current identification run.
    pub lead: Lead,
    /// Whether the current identification run is a re-entry (返贫).
    pub re_entry: bool,
    /// Day of the latest village deliberation of the current run (kept
    /// when the run ends, cleared when the next run starts).
    pub deliberated_on: Option<NaiveDate>,
    /// Latest 公示 of the current run, with its objections (kept when the
    /// run ends, cleared when the next run starts).
    pub notice: Option<Notice>,
    /// 监测对象类别, set at county approval.
    pub category: Option<Category>,
    /// 风险类型, set at county approval and changed by follow-up visits.
    pub risk_types: Vec<RiskType>,
    /// 拟认定类别 of the current identification run, proposed by the
    /// village deliberation (cleared when the next run starts).
    #[serde(default)]
    pub proposed_category: Option<Category>,
    /// 拟认定风险类型 of the current run, proposed by the deliberation.
    #[serde(default)]
    pub proposed_risk_types: Vec<RiskType>,
    /// When the household became monitored (last identification approval).
    pub monitored_since: Option<DateTime<Utc>>,
    /// When its risk was eliminated; `None` unless eliminated.
    pub eliminated_at: Option<DateTime<Utc>>,
    /// Number of follow-up visits (跟踪回访) recorded.
    pub follow_ups: u32,
    /// Day of the latest follow-up visit.
    pub last_follow_up: Option<NaiveDate>,
    /// The latest rejection or withdrawal of a run, and why (kept as
    /// history when a later run succeeds).
    pub rejection: Option<Rejection>,
    /// 低保/特困 proposals of the joint identification.
    pub assistance: Vec<AssistanceProposal>,
    /// Number of re-entries (返贫).
    pub re_entries: u32,
    /// Number of elimination rollbacks (风险消除回退).
    pub rollbacks: u32,
    /// The county's reason when it approved the latest elimination
    /// although a criterion failed; `None` when all held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elimination_override: Option<EliminationOverride>,
    /// The latest 退回补充 (kept as history; [`Return::pending`] says
    /// whether the case still waits on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<Return>,
}

/// 风险消除 approved over a failing criterion of the elimination check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EliminationOverride {
    /// The county's written reason.
    pub reason: String,
    /// When the county approved.
    pub at: DateTime<Utc>,
}

/// The outcome of [`apply`]: the new state and the stages it moved between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transition {
    /// The case after the event.
    pub case: Case,
    /// Stage before the event.
    pub from: CaseStage,
    /// Stage after the event (equal to `from` for records such as follow-ups).
    pub to: CaseStage,
}

impl Case {
    /// Opens a case from a lead: a village cadre, township reviewer or
    /// county admin whose region covers the household's village.
    pub fn open(lead: NewLead, actor: &Scope, now: DateTime<Utc>) -> Result<Case, CaseError> {
        rules::authorize_open(&lead.village, actor)?;
        if lead.household.trim().is_empty() {
            return Err(CaseError::Empty(TextField::Household));
        }
        let opened = Lead {
            channel: lead.channel,
            opened_at: now,
            risk_types: RiskType::normalize(lead.risk_types),
            note: lead.note,
        };
        Ok(Case {
            household: lead.household.trim().to_string(),
            village: lead.village,
            stage: CaseStage::HomeCheck,
            stage_entered_at: now,
            lead: opened,
            re_entry: false,
            deliberated_on: None,
            notice: None,
            category: None,
            risk_types: Vec::new(),
            proposed_category: None,
            proposed_risk_types: Vec::new(),
            monitored_since: None,
            eliminated_at: None,
            follow_ups: 0,
            last_follow_up: None,
            rejection: None,
            assistance: Vec::new(),
            re_entries: 0,
            rollbacks: 0,
            elimination_override: None,
            returned: None,
        })
    }

    /// 存量监测对象导入: a household the county already monitors enters as
    /// a monitored case, identified on `m.identified_on` (the months
    /// monitored count from that day). Only a county admin whose region
    /// covers the village; the day may not be in the future.
    pub fn migrate(m: Migration, actor: &Scope, now: DateTime<Utc>) -> Result<Case, CaseError> {
        rules::authorize_open(&m.village, actor)?;
        if actor.role != Role::CountyAdmin {
            return Err(CaseError::WrongRole {
                event: EventKind::Migrated,
                role: actor.role,
                allowed: vec![Role::CountyAdmin],
            });
        }
        let today = china_date(now);
        if m.identified_on > today {
            return Err(CaseError::FutureDate {
                date: m.identified_on,
                today,
            });
        }
        if m.risk_types.is_empty() {
            return Err(CaseError::ApprovalIncomplete);
        }
        let since = china_midnight(m.identified_on);
        let risk_types = RiskType::normalize(m.risk_types);
        let mut case = Case::open(
            NewLead {
                household: m.household,
                village: m.village,
                channel: Channel::CadreSweep,
                risk_types: risk_types.clone(),
                note: m.note,
            },
            actor,
            since,
        )?;
        case.category = Some(m.category);
        case.risk_types = risk_types;
        case.monitored_since = Some(since);
        case.enter(CaseStage::Monitored, since);
        Ok(case)
    }

    /// The events `role` may record now (for buttons and error messages).
    pub fn allowed_events(&self, role: Role) -> Vec<EventKind> {
        rules::allowed_events(self.stage, role)
    }

    fn enter(&mut self, stage: CaseStage, now: DateTime<Utc>) {
        self.stage = stage;
        self.stage_entered_at = now;
    }

    fn advance(&mut self, now: DateTime<Utc>) {
        self.enter(self.stage.next(), now);
    }

    /// Forgets the deliberation and notice of the previous run.
    fn reset_run(&mut self) {
        self.deliberated_on = None;
        self.notice = None;
        self.proposed_category = None;
        self.proposed_risk_types = Vec::new();
    }
}

/// China Standard Time (UTC+8, no daylight saving): notices, visits and
/// deadlines are dated by the calendar of the people who keep them.
const CHINA_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// The instant a calendar day begins in China.
pub fn china_midnight(day: NaiveDate) -> DateTime<Utc> {
    let tz = FixedOffset::east_opt(CHINA_UTC_OFFSET_SECONDS).expect("UTC+8 is a valid offset");
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(tz)
        .single()
        .expect("a fixed offset has one local time")
        .with_timezone(&Utc)
}

/// The calendar day in China at instant `t`.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    let tz = FixedOffset::east_opt(CHINA_UTC_OFFSET_SECONDS).expect("UTC+8 is a valid offset");
    t.with_timezone(&tz).date_naive()
}
