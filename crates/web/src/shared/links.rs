//! Links with a query string, encoded by `form_urlencoded` (what browsers
//! send for a GET form): the pagers of the household and warning lists.

/// `path?k=v&…` with each value percent-encoded; pairs with an empty or
/// absent value are left out.
pub fn with_query<'a>(
    path: &str,
    pairs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            q.append_pair(k, v);
        }
    }
    let q = q.finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_and_empty_ones_left_out() {
        let href = with_query(
            "/households",
            [
                ("region", Some("5205")),
                ("name", Some("张 三&x")),
                ("category", Some("")),
                ("page", Some("2")),
            ],
        );
        assert_eq!(
            href,
            "/households?region=5205&name=%E5%BC%A0+%E4%B8%89%26x&page=2"
        );
        assert_eq!(with_query("/warnings", [("risk", None)]), "/warnings");
    }
}
