//! Which module may use which, checked on the source: every `crate::…`
//! path in every file of `src/` is resolved to the file it names, and
//!
//! - no file of an area (`registry/`, `cases/`, `screening/`) names
//!   another area;
//! - `shared/` and the core files name no area;
//! - only `lib.rs` and `api.rs` (which put the areas together) name the
//!   areas, and nothing names `api.rs`, `session.rs` or `lib.rs`'s own
//!   items besides those `state.rs` defines;
//! - there is no circle among the files (`lib.rs` and `state.rs` aside:
//!   every file may use `AppState`, and the root assembles every file).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const AREAS: &[&str] = &[
    "registry",
    "cases",
    "screening",
    "assistance",
    "figures",
    "alerts",
    "exchange",
];

/// Files that put the areas together.
const ASSEMBLY: &[&str] = &["lib.rs", "api.rs"];

/// Items of the crate root and the file that defines them.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("AppState", "state.rs"),
    ("Clock", "state.rs"),
    ("RuleHandle", "state.rs"),
    ("shipped_rules", "state.rs"),
    ("DEFAULT_MAX_UPLOAD", "state.rs"),
    ("DEFAULT_CONCURRENT_UPLOADS", "state.rs"),
    ("DEFAULT_DECLARATIONS_PER_HOUR", "state.rs"),
    ("Origin", "security.rs"),
    ("WebSecurity", "security.rs"),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, as a path relative to it (`cases/api.rs`).
fn files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("read src") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(base).expect("under src");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &src(), &mut out);
    out.sort();
    out
}

/// The paths named after `crate::` in `text`, `use` groups expanded:
/// `crate::shared::{lang::Lang, view}` gives `shared::lang::Lang` and
/// `shared::view`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        // `dixian_store::…` ends in `…store::`, not `crate::`; skip
        // `some_crate::` and the like.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let (paths, used) = parse_tree(rest);
        out.extend(paths);
        rest = &rest[used..];
    }
    out
}

/// A path or a `{…}` group at the start of `s`: the full paths and the
/// bytes read.
fn parse_tree(s: &str) -> (Vec<String>, usize) {
    let mut i = 0;
    let mut prefix = String::new();
    loop {
        let word: String = s[i..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        i += word.len();
        if s[i..].starts_with("::{") {
            i += 3;
            let mut paths = Vec::new();
            let base = format!("{prefix}{word}::");
            loop {
                let skip = s[i..].len() - s[i..].trim_start().len();
                i += skip;
                if s[i..].starts_with('}') {
                    i += 1;
                    break;
                }
                let (inner, used) = parse_tree(&s[i..]);
                paths.extend(inner.into_iter().map(|p| format!("{base}{p}")));
                i += used;
                // ` as x`, then a comma
                while i < s.len() && !s[i..].starts_with(',') && !s[i..].starts_with('}') {
                    i += s[i..].chars().next().map_or(1, char::len_utf8);
                }
                if s[i..].starts_with(',') {
                    i += 1;
                }
            }
            return (paths, i);
        }
        if s[i..].starts_with("::")
            && s[i + 2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            prefix.push_str(&word);
            prefix.push_str("::");
            i += 2;
            continue;
        }
        return (vec![format!("{prefix}{word}")], i);
    }
}

/// The file a path names: the deepest module it walks through, or for
/// an item of the root, the file that defines it.
fn resolve(path: &str, files: &BTreeSet<String>) -> Result<String, String> {
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut dir = String::new();
    let mut found: Option<String> = None;
    for seg in &segments {
        let as_file = format!("{dir}{seg}.rs");
        let as_dir = format!("{dir}{seg}/mod.rs");
        if files.contains(&as_file) {
            found = Some(as_file);
            dir = format!("{dir}{seg}/");
        } else if files.contains(&as_dir) {
            found = Some(as_dir);
            dir = format!("{dir}{seg}/");
        } else {
            break;
        }
    }
    match (found, segments.first()) {
        (Some(f), _) => Ok(f),
        (None, Some(first)) => ROOT_ITEMS
            .iter()
            .find(|(item, _)| item == first)
            .map(|(_, f)| f.to_string())
            .ok_or_else(|| format!("crate::{path} names no module nor a known root item")),
        (None, None) => Err("empty path".into()),
    }
}

fn area_of(file: &str) -> Option<&'static str> {
    AREAS
        .iter()
        .copied()
        .find(|a| file.starts_with(&format!("{a}/")))
}

/// file → the files it names (itself left out).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let all = files();
    let set: BTreeSet<String> = all.iter().cloned().collect();
    let mut g = BTreeMap::new();
    let mut unresolved = Vec::new();
    // This file names paths in its text and tests; it is no module's user.
    for f in all.iter().filter(|f| *f != "layering.rs") {
        let text = std::fs::read_to_string(src().join(f)).expect("source");
        // Comments name modules without using them (doc links).
        let text: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut to = BTreeSet::new();
        for p in crate_paths(&text) {
            match resolve(&p, &set) {
                Ok(target) if target != *f => {
                    to.insert(target);
                }
                Ok(_) => {}
                Err(e) => unresolved.push(format!("{f}: {e}")),
            }
        }
        g.insert(f.clone(), to);
    }
    assert!(unresolved.is_empty(), "{unresolved:#?}");
    g
}

#[test]
fn the_parser_reads_paths_and_groups() {
    let text = "use crate::shared::{lang::Lang, view::{a, b as c}};\n\
                let x = crate::error::ApiError::from(e); dixian_crate::x; \
                use crate::AppState;";
    assert_eq!(
        crate_paths(text),
        [
            "shared::lang::Lang",
            "shared::view::a",
            "shared::view::b",
            "error::ApiError::from",
            "AppState"
        ]
    );
}

#[test]
fn areas_use_no_other_area() {
    let mut wrong = Vec::new();
    for (from, tos) in graph() {
        let area = area_of(&from);
        for to in tos {
            let other = area_of(&to);
            let allowed = ASSEMBLY.contains(&from.as_str()) || other.is_none() || other == area;
            if !allowed {
                wrong.push(format!("{from} → {to}"));
            }
            if to == "api.rs" || to == "session.rs" {
                wrong.push(format!("{from} → {to} (only lib.rs assembles)"));
            }
        }
    }
    assert!(wrong.is_empty(), "not allowed: {wrong:#?}");
}

#[test]
fn no_import_circle() {
    let g = graph();
    let skip = |f: &str| f == "lib.rs" || f == "state.rs";
    // Depth-first search with colours: a grey file met again is a circle.
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    fn visit(
        f: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        colour: &mut BTreeMap<String, Colour>,
        stack: &mut Vec<String>,
        skip: &dyn Fn(&str) -> bool,
    ) -> Option<Vec<String>> {
        colour.insert(f.to_string(), Colour::Grey);
        stack.push(f.to_string());
        for to in g.get(f).into_iter().flatten().filter(|t| !skip(t)) {
            match colour.get(to.as_str()).copied().unwrap_or(Colour::White) {
                Colour::Grey => {
                    let at = stack.iter().position(|s| s == to).unwrap_or(0);
                    let mut circle = stack[at..].to_vec();
                    circle.push(to.clone());
                    return Some(circle);
                }
                Colour::White => {
                    if let Some(c) = visit(to, g, colour, stack, skip) {
                        return Some(c);
                    }
                }
                Colour::Black => {}
            }
        }
        stack.pop();
        colour.insert(f.to_string(), Colour::Black);
        None
    }
    let mut colour = BTreeMap::new();
    for f in g.keys().filter(|f| !skip(f)) {
        if colour.get(f.as_str()).copied().unwrap_or(Colour::White) == Colour::White {
            let mut stack = Vec::new();
            if let Some(c) = visit(f, &g, &mut colour, &mut stack, &skip) {
                panic!("import circle: {}", c.join(" → "));
            }
        }
    }
    assert!(g.len() > 20, "the files were found ({})", g.len());
}

#[test]
fn no_html_built_by_hand() {
    // Pages come from askama templates, which escape; no Rust file puts
    // markup together itself.
    let mut found = Vec::new();
    for f in files() {
        let text = std::fs::read_to_string(src().join(&f)).expect("source");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || f == "layering.rs" {
                continue;
            }
            let markup = [
                "\"<",
                "<p>",
                "<a ",
                "<html",
                "<!doctype",
                "</",
                "&amp;",
                "&lt;",
            ];
            if markup.iter().any(|m| code.contains(m)) {
                found.push(format!("{f}:{}: {}", n + 1, code));
            }
        }
    }
    assert!(found.is_empty(), "HTML outside the templates: {found:#?}");
}
