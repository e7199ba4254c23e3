//! Masking of personal data for display: ID numbers as first 6 + last 4,
//! phones as first 3 + last 4, names as their first character (the
//! functions are the application layer's, `dixian_app::views`, which also
//! builds the household views). ID numbers and phones are masked for every
//! role by default; a role whose work needs them reveals one record by an
//! explicit, audited action (`dixian_store::privacy`), and only then is the
//! masking skipped. `redact` masks a warning's JSON (the screening area).

use serde::Deserialize;
use serde_json::Value;

/// A record as JSON for the masking below. Our own types always
/// serialize; a failure is an internal error (500), not the caller's.
pub fn to_json<T: serde::Serialize>(record: &T) -> crate::error::ApiResult<Value> {
    serde_json::to_value(record).map_err(|e| {
        dixian_store::StoreError::Integrity(format!("a record could not be shown: {e}")).into()
    })
}

pub use dixian_app::views::{mask_id, mask_name, mask_phone};

/// Masks `id_number`, `head_id_number`, `person_id_number`,
/// `declarant_id_number`, `phone` and `declarant_phone` fields anywhere in
/// a JSON value (a department row's evidence is an object like any other).
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match (k.as_str(), &x) {
                    (
                        "id_number" | "head_id_number" | "person_id_number" | "declarant_id_number",
                        Value::String(s),
                    ) => *x = Value::String(mask_id(s)),
                    ("phone" | "declarant_phone", Value::String(s)) => {
                        *x = Value::String(mask_phone(s))
                    }
                    _ => redact(x),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// `?reveal=true&reason=…` of an API read that may show personal data in
/// full: without it the answer is masked; with it the store records the
/// reveal (who, which record, the reason) before anything is shown.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// `true` shows ID numbers and phones in full, for roles whose work
    /// needs them (村, 乡, 县; others get 403); each reveal is audited.
    #[serde(default)]
    pub reveal: bool,
    /// Why (optional; kept in the audit row, at most 200 characters).
    pub reason: Option<String>,
}

/// The form of a page's "show in full" button.
#[derive(Debug, Default, Deserialize)]
pub struct RevealForm {
    /// Why (optional).
    #[serde(default)]
    pub reason: String,
}

/// A moment as China time to the minute, the way every page shows it.
pub fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&cst).format("%Y-%m-%d %H:%M").to_string()
}
