//! Streaming text decoding for CSV: UTF-8 passes through, GB18030 (what a
//! Chinese Excel saves as "CSV") is transcoded to UTF-8 on the fly.
//!
//! The encoding is decided at the first non-ASCII byte, not at the start of
//! the file: both encodings agree on ASCII, so a file whose first rows are
//! all ASCII (English headers, codes, numbers) is still told apart correctly
//! when the first name appears, without reading the file twice.

use encoding_rs::{Decoder, GB18030};
use std::io::{self, Read};

/// Bytes read from the inner reader at a time.
const CHUNK: usize = 64 * 1024;
/// Bytes from the first non-ASCII byte on that must be valid UTF-8 for the
/// file to be taken as UTF-8.
const SNIFF: usize = 16 * 1024;

enum Mode {
    /// Only ASCII seen so far; the encoding is still open.
    Ascii,
    /// UTF-8: bytes pass through unchanged.
    Utf8,
    /// GB18030, decoded to UTF-8 (malformed sequences become U+FFFD).
    Gb18030(Box<Decoder>),
}

/// A reader that yields UTF-8 from a UTF-8 or GB18030 source.
pub(crate) struct Utf8Reader<R> {
    inner: R,
    raw: Vec<u8>,
    pos: usize,
    eof: bool,
    mode: Mode,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    flushed: bool,
}

impl<R: Read> Utf8Reader<R> {
    /// Wraps `inner`; `prefix` holds bytes already taken from it (after any
    /// BOM), `utf8` says a BOM already settled the encoding.
    pub(crate) fn new(inner: R, prefix: Vec<u8>, utf8: bool) -> Self {
        Utf8Reader {
            inner,
            raw: prefix,
            pos: 0,
            eof: false,
            mode: if utf8 { Mode::Utf8 } else { Mode::Ascii },
            out: Vec::new(),
            out_pos: 0,
            out_len: 0,
            flushed: false,
        }
    }

    /// Appends up to `CHUNK` bytes from the inner reader to `raw`.
    fn read_more(&mut self) -> io::Result<()> {
        let old = self.raw.len();
        self.raw.resize(old + CHUNK, 0);
        let n = loop {
            match self.inner.read(&mut self.raw[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.raw.truncate(old);
                    return Err(e);
                }
            }
        };
        self.raw.truncate(old + n);
        self.eof = n == 0;
        Ok(())
    }

    /// Drops consumed bytes and reads until `want` bytes are pending or EOF.
    fn top_up(&mut self, want: usize) -> io::Result<()> {
        self.raw.drain(..self.pos);
        self.pos = 0;
        while self.raw.len() < want && !self.eof {
            self.read_more()?;
        }
        Ok(())
    }

    /// Copies pending raw bytes up to `end` into `dst`.
    fn copy_raw(&mut self, dst: &mut [u8], end: usize) -> usize {
        let n = (end - self.pos).min(dst.len());
        dst[..n].copy_from_slice(&self.raw[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Copies decoded bytes waiting in `out` into `dst`.
    fn copy_out(&mut self, dst: &mut [u8]) -> usize {
        let n = (self.out_len - self.out_pos).min(dst.len());
        dst[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        n
    }

    /// Settles the encoding at the first non-ASCII byte.
    fn decide(&mut self) -> io::Result<()> {
        self.top_up(SNIFF)?;
        self.mode = if looks_utf8(&self.raw, self.eof) {
            Mode::Utf8
        } else {
            Mode::Gb18030(Box::new(GB18030.new_decoder_without_bom_handling()))
        };
        Ok(())
    }

    /// Decodes pending GB18030 bytes into `out`; `last` flushes the decoder.
    fn decode(&mut self, last: bool) {
        let Mode::Gb18030(decoder) = &mut self.mode else {
            return;
        };
        let src = &self.raw[self.pos..];
        let need = decoder
            .max_utf8_buffer_length(src.len())
            .unwrap_or(CHUNK * 4);
        if self.out.len() < need {
            self.out.resize(need, 0);
        }
        let (_, read, written, _) = decoder.decode_to_utf8(src, &mut self.out, last);
        self.pos += read;
        self.out_pos = 0;
        self.out_len = written;
    }
}

/// Whether `bytes` (the text from the first non-ASCII byte on) is UTF-8;
/// a sequence cut at the end of the window counts as valid unless at EOF.
fn looks_utf8(bytes: &[u8], at_eof: bool) -> bool {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() && !at_eof => {
            // Cut inside a character at the end of the sample: judge the rest.
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    // Some GB18030 text is valid UTF-8 too (停水 is CD A3 CB AE: a
    // combining mark and a modifier letter). UTF-8 that shows Chinese, or
    // whose every character is plausible in a Chinese office's file, is
    // UTF-8; otherwise, when the same bytes decode cleanly from GB18030
    // into Chinese, they are GB18030.
    if text.chars().any(is_han) || text.chars().all(|c| c.is_ascii() || is_plain(c)) {
        return true;
    }
    let (gb, had_errors) = GB18030.decode_without_bom_handling(bytes);
    had_errors || !gb.chars().any(is_han)
}

/// A CJK unified ideograph (the common and extension-A blocks).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Other characters a Chinese office's file may hold: Latin-1 and
/// Latin Extended-A letters (pinyin, names), general and CJK punctuation,
/// full-width forms.
fn is_plain(c: char) -> bool {
    matches!(c,
        '\u{00A0}'..='\u{017F}' | '\u{01CD}'..='\u{01DC}' | '\u{2000}'..='\u{206F}'
        | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}' | '\u{FEFF}')
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if dst.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_pos < self.out_len {
                return Ok(self.copy_out(dst));
            }
            if self.pos == self.raw.len() {
                if !self.eof {
                    self.top_up(1)?;
                    continue;
                }
                if self.flushed || !matches!(self.mode, Mode::Gb18030(_)) {
                    return Ok(0);
                }
                self.flushed = true;
                self.decode(true);
                continue;
            }
            match self.mode {
                Mode::Utf8 => return Ok(self.copy_raw(dst, self.raw.len())),
                Mode::Ascii => match self.raw[self.pos..].iter().position(|b| !b.is_ascii()) {
                    Some(0) => self.decide()?,
                    Some(n) => return Ok(self.copy_raw(dst, self.pos + n)),
                    None => return Ok(self.copy_raw(dst, self.raw.len())),
                },
                Mode::Gb18030(_) => self.decode(false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> String {
        let mut r = Utf8Reader::new(bytes, Vec::new(), false);
        let mut s = String::new();
        r.read_to_string(&mut s).expect("decodes");
        s
    }

    #[test]
    fn utf8_passes_through() {
        assert_eq!(
            decode_all("户编号,name\n1,张三\n".as_bytes()),
            "户编号,name\n1,张三\n"
        );
    }

    #[test]
    fn gb18030_after_a_long_ascii_prefix() {
        let mut text = "id,name\n".repeat(20_000);
        text.push_str("1,张三\n");
        let (bytes, _, _) = GB18030.encode(&text);
        assert_eq!(decode_all(&bytes), text);
    }

    #[test]
    fn gb18030_that_is_also_valid_utf8() {
        // 停水 in GB18030 is CD A3 CB AE, valid UTF-8 (U+0363 U+02EE).
        let text = "village_code,event,start_on,end_on\n520526101203,停水,2026-01-01,2026-01-02\n";
        let (bytes, _, _) = GB18030.encode(text);
        assert!(std::str::from_utf8(&bytes).is_ok(), "the case in point");
        assert_eq!(decode_all(&bytes), text);
    }

    #[test]
    fn utf8_without_han_stays_utf8() {
        let text = "name,note\nJosé,café ü\n";
        assert_eq!(decode_all(text.as_bytes()), text);
    }

    #[test]
    fn prefix_bytes_come_first() {
        let mut r = Utf8Reader::new(&b"c\n"[..], b"a,b".to_vec(), true);
        let mut s = String::new();
        r.read_to_string(&mut s).expect("decodes");
        assert_eq!(s, "a,bc\n");
    }
}
