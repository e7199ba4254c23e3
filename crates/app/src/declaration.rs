//! 农户自主申报: the resident's side of a self-declaration, without login.
//!
//! - [`places`]: the villages a resident may pick, by name, grouped by
//!   township: the villages of the deployment's county (the counties of
//!   the division table the server loaded — `regions import` / the demo
//!   load one), decided here once for every page;
//! - [`submit`]: the declaration, its refusal turned into the one field
//!   the resident has to correct ([`DeclareField`]);
//! - [`progress`]: what the resident sees of it by the reference number —
//!   the steps passed with their dates ([`steps`], a pure function), and
//!   nothing else: no scope, no stage detail, no personal data.

use crate::AppError;
use crate::rules::Policies;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::case::china_date;
use dixian_domain::{CaseStage, RegionCode, RegionLevel};
use dixian_store::cases::{
    self, Declaration, DeclarationProgress, LeadReceipt, LeadStatus, PublicStatus,
};
use dixian_store::{Refusal, Store, StoreError, regions};

/// Most villages the picker lists: a deployment serves a county (a few
/// hundred villages); a division table loaded whole is cut here rather
/// than sent to a phone (an operational bound on the page, not policy).
pub const MAX_PLACES: usize = 3000;

/// Most villages a name search answers with.
pub const MAX_FOUND: usize = 50;

/// A village a resident can pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Village {
    /// 12-digit code (the form's value).
    pub code: String,
    /// Name.
    pub name: String,
}

/// A township with its villages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Township {
    /// 9-digit code.
    pub code: String,
    /// Name (with its county's when the deployment holds several).
    pub name: String,
    /// Its villages, by code.
    pub villages: Vec<Village>,
}

/// Every township and village a resident may pick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places {
    /// By code.
    pub townships: Vec<Township>,
}

impl Places {
    /// The township `code`, if listed.
    pub fn township(&self, code: &str) -> Option<&Township> {
        self.townships.iter().find(|t| t.code == code)
    }

    /// The township holding village `code`.
    pub fn township_of(&self, village: &str) -> Option<&Township> {
        self.townships
            .iter()
            .find(|t| t.villages.iter().any(|v| v.code == village))
    }

    /// Villages whose name (or township's name) contains `part`, at most
    /// [`MAX_FOUND`], with their township.
    pub fn find(&self, part: &str) -> Vec<(&Township, &Village)> {
        let part = part.trim();
        if part.is_empty() {
            return Vec::new();
        }
        self.townships
            .iter()
            .flat_map(|t| t.villages.iter().map(move |v| (t, v)))
            .filter(|(t, v)| v.name.contains(part) || t.name.contains(part))
            .take(MAX_FOUND)
            .collect()
    }
}

/// The townships and villages of the deployment's county (every county of
/// the division table), by code; at most [`MAX_PLACES`] villages.
pub async fn places(store: &Store) -> Result<Places, AppError> {
    let counties: Vec<(String, String)> = regions::at_level(&store.pool, RegionLevel::County)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let several = counties.len() > 1;
    let mut out = Places::default();
    let mut listed = 0;
    for (code, county_name) in counties {
        if listed >= MAX_PLACES {
            break;
        }
        let Ok(county) = RegionCode::parse(&code) else {
            continue;
        };
        let townships = regions::children(&store.pool, &county).await?;
        let villages = regions::villages_in(&store.pool, &county).await?;
        for t in townships {
            let vs: Vec<Village> = villages
                .iter()
                .filter(|v| v.parent.as_deref() == Some(t.code.as_str()))
                .take(MAX_PLACES - listed)
                .map(|v| Village {
                    code: v.code.clone(),
                    name: v.name.clone(),
                })
                .collect();
            if vs.is_empty() {
                continue;
            }
            listed += vs.len();
            out.townships.push(Township {
                code: t.code,
                name: if several {
                    format!("{county_name} {}", t.name)
                } else {
                    t.name
                },
                villages: vs,
            });
        }
    }
    Ok(out)
}

/// The field of the declaration form a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclareField {
    /// 所在村
    Village,
    /// 姓名
    Name,
    /// 身份证号
    IdNumber,
    /// 电话
    Phone,
    /// 情况说明
    Note,
}

/// Why a declaration was not taken.
#[derive(Debug)]
pub enum DeclareRefused {
    /// A field to correct (the page says so next to it, in plain words).
    Field(DeclareField),
    /// Anything else (the store failed, …).
    Other(AppError),
}

/// Registers a resident's declaration ([`cases::declare`]); a refusal of
/// one of its fields names the field.
pub async fn submit(
    store: &Store,
    declaration: &Declaration,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<LeadReceipt, DeclareRefused> {
    if declaration.village.trim().is_empty() {
        return Err(DeclareRefused::Field(DeclareField::Village));
    }
    match cases::declare(&store.pool, declaration, now, policies).await {
        Ok(r) => Ok(r),
        Err(StoreError::Refused(r)) => match field_of(&r) {
            Some(f) => Err(DeclareRefused::Field(f)),
            None => Err(DeclareRefused::Other(StoreError::Refused(r).into())),
        },
        Err(e) => Err(DeclareRefused::Other(e.into())),
    }
}

fn field_of(r: &Refusal) -> Option<DeclareField> {
    Some(match r {
        Refusal::UnknownVillage => DeclareField::Village,
        Refusal::InvalidName => DeclareField::Name,
        Refusal::InvalidIdNumber { .. } => DeclareField::IdNumber,
        Refusal::InvalidPhone => DeclareField::Phone,
        Refusal::LeadNoteEmpty | Refusal::LeadNoteTooLong { .. } => DeclareField::Note,
        _ => return None,
    })
}

/// A step of a declaration as a resident reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicStep {
    /// 已受理
    Received,
    /// 入户核实 (the home check and the departments' data comparison)
    HomeCheck,
    /// 村级评议
    Deliberation,
    /// 公示
    Notice,
    /// 乡镇审核
    TownshipReview,
    /// 县级审批
    CountyApproval,
    /// 结果
    Outcome,
}

impl PublicStep {
    /// Every step, in order.
    pub const ALL: [PublicStep; 7] = [
        PublicStep::Received,
        PublicStep::HomeCheck,
        PublicStep::Deliberation,
        PublicStep::Notice,
        PublicStep::TownshipReview,
        PublicStep::CountyApproval,
        PublicStep::Outcome,
    ];

    /// The step a case waits at in `stage`.
    pub fn of(stage: CaseStage) -> PublicStep {
        use CaseStage as S;
        match stage {
            S::HomeCheck | S::DataComparison => PublicStep::HomeCheck,
            S::VillageDeliberation => PublicStep::Deliberation,
            S::NoticePending | S::Notice => PublicStep::Notice,
            S::TownshipReview => PublicStep::TownshipReview,
            S::CountyApproval => PublicStep::CountyApproval,
            _ => PublicStep::Outcome,
        }
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Passed.
    Done,
    /// Where the declaration is now (the outcome, once reached).
    Current,
    /// Not yet.
    Ahead,
}

/// One step as shown to the resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLine {
    /// Which.
    pub step: PublicStep,
    /// Passed, now, or later.
    pub state: StepState,
    /// The day it was passed (or the outcome reached), China time.
    pub on: Option<NaiveDate>,
}

/// What a resident sees of a declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationSteps {
    /// The reference number, normalized.
    pub reference: String,
    /// The seven steps, in order.
    pub steps: Vec<StepLine>,
    /// The outcome, once reached.
    pub outcome: Option<PublicStatus>,
}

/// The steps of a declaration from what the store holds: received on its
/// day; each later step passed on the day the case left it (the last time,
/// after an objection sent it back); the current step where the case
/// waits (the home check while the village has not matched it); the
/// outcome once the identification ended, or the village closed it.
pub fn steps(p: &DeclarationProgress) -> DeclarationSteps {
    let (current, outcome, outcome_on) = match (p.status, p.stage) {
        (LeadStatus::Dismissed, _) => (
            PublicStep::Outcome,
            Some(PublicStatus::Closed),
            p.resolved_at.map(china_date),
        ),
        (_, None) => (PublicStep::HomeCheck, None, None),
        (_, Some(stage)) => match PublicStep::of(stage) {
            PublicStep::Outcome => {
                let outcome = match stage {
                    CaseStage::Rejected => PublicStatus::NotIncluded,
                    CaseStage::Eliminated => PublicStatus::RiskEliminated,
                    _ => PublicStatus::Monitored,
                };
                let reached = p
                    .moves
                    .iter()
                    .find(|(from, to, _)| {
                        PublicStep::of(*from) != PublicStep::Outcome
                            && PublicStep::of(*to) == PublicStep::Outcome
                    })
                    .map(|(_, _, at)| china_date(*at));
                (PublicStep::Outcome, Some(outcome), reached)
            }
            step => (step, None, None),
        },
    };
    let left = |step: PublicStep| {
        p.moves
            .iter()
            .rev()
            .find(|(from, to, _)| PublicStep::of(*from) == step && PublicStep::of(*to) != step)
            .map(|(_, _, at)| china_date(*at))
    };
    let position = |s: PublicStep| PublicStep::ALL.iter().position(|x| *x == s);
    let now = position(current);
    let steps = PublicStep::ALL
        .iter()
        .map(|&step| {
            let (state, on) = if step == current {
                let on = match step {
                    PublicStep::Outcome => outcome_on,
                    _ => None,
                };
                (StepState::Current, on)
            } else if position(step) < now {
                let on = match step {
                    PublicStep::Received => Some(china_date(p.received_at)),
                    s => left(s),
                };
                (StepState::Done, on)
            } else {
                (StepState::Ahead, None)
            };
            StepLine { step, state, on }
        })
        .collect();
    DeclarationSteps {
        reference: p.reference.clone(),
        steps,
        outcome,
    }
}

/// The steps of the declaration with `reference`; `None` for a reference
/// that is not a declaration's (the page answers it in neutral words).
pub async fn progress(
    store: &Store,
    reference: &str,
) -> Result<Option<DeclarationSteps>, AppError> {
    match cases::declaration_progress(&store.pool, reference).await {
        Ok(p) => Ok(Some(steps(&p))),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether `code` is a village of the deployment (for keeping a picked
/// village after a refusal).
pub fn is_village(code: &str) -> bool {
    RegionCode::parse(code).is_ok_and(|c| c.level() == RegionLevel::Village)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        // Noon in China is 04:00 UTC: the China date is `day`.
        Utc.with_ymd_and_hms(2025, 3, day, 4, 0, 0).unwrap()
    }

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2025, 3, d)
    }

    fn progress(
        stage: Option<CaseStage>,
        moves: Vec<(CaseStage, CaseStage, u32)>,
    ) -> DeclarationProgress {
        DeclarationProgress {
            reference: "250301-AAAA-BBBB".into(),
            status: LeadStatus::Opened,
            received_at: at(1),
            resolved_at: None,
            stage,
            moves: moves.into_iter().map(|(f, t, d)| (f, t, at(d))).collect(),
        }
    }

    fn states(s: &DeclarationSteps) -> Vec<(StepState, Option<NaiveDate>)> {
        s.steps.iter().map(|l| (l.state, l.on)).collect()
    }

    #[test]
    fn a_case_at_deliberation_has_two_steps_behind_it() {
        use CaseStage as S;
        let p = progress(
            Some(S::VillageDeliberation),
            vec![
                (S::HomeCheck, S::DataComparison, 2),
                (S::DataComparison, S::VillageDeliberation, 4),
            ],
        );
        use StepState::*;
        assert_eq!(
            states(&steps(&p)),
            vec![
                (Done, day(1)),
                (Done, day(4)),
                (Current, None),
                (Ahead, None),
                (Ahead, None),
                (Ahead, None),
                (Ahead, None),
            ]
        );
    }

    #[test]
    fn an_unmatched_declaration_waits_for_the_home_check() {
        let mut p = progress(None, vec![]);
        p.status = LeadStatus::Unmatched;
        let s = steps(&p);
        assert_eq!(s.steps[1].state, StepState::Current);
        assert_eq!(s.outcome, None);
    }

    #[test]
    fn an_objection_sends_the_later_steps_back() {
        use CaseStage as S;
        let p = progress(
            Some(S::HomeCheck),
            vec![
                (S::HomeCheck, S::DataComparison, 2),
                (S::DataComparison, S::VillageDeliberation, 3),
                (S::VillageDeliberation, S::NoticePending, 4),
                (S::NoticePending, S::Notice, 5),
                (S::Notice, S::HomeCheck, 7),
            ],
        );
        let s = steps(&p);
        assert_eq!(s.steps[1].state, StepState::Current);
        assert!(s.steps[2..].iter().all(|l| l.state == StepState::Ahead));
    }

    #[test]
    fn a_rejection_is_the_outcome_on_its_day() {
        use CaseStage as S;
        let p = progress(
            Some(S::Rejected),
            vec![
                (S::HomeCheck, S::DataComparison, 2),
                (S::DataComparison, S::VillageDeliberation, 3),
                (S::VillageDeliberation, S::Rejected, 6),
            ],
        );
        let s = steps(&p);
        assert_eq!(s.outcome, Some(PublicStatus::NotIncluded));
        assert_eq!(s.steps[6].state, StepState::Current);
        assert_eq!(s.steps[6].on, day(6));
        assert_eq!(s.steps[2].on, day(6), "deliberation left on the 6th");
    }

    #[test]
    fn a_closed_declaration_says_so() {
        let mut p = progress(None, vec![]);
        p.status = LeadStatus::Dismissed;
        p.resolved_at = Some(at(9));
        let s = steps(&p);
        assert_eq!(s.outcome, Some(PublicStatus::Closed));
        assert_eq!(s.steps[6].on, day(9));
    }
}
