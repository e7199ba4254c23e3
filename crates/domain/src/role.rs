//! Roles of the people who use dixian and the region scope they act in.

use crate::region::{RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

/// A user's role. What each may do is decided here, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 村干部 / 驻村工作队: enters declarations, home checks, visits.
    VillageCadre,
    /// 乡镇审核人员: reviews cases of the township.
    TownshipReviewer,
    /// 县级管理员 (乡村振兴/农业农村局): approves, imports, manages users.
    CountyAdmin,
    /// 部门数据专员: delivers department feeds.
    DataOfficer,
    /// 省/市 viewer: statistics only, no personal data beyond need.
    Viewer,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::VillageCadre,
        Role::TownshipReviewer,
        Role::CountyAdmin,
        Role::DataOfficer,
        Role::Viewer,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Role::VillageCadre => "village_cadre",
            Role::TownshipReviewer => "township_reviewer",
            Role::CountyAdmin => "county_admin",
            Role::DataOfficer => "data_officer",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stable code.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.code() == s.trim())
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::VillageCadre => "村干部",
            Role::TownshipReviewer => "乡镇审核员",
            Role::CountyAdmin => "县级管理员",
            Role::DataOfficer => "部门数据专员",
            Role::Viewer => "省市查看",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::VillageCadre => "village cadre",
            Role::TownshipReviewer => "township reviewer",
            Role::CountyAdmin => "county admin",
            Role::DataOfficer => "data officer",
            Role::Viewer => "viewer",
        }
    }

    /// The level a scope of this role must be at, or above.
    pub fn scope_level(self) -> RegionLevel {
        match self {
            Role::VillageCadre => RegionLevel::Village,
            Role::TownshipReviewer => RegionLevel::Township,
            Role::CountyAdmin | Role::DataOfficer => RegionLevel::County,
            Role::Viewer => RegionLevel::Province,
        }
    }

    /// Whether the role sees full ID numbers and phones (the work needs
    /// them: home checks, data comparison). Others see them masked.
    pub fn sees_personal_data(self) -> bool {
        matches!(
            self,
            Role::VillageCadre | Role::TownshipReviewer | Role::CountyAdmin
        )
    }

    /// Whether the role reads health details of department rows (a
    /// diagnosis): the township and county compare them with the rules;
    /// a village cadre checks the hardship at home and does not need them
    /// (PIPL: sensitive personal information, least necessary).
    pub fn sees_health_data(self) -> bool {
        matches!(self, Role::TownshipReviewer | Role::CountyAdmin)
    }

    /// Whether the role may create and edit households and members.
    pub fn edits_registry(self) -> bool {
        matches!(
            self,
            Role::VillageCadre | Role::TownshipReviewer | Role::CountyAdmin
        )
    }

    /// Whether the role loads department data feeds.
    pub fn loads_feeds(self) -> bool {
        matches!(self, Role::CountyAdmin | Role::DataOfficer)
    }

    /// Whether the role edits a household's assistance (帮扶): its plan,
    /// the measures a cadre records, follow-up visits. The village cadre
    /// does this work for their own village; township and county read it.
    pub fn edits_assistance(self) -> bool {
        matches!(self, Role::VillageCadre)
    }

    /// Whether the role keeps the county's roster of helpers (帮扶责任人)
    /// and assigns them to households.
    pub fn manages_helpers(self) -> bool {
        matches!(self, Role::CountyAdmin)
    }

    /// Whether the role exchanges data with other systems (the
    /// civil-affairs low-income population platform …; docs/exchange.md):
    /// the county's data officer, whose account a partner system uses,
    /// bound to its county. It sends and receives households, warnings and
    /// assistance records with full ID numbers (the partner matches on
    /// them), every package audited.
    pub fn exchanges_data(self) -> bool {
        matches!(self, Role::DataOfficer)
    }

    /// Whether the role reads individual households at all.
    pub fn reads_households(self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

/// The region a user acts in: every read and write is filtered by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// The user's role.
    pub role: Role,
    /// The region of the user's responsibility.
    pub region: RegionCode,
}

impl Scope {
    /// Whether the region `code` lies inside the scope.
    pub fn covers(&self, code: &RegionCode) -> bool {
        self.region.contains(code)
    }

    /// Whether the scope's level suits the role (a village cadre is scoped
    /// to a village, a township reviewer to a township, …). A higher-level
    /// scope than the role's is allowed only for viewers.
    pub fn is_consistent(&self) -> bool {
        let want = self.role.scope_level();
        match self.role {
            Role::Viewer => self.region.level() <= RegionLevel::County,
            _ => self.region.level() == want,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_covers_only_inside() {
        let s = Scope {
            role: Role::VillageCadre,
            region: RegionCode::parse("520526101201").unwrap(),
        };
        assert!(s.covers(&RegionCode::parse("520526101201").unwrap()));
        assert!(!s.covers(&RegionCode::parse("520526101202").unwrap()));
        assert!(s.is_consistent());
        let bad = Scope {
            role: Role::VillageCadre,
            region: RegionCode::parse("520526").unwrap(),
        };
        assert!(!bad.is_consistent());
    }
}
