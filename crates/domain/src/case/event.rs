//! What can happen to a case: each event carries its own data.

use crate::assistance::Assistance;
use crate::coded::coded_enum;
use crate::household::Category;
use crate::risk::{Channel, RiskType};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An event of a case, as recorded by a user. Stored as JSON tagged by
/// `"kind"` (the [`EventKind`] code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEvent {
    /// 入户核查: counts only with the signed asset-check consent (承诺授权书).
    HomeCheck {
        /// What the visit found (四看: 房, 粮, 劳动力, 读书郎; income, expenses).
        findings: String,
        /// 承诺授权书 signed by the household.
        asset_check_consent_signed: bool,
        /// Day of the visit.
        visited_on: NaiveDate,
    },
    /// 信息比对: the departments' data checked for the household: the
    /// feed rows reviewed and, per feed kind, the finding. An event stored
    /// before the findings existed has only `results` and still reads.
    DataComparison {
        /// What the comparison showed, in words (optional once findings
        /// are given; an older event has only this).
        #[serde(default)]
        results: String,
        /// The stored feed rows reviewed (`feed_rows.id`, as listed by
        /// `GET /api/v1/cases/{id}/comparison-rows`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reviewed_rows: Vec<i64>,
        /// Per feed kind, the finding: one for each kind that has rows.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        findings: Vec<super::comparison::KindFinding>,
    },
    /// 民主评议 of an identification or of a risk elimination.
    Deliberation {
        /// Day it was held.
        held_on: NaiveDate,
        /// Number of representatives present.
        attendees: u32,
        /// Whether the deliberation agreed.
        approve: bool,
        /// Remarks; the reason when it did not agree.
        note: String,
        /// 拟认定类别: the category the village proposes (identification
        /// only); shown on the notice, confirmed or changed by the county.
        #[serde(default)]
        proposed_category: Option<Category>,
        /// 拟认定风险类型 (identification only).
        #[serde(default)]
        proposed_risk_types: Vec<RiskType>,
    },
    /// 公示 posted, from `start` to `end` (both days count).
    NoticeStart {
        /// First day on the board.
        start: NaiveDate,
        /// Last day on the board.
        end: NaiveDate,
    },
    /// 异议 received during the notice.
    NoticeObjection {
        /// What was objected.
        text: String,
        /// Whether it was found right: the check is reopened.
        upheld: bool,
    },
    /// 公示期满: the notice is over (on or after its end date).
    NoticeEnd,
    /// 乡镇审核
    TownshipReview {
        /// Whether the township agrees.
        approve: bool,
        /// Remarks; the reason when it does not agree.
        note: String,
    },
    /// 县级审定: for an identification, sets category and risk types; for
    /// an elimination, takes neither.
    CountyApproval {
        /// Whether the county approves.
        approve: bool,
        /// 监测对象类别 (identification only).
        category: Option<Category>,
        /// 风险类型 (identification only).
        risk_types: Vec<RiskType>,
        /// Remarks; the reason when it does not approve.
        note: String,
        /// 风险消除 approved although a criterion of the elimination check
        /// fails: the county's written reason (elimination approval only;
        /// audited and shown on the case).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    /// 退回补充: a reviewer sends the case back for more material (a
    /// review of an identification to the home check, a review of an
    /// elimination to its deliberation), with what is missing.
    ReturnForMore {
        /// What is missing or must be redone.
        reason: String,
    },
    /// Ends the run without approval, with a reason.
    Reject {
        /// Why.
        reason: String,
    },
    /// 跟踪回访 of a monitored (or eliminated, still watched) household.
    FollowUp {
        /// Day of the visit.
        visited_on: NaiveDate,
        /// Who visited (帮扶责任人 or cadre).
        visitor: String,
        /// What changed: income, expenses, health, work, measures.
        changes: String,
        /// Risk types found new.
        risk_added: Vec<RiskType>,
        /// Risk types gone.
        risk_removed: Vec<RiskType>,
    },
    /// 风险消除 proposed for a monitored household.
    ProposeElimination {
        /// Basis of the proposal.
        note: String,
    },
    /// 返贫: a new lead for an eliminated household; identification reruns.
    ReEntry {
        /// 途径 of the new lead.
        channel: Channel,
        /// Suspected risk types.
        risk_types: Vec<RiskType>,
        /// What was reported.
        note: String,
    },
    /// 风险消除回退: the elimination is undone; the household is monitored again.
    EliminationRollback {
        /// Why.
        reason: String,
    },
    /// 联合认定: propose the household for 低保 or 特困.
    ProposeAssistance {
        /// 低保 or 特困.
        assistance: Assistance,
    },
    /// 存量监测对象导入: a household the county monitored before dixian
    /// enters as monitored, with its original identification day. Only
    /// [`super::Case::migrate`] records it, as a case's first event; it is
    /// never applied to an existing case.
    Migrated {
        /// Day the county identified the household (原认定日期).
        identified_on: NaiveDate,
        /// 监测对象类别.
        category: Category,
        /// 风险类型.
        risk_types: Vec<RiskType>,
        /// Where the record comes from (the county's list).
        note: String,
    },
    /// The outcome of a 低保/特困 proposal.
    AssistanceOutcome {
        /// Which proposal.
        assistance: Assistance,
        /// Whether it was granted.
        granted: bool,
        /// Remarks.
        note: String,
    },
}

coded_enum! {
    /// The kind of a [`CaseEvent`], without its data.
    EventKind {
        /// 入户核查
        HomeCheck => ("home_check", "入户核查", "Home check"),
        /// 信息比对
        DataComparison => ("data_comparison", "信息比对", "Data comparison"),
        /// 民主评议
        Deliberation => ("deliberation", "民主评议", "Deliberation"),
        /// 发布公示
        NoticeStart => ("notice_start", "发布公示", "Notice start"),
        /// 公示异议
        NoticeObjection => ("notice_objection", "公示异议", "Notice objection"),
        /// 公示期满
        NoticeEnd => ("notice_end", "公示期满", "Notice end"),
        /// 乡镇审核
        TownshipReview => ("township_review", "乡镇审核", "Township review"),
        /// 县级审定
        CountyApproval => ("county_approval", "县级审定", "County approval"),
        /// 退回补充
        ReturnForMore => ("return_for_more", "退回补充", "Returned for more material"),
        /// 不予通过
        Reject => ("reject", "不予通过", "Rejection"),
        /// 跟踪回访
        FollowUp => ("follow_up", "跟踪回访", "Follow-up visit"),
        /// 提出风险消除
        ProposeElimination => ("propose_elimination", "提出风险消除", "Elimination proposal"),
        /// 返贫
        ReEntry => ("re_entry", "返贫", "Re-entry"),
        /// 风险消除回退
        EliminationRollback => ("elimination_rollback", "风险消除回退", "Elimination rollback"),
        /// 提请低保特困认定
        ProposeAssistance => ("propose_assistance", "提请低保特困认定", "Assistance proposal"),
        /// 低保特困认定结果
        AssistanceOutcome => ("assistance_outcome", "低保特困认定结果", "Assistance outcome"),
        /// 存量监测对象导入
        Migrated => ("migrated", "存量监测对象导入", "Migrated monitored household"),
    }
}

impl CaseEvent {
    /// The kind of the event.
    pub fn kind(&self) -> EventKind {
        match self {
            CaseEvent::HomeCheck { .. } => EventKind::HomeCheck,
            CaseEvent::DataComparison { .. } => EventKind::DataComparison,
            CaseEvent::Deliberation { .. } => EventKind::Deliberation,
            CaseEvent::NoticeStart { .. } => EventKind::NoticeStart,
            CaseEvent::NoticeObjection { .. } => EventKind::NoticeObjection,
            CaseEvent::NoticeEnd => EventKind::NoticeEnd,
            CaseEvent::TownshipReview { .. } => EventKind::TownshipReview,
            CaseEvent::CountyApproval { .. } => EventKind::CountyApproval,
            CaseEvent::ReturnForMore { .. } => EventKind::ReturnForMore,
            CaseEvent::Reject { .. } => EventKind::Reject,
            CaseEvent::FollowUp { .. } => EventKind::FollowUp,
            CaseEvent::ProposeElimination { .. } => EventKind::ProposeElimination,
            CaseEvent::ReEntry { .. } => EventKind::ReEntry,
            CaseEvent::EliminationRollback { .. } => EventKind::EliminationRollback,
            CaseEvent::ProposeAssistance { .. } => EventKind::ProposeAssistance,
            CaseEvent::AssistanceOutcome { .. } => EventKind::AssistanceOutcome,
            CaseEvent::Migrated { .. } => EventKind::Migrated,
        }
    }
}
