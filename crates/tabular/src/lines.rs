//! Line numbers for CSV records, and a bound on a record's length.
//!
//! The csv crate's own line count is off by one on CRLF files (what Excel
//! writes) and after blank lines, so the reader below notes where each line
//! break passes on its way to the parser, and the true line of a record is
//! computed from the byte offset where the parser started it.
//!
//! The csv crate also grows a record's buffer for as long as the record
//! goes on: one line without end, or a quote never closed, would be read
//! whole. The reader below knows where the current record started and
//! stops passing bytes once it runs past the limit.

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
    /// Offset where the record being parsed started.
    record_start: u64,
    /// Bytes a record may take past its start before reading stops.
    record_limit: u64,
    /// Whether reading stopped at the limit.
    overran: bool,
}

impl<R: Read> LineTracker<R> {
    /// Wraps `inner`, whose first byte is at offset 0 of line 1; reading
    /// fails once a record runs `record_limit` bytes past its start.
    pub(crate) fn new(inner: R, record_limit: u64) -> Self {
        LineTracker {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            lf_before: 0,
            record_start: 0,
            record_limit,
            overran: false,
        }
    }

    /// The parser finished a record; the next one starts at `end`.
    pub(crate) fn record_ended(&mut self, end: u64) {
        self.record_start = end;
    }

    /// Where the record being parsed started, and whether it ran past the
    /// limit (reading then fails).
    pub(crate) fn overrun(&self) -> Option<u64> {
        self.overran.then_some(self.record_start)
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
        let room = (self.record_start + self.record_limit).saturating_sub(self.offset);
        if room == 0 || self.overran {
            self.overran = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a record is longer than the limit",
            ));
        }
        let end = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..end])?;
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
        let mut t = LineTracker::new(text.as_bytes(), u64::MAX / 2);
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

    #[test]
    fn a_record_stops_at_the_limit() {
        let mut t = LineTracker::new(&b"abcdefghij"[..], 4);
        let mut buf = [0; 3];
        assert_eq!(t.read(&mut buf).expect("room"), 3);
        assert_eq!(t.read(&mut buf).expect("room"), 1);
        assert!(t.read(&mut buf).is_err());
        assert_eq!(t.overrun(), Some(0));
        let mut t = LineTracker::new(&b"abcdefghij"[..], 4);
        let mut buf = [0; 4];
        assert_eq!(t.read(&mut buf).expect("room"), 4);
        t.record_ended(2);
        assert_eq!(t.read(&mut buf).expect("room"), 2);
        assert_eq!(t.overrun(), None);
    }
}
