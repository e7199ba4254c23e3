//! Reading the registry file: rows grouped into households, every cell
//! validated, every error kept.

use super::values::{
    coded, disability_grade, free_text, household_number, mobile_phone, money_yuan, person_name,
    village_code,
};
use super::*;
use crate::cell::{parse_bool, parse_decimal};
use crate::error::TabularError;
use crate::read::{HeaderMap, Record, TableReader};
use chrono::NaiveDate;
use dixian_domain::{
    Category, DisabilityKind, DrinkingWater, EmploymentStatus, HouseholdError, HousingGrade,
    IdNumber, Illness, Income, InsuranceStatus, LaborCapacity, Member, RegionCode, Relation,
    StudentStage, StudentStatus,
};
use std::collections::HashSet;

/// Most rows kept for one household: far above any real family, it bounds
/// memory when a file repeats one household number on every row.
const MAX_HOUSEHOLD_ROWS: usize = 100;

const REQUIRED: &str = "required, but empty (必填项为空)";
const GRADE_NEEDED: &str =
    "a disability kind needs a disability grade (填写残疾类别时须填残疾等级)";
const KIND_NEEDED: &str = "a disability grade needs a disability kind (填写残疾等级时须填残疾类别)";
const STATUS_NEEDED: &str = "a student stage needs a student status (填写在校学段时须填在校状态)";
const STAGE_NEEDED: &str = "a student status needs a student stage (填写在校状态时须填在校学段)";
const NOT_CONTIGUOUS: &str = "household rows must be contiguous: this household number already appeared above (同一户的行应连续)";
const TWICE_IN_HOUSEHOLD: &str = "this person is listed twice in the household (本户成员重复)";
const TOO_MANY_MEMBERS: &str =
    "a household has at most 100 rows; check the household numbers (每户最多100行，请核对户编号)";
const IN_OTHER_HOUSEHOLD: &str =
    "this person is already listed in another household of the file (此人已在其他户中)";

/// Reads households from a registry file, one item per household: the
/// household, or every error found in its rows.
pub struct HouseholdReader {
    table: TableReader,
    map: HeaderMap,
    today: NaiveDate,
    /// First row of the next household, read ahead.
    pending: Option<Record>,
    seen_households: SeenNumbers,
    seen_people: HashSet<u64>,
    last_line: usize,
    done: bool,
}

/// Rows sharing one household number, and errors met while reading them.
#[derive(Default)]
struct Group {
    rows: Vec<Record>,
    errors: Vec<RowError>,
    /// Rows beyond [`MAX_HOUSEHOLD_ROWS`], counted but not kept.
    dropped: usize,
}

impl HouseholdReader {
    /// Checks the header row; `today` bounds birth dates in ID numbers.
    pub fn new(table: TableReader, today: NaiveDate) -> Result<Self, TabularError> {
        let map = HeaderMap::resolve(table.headers(), HOUSEHOLD_COLUMNS)?;
        let last_line = table.header_line();
        Ok(HouseholdReader {
            table,
            map,
            today,
            pending: None,
            seen_households: SeenNumbers::default(),
            seen_people: HashSet::new(),
            last_line,
            done: false,
        })
    }

    /// Columns the format does not know (1-based column, header): a warning.
    pub fn unknown_columns(&self) -> &[(usize, String)] {
        &self.map.unknown
    }

    /// Where each column sits in this file.
    pub fn header_map(&self) -> &HeaderMap {
        &self.map
    }

    /// The next row or row error; a fatal error (I/O, damaged workbook) is
    /// reported once and ends the file.
    fn next_record(&mut self) -> Option<Result<Record, RowError>> {
        if self.done {
            return None;
        }
        let (line, reason) = match self.table.next()? {
            Ok(rec) => {
                self.last_line = rec.line;
                return Some(Ok(rec));
            }
            Err(TabularError::Malformed { line, reason }) => (line, reason),
            Err(fatal) => {
                self.done = true;
                (self.last_line + 1, fatal.to_string())
            }
        };
        self.last_line = self.last_line.max(line);
        Some(Err(RowError {
            line,
            column: None,
            header: None,
            reason,
        }))
    }

    /// Collects the rows of the next household (a row without a household
    /// number stands alone).
    fn next_group(&mut self) -> Option<Group> {
        let mut group = Group::default();
        group.rows.extend(self.pending.take());
        while let Some(item) = self.next_record() {
            let rec = match item {
                Ok(rec) => rec,
                Err(e) => {
                    group.errors.push(e);
                    continue;
                }
            };
            let same = match group.rows.first() {
                None => true,
                Some(first) => self
                    .map
                    .get(&rec, NUMBER)
                    .is_some_and(|n| Some(n) == self.map.get(first, NUMBER)),
            };
            if !same {
                self.pending = Some(rec);
                break;
            }
            if group.rows.len() < MAX_HOUSEHOLD_ROWS {
                group.rows.push(rec);
            } else {
                group.dropped += 1;
            }
        }
        (!group.rows.is_empty() || !group.errors.is_empty()).then_some(group)
    }

    /// Validates a group's rows and builds its household.
    fn build(&mut self, group: Group) -> Result<ParsedHousehold, Vec<RowError>> {
        let Group {
            rows,
            mut errors,
            dropped,
        } = group;
        let Some(first) = rows.first() else {
            return Err(errors);
        };
        if dropped > 0 {
            errors.push(error_at(&self.map, first.line, NUMBER, TOO_MANY_MEMBERS));
        }
        if let Some(number) = self.map.get(first, NUMBER)
            && !self.seen_households.insert(number)
        {
            errors.push(error_at(&self.map, first.line, NUMBER, NOT_CONTIGUOUS));
        }
        let parts: Vec<_> = rows
            .iter()
            .map(|r| parse_part(&mut RowCx::new(&self.map, r, &mut errors)))
            .collect();
        check_agreement(&self.map, &rows, &parts, &mut errors);
        let today = self.today;
        let members: Vec<_> = rows
            .iter()
            .map(|r| parse_member(&mut RowCx::new(&self.map, r, &mut errors), today))
            .collect();
        self.check_people(&rows, &members, &mut errors);
        let built = match (
            parts.into_iter().next().flatten(),
            members.into_iter().collect::<Option<Vec<_>>>(),
        ) {
            (Some(part), Some(members)) if errors.is_empty() => {
                assemble(&self.map, part, &rows, members)
            }
            _ => Err(Vec::new()),
        };
        built.map_err(|more| {
            errors.extend(more);
            errors.sort_by_key(|e| (e.line, e.column));
            errors
        })
    }

    /// Flags a person listed twice, in this household or across households.
    fn check_people(
        &mut self,
        rows: &[Record],
        members: &[Option<Member>],
        errors: &mut Vec<RowError>,
    ) {
        let mut here = HashSet::new();
        for (rec, member) in rows.iter().zip(members) {
            let Some(m) = member else { continue };
            let key = id_key(&m.id_number);
            if !here.insert(key) {
                errors.push(error_at(&self.map, rec.line, ID, TWICE_IN_HOUSEHOLD));
            } else if !self.seen_people.insert(key) {
                errors.push(error_at(&self.map, rec.line, ID, IN_OTHER_HOUSEHOLD));
            }
        }
    }
}

impl Iterator for HouseholdReader {
    type Item = Result<ParsedHousehold, Vec<RowError>>;

    fn next(&mut self) -> Option<Self::Item> {
        let group = self.next_group()?;
        Some(self.build(group))
    }
}

/// A row error at the column of `key` (line only when the file lacks it).
fn error_at(map: &HeaderMap, line: usize, key: &str, reason: impl Into<String>) -> RowError {
    RowError {
        line,
        column: map.column_of(key),
        header: map.header_of(key).map(str::to_string),
        reason: reason.into(),
    }
}

/// Reads one row's cells, recording every failure.
struct RowCx<'a> {
    map: &'a HeaderMap,
    rec: &'a Record,
    errors: &'a mut Vec<RowError>,
}

impl<'a> RowCx<'a> {
    fn new(map: &'a HeaderMap, rec: &'a Record, errors: &'a mut Vec<RowError>) -> Self {
        RowCx { map, rec, errors }
    }

    fn fail(&mut self, key: &str, reason: impl Into<String>) {
        self.errors
            .push(error_at(self.map, self.rec.line, key, reason));
    }

    /// Fails at `key`, or at `other` when the file has no column `key`.
    fn fail_either(&mut self, key: &str, other: &str, reason: &str) {
        let at = if self.map.has(key) { key } else { other };
        self.fail(at, reason);
    }

    /// A required cell, parsed; `None` after recording why not.
    fn required<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.map.get(self.rec, key) {
            None => {
                self.fail(key, REQUIRED);
                None
            }
            Some(text) => parse(text).map_err(|reason| self.fail(key, reason)).ok(),
        }
    }

    /// An optional cell: `Some(None)` when blank, `None` after recording
    /// why it does not parse.
    fn optional<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.map.get(self.rec, key) {
            None => Some(None),
            Some(text) => parse(text)
                .map(Some)
                .map_err(|reason| self.fail(key, reason))
                .ok(),
        }
    }
}

/// The household's own columns, as read from one row.
#[derive(Debug, Clone, PartialEq)]
struct HouseholdPart {
    number: String,
    village: RegionCode,
    village_group: Option<String>,
    address: String,
    category: Option<Category>,
    formerly_registered_poor: bool,
    housing: HousingGrade,
    water: DrinkingWater,
    farmland_mu: f64,
    forest_mu: f64,
    income: Income,
    medical_expense: i64,
    schooling_expense: i64,
}

fn parse_part(cx: &mut RowCx<'_>) -> Option<HouseholdPart> {
    let number = cx.required(NUMBER, household_number);
    let village = cx.required(VILLAGE, village_code);
    let village_group = cx.optional(GROUP, free_text);
    let address = cx.required(ADDRESS, free_text);
    let category = cx.optional(CATEGORY, coded::<Category>);
    let poor = cx.required(POOR, parse_bool);
    let housing = cx.required(HOUSING, coded::<HousingGrade>);
    let water = cx.required(WATER, coded::<DrinkingWater>);
    let farmland = cx.optional(FARMLAND, parse_decimal);
    let forest = cx.optional(FOREST, parse_decimal);
    let wage = cx.optional(WAGE, money_yuan);
    let production = cx.optional(PRODUCTION, money_yuan);
    let property = cx.optional(PROPERTY, money_yuan);
    let transfer = cx.optional(TRANSFER, money_yuan);
    let medical = cx.optional(MEDICAL, money_yuan);
    let schooling = cx.optional(SCHOOLING, money_yuan);
    Some(HouseholdPart {
        number: number?,
        village: village?,
        village_group: village_group?,
        address: address?,
        category: category?,
        formerly_registered_poor: poor?,
        housing: housing?,
        water: water?,
        farmland_mu: farmland?.unwrap_or(0.0),
        forest_mu: forest?.unwrap_or(0.0),
        income: Income {
            wage: wage?.unwrap_or(0),
            production: production?.unwrap_or(0),
            property: property?.unwrap_or(0),
            transfer: transfer?.unwrap_or(0),
        },
        medical_expense: medical?.unwrap_or(0),
        schooling_expense: schooling?.unwrap_or(0),
    })
}

/// Flags each household column of a later row that differs from the first row.
fn check_agreement(
    map: &HeaderMap,
    rows: &[Record],
    parts: &[Option<HouseholdPart>],
    errors: &mut Vec<RowError>,
) {
    let (Some(first_row), Some(Some(first))) = (rows.first(), parts.first()) else {
        return;
    };
    for (rec, part) in rows.iter().zip(parts).skip(1) {
        let Some(part) = part else { continue };
        for key in differing_columns(first, part) {
            let reason = format!(
                "differs from the household's first row, line {} (与本户第一行不一致)",
                first_row.line
            );
            errors.push(error_at(map, rec.line, key, reason));
        }
    }
}

/// Keys of the household columns where `a` and `b` differ.
fn differing_columns(a: &HouseholdPart, b: &HouseholdPart) -> Vec<&'static str> {
    let checks = [
        (VILLAGE, a.village == b.village),
        (GROUP, a.village_group == b.village_group),
        (ADDRESS, a.address == b.address),
        (CATEGORY, a.category == b.category),
        (
            POOR,
            a.formerly_registered_poor == b.formerly_registered_poor,
        ),
        (HOUSING, a.housing == b.housing),
        (WATER, a.water == b.water),
        (FARMLAND, a.farmland_mu == b.farmland_mu),
        (FOREST, a.forest_mu == b.forest_mu),
        (WAGE, a.income.wage == b.income.wage),
        (PRODUCTION, a.income.production == b.income.production),
        (PROPERTY, a.income.property == b.income.property),
        (TRANSFER, a.income.transfer == b.income.transfer),
        (MEDICAL, a.medical_expense == b.medical_expense),
        (SCHOOLING, a.schooling_expense == b.schooling_expense),
    ];
    checks
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(key, _)| key)
        .collect()
}

fn parse_member(cx: &mut RowCx<'_>, today: NaiveDate) -> Option<Member> {
    let id = cx.required(ID, |s| {
        IdNumber::parse_at(s, today).map_err(|e| e.to_string())
    });
    let name = cx.required(NAME, person_name);
    let relation = cx.required(RELATION, coded::<Relation>);
    let labor = cx.required(LABOR, coded::<LaborCapacity>);
    let kind = cx.optional(DISABILITY_KIND, coded::<DisabilityKind>);
    let grade = cx.optional(DISABILITY_GRADE, disability_grade);
    let illness = cx.required(ILLNESS, coded::<Illness>);
    let stage = cx.optional(STAGE, coded::<StudentStage>);
    let status = cx.optional(STATUS, coded::<StudentStatus>);
    let insurance = cx.required(INSURANCE, coded::<InsuranceStatus>);
    let employment = cx.required(EMPLOYMENT, coded::<EmploymentStatus>);
    let phone = cx.optional(PHONE, mobile_phone);
    let disability_ok = check_pair(
        cx,
        (&kind, &grade),
        (DISABILITY_KIND, DISABILITY_GRADE),
        (GRADE_NEEDED, KIND_NEEDED),
    );
    let student_ok = check_pair(
        cx,
        (&stage, &status),
        (STAGE, STATUS),
        (STATUS_NEEDED, STAGE_NEEDED),
    );
    let member = Member {
        id_number: id?,
        name: name?,
        relation: relation?,
        labor: labor?,
        disability_kind: kind?,
        disability_grade: grade?,
        illness: illness?,
        student_stage: stage?,
        student_status: status?,
        insurance: insurance?,
        employment: employment?,
        phone: phone?,
    };
    (disability_ok && student_ok).then_some(member)
}

/// Disability kind and grade, student stage and status: both or neither.
/// `keys` and `reasons` are (first, second) and (second needed, first
/// needed); cells that failed to parse (`None`) are not judged again.
fn check_pair<A, B>(
    cx: &mut RowCx<'_>,
    pair: (&Option<Option<A>>, &Option<Option<B>>),
    keys: (&str, &str),
    reasons: (&str, &str),
) -> bool {
    match pair {
        (Some(Some(_)), Some(None)) => cx.fail_either(keys.1, keys.0, reasons.0),
        (Some(None), Some(Some(_))) => cx.fail_either(keys.0, keys.1, reasons.1),
        _ => return true,
    }
    false
}

/// Builds the household from valid rows, head first, and applies the
/// domain's own rules.
fn assemble(
    map: &HeaderMap,
    part: HouseholdPart,
    rows: &[Record],
    mut members: Vec<Member>,
) -> Result<ParsedHousehold, Vec<RowError>> {
    let mut member_lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    let first_line = member_lines.first().copied().unwrap_or(0);
    if let Some(head) = members.iter().position(|m| m.relation == Relation::Head) {
        members[..=head].rotate_right(1);
        member_lines[..=head].rotate_right(1);
    }
    let household = Household {
        number: part.number,
        village: part.village,
        village_group: part.village_group,
        address: part.address,
        category: part.category,
        formerly_registered_poor: part.formerly_registered_poor,
        housing: part.housing,
        water: part.water,
        farmland_mu: part.farmland_mu,
        forest_mu: part.forest_mu,
        income: part.income,
        medical_expense: part.medical_expense,
        schooling_expense: part.schooling_expense,
        members,
    };
    match household.validate() {
        Ok(()) => Ok(ParsedHousehold {
            household,
            first_line,
            member_lines,
        }),
        Err(e @ HouseholdError::Heads(_)) => {
            let heads = household.members.iter().enumerate();
            let mut head_lines = heads.filter(|(_, m)| m.relation == Relation::Head);
            // With two heads, point at the second; with none, at the first row.
            let line = head_lines
                .nth(1)
                .map_or(first_line, |(i, _)| member_lines[i]);
            Err(vec![error_at(map, line, RELATION, e.to_string())])
        }
        Err(e) => Err(vec![RowError {
            line: first_line,
            column: None,
            header: None,
            reason: e.to_string(),
        }]),
    }
}

/// Household numbers seen so far, kept small: all-digit numbers (the usual
/// case) as integers tagged with their length, others as text.
#[derive(Default)]
struct SeenNumbers {
    digits: HashSet<u128>,
    other: HashSet<String>,
}

impl SeenNumbers {
    /// Records `number`; false when it was seen before.
    fn insert(&mut self, number: &str) -> bool {
        let all_digits =
            !number.is_empty() && number.len() <= 36 && number.bytes().all(|b| b.is_ascii_digit());
        match number.parse::<u128>() {
            // 10^36 * 64 < 2^128, so value and length never collide.
            Ok(value) if all_digits => self.digits.insert(value * 64 + number.len() as u128),
            _ => self.other.insert(number.to_string()),
        }
    }
}

/// An ID number as a base-11 integer (`X` = 10): exact, 8 bytes.
fn id_key(id: &IdNumber) -> u64 {
    id.as_str().bytes().fold(0, |acc, b| {
        acc * 11 + if b == b'X' { 10 } else { u64::from(b - b'0') }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn household_numbers_keep_leading_zeros_apart() {
        let mut seen = SeenNumbers::default();
        assert!(seen.insert("0012"));
        assert!(seen.insert("12"));
        assert!(seen.insert("A-12"));
        assert!(!seen.insert("0012"));
        assert!(!seen.insert("A-12"));
    }

    #[test]
    fn id_keys_are_exact() {
        let id = IdNumber::parse_at("11010519491231002X", NaiveDate::MAX).expect("valid");
        assert_eq!(id_key(&id) % 11, 10);
        let birth = NaiveDate::from_ymd_opt(1990, 5, 6).expect("valid date");
        let keys: HashSet<u64> = (1..=999)
            .filter_map(|seq| IdNumber::from_parts("520526", birth, seq))
            .map(|id| id_key(&id))
            .collect();
        assert_eq!(keys.len(), 999);
    }
}
