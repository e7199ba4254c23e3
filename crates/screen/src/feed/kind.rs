//! The ten department feeds (部门数据) of `feeds.md`: the columns each
//! file must have (the kinds themselves are `dixian_domain::FeedKind`).

use dixian_tabular::ColumnSpec;

pub use dixian_domain::FeedKind;

/// The columns a file of `kind` has.
pub fn columns(kind: FeedKind) -> &'static [ColumnSpec] {
    match kind {
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

/// A required column whose English header is its key.
const fn req(key: &'static str, zh: &'static str) -> ColumnSpec {
    ColumnSpec {
        key,
        zh,
        en: key,
        required: true,
        aliases: &[],
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
    fn column_keys_and_headers_are_unique_per_kind() {
        for k in FeedKind::ALL {
            let cols = columns(k);
            let keys: HashSet<_> = cols.iter().map(|c| c.key).collect();
            let zh: HashSet<_> = cols.iter().map(|c| c.zh).collect();
            assert_eq!(keys.len(), cols.len(), "{k}");
            assert_eq!(zh.len(), cols.len(), "{k}");
        }
    }
}
