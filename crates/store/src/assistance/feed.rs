//! Grants and stops of the 民政 feed (`assistance` rows: 新增/停发) on the
//! person's chain, in the transaction that stores the feed batch: a grant
//! becomes a measure (source `feed`) resting on its feed row; a stop ends
//! the person's ongoing measure of that kind.

use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Tx, q};
use crate::users::Actor;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::IdNumber;
use dixian_domain::assistance::{Department, Measure, MeasureKind, MeasureSource, MeasureStatus};
use std::collections::HashMap;

/// A row of the 民政 feed, as it bears on the chain.
#[derive(Debug, Clone)]
pub struct FeedMeasure {
    /// Line in the feed file.
    pub line: usize,
    /// The person.
    pub person: IdNumber,
    /// The kind granted or stopped.
    pub kind: MeasureKind,
    /// The amount (per month for 低保), in 分.
    pub amount_fen: i64,
    /// The day of the grant or stop.
    pub on: NaiveDate,
    /// 停发 (else 新增).
    pub stop: bool,
}

/// Attaches `items` of feed batch `batch_id` to the chains of the persons
/// registered in the region (`people`: ID number → household, village);
/// rows the batch did not store (duplicates of earlier batches) attach
/// nothing. Returns (grants, stops).
pub(crate) async fn attach(
    tx: &mut Tx,
    actor: &Actor,
    batch_id: i64,
    items: &[FeedMeasure],
    people: &HashMap<String, (i64, String)>,
    now: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    if items.is_empty() {
        return Ok((0, 0));
    }
    let stored: Vec<(i64, i64)> = tx
        .all(q("SELECT id, line FROM feed_rows WHERE batch_id = $1").bind(batch_id))
        .await?;
    let row_of: HashMap<usize, i64> = stored
        .into_iter()
        .map(|(id, line)| (line as usize, id))
        .collect();
    let (mut granted, mut stopped) = (0, 0);
    for it in items {
        let (Some(row), Some((household, village))) =
            (row_of.get(&it.line), people.get(it.person.as_str()))
        else {
            continue;
        };
        let hash = tx.data().id_hash(it.person.as_str());
        if it.stop {
            let open: Option<(i64, NaiveDate)> = tx
                .opt(
                    q("SELECT id, starts_on FROM measures WHERE person_hash = $1 AND kind = $2 AND status = $3
                       ORDER BY starts_on DESC, id DESC LIMIT 1")
                    .bind(hash.as_str())
                    .bind(it.kind.code())
                    .bind(MeasureStatus::Ongoing.code()),
                )
                .await?;
            if let Some((id, starts_on)) = open {
                tx.execute(
                    q("UPDATE measures SET status = $1, ends_on = $2, updated_at = $3, version = version + 1
                       WHERE id = $4")
                    .bind(MeasureStatus::Stopped.code())
                    .bind(it.on.max(starts_on))
                    .bind(now)
                    .bind(id),
                )
                .await?;
                stopped += 1;
            }
            continue;
        }
        let m = Measure {
            person: Some(it.person.clone()),
            kind: it.kind,
            department: Department::CivilAffairs,
            amount_fen: Some(it.amount_fen),
            starts_on: it.on,
            ends_on: None,
            status: MeasureStatus::Ongoing,
            source: MeasureSource::Feed,
            evidence: format!(
                "部门数据批次{batch_id}第{}行 (feed batch {batch_id}, line {})",
                it.line, it.line
            ),
        };
        let query =
            super::measures::insert_measure(tx, (*household, village), &m, None, actor, now);
        let (id,): (i64,) = tx.one(query).await?;
        tx.execute(
            q("UPDATE measures SET line = $1, feed_row_id = $2 WHERE id = $3")
                .bind(it.line as i64)
                .bind(*row)
                .bind(id),
        )
        .await?;
        granted += 1;
    }
    if granted + stopped > 0 {
        audit::record(
            tx,
            &[Change {
                user_id: actor.user_id,
                action: "attach",
                entity: "feed_measures",
                entity_id: batch_id.to_string(),
                region: Some(actor.scope.region.to_string()),
                before: None,
                after: Some(
                    serde_json::json!({"granted": granted, "stopped": stopped}).to_string(),
                ),
            }],
        )
        .await?;
    }
    Ok((granted, stopped))
}
