//! Household and member forms of the pages: which fields they show, and
//! turning the posted form back into domain records with every problem
//! named by its field.

use crate::i18n::Texts;
use dixian_domain::{
    DisabilityKind, DrinkingWater, EmploymentStatus, Household, HousingGrade, IdNumber, Illness,
    Income, InsuranceStatus, LaborCapacity, Member, RegionCode, Relation, StudentStage,
    StudentStatus,
};
use std::collections::HashMap;

/// One input of a form.
pub struct Field {
    /// Form name.
    pub name: &'static str,
    /// Label shown.
    pub label: &'static str,
    /// Current value.
    pub value: String,
    /// Must be filled.
    pub required: bool,
    /// Shown but not editable.
    pub readonly: bool,
    /// Choices (code, label); empty for a text input.
    pub options: Vec<(String, String)>,
    /// Keyboard hint for phones.
    pub inputmode: &'static str,
}

fn text(name: &'static str, label: &'static str, value: String, required: bool) -> Field {
    Field {
        name,
        label,
        value,
        required,
        readonly: false,
        options: Vec::new(),
        inputmode: "text",
    }
}

fn number(name: &'static str, label: &'static str, value: String) -> Field {
    Field {
        inputmode: "decimal",
        ..text(name, label, value, false)
    }
}

fn choice(
    name: &'static str,
    label: &'static str,
    value: String,
    options: Vec<(String, String)>,
) -> Field {
    Field {
        options,
        ..text(name, label, value, true)
    }
}

/// Options of a coded enum in the page's language, optionally led by "none".
macro_rules! options {
    ($t:expr, $ty:ty, $none:expr) => {{
        let mut v: Vec<(String, String)> = Vec::new();
        if $none {
            v.push((String::new(), $t.none.to_string()));
        }
        v.extend(
            <$ty>::ALL
                .iter()
                .map(|x| (x.code().to_string(), $t.label(*x).to_string())),
        );
        v
    }};
}

fn yes_no(t: &Texts) -> Vec<(String, String)> {
    vec![("false".into(), t.no.into()), ("true".into(), t.yes.into())]
}

/// The household-level fields, filled from `h` (or empty for a new one).
pub fn household_fields(
    t: &Texts,
    h: Option<&Household>,
    villages: Vec<(String, String)>,
    editing: bool,
) -> Vec<Field> {
    let v = |f: fn(&Household) -> String| h.map(f).unwrap_or_default();
    let mut number_field = text("number", t.number, v(|h| h.number.clone()), true);
    number_field.readonly = editing;
    vec![
        number_field,
        choice("village", t.village, v(|h| h.village.to_string()), villages),
        text(
            "village_group",
            t.village_group,
            v(|h| h.village_group.clone().unwrap_or_default()),
            false,
        ),
        text("address", t.address, v(|h| h.address.clone()), true),
        choice(
            "formerly_poor",
            t.formerly_poor,
            v(|h| h.formerly_registered_poor.to_string()),
            yes_no(t),
        ),
        choice(
            "housing",
            t.housing,
            v(|h| h.housing.code().into()),
            options!(t, HousingGrade, false),
        ),
        choice(
            "water",
            t.water,
            v(|h| h.water.code().into()),
            options!(t, DrinkingWater, false),
        ),
        number("farmland_mu", t.farmland, v(|h| h.farmland_mu.to_string())),
        number("forest_mu", t.forest, v(|h| h.forest_mu.to_string())),
        number("wage", t.wage, v(|h| h.income.wage.to_string())),
        number(
            "production",
            t.production,
            v(|h| h.income.production.to_string()),
        ),
        number("property", t.property, v(|h| h.income.property.to_string())),
        number("transfer", t.transfer, v(|h| h.income.transfer.to_string())),
        number(
            "medical_expense",
            t.medical_expense,
            v(|h| h.medical_expense.to_string()),
        ),
        number(
            "schooling_expense",
            t.schooling_expense,
            v(|h| h.schooling_expense.to_string()),
        ),
    ]
}

/// The member fields, filled from `m` (or empty), names prefixed `m_`.
pub fn member_fields(t: &Texts, m: Option<&Member>) -> Vec<Field> {
    let v = |f: fn(&Member) -> String| m.map(f).unwrap_or_default();
    let grades = std::iter::once((String::new(), t.none.to_string()))
        .chain((1..=4).map(|g| (g.to_string(), g.to_string())))
        .collect();
    vec![
        Field {
            inputmode: "numeric",
            ..text(
                "m_id_number",
                t.id_number,
                v(|m| m.id_number.as_str().into()),
                true,
            )
        },
        text("m_name", t.name, v(|m| m.name.clone()), true),
        choice(
            "m_relation",
            t.relation,
            v(|m| m.relation.code().into()),
            options!(t, Relation, false),
        ),
        choice(
            "m_labor",
            t.labor,
            v(|m| m.labor.code().into()),
            options!(t, LaborCapacity, false),
        ),
        choice(
            "m_illness",
            t.health,
            v(|m| m.illness.code().into()),
            options!(t, Illness, false),
        ),
        Field {
            required: false,
            ..choice(
                "m_disability_kind",
                t.disability,
                v(|m| {
                    m.disability_kind
                        .map(|d| d.code().to_string())
                        .unwrap_or_default()
                }),
                options!(t, DisabilityKind, true),
            )
        },
        Field {
            required: false,
            ..choice(
                "m_disability_grade",
                t.disability_grade,
                v(|m| {
                    m.disability_grade
                        .map(|g| g.to_string())
                        .unwrap_or_default()
                }),
                grades,
            )
        },
        Field {
            required: false,
            ..choice(
                "m_student_stage",
                t.school,
                v(|m| {
                    m.student_stage
                        .map(|s| s.code().to_string())
                        .unwrap_or_default()
                }),
                options!(t, StudentStage, true),
            )
        },
        Field {
            required: false,
            ..choice(
                "m_student_status",
                t.student_status,
                v(|m| {
                    m.student_status
                        .map(|s| s.code().to_string())
                        .unwrap_or_default()
                }),
                options!(t, StudentStatus, true),
            )
        },
        choice(
            "m_insurance",
            t.insurance,
            v(|m| m.insurance.code().into()),
            options!(t, InsuranceStatus, false),
        ),
        choice(
            "m_employment",
            t.employment,
            v(|m| m.employment.code().into()),
            options!(t, EmploymentStatus, false),
        ),
        Field {
            inputmode: "tel",
            ..text(
                "m_phone",
                t.phone,
                v(|m| m.phone.clone().unwrap_or_default()),
                false,
            )
        },
    ]
}

/// A posted form, read field by field; problems are collected, not thrown.
pub struct Posted<'a> {
    form: &'a HashMap<String, String>,
    /// The page's language, for the problems' text.
    t: &'a Texts,
    /// Problems found, each naming its field.
    pub errors: Vec<String>,
}

impl<'a> Posted<'a> {
    /// Wraps a posted form.
    pub fn new(form: &'a HashMap<String, String>, t: &'a Texts) -> Self {
        Posted {
            form,
            t,
            errors: Vec::new(),
        }
    }

    fn raw(&self, name: &str) -> &str {
        self.form.get(name).map(|s| s.trim()).unwrap_or("")
    }

    fn fail<T>(&mut self, label: &str, why: &str) -> Option<T> {
        self.errors.push(format!("{label}: {why}"));
        None
    }

    fn req(&mut self, name: &str, label: &str) -> Option<String> {
        let v = self.raw(name).to_string();
        if v.is_empty() {
            self.fail(label, self.t.required)
        } else {
            Some(v)
        }
    }

    fn opt(&self, name: &str) -> Option<String> {
        Some(self.raw(name).to_string()).filter(|s| !s.is_empty())
    }

    fn coded<T>(&mut self, name: &str, label: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
        let raw = self.raw(name).to_string();
        parse(&raw).or_else(|| self.fail(label, self.t.unknown_value))
    }

    fn opt_coded<T>(
        &mut self,
        name: &str,
        label: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.opt(name) {
            None => Some(None),
            Some(raw) => parse(&raw)
                .map(Some)
                .or_else(|| self.fail(label, self.t.unknown_value)),
        }
    }

    fn money(&mut self, name: &str, label: &str) -> Option<i64> {
        let raw = self.raw(name).replace(',', "");
        if raw.is_empty() {
            return Some(0);
        }
        match raw.parse::<f64>() {
            Ok(v) if v >= 0.0 && v.is_finite() => Some(v.round() as i64),
            _ => self.fail(label, self.t.non_negative),
        }
    }

    fn area(&mut self, name: &str, label: &str) -> Option<f64> {
        let raw = self.raw(name).to_string();
        if raw.is_empty() {
            return Some(0.0);
        }
        match raw.parse::<f64>() {
            Ok(v) if v >= 0.0 && v.is_finite() => Some(v),
            _ => self.fail(label, self.t.non_negative),
        }
    }

    /// The household fields (members are added separately).
    pub fn household(&mut self, t: &Texts, members: Vec<Member>) -> Option<Household> {
        let number = self.req("number", t.number);
        let village = self
            .req("village", t.village)
            .and_then(|v| match RegionCode::parse(&v) {
                Ok(c) => Some(c),
                Err(e) => self.fail(t.village, &e.to_string()),
            });
        let address = self.req("address", t.address);
        let formerly = self.raw("formerly_poor") == "true";
        let housing = self.coded("housing", t.housing, HousingGrade::parse);
        let water = self.coded("water", t.water, DrinkingWater::parse);
        let farmland = self.area("farmland_mu", t.farmland);
        let forest = self.area("forest_mu", t.forest);
        let wage = self.money("wage", t.wage);
        let production = self.money("production", t.production);
        let property = self.money("property", t.property);
        let transfer = self.money("transfer", t.transfer);
        let medical = self.money("medical_expense", t.medical_expense);
        let schooling = self.money("schooling_expense", t.schooling_expense);
        Some(Household {
            number: number?,
            village: village?,
            village_group: self.opt("village_group"),
            address: address?,
            // Set by the workflow only (county approval, migration).
            category: None,
            formerly_registered_poor: formerly,
            housing: housing?,
            water: water?,
            farmland_mu: farmland?,
            forest_mu: forest?,
            income: Income {
                wage: wage?,
                production: production?,
                property: property?,
                transfer: transfer?,
            },
            medical_expense: medical?,
            schooling_expense: schooling?,
            members,
        })
    }

    /// The member fields (`m_` prefix).
    pub fn member(&mut self, t: &Texts) -> Option<Member> {
        let id =
            self.req("m_id_number", t.id_number)
                .and_then(|raw| match raw.parse::<IdNumber>() {
                    Ok(id) => Some(id),
                    Err(e) => self.fail(t.id_number, &e.to_string()),
                });
        let name = self.req("m_name", t.name);
        let relation = self.coded("m_relation", t.relation, Relation::parse);
        let labor = self.coded("m_labor", t.labor, LaborCapacity::parse);
        let illness = self.coded("m_illness", t.health, Illness::parse);
        let dkind = self.opt_coded("m_disability_kind", t.disability, DisabilityKind::parse);
        let dgrade = self.opt_coded("m_disability_grade", t.disability_grade, |s| {
            s.parse::<u8>().ok().filter(|g| (1..=4).contains(g))
        });
        let stage = self.opt_coded("m_student_stage", t.school, StudentStage::parse);
        let status = self.opt_coded("m_student_status", t.student_status, StudentStatus::parse);
        let insurance = self.coded("m_insurance", t.insurance, InsuranceStatus::parse);
        let employment = self.coded("m_employment", t.employment, EmploymentStatus::parse);
        let phone = self.opt("m_phone");
        if phone
            .as_deref()
            .is_some_and(|p| p.len() != 11 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            self.errors.push(format!("{}: {}", t.phone, t.mobile_11));
        }
        Some(Member {
            id_number: id?,
            name: name?,
            relation: relation?,
            labor: labor?,
            disability_kind: dkind?,
            disability_grade: dgrade?,
            illness: illness?,
            student_stage: stage?,
            student_status: status?,
            insurance: insurance?,
            employment: employment?,
            phone,
        })
    }

    /// The version field.
    pub fn version(&self) -> i64 {
        self.raw("version").parse().unwrap_or(0)
    }
}
