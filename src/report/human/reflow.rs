//! Fitting a payload into the terminal. A "View Details" fragment or a logged
//! SOAP response is often one line of 400 to 2,000 bytes; printed as is, the
//! terminal either wraps it into an unreadable block or the label under the
//! `ResponseCode` lands far off screen. So a line that is too long is broken:
//! first between XML tags (`…>` `<…`), indented by nesting depth, then at
//! blanks. Text is only ever *inserted* (a newline and indentation), never
//! removed, so every byte of the payload is still shown and a label's offset
//! maps to the reflowed text by adding what was inserted before it.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The longest token left unbroken on an over-long line. Longer runs without a
/// blank (base64, a mangled payload) are cut at the width.
const LONGEST_WORD: usize = 100;

/// Deepest indentation used for nesting, in levels.
const MAX_DEPTH: usize = 8;

/// A payload's text, possibly reflowed, and where text was inserted.
#[derive(Debug, Clone)]
pub(crate) struct Reflowed {
    /// The text to show.
    pub text: String,
    /// Insertions as (offset in the original, bytes inserted there), in order.
    inserted: Vec<(usize, usize)>,
}

impl Reflowed {
    /// Did anything change? Line numbers of the input no longer apply if so.
    pub(super) fn changed(&self) -> bool {
        !self.inserted.is_empty()
    }

    /// Where a span starting at `offset` in the original starts now: after any
    /// text inserted at that very offset.
    pub(super) fn start(&self, offset: usize) -> usize {
        offset + self.inserted.iter().take_while(|(at, _)| *at <= offset).map(|(_, n)| n).sum::<usize>()
    }

    /// Where a span ending (exclusively) at `offset` ends now: before any text
    /// inserted at that offset.
    pub(super) fn end(&self, offset: usize) -> usize {
        offset + self.inserted.iter().take_while(|(at, _)| *at < offset).map(|(_, n)| n).sum::<usize>()
    }
}

/// Breaks every line of `text` longer than `width` columns, and moves each
/// label to a new line when its text would run past the width. A label is
/// `(offset, length, columns its text takes after the underline's middle)`.
pub(crate) fn reflow(text: &str, width: usize, labels: &[(usize, usize, usize)]) -> Reflowed {
    let width = width.max(20);
    let mut breaks: Vec<(usize, usize)> = Vec::new(); // (offset, indent)
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.width() > width {
            let indent = body.len() - body.trim_start().len();
            let mut pieces = vec![(0, indent)];
            pieces.extend(xml_breaks(body, indent));
            for (i, &(from, piece_indent)) in pieces.iter().enumerate() {
                let to = pieces.get(i + 1).map_or(body.len(), |p| p.0);
                if from > 0 {
                    breaks.push((line_start + from, piece_indent));
                }
                let first = if from == 0 { 0 } else { piece_indent };
                for (at, indent) in blank_breaks(&body[from..to], first, piece_indent + 2, width) {
                    breaks.push((line_start + from + at, indent));
                }
            }
        }
        line_start += line.len();
    }
    let mut labels = labels.to_vec();
    labels.sort_unstable();
    for label in labels {
        if let Some(b) = label_break(text, &breaks, label, width) {
            let at = breaks.partition_point(|x| x.0 < b.0);
            if breaks.get(at).is_none_or(|x| x.0 != b.0) {
                breaks.insert(at, b);
            }
        }
    }
    let mut out = String::with_capacity(text.len() + breaks.len() * 8);
    let mut inserted = Vec::with_capacity(breaks.len());
    let mut last = 0;
    for (at, indent) in breaks {
        out.push_str(&text[last..at]);
        let before = out.len();
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent));
        inserted.push((at, out.len() - before));
        last = at;
    }
    out.push_str(&text[last..]);
    Reflowed { text: out, inserted }
}

/// Where to break so the label at `offset` has room for its text: `None`
/// when it fits where it stands, or when it already starts its line.
fn label_break(
    text: &str,
    breaks: &[(usize, usize)],
    (offset, length, needs): (usize, usize, usize),
    width: usize,
) -> Option<(usize, usize)> {
    // A label over several lines has its text drawn at the left margin.
    let spans_lines = text.get(offset..offset + length).is_none_or(|t| t.contains('\n'))
        || breaks.iter().any(|b| b.0 > offset && b.0 < offset + length);
    if spans_lines || length > width / 2 {
        return None;
    }
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |n| n + 1);
    let indent = text[line_start..].len() - text[line_start..].trim_start().len();
    let (from, column) = match breaks.iter().rev().find(|b| b.0 > line_start && b.0 <= offset) {
        Some(&(at, pad)) => (at, pad),
        None => (line_start, 0),
    };
    let column = column + text.get(from..offset)?.width();
    let middle = text.get(offset..offset + length).map_or(0, |t| t.width() / 2);
    if column + middle + needs <= width || column <= indent + 2 {
        return None;
    }
    // Before the blank in front of the label, when there is one.
    Some(if text[..offset].ends_with(' ') { (offset - 1, indent + 1) } else { (offset, indent + 2) })
}

/// Offsets in `line` where a tag follows a tag (`><`), with the indentation
/// the new line gets from the nesting depth so far.
fn xml_breaks(line: &str, base: usize) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut depth: usize = 0;
    let mut pos = 0;
    while let Some(found) = line[pos..].find('<') {
        let at = pos + found;
        let closing = bytes.get(at + 1) == Some(&b'/');
        if closing {
            depth = depth.saturating_sub(1);
        }
        if at > 0 && bytes[at - 1] == b'>' {
            out.push((at, base + 2 * depth.min(MAX_DEPTH)));
        }
        let Some(end) = line[at..].find('>').map(|e| at + e) else { break };
        let declaration = matches!(bytes.get(at + 1), Some(b'?' | b'!'));
        if !closing && !declaration && bytes[end - 1] != b'/' {
            depth += 1;
        }
        pos = end + 1;
    }
    out
}

/// Offsets in `piece` where a new line should start so no line is wider
/// than `width`, each with the indentation to insert there. A line breaks at
/// its last blank, or after its last `>` (a start tag with long attributes
/// followed by its text), or, in a run too long to keep, anywhere. The piece's
/// first line already holds `first` columns; new lines start `indent` in.
fn blank_breaks(piece: &str, first: usize, indent: usize, width: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut used = first; // columns on the current line
    // The last place to break: (offset, columns before it, indentation to insert).
    let mut last: Option<(usize, usize, usize)> = None;
    let mut prev = ' ';
    for (at, c) in piece.char_indices() {
        // Columns, not characters: a CJK character takes two.
        let columns = c.width().unwrap_or(0);
        if c == ' ' {
            // Break before the blank, which then indents the new line: no
            // trailing blanks, and nothing is taken out.
            last = Some((at, used, indent.saturating_sub(1)));
        } else if (prev == '>' && c != '<') || c.width() == Some(2) {
            // After a tag, or before a wide (CJK) character: such text has
            // no blanks and may break between any two characters.
            last = Some((at, used, indent));
        }
        if used + columns > width && at > 0 {
            match last {
                Some((offset, upto, pad)) if offset > 0 && used - upto <= LONGEST_WORD => {
                    out.push((offset, pad));
                    used = pad + used - upto;
                    last = None;
                }
                _ if used >= LONGEST_WORD.max(width) => {
                    out.push((at, indent));
                    used = indent;
                    last = None;
                }
                _ => {}
            }
        }
        used += columns;
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_count_two_columns_and_break_between_them() {
        let text =
            format!("<m:MessageText>{}</m:MessageText>", "\u{540c}\u{671f}\u{30a8}\u{30e9}".repeat(20));
        let r = reflow(&text, 40, &[]);
        assert!(r.changed());
        assert!(r.text.lines().all(|l| l.width() <= 40), "{}", r.text);
        assert_eq!(r.text.replace(['\n', ' '], ""), text.replace(' ', ""), "nothing is taken out");
    }

    #[test]
    fn short_lines_stay() {
        let r = reflow("<a>\n  <b>x</b>\n</a>", 40, &[]);
        assert!(!r.changed());
        assert_eq!(r.text, "<a>\n  <b>x</b>\n</a>");
    }

    #[test]
    fn tags_break_and_indent_by_depth() {
        let text = "<Envelope><Body><Code>ErrorServerBusy</Code><Text>busy</Text></Body></Envelope>";
        let r = reflow(text, 40, &[]);
        assert_eq!(
            r.text,
            "<Envelope>\n  <Body>\n    <Code>ErrorServerBusy</Code>\n    <Text>busy</Text>\n  </Body>\n</Envelope>"
        );
        let code = text.find("ErrorServerBusy").unwrap_or_default();
        let start = r.start(code);
        assert_eq!(&r.text[start..r.end(code + 15)], "ErrorServerBusy");
    }

    #[test]
    fn long_text_breaks_at_blanks_and_spans_still_map() {
        let text = "word ".repeat(30);
        let r = reflow(&text, 40, &[]);
        assert!(r.text.lines().all(|l| l.chars().count() <= 40), "{}", r.text);
        let at = 5 * 17;
        assert_eq!(&r.text[r.start(at)..r.end(at + 4)], "word");
    }

    #[test]
    fn a_long_run_without_blanks_is_cut() {
        let text = "x".repeat(300);
        let r = reflow(&text, 40, &[]);
        assert!(r.text.lines().all(|l| l.len() <= LONGEST_WORD + 2));
        assert_eq!(r.text.replace(['\n', ' '], ""), text);
    }
}
