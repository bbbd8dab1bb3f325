//! Context around a payload: the mailbox and profile an alert sentence names,
//! and the time a log line starts with.

use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::Regex;

use memchr::memmem::Finder;

use super::quoted_name;
use crate::ascii::find_ignoring_case;
use crate::cache::Cache;

static TRACE_OPEN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"<Trace"));
static TRACE_CLOSE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"</Trace>"));
static TIME_ATTRIBUTE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"Time="));

pub(super) static MAILBOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // Quotes as they stand in the text, a CSV field ("") or a JSON string (\").
        r#"(?i)\bmailbox\s+(?:record\s+)?(?:(?:""|\\?"|&(?:amp;)?quot;)([^"\\&\r\n]{1,200})(?:""|\\?"|&(?:amp;)?quot;)|“([^”\r\n]{1,200})”|\[([^\]\r\n]{1,200})\]|'([^'\r\n]{1,200})'"#,
        r#"|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}))"#
    ))
    .expect("a valid pattern")
});

/// A mailbox named without quotes: after `the mailbox` or `for mailbox`, or
/// as the subject of a sentence (`Mailbox Nadia Holm didn't synchronize.`).
/// The words are cut to the name by [`bare_name`].
static BARE_MAILBOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:\b(?i:the|for) mailbox|(?:^|[.!?>*]\s*|\s)(Mailbox))[ \t]+(\p{Lu}|\d)"#)
        .expect("a valid pattern")
});

static PROFILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bemail server profile\s+(?:(?:""|\\?"|&(?:amp;)?quot;)([^"\\&\r\n]{1,120})(?:""|\\?"|&(?:amp;)?quot;)|\[([^\]\r\n]{1,120})\]|((?-i:\p{Lu}|\d)[^\r\n.]{0,119}?))(?:\s+has been notified|\s+is\b|\s+was\b|\.|,|$)"#)
        .expect("a valid pattern")
});

/// Lower-case words that resume the sentence after a name written bare.
const SENTENCE_WORDS: &[&str] = &[
    "a", "after", "an", "and", "are", "as", "at", "because", "before", "but", "by", "can", "can't", "cannot",
    "could", "couldn't", "did", "didn't", "does", "doesn't", "failed", "for", "from", "has", "hasn't",
    "have", "had", "if", "in", "into", "is", "isn't", "may", "might", "must", "needs", "not", "of", "on",
    "or", "should", "since", "so", "that", "the", "through", "to", "until", "via", "was", "wasn't", "were",
    "when", "which", "while", "will", "with", "won't",
];

/// The words that may follow a mailbox named as a sentence's subject.
const VERBS: &[&str] = &[
    "can't", "cannot", "could", "couldn't", "didn't", "doesn't", "failed", "has", "hasn't", "is", "isn't",
    "was", "wasn't", "will", "won't",
];

/// The name at the start of `text`, written without quotes: its words up to
/// the first word of the sentence's own (`because`, `didn't`, …) or to the
/// punctuation that ends it. `verb_needed`: the name is a sentence's subject
/// and counts only when a word of the sentence follows it.
fn bare_name(text: &[u8], verb_needed: bool) -> Option<String> {
    let end = text
        .iter()
        .position(|b| {
            matches!(b, b'\r' | b'\n' | b'"' | b'\\' | b'<' | b'>' | b'|' | b'\t' | b'(' | b'[' | b'*')
        })
        .unwrap_or(text.len())
        .min(200);
    let text = String::from_utf8_lossy(&text[..end]);
    let mut name_end = 0;
    let mut resumed = false;
    for (at, word) in text.split(' ').scan(0, |at, w| {
        let start = *at;
        *at += w.len() + 1;
        Some((start, w))
    }) {
        if word.is_empty() {
            break;
        }
        let bare = word.trim_end_matches(['.', ',', ';', ':', '!', '?', '…']);
        let lower = bare.to_lowercase().replace('\u{2019}', "'");
        if at > 0 && SENTENCE_WORDS.contains(&lower.as_str()) {
            // A sentence's subject is followed by its verb, not a preposition
            // (`Mailbox 4f2d next poll in 900 s` names no mailbox).
            resumed = !verb_needed || VERBS.contains(&lower.as_str());
            break;
        }
        name_end = at + bare.len();
        if bare.len() < word.len() || bare.contains('…') {
            // Punctuation closes the name, and the sentence clause with it.
            resumed = true;
            break;
        }
        if at > 120 {
            return None;
        }
    }
    let name = text[..name_end].trim();
    (!name.is_empty() && (resumed || !verb_needed)).then(|| name.to_string())
}

/// The time and mailbox of the log record a payload at `at` belongs to: from
/// the start of its own line or, for a continuation (a stack trace, a payload
/// printed under its log line), from the nearest line above that has a time,
/// stopping at a blank line.
pub(crate) fn record(buf: &[u8], at: usize, floor: usize) -> (Option<String>, Option<String>) {
    let mut start = super::lines::line_start(buf, at, floor);
    let mut end = at;
    for above in 0..RECORD_LINES {
        let line = &buf[start..end];
        if let Some(found) = time(line) {
            return (Some(found), mailbox(line));
        }
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if start <= floor || start == 0 || (above > 0 && blank) {
            break;
        }
        end = start - 1;
        start = super::lines::line_start(buf, end, floor);
        if end == start {
            break;
        }
    }
    (None, None)
}

/// How many lines above a payload are searched for its log record's time.
const RECORD_LINES: usize = 24;

/// The first timestamp in `text`.
pub(crate) fn time(text: &[u8]) -> Option<String> {
    let found = super::time::find(text)?;
    Some(owned(&text[found]))
}

/// `bytes` as a string of its own, each invalid sequence a replacement
/// character. Checking first is cheaper than going by chunks: nearly every
/// time and name read is valid.
fn owned(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The `Time` attribute of the `<Trace …>` block that `text` ends inside: the
/// last start tag, provided no `</Trace>` closed it since.
pub(crate) fn trace_time(text: &[u8]) -> Option<String> {
    // The last `<Trace` followed by a blank is the only start tag that can
    // hold the time; most payloads have none above them at all. The search
    // runs forwards: it skips ahead by vector, where a reverse search goes
    // byte by byte.
    let tag_at = TRACE_OPEN
        .find_iter(text)
        .filter(|&at| text.get(at + 6).is_some_and(u8::is_ascii_whitespace))
        .last()?;
    let (value, tag_end) = time_attribute(&text[tag_at + 7..])?;
    if TRACE_CLOSE.find(&text[tag_at + 7 + tag_end..]).is_some() {
        return None;
    }
    Some(owned(value))
}

/// The first `Time=` in a start tag's attributes (`tag` starts after the
/// tag's name) whose value is quoted and not empty: the value, and where its
/// closing quote ends. Either quote closes either.
fn time_attribute(tag: &[u8]) -> Option<(&[u8], usize)> {
    let head = &tag[..memchr::memchr(b'>', tag).unwrap_or(tag.len())];
    TIME_ATTRIBUTE.find_iter(head).find_map(|at| {
        let start = at + 5;
        if !matches!(tag.get(start), Some(b'"' | b'\'')) {
            return None;
        }
        let len = memchr::memchr2(b'"', b'\'', &tag[start + 1..]).filter(|&len| len > 0)?;
        Some((&tag[start + 1..start + 1 + len], start + 2 + len))
    })
}

/// Can a word `mailbox` in `text` be followed by a name: (a quoted or
/// bracketed one or an address, one written bare)? Most payloads say
/// `mailbox` only in passing (`the mailbox database`, `exceeds the mailbox
/// quota`), and this look at the next word spares them both patterns. It
/// errs towards yes: the patterns decide.
fn mailbox_may_follow(text: &[u8]) -> Look {
    let (mut quoted, mut bare) = (false, false);
    let word = b"ailbox";
    for at in memchr::memchr2_iter(b'm', b'M', text) {
        if !text.get(at + 1..at + 7).is_some_and(|w| w.eq_ignore_ascii_case(word)) {
            continue;
        }
        let gap = text[at + 7..].iter().take_while(|b| is_blank(**b)).count();
        let next = at + 7 + gap;
        let Some(&first) = text.get(next) else { continue };
        let blank_run = text[at + 7..next].iter().all(|b| matches!(b, b' ' | b'\t'));
        let before = at.checked_sub(1).map(|i| text[i]);
        if !first.is_ascii() || before.is_some_and(|b| !b.is_ascii()) {
            // A non-ASCII blank, a curly quote, a capital: let the patterns look.
            return Look::Patterns { quoted: true, bare: true };
        }
        bare |= gap > 0 && blank_run && (first.is_ascii_uppercase() || first.is_ascii_digit());
        let word_starts = !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if gap == 0 || !word_starts || quoted {
            continue;
        }
        let rest = &text[next..];
        if matches!(first, b'"' | b'\\' | b'&' | b'[' | b'\'')
            || rest.get(..6).is_some_and(|w| w.eq_ignore_ascii_case(b"record"))
        {
            quoted = true;
            continue;
        }
        match address(rest) {
            // The first place a name can stand, and it holds an address: the
            // one the patterns would find.
            Some(Ok(end)) => return Look::Address(next..next + end),
            Some(_) => quoted = true,
            None => {}
        }
    }
    Look::Patterns { quoted, bare }
}

/// Is `b` a byte the patterns' `\s` matches in ASCII text? (Rust's ASCII
/// whitespace leaves out the vertical tab.)
pub(super) fn is_blank(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0B
}

/// What a look at the words after `mailbox` found.
enum Look {
    /// An address, where the first name stands.
    Address(std::ops::Range<usize>),
    /// Which patterns may find a name.
    Patterns { quoted: bool, bare: bool },
}

/// The length of the address `text` starts with (`kai.berg@contoso.com`), as
/// the mailbox pattern reads one; `Some(Err(()))` when a non-ASCII letter
/// next to it leaves that to the pattern.
pub(super) fn address(text: &[u8]) -> Option<Result<usize, ()>> {
    let local = text.iter().take_while(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(b)).count();
    match text.get(local) {
        _ if local == 0 => return None,
        Some(b'@') => {}
        Some(b) if !b.is_ascii() => return Some(Err(())),
        _ => return None,
    }
    let domain = &text[local + 1..];
    let run = domain.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')).count();
    if domain.get(run).is_some_and(|b| !b.is_ascii()) {
        return Some(Err(()));
    }
    // The last dot with a name before it and two letters after it.
    let dot = (1..run).rev().find(|&k| {
        domain[k] == b'.' && domain[k + 1..run].iter().take_while(|b| b.is_ascii_alphabetic()).count() >= 2
    })?;
    let letters = domain[dot + 1..run].iter().take_while(|b| b.is_ascii_alphabetic()).count();
    Some(Ok(local + 1 + dot + 1 + letters))
}

/// The mailbox an alert sentence names: quoted (`through the mailbox "X"`),
/// bracketed, an address, or bare (`for the mailbox Sales Queue because…`,
/// `Mailbox Nadia Holm didn't synchronize.`).
pub(crate) fn mailbox(text: &[u8]) -> Option<String> {
    match mailbox_may_follow(text) {
        Look::Address(at) => Some(owned(&text[at])),
        Look::Patterns { quoted, bare } => mailbox_named(text, quoted, bare),
    }
}

/// [`mailbox`], trying the quoted forms when `quoted` and the bare ones when `bare`.
fn mailbox_named(text: &[u8], quoted: bool, bare: bool) -> Option<String> {
    let first_quoted = || match quoted_name::first(text) {
        Some(read) => read,
        None => MAILBOX.captures(text).and_then(|c| (1..=5).find_map(|i| c.get(i))).map(|name| name.range()),
    };
    if quoted && let Some(name) = first_quoted() {
        let name = String::from_utf8_lossy(&text[name]).trim().to_string();
        if !name.is_empty() && !name.starts_with('<') {
            return Some(name);
        }
    }
    if !bare {
        return None;
    }
    BARE_MAILBOX.captures_iter(text).find_map(|c| {
        let start = c.get(2)?.start();
        bare_name(&text[start..], c.get(1).is_some())
    })
}

/// The email server profile an alert sentence names.
pub(crate) fn profile(text: &[u8]) -> Option<String> {
    let at = find_ignoring_case(text, b"email server profile")?;
    if !text[..at].is_ascii() {
        // A spelling of the words only the pattern's case folding knows
        // (a long s) could stand before: the pattern reads all of it.
        return read_profile(text, 0);
    }
    // Otherwise the name follows the first place the words stand, and the
    // pattern reads only from there (and the byte before, for `\b`): a tail
    // an export repeats for every mailbox of a profile, read once.
    let from = at.saturating_sub(1);
    let tail = &text[from..];
    PROFILES.with_borrow_mut(|read| read.get_or_insert_with(tail, || read_profile(tail, at - from)).clone())
}

/// Sentence tails a thread remembers the profile named in.
const PROFILES_KEPT: usize = 256;

thread_local! {
    static PROFILES: RefCell<Cache<Vec<u8>, Option<String>, PROFILES_KEPT>> = RefCell::default();
}

/// The profile [`PROFILE`] reads in `text`, at or after `from`.
fn read_profile(text: &[u8], from: usize) -> Option<String> {
    let captures = PROFILE.captures_at(text, from)?;
    let name = (1..=3).find_map(|i| captures.get(i))?;
    let name = String::from_utf8_lossy(name.as_bytes()).trim().to_string();
    (!name.is_empty() && !name.starts_with(['<', '\\'])).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for pattern in [&MAILBOX, &BARE_MAILBOX, &PROFILE] {
            assert!(!LazyLock::force(pattern).as_str().is_empty());
        }
    }

    #[test]
    fn times_in_log_prefixes() {
        assert_eq!(time(b"2026-11-20T08:15:02.117Z INFO x").as_deref(), Some("2026-11-20T08:15:02.117Z"));
        assert_eq!(time(b"[2026-11-20 08:15:02,117] x").as_deref(), Some("2026-11-20 08:15:02,117"));
        assert_eq!(time(b"11/20/2026 8:15:02 AM,").as_deref(), Some("11/20/2026 8:15:02 AM"));
        assert_eq!(time(b"no time here"), None);
    }

    #[test]
    fn mailbox_and_profile_from_alert_sentences() {
        let s = br#"An unknown error occurred while receiving email through the mailbox "Dana Okafor". The owner of the associated email server profile Contoso Exchange Online has been notified."#;
        assert_eq!(mailbox(s).as_deref(), Some("Dana Okafor"));
        assert_eq!(profile(s).as_deref(), Some("Contoso Exchange Online"));
        let s = b"Email can't be received for the mailbox [Sales Queue] because the mailbox record doesn't have a valid email address.";
        assert_eq!(mailbox(s).as_deref(), Some("Sales Queue"));
        assert_eq!(mailbox(b"the mailbox <Mailbox Name> is"), None);
        assert_eq!(mailbox(b"mailbox kai.berg@contoso.com didn't").as_deref(), Some("kai.berg@contoso.com"));
        assert_eq!(mailbox(br#"the mailbox ""Rosa Lindqvist"" because"#).as_deref(), Some("Rosa Lindqvist"));
        assert_eq!(mailbox(br#"the mailbox \"Rosa Lindqvist\" because"#).as_deref(), Some("Rosa Lindqvist"));
    }

    #[test]
    fn bare_names_end_where_the_sentence_resumes() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "Email can't be received for the mailbox Sales Queue because the mailbox record doesn't have a valid email address.",
                Some("Sales Queue"),
            ),
            (
                "An unexpected error occurred while receiving email. Mailbox Nadia Holm didn't synchronize.",
                Some("Nadia Holm"),
            ),
            (
                "An internal error occurred while receiving email through the mailbox Jane Doe.",
                Some("Jane Doe"),
            ),
            (
                "Appointments, contacts, and tasks for the mailbox Omar Haddad couldn't be synchronized.",
                Some("Omar Haddad"),
            ),
            (
                "the email address of the mailbox Help Desk is configured with another organization.",
                Some("Help Desk"),
            ),
            (
                "Make sure that the credentials specified in the mailbox Lena Vogel are correct",
                Some("Lena Vogel"),
            ),
            (
                "An error occurred in sending email for mailbox Kai Berg while connecting to the email server.",
                Some("Kai Berg"),
            ),
            ("has been enabled for the mailbox Aiko Sato\u{2026}", Some("Aiko Sato")),
            ("A general mailbox access error occurred. The mailbox didn't synchronize.", None),
            ("Email can't be received for the mailbox because an error occurred", None),
            ("Configuration errors can be found in the **Mailbox Alert Wall**", None),
            ("Starting mailbox cycle for 118 mailboxes", None),
            ("DEBUG Mailbox 4f2d9a10 next poll in 900 s", None),
            ("INFO Mailbox 0c7e11f3 skipped this cycle", None),
            ("through the mailbox \\<Mailbox Name>.", None),
        ];
        for (text, want) in cases {
            let text = text.replace("\\u{2026}", "\u{2026}");
            assert_eq!(mailbox(text.as_bytes()).as_deref(), *want, "{text}");
        }
    }

    #[test]
    fn the_look_ahead_never_hides_a_mailbox_the_patterns_find() {
        const PIECES: &[&str] = &[
            "the ",
            "for ",
            "mailbox",
            "Mailbox",
            "MAILBOX",
            " ",
            "\t",
            "\u{b}",
            "\n",
            "record ",
            "\"",
            "\"\"",
            "\\\"",
            "&quot;",
            "&amp;quot;",
            "[",
            "]",
            "'",
            "\u{201c}",
            "\u{201d}",
            "\u{a0}",
            "Dana Okafor",
            "kai.berg",
            "user7@fabrikam.co",
            ".uk",
            "-x",
            "\u{212a}",
            "\u{17f}",
            "x",
            "_",
            "@",
            ".",
            "\u{e9}",
            "a.b@c.d",
            "@contoso.com",
            "4f2d",
            " didn't synchronize.",
            " because",
            ". ",
            ">",
            "*",
            "database",
            "es",
        ];
        let mut named = 0;
        for text in crate::scan::mixed::texts(PIECES, 0x2545_F491_4F6C_DD1D, 80_000, 10) {
            let all = mailbox_named(text.as_bytes(), true, true);
            named += usize::from(all.is_some());
            assert_eq!(mailbox(text.as_bytes()), all, "{text:?}");
        }
        assert!(named > 50, "the generator names mailboxes ({named} times)");
    }

    #[test]
    fn profiles_quoted_bracketed_and_bare() {
        let bare = b"The owner of the associated email server profile Fabrikam Online has been notified.";
        assert_eq!(profile(bare).as_deref(), Some("Fabrikam Online"));
        assert_eq!(
            profile(b"the email server profile [Contoso Hybrid] has been notified").as_deref(),
            Some("Contoso Hybrid")
        );
        assert_eq!(
            profile(br#"email server profile ""Contoso Hybrid"" has been notified"#).as_deref(),
            Some("Contoso Hybrid")
        );
        assert_eq!(profile(br"email server profile \<Profile Name> has been notified"), None);
        assert_eq!(profile(b"the port specified in the email server profile is incorrect."), None);
        let later =
            b"The email server profile is wrong. The owner of email server profile Contoso Hybrid was told.";
        assert_eq!(profile(later).as_deref(), Some("Contoso Hybrid"), "the words stand twice");
        for mailbox in ["Ana", "Bo"] {
            let sentence =
                format!("Mailbox {mailbox}: the owner of email server profile Fabrikam has been notified.");
            assert_eq!(profile(sentence.as_bytes()).as_deref(), Some("Fabrikam"), "read once, told twice");
        }
        let long_s =
            "email \u{17f}erver profile Fabrikam has been notified; the email server profile is wrong";
        assert_eq!(
            profile(long_s.as_bytes()).as_deref(),
            Some("Fabrikam"),
            "the pattern folds case as Unicode does"
        );
        assert_eq!(profile(b"xemail server profile Contoso has been notified"), None, "a word of its own");
        let wall = b"A notification about this is posted on the alerts wall for the owner of the email server profile Microsoft Exchange Online.";
        assert_eq!(profile(wall).as_deref(), Some("Microsoft Exchange Online"));
    }

    #[test]
    fn trace_blocks_carry_their_time() {
        let t = br#"<Trace Tag="EwsResponse" Tid="9" Time="2026-11-20 08:15:02Z" Version="15.20">"#;
        assert_eq!(trace_time(t).as_deref(), Some("2026-11-20 08:15:02Z"));
        let closed = br#"<Trace Tag="EwsResponse" Time="2026-11-20 08:15:02Z"> ... </Trace> later log lines"#;
        assert_eq!(trace_time(closed), None, "a closed block says nothing of what follows");
    }

    /// The pattern `trace_time` once ran, kept as the reference it must agree with.
    fn trace_time_by_pattern(text: &[u8]) -> Option<String> {
        static PATTERN: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r#"<Trace\s[^>]*?Time=["']([^"']+)["']"#).expect("a valid pattern"));
        let mut end = text.len();
        let tag_at = loop {
            let at = memchr::memmem::rfind(&text[..end], b"<Trace")?;
            if text.get(at + 6).is_some_and(u8::is_ascii_whitespace) {
                break at;
            }
            end = at;
        };
        let captures = PATTERN.captures(&text[tag_at..])?;
        if memchr::memmem::find(&text[tag_at + captures.get(0)?.end()..], b"</Trace>").is_some() {
            return None;
        }
        Some(String::from_utf8_lossy(captures.get(1)?.as_bytes()).into_owned())
    }

    #[test]
    fn trace_time_reads_as_the_pattern_did() {
        // Near misses built from the pieces a trace tag is made of, in every
        // order a small seeded generator finds.
        let pieces: [&[u8]; 16] = [
            b"<Trace",
            b" ",
            b"\n",
            b"Tag=\"EwsResponse\"",
            b"Time=",
            b"\"",
            b"'",
            b"2026-11-20 08:15:02Z",
            b">",
            b"</Trace>",
            b"ExecTime=",
            b"x",
            b"\xc3\xa9",
            b"Time=\"\"",
            b"<Trace>",
            b" Time=\"08:15:02\"",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut agreed_on_a_time = 0;
        for _ in 0..60_000 {
            let mut text = b"<Trace ".to_vec();
            for _ in 0..(next() % 12) {
                text.extend_from_slice(pieces[(next() % 16) as usize]);
            }
            let expected = trace_time_by_pattern(&text);
            assert_eq!(trace_time(&text), expected, "{}", String::from_utf8_lossy(&text));
            agreed_on_a_time += usize::from(expected.is_some());
        }
        assert!(agreed_on_a_time > 1000, "only {agreed_on_a_time} texts held a time");
    }
}
