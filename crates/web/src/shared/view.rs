//! Masking of personal data for display: ID numbers as first 6 + last 4,
//! phones as first 3 + last 4, names as their first character. ID numbers
//! and phones are masked for every role by default; a role whose work
//! needs them reveals one record by an explicit, audited action
//! (`dixian_store::privacy`), and only then is the masking skipped.

use serde::Deserialize;
use serde_json::Value;

/// A record as JSON for the masking below. Our own types always
/// serialize; a failure is an internal error (500), not the caller's.
pub fn to_json<T: serde::Serialize>(record: &T) -> crate::error::ApiResult<Value> {
    serde_json::to_value(record).map_err(|e| {
        dixian_store::StoreError::Integrity(format!("a record could not be shown: {e}")).into()
    })
}

/// `110105********002X` from a full ID number; anything else is hidden.
pub fn mask_id(id: &str) -> String {
    if id.len() == 18 && id.is_ascii() {
        format!("{}********{}", &id[..6], &id[14..])
    } else {
        "******".into()
    }
}

/// `138****1234` from a phone number.
pub fn mask_phone(p: &str) -> String {
    if p.len() >= 7 && p.is_ascii() {
        format!("{}****{}", &p[..3], &p[p.len() - 4..])
    } else {
        "****".into()
    }
}

/// `张*` / `欧阳**`: the first character of a name, the rest hidden.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

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

/// Puts the stored values back where a household sent for update carries
/// a member's ID number or phone as it was read, masked: so that a client
/// can read a household without revealing it, change its income and send
/// it back. A masked ID number is matched to the stored member at the same
/// position, else to the one stored member it masks (left as sent when
/// none or several match: the update is then refused as invalid); a
/// masked phone to the stored phone of the member so matched. A mask is
/// never a valid value, so nothing sent in full is ever replaced.
pub fn unmask_members(posted: &mut Value, stored: &dixian_domain::Household) {
    let Some(members) = posted.get_mut("members").and_then(Value::as_array_mut) else {
        return;
    };
    for (i, m) in members.iter_mut().enumerate() {
        let Some(obj) = m.as_object_mut() else {
            continue;
        };
        let matched = match obj.get("id_number").and_then(Value::as_str) {
            Some(sent) if sent.contains('*') => {
                let masks = |x: &&dixian_domain::Member| mask_id(x.id_number.as_str()) == sent;
                stored.members.get(i).filter(masks).or_else(|| {
                    let mut all = stored.members.iter().filter(masks);
                    match (all.next(), all.next()) {
                        (Some(one), None) => Some(one),
                        _ => None,
                    }
                })
            }
            Some(sent) => stored.members.iter().find(|x| x.id_number.as_str() == sent),
            None => None,
        };
        let Some(member) = matched else {
            continue;
        };
        let phone = match (
            obj.get("phone").and_then(Value::as_str),
            member.phone.as_deref(),
        ) {
            (Some(sent), Some(p)) if sent.contains('*') && mask_phone(p) == sent => Some(p),
            _ => None,
        };
        obj.insert("id_number".into(), member.id_number.as_str().into());
        if let Some(p) = phone {
            obj.insert("phone".into(), p.into());
        }
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
