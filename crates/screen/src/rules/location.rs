//! Where a problem sits in a rule file: byte offsets from the TOML parser
//! turned into the 1-based line and column an editor shows.

use serde::Serialize;
use std::ops::Range;

/// A 1-based line and column (in characters) of a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters (a Chinese character is one).
    pub column: usize,
}

impl Location {
    /// The start of a file, for problems with the file as a whole.
    pub const START: Location = Location { line: 1, column: 1 };

    /// The location of byte `offset` in `text` (clamped to the text).
    pub fn of_offset(text: &str, offset: usize) -> Location {
        let mut at = offset.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &text[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// The location where `span` starts.
    pub fn of_span(text: &str, span: Range<usize>) -> Location {
        Location::of_offset(text, span.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_character_columns() {
        let text = "a = 1\n名称 = \"x\"\n\nb = 2";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        assert_eq!(
            Location::of_offset(text, 4),
            Location { line: 1, column: 5 }
        );
        // "名称 = " is 3 + 3 + 3 bytes but 5 characters.
        let quote = text.find('"').expect("has a quote");
        assert_eq!(
            Location::of_offset(text, quote),
            Location { line: 2, column: 6 }
        );
        assert_eq!(
            Location::of_offset(text, text.len()),
            Location { line: 4, column: 6 }
        );
        assert_eq!(
            Location::of_offset(text, 10_000),
            Location { line: 4, column: 6 }
        );
        // Inside a multi-byte character: the character's start.
        assert_eq!(
            Location::of_offset(text, 7),
            Location { line: 2, column: 1 }
        );
    }
}
