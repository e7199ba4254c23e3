//! The ten department feeds (部门数据) of `feeds.md`: their names and the
//! columns each file must have.

use dixian_tabular::ColumnSpec;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Which department file a batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedKind {
    /// 医保结算 (医保)
    Medical,
    /// 残疾人证 (残联)
    Disability,
    /// 社会救助 (民政)
    Assistance,
    /// 学籍状态 (教育)
    Education,
    /// 住房安全鉴定 (住建)
    Housing,
    /// 就业状态 (人社)
    Employment,
    /// 灾情损失 (应急管理)
    Disaster,
    /// 户籍变动 (公安/卫健)
    Vital,
    /// 资产信息 (市场监管/车管/不动产)
    Assets,
    /// 农村供水 (水利)
    Water,
}

impl FeedKind {
    /// Every kind, in the order of `feeds.md`.
    pub const ALL: [FeedKind; 10] = [
        FeedKind::Medical,
        FeedKind::Disability,
        FeedKind::Assistance,
        FeedKind::Education,
        FeedKind::Housing,
        FeedKind::Employment,
        FeedKind::Disaster,
        FeedKind::Vital,
        FeedKind::Assets,
        FeedKind::Water,
    ];

    /// Stable code (`--kind` on the command line, storage, rule files).
    pub fn code(self) -> &'static str {
        self.names().0
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        self.names().1
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        self.names().2
    }

    /// The department that delivers the file, in Chinese.
    pub fn department_zh(self) -> &'static str {
        self.names().3
    }

    fn names(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            FeedKind::Medical => ("medical", "医保结算", "Medical settlements", "医保"),
            FeedKind::Disability => ("disability", "残疾人证", "Disability certificates", "残联"),
            FeedKind::Assistance => ("assistance", "社会救助", "Social assistance", "民政"),
            FeedKind::Education => ("education", "学籍状态", "Student status", "教育"),
            FeedKind::Housing => ("housing", "住房安全鉴定", "Housing safety", "住建"),
            FeedKind::Employment => ("employment", "就业状态", "Employment", "人社"),
            FeedKind::Disaster => ("disaster", "灾情损失", "Disaster losses", "应急管理"),
            FeedKind::Vital => ("vital", "户籍变动", "Vital events", "公安/卫健"),
            FeedKind::Assets => ("assets", "资产信息", "Assets", "市场监管/车管/不动产"),
            FeedKind::Water => ("water", "农村供水", "Water supply", "水利"),
        }
    }

    /// Parses a code, a label or the department name (case and
    /// surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<FeedKind> {
        let t = s.trim();
        FeedKind::ALL.into_iter().find(|k| {
            t.eq_ignore_ascii_case(k.code())
                || t == k.label_zh()
                || t.eq_ignore_ascii_case(k.label_en())
                || t == k.department_zh()
        })
    }

    /// The columns a file of this kind has.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            FeedKind::Medical => MEDICAL,
            FeedKind::Disability => DISABILITY,
            FeedKind::Assistance => ASSISTANCE,
            FeedKind::Education => EDUCATION,
            FeedKind::Housing => HOUSING,
            FeedKind::Employment => EMPLOYMENT,
            FeedKind::Disaster => DISASTER,
            FeedKind::Vital => VITAL,
            FeedKind::Assets => ASSETS,
            FeedKind::Water => WATER,
        }
    }
}

impl fmt::Display for FeedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for FeedKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for FeedKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        FeedKind::parse(&s).ok_or_else(|| {
            let codes: Vec<&str> = FeedKind::ALL.iter().map(|k| k.code()).collect();
            serde::de::Error::custom(format!(
                "unknown feed kind (未知的数据类型); expected one of: {}",
                codes.join(", ")
            ))
        })
    }
}

/// A required column whose English header is its key.
const fn req(key: &'static str, zh: &'static str) -> ColumnSpec {
    ColumnSpec {
        key,
        zh,
        en: key,
        required: true,
    }
}

/// An optional column whose English header is its key.
const fn opt(key: &'static str, zh: &'static str) -> ColumnSpec {
    ColumnSpec {
        required: false,
        ..req(key, zh)
    }
}

const ID: ColumnSpec = req("id_number", "身份证号");
const NAME: ColumnSpec = req("name", "姓名");
const DATE: ColumnSpec = req("date", "日期");

const MEDICAL: &[ColumnSpec] = &[
    ID,
    NAME,
    req("settled_on", "结算日期"),
    req("visit_type", "就诊类型"),
    req("total_cost", "总费用"),
    req("insurance_paid", "医保支付"),
    req("self_paid", "个人自付"),
    opt("diagnosis", "诊断"),
];
const DISABILITY: &[ColumnSpec] = &[
    ID,
    NAME,
    req("disability_kind", "残疾类别"),
    req("disability_grade", "残疾等级"),
    req("issued_on", "发证日期"),
];
const ASSISTANCE: &[ColumnSpec] = &[
    ID,
    NAME,
    req("assistance_kind", "救助类型"),
    req("status", "状态"),
    req("amount", "金额"),
    DATE,
];
const EDUCATION: &[ColumnSpec] = &[
    ID,
    NAME,
    req("stage", "学段"),
    req("school", "学校"),
    req("status", "状态"),
    DATE,
];
const HOUSING: &[ColumnSpec] = &[
    ID,
    req("safety_grade", "鉴定等级"),
    req("assessed_on", "鉴定日期"),
];
const EMPLOYMENT: &[ColumnSpec] = &[
    ID,
    NAME,
    req("status", "就业状态"),
    req("monthly_income", "月收入"),
    DATE,
];
const DISASTER: &[ColumnSpec] = &[
    ID,
    req("hazard", "灾种"),
    req("loss_amount", "损失金额"),
    req("house_damage", "房屋损毁"),
    DATE,
];
const VITAL: &[ColumnSpec] = &[ID, req("event", "事件"), DATE];
const ASSETS: &[ColumnSpec] = &[
    ID,
    req("asset_kind", "资产类型"),
    req("value", "价值"),
    DATE,
];
const WATER: &[ColumnSpec] = &[
    req("village_code", "村代码"),
    req("event", "事件"),
    req("start_on", "开始"),
    req("end_on", "结束"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_labels_and_departments_parse_back() {
        for k in FeedKind::ALL {
            assert_eq!(FeedKind::parse(k.code()), Some(k));
            assert_eq!(FeedKind::parse(k.label_zh()), Some(k));
            assert_eq!(FeedKind::parse(&k.label_en().to_uppercase()), Some(k));
            assert_eq!(FeedKind::parse(k.department_zh()), Some(k));
        }
        assert_eq!(FeedKind::parse("tax"), None);
    }

    #[test]
    fn column_keys_and_headers_are_unique_per_kind() {
        for k in FeedKind::ALL {
            let cols = k.columns();
            let keys: HashSet<_> = cols.iter().map(|c| c.key).collect();
            let zh: HashSet<_> = cols.iter().map(|c| c.zh).collect();
            assert_eq!(keys.len(), cols.len(), "{k}");
            assert_eq!(zh.len(), cols.len(), "{k}");
        }
    }
}
