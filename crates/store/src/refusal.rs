//! Why a well-formed request was refused by a rule: one typed enum with a
//! stable code and a kind, so that every interface (HTTP status, CLI
//! message) decides from the type, never from a string.
//!
//! The messages are bilingual and carry no personal data (a region code,
//! a date or a version number at most).

use chrono::NaiveDate;
use dixian_domain::assistance::PlanStatus;
use dixian_domain::case::EliminationCriterion;
use dixian_domain::{CaseError, RefusalKind};

/// Why a request was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The case workflow refused the event (domain rules).
    #[error(transparent)]
    Case(#[from] CaseError),
    /// No rule set is in force for the region on the day.
    #[error(
        "no rule set is in force for region {region} on {on}; ask the county admin to load one \
         (该地区当日无适用规则集，请联系县级管理员)"
    )]
    NoRuleSet {
        /// The region (a village code).
        region: String,
        /// The day (China time).
        on: NaiveDate,
    },
    /// The elimination check applies to monitored households only.
    #[error(
        "the household has not been identified for monitoring yet; the check applies to \
         monitored households (该户尚未认定为监测对象)"
    )]
    NotMonitored,
    /// A warning that is verified or dismissed already.
    #[error(
        "this warning is {} already; only an open warning can be verified or dismissed (该预警已处理)",
        .status.code()
    )]
    WarningNotOpen {
        /// Its status now.
        status: dixian_domain::WarningStatus,
    },
    /// A dismissal without its reason.
    #[error("say why the warning is dismissed: the reason must not be empty (请填写排除理由)")]
    DismissalReasonEmpty,
    /// A lead without its note.
    #[error("say what happened: the note must not be empty (情况说明不能为空)")]
    LeadNoteEmpty,
    /// A lead's note over the limit.
    #[error(
        "the note is longer than {max_chars} characters; shorten it (情况说明不能超过{max_chars}字)"
    )]
    LeadNoteTooLong {
        /// The limit in characters.
        max_chars: usize,
    },
    /// A lead names both a household and a person, or neither.
    #[error(
        "give either household_id or the id_number of a member, not both \
         (请填写户ID或成员身份证号之一)"
    )]
    HouseholdOrPerson,
    /// A declarant's name is empty or too long.
    #[error("give your name as registered, at most 50 characters (请填写登记的姓名)")]
    InvalidName,
    /// A declarant's ID number is not valid (the reason says why, without
    /// repeating the number).
    #[error("the ID number is not valid: {reason} (身份证号无效)")]
    InvalidIdNumber {
        /// What is wrong with it.
        reason: String,
    },
    /// A declarant's phone number cannot be called back.
    #[error(
        "give a phone number the village can call back: digits, at most 20 (请填写可回访的电话号码)"
    )]
    InvalidPhone,
    /// A village code that is not a village of the division table.
    #[error(
        "the village code is not a village of the division table; give the 12-digit code \
         (村代码不存在，请填写12位村级区划代码)"
    )]
    UnknownVillage,
    /// No registered person with the ID number in the actor's region.
    #[error(
        "no one with this ID number is registered in your region; register the household first \
         (您辖区内未登记此身份证号，请先登记农户)"
    )]
    PersonNotRegistered,
    /// A lead that was handled already.
    #[error("this lead has been handled already; see its case (该线索已处理)")]
    LeadResolved,
    /// An export of personal data without a reason.
    #[error(
        "an export of personal data needs a reason: say what it is for \
         (导出个人信息须填写事由，请说明用途)"
    )]
    ReasonRequired,
    /// A list export with more rows than the configured cap
    /// (`[exports] max_rows`): refused before a workbook is built.
    #[error(
        "the list has {rows} rows, more than the {max} an export may hold; narrow the filter \
         (region, category, status …) and download again (该列表共{rows}行，超过导出上限{max}行，请缩小筛选范围后再导出)"
    )]
    TooManyRows {
        /// Rows the filter matches.
        rows: u64,
        /// The configured cap.
        max: u64,
    },
    /// A rule file's version is not above the version in force.
    #[error(
        "{file}: version = {given} but version {in_force} of this set (region {region}, from {valid_from}) \
         is in force; raise version to {} (版本号须大于现行版本)",
        .in_force + 1
    )]
    RuleSetVersion {
        /// The file name.
        file: String,
        /// The version in the file.
        given: i64,
        /// The version in force.
        in_force: i64,
        /// The set's region.
        region: String,
        /// The set's first day.
        valid_from: NaiveDate,
    },
    /// A screening run asked for a day after today.
    #[error(
        "the as-of day {as_of} is after today {today}; screen up to today at most (筛查截止日期不能晚于今天)"
    )]
    AsOfInFuture {
        /// The day asked for.
        as_of: NaiveDate,
        /// Today (China time).
        today: NaiveDate,
    },
    /// A household edit that changes its category: only the case workflow
    /// (county approval) sets it.
    #[error(
        "the category is set by the case workflow (county approval), not by editing the household \
         (监测对象类别只能通过识别流程由县级审定)"
    )]
    CategoryByWorkflow,
    /// A change of 原建档立卡 by anyone but the county admin.
    #[error(
        "whether the household was registered poor (原建档立卡) stays for life; only the county admin \
         may correct it (原建档立卡标识仅县级管理员可更正)"
    )]
    FormerlyPoorByCounty,
    /// A field of an assistance record (a measure, a plan, a visit, a
    /// helper) breaks a rule; `field` names it (`amount_fen`,
    /// `measures[2].person`), the reason says why, never with its value.
    #[error("{field}: {reason}")]
    InvalidField {
        /// The field, as the API names it.
        field: String,
        /// Why (bilingual).
        reason: String,
    },
    /// A plan belongs to an identification run (a case) of the household.
    #[error(
        "the household has no identification case; a plan is made for a case \
         (该户没有监测认定案件，无法制定帮扶计划)"
    )]
    NoCase,
    /// A plan's status cannot go from `from` to `to`.
    #[error(
        "a plan cannot go from {} to {} (draft → active → closed) (帮扶计划状态不能由{}改为{})",
        .from.code(), .to.code(), .from.label_zh(), .to.label_zh()
    )]
    PlanStatusChange {
        /// The status now.
        from: PlanStatus,
        /// The status asked for.
        to: PlanStatus,
    },
    /// A helper who is not on the roster of the household's county.
    #[error("the helper is not on your county's roster; add them first (帮扶责任人不在本县名册中)")]
    UnknownHelper,
    /// A measure that is stopped already.
    #[error("this measure is stopped already (该措施已停止)")]
    MeasureStopped,
    /// 风险消除 proposed, or approved without an override reason, while
    /// criteria of the elimination check fail; each is named.
    #[error(
        "the risk cannot be eliminated yet: {} not met; see the elimination check on the case \
         (风险消除条件未满足：{}；县级审定可填写未达标仍审定的理由)",
        criteria_en(.failing), criteria_zh(.failing)
    )]
    EliminationCriteriaFail {
        /// The criteria that fail, in the check's order.
        failing: Vec<EliminationCriterion>,
    },
    /// The rule set in force sets no data comparison window.
    #[error(
        "the rule set in force for region {region} on {on} sets no workflow.comparison_window_days; \
         ask the county admin to adopt a version with it (适用规则集未设信息比对期限)"
    )]
    NoComparisonWindow {
        /// The region (a village code).
        region: String,
        /// The day (China time).
        on: NaiveDate,
    },
    /// Another job that writes the region's data is queued or running:
    /// one at a time per county (the API answers 409).
    #[error(
        "job #{job_id} of this region is still running; wait for it to end or cancel it \
         (本地区任务 #{job_id} 正在运行，请等待其结束或取消)"
    )]
    JobRunning {
        /// The job that runs.
        job_id: i64,
    },
    /// The job was cancelled before its end; nothing it did was kept.
    #[error("the job was cancelled; nothing was saved (任务已取消，未保存任何数据)")]
    JobCancelled,
    /// A job that ended cannot be cancelled.
    #[error("the job has ended already; there is nothing to cancel (任务已结束，无法取消)")]
    JobEnded,
}

fn criteria_en(c: &[EliminationCriterion]) -> String {
    let names: Vec<_> = c.iter().map(|c| c.label_en().to_lowercase()).collect();
    names.join("; ")
}

fn criteria_zh(c: &[EliminationCriterion]) -> String {
    let names: Vec<_> = c.iter().map(|c| c.label_zh()).collect();
    names.join("、")
}

impl Refusal {
    /// Stable code for the API's `{"error": {"code"}}` and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Case(e) => e.code(),
            Refusal::NoRuleSet { .. } => "no_rule_set",
            Refusal::NotMonitored => "not_monitored",
            Refusal::WarningNotOpen { .. } => "warning_not_open",
            Refusal::DismissalReasonEmpty | Refusal::LeadNoteEmpty => "empty_field",
            Refusal::LeadNoteTooLong { .. } => "note_too_long",
            Refusal::HouseholdOrPerson => "household_or_person",
            Refusal::InvalidName => "invalid_name",
            Refusal::InvalidIdNumber { .. } => "invalid_id_number",
            Refusal::InvalidPhone => "invalid_phone",
            Refusal::UnknownVillage => "unknown_village",
            Refusal::PersonNotRegistered => "person_not_registered",
            Refusal::LeadResolved => "lead_resolved",
            Refusal::ReasonRequired => "reason_required",
            Refusal::TooManyRows { .. } => "too_many_rows",
            Refusal::RuleSetVersion { .. } => "rule_set_version",
            Refusal::AsOfInFuture { .. } => "as_of_in_future",
            Refusal::CategoryByWorkflow => "category_by_workflow",
            Refusal::FormerlyPoorByCounty => "formerly_poor_by_county",
            Refusal::InvalidField { .. } => "invalid_field",
            Refusal::NoCase => "no_case",
            Refusal::PlanStatusChange { .. } => "plan_status",
            Refusal::UnknownHelper => "unknown_helper",
            Refusal::MeasureStopped => "measure_stopped",
            Refusal::EliminationCriteriaFail { .. } => "elimination_criteria_fail",
            Refusal::NoComparisonWindow { .. } => "no_comparison_window",
            Refusal::JobRunning { .. } => "job_running",
            Refusal::JobCancelled => "job_cancelled",
            Refusal::JobEnded => "job_ended",
        }
    }

    /// Who-, where- or what-refusal: the interface's status comes from this.
    pub fn kind(&self) -> RefusalKind {
        match self {
            Refusal::Case(e) => e.kind(),
            Refusal::NoRuleSet { .. }
            | Refusal::NotMonitored
            | Refusal::WarningNotOpen { .. }
            | Refusal::DismissalReasonEmpty
            | Refusal::LeadNoteEmpty
            | Refusal::LeadNoteTooLong { .. }
            | Refusal::HouseholdOrPerson
            | Refusal::InvalidName
            | Refusal::InvalidIdNumber { .. }
            | Refusal::InvalidPhone
            | Refusal::UnknownVillage
            | Refusal::PersonNotRegistered
            | Refusal::LeadResolved
            | Refusal::ReasonRequired
            | Refusal::TooManyRows { .. }
            | Refusal::RuleSetVersion { .. }
            | Refusal::AsOfInFuture { .. }
            | Refusal::CategoryByWorkflow
            | Refusal::InvalidField { .. }
            | Refusal::NoCase
            | Refusal::PlanStatusChange { .. }
            | Refusal::UnknownHelper
            | Refusal::MeasureStopped
            | Refusal::EliminationCriteriaFail { .. }
            | Refusal::NoComparisonWindow { .. }
            | Refusal::JobRunning { .. }
            | Refusal::JobCancelled
            | Refusal::JobEnded => RefusalKind::Unprocessable,
            Refusal::FormerlyPoorByCounty => RefusalKind::NotPermitted,
        }
    }
}

impl From<CaseError> for crate::StoreError {
    fn from(e: CaseError) -> crate::StoreError {
        crate::StoreError::Refused(Refusal::Case(e))
    }
}

impl From<Refusal> for crate::StoreError {
    fn from(r: Refusal) -> crate::StoreError {
        crate::StoreError::Refused(r)
    }
}
