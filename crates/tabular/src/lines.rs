//! Line numbers for CSV records.
//!
//! The csv crate's own line count is off by one on CRLF files (what Excel
//! writes) and after blank lines, so the reader below notes where each line
//! break passes on its way to the parser, and the true line of a record is
//! computed from the byte offset where the parser started it.

use std::collections::VecDeque;
use std::io::{self, Read};

/// A pass-through reader that remembers the offsets of CR and LF bytes.
pub(crate) struct LineTracker<R> {
    inner: R,
    /// Bytes passed through so far.
    offset: u64,
    /// Offset of each CR or LF not yet behind a queried position, and
    /// whether it is an LF.
    breaks: VecDeque<(u64, bool)>,
    /// LFs already dropped from the front of `breaks`.
    lf_before: u64,
}

impl<R: Read> LineTracker<R> {
    /// Wraps `inner`, whose first byte is at offset 0 of line 1.
    pub(crate) fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            lf_before: 0,
        }
    }

    /// The 1-based line of the first byte at or after `start` that is not a
    /// line break. Queries must come with non-decreasing `start`.
    pub(crate) fn line_at(&mut self, start: u64) -> usize {
        while let Some(&(at, lf)) = self.breaks.front()
            && at < start
        {
            self.breaks.pop_front();
            self.lf_before += u64::from(lf);
        }
        let run = self
            .breaks
            .iter()
            .zip(start..)
            .take_while(|((at, _), expected)| at == expected)
            .filter(|((_, lf), _)| *lf)
            .count();
        1 + self.lf_before as usize + run
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.breaks.push_back((self.offset + i as u64, b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(text: &str) -> LineTracker<&[u8]> {
        let mut t = LineTracker::new(text.as_bytes());
        io::copy(&mut t, &mut io::sink()).expect("reads");
        t
    }

    #[test]
    fn crlf_and_blank_lines() {
        let mut t = tracked("a\r\nb\r\n\r\n\nc\n");
        assert_eq!(t.line_at(0), 1);
        assert_eq!(t.line_at(2), 2); // after "a\r", before "\n"
        assert_eq!(t.line_at(4), 5); // "\n\r\n\n" run: three LFs, then "c"
    }
}
