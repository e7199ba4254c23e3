//! The OpenAPI document says what the API takes and gives: every enum in
//! the served `/api/v1/openapi.json` lists exactly the values serde reads
//! and writes for its type (`self_declared`, not `SelfDeclared`). A new
//! enum in the document must be added to the table below.

mod common;

use dixian_domain::attachment::AttachmentKind;

use common::Backend;
use dixian_app::exchange::RecordType;
use dixian_domain::alerts::{AlertStatus, EventSource};
use dixian_domain::assistance::{
    AdjustReason, ChainRule, Department, MeasureEffect, MeasureKind, MeasureSource, MeasureStatus,
    PlanStatus,
};
use dixian_domain::case::{EliminationCriterion, Finding};
use dixian_domain::{
    Assistance, CaseStage, Category, Channel, DisabilityKind, DrinkingWater, EmploymentStatus,
    EventKind, HousingGrade, Illness, InsuranceStatus, LaborCapacity, RegionLevel, Relation,
    RiskType, Role, StatusColour, StudentStage, StudentStatus,
};
use dixian_store::assistance::{ListBatchOutcome, ListBatchSummary};
use dixian_store::cases::{LeadStatus, NoticeKind, PublicStatus, TimelineKind};
use dixian_store::feeds::{BatchOutcome, BatchSummary};
use dixian_store::figure_households::FigureKind;
use dixian_store::jobs::{JobKind, JobStatus, Phase};
use dixian_store::key_counties::KeyLevel;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// How the values of one schema are checked.
enum Known {
    /// Read and written: each value deserializes and serializes back to
    /// itself; `all`, when known, is the complete list of values.
    Input {
        roundtrip: fn(&Value) -> Result<Value, String>,
        all: Option<Vec<String>>,
    },
    /// An internally tagged input: `{tag: value}` names a variant (the
    /// other fields may be missing, the variant may not be unknown).
    Tagged {
        tag: &'static str,
        parse: fn(&Value) -> Result<(), String>,
    },
    /// Written only: the values serde writes for every variant.
    Output {
        tag: Option<&'static str>,
        all: Vec<Value>,
    },
}

fn roundtrip<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&t).map_err(|e| e.to_string())
}

fn parse<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(v.clone())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

macro_rules! coded {
    ($($t:ident),+ $(,)?) => {
        vec![$((stringify!($t), Known::Input {
            roundtrip: roundtrip::<$t>,
            all: Some($t::ALL.iter().map(|v| v.code().to_string()).collect()),
        })),+]
    };
}

macro_rules! plain {
    ($($t:ident),+ $(,)?) => {
        vec![$((stringify!($t), Known::Input { roundtrip: roundtrip::<$t>, all: None })),+]
    };
}

fn output<T: Serialize>(tag: Option<&'static str>, all: &[T]) -> Known {
    Known::Output {
        tag,
        all: all
            .iter()
            .map(|v| serde_json::to_value(v).unwrap())
            .collect(),
    }
}

fn table() -> BTreeMap<&'static str, Known> {
    let mut t: BTreeMap<&'static str, Known> = BTreeMap::new();
    t.extend(coded!(
        AdjustReason,
        AlertStatus,
        EventSource,
        Assistance,
        AttachmentKind,
        CaseStage,
        Category,
        ChainRule,
        Channel,
        Department,
        DisabilityKind,
        DrinkingWater,
        EliminationCriterion,
        EmploymentStatus,
        EventKind,
        Finding,
        HousingGrade,
        Illness,
        InsuranceStatus,
        LaborCapacity,
        MeasureKind,
        MeasureSource,
        MeasureStatus,
        Relation,
        RiskType,
        StudentStage,
        StudentStatus,
        Department,
        MeasureEffect,
        MeasureKind,
        MeasureSource,
        MeasureStatus,
        PlanStatus,
        StatusColour,
        FigureKind,
        KeyLevel,
        RecordType,
    ));
    t.extend(plain!(RegionLevel, Role, LeadStatus));
    t.insert(
        "CaseEvent",
        Known::Tagged {
            tag: "kind",
            parse: parse::<dixian_domain::CaseEvent>,
        },
    );
    // background jobs: written only
    t.insert("JobKind", output(None, JobKind::ALL));
    t.insert("JobStatus", output(None, JobStatus::ALL));
    t.insert("Phase", output(None, Phase::ALL));
    t.insert(
        "NoticeKind",
        output(None, &[NoticeKind::Identification, NoticeKind::Elimination]),
    );
    t.insert(
        "TimelineKind",
        output(
            None,
            &[
                TimelineKind::Lead,
                TimelineKind::Registry,
                TimelineKind::CaseEvent,
                TimelineKind::Warning,
            ],
        ),
    );
    t.insert(
        "PublicStatus",
        output(
            None,
            &[
                PublicStatus::Received,
                PublicStatus::InReview,
                PublicStatus::Monitored,
                PublicStatus::NotIncluded,
                PublicStatus::RiskEliminated,
                PublicStatus::Closed,
            ],
        ),
    );
    t.insert(
        "BatchOutcome",
        output(
            Some("outcome"),
            &[
                BatchOutcome::Loaded(BatchSummary {
                    batch_id: 1,
                    rows: 0,
                    matched: 0,
                    unknown: 0,
                    unknown_lines: Vec::new(),
                    duplicates: 0,
                }),
                BatchOutcome::AlreadyLoaded {
                    batch_id: 1,
                    imported_at: chrono::Utc::now(),
                },
            ],
        ),
    );
    t.insert(
        "ListBatchOutcome",
        output(
            Some("outcome"),
            &[
                ListBatchOutcome::Loaded(ListBatchSummary {
                    batch_id: 1,
                    rows: 0,
                    matched: 0,
                    unknown: 0,
                    unknown_lines: Vec::new(),
                }),
                ListBatchOutcome::AlreadyLoaded {
                    batch_id: 1,
                    imported_at: chrono::Utc::now(),
                },
            ],
        ),
    );
    t.insert(
        "Adopted",
        output(
            Some("outcome"),
            &[
                dixian_store::rule_sets::Adopted::Added { id: 1, version: 1 },
                dixian_store::rule_sets::Adopted::Unchanged { version: 1 },
            ],
        ),
    );
    t
}

/// Every `enum` under `v`, with its JSON pointer.
fn enums(v: &Value, at: &str, out: &mut Vec<(String, Vec<Value>)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(values)) = m.get("enum") {
                out.push((at.to_string(), values.clone()));
            }
            for (k, x) in m {
                enums(x, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                enums(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Checks one schema's enums; returns what is wrong.
fn check(name: &str, found: &[(String, Vec<Value>)], known: &Known) -> Vec<String> {
    let mut wrong = Vec::new();
    let top = format!("/components/schemas/{name}");
    let at_tag = |tag: &str, p: &str| p.ends_with(&format!("/properties/{tag}"));
    match known {
        Known::Input { roundtrip, all } => {
            for (p, values) in found {
                if *p != top {
                    wrong.push(format!(
                        "{p}: an enum inside {name} this test does not know"
                    ));
                    continue;
                }
                for v in values {
                    match roundtrip(v) {
                        Ok(back) if back == *v => {}
                        Ok(back) => wrong.push(format!("{p}: {v} is read but written as {back}")),
                        Err(e) => wrong.push(format!("{p}: {v} is not accepted: {e}")),
                    }
                }
                if let Some(all) = all {
                    let doc: BTreeSet<String> = values
                        .iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect();
                    let codes: BTreeSet<String> = all.iter().cloned().collect();
                    if doc != codes {
                        wrong.push(format!("{p}: documents {doc:?}, the codes are {codes:?}"));
                    }
                }
            }
        }
        Known::Tagged { tag, parse } => {
            for (p, values) in found {
                if !at_tag(tag, p) {
                    wrong.push(format!("{p}: an enum inside {name} that is not its tag"));
                    continue;
                }
                for v in values {
                    if let Err(e) = parse(&json!({ *tag: v }))
                        && e.contains("unknown variant")
                    {
                        wrong.push(format!("{p}: tag {v} is not accepted: {e}"));
                    }
                }
            }
        }
        Known::Output { tag, all } => {
            let mut doc = BTreeSet::new();
            for (p, values) in found {
                let place_ok = match tag {
                    None => *p == top,
                    Some(tag) => at_tag(tag, p),
                };
                if !place_ok {
                    wrong.push(format!(
                        "{p}: an enum inside {name} this test does not know"
                    ));
                }
                doc.extend(values.iter().map(Value::to_string));
            }
            let written: BTreeSet<String> = all
                .iter()
                .map(|v| match tag {
                    Some(tag) => v[*tag].to_string(),
                    None => v.to_string(),
                })
                .collect();
            if doc != written {
                wrong.push(format!(
                    "{top}: documents {doc:?}, serde writes {written:?}"
                ));
            }
        }
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_enum_value_is_what_serde_reads_and_writes() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let doc = app.openapi().await;
    let table = table();
    let mut wrong = Vec::new();
    let mut checked = 0;

    let mut in_paths = Vec::new();
    enums(&doc["paths"], "/paths", &mut in_paths);
    for (p, values) in &in_paths {
        wrong.push(format!(
            "{p}: an inline enum {values:?} this test does not know"
        ));
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for (name, schema) in schemas {
        let mut found = Vec::new();
        enums(schema, &format!("/components/schemas/{name}"), &mut found);
        if found.is_empty() {
            continue;
        }
        match table.get(name.as_str()) {
            Some(known) => {
                wrong.extend(check(name, &found, known));
                checked += 1;
            }
            None => wrong.push(format!(
                "{name}: has enums {found:?}; add its type to the table"
            )),
        }
    }
    for name in table.keys() {
        if !schemas.contains_key(*name) {
            wrong.push(format!("{name}: in the table but not in the document"));
        }
    }
    assert!(checked >= 20, "only {checked} enum schemas found");
    assert!(
        wrong.is_empty(),
        "{} problems:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
