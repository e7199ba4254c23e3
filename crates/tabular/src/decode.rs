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
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && !at_eof,
    }
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
    fn prefix_bytes_come_first() {
        let mut r = Utf8Reader::new(&b"c\n"[..], b"a,b".to_vec(), true);
        let mut s = String::new();
        r.read_to_string(&mut s).expect("decodes");
        assert_eq!(s, "a,bc\n");
    }
}
