//! Decoding a byte stream to UTF-8 as it streams, switching decoders where a
//! byte-order mark in the middle says the text changed encoding (a log that
//! one program wrote in UTF-8 and another appended to in UTF-16).
//!
//! UTF-8 passes through as it is (invalid bytes included: offsets stay the
//! file's own until a switch). UTF-16 and UTF-32 are decoded here by hand, so
//! that a mark can be looked for at each code unit; Windows-1252 goes through
//! `encoding_rs`. Whatever cannot be decoded becomes U+FFFD.

use std::io::{self, Read};

use memchr::memchr2;

use crate::model::Encoding;

/// How much is read from the inner stream at a time.
const CHUNK: usize = 64 << 10;

/// A UTF-8 view of a stream in `Encoding`, switching at mid-stream marks.
pub(super) struct Transcode<R> {
    inner: R,
    mode: Encoding,
    /// Bytes read and not yet decoded, from `raw_at` on.
    raw: Vec<u8>,
    raw_at: usize,
    /// Decoded bytes not yet handed out, from `out_at` on.
    out: Vec<u8>,
    out_at: usize,
    eof: bool,
}

impl<R: Read> Transcode<R> {
    /// Decodes `inner`, which starts in `mode` (its BOM, if any, included).
    pub(super) fn new(inner: R, mode: Encoding) -> Self {
        Transcode { inner, mode, raw: Vec::new(), raw_at: 0, out: Vec::new(), out_at: 0, eof: false }
    }

    /// Reads more of the inner stream into `raw`; false at its end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.raw_at > 0 {
            self.raw.drain(..self.raw_at);
            self.raw_at = 0;
        }
        let had = self.raw.len();
        self.raw.resize(had + CHUNK, 0);
        let read = loop {
            match self.inner.read(&mut self.raw[had..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.raw.truncate(had);
                    return Err(e);
                }
            }
        };
        self.raw.truncate(had + read);
        if read == 0 {
            self.eof = true;
        }
        Ok(read > 0)
    }

    /// Decodes what `raw` holds into `out`, as far as whole characters go
    /// (all of it at the end of the stream).
    fn decode(&mut self) {
        let raw = &self.raw[self.raw_at..];
        let (used, switch) = match self.mode {
            Encoding::Utf8 => utf8(raw, self.eof, &mut self.out),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                utf16(raw, self.mode == Encoding::Utf16Le, self.eof, &mut self.out)
            }
            Encoding::Utf32Le | Encoding::Utf32Be => {
                utf32(raw, self.mode == Encoding::Utf32Le, self.eof, &mut self.out)
            }
            Encoding::Windows1252 => {
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw);
                self.out.extend_from_slice(text.as_bytes());
                (raw.len(), None)
            }
        };
        self.raw_at += used;
        if let Some((mode, mark)) = switch {
            self.mode = mode;
            self.raw_at += mark;
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // UTF-8 with nothing held: read straight into `buf`, and keep back
        // only what follows a byte that may start a mark.
        if self.mode == Encoding::Utf8 && self.out_at == self.out.len() && self.raw_at == self.raw.len() {
            let n = self.inner.read(buf)?;
            if n == 0 {
                self.eof = true;
                return Ok(0);
            }
            match memchr2(0xFF, 0xFE, &buf[..n]) {
                None => return Ok(n),
                Some(at) => {
                    self.raw.clear();
                    self.raw_at = 0;
                    self.raw.extend_from_slice(&buf[at..n]);
                    if at > 0 {
                        return Ok(at);
                    }
                }
            }
        }
        loop {
            if self.out_at < self.out.len() {
                let n = buf.len().min(self.out.len() - self.out_at);
                buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
                self.out_at += n;
                return Ok(n);
            }
            self.out.clear();
            self.out_at = 0;
            if self.raw_at < self.raw.len() {
                let before = self.raw_at;
                self.decode();
                if self.raw_at > before || !self.out.is_empty() {
                    continue;
                }
            }
            if self.eof {
                return Ok(0);
            }
            self.fill()?;
        }
    }
}

/// A decoder's answer: input bytes used, and a new mode with the length of
/// the mark that starts it.
type Step = (usize, Option<(Encoding, usize)>);

/// UTF-8 passes through up to a UTF-16 mark (bytes UTF-8 never holds).
fn utf8(raw: &[u8], eof: bool, out: &mut Vec<u8>) -> Step {
    let Some(at) = memchr2(0xFF, 0xFE, raw) else {
        out.extend_from_slice(raw);
        return (raw.len(), None);
    };
    out.extend_from_slice(&raw[..at]);
    match raw.get(at + 1) {
        None if !eof => (at, None),
        Some(0xFE) if raw[at] == 0xFF => (at, Some((Encoding::Utf16Le, 2))),
        Some(0xFF) if raw[at] == 0xFE => (at, Some((Encoding::Utf16Be, 2))),
        _ => {
            out.push(raw[at]);
            (at + 1, None)
        }
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut utf8 = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
}

/// UTF-16 code units to UTF-8. A mark of the other byte order switches
/// order; a UTF-8 mark switches to UTF-8; its own mark is dropped.
fn utf16(raw: &[u8], le: bool, eof: bool, out: &mut Vec<u8>) -> Step {
    let unit = |i: usize| -> Option<u16> {
        let pair = [*raw.get(i)?, *raw.get(i + 1)?];
        Some(if le { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) })
    };
    let mut i = 0;
    while let Some(u) = unit(i) {
        if raw[i..].starts_with(&[0xEF, 0xBB, 0xBF]) {
            return (i, Some((Encoding::Utf8, 3)));
        }
        match u {
            0xFEFF => i += 2,
            0xFFFE => return (i, Some((if le { Encoding::Utf16Be } else { Encoding::Utf16Le }, 2))),
            0xD800..=0xDBFF => match unit(i + 2) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    push_char(out, char::from_u32(c).unwrap_or('\u{FFFD}'));
                    i += 4;
                }
                None if !eof => return (i, None),
                _ => {
                    push_char(out, '\u{FFFD}');
                    i += 2;
                }
            },
            _ => {
                push_char(out, char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}'));
                i += 2;
            }
        }
    }
    if eof && i < raw.len() {
        push_char(out, '\u{FFFD}');
        i = raw.len();
    }
    (i, None)
}

/// UTF-32 code units to UTF-8; its own mark is dropped.
fn utf32(raw: &[u8], le: bool, eof: bool, out: &mut Vec<u8>) -> Step {
    let mut i = 0;
    while let Some(bytes) = raw.get(i..i + 4) {
        let bytes = [bytes[0], bytes[1], bytes[2], bytes[3]];
        let u = if le { u32::from_le_bytes(bytes) } else { u32::from_be_bytes(bytes) };
        if u != 0xFEFF {
            push_char(out, char::from_u32(u).unwrap_or('\u{FFFD}'));
        }
        i += 4;
    }
    if eof && i < raw.len() {
        push_char(out, '\u{FFFD}');
        i = raw.len();
    }
    (i, None)
}
