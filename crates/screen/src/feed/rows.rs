//! One typed row per feed kind, and how each is built from a file row with
//! every bad cell reported.

use super::kind::FeedKind;
use super::report::{FeedRowError, ValueKind};
use super::values::{
    AssistanceKind, AssistanceStatus, Choice, HouseDamage, JobStatus, PersonalAssetKind, VisitType,
    VitalEvent, WaterEvent, choice, disability_grade, feed_date, feed_money_fen, free_text,
    person_name, village_code,
};
use chrono::NaiveDate;
use dixian_domain::{
    DisabilityKind, HousingGrade, IdNumber, RegionCode, StudentStage, StudentStatus,
};
use dixian_tabular::{HeaderMap, Record};
use serde::{Deserialize, Serialize};

const REQUIRED: &str = "required, but empty (必填项为空)";
const FUTURE: &str = "date is after today (日期晚于今天)";
const PAID_OVER_TOTAL: &str =
    "insurance paid plus self paid exceed the total cost (医保支付与个人自付之和超过总费用)";
const END_BEFORE_START: &str = "end date is before the start date (结束日期早于开始日期)";

/// 医保结算: one settled visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 姓名.
    pub name: String,
    /// 结算日期.
    pub settled_on: NaiveDate,
    /// 就诊类型.
    pub visit_type: VisitType,
    /// 总费用, in 分.
    pub total_cost_fen: i64,
    /// 医保支付, in 分.
    pub insurance_paid_fen: i64,
    /// 个人自付, in 分.
    pub self_paid_fen: i64,
    /// 诊断 (health data: never shown beyond need).
    pub diagnosis: Option<String>,
}

/// 残疾人证: a certificate issued or re-graded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisabilityRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 姓名.
    pub name: String,
    /// 残疾类别.
    pub disability_kind: DisabilityKind,
    /// 残疾等级, 1 (most severe) to 4.
    pub disability_grade: u8,
    /// 发证日期.
    pub issued_on: NaiveDate,
}

/// 社会救助: a grant or a stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistanceRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 姓名.
    pub name: String,
    /// 救助类型.
    pub assistance_kind: AssistanceKind,
    /// 状态.
    pub status: AssistanceStatus,
    /// 金额, in 分.
    pub amount_fen: i64,
    /// 日期.
    pub date: NaiveDate,
}

/// 学籍状态: a student's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EducationRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 姓名.
    pub name: String,
    /// 学段.
    pub stage: StudentStage,
    /// 学校.
    pub school: String,
    /// 状态.
    pub status: StudentStatus,
    /// 日期.
    pub date: NaiveDate,
}

/// 住房安全鉴定: a house rated, named by its head's ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HousingRow {
    /// 身份证号 of the 户主.
    pub id_number: IdNumber,
    /// 鉴定等级 A–D.
    pub safety_grade: HousingGrade,
    /// 鉴定日期.
    pub assessed_on: NaiveDate,
}

/// 就业状态: a worker's situation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 姓名.
    pub name: String,
    /// 就业状态.
    pub status: JobStatus,
    /// 月收入, in 分.
    pub monthly_income_fen: i64,
    /// 日期.
    pub date: NaiveDate,
}

/// 灾情损失: a household's loss in a disaster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisasterRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 灾种 (flood, drought, …) as the department writes it.
    pub hazard: String,
    /// 损失金额, in 分.
    pub loss_fen: i64,
    /// 房屋损毁.
    pub house_damage: HouseDamage,
    /// 日期.
    pub date: NaiveDate,
}

/// 户籍变动: a death or a move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitalRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 事件.
    pub event: VitalEvent,
    /// 日期.
    pub date: NaiveDate,
}

/// 资产信息: an asset found in a person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRow {
    /// 身份证号.
    pub id_number: IdNumber,
    /// 资产类型.
    pub asset_kind: PersonalAssetKind,
    /// 价值, in 分.
    pub value_fen: i64,
    /// 日期.
    pub date: NaiveDate,
}

/// 农村供水: an outage or a quality failure in a village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaterRow {
    /// 村代码 (12 digits).
    pub village: RegionCode,
    /// 事件.
    pub event: WaterEvent,
    /// 开始.
    pub start_on: NaiveDate,
    /// 结束 (on or after `start_on`).
    pub end_on: NaiveDate,
}

impl WaterRow {
    /// Days affected, both ends counted.
    pub fn days(&self) -> i64 {
        (self.end_on - self.start_on).num_days() + 1
    }
}

/// A valid row of any feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeedRow {
    /// 医保.
    Medical(MedicalRow),
    /// 残联.
    Disability(DisabilityRow),
    /// 民政.
    Assistance(AssistanceRow),
    /// 教育.
    Education(EducationRow),
    /// 住建.
    Housing(HousingRow),
    /// 人社.
    Employment(EmploymentRow),
    /// 应急管理.
    Disaster(DisasterRow),
    /// 公安/卫健.
    Vital(VitalRow),
    /// 市场监管/车管/不动产.
    Assets(AssetRow),
    /// 水利.
    Water(WaterRow),
}

impl FeedRow {
    /// The feed this row belongs to.
    pub fn kind(&self) -> FeedKind {
        match self {
            FeedRow::Medical(_) => FeedKind::Medical,
            FeedRow::Disability(_) => FeedKind::Disability,
            FeedRow::Assistance(_) => FeedKind::Assistance,
            FeedRow::Education(_) => FeedKind::Education,
            FeedRow::Housing(_) => FeedKind::Housing,
            FeedRow::Employment(_) => FeedKind::Employment,
            FeedRow::Disaster(_) => FeedKind::Disaster,
            FeedRow::Vital(_) => FeedKind::Vital,
            FeedRow::Assets(_) => FeedKind::Assets,
            FeedRow::Water(_) => FeedKind::Water,
        }
    }

    /// The person the row names; `None` for water, which names a village.
    pub fn id_number(&self) -> Option<&IdNumber> {
        match self {
            FeedRow::Medical(r) => Some(&r.id_number),
            FeedRow::Disability(r) => Some(&r.id_number),
            FeedRow::Assistance(r) => Some(&r.id_number),
            FeedRow::Education(r) => Some(&r.id_number),
            FeedRow::Housing(r) => Some(&r.id_number),
            FeedRow::Employment(r) => Some(&r.id_number),
            FeedRow::Disaster(r) => Some(&r.id_number),
            FeedRow::Vital(r) => Some(&r.id_number),
            FeedRow::Assets(r) => Some(&r.id_number),
            FeedRow::Water(_) => None,
        }
    }

    /// The date the row's event happened (for water, the start).
    pub fn date(&self) -> NaiveDate {
        match self {
            FeedRow::Medical(r) => r.settled_on,
            FeedRow::Disability(r) => r.issued_on,
            FeedRow::Assistance(r) => r.date,
            FeedRow::Education(r) => r.date,
            FeedRow::Housing(r) => r.assessed_on,
            FeedRow::Employment(r) => r.date,
            FeedRow::Disaster(r) => r.date,
            FeedRow::Vital(r) => r.date,
            FeedRow::Assets(r) => r.date,
            FeedRow::Water(r) => r.start_on,
        }
    }
}

/// One file row being read: its cells, and the errors found so far.
pub(crate) struct RowCx<'a> {
    map: &'a HeaderMap,
    rec: &'a Record,
    today: NaiveDate,
    pub(crate) errors: Vec<FeedRowError>,
}

impl<'a> RowCx<'a> {
    /// A row of a file whose header resolved to `map`.
    pub(crate) fn new(map: &'a HeaderMap, rec: &'a Record, today: NaiveDate) -> Self {
        RowCx {
            map,
            rec,
            today,
            errors: Vec::new(),
        }
    }

    /// Records a problem with column `key`.
    fn fail(&mut self, key: &str, value_kind: ValueKind, reason: String) {
        self.errors.push(FeedRowError {
            line: self.rec.line,
            column: self.map.column_of(key),
            header: self.map.header_of(key).map(str::to_string),
            value_kind,
            reason,
        });
    }

    /// The optional cell `key`, parsed; `None` on error, `Some(None)` when blank.
    fn optional<T>(
        &mut self,
        key: &str,
        kind: ValueKind,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let Some(text) = self.map.get(self.rec, key) else {
            return Some(None);
        };
        match parse(text) {
            Ok(v) => Some(Some(v)),
            Err(reason) => {
                self.fail(key, kind, reason);
                None
            }
        }
    }

    /// The required cell `key`, parsed; `None` (and an error) when blank or bad.
    fn required<T>(
        &mut self,
        key: &str,
        kind: ValueKind,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.optional(key, kind, parse)?;
        if value.is_none() {
            self.fail(key, kind, REQUIRED.to_string());
        }
        value
    }

    fn id(&mut self) -> Option<IdNumber> {
        let today = self.today;
        self.required("id_number", ValueKind::IdNumber, |s| {
            IdNumber::parse_at(s, today).map_err(|e| e.to_string())
        })
    }

    fn name(&mut self) -> Option<String> {
        self.required("name", ValueKind::Name, person_name)
    }

    fn date(&mut self, key: &str) -> Option<NaiveDate> {
        let today = self.today;
        self.required(key, ValueKind::Date, |s| {
            let d = feed_date(s)?;
            if d > today {
                Err(FUTURE.to_string())
            } else {
                Ok(d)
            }
        })
    }

    fn money(&mut self, key: &str) -> Option<i64> {
        self.required(key, ValueKind::Money, feed_money_fen)
    }

    fn pick<T: Choice>(&mut self, key: &str) -> Option<T> {
        self.required(key, ValueKind::Choice, choice::<T>)
    }

    fn text(&mut self, key: &str) -> Option<String> {
        self.required(key, ValueKind::Text, free_text)
    }
}

/// Builds the row of `kind`; every bad cell is in `cx.errors` after.
pub(crate) fn build(kind: FeedKind, cx: &mut RowCx<'_>) -> Option<FeedRow> {
    match kind {
        FeedKind::Medical => medical(cx).map(FeedRow::Medical),
        FeedKind::Disability => disability(cx).map(FeedRow::Disability),
        FeedKind::Assistance => assistance(cx).map(FeedRow::Assistance),
        FeedKind::Education => education(cx).map(FeedRow::Education),
        FeedKind::Housing => housing(cx).map(FeedRow::Housing),
        FeedKind::Employment => employment(cx).map(FeedRow::Employment),
        FeedKind::Disaster => disaster(cx).map(FeedRow::Disaster),
        FeedKind::Vital => vital(cx).map(FeedRow::Vital),
        FeedKind::Assets => assets(cx).map(FeedRow::Assets),
        FeedKind::Water => water(cx).map(FeedRow::Water),
    }
}

// Each builder reads every cell before combining, so that one bad cell
// does not hide the next.

fn medical(cx: &mut RowCx<'_>) -> Option<MedicalRow> {
    let (id_number, name, settled_on) = (cx.id(), cx.name(), cx.date("settled_on"));
    let visit_type = cx.pick("visit_type");
    let total = cx.money("total_cost");
    let insurance = cx.money("insurance_paid");
    let own = cx.money("self_paid");
    let diagnosis = cx.optional("diagnosis", ValueKind::Text, free_text);
    if let (Some(t), Some(i), Some(s)) = (total, insurance, own)
        && i + s > t
    {
        cx.fail("self_paid", ValueKind::Money, PAID_OVER_TOTAL.to_string());
        return None;
    }
    Some(MedicalRow {
        id_number: id_number?,
        name: name?,
        settled_on: settled_on?,
        visit_type: visit_type?,
        total_cost_fen: total?,
        insurance_paid_fen: insurance?,
        self_paid_fen: own?,
        diagnosis: diagnosis?,
    })
}

fn disability(cx: &mut RowCx<'_>) -> Option<DisabilityRow> {
    let (id_number, name) = (cx.id(), cx.name());
    let disability_kind = cx.pick("disability_kind");
    let grade = cx.required("disability_grade", ValueKind::Grade, disability_grade);
    let issued_on = cx.date("issued_on");
    Some(DisabilityRow {
        id_number: id_number?,
        name: name?,
        disability_kind: disability_kind?,
        disability_grade: grade?,
        issued_on: issued_on?,
    })
}

fn assistance(cx: &mut RowCx<'_>) -> Option<AssistanceRow> {
    let (id_number, name) = (cx.id(), cx.name());
    let (assistance_kind, status) = (cx.pick("assistance_kind"), cx.pick("status"));
    let (amount, date) = (cx.money("amount"), cx.date("date"));
    Some(AssistanceRow {
        id_number: id_number?,
        name: name?,
        assistance_kind: assistance_kind?,
        status: status?,
        amount_fen: amount?,
        date: date?,
    })
}

fn education(cx: &mut RowCx<'_>) -> Option<EducationRow> {
    let (id_number, name) = (cx.id(), cx.name());
    let (stage, school) = (cx.pick("stage"), cx.text("school"));
    let (status, date) = (cx.pick("status"), cx.date("date"));
    Some(EducationRow {
        id_number: id_number?,
        name: name?,
        stage: stage?,
        school: school?,
        status: status?,
        date: date?,
    })
}

fn housing(cx: &mut RowCx<'_>) -> Option<HousingRow> {
    let (id_number, grade, on) = (cx.id(), cx.pick("safety_grade"), cx.date("assessed_on"));
    Some(HousingRow {
        id_number: id_number?,
        safety_grade: grade?,
        assessed_on: on?,
    })
}

fn employment(cx: &mut RowCx<'_>) -> Option<EmploymentRow> {
    let (id_number, name, status) = (cx.id(), cx.name(), cx.pick("status"));
    let (income, date) = (cx.money("monthly_income"), cx.date("date"));
    Some(EmploymentRow {
        id_number: id_number?,
        name: name?,
        status: status?,
        monthly_income_fen: income?,
        date: date?,
    })
}

fn disaster(cx: &mut RowCx<'_>) -> Option<DisasterRow> {
    let (id_number, hazard, loss) = (cx.id(), cx.text("hazard"), cx.money("loss_amount"));
    let (damage, date) = (cx.pick("house_damage"), cx.date("date"));
    Some(DisasterRow {
        id_number: id_number?,
        hazard: hazard?,
        loss_fen: loss?,
        house_damage: damage?,
        date: date?,
    })
}

fn vital(cx: &mut RowCx<'_>) -> Option<VitalRow> {
    let (id_number, event, date) = (cx.id(), cx.pick("event"), cx.date("date"));
    Some(VitalRow {
        id_number: id_number?,
        event: event?,
        date: date?,
    })
}

fn assets(cx: &mut RowCx<'_>) -> Option<AssetRow> {
    let (id_number, kind) = (cx.id(), cx.pick("asset_kind"));
    let (value, date) = (cx.money("value"), cx.date("date"));
    Some(AssetRow {
        id_number: id_number?,
        asset_kind: kind?,
        value_fen: value?,
        date: date?,
    })
}

fn water(cx: &mut RowCx<'_>) -> Option<WaterRow> {
    let village = cx.required("village_code", ValueKind::VillageCode, village_code);
    let (event, start_on, end_on) = (cx.pick("event"), cx.date("start_on"), cx.date("end_on"));
    if let (Some(s), Some(e)) = (start_on, end_on)
        && e < s
    {
        cx.fail("end_on", ValueKind::Date, END_BEFORE_START.to_string());
        return None;
    }
    Some(WaterRow {
        village: village?,
        event: event?,
        start_on: start_on?,
        end_on: end_on?,
    })
}
