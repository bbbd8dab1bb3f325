//! The name an alert sentence gives a mailbox in quotes, in brackets or as
//! an address (`through the mailbox ""Ana Herrera""`, `mailbox [Sales]`,
//! `mailbox record 'Queue'`, `mailbox kai@contoso.com`), read by hand.
//!
//! Exports spell a fresh sentence for every alert (an item's subject, a
//! count), so the sentence cache rarely helps them, and running the mailbox
//! pattern over each sentence was most of what an alert cost. This reads
//! ASCII text exactly as the pattern does (a test holds the two together);
//! text with any other byte is left to the pattern, whose classes and blanks
//! then follow Unicode.

use std::ops::Range;

/// Where the name stands in the first place the pattern would match `text`
/// (ASCII): `Some(None)` when it matches nowhere, `None` when `text` is not
/// ASCII and only the pattern can tell.
pub(super) fn first(text: &[u8]) -> Option<Option<Range<usize>>> {
    if !text.is_ascii() {
        return None;
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut starts = memchr::memchr2_iter(b'm', b'M', text).filter(|&at| {
        text.get(at..at + 7).is_some_and(|w| w.eq_ignore_ascii_case(b"mailbox"))
            && !at.checked_sub(1).is_some_and(|before| word(text[before]))
    });
    Some(starts.find_map(|at| after_word(text, at + 7)))
}

/// The name after `mailbox` (which ends at `at`): blanks, perhaps `record`
/// and blanks, then a name in one of the forms.
fn after_word(text: &[u8], at: usize) -> Option<Range<usize>> {
    let name_at = blanks_after(text, at)?;
    let record = text
        .get(name_at..name_at + 6)
        .filter(|w| w.eq_ignore_ascii_case(b"record"))
        .and_then(|_| blanks_after(text, name_at + 6));
    record.and_then(|at| name(text, at)).or_else(|| name(text, name_at))
}

/// Where the blanks starting at `at` end; `None` when there are none.
fn blanks_after(text: &[u8], at: usize) -> Option<usize> {
    let run = text[at.min(text.len())..].iter().take_while(|b| super::context::is_blank(**b)).count();
    (run > 0).then_some(at + run)
}

/// The quotes a name may stand between, tried in this order: doubled (a
/// CSV field), escaped or plain (a JSON string, a log), as an entity.
const QUOTES: [&[u8]; 5] = [b"\"\"", b"\\\"", b"\"", b"&quot;", b"&amp;quot;"];
/// The longest name the pattern reads.
const LONGEST: usize = 200;

/// A name in one of the forms, starting at `at`.
fn name(text: &[u8], at: usize) -> Option<Range<usize>> {
    let rest = &text[at..];
    let quoted = QUOTES.iter().filter(|q| starts_with_ci(rest, q)).find_map(|q| {
        let start = at + q.len();
        let end = between(text, start, |b| matches!(b, b'"' | b'\\' | b'&' | b'\r' | b'\n'))?;
        QUOTES.iter().any(|q| starts_with_ci(&text[end..], q)).then_some(start..end)
    });
    quoted
        .or_else(|| enclosed(text, at, b'[', b']'))
        .or_else(|| enclosed(text, at, b'\'', b'\''))
        .or_else(|| super::context::address(rest).and_then(Result::ok).map(|len| at..at + len))
}

/// The name between `open` at `at` and the next `close` on the line.
fn enclosed(text: &[u8], at: usize, open: u8, close: u8) -> Option<Range<usize>> {
    if text.get(at) != Some(&open) {
        return None;
    }
    let end = between(text, at + 1, |b| b == close || matches!(b, b'\r' | b'\n'))?;
    (text.get(end) == Some(&close)).then_some(at + 1..end)
}

/// Where a name starting at `start` ends: at the first byte `stops`, after
/// one byte at least and no more than [`LONGEST`].
fn between(text: &[u8], start: usize, stops: impl Fn(u8) -> bool) -> Option<usize> {
    let len = text[start.min(text.len())..].iter().take_while(|&&b| !stops(b)).count();
    (1..=LONGEST).contains(&len).then_some(start + len)
}

fn starts_with_ci(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::context::MAILBOX;

    /// Where the pattern finds the name.
    fn by_pattern(text: &[u8]) -> Option<Range<usize>> {
        let captures = MAILBOX.captures(text)?;
        (1..=5).find_map(|i| captures.get(i)).map(|name| name.range())
    }

    #[test]
    fn names_in_every_form() {
        fn read(text: &str) -> Option<&str> {
            first(text.as_bytes()).flatten().map(|r| &text[r])
        }
        assert_eq!(read(r#"sent through the mailbox ""Ana Herrera"". The owner"#), Some("Ana Herrera"));
        assert_eq!(read(r#"for the mailbox \"Support Queue\" because"#), Some("Support Queue"));
        assert_eq!(read("for Mailbox &amp;quot;Kai&amp;quot; and"), Some("Kai"));
        assert_eq!(read("the mailbox record [Sales Desk] failed"), Some("Sales Desk"));
        assert_eq!(read("the mailbox 'Queue' failed"), Some("Queue"));
        assert_eq!(read("the mailbox\tkai.berg@contoso.com. Retry"), Some("kai.berg@contoso.com"));
        assert_eq!(read("the mailbox database is full"), None);
        assert_eq!(read("mailboxes \"A\""), None, "another word");
        assert_eq!(first("the mailbox “Zoë”".as_bytes()), None, "left to the pattern");
    }

    #[test]
    fn reads_as_the_pattern_does() {
        // Texts built from the pieces the forms are made of, near misses
        // included; most start at the word, and a long run of letters makes
        // names past the longest the pattern reads.
        let long = "n".repeat(121);
        let pieces = [
            r#" "Ana Herrera""#,
            r#" ""Ana"""#,
            " [Desk]",
            " 'Q'",
            " &quot;Kai&quot;",
            "mailbox",
            "Mailbox",
            "MAILBOX ",
            "xmailbox",
            " ",
            "\t",
            "\r\n",
            "record ",
            "record",
            r#""""#,
            r#"\""#,
            r#"""#,
            "&quot;",
            "&AMP;quot;",
            "&amp;",
            "[",
            "]",
            "'",
            "Ana Herrera",
            "kai.berg@contoso.com",
            "@x.c",
            ".",
            "_",
            "Queue",
            &long,
        ];
        let texts = crate::scan::mixed::texts(&pieces, 0x5851_F42D_4C95_7F2D, 80_000, 14);
        let mut named = 0;
        for (i, rest) in texts.iter().enumerate() {
            let text = if i % 4 == 0 { format!("the {rest}") } else { format!("the mailbox{rest}") };
            let expected = by_pattern(text.as_bytes());
            assert_eq!(first(text.as_bytes()), Some(expected.clone()), "{text}");
            named += usize::from(expected.is_some());
        }
        assert!(named > 5_000, "only {named} texts named a mailbox");
    }
}
