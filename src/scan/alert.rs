//! Dynamics 365 alert lines: the sentence that says what failed for which
//! mailbox, then `Email Server Error Code:` and one of the nine token shapes
//! (an EWS name, a signed HRESULT, a ServiceError number, an HTTP or socket
//! status, a `Crm.` code, a bare status name).

use std::cell::RefCell;
use std::ops::Range;
use std::sync::LazyLock;

use regex::bytes::Regex;

use super::lines::{line_incomplete, line_start};
use super::prose::{
    clean_sentence, ident_before, sentence_start, skip_label_punctuation, token_end, trim_span,
};
use super::recognise::{Draft, Hit, Input, Origin, Outcome};
use super::{context, lines, view};
use crate::cache::Cache;
use crate::kb::{codes, status};
use crate::model::{Finding, Shape};

/// `Email Server Error Code:` and the token after it.
pub(crate) fn alert_label(input: &Input<'_>, hit: Hit) -> Outcome {
    labelled_alert(input, hit.at, hit.at + hit.len)
}

static RETURNED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:\b([A-Za-z][A-Za-z0-9]*)\.\s+)?\b(Exchange[ .]server|Http server|Web server) returned\s+(.+)",
    )
    .expect("RETURNED is a valid pattern")
});

static SOCKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bSocket returned exception\s+(.+)").expect("SOCKET is a valid pattern"));

static CRM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(Crm\.[0-9A-Fa-f]{8})(?:\.\s*(.*))?").expect("CRM is a valid pattern"));

static BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9]+)\.?\s*$").expect("BARE is a valid pattern"));

/// An alert token read from its text.
#[derive(Clone)]
struct Token {
    code: String,
    code_at: Range<usize>,
    /// Where the inner code stands, when the token spells it out.
    inner_at: Option<Range<usize>>,
    inner: Option<String>,
    message: Option<String>,
    http: Option<String>,
    /// The token looks cut (a code name that is not a known one).
    cut: bool,
}

/// Tokens a thread remembers its reading of.
const TOKENS_KEPT: usize = 1024;

thread_local! {
    /// An export spells a few hundred tokens over and over, and the
    /// patterns that read one cost more than the rest of its alert.
    static TOKENS: RefCell<Cache<Vec<u8>, Option<Token>, TOKENS_KEPT>> = RefCell::default();
}

/// Reads the token that follows `Email Server Error Code:` (or stands alone)
/// in `text`, which starts at buffer position `at`: read once per thread
/// while it is remembered.
fn parse_token(text: &[u8], at: usize) -> Option<Token> {
    let token =
        TOKENS.with_borrow_mut(|tokens| tokens.get_or_insert_with(text, || read_token(text)).clone())?;
    let moved = |span: Range<usize>| span.start + at..span.end + at;
    Some(Token { code_at: moved(token.code_at), inner_at: token.inner_at.map(moved), ..token })
}

/// Reads the token `text` holds, its places counted from the start of `text`.
fn read_token(text: &[u8]) -> Option<Token> {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if let Some(c) = RETURNED.captures(text) {
        let who = c.get(2)?.as_bytes();
        let rest = c.get(3)?;
        let words = token_words(rest.as_bytes());
        let first = words.first()?;
        // "the Exchange server returned an unexpected response" is prose: a
        // token is a code, a status or a number, never a lower-case word.
        let lead = rest.as_bytes()[first.0];
        if c.get(1).is_none() && !(lead.is_ascii_uppercase() || lead.is_ascii_digit() || lead == b'-') {
            return None;
        }
        let code_span = |w: &(usize, usize)| rest.start() + w.0..rest.start() + w.1;
        let word = |w: &(usize, usize)| lossy(&rest.as_bytes()[w.0..w.1]);
        let joined = lossy(&rest.as_bytes()[first.0..words.last()?.1]);
        if let Some(pre) = c.get(1) {
            return Some(Token {
                code: lossy(pre.as_bytes()),
                code_at: pre.range(),
                inner_at: None,
                inner: None,
                message: None,
                http: Some(joined),
                cut: false,
            });
        }
        let first_word = word(first);
        if first_word.starts_with("Unknown") && first_word.ends_with("EmailIntegrationError") {
            return Some(Token {
                code: first_word,
                code_at: code_span(first),
                inner: words.get(1).map(word),
                inner_at: words.get(1).map(code_span),
                message: None,
                http: None,
                cut: false,
            });
        }
        if who.starts_with(b"Exchange")
            && let Ok(ordinal) = first_word.parse::<u32>()
        {
            // The documented reading is a ServiceError ordinal (363 is
            // ErrorServerBusy); a number that is also an HTTP error status
            // carries that reading too, for diagnosis to weigh.
            let http = u16::try_from(ordinal).ok().filter(|n| is_http_error(*n)).map(|n| n.to_string());
            return Some(Token {
                code: first_word,
                code_at: code_span(first),
                inner_at: None,
                inner: codes::name_for_ordinal(ordinal).map(str::to_string),
                message: None,
                http,
                cut: false,
            });
        }
        let http = who.starts_with(b"Http").then(|| http_status(&joined)).flatten();
        let (code, span) = if who.starts_with(b"Http") {
            (joined, code_span(first).start..code_span(words.last()?).end)
        } else {
            (first_word, code_span(first))
        };
        let cut = code.starts_with("Error") && !codes::is_ews_code(&code);
        return Some(Token { code, code_at: span, inner_at: None, inner: None, message: None, http, cut });
    }
    if let Some(c) = SOCKET.captures(text) {
        let rest = c.get(1)?;
        let words = token_words(rest.as_bytes());
        let first = words.first()?;
        let last = words.last()?;
        let word = |w: &(usize, usize)| lossy(&rest.as_bytes()[w.0..w.1]);
        return Some(Token {
            code: word(first),
            code_at: rest.start() + first.0..rest.start() + first.1,
            inner: (words.len() > 1).then(|| word(last)),
            inner_at: (words.len() > 1).then(|| rest.start() + last.0..rest.start() + last.1),
            message: None,
            http: None,
            cut: false,
        });
    }
    if let Some(c) = CRM.captures(text) {
        let code = c.get(1)?;
        let message = c.get(2).map(|m| lossy(m.as_bytes()).trim().to_string()).filter(|m| !m.is_empty());
        return Some(Token {
            code: lossy(code.as_bytes()),
            code_at: code.range(),
            inner_at: None,
            inner: None,
            message,
            http: None,
            cut: false,
        });
    }
    let c = BARE.captures(text)?;
    let name = c.get(1)?;
    let code = lossy(name.as_bytes());
    let cut = code.starts_with("Error") && !codes::is_ews_code(&code);
    Some(Token { code, code_at: name.range(), inner_at: None, inner: None, message: None, http: None, cut })
}

/// The HTTP status number an `Http server returned …` token stands for.
fn http_status(token: &str) -> Option<String> {
    let number =
        token.split_whitespace().next().filter(|w| w.len() == 3 && w.bytes().all(|b| b.is_ascii_digit()));
    match number {
        Some(n) => Some(n.to_owned()),
        None => status::of_phrase(token).map(|s| s.to_string()),
    }
}

/// Is `n` an HTTP status a failed request can end with (4xx, 5xx)?
fn is_http_error(n: u16) -> bool {
    matches!(n, 400..=418 | 421..=426 | 428 | 429 | 431 | 451 | 500..=508 | 510 | 511)
}

/// The words of an alert token, without a final `exception`/`error` and stop.
fn token_words(rest: &[u8]) -> Vec<(usize, usize)> {
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < rest.len() && !rest[i].is_ascii_whitespace() {
            i += 1;
        }
        if start < i {
            let mut end = i;
            while end > start && matches!(rest[end - 1], b'.' | b',' | b';') {
                end -= 1;
            }
            if end > start {
                words.push((start, end));
            }
        }
    }
    while let Some(&(s, e)) = words.last() {
        let w = &rest[s..e];
        if words.len() > 1 && (w.eq_ignore_ascii_case(b"exception") || w.eq_ignore_ascii_case(b"error")) {
            words.pop();
        } else {
            break;
        }
    }
    words
}

/// `Email Server Error Code: <token>`, with the alert sentence before it.
fn labelled_alert(input: &Input<'_>, label_at: usize, after_label: usize) -> Outcome {
    if line_incomplete(input.buf, after_label, input.eof) {
        return Outcome::NeedMore { from: line_start(input.buf, label_at, input.floor) };
    }
    let buf = input.buf;
    let line = line_start(buf, label_at, input.floor);
    // A viewer may have cut the label's line, code name and all; but a line
    // whose token ends it whole (`… Forbidden exception.`) was not cut, even
    // when a line above happens to have its width.
    if own_line_complete(buf, after_label) {
        return single_line_alert(input, label_at, after_label);
    }
    match lines::wrapped_block(buf, label_at, input.floor, input.eof) {
        Err(super::NeedMore) => return Outcome::NeedMore { from: line },
        Ok(Some((start, block_end))) if start == line => {
            let joined = view::unwrap_lines(buf, start, block_end);
            let local = after_label - start;
            let token_at = skip_label_punctuation(&joined.text, local);
            let end = token_end(&joined.text, token_at, 512);
            if let Some(mut token) = parse_token(&joined.text[token_at..end], token_at) {
                token.code_at = joined.span(&token.code_at);
                token.inner_at = token.inner_at.map(|inner| joined.span(&inner));
                return alert(input, label_at, joined.source(end), token);
            }
        }
        Ok(_) => {}
    }
    single_line_alert(input, label_at, after_label)
}

/// The token read from the label's own line alone.
fn single_line_alert(input: &Input<'_>, label_at: usize, after_label: usize) -> Outcome {
    let buf = input.buf;
    let token_at = skip_label_punctuation(buf, after_label);
    let end = token_end(buf, token_at, 512);
    let Some(token) = parse_token(&buf[token_at..end], token_at) else {
        return Outcome::Skip;
    };
    alert(input, label_at, end, token)
}

/// Does the token on the label's line end the way a whole token ends: with
/// `exception.`, `error.` or `exception`, or with a known code name?
fn own_line_complete(buf: &[u8], after_label: usize) -> bool {
    let token_at = skip_label_punctuation(buf, after_label);
    let end = token_end(buf, token_at, 512);
    let text = buf[token_at..end].trim_ascii_end();
    if [&b"exception."[..], b"error.", b"exception"].iter().any(|tail| text.ends_with(tail)) {
        return true;
    }
    let last = text.rsplit(|b| *b == b' ').next().unwrap_or_default();
    let last = last.strip_suffix(b".").unwrap_or(last);
    std::str::from_utf8(last).is_ok_and(|word| word.len() > 5 && codes::is_ews_code(word))
}

/// An alert token met without its label (`Exchange server returned …` in a
/// log line).
pub(crate) fn alert_without_label(input: &Input<'_>, hit: Hit) -> Outcome {
    if ident_before(input.buf, hit.at) && input.buf[hit.at..].starts_with(b"Crm.") {
        return Outcome::Skip;
    }
    if line_incomplete(input.buf, hit.at, input.eof) {
        return Outcome::NeedMore { from: line_start(input.buf, hit.at, input.floor) };
    }
    let buf = input.buf;
    // The token may start a little before the hit: `Name. Exchange.server returned`.
    let reach = hit.at.saturating_sub(80).max(line_start(buf, hit.at, input.floor));
    let end = token_end(buf, hit.at, 512);
    let start = buf[reach..hit.at]
        .iter()
        .rposition(|b| matches!(b, b'"' | b'<' | b'>' | b'\\' | b'|' | b'\t'))
        .map_or(reach, |p| reach + p + 1);
    let Some(token) = parse_token(&buf[start..end], start) else {
        return Outcome::Skip;
    };
    alert(input, token.code_at.start.min(hit.at), end, token)
}

fn alert(input: &Input<'_>, start: usize, end: usize, token: Token) -> Outcome {
    let buf = input.buf;
    let sentence = sentence_before(buf, start, input.floor);
    let mut f = Finding::new(Shape::Alert, token.code);
    f.inner_code = token.inner;
    f.truncated = token.cut;
    if let Some(status) = token.http {
        f.details.insert("HttpStatus".to_string(), status);
    }
    if f.inner_code.is_some() && f.code.bytes().all(|b| b.is_ascii_digit()) {
        // `Exchange.server returned 403 error.`: the number read as an ordinal
        // names the inner code.
        f.details.insert("ServiceErrorOrdinal".to_string(), f.code.clone());
    }
    let paragraph = sentence.clone().map(|s| join_lines(&buf[s])).unwrap_or_default();
    let told = told(&paragraph);
    f.mailbox = told.mailbox.or_else(|| context::mailbox(&buf[start..end]));
    f.profile = told.profile;
    let first = sentence.as_ref().map_or(start, |s| s.start);
    f.time = context::time(&buf[line_start(buf, first, input.floor)..end]);
    f.message = token.message.or_else(|| sentence.as_ref().map(|_| told.message));
    let mut draft = Draft::new(f, start..end, Some(token.code_at), sentence);
    draft.marks.inner_code = token.inner_at;
    Outcome::Found { items: vec![draft.into()], end }
}

/// What an alert sentence says besides its code: the mailbox and profile it
/// names, and the sentence itself as the message.
#[derive(Clone)]
struct Told {
    mailbox: Option<String>,
    profile: Option<String>,
    message: String,
}

/// Sentences a thread remembers what it read in.
const SENTENCES_KEPT: usize = 1024;

thread_local! {
    /// An export repeats one sentence for every alert of a mailbox (a few
    /// thousand sentences in a hundred thousand alerts), and reading the
    /// names out of it is most of what an alert costs.
    static TOLD: RefCell<Cache<Vec<u8>, Told, SENTENCES_KEPT>> = RefCell::default();
}

/// What `paragraph` says, read once per thread while it is remembered.
fn told(paragraph: &[u8]) -> Told {
    TOLD.with_borrow_mut(|told| {
        let read = || Told {
            mailbox: context::mailbox(paragraph),
            profile: context::profile(paragraph),
            message: clean_sentence(paragraph),
        };
        told.get_or_insert_with(paragraph, read).clone()
    })
}

/// The alert sentence before a label: the text before it on its own line (a
/// CSV row, a JSON string), or else the paragraph above it: the nearest
/// non-blank lines, up to the one that starts a log record with its time.
fn sentence_before(buf: &[u8], label_at: usize, floor: usize) -> Option<Range<usize>> {
    let line = line_start(buf, label_at, floor);
    let own = trim_span(buf, sentence_start(buf, line, label_at)..label_at);
    if own.len() >= 20 {
        return Some(own);
    }
    // Skip the blank lines between the sentence and its label.
    let mut end = line;
    let last = loop {
        if end <= floor || label_at - end > 1024 {
            return None;
        }
        let start = line_start(buf, end - 1, floor);
        let span = trim_span(buf, sentence_start(buf, start, end - 1)..end - 1);
        if !span.is_empty() {
            break span;
        }
        end = start;
    };
    // Gather the paragraph upwards while it is one record.
    let mut first = last.start;
    for _ in 0..PARAGRAPH_LINES {
        let top = line_start(buf, first, floor);
        if context::time(&buf[top..buf.len().min(top + 32)]).is_some()
            || top <= floor
            || label_at - top > 1024
        {
            break;
        }
        let above = line_start(buf, top - 1, floor);
        let span = trim_span(buf, sentence_start(buf, above, top - 1)..top - 1);
        if span.is_empty() {
            break;
        }
        first = span.start;
    }
    (last.end - first >= 20).then_some(first..last.end)
}

/// How many lines an alert sentence may run over.
const PARAGRAPH_LINES: usize = 8;

/// A paragraph's lines as one line: joined without a gap when a viewer cut
/// them at a fixed width (the cut falls inside words), with a space otherwise.
fn join_lines(text: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect();
    let widths: Vec<usize> = lines.iter().map(|l| l.len()).collect();
    let fixed =
        lines.len() > 1 && widths[0] >= 40 && widths[..widths.len() - 1].iter().all(|w| *w == widths[0]);
    let mut out = Vec::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        if i > 0 && !fixed {
            out.push(b' ');
        }
        out.extend_from_slice(if fixed { line } else { line.trim_ascii() });
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::one;

    #[test]
    fn a_sentence_met_again_reads_as_the_first_time() {
        // On a thread of its own, so that the first reading is a fresh one.
        std::thread::spawn(|| {
            let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/alerts/alert-tokens.txt"))
                .expect("sample");
            let source = crate::scan::SourceInfo { path: "a.txt".into(), encoding: Default::default() };
            let findings = || {
                let (events, _) = crate::scan::scan_bytes(&text, &source, &Default::default());
                events.into_iter().map(|e| format!("{e:?}")).collect::<Vec<_>>()
            };
            let (first, again) = (findings(), findings());
            assert!(first.iter().filter(|e| e.contains("mailbox: Some")).count() > 5, "{first:#?}");
            assert_eq!(again, first);
        })
        .join()
        .expect("the thread ends");
    }

    #[test]
    fn every_pattern_compiles() {
        for pattern in [&super::RETURNED, &super::SOCKET, &super::CRM, &super::BARE] {
            assert!(!std::sync::LazyLock::force(pattern).as_str().is_empty());
        }
    }

    #[test]
    fn the_nine_alert_token_shapes() {
        let label = "Email Server Error Code: ";
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "Exchange server returned ErrorMailboxStoreUnavailable exception.",
                "ErrorMailboxStoreUnavailable",
                None,
            ),
            (
                "Exchange server returned UnknownIncomingEmailIntegrationError -2147220891 exception.",
                "UnknownIncomingEmailIntegrationError",
                Some("-2147220891"),
            ),
            (
                "Exchange server returned UnknownIncomingEmailIntegrationError -2147220192",
                "UnknownIncomingEmailIntegrationError",
                Some("-2147220192"),
            ),
            (
                "Exchange server returned UnknownOutgoingEmailIntegrationError ErrorSubmissionQuotaExceeded exception.",
                "UnknownOutgoingEmailIntegrationError",
                Some("ErrorSubmissionQuotaExceeded"),
            ),
            ("Exchange.server returned ErrorNonExistentMailbox error.", "ErrorNonExistentMailbox", None),
            ("Exchange.server returned 363 error.", "363", Some("ErrorServerBusy")),
            ("ErrorQuotaExceeded. Exchange.server returned 403 error.", "ErrorQuotaExceeded", None),
            ("Http server returned 401 Unauthorized exception.", "401 Unauthorized", None),
            ("Http server returned Forbidden exception.", "Forbidden", None),
            ("Web server returned ConnectFailure exception.", "ConnectFailure", None),
            ("Socket returned exception TimedOut", "TimedOut", None),
            (
                "Socket returned exception InvalidIncomingEmailServerProfileConfiguration HostNotFound",
                "InvalidIncomingEmailServerProfileConfiguration",
                Some("HostNotFound"),
            ),
            ("Crm.80040265.ISV code aborted the operation.", "Crm.80040265", None),
            ("MailboxDisabled", "MailboxDisabled", None),
        ];
        for (token, code, inner) in cases {
            let text = format!(
                "An unknown error occurred while receiving email through the mailbox \"Dana Okafor\".\n{label}{token}\n"
            );
            let (shape, found, found_inner) = one(&text);
            assert_eq!(
                (shape, found.as_str(), found_inner.as_deref()),
                (Shape::Alert, *code, *inner),
                "{token}"
            );
        }
    }
}
