//! 案件附件: files attached to a case (the photo of the signed 承诺授权书,
//! deliberation minutes), kept in `case_attachments` with their name and
//! bytes sealed with the data key. Read like the case: out of the actor's
//! scope is `NotFound`; added only by the role that records the step the
//! case waits for (`domain::case::records_step`); every upload and every
//! download is an audit row (kind and size, never the name or content).

use super::{check_reads_cases, get_case};
use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, q};
use crate::users::Actor;
use chrono::{DateTime, Utc};
use dixian_domain::attachment::AttachmentKind;
use dixian_domain::case::records_step;
use serde::Serialize;
use serde_json::json;

/// An attachment as listed (without its bytes).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentInfo {
    /// Attachment id (`GET /attachments/{id}`).
    pub id: i64,
    /// The case it belongs to.
    pub case_id: i64,
    /// JPEG, PNG or PDF, as its bytes say.
    pub kind: AttachmentKind,
    /// The name it was uploaded under.
    pub file_name: String,
    /// The media type it is served with.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Who uploaded it (user id).
    pub uploaded_by: Option<i64>,
    /// Their display name.
    pub uploaded_by_name: Option<String>,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// An attachment with its bytes, for a download.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    /// What it is.
    pub info: AttachmentInfo,
    /// The file.
    pub bytes: Vec<u8>,
}

/// A file to attach: its type already found from its bytes.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    /// JPEG, PNG or PDF.
    pub kind: AttachmentKind,
    /// The name it was uploaded under.
    pub file_name: &'a str,
    /// The file.
    pub bytes: &'a [u8],
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    case_id: i64,
    village_code: String,
    kind: String,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    uploaded_by: Option<i64>,
    user_name: Option<String>,
    uploaded_at: DateTime<Utc>,
}

const COLS: &str = "a.id, a.case_id, a.village_code, a.kind, a.file_name, a.content_type, a.size_bytes, \
     a.uploaded_by, u.display_name AS user_name, a.uploaded_at";

impl Row {
    fn into_info(self, pool: &Pool) -> Result<AttachmentInfo, StoreError> {
        let kind = AttachmentKind::parse(&self.kind).ok_or_else(|| {
            StoreError::Integrity(format!(
                "attachment {}: unknown kind code {} (附件类型代码未知)",
                self.id, self.kind
            ))
        })?;
        Ok(AttachmentInfo {
            id: self.id,
            case_id: self.case_id,
            kind,
            file_name: pool
                .data()
                .open("case_attachments.file_name", &self.file_name)?,
            content_type: self.content_type,
            size_bytes: self.size_bytes,
            uploaded_by: self.uploaded_by,
            uploaded_by_name: self.user_name,
            uploaded_at: self.uploaded_at,
        })
    }
}

/// Attaches a file to case `case_id`: the case must lie in the actor's
/// scope (else `NotFound`) and the actor's role must record the step the
/// case waits for (else `Forbidden`). Sealed, audited in the same
/// transaction.
pub async fn add(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
    file: NewAttachment<'_>,
    now: DateTime<Utc>,
) -> Result<AttachmentInfo, StoreError> {
    let case = get_case(pool, actor, case_id).await?;
    if !records_step(case.case.stage, actor.scope.role) {
        return Err(StoreError::Forbidden);
    }
    let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
    let mut tx = pool.begin().await?;
    let name = tx.data().seal("case_attachments.file_name", file.file_name);
    let content = tx.data().seal_bytes("case_attachments.content", file.bytes);
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO case_attachments (case_id, village_code, kind, file_name, content_type, size_bytes, content, uploaded_by, uploaded_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(case_id)
            .bind(case.case.village.as_str())
            .bind(file.kind.code())
            .bind(name)
            .bind(file.kind.content_type())
            .bind(size)
            .bind(content)
            .bind(actor.user_id)
            .bind(now),
        )
        .await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "attach",
            entity: "case_attachment",
            entity_id: id.to_string(),
            region: Some(case.case.village.to_string()),
            before: None,
            after: Some(
                json!({ "case_id": case_id, "kind": file.kind.code(), "size_bytes": size })
                    .to_string(),
            ),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(AttachmentInfo {
        id,
        case_id,
        kind: file.kind,
        file_name: file.file_name.to_string(),
        content_type: file.kind.content_type().to_string(),
        size_bytes: size,
        uploaded_by: actor.user_id,
        uploaded_by_name: None,
        uploaded_at: now,
    })
}

/// The attachments of case `case_id` (in the actor's scope), oldest first.
pub async fn list(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
) -> Result<Vec<AttachmentInfo>, StoreError> {
    get_case(pool, actor, case_id).await?;
    let rows: Vec<Row> = pool
        .all(
            q(format!(
                "SELECT {COLS} FROM case_attachments a LEFT JOIN users u ON u.id = a.uploaded_by
                 WHERE a.case_id = $1 ORDER BY a.id"
            ))
            .bind(case_id),
        )
        .await?;
    rows.into_iter().map(|r| r.into_info(pool)).collect()
}

/// Attachment `id` with its bytes, if its case lies in the actor's scope
/// (else `NotFound`, as for an id that does not exist); the download is
/// an audit row.
pub async fn get(pool: &Pool, actor: &Actor, id: i64) -> Result<AttachmentFile, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let mut tx = pool.begin().await?;
    let row: Option<(Row, String)> = tx
        .opt::<RowWithContent>(
            q(format!(
                "SELECT {COLS}, a.content FROM case_attachments a LEFT JOIN users u ON u.id = a.uploaded_by
                 WHERE a.id = $1 AND a.village_code BETWEEN $2 AND $3"
            ))
            .bind(id)
            .bind(lo)
            .bind(hi),
        )
        .await?
        .map(|r| (r.row, r.content));
    let Some((row, content)) = row else {
        return Err(StoreError::NotFound);
    };
    let village = row.village_code.clone();
    let bytes = tx.data().open_bytes("case_attachments.content", &content)?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "download",
            entity: "case_attachment",
            entity_id: id.to_string(),
            region: Some(village),
            before: None,
            after: Some(
                json!({ "case_id": row.case_id, "size_bytes": row.size_bytes }).to_string(),
            ),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(AttachmentFile {
        info: row.into_info(pool)?,
        bytes,
    })
}

#[derive(sqlx::FromRow)]
struct RowWithContent {
    #[sqlx(flatten)]
    row: Row,
    content: String,
}
