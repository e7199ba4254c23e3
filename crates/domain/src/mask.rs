//! How personal data is masked wherever it is shown in part: on screen,
//! in lists, in the audit trail. One definition each; the app's views and
//! the store's audit records use these.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_what_a_screen_may_show() {
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id("1101051949"), "******");
        assert_eq!(mask_phone("13912345678"), "139****5678");
        assert_eq!(mask_phone("12345"), "****");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(""), "");
    }
}
