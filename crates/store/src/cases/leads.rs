//! 线索: leads from the three channels, and what they do to a household's
//! case. A lead for a household
//! - without a case, or whose last run was rejected, opens a new case;
//! - whose case is eliminated re-enters it (返贫, a `ReEntry` event);
//! - whose case is open (identification, monitored, elimination) joins
//!   that case: duplicates are one case, the lead stays on its timeline.
//!
//! A resident's declaration (自主申报, no login) is matched to a registered
//! household only when the ID number, the name and the village all agree
//! with the registry; otherwise it is kept unmatched, with the declarant's
//! ID number, for the village to check ([`match_lead`] or
//! [`dismiss_lead`]). Its reference number shows a coarse status only.
//! Names, ID numbers and phones are never logged nor put in messages.

use super::events::{Acting, insert_case, record_event};
use super::{PolicySource, StoredCase, open_case_of, policy_at, retry_on_race};
use crate::audit::{self, Change};
use crate::db::{Pool, Tx, q};
use crate::users::Actor;
use crate::{Refusal, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::case::{LEAD_ROLES, NewLead, china_date};
use dixian_domain::{
    Case, CaseError, CaseEvent, CaseStage, Channel, IdNumber, RegionCode, RegionLevel, RiskType,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A lead registered by a cadre (sweep, department warning, or a
/// declaration taken at the village office). No `Debug`: it may hold an
/// ID number.
#[derive(Clone, Deserialize, utoipa::ToSchema)]
pub struct IncomingLead {
    /// 途径
    pub channel: Channel,
    /// The household, by id …
    pub household_id: Option<i64>,
    /// … or by the ID number of any of its members (registered in your region).
    pub id_number: Option<String>,
    /// Suspected risk types.
    #[serde(default)]
    pub risk_types: Vec<RiskType>,
    /// What happened.
    pub note: String,
}

/// A resident's self-declaration (自主申报), made without login. No
/// `Debug`: every field but the note is personal data.
#[derive(Clone, Deserialize, utoipa::ToSchema)]
pub struct Declaration {
    /// The declarant's name.
    pub name: String,
    /// The declarant's 18-digit ID number.
    pub id_number: String,
    /// 12-digit code of the village where the declarant lives.
    pub village: String,
    /// A phone number the village can call back.
    pub phone: String,
    /// Risk types the declarant names, if any.
    #[serde(default)]
    pub risk_types: Vec<RiskType>,
    /// What happened.
    pub note: String,
}

/// What became of a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// A declaration not matched to a registered household: the village checks it.
    Unmatched,
    /// It opened a new case.
    Opened,
    /// It joined the household's open case.
    Joined,
    /// It re-entered the household's eliminated case (返贫).
    ReEntered,
    /// The village found nothing to open (reason recorded).
    Dismissed,
}

impl LeadStatus {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            LeadStatus::Unmatched => "unmatched",
            LeadStatus::Opened => "opened",
            LeadStatus::Joined => "joined",
            LeadStatus::ReEntered => "re_entered",
            LeadStatus::Dismissed => "dismissed",
        }
    }

    /// Parses a stable code.
    pub fn parse(s: &str) -> Option<LeadStatus> {
        [
            LeadStatus::Unmatched,
            LeadStatus::Opened,
            LeadStatus::Joined,
            LeadStatus::ReEntered,
            LeadStatus::Dismissed,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }
}

/// The outcome of registering a lead.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadReceipt {
    /// Database id of the lead.
    pub lead_id: i64,
    /// Reference number for the declarant (e.g. `250312-7KQ4-XM3P`).
    pub reference: String,
    /// What the lead did.
    pub status: LeadStatus,
    /// The case it opened or joined, if any.
    pub case_id: Option<i64>,
}

/// What a resident sees of a declaration: no stage detail, no personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    /// 已受理: received, the village will check it.
    Received,
    /// 核查认定中: being checked and decided.
    InReview,
    /// 已纳入监测帮扶: monitored and assisted.
    Monitored,
    /// 未纳入: not included.
    NotIncluded,
    /// 风险已消除
    RiskEliminated,
    /// 已办结: closed by the village.
    Closed,
}

impl PublicStatus {
    fn of(status: LeadStatus, stage: Option<CaseStage>) -> PublicStatus {
        use CaseStage as S;
        match (status, stage) {
            (LeadStatus::Dismissed, _) => PublicStatus::Closed,
            (_, None) => PublicStatus::Received,
            (_, Some(S::Rejected)) => PublicStatus::NotIncluded,
            (_, Some(S::Eliminated)) => PublicStatus::RiskEliminated,
            (_, Some(s)) if s.is_identification() => PublicStatus::InReview,
            (_, Some(_)) => PublicStatus::Monitored,
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            PublicStatus::Received => "已受理，待村里核实",
            PublicStatus::InReview => "核查认定中",
            PublicStatus::Monitored => "已纳入监测帮扶",
            PublicStatus::NotIncluded => "经认定未纳入",
            PublicStatus::RiskEliminated => "风险已消除",
            PublicStatus::Closed => "已办结",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            PublicStatus::Received => "Received; the village will check it",
            PublicStatus::InReview => "Being checked and decided",
            PublicStatus::Monitored => "Monitored and assisted",
            PublicStatus::NotIncluded => "Not included after review",
            PublicStatus::RiskEliminated => "Risk eliminated",
            PublicStatus::Closed => "Closed",
        }
    }
}

/// The status of a declaration by its reference.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicStatusView {
    /// The reference number.
    pub reference: String,
    /// Where it stands.
    pub status: PublicStatus,
    /// Chinese label of the status.
    pub label_zh: &'static str,
    /// English label of the status.
    pub label_en: &'static str,
    /// Day received (China time).
    pub received_on: NaiveDate,
}

/// A household a lead is about.
#[derive(sqlx::FromRow)]
struct HouseholdRef {
    id: i64,
    number: String,
    village_code: String,
}

impl HouseholdRef {
    fn village(&self) -> Result<RegionCode, StoreError> {
        RegionCode::parse(&self.village_code).map_err(|e| StoreError::Invalid(e.to_string()))
    }
}

/// What the lead says, for the case.
struct LeadFacts {
    channel: Channel,
    risk_types: Vec<RiskType>,
    note: String,
}

/// The lead row to write.
struct LeadRecord<'a> {
    facts: &'a LeadFacts,
    household_id: Option<i64>,
    village: &'a RegionCode,
    declarant_name: Option<&'a str>,
    declarant_id_number: Option<&'a str>,
    declarant_phone: Option<&'a str>,
    created_by: Option<i64>,
    case_id: Option<i64>,
    status: LeadStatus,
}

/// The longest free text accepted in a lead (characters).
const NOTE_MAX_CHARS: usize = 2000;

fn checked_note(note: &str) -> Result<String, StoreError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(Refusal::LeadNoteEmpty.into());
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(Refusal::LeadNoteTooLong {
            max_chars: NOTE_MAX_CHARS,
        }
        .into());
    }
    Ok(note.to_string())
}

fn check_lead_role(actor: &Actor) -> Result<(), StoreError> {
    if LEAD_ROLES.contains(&actor.scope.role) {
        Ok(())
    } else {
        Err(StoreError::from(CaseError::MayNotOpen {
            role: actor.scope.role,
        }))
    }
}

/// Registers a lead by a cadre and opens, joins or re-enters the
/// household's case.
pub async fn open_lead(
    pool: &Pool,
    actor: &Actor,
    lead: &IncomingLead,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<LeadReceipt, StoreError> {
    check_lead_role(actor)?;
    let facts = LeadFacts {
        channel: lead.channel,
        risk_types: RiskType::normalize(lead.risk_types.clone()),
        note: checked_note(&lead.note)?,
    };
    let household = match (lead.household_id, lead.id_number.as_deref()) {
        (Some(id), None) => household_in_scope(pool, actor, id).await?,
        (None, Some(id_number)) => household_of_person(pool, actor, id_number).await?,
        _ => {
            return Err(Refusal::HouseholdOrPerson.into());
        }
    };
    let village = household.village()?;
    let (household, village, facts) = (&household, &village, &facts);
    retry_on_race(|| async move {
        let mut tx = pool.begin().await?;
        let (status, case) = attach(
            &mut tx,
            &Acting::of(actor),
            household,
            village,
            facts,
            now,
            policies,
        )
        .await?;
        let record = LeadRecord {
            facts,
            household_id: Some(household.id),
            village,
            declarant_name: None,
            declarant_id_number: None,
            declarant_phone: None,
            created_by: actor.user_id,
            case_id: Some(case.id),
            status,
        };
        let (lead_id, reference) = insert_lead(&mut tx, &record, now).await?;
        tx.commit().await?;
        Ok(LeadReceipt {
            lead_id,
            reference,
            status,
            case_id: Some(case.id),
        })
    })
    .await
}

/// Inside `tx`: registers a cadre's lead for a household the caller has
/// already found in the actor's scope, and opens, joins or re-enters its
/// case (a verified department warning uses this, so that the warning's
/// status and the lead commit together).
pub(crate) async fn lead_for_household_in(
    tx: &mut Tx,
    actor: &Actor,
    household_id: i64,
    lead: (Channel, Vec<RiskType>, &str),
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<LeadReceipt, StoreError> {
    check_lead_role(actor)?;
    let (channel, risks, note) = lead;
    let facts = LeadFacts {
        channel,
        risk_types: RiskType::normalize(risks),
        note: checked_note(note)?,
    };
    let (lo, hi) = actor.scope.region.padded_range();
    let household: HouseholdRef = tx
        .opt(
            q("SELECT id, number, village_code FROM households WHERE id = $1 AND village_code BETWEEN $2 AND $3")
                .bind(household_id)
                .bind(lo)
                .bind(hi),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let village = household.village()?;
    let (status, case) = attach(
        tx,
        &Acting::of(actor),
        &household,
        &village,
        &facts,
        now,
        policies,
    )
    .await?;
    let record = LeadRecord {
        facts: &facts,
        household_id: Some(household.id),
        village: &village,
        declarant_name: None,
        declarant_id_number: None,
        declarant_phone: None,
        created_by: actor.user_id,
        case_id: Some(case.id),
        status,
    };
    let (lead_id, reference) = insert_lead(tx, &record, now).await?;
    Ok(LeadReceipt {
        lead_id,
        reference,
        status,
        case_id: Some(case.id),
    })
}

/// Registers a resident's declaration; see the module's rules for when it
/// is matched to a household.
pub async fn declare(
    pool: &Pool,
    d: &Declaration,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<LeadReceipt, StoreError> {
    let today = china_date(now);
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(Refusal::InvalidName.into());
    }
    let id = IdNumber::parse_at(&d.id_number, today).map_err(|e| {
        StoreError::from(Refusal::InvalidIdNumber {
            reason: e.to_string(),
        })
    })?;
    let phone = checked_phone(&d.phone)?;
    let facts = LeadFacts {
        channel: Channel::SelfDeclared,
        risk_types: RiskType::normalize(d.risk_types.clone()),
        note: checked_note(&d.note)?,
    };
    let village = known_village(pool, &d.village).await?;
    let household = registered_household(pool, &id, name, &village).await?;
    let (household, village, facts, id, phone) = (&household, &village, &facts, &id, &phone);
    retry_on_race(|| async move {
        let mut tx = pool.begin().await?;
        let (status, case_id) = match household {
            Some(h) => {
                let acting = Acting::public(village);
                let (status, case) =
                    attach(&mut tx, &acting, h, village, facts, now, policies).await?;
                (status, Some(case.id))
            }
            None => (LeadStatus::Unmatched, None),
        };
        let record = LeadRecord {
            facts,
            household_id: household.as_ref().map(|h| h.id),
            village,
            declarant_name: Some(name),
            // Kept only while the village has to find the person.
            declarant_id_number: household.is_none().then_some(id.as_str()),
            declarant_phone: Some(phone),
            created_by: None,
            case_id,
            status,
        };
        let (lead_id, reference) = insert_lead(&mut tx, &record, now).await?;
        tx.commit().await?;
        Ok(LeadReceipt {
            lead_id,
            reference,
            status,
            case_id,
        })
    })
    .await
}

fn checked_phone(phone: &str) -> Result<String, StoreError> {
    let p = phone.trim();
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let allowed = p
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '));
    if !allowed || !(5..=20).contains(&digits) {
        return Err(Refusal::InvalidPhone.into());
    }
    Ok(p.to_string())
}

async fn known_village(pool: &Pool, code: &str) -> Result<RegionCode, StoreError> {
    let unknown = || StoreError::from(Refusal::UnknownVillage);
    let village = RegionCode::parse(code).map_err(|_| unknown())?;
    if village.level() != RegionLevel::Village {
        return Err(unknown());
    }
    let found: Option<(i64,)> = pool
        .opt(q("SELECT level FROM regions WHERE code = $1").bind(village.as_str()))
        .await?;
    match found {
        Some((5,)) => Ok(village),
        _ => Err(unknown()),
    }
}

/// The household of the person with `id`, if name and village agree with
/// the registry.
async fn registered_household(
    pool: &Pool,
    id: &IdNumber,
    name: &str,
    village: &RegionCode,
) -> Result<Option<HouseholdRef>, StoreError> {
    let found: Option<(i64, String, String, String)> = pool
        .opt(
            q("SELECT h.id, h.number, h.village_code, m.name FROM members m JOIN households h ON h.id = m.household_id
               WHERE m.id_hash = $1")
            .bind(pool.data().id_hash(id.as_str())),
        )
        .await?;
    Ok(found
        .filter(|(_, _, v, n)| v == village.as_str() && n.trim() == name)
        .map(|(id, number, village_code, _)| HouseholdRef {
            id,
            number,
            village_code,
        }))
}

async fn household_in_scope(
    pool: &Pool,
    actor: &Actor,
    id: i64,
) -> Result<HouseholdRef, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    pool.opt(
        q("SELECT id, number, village_code FROM households WHERE id = $1 AND village_code BETWEEN $2 AND $3")
            .bind(id)
            .bind(lo)
            .bind(hi),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

async fn household_of_person(
    pool: &Pool,
    actor: &Actor,
    id_number: &str,
) -> Result<HouseholdRef, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    let id = id_number.trim().to_ascii_uppercase();
    let found: Option<HouseholdRef> = pool
        .opt(
            q("SELECT h.id, h.number, h.village_code FROM members m JOIN households h ON h.id = m.household_id
               WHERE m.id_hash = $1 AND h.village_code BETWEEN $2 AND $3")
            .bind(pool.data().id_hash(&id))
            .bind(lo)
            .bind(hi),
        )
        .await?;
    found.ok_or_else(|| StoreError::from(Refusal::PersonNotRegistered))
}

/// Opens, joins or re-enters the household's case for a lead.
async fn attach(
    tx: &mut Tx,
    acting: &Acting,
    h: &HouseholdRef,
    village: &RegionCode,
    facts: &LeadFacts,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<(LeadStatus, StoredCase), StoreError> {
    match open_case_of(tx, h.id).await? {
        None => {
            let policy = policy_at(policies, village, now)?;
            let lead = NewLead {
                household: h.number.clone(),
                village: village.clone(),
                channel: facts.channel,
                risk_types: facts.risk_types.clone(),
                note: facts.note.clone(),
            };
            let case = Case::open(lead, &acting.scope, now).map_err(StoreError::from)?;
            let stored = insert_case(tx, acting, h.id, &case, &policy, now).await?;
            Ok((LeadStatus::Opened, stored))
        }
        Some(open) if open.case.stage == CaseStage::Eliminated => {
            let event = CaseEvent::ReEntry {
                channel: facts.channel,
                risk_types: facts.risk_types.clone(),
                note: facts.note.clone(),
            };
            let stored = record_event(tx, acting, &open, &event, now, policies).await?;
            Ok((LeadStatus::ReEntered, stored))
        }
        Some(open) => Ok((LeadStatus::Joined, open)),
    }
}

/// Crockford's base 32: no I, L, O, U, so a reference read aloud is not misheard.
const REFERENCE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `YYMMDD-XXXX-XXXX`: the day (China time) and 40 random bits, so that a
/// reference cannot be guessed from another.
fn new_reference(now: DateTime<Utc>) -> String {
    let mut rng = rand::rng();
    let mut part = || -> String {
        (0..4)
            .map(|_| char::from(REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())]))
            .collect()
    };
    let (a, b) = (part(), part());
    format!("{}-{a}-{b}", china_date(now).format("%y%m%d"))
}

/// A reference as typed by a resident: case and the look-alikes of
/// Crockford's alphabet forgiven.
fn normalize_reference(s: &str) -> String {
    s.trim()
        .to_ascii_uppercase()
        .chars()
        .map(|c| match c {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

fn risk_codes(risks: &[RiskType]) -> String {
    risks.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

/// Parses a stored channel code.
pub(crate) fn parse_channel(code: &str) -> Result<Channel, StoreError> {
    Channel::parse(code)
        .ok_or_else(|| StoreError::Invalid(format!("stored channel has unknown code {code}")))
}

/// Parses the stored comma-separated risk type codes.
pub(crate) fn parse_risks(s: &str) -> Result<Vec<RiskType>, StoreError> {
    s.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            RiskType::parse(c).ok_or_else(|| {
                StoreError::Invalid(format!("stored risk type has unknown code {c}"))
            })
        })
        .collect()
}

async fn insert_lead(
    tx: &mut Tx,
    r: &LeadRecord<'_>,
    now: DateTime<Utc>,
) -> Result<(i64, String), StoreError> {
    let reference = new_reference(now);
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO leads (reference, channel, household_id, village_code, risk_types, note, declarant_name,
               declarant_id_number, declarant_phone, created_by, created_at, case_id, status)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
            .bind(reference.as_str())
            .bind(r.facts.channel.code())
            .bind(r.household_id)
            .bind(r.village.as_str())
            .bind(risk_codes(&r.facts.risk_types))
            .bind(r.facts.note.as_str())
            .bind(r.declarant_name)
            .bind(
                tx.data()
                    .seal_opt("leads.declarant_id_number", r.declarant_id_number),
            )
            .bind(tx.data().seal_opt("leads.declarant_phone", r.declarant_phone))
            .bind(r.created_by)
            .bind(now)
            .bind(r.case_id)
            .bind(r.status.code()),
        )
        .await?;
    audit::record(
        tx,
        &[Change {
            user_id: r.created_by,
            action: "create",
            entity: "lead",
            entity_id: id.to_string(),
            region: Some(r.village.to_string()),
            before: None,
            // The lead's personal fields stay in its row, not in the audit trail.
            after: Some(
                json!({
                    "channel": r.facts.channel.code(), "household_id": r.household_id,
                    "case_id": r.case_id, "status": r.status.code(), "reference": reference,
                })
                .to_string(),
            ),
        }],
    )
    .await?;
    Ok((id, reference))
}

#[derive(sqlx::FromRow)]
struct PendingLead {
    reference: String,
    channel: String,
    village_code: String,
    risk_types: String,
    note: String,
    status: String,
}

/// An unmatched lead in the actor's scope, inside `tx`.
async fn pending_lead(tx: &mut Tx, actor: &Actor, lead_id: i64) -> Result<PendingLead, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    let lead: PendingLead = tx
        .opt(
            q(
                "SELECT reference, channel, village_code, risk_types, note, status FROM leads
               WHERE id = $1 AND village_code BETWEEN $2 AND $3",
            )
            .bind(lead_id)
            .bind(lo)
            .bind(hi),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if lead.status != LeadStatus::Unmatched.code() {
        return Err(Refusal::LeadResolved.into());
    }
    Ok(lead)
}

/// Matches an unmatched lead to household `household_id` after the
/// village's check: opens, joins or re-enters its case, and forgets the
/// declarant's ID number.
pub async fn match_lead(
    pool: &Pool,
    actor: &Actor,
    lead_id: i64,
    household_id: i64,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<LeadReceipt, StoreError> {
    check_lead_role(actor)?;
    let household = household_in_scope(pool, actor, household_id).await?;
    let village = household.village()?;
    let (household, village) = (&household, &village);
    retry_on_race(|| async move {
        let mut tx = pool.begin().await?;
        let lead = pending_lead(&mut tx, actor, lead_id).await?;
        let facts = LeadFacts {
            channel: parse_channel(&lead.channel)?,
            risk_types: parse_risks(&lead.risk_types)?,
            note: lead.note.clone(),
        };
        let (status, case) = attach(
            &mut tx,
            &Acting::of(actor),
            household,
            village,
            &facts,
            now,
            policies,
        )
        .await?;
        resolve(
            &mut tx,
            actor,
            lead_id,
            &lead,
            status,
            Some((household.id, case.id)),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(LeadReceipt {
            lead_id,
            reference: lead.reference,
            status,
            case_id: Some(case.id),
        })
    })
    .await
}

/// Closes an unmatched lead without a case, with the village's reason.
pub async fn dismiss_lead(
    pool: &Pool,
    actor: &Actor,
    lead_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<LeadReceipt, StoreError> {
    check_lead_role(actor)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::from(CaseError::Empty(
            dixian_domain::case::TextField::Reason,
        )));
    }
    let mut tx = pool.begin().await?;
    let lead = pending_lead(&mut tx, actor, lead_id).await?;
    let status = LeadStatus::Dismissed;
    resolve(
        &mut tx,
        actor,
        lead_id,
        &lead,
        status,
        None,
        Some(reason),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(LeadReceipt {
        lead_id,
        reference: lead.reference,
        status,
        case_id: None,
    })
}

#[allow(clippy::too_many_arguments)]
async fn resolve(
    tx: &mut Tx,
    actor: &Actor,
    lead_id: i64,
    lead: &PendingLead,
    status: LeadStatus,
    linked: Option<(i64, i64)>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (household_id, case_id) = (linked.map(|l| l.0), linked.map(|l| l.1));
    let n = tx
        .execute(
            q("UPDATE leads SET status = $1, household_id = $2, case_id = $3, resolution = $4, resolved_by = $5,
               resolved_at = $6, declarant_id_number = NULL WHERE id = $7 AND status = 'unmatched'")
            .bind(status.code())
            .bind(household_id)
            .bind(case_id)
            .bind(reason)
            .bind(actor.user_id)
            .bind(now)
            .bind(lead_id),
        )
        .await?;
    if n == 0 {
        return Err(Refusal::LeadResolved.into());
    }
    audit::record(
        tx,
        &[Change {
            user_id: actor.user_id,
            action: if linked.is_some() { "match" } else { "dismiss" },
            entity: "lead",
            entity_id: lead_id.to_string(),
            region: Some(lead.village_code.clone()),
            before: Some(json!({ "status": lead.status }).to_string()),
            after: Some(
                json!({ "status": status.code(), "household_id": household_id, "case_id": case_id })
                    .to_string(),
            ),
        }],
    )
    .await
}

/// The coarse status of a declaration by its reference, for the resident;
/// `NotFound` for an unknown reference.
pub async fn public_status(pool: &Pool, reference: &str) -> Result<PublicStatusView, StoreError> {
    let reference = normalize_reference(reference);
    let row: Option<(String, DateTime<Utc>, Option<String>)> = pool
        .opt(
            q("SELECT l.status, l.created_at, c.stage FROM leads l LEFT JOIN cases c ON c.id = l.case_id
               WHERE l.reference = $1")
            .bind(reference.as_str()),
        )
        .await?;
    let (status, created_at, stage) = row.ok_or(StoreError::NotFound)?;
    let status = LeadStatus::parse(&status).ok_or_else(|| {
        StoreError::Invalid(format!("stored lead status has unknown code {status}"))
    })?;
    let public = PublicStatus::of(status, stage.as_deref().and_then(CaseStage::parse));
    Ok(PublicStatusView {
        reference,
        status: public,
        label_zh: public.label_zh(),
        label_en: public.label_en(),
        received_on: china_date(created_at),
    })
}

/// What a declaration went through, for the resident's status page: the
/// lead as stored, the case's stage now and the stage changes of the
/// case since the declaration (no actor, no personal data).
#[derive(Debug, Clone)]
pub struct DeclarationProgress {
    /// The normalized reference number.
    pub reference: String,
    /// The lead's status.
    pub status: LeadStatus,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// When the village closed it without a case, if it did.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The case's stage now, if the lead reached a case.
    pub stage: Option<CaseStage>,
    /// (from, to, at) of each stage change of the case since the declaration, in order.
    pub moves: Vec<(CaseStage, CaseStage, DateTime<Utc>)>,
}

/// The progress of a declaration by its reference (`NotFound` for an
/// unknown one): the lead and its case's stage changes since it was
/// received. Only leads of the self-declaration channel answer.
pub async fn declaration_progress(
    pool: &Pool,
    reference: &str,
) -> Result<DeclarationProgress, StoreError> {
    let reference = normalize_reference(reference);
    type LeadLine = (
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<i64>,
        Option<String>,
    );
    let row: Option<LeadLine> = pool
        .opt(
            q(
                "SELECT l.status, l.created_at, l.resolved_at, l.case_id, c.stage
               FROM leads l LEFT JOIN cases c ON c.id = l.case_id
               WHERE l.reference = $1 AND l.channel = $2",
            )
            .bind(reference.as_str())
            .bind(Channel::SelfDeclared.code()),
        )
        .await?;
    let (status, received_at, resolved_at, case_id, stage) = row.ok_or(StoreError::NotFound)?;
    let status = LeadStatus::parse(&status).ok_or_else(|| {
        StoreError::Invalid(format!("stored lead status has unknown code {status}"))
    })?;
    let stage_of = |code: &str| {
        CaseStage::parse(code)
            .ok_or_else(|| StoreError::Invalid(format!("stored stage has unknown code {code}")))
    };
    let stage = stage.as_deref().map(stage_of).transpose()?;
    let mut moves = Vec::new();
    if let Some(case_id) = case_id {
        let rows: Vec<(String, String, DateTime<Utc>)> = pool
            .all(
                q("SELECT from_stage, to_stage, at FROM case_events
                   WHERE case_id = $1 ORDER BY seq")
                .bind(case_id),
            )
            .await?;
        for (from, to, at) in rows {
            if at >= received_at && from != to {
                moves.push((stage_of(&from)?, stage_of(&to)?, at));
            }
        }
    }
    Ok(DeclarationProgress {
        reference,
        status,
        received_at,
        resolved_at,
        stage,
        moves,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_readable_and_forgiving() {
        let now = DateTime::parse_from_rfc3339("2025-03-11T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let r = new_reference(now);
        assert!(r.starts_with("250312-"), "China date: {r}");
        assert_eq!(r.len(), 16);
        assert_eq!(normalize_reference(&format!(" {} ", r.to_lowercase())), r);
        assert_eq!(normalize_reference("250312-0il0-abcd"), "250312-0110-ABCD");
    }

    #[test]
    fn phones_are_checked_without_echo() {
        assert!(checked_phone("138 0000 1234").is_ok());
        let e = checked_phone("call me 1380000").unwrap_err().to_string();
        assert!(!e.contains("1380000"));
    }

    #[test]
    fn public_status_is_coarse() {
        use CaseStage as S;
        let of = |s, st| PublicStatus::of(s, st);
        assert_eq!(of(LeadStatus::Unmatched, None), PublicStatus::Received);
        assert_eq!(
            of(LeadStatus::Opened, Some(S::Notice)),
            PublicStatus::InReview
        );
        assert_eq!(
            of(LeadStatus::Joined, Some(S::EliminationNotice)),
            PublicStatus::Monitored
        );
        assert_eq!(
            of(LeadStatus::Opened, Some(S::Rejected)),
            PublicStatus::NotIncluded
        );
        assert_eq!(of(LeadStatus::Dismissed, None), PublicStatus::Closed);
    }
}
