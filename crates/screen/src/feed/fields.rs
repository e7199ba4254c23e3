//! The fields of the typed rows as a reader sees them: one schema per
//! field (its key — the serde name in the stored row — and its 中文 and
//! English labels) and each row's values in file order (`feeds.md`),
//! typed: money in 分 shown as 元, dates, coded values with their labels.
//! Pages and reports show evidence from this, never from the stored JSON.

use super::rows::FeedRow;
use chrono::NaiveDate;
use dixian_domain::screening::EvidencePayload;
use dixian_domain::{IdNumber, RegionCode};

/// A field of a feed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its name in the typed row (and its serialization).
    pub key: &'static str,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
}

impl Field {
    /// The label in Chinese, or in English when `english`.
    pub fn label(&self, english: bool) -> &'static str {
        if english { self.en } else { self.zh }
    }
}

macro_rules! fields {
    ($($name:ident => ($key:literal, $zh:literal, $en:literal)),+ $(,)?) => {
        $(
            #[doc = concat!("`", $key, "`: ", $zh, ".")]
            pub const $name: Field = Field { key: $key, zh: $zh, en: $en };
        )+
        /// Every field of every kind, in the order of the files.
        pub const ALL_FIELDS: &[Field] = &[$($name),+];
    };
}

fields! {
    VILLAGE => ("village", "村代码", "Village code"),
    ID_NUMBER => ("id_number", "身份证号", "ID number"),
    NAME => ("name", "姓名", "Name"),
    SETTLED_ON => ("settled_on", "结算日期", "Settled on"),
    VISIT_TYPE => ("visit_type", "就诊类型", "Visit type"),
    TOTAL_COST => ("total_cost_fen", "总费用（元）", "Total cost (元)"),
    INSURANCE_PAID => ("insurance_paid_fen", "医保支付（元）", "Insurance paid (元)"),
    SELF_PAID => ("self_paid_fen", "个人自付（元）", "Self-paid (元)"),
    DIAGNOSIS => ("diagnosis", "诊断", "Diagnosis"),
    DISABILITY_KIND => ("disability_kind", "残疾类别", "Disability kind"),
    DISABILITY_GRADE => ("disability_grade", "残疾等级", "Disability grade"),
    ISSUED_ON => ("issued_on", "发证日期", "Issued on"),
    ASSISTANCE_KIND => ("assistance_kind", "救助类型", "Assistance kind"),
    STATUS => ("status", "状态", "Status"),
    AMOUNT => ("amount_fen", "金额（元）", "Amount (元)"),
    DATE => ("date", "日期", "Date"),
    STAGE => ("stage", "学段", "Stage"),
    SCHOOL => ("school", "学校", "School"),
    SAFETY_GRADE => ("safety_grade", "鉴定等级", "Safety grade"),
    ASSESSED_ON => ("assessed_on", "鉴定日期", "Assessed on"),
    MONTHLY_INCOME => ("monthly_income_fen", "月收入（元）", "Monthly income (元)"),
    HAZARD => ("hazard", "灾种", "Hazard"),
    LOSS => ("loss_fen", "损失金额（元）", "Loss (元)"),
    HOUSE_DAMAGE => ("house_damage", "房屋损毁", "House damage"),
    EVENT => ("event", "事件", "Event"),
    ASSET_KIND => ("asset_kind", "资产类型", "Asset kind"),
    VALUE => ("value_fen", "价值（元）", "Value (元)"),
    START_ON => ("start_on", "开始", "Start"),
    END_ON => ("end_on", "结束", "End"),
}

/// A value of a row, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// A person's ID number (personal data: mask it unless revealed).
    IdNumber(&'a IdNumber),
    /// A village.
    Village(&'a RegionCode),
    /// Free text (a name, a school, a diagnosis …).
    Text(&'a str),
    /// A day.
    Date(NaiveDate),
    /// Money in 分.
    Fen(i64),
    /// A coded value.
    Coded {
        /// Stable code.
        code: &'static str,
        /// Chinese label.
        zh: &'static str,
        /// English label.
        en: &'static str,
    },
    /// A small number (a grade).
    Number(i64),
    /// Not given (an optional field left empty).
    Absent,
}

/// `12345` 分 as `123.45` (元).
pub fn yuan(fen: i64) -> String {
    format!(
        "{}{}.{:02}",
        if fen < 0 { "-" } else { "" },
        (fen / 100).abs(),
        (fen % 100).abs()
    )
}

impl FieldValue<'_> {
    /// The value as text in Chinese, or in English when `english`: 元 for
    /// money, labels for codes, `—` when absent. ID numbers in full: the
    /// caller masks them.
    pub fn text(&self, english: bool) -> String {
        match *self {
            FieldValue::IdNumber(id) => id.as_str().to_string(),
            FieldValue::Village(v) => v.to_string(),
            FieldValue::Text(t) => t.to_string(),
            FieldValue::Date(d) => d.to_string(),
            FieldValue::Fen(f) => yuan(f),
            FieldValue::Coded { zh, en, .. } => (if english { en } else { zh }).to_string(),
            FieldValue::Number(n) => n.to_string(),
            FieldValue::Absent => "—".to_string(),
        }
    }
}

macro_rules! coded {
    ($v:expr) => {{
        let v = $v;
        FieldValue::Coded {
            code: v.code(),
            zh: v.label_zh(),
            en: v.label_en(),
        }
    }};
}

impl FeedRow {
    /// The row's fields with their values, in the order of its file.
    pub fn fields(&self) -> Vec<(Field, FieldValue<'_>)> {
        use FieldValue as V;
        match self {
            FeedRow::Medical(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (NAME, V::Text(&r.name)),
                (SETTLED_ON, V::Date(r.settled_on)),
                (VISIT_TYPE, coded!(r.visit_type)),
                (TOTAL_COST, V::Fen(r.total_cost_fen)),
                (INSURANCE_PAID, V::Fen(r.insurance_paid_fen)),
                (SELF_PAID, V::Fen(r.self_paid_fen)),
                (DIAGNOSIS, r.diagnosis.as_deref().map_or(V::Absent, V::Text)),
            ],
            FeedRow::Disability(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (NAME, V::Text(&r.name)),
                (DISABILITY_KIND, coded!(r.disability_kind)),
                (DISABILITY_GRADE, V::Number(i64::from(r.disability_grade))),
                (ISSUED_ON, V::Date(r.issued_on)),
            ],
            FeedRow::Assistance(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (NAME, V::Text(&r.name)),
                (ASSISTANCE_KIND, coded!(r.assistance_kind)),
                (STATUS, coded!(r.status)),
                (AMOUNT, V::Fen(r.amount_fen)),
                (DATE, V::Date(r.date)),
            ],
            FeedRow::Education(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (NAME, V::Text(&r.name)),
                (STAGE, coded!(r.stage)),
                (SCHOOL, V::Text(&r.school)),
                (STATUS, coded!(r.status)),
                (DATE, V::Date(r.date)),
            ],
            FeedRow::Housing(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (SAFETY_GRADE, coded!(r.safety_grade)),
                (ASSESSED_ON, V::Date(r.assessed_on)),
            ],
            FeedRow::Employment(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (NAME, V::Text(&r.name)),
                (STATUS, coded!(r.status)),
                (MONTHLY_INCOME, V::Fen(r.monthly_income_fen)),
                (DATE, V::Date(r.date)),
            ],
            FeedRow::Disaster(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (HAZARD, V::Text(&r.hazard)),
                (LOSS, V::Fen(r.loss_fen)),
                (HOUSE_DAMAGE, coded!(r.house_damage)),
                (DATE, V::Date(r.date)),
            ],
            FeedRow::Vital(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (EVENT, coded!(r.event)),
                (DATE, V::Date(r.date)),
            ],
            FeedRow::Assets(r) => vec![
                (ID_NUMBER, V::IdNumber(&r.id_number)),
                (ASSET_KIND, coded!(r.asset_kind)),
                (VALUE, V::Fen(r.value_fen)),
                (DATE, V::Date(r.date)),
            ],
            FeedRow::Water(r) => vec![
                (VILLAGE, V::Village(&r.village)),
                (EVENT, coded!(r.event)),
                (START_ON, V::Date(r.start_on)),
                (END_ON, V::Date(r.end_on)),
            ],
        }
    }
}

impl EvidencePayload for FeedRow {
    /// The diagnosis of a medical row; nothing else is health data.
    fn withhold_health(&mut self) -> Vec<&'static str> {
        match self {
            FeedRow::Medical(m) => {
                m.diagnosis = None;
                vec![DIAGNOSIS.key]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::rows::*;
    use crate::feed::values::*;
    use dixian_domain::{DisabilityKind, HousingGrade, StudentStage, StudentStatus};

    fn d() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
    }

    fn one_of_each() -> Vec<FeedRow> {
        let id: IdNumber = "11010519491231002X".parse().unwrap();
        vec![
            FeedRow::Medical(MedicalRow {
                id_number: id.clone(),
                name: "张三".into(),
                settled_on: d(),
                visit_type: VisitType::Inpatient,
                total_cost_fen: 100,
                insurance_paid_fen: 50,
                self_paid_fen: 50,
                diagnosis: Some("x".into()),
            }),
            FeedRow::Disability(DisabilityRow {
                id_number: id.clone(),
                name: "张三".into(),
                disability_kind: DisabilityKind::ALL[0],
                disability_grade: 2,
                issued_on: d(),
            }),
            FeedRow::Assistance(AssistanceRow {
                id_number: id.clone(),
                name: "张三".into(),
                assistance_kind: AssistanceKind::Dibao,
                status: AssistanceStatus::Granted,
                amount_fen: 1,
                date: d(),
            }),
            FeedRow::Education(EducationRow {
                id_number: id.clone(),
                name: "张三".into(),
                stage: StudentStage::ALL[0],
                school: "一中".into(),
                status: StudentStatus::ALL[0],
                date: d(),
            }),
            FeedRow::Housing(HousingRow {
                id_number: id.clone(),
                safety_grade: HousingGrade::D,
                assessed_on: d(),
            }),
            FeedRow::Employment(EmploymentRow {
                id_number: id.clone(),
                name: "张三".into(),
                status: JobStatus::Returned,
                monthly_income_fen: 0,
                date: d(),
            }),
            FeedRow::Disaster(DisasterRow {
                id_number: id.clone(),
                hazard: "洪涝".into(),
                loss_fen: 1,
                house_damage: HouseDamage::Collapsed,
                date: d(),
            }),
            FeedRow::Vital(VitalRow {
                id_number: id.clone(),
                event: VitalEvent::Death,
                date: d(),
            }),
            FeedRow::Assets(AssetRow {
                id_number: id,
                asset_kind: PersonalAssetKind::Vehicle,
                value_fen: 1,
                date: d(),
            }),
            FeedRow::Water(WaterRow {
                village: RegionCode::parse("520526101201").unwrap(),
                event: WaterEvent::Outage,
                start_on: d(),
                end_on: d(),
            }),
        ]
    }

    /// The schema and the codec name the same fields: every field of a
    /// stored row is shown, and nothing else.
    #[test]
    fn the_fields_are_the_stored_fields() {
        let rows = one_of_each();
        let kinds: std::collections::HashSet<_> = rows.iter().map(FeedRow::kind).collect();
        assert_eq!(kinds.len(), 10, "one row of every kind");
        for row in rows {
            let serde_json::Value::Object(stored) = serde_json::to_value(&row).unwrap() else {
                panic!("a row is an object");
            };
            let mut stored: Vec<&str> = stored.keys().map(String::as_str).collect();
            stored.retain(|k| *k != "kind");
            stored.sort_unstable();
            let mut shown: Vec<&str> = row.fields().iter().map(|(f, _)| f.key).collect();
            shown.sort_unstable();
            assert_eq!(stored, shown, "{}", row.kind());
            for (f, _) in row.fields() {
                assert!(ALL_FIELDS.contains(&f));
            }
        }
    }

    #[test]
    fn money_codes_and_health_data() {
        assert_eq!(yuan(2_100_000), "21000.00");
        assert_eq!(yuan(-5), "-0.05");
        let mut rows = one_of_each();
        let f = rows[0].fields();
        assert_eq!(f[3].1.text(false), "住院");
        assert_eq!(f[3].1.text(true), "Inpatient");
        assert_eq!(rows[0].withhold_health(), vec!["diagnosis"]);
        assert_eq!(rows[0].fields()[7].1, FieldValue::Absent);
        assert!(rows[1].withhold_health().is_empty());
    }
}
