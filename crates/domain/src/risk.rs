//! 风险类型 and 三条途径: why a household is at risk, and how a lead about
//! it came in.

use crate::coded::coded_enum;

coded_enum! {
    /// 风险类型: why a household is at risk (a household may have several).
    RiskType {
        /// 因病
        Illness => ("illness", "因病", "Illness"),
        /// 因残
        Disability => ("disability", "因残", "Disability"),
        /// 因学
        Schooling => ("schooling", "因学", "Schooling"),
        /// 因灾 (natural disaster)
        Disaster => ("disaster", "因灾", "Natural disaster", "因自然灾害"),
        /// 因意外 (事故)
        Accident => ("accident", "因意外", "Accident", "因意外事故"),
        /// 因产业失败
        BusinessFailure => ("business_failure", "因产业失败", "Business failure", "因产业项目失败"),
        /// 因务工就业不稳
        UnstableEmployment => ("unstable_employment", "因务工就业不稳", "Unstable employment", "因就业不稳"),
        /// 缺劳动力
        LackOfLabor => ("lack_of_labor", "缺劳动力", "Lack of labor", "因缺劳动力", "缺劳力"),
        /// 住房安全
        HousingSafety => ("housing_safety", "住房安全", "Housing safety", "住房安全问题"),
        /// 饮水安全
        DrinkingWater => ("drinking_water", "饮水安全", "Drinking water", "饮水安全问题"),
        /// 其他
        Other => ("other", "其他", "Other"),
    }
}

impl RiskType {
    /// Sorts and de-duplicates a list, so that equal sets compare and
    /// store equal.
    pub fn normalize(mut list: Vec<RiskType>) -> Vec<RiskType> {
        list.sort_unstable();
        list.dedup();
        list
    }
}

coded_enum! {
    /// 三条途径: the channel a lead came in by.
    Channel {
        /// 农户自主申报
        SelfDeclared => ("self_declared", "农户自主申报", "Self-declared", "自主申报"),
        /// 基层干部排查
        CadreSweep => ("cadre_sweep", "基层干部排查", "Cadre sweep", "干部排查"),
        /// 部门筛查预警
        DepartmentWarning => ("department_warning", "部门筛查预警", "Department warning", "部门预警"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip() {
        for r in RiskType::ALL {
            assert_eq!(RiskType::parse(r.code()), Some(*r));
            assert_eq!(RiskType::parse(r.label_zh()), Some(*r));
            assert_eq!(RiskType::parse(r.label_en()), Some(*r));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(*c));
            assert_eq!(Channel::parse(c.label_zh()), Some(*c));
        }
        assert_eq!(RiskType::parse("因意外事故"), Some(RiskType::Accident));
        assert_eq!(Channel::parse("部门预警"), Some(Channel::DepartmentWarning));
        assert_eq!(RiskType::parse("因穷"), None);
    }

    #[test]
    fn normalize_sorts_and_dedups() {
        use RiskType::*;
        assert_eq!(
            RiskType::normalize(vec![Other, Illness, Other, Disaster]),
            vec![Illness, Disaster, Other]
        );
    }
}
