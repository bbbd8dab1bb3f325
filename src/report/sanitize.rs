//! Text from the input made safe for a terminal.
//!
//! A log can hold anything, and a terminal acts on some of it: an escape
//! sequence can retitle the window, plant a hyperlink or clear the screen, a
//! carriage return or backspace can overwrite what was printed, and a
//! right-to-left override can make text read other than it is. Every text
//! that came from an input (messages, codes, mailboxes, payloads, file names)
//! passes through here before a terminal renderer (human, summary, inspect)
//! draws it: each such character is shown as a visible escape instead (`\e`,
//! `\r`, `\u{9b}`, `\u{202e}`). Line breaks and tabs stay, as a CR before a
//! line break does. Machine formats (ndjson, JSON, CSV) keep the exact text,
//! escaped by their own rules.

use std::borrow::Cow;

use crate::model::{Broken, Finding, Malformed, Note, Summary};

/// `text` with every character a terminal would act on shown as an escape.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape_mapped(text).0
}

/// As [`for_terminal`], with where text grew: `(offset in the original just
/// after the character escaped, bytes added)`, in order.
pub(crate) fn escape_mapped(text: &str) -> (Cow<'_, str>, Vec<(usize, usize)>) {
    let Some(first) = text.char_indices().find(|&(i, c)| acts(text, i, c)).map(|(i, _)| i) else {
        return (Cow::Borrowed(text), Vec::new());
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    let mut grown = Vec::new();
    for (i, c) in text[first..].char_indices().map(|(i, c)| (first + i, c)) {
        if !acts(text, i, c) {
            out.push(c);
            continue;
        }
        let before = out.len();
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            _ => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
        grown.push((i + c.len_utf8(), (out.len() - before).saturating_sub(c.len_utf8())));
    }
    (Cow::Owned(out), grown)
}

/// Would a terminal act on `c` at byte `i` of `text` rather than print it?
fn acts(text: &str, i: usize, c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // A CR ending a line (CRLF) only ends it.
        '\r' => text.as_bytes().get(i + 1) != Some(&b'\n'),
        // C0 controls, DEL and C1 controls (U+009B is a one-byte CSI).
        c if c.is_control() => true,
        // Bidirectional formatting: embeddings, overrides, isolates, marks.
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn fix(text: &mut String) {
    if let Cow::Owned(clean) = for_terminal(text) {
        *text = clean;
    }
}

fn fix_all<'a>(texts: impl IntoIterator<Item = &'a mut String>) {
    texts.into_iter().for_each(fix);
}

/// A finding's texts made safe, all but its payload text (`source`), whose
/// spans a renderer maps through [`escape_mapped`] itself.
pub(crate) fn finding(f: &Finding) -> Finding {
    let mut f = f.clone();
    fix_all([&mut f.path, &mut f.code]);
    fix_all(
        [&mut f.inner_code, &mut f.message, &mut f.operation, &mut f.mailbox, &mut f.profile, &mut f.time]
            .into_iter()
            .flatten(),
    );
    fix_all(f.details.values_mut());
    f
}

/// A malformed record's path and reason made safe.
pub(crate) fn malformed(m: &Malformed) -> Malformed {
    let mut m = m.clone();
    fix_all([&mut m.path]);
    if let Broken::Xml(words) = &mut m.reason {
        fix_all([words]);
    }
    m
}

/// A run summary's texts made safe: root causes, mailboxes, codes, notes.
pub(crate) fn summary(s: &Summary) -> Summary {
    let mut s = s.clone();
    for cause in &mut s.root_causes {
        fix_all([&mut cause.id, &mut cause.title]);
        fix_all(
            cause
                .codes
                .iter_mut()
                .chain(&mut cause.mailboxes)
                .chain(cause.evidence.iter_mut().map(|e| &mut e.text))
                .chain(&mut cause.fix),
        );
        fix_all([&mut cause.first_seen, &mut cause.last_seen, &mut cause.kb_code].into_iter().flatten());
    }
    for note in s.skipped.iter_mut().chain(&mut s.unreadable) {
        note_fix(note);
    }
    s
}

fn note_fix(note: &mut Note) {
    fix_all([&mut note.path, &mut note.reason]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_visible_escapes() {
        assert_eq!(for_terminal("a\u{1b}]0;pwned\u{7}b"), "a\\e]0;pwned\\u{7}b");
        assert_eq!(for_terminal("x\u{9b}2Jy\u{202e}z\u{8}"), "x\\u{9b}2Jy\\u{202e}z\\u{8}");
        assert_eq!(for_terminal("over\rwrite"), "over\\rwrite");
        assert_eq!(for_terminal("line\r\nnext\tcell"), "line\r\nnext\tcell");
        assert!(matches!(for_terminal("plain text"), Cow::Borrowed(_)));
    }

    #[test]
    fn growth_is_recorded_after_each_escaped_character() {
        let (text, grown) = escape_mapped("a\u{1b}b\u{202e}c");
        assert_eq!(text, "a\\eb\\u{202e}c");
        assert_eq!(grown, [(2, 1), (6, 5)]);
    }
}
