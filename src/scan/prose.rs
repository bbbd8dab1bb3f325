//! Sentences in a log: where an alert's or an error's sentence starts and
//! stops on its line, the blanks, quotes and markup around it, and the words
//! as a person reads them (escapes undone, the log line's own time and level
//! left out). The alert, exception, HRESULT, mention and Graph readers share
//! these.

use std::borrow::Cow;
use std::ops::Range;

use super::{context, view};

/// Where an alert token or a sentence stops: a line break, or the quote,
/// markup or escape that ends the field it sits in.
pub(super) fn token_end(buf: &[u8], from: usize, limit: usize) -> usize {
    let end = buf.len().min(from + limit);
    buf[from..end]
        .iter()
        .position(|b| matches!(b, b'\n' | b'\r' | b'"' | b'<' | b'\\' | b'|' | b'\t'))
        .map_or(end, |p| from + p)
}

/// Does a word character stand just before `at` (so that a name found there
/// is the tail of a longer one)?
pub(super) fn ident_before(buf: &[u8], at: usize) -> bool {
    at > 0 && (buf[at - 1].is_ascii_alphanumeric() || buf[at - 1] == b'_')
}

/// How far before its anchor an alert's or error's sentence may start.
const SENTENCE_REACH: usize = 512;

/// Within a line, a sentence starts after the last field or markup boundary,
/// and no further back than [`SENTENCE_REACH`]: on a longer line it starts
/// after the full stop before it (or the first blank past that bound), so
/// that a message never swallows the line before it.
pub(super) fn sentence_start(buf: &[u8], from: usize, to: usize) -> usize {
    let bound = to.saturating_sub(SENTENCE_REACH);
    let from = if from < bound { after_partial_sentence(&buf[bound..to]) + bound } else { from };
    let mut start = from;
    for (i, b) in buf[from..to].iter().enumerate() {
        // `,"` starts a CSV field; `|` and tabs end columns; a `>` ends markup
        // when words follow it at once (`<td>An unknown…`), not a placeholder
        // (`<Mailbox Name>. The owner…`).
        let field = *b == b',' && buf.get(from + i + 1) == Some(&b'"');
        let markup = *b == b'>' && buf.get(from + i + 1).is_some_and(u8::is_ascii_alphanumeric);
        if field || markup || matches!(b, b'|' | b'\t') {
            start = from + i + 1;
        }
    }
    start.min(to)
}

/// Where the last sentence of `text` starts, `text` having been cut from a
/// longer line: after the full stop that ends the sentence before it, or
/// else after the first blank (so no word is cut), or at its start.
fn after_partial_sentence(text: &[u8]) -> usize {
    // The text may end with its own sentence's stop (`… "Dana Okafor". `).
    let body = text.trim_ascii_end();
    let body = body.strip_suffix(b".").unwrap_or(body);
    if let Some(stop) = memchr::memmem::rfind(body, b". ") {
        return stop + 2;
    }
    memchr::memchr(b' ', text).map_or(0, |p| p + 1)
}

/// `span` without the blanks, quotes and emphasis around its words, nor the
/// `>` of a quoted line before them or the `\` of an escape after them.
pub(super) fn trim_span(buf: &[u8], span: Range<usize>) -> Range<usize> {
    let Range { start: mut s, end: mut e } = span;
    while s < e && (buf[s].is_ascii_whitespace() || matches!(buf[s], b'"' | b'*' | b'>')) {
        s += 1;
    }
    while e > s && (buf[e - 1].is_ascii_whitespace() || matches!(buf[e - 1], b'"' | b'*' | b'\\')) {
        e -= 1;
    }
    s..e
}

/// Past the colon, blanks and emphasis after a label (`Sync Error:** `).
pub(super) fn skip_label_punctuation(buf: &[u8], mut i: usize) -> usize {
    while i < buf.len() && matches!(buf[i], b' ' | b':' | b'*' | b'\xc2' | b'\xa0') {
        i += 1;
    }
    i
}

/// An alert sentence as a person would read it: the log line's time and level
/// left out, doubled and escaped quotes undone.
pub(super) fn clean_sentence(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(without_log_prefix(raw));
    let text = replaced(replaced(replaced(replaced(text, "\"\"", "\""), "\\\"", "\""), "\\n", " "), "**", "");
    let text = view::decode_text(text.as_bytes());
    // What an article or a list puts before a quoted alert: `- > "`.
    text.trim_start_matches(['-', '>', '*', '"', ' ']).trim_end_matches('"').to_string()
}

/// `text` with every `from` made `to`, copied only when it holds one (most
/// sentences hold none of the escapes undone here).
fn replaced<'a>(text: Cow<'a, str>, from: &str, to: &str) -> Cow<'a, str> {
    if text.contains(from) { Cow::Owned(text.replace(from, to)) } else { text }
}

/// The text after a leading timestamp and severity word (`2026-11-20 08:15:02
/// Error …`), which belong to the log line rather than to the alert.
fn without_log_prefix(raw: &[u8]) -> &[u8] {
    let Some(time) = context::time(raw) else { return raw };
    let Some(at) = memchr::memmem::find(raw, time.as_bytes()).filter(|at| *at < 4) else { return raw };
    let mut rest = raw[at + time.len()..].trim_ascii_start();
    rest = rest.strip_prefix(b"]").unwrap_or(rest).trim_ascii_start();
    for level in [&b"Error"[..], b"Warning", b"Information", b"ERROR", b"WARN", b"INFO"] {
        if let Some(after) = rest.strip_prefix(level) {
            let after = after.strip_prefix(b":").unwrap_or(after);
            if after.first().is_some_and(u8::is_ascii_whitespace) {
                return after.trim_ascii_start();
            }
        }
    }
    rest
}

/// A message as a person reads it: escapes undone, runs of blanks (a wrapped
/// line and its indent) made one space.
pub(super) fn clean(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = replaced(replaced(replaced(text, "\\'", "'"), "\\\"", "\""), "\"\"", "\"");
    let mut out = String::with_capacity(text.len());
    for word in text.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_their_wrapping() {
        assert_eq!(
            clean(b"The user might have\n    changed it \\'now\\'"),
            "The user might have changed it 'now'"
        );
    }

    #[test]
    fn a_sentence_starts_after_the_field_or_markup_before_it() {
        let line = b"2026-11-20,\"An unknown error occurred.\"";
        let start = sentence_start(line, 0, line.len());
        assert_eq!(&line[trim_span(line, start..line.len())], b"An unknown error occurred.");
        let cell = b"<td>Mailbox Dana Okafor is disabled";
        assert_eq!(&cell[sentence_start(cell, 0, cell.len())..], b"Mailbox Dana Okafor is disabled");
    }

    #[test]
    fn on_a_long_line_a_sentence_starts_after_the_full_stop_before_it() {
        let mut line = "word ".repeat(150).into_bytes();
        line.extend_from_slice(b"The earlier one ends. The alert says so");
        let start = sentence_start(&line, 0, line.len());
        assert_eq!(&line[start..], b"The alert says so");
    }

    #[test]
    fn alert_sentences_lose_the_log_lines_time_and_level() {
        assert_eq!(
            clean_sentence(b"2026-11-20 08:15:02 Error: The mailbox \"\"Dana Okafor\"\" is disabled."),
            "The mailbox \"Dana Okafor\" is disabled."
        );
    }
}
