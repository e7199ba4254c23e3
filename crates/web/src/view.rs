//! Masking of personal data for display: ID numbers as first 6 + last 4,
//! phones as first 3 + last 4, names as their first character, unless the
//! role's work needs them.

use dixian_domain::Role;
use serde_json::Value;

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

/// Masks `id_number` and `phone` fields anywhere in a JSON value unless
/// `role` sees personal data.
pub fn redact(v: &mut Value, role: Role) {
    if role.sees_personal_data() {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match (k.as_str(), &x) {
                    ("id_number" | "head_id_number", Value::String(s)) => {
                        *x = Value::String(mask_id(s))
                    }
                    ("phone", Value::String(s)) => *x = Value::String(mask_phone(s)),
                    _ => redact(x, role),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| redact(x, role)),
        _ => {}
    }
}

/// A moment as China time to the minute, the way every page shows it.
pub fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&cst).format("%Y-%m-%d %H:%M").to_string()
}

/// HTML-escapes text for the few pages built without a template.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain page saying what went wrong, with a way back.
pub fn error_page(
    t: &crate::i18n::Texts,
    status: axum::http::StatusCode,
    msg: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>{}</title><p>{}</p><p><a href=\"/\">←</a></p>",
        t.app,
        escape(msg)
    );
    (status, axum::response::Html(body)).into_response()
}
