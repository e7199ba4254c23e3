//! The rows of each feed kind: columns, cell formats, and the row makers
//! that background, shocks and noise share.

use super::{Ctx, FeedKind, HouseDamage, Line, Origin};
use crate::random::{SimRng, between, log_normal, pick};
use chrono::NaiveDate;
use dixian_domain::{
    DisabilityKind, EmploymentStatus, Household, LaborCapacity, Member, RegionCode, StudentStage,
};
use rand::Rng;
use std::collections::HashSet;

/// Column headers per kind, (中文, English), in `feeds.md` order.
pub(super) fn columns(kind: FeedKind) -> &'static [(&'static str, &'static str)] {
    const ID: (&str, &str) = ("身份证号", "id_number");
    const NAME: (&str, &str) = ("姓名", "name");
    const DATE: (&str, &str) = ("日期", "date");
    match kind {
        FeedKind::Medical => &[
            ID,
            NAME,
            ("结算日期", "settled_on"),
            ("就诊类型", "visit_type"),
            ("总费用", "total_cost"),
            ("医保支付", "insurance_paid"),
            ("个人自付", "self_paid"),
            ("诊断", "diagnosis"),
        ],
        FeedKind::Disability => &[
            ID,
            NAME,
            ("残疾类别", "disability_kind"),
            ("残疾等级", "disability_grade"),
            ("发证日期", "issued_on"),
        ],
        FeedKind::Assistance => &[
            ID,
            NAME,
            ("救助类型", "assistance_kind"),
            ("状态", "status"),
            ("金额", "amount"),
            DATE,
        ],
        FeedKind::Education => &[
            ID,
            NAME,
            ("学段", "stage"),
            ("学校", "school"),
            ("状态", "status"),
            DATE,
        ],
        FeedKind::Housing => &[
            ID,
            ("鉴定等级", "safety_grade"),
            ("鉴定日期", "assessed_on"),
        ],
        FeedKind::Employment => &[
            ID,
            NAME,
            ("就业状态", "status"),
            ("月收入", "monthly_income"),
            DATE,
        ],
        FeedKind::Disaster => &[
            ID,
            ("灾种", "hazard"),
            ("损失金额", "loss_amount"),
            ("房屋损毁", "house_damage"),
            DATE,
        ],
        FeedKind::Vital => &[ID, ("事件", "event"), DATE],
        FeedKind::Assets => &[ID, ("资产类型", "asset_kind"), ("价值", "value"), DATE],
        FeedKind::Water => &[
            ("村代码", "village_code"),
            ("事件", "event"),
            ("开始", "start_on"),
            ("结束", "end_on"),
        ],
    }
}

/// The column holding the row's (first) date.
pub(super) fn date_column(kind: FeedKind) -> usize {
    match kind {
        FeedKind::Medical => 2,
        FeedKind::Disability => 4,
        FeedKind::Assistance | FeedKind::Education => 5,
        FeedKind::Housing => 2,
        FeedKind::Employment | FeedKind::Disaster => 4,
        FeedKind::Vital => 2,
        FeedKind::Assets => 3,
        FeedKind::Water => 2,
    }
}

/// The column holding money, for kinds that have one.
pub(super) fn money_column(kind: FeedKind) -> Option<usize> {
    match kind {
        FeedKind::Medical => Some(6),
        FeedKind::Assistance => Some(4),
        FeedKind::Employment => Some(3),
        FeedKind::Disaster | FeedKind::Assets => Some(2),
        _ => None,
    }
}

/// Money in 元 with two decimals, as departments write it.
pub(super) fn money(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A date in the style the kind's department uses (the parser takes all three).
pub(super) fn date(kind: FeedKind, d: NaiveDate) -> String {
    match kind {
        FeedKind::Medical => d.format("%Y%m%d").to_string(),
        FeedKind::Education | FeedKind::Disaster => d.format("%Y/%-m/%-d").to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// Amount in 元 (a float draw) to 分.
pub(super) fn fen(yuan: f64) -> i64 {
    (yuan.max(0.0) * 100.0).round() as i64
}

/// A share of a threshold, in 分 (rounded down).
pub(super) fn share(fen: i64, num: i64, den: i64) -> i64 {
    (i128::from(fen) * i128::from(num) / i128::from(den)) as i64
}

/// Just above a threshold: 1–15 % more, at least 1 元.
pub(super) fn just_above(rng: &mut SimRng, threshold: i64) -> i64 {
    let pct = i64::from(between(rng, 1, 15));
    threshold + share(threshold, pct, 100).max(100)
}

/// A random day of the window.
pub(super) fn any_day(cx: &Ctx<'_>, rng: &mut SimRng) -> NaiveDate {
    cx.day(rng.random_range(0..Ctx::WINDOW_DAYS))
}

/// Age in whole years on the as-of date.
pub(super) fn age(cx: &Ctx<'_>, m: &Member) -> u32 {
    m.id_number.age_on(cx.spec.as_of)
}

/// Registered as working (locally, away or in a public-welfare job).
pub(super) fn is_worker(m: &Member) -> bool {
    matches!(
        m.employment,
        EmploymentStatus::LocalWork
            | EmploymentStatus::MigrantWork
            | EmploymentStatus::PublicWelfareJob
    )
}

/// Registered with labor capacity (有劳动力 or 弱劳动力), as the death rule reads it.
pub(super) fn is_laborer(m: &Member) -> bool {
    matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak)
}

/// Monitored or formerly registered poor: an asset there contradicts eligibility.
pub(super) fn supported(h: &Household) -> bool {
    h.formerly_registered_poor || h.category.is_some()
}

/// A row of a person.
pub(super) fn person_line(
    kind: FeedKind,
    m: &Member,
    with_name: bool,
    rest: Vec<String>,
    d: NaiveDate,
) -> Line {
    let mut cells = vec![m.id_number.as_str().to_string()];
    if with_name {
        cells.push(m.name.clone());
    }
    cells.extend(rest);
    let col = date_column(kind);
    cells.insert(col, date(kind, d));
    Line {
        cells,
        date: d,
        origin: Origin::Background,
    }
}

/// Distinct villages of the population, in household order.
pub(super) fn villages(cx: &Ctx<'_>) -> Vec<RegionCode> {
    let mut seen = HashSet::new();
    cx.households
        .iter()
        .filter(|h| seen.insert(h.village.clone()))
        .map(|h| h.village.clone())
        .collect()
}

/// A 医保 settlement: the total is what insurance paid plus `own`.
pub(super) fn medical_row(
    p: &Member,
    d: NaiveDate,
    visit: &str,
    own: i64,
    insured_pct: u32,
    dx: &str,
) -> Line {
    let insured_pct = i64::from(insured_pct.min(95));
    let total = own * 100 / (100 - insured_pct);
    let insurance = total - own;
    let rest = vec![
        visit.to_string(),
        money(total),
        money(insurance),
        money(own),
        dx.to_string(),
    ];
    person_line(FeedKind::Medical, p, true, rest, d)
}

/// Damage levels that do not fire.
pub(super) fn quiet_damages(t: &super::Thresholds) -> Vec<HouseDamage> {
    HouseDamage::ALL
        .iter()
        .copied()
        .filter(|d| !t.disaster_damage.contains(d))
        .collect()
}

/// A 水利 row of `len` days starting `start` days into the window.
pub(super) fn water_row(cx: &Ctx<'_>, v: &RegionCode, event: &str, start: u64, len: u64) -> Line {
    let (s, e) = (cx.day(start), cx.day(start + len.max(1) - 1));
    Line {
        cells: vec![
            v.as_str().to_string(),
            event.to_string(),
            date(FeedKind::Water, s),
            date(FeedKind::Water, e),
        ],
        date: s,
        origin: Origin::Background,
    }
}

// ------------------------------------------------------------ row makers

/// A 残联 certificate.
pub(super) fn disability_row(
    kind: FeedKind,
    p: &Member,
    k: DisabilityKind,
    grade: u8,
    d: NaiveDate,
) -> Line {
    let rest = vec![k.label_zh().to_string(), format!("{grade}级")];
    person_line(kind, p, true, rest, d)
}

/// A 教育 status report, with a school name by stage.
pub(super) fn education_row(
    kind: FeedKind,
    p: &Member,
    stage: StudentStage,
    status: &str,
    d: NaiveDate,
) -> Line {
    let school = match stage {
        StudentStage::Preschool => "中心幼儿园",
        StudentStage::Primary => "中心小学",
        StudentStage::JuniorSecondary => "民族中学",
        StudentStage::SeniorSecondary => "第一中学",
        StudentStage::Vocational => "中等职业学校",
        StudentStage::Tertiary => "职业技术学院",
    };
    let rest = vec![
        stage.label_zh().to_string(),
        school.to_string(),
        status.to_string(),
    ];
    person_line(kind, p, true, rest, d)
}

/// An 应急管理 loss report.
pub(super) fn disaster_row(
    kind: FeedKind,
    p: &Member,
    hz: &str,
    loss: i64,
    damage: HouseDamage,
    d: NaiveDate,
) -> Line {
    let rest = vec![hz.to_string(), money(loss), damage.label_zh().to_string()];
    person_line(kind, p, false, rest, d)
}

/// A hazard common in the Guizhou highlands.
pub(super) fn hazard(rng: &mut SimRng) -> &'static str {
    pick(
        rng,
        &[
            ("冰雹", 3),
            ("洪涝", 2),
            ("干旱", 2),
            ("风雹", 1),
            ("低温雨雪冰冻", 1),
            ("山体滑坡", 1),
        ],
    )
}

/// A 民政 assistance kind and a monthly (or one-off) amount, in 分.
pub(super) fn assistance_kind(rng: &mut SimRng) -> (&'static str, i64) {
    let kind = pick(
        rng,
        &[("低保", 5), ("临时救助", 3), ("低保边缘", 2), ("特困", 1)],
    );
    let yuan = match kind {
        "临时救助" => log_normal(rng, 1500.0, 0.5),
        "特困" => log_normal(rng, 800.0, 0.1),
        _ => log_normal(rng, 450.0, 0.2),
    };
    (kind, fen(yuan.round()))
}

/// An asset found and its value in 分; public payroll only as a contradiction.
pub(super) fn asset(rng: &mut SimRng, contradiction: bool) -> (&'static str, i64) {
    let payroll = if contradiction { 1 } else { 0 };
    let kind = pick(
        rng,
        &[
            ("车辆", 6),
            ("商品房", 3),
            ("企业", 2),
            ("财政供养", payroll),
        ],
    );
    let yuan = match kind {
        "车辆" => log_normal(rng, 80_000.0, 0.4),
        "商品房" => log_normal(rng, 350_000.0, 0.3),
        "企业" => log_normal(rng, 100_000.0, 0.8),
        _ => log_normal(rng, 60_000.0, 0.2),
    };
    (kind, fen(yuan.round()))
}

/// One item of a non-empty slice.
pub(super) fn pick_slice<'a, T>(rng: &mut SimRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An ordinary row of the kind for `p` (before noise is applied to it).
pub(super) fn ordinary(cx: &Ctx<'_>, rng: &mut SimRng, p: &Member) -> Line {
    let kind = cx.spec.kind;
    let d = any_day(cx, rng);
    let rest: Vec<String> = match kind {
        FeedKind::Medical => return medical_row(p, d, "门诊", 4_500, 40, "上呼吸道感染"),
        FeedKind::Disability => return disability_row(kind, p, DisabilityKind::Physical, 4, d),
        FeedKind::Assistance => vec!["低保".into(), "新增".into(), money(45_000)],
        FeedKind::Education => return education_row(kind, p, StudentStage::Primary, "在读", d),
        FeedKind::Housing => vec!["A".into()],
        FeedKind::Employment => vec!["就业".into(), money(300_000)],
        FeedKind::Disaster => vec!["冰雹".into(), money(50_000), "无".into()],
        FeedKind::Vital => vec!["迁出".into()],
        FeedKind::Assets => vec!["车辆".into(), money(6_000_000)],
        FeedKind::Water => Vec::new(),
    };
    let with_name = columns(kind).get(1).is_some_and(|c| c.1 == "name");
    person_line(kind, p, with_name, rest, d)
}
