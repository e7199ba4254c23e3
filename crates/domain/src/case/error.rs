//! Why an event cannot be recorded: each message says what is wrong and
//! what is allowed instead, in English and Chinese, and never carries
//! personal data (names, ID numbers, free text).

use super::{CaseStage, EventKind};
use crate::assistance::Assistance;
use crate::coded::coded_enum;
use crate::risk::RiskType;
use crate::role::Role;
use crate::screening::FeedKind;
use chrono::NaiveDate;

coded_enum! {
    /// A text field of an event that must not be empty.
    TextField {
        /// 户编号
        Household => ("household", "户编号", "Household number"),
        /// 核查情况
        Findings => ("findings", "核查情况", "Findings"),
        /// 比对结果
        Results => ("results", "比对结果", "Comparison results"),
        /// 意见
        Note => ("note", "意见", "Note"),
        /// 理由
        Reason => ("reason", "理由", "Reason"),
        /// 异议内容
        ObjectionText => ("objection_text", "异议内容", "Objection text"),
        /// 回访人
        Visitor => ("visitor", "回访人", "Visitor"),
        /// 变化情况
        Changes => ("changes", "变化情况", "Changes"),
        /// 未达标仍审定的理由
        OverrideReason => ("override_reason", "未达标仍审定的理由", "Override reason"),
    }
}

/// Why an event was refused. The case is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The case's village is outside the actor's region.
    #[error(
        "the case's village is outside your region; a user responsible for it can act \
         (案件所在村不在您的管辖范围内，请由所在地人员办理)"
    )]
    OutOfScope,
    /// The actor's region is not at the level of the role.
    #[error(
        "your account's region does not match your role ({}); ask the county admin to correct it \
         (账号管辖区域与角色“{}”不符，请联系县级管理员更正)",
        .role.label_en(), .role.label_zh()
    )]
    InconsistentScope {
        /// The actor's role.
        role: Role,
    },
    /// A case was opened on a code that is not a village.
    #[error(
        "a case belongs to a village: give the 12-digit village code (案件所在地应为村级区划代码)"
    )]
    NotVillage,
    /// The role may not register leads.
    #[error(
        "a {} cannot register a lead; a village cadre, township reviewer or county admin can \
         ({}无权登记线索，可由村干部、乡镇审核员或县级管理员登记)",
        .role.label_en(), .role.label_zh()
    )]
    MayNotOpen {
        /// The actor's role.
        role: Role,
    },
    /// The event does not belong to the case's stage.
    #[error(
        "cannot record “{}” while the case is at “{}”; allowed now for your role: {} \
         (案件处于“{}”环节，不能办理“{}”；您当前可办理：{})",
        .event.label_en(), .stage.label_en(), kinds_en(.allowed),
        .stage.label_zh(), .event.label_zh(), kinds_zh(.allowed)
    )]
    WrongStage {
        /// What was tried.
        event: EventKind,
        /// Where the case is.
        stage: CaseStage,
        /// What the actor may record instead.
        allowed: Vec<EventKind>,
    },
    /// The event belongs to the stage, but to another role.
    #[error(
        "“{}” is recorded by a {}, not a {} (“{}”须由{}办理，您的角色为{})",
        .event.label_en(), roles_en(.allowed), .role.label_en(),
        .event.label_zh(), roles_zh(.allowed), .role.label_zh()
    )]
    WrongRole {
        /// What was tried.
        event: EventKind,
        /// The actor's role.
        role: Role,
        /// The roles that may.
        allowed: Vec<Role>,
    },
    /// A required text is empty.
    #[error("{} must not be empty ({}不能为空)", .0.label_en(), .0.label_zh())]
    Empty(TextField),
    /// Home check without the signed asset-check consent.
    #[error(
        "the home check does not count until the household has signed the asset-check consent; \
         record it once signed (农户签署承诺授权书后入户核查方可计入)"
    )]
    ConsentNotSigned,
    /// A date after today.
    #[error(
        "the date {date} is after today ({today}); record what has happened (日期不能晚于今天)"
    )]
    FutureDate {
        /// The date given.
        date: NaiveDate,
        /// Today in China.
        today: NaiveDate,
    },
    /// A home check dated before the lead.
    #[error(
        "the home check on {date} is before the lead of {lead}; give the day of the visit \
         (入户核查日期早于线索登记日期)"
    )]
    BeforeLead {
        /// The visit date.
        date: NaiveDate,
        /// The day the lead was registered.
        lead: NaiveDate,
    },
    /// A deliberation without attendance.
    #[error(
        "a deliberation needs its attendance: give the number present (民主评议须记录参会人数)"
    )]
    NoAttendance,
    /// Notice end before its start.
    #[error("the notice ends ({end}) before it starts ({start}) (公示结束日期早于开始日期)")]
    NoticeEndsBeforeStart {
        /// First day.
        start: NaiveDate,
        /// Last day.
        end: NaiveDate,
    },
    /// Notice posted before the deliberation.
    #[error(
        "the notice cannot start ({start}) before the deliberation of {deliberated_on} \
         (公示开始日期不能早于民主评议日期)"
    )]
    NoticeBeforeDeliberation {
        /// First day of the notice.
        start: NaiveDate,
        /// Day of the deliberation.
        deliberated_on: NaiveDate,
    },
    /// Notice shorter than the policy's minimum.
    #[error(
        "the notice runs {days} days, at least {min} are required: end it on {earliest_end} or later \
         (公示期{days}天，不得少于{min}天，结束日期应不早于{earliest_end})"
    )]
    NoticeTooShort {
        /// Days on the board (both ends counted).
        days: i64,
        /// The policy's minimum.
        min: u32,
        /// The earliest end date that would do.
        earliest_end: NaiveDate,
    },
    /// The case has no notice record at a notice stage.
    #[error("the case has no posted notice; post the notice first (案件无公示记录，请先发布公示)")]
    NoNotice,
    /// Notice end before its end date.
    #[error(
        "the notice runs until {end}; close it on that day or later (公示期至{end}，期满方可结束)"
    )]
    NoticeNotOver {
        /// Last day of the notice.
        end: NaiveDate,
    },
    /// Identification approval without category or risk types.
    #[error(
        "approval needs the category and at least one risk type \
         (审定须确定监测对象类别和至少一项风险类型)"
    )]
    ApprovalIncomplete,
    /// Elimination approval given a category or risk types.
    #[error(
        "an elimination approval sets no category or risk types; leave them empty \
         (风险消除审定无需填写类别和风险类型)"
    )]
    EliminationTakesNoCategory,
    /// An override reason on anything but the county's approval of an
    /// elimination.
    #[error(
        "an override reason is given only when the county approves a risk elimination; leave it empty \
         (仅县级审定风险消除时可填写未达标仍审定的理由)"
    )]
    OverrideOutsideElimination,
    /// The same risk type both added and removed.
    #[error("risk type “{}” is both added and removed; choose one (风险类型“{}”不能同时增加和删除)", .0.label_en(), .0.label_zh())]
    RiskTypeConflict(RiskType),
    /// A new risk found for an eliminated household.
    #[error(
        "a new risk after elimination reopens the case: record a re-entry instead \
         (风险消除后出现新风险，应登记返贫)"
    )]
    NewRiskAfterElimination,
    /// Assistance kind outside the joint identification.
    #[error(
        "joint identification covers 低保 and 特困 only; record “{}” as a measure of the plan \
         (联合认定仅限低保和特困，“{}”请作为帮扶措施录入)",
        .0.label_en(), .0.label_zh()
    )]
    NotJointAssistance(Assistance),
    /// A proposal of that kind already awaits its outcome.
    #[error(
        "“{}” is already proposed and awaits its outcome; record the outcome first (“{}”已提请，待认定结果)",
        .0.label_en(), .0.label_zh()
    )]
    AssistancePending(Assistance),
    /// No pending proposal of that kind.
    #[error(
        "“{}” has not been proposed for this case; propose it first (本案件未提请“{}”认定)",
        .0.label_en(), .0.label_zh()
    )]
    NoAssistanceProposal(Assistance),
    /// A data comparison names a feed kind twice.
    #[error(
        "findings: “{}” is given twice; give one finding per feed kind \
         (比对结论：“{}”重复，每类数据填写一项结论)",
        .0.label_en(), .0.label_zh()
    )]
    ComparisonKindTwice(FeedKind),
    /// A data comparison without a finding for a kind that has rows.
    #[error(
        "findings: the household's members have “{}” rows; give a finding for them \
         (比对结论：成员有“{}”数据，请填写比对结论)",
        .0.label_en(), .0.label_zh()
    )]
    ComparisonFindingMissing(FeedKind),
    /// A data comparison names a row that is not listed for the case.
    #[error(
        "reviewed_rows: row {row} is not among the department rows listed for this case; \
         reload the page and choose from the list (比对数据行不在本案件的比对清单中)"
    )]
    ComparisonRowNotListed {
        /// The row id given.
        row: i64,
    },
    /// A data comparison names one row twice.
    #[error("reviewed_rows: row {row} is named twice (比对数据行重复)")]
    ComparisonRowTwice {
        /// The row id given twice.
        row: i64,
    },
    /// The event's texts and lists together are larger than a record holds.
    #[error(
        "the record is {bytes} bytes, more than {max_bytes}; shorten its texts \
         (记录内容过长，请精简文字)"
    )]
    EventTooLarge {
        /// Its size as stored (JSON bytes).
        bytes: usize,
        /// The largest size stored.
        max_bytes: usize,
    },
}

impl CaseError {
    /// Whether the refusal is about who acts (not permitted), where (not
    /// found: out of scope looks like absent) or what (unprocessable).
    pub fn kind(&self) -> crate::RefusalKind {
        match self {
            CaseError::WrongRole { .. }
            | CaseError::MayNotOpen { .. }
            | CaseError::InconsistentScope { .. } => crate::RefusalKind::NotPermitted,
            CaseError::OutOfScope => crate::RefusalKind::NotFound,
            CaseError::NotVillage
            | CaseError::WrongStage { .. }
            | CaseError::Empty(_)
            | CaseError::ConsentNotSigned
            | CaseError::FutureDate { .. }
            | CaseError::BeforeLead { .. }
            | CaseError::NoAttendance
            | CaseError::NoticeEndsBeforeStart { .. }
            | CaseError::NoticeBeforeDeliberation { .. }
            | CaseError::NoticeTooShort { .. }
            | CaseError::NoNotice
            | CaseError::NoticeNotOver { .. }
            | CaseError::ApprovalIncomplete
            | CaseError::EliminationTakesNoCategory
            | CaseError::OverrideOutsideElimination
            | CaseError::RiskTypeConflict(_)
            | CaseError::NewRiskAfterElimination
            | CaseError::NotJointAssistance(_)
            | CaseError::AssistancePending(_)
            | CaseError::NoAssistanceProposal(_)
            | CaseError::ComparisonKindTwice(_)
            | CaseError::ComparisonFindingMissing(_)
            | CaseError::ComparisonRowNotListed { .. }
            | CaseError::ComparisonRowTwice { .. }
            | CaseError::EventTooLarge { .. } => crate::RefusalKind::Unprocessable,
        }
    }

    /// Stable code for the API's `{"error": {"code"}}`.
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::OutOfScope => "out_of_scope",
            CaseError::InconsistentScope { .. } => "inconsistent_scope",
            CaseError::NotVillage => "not_village",
            CaseError::MayNotOpen { .. } => "may_not_open",
            CaseError::WrongStage { .. } => "wrong_stage",
            CaseError::WrongRole { .. } => "wrong_role",
            CaseError::Empty(_) => "empty_field",
            CaseError::ConsentNotSigned => "consent_not_signed",
            CaseError::FutureDate { .. } => "future_date",
            CaseError::BeforeLead { .. } => "before_lead",
            CaseError::NoAttendance => "no_attendance",
            CaseError::NoticeEndsBeforeStart { .. } => "notice_ends_before_start",
            CaseError::NoticeBeforeDeliberation { .. } => "notice_before_deliberation",
            CaseError::NoticeTooShort { .. } => "notice_too_short",
            CaseError::NoNotice => "no_notice",
            CaseError::NoticeNotOver { .. } => "notice_not_over",
            CaseError::ApprovalIncomplete => "approval_incomplete",
            CaseError::EliminationTakesNoCategory => "elimination_takes_no_category",
            CaseError::OverrideOutsideElimination => "override_outside_elimination",
            CaseError::RiskTypeConflict(_) => "risk_type_conflict",
            CaseError::NewRiskAfterElimination => "new_risk_after_elimination",
            CaseError::NotJointAssistance(_) => "not_joint_assistance",
            CaseError::AssistancePending(_) => "assistance_pending",
            CaseError::NoAssistanceProposal(_) => "no_assistance_proposal",
            CaseError::ComparisonKindTwice(_) => "comparison_kind_twice",
            CaseError::ComparisonFindingMissing(_) => "comparison_finding_missing",
            CaseError::ComparisonRowNotListed { .. } => "comparison_row_not_listed",
            CaseError::ComparisonRowTwice { .. } => "comparison_row_twice",
            CaseError::EventTooLarge { .. } => "event_too_large",
        }
    }
}

fn kinds_en(kinds: &[EventKind]) -> String {
    if kinds.is_empty() {
        return "nothing".to_string();
    }
    let labels: Vec<_> = kinds.iter().map(|k| k.label_en()).collect();
    labels.join(", ")
}

fn kinds_zh(kinds: &[EventKind]) -> String {
    if kinds.is_empty() {
        return "无".to_string();
    }
    let labels: Vec<_> = kinds.iter().map(|k| k.label_zh()).collect();
    labels.join("、")
}

fn roles_en(roles: &[Role]) -> String {
    let labels: Vec<_> = roles.iter().map(|r| r.label_en()).collect();
    labels.join(" or ")
}

fn roles_zh(roles: &[Role]) -> String {
    let labels: Vec<_> = roles.iter().map(|r| r.label_zh()).collect();
    labels.join("或")
}
