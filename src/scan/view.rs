//! Unwrapping: a payload escaped inside a CSV field, a JSON string, HTML
//! entities or cut into fixed-width lines is decoded into a [`View`], which
//! remembers for every decoded byte where it stood in the input. Recognisers
//! read the view; spans go back to the input through [`View::source`].

use memchr::memchr;

use super::NeedMore;
use super::recognise::Origin;
use crate::model::Wrapping;

/// A decoded copy of part of the input with a map back to it.
#[derive(Debug, Clone)]
pub(crate) struct View {
    /// The decoded bytes.
    pub text: Vec<u8>,
    /// `map[i]` is the input position of decoded byte `i`; one extra entry
    /// holds the position just past the last decoded byte.
    map: Vec<u32>,
    /// The escape decoded to make this view.
    pub wrapping: Wrapping,
    /// Decoding stopped at the wrapping's own end (the closing quote of the
    /// field or string) rather than at the end of the available input.
    pub closed: bool,
}

impl View {
    /// The input position of view position `at` (`at == text.len()` allowed).
    pub(super) fn source(&self, at: usize) -> usize {
        let last = self.map.len().saturating_sub(1);
        self.map.get(at.min(last)).map_or(0, |p| *p as usize)
    }

    /// A view of a view: positions map straight through to the outer input.
    pub(super) fn through(mut self, outer: &View) -> View {
        for p in &mut self.map {
            *p = outer.source(*p as usize) as u32;
        }
        self
    }
}

impl Origin for View {
    fn source(&self, at: usize) -> usize {
        View::source(self, at)
    }

    fn wrapping(&self) -> Option<Wrapping> {
        Some(self.wrapping)
    }
}

/// Builds views, appending decoded bytes and their input positions.
struct Builder {
    text: Vec<u8>,
    map: Vec<u32>,
}

impl Builder {
    fn new(capacity: usize) -> Self {
        Builder { text: Vec::with_capacity(capacity), map: Vec::with_capacity(capacity + 1) }
    }

    fn push(&mut self, byte: u8, from: usize) {
        self.text.push(byte);
        self.map.push(from as u32);
    }

    fn push_char(&mut self, ch: char, from: usize) {
        let mut utf8 = [0u8; 4];
        for b in ch.encode_utf8(&mut utf8).bytes() {
            self.push(b, from);
        }
    }

    fn finish(mut self, end: usize, wrapping: Wrapping, closed: bool) -> View {
        super::work::add(self.map.len());
        self.map.push(end as u32);
        View { text: self.text, map: self.map, wrapping, closed }
    }
}

/// Decodes a CSV field body from `start`: `""` is one quote, a lone `"` ends it.
pub(crate) fn csv(input: &[u8], start: usize, limit: usize, eof: bool) -> Result<View, NeedMore> {
    let end = input.len().min(start.saturating_add(limit));
    let mut out = Builder::new(end - start.min(end));
    let mut i = start;
    while i < end {
        let b = input[i];
        if b == b'"' {
            match input.get(i + 1) {
                Some(b'"') => {
                    out.push(b'"', i);
                    i += 2;
                    continue;
                }
                None if !eof && end == input.len() => return Err(NeedMore),
                _ => return Ok(out.finish(i, Wrapping::Csv, true)),
            }
        }
        out.push(b, i);
        i += 1;
    }
    ran_out(out, end, input.len(), eof, Wrapping::Csv)
}

/// Decodes a JSON string body from `start`; an unescaped `"` ends it.
pub(crate) fn json(input: &[u8], start: usize, limit: usize, eof: bool) -> Result<View, NeedMore> {
    let end = input.len().min(start.saturating_add(limit));
    let mut out = Builder::new(end - start.min(end));
    let mut i = start;
    while i < end {
        match input[i] {
            b'"' => return Ok(out.finish(i, Wrapping::JsonString, true)),
            b'\\' => {
                let Some(&kind) = input.get(i + 1) else {
                    if !eof && end == input.len() {
                        return Err(NeedMore);
                    }
                    break;
                };
                let simple = match kind {
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'b' => Some(8),
                    b'f' => Some(12),
                    b'"' | b'\\' | b'/' => Some(kind),
                    _ => None,
                };
                if let Some(byte) = simple {
                    out.push(byte, i);
                    i += 2;
                    continue;
                }
                if kind == b'u' {
                    match json_unicode(input, i) {
                        Some((ch, len)) => {
                            out.push_char(ch, i);
                            i += len;
                            continue;
                        }
                        None if !eof && input.len() < i + 12 => return Err(NeedMore),
                        None => {}
                    }
                }
                out.push(b'\\', i);
                i += 1;
            }
            b => {
                out.push(b, i);
                i += 1;
            }
        }
    }
    ran_out(out, end, input.len(), eof, Wrapping::JsonString)
}

/// Reads `\uXXXX` (and a following low surrogate) at `at`: the char and the
/// number of input bytes it took. Lone surrogates become U+FFFD.
fn json_unicode(input: &[u8], at: usize) -> Option<(char, usize)> {
    let unit = |p: usize| -> Option<u32> {
        let hex = input.get(p + 2..p + 6)?;
        if input.get(p..p + 2)? != b"\\u" {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    };
    let high = unit(at)?;
    if (0xD800..0xDC00).contains(&high)
        && let Some(low) = unit(at + 6).filter(|l| (0xDC00..0xE000).contains(l))
    {
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return Some((char::from_u32(code).unwrap_or('\u{FFFD}'), 12));
    }
    Some((char::from_u32(high).unwrap_or('\u{FFFD}'), 6))
}

/// Decodes one level of XML/HTML entities from `start`. A raw `<` ends the
/// view: it is the markup of the page or document the payload is embedded in.
pub(crate) fn entities(
    input: &[u8],
    start: usize,
    limit: usize,
    eof: bool,
    wrapping: Wrapping,
) -> Result<View, NeedMore> {
    let end = input.len().min(start.saturating_add(limit));
    let mut out = Builder::new(end - start.min(end));
    let mut i = start;
    while i < end {
        match input[i] {
            b'<' => return Ok(out.finish(i, wrapping, true)),
            b'&' => match entity(&input[i..end]) {
                Entity::Char(ch, len) => {
                    out.push_char(ch, i);
                    i += len;
                }
                Entity::Partial if !eof && end == input.len() => return Err(NeedMore),
                Entity::Partial | Entity::Not => {
                    out.push(b'&', i);
                    i += 1;
                }
            },
            b => {
                out.push(b, i);
                i += 1;
            }
        }
    }
    ran_out(out, end, input.len(), eof, wrapping)
}

/// What an `&` starts.
pub(crate) enum Entity {
    /// A known entity: its character and length in bytes.
    Char(char, usize),
    /// Could be an entity, but the text ends first.
    Partial,
    /// Not an entity we know.
    Not,
}

/// Reads a predefined or numeric entity at the start of `text`.
pub(crate) fn entity(text: &[u8]) -> Entity {
    let Some(semi) = memchr(b';', &text[..text.len().min(12)]) else {
        return if text.len() < 12 && !text[1..].iter().any(|b| b.is_ascii_whitespace() || *b == b'&') {
            Entity::Partial
        } else {
            Entity::Not
        };
    };
    let name = &text[1..semi];
    let ch = match name {
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"amp" => Some('&'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        b"nbsp" => Some('\u{a0}'),
        [b'#', b'x' | b'X', hex @ ..] => std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32),
        [b'#', dec @ ..] => {
            std::str::from_utf8(dec).ok().and_then(|d| d.parse().ok()).and_then(char::from_u32)
        }
        _ => None,
    };
    ch.map_or(Entity::Not, |c| Entity::Char(c, semi + 1))
}

/// Joins lines `[start, end)` that a viewer wrapped, dropping each line break.
pub(crate) fn unwrap_lines(input: &[u8], start: usize, end: usize) -> View {
    let mut out = Builder::new(end - start);
    let mut i = start;
    while i < end {
        match input[i] {
            b'\r' if input.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' => i += 1,
            b => {
                out.push(b, i);
                i += 1;
            }
        }
    }
    out.finish(end, Wrapping::LineWrapped, true)
}

/// Joins lines in `[start, end)` that a viewer cut at `width`: the line break
/// after every line exactly that wide is dropped, the others stay.
pub(crate) fn unwrap_lines_of_width(input: &[u8], start: usize, end: usize, width: usize) -> View {
    let mut out = Builder::new(end - start);
    let mut line_start = start;
    let mut i = start;
    while i < end {
        let b = input[i];
        let newline = b == b'\n';
        if newline || (b == b'\r' && input.get(i + 1) == Some(&b'\n')) {
            let break_len = if newline { 1 } else { 2 };
            if i - line_start == width {
                i += break_len;
                line_start = i;
                continue;
            }
            for (k, byte) in input.iter().enumerate().skip(i).take(break_len) {
                out.push(*byte, k);
            }
            i += break_len;
            line_start = i;
            continue;
        }
        out.push(b, i);
        i += 1;
    }
    out.finish(end, Wrapping::LineWrapped, true)
}

fn ran_out(out: Builder, end: usize, len: usize, eof: bool, wrapping: Wrapping) -> Result<View, NeedMore> {
    if end == len && !eof {
        return Err(NeedMore);
    }
    Ok(out.finish(end, wrapping, false))
}

/// Decodes the entities of a text value (an element's content), for messages.
pub(crate) fn decode_text(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'&'
            && let Entity::Char(ch, len) = entity(&raw[i..])
        {
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
            i += len;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(view: &View) -> &str {
        std::str::from_utf8(&view.text).unwrap()
    }

    #[test]
    fn csv_field_ends_at_a_lone_quote() {
        let input = br#"x,"<a b=""1"">t</a>",next"#;
        let view = csv(input, 3, 1 << 20, true).unwrap();
        assert_eq!(text(&view), r#"<a b="1">t</a>"#);
        assert!(view.closed);
        assert_eq!(view.source(view.text.len()), 19, "the view ends at the closing quote");
        assert_eq!(view.source(5), 8, "the quote after b= maps to the first of its pair");
    }

    #[test]
    fn json_string_decodes_every_escape() {
        let input = br#""\u003ca x=\"1\"\/\u003e\r\n\t\ud83d\ude00" tail"#;
        let view = json(input, 1, 1 << 20, true).unwrap();
        assert_eq!(text(&view), "<a x=\"1\"/>\r\n\t\u{1F600}");
        assert!(view.closed);
        assert_eq!(view.source(view.text.len()), input.iter().rposition(|b| *b == b'"').unwrap());
    }

    #[test]
    fn json_asks_for_more_when_an_escape_is_cut() {
        assert_eq!(json(br#""abc\u00"#, 1, 1 << 20, false).unwrap_err(), NeedMore);
        assert_eq!(json(br#""abc\"#, 1, 1 << 20, false).unwrap_err(), NeedMore);
    }

    #[test]
    fn entities_decode_one_level_and_stop_at_markup() {
        let input = b"&lt;a&gt;x &amp;lt; &#xD;&#10;&nbsp;&bogus;</pre>";
        let view = entities(input, 0, 1 << 20, true, Wrapping::HtmlEscaped).unwrap();
        assert_eq!(text(&view), "<a>x &lt; \r\n\u{a0}&bogus;");
        assert_eq!(view.source(view.text.len()), input.len() - 6);
    }

    #[test]
    fn views_compose() {
        let input = b"&amp;lt;b&amp;gt;";
        let once = entities(input, 0, 100, true, Wrapping::HtmlEscaped).unwrap();
        let twice = entities(&once.text, 0, 100, true, Wrapping::HtmlEscaped).unwrap().through(&once);
        assert_eq!(text(&twice), "<b>");
        assert_eq!(twice.source(1), 8);
        assert_eq!(twice.source(3), input.len());
    }

    #[test]
    fn wrapped_lines_join() {
        let input = b"<Resp\r\nonseCode>\nX";
        let view = unwrap_lines(input, 0, input.len());
        assert_eq!(text(&view), "<ResponseCode>X");
        assert_eq!(view.source(5), 7);
    }
}
