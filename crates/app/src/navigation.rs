//! The header's navigation, decided once from the role: a link appears
//! only where the role may do something (the same predicates the use
//! cases check), so no page offers what answers 403.

use crate::may_load_feeds;
use dixian_domain::{RegionCode, Role};
use dixian_store::Actor;

/// One place the header links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavLink {
    /// 统计看板 of the user's region (every role: figures are counted in scope).
    Dashboard(RegionCode),
    /// 农户: the household list (roles that read households).
    Households,
    /// 待办: cases, leads and warnings waiting (the case workflow's roles).
    Inbox,
    /// 预警: department warnings (the case workflow's roles).
    Warnings,
    /// 超期督办: overdue cases (the case workflow's roles).
    Overdue,
    /// 规模性风险预警: early alerts of the scope (the case workflow's roles).
    Alerts,
    /// 救助链核查 of the user's region (roles that read households).
    ChainReport(RegionCode),
    /// 帮扶责任人: the roster (roles that read households).
    Helpers,
    /// 部门数据: feed batches and the upload form (`may_load_feeds`).
    Feeds,
    /// 规则: the rule sets, where the county adopts a file and feed loaders
    /// replay a draft (what-if).
    Rules,
}

/// The links of `actor`'s header, in the order shown.
pub fn nav_for(actor: &Actor) -> Vec<NavLink> {
    let role = actor.scope.role;
    let works_cases = dixian_domain::case::LEAD_ROLES.contains(&role);
    let reads = role.reads_households();
    let feeds = may_load_feeds(actor).is_ok();
    let mut out = vec![NavLink::Dashboard(actor.scope.region.clone())];
    if reads {
        out.push(NavLink::Households);
    }
    if works_cases {
        out.extend([
            NavLink::Inbox,
            NavLink::Warnings,
            NavLink::Alerts,
            NavLink::Overdue,
        ]);
    }
    if reads {
        out.push(NavLink::ChainReport(actor.scope.region.clone()));
        out.push(NavLink::Helpers);
    }
    if feeds {
        out.push(NavLink::Feeds);
    }
    if feeds || role == Role::CountyAdmin {
        out.push(NavLink::Rules);
    }
    out
}
