//! Payloads that are sentences, not markup: Dynamics 365 alert lines, .NET
//! exception text, Dataverse `Returned hr =` errors, dashboard tokens, and a
//! code name standing alone in free text.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::anchor::{Hit, Input, Item, Outcome, blank};
use super::lines::{line_end, line_start};
use super::{context, lines, view};
use crate::kb::codes;
use crate::model::{Class, Shape, Span};

/// Where an alert token or a sentence stops: a line break, or the quote,
/// markup or escape that ends the field it sits in.
fn token_end(buf: &[u8], from: usize, limit: usize) -> usize {
    let end = buf.len().min(from + limit);
    buf[from..end]
        .iter()
        .position(|b| matches!(b, b'\n' | b'\r' | b'"' | b'<' | b'\\' | b'|' | b'\t'))
        .map_or(end, |p| from + p)
}

/// True when the line holding `at` is not yet complete in the buffer.
fn line_incomplete(input: &Input<'_>, at: usize) -> bool {
    !input.eof && line_end(input.buf, at) == input.buf.len()
}

fn ident_before(buf: &[u8], at: usize) -> bool {
    at > 0 && (buf[at - 1].is_ascii_alphanumeric() || buf[at - 1] == b'_')
}

/// No EWS code name is longer than this.
const LONGEST_NAME: usize = 64;

/// `Email Server Error Code:` and the token after it.
pub(crate) fn alert_label(input: &Input<'_>, hit: Hit) -> Outcome {
    labelled_alert(input, hit.at, hit.at + hit.len)
}

/// `Sync Error:` and the dashboard token after it.
pub(crate) fn sync_label(input: &Input<'_>, hit: Hit) -> Outcome {
    sync_error_label(input, hit.at + hit.len)
}

fn skip_label_punctuation(buf: &[u8], mut i: usize) -> usize {
    while i < buf.len() && matches!(buf[i], b' ' | b':' | b'*' | b'\xc2' | b'\xa0') {
        i += 1;
    }
    i
}

static RETURNED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?:\b([A-Za-z][A-Za-z0-9]*)\.\s+)?\b(Exchange[ .]server|Http server|Web server) returned\s+(.+)",
    )
    .ok()
});
static SOCKET: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\bSocket returned exception\s+(.+)").ok());
static CRM: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(Crm\.[0-9A-Fa-f]{8})(?:\.\s*(.*))?").ok());
static BARE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9]+)\.?\s*$").ok());

/// An alert token read from its text.
struct Token {
    code: String,
    code_at: (usize, usize),
    inner: Option<String>,
    message: Option<String>,
    http: Option<String>,
    /// The token looks cut (a code name that is not a known one).
    cut: bool,
}

/// Reads the token that follows `Email Server Error Code:` (or stands alone)
/// in `text`, which starts at buffer position `at`.
fn parse_token(text: &[u8], at: usize) -> Option<Token> {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if let Some(c) = RETURNED.as_ref().and_then(|r| r.captures(text)) {
        let who = c.get(2)?.as_bytes();
        let rest = c.get(3)?;
        let words = token_words(rest.as_bytes());
        let first = words.first()?;
        let code_span = |w: &(usize, usize)| (at + rest.start() + w.0, at + rest.start() + w.1);
        let word = |w: &(usize, usize)| lossy(&rest.as_bytes()[w.0..w.1]);
        let joined = lossy(&rest.as_bytes()[first.0..words.last()?.1]);
        if let Some(pre) = c.get(1) {
            return Some(Token {
                code: lossy(pre.as_bytes()),
                code_at: (at + pre.start(), at + pre.end()),
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
                message: None,
                http: None,
                cut: false,
            });
        }
        if who.starts_with(b"Exchange")
            && let Ok(ordinal) = first_word.parse::<u32>()
        {
            return Some(Token {
                code: first_word,
                code_at: code_span(first),
                inner: codes::name_for_ordinal(ordinal).map(str::to_string),
                message: None,
                http: None,
                cut: false,
            });
        }
        let http = who.starts_with(b"Http").then(|| http_status(&joined)).flatten();
        let (code, span) = if who.starts_with(b"Http") {
            (joined, (code_span(first).0, code_span(words.last()?).1))
        } else {
            (first_word, code_span(first))
        };
        let cut = code.starts_with("Error") && !codes::is_ews_code(&code);
        return Some(Token { code, code_at: span, inner: None, message: None, http, cut });
    }
    if let Some(c) = SOCKET.as_ref().and_then(|r| r.captures(text)) {
        let rest = c.get(1)?;
        let words = token_words(rest.as_bytes());
        let first = words.first()?;
        let last = words.last()?;
        let word = |w: &(usize, usize)| lossy(&rest.as_bytes()[w.0..w.1]);
        return Some(Token {
            code: word(first),
            code_at: (at + rest.start() + first.0, at + rest.start() + first.1),
            inner: (words.len() > 1).then(|| word(last)),
            message: None,
            http: None,
            cut: false,
        });
    }
    if let Some(c) = CRM.as_ref().and_then(|r| r.captures(text)) {
        let code = c.get(1)?;
        let message = c.get(2).map(|m| lossy(m.as_bytes()).trim().to_string()).filter(|m| !m.is_empty());
        return Some(Token {
            code: lossy(code.as_bytes()),
            code_at: (at + code.start(), at + code.end()),
            inner: None,
            message,
            http: None,
            cut: false,
        });
    }
    let c = BARE.as_ref()?.captures(text)?;
    let name = c.get(1)?;
    let code = lossy(name.as_bytes());
    let cut = code.starts_with("Error") && !codes::is_ews_code(&code);
    Some(Token {
        code,
        code_at: (at + name.start(), at + name.end()),
        inner: None,
        message: None,
        http: None,
        cut,
    })
}

/// The HTTP status number an `Http server returned …` token stands for.
fn http_status(token: &str) -> Option<String> {
    let number =
        token.split_whitespace().next().filter(|w| w.len() == 3 && w.bytes().all(|b| b.is_ascii_digit()));
    let status = number.or(match token.to_ascii_lowercase().replace(' ', "").as_str() {
        "unauthorized" => Some("401"),
        "forbidden" => Some("403"),
        "notfound" => Some("404"),
        "serviceunavailable" => Some("503"),
        _ => None,
    });
    status.map(str::to_string)
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
    if line_incomplete(input, after_label) {
        return Outcome::NeedMore { from: line_start(input.buf, label_at, input.floor) };
    }
    let buf = input.buf;
    let line = line_start(buf, label_at, input.floor);
    // A viewer may have cut the label's line, code name and all.
    match lines::wrapped_block(buf, label_at, input.floor, input.eof) {
        Err(lines::NeedMore) => return Outcome::NeedMore { from: line },
        Ok(Some((start, block_end))) if start == line => {
            let joined = view::unwrap_lines(buf, start, block_end);
            let local = after_label - start;
            let token_at = skip_label_punctuation(&joined.text, local);
            let end = token_end(&joined.text, token_at, 512);
            if let Some(mut token) = parse_token(&joined.text[token_at..end], token_at) {
                token.code_at = (joined.source(token.code_at.0), joined.source(token.code_at.1));
                return alert(input, label_at, joined.source(end), token);
            }
        }
        Ok(_) => {}
    }
    let token_at = skip_label_punctuation(buf, after_label);
    let end = token_end(buf, token_at, 512);
    let Some(token) = parse_token(&buf[token_at..end], token_at) else {
        return Outcome::Skip;
    };
    alert(input, label_at, end, token)
}

/// An alert token met without its label (`Exchange server returned …` in a
/// log line).
pub(crate) fn alert_without_label(input: &Input<'_>, hit: Hit) -> Outcome {
    if ident_before(input.buf, hit.at) && input.buf[hit.at..].starts_with(b"Crm.") {
        return Outcome::Skip;
    }
    if line_incomplete(input, hit.at) {
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
    alert(input, token.code_at.0.min(hit.at), end, token)
}

fn alert(input: &Input<'_>, start: usize, end: usize, token: Token) -> Outcome {
    let buf = input.buf;
    let sentence = sentence_before(buf, start, input.floor);
    let mut f = blank(Shape::Alert, token.code);
    f.span = Span { offset: start as u64, length: (end - start) as u64, line: 0, column: 0 };
    f.inner_code = token.inner;
    f.truncated = token.cut;
    f.marks.code = Some((token.code_at.0 as u64, (token.code_at.1 - token.code_at.0) as u64));
    if let Some(status) = token.http {
        f.details.insert("HttpStatus".to_string(), status);
    }
    let paragraph = sentence.map(|(s, e)| join_lines(&buf[s..e])).unwrap_or_default();
    f.mailbox = context::mailbox(&paragraph).or_else(|| context::mailbox(&buf[start..end]));
    f.profile = context::profile(&paragraph);
    f.time = context::time(&buf[line_start(buf, sentence.map_or(start, |s| s.0), input.floor)..end]);
    f.message = token.message.or_else(|| sentence.map(|_| clean_sentence(&paragraph)));
    if let Some((s, e)) = sentence {
        f.marks.message = Some((s as u64, (e - s) as u64));
    }
    Outcome::Found { items: vec![Item::Finding(Box::new(f))], end }
}

/// The alert sentence before a label: the text before it on its own line (a
/// CSV row, a JSON string), or else the paragraph above it: the nearest
/// non-blank lines, up to the one that starts a log record with its time.
fn sentence_before(buf: &[u8], label_at: usize, floor: usize) -> Option<(usize, usize)> {
    let line = line_start(buf, label_at, floor);
    let own = trim_span(buf, sentence_start(buf, line, label_at), label_at);
    if own.1 - own.0 >= 20 {
        return Some(own);
    }
    // Skip the blank lines between the sentence and its label.
    let mut end = line;
    let last = loop {
        if end <= floor || label_at - end > 1024 {
            return None;
        }
        let start = line_start(buf, end - 1, floor);
        let span = trim_span(buf, sentence_start(buf, start, end - 1), end - 1);
        if span.1 > span.0 {
            break span;
        }
        end = start;
    };
    // Gather the paragraph upwards while it is one record.
    let mut first = last.0;
    for _ in 0..PARAGRAPH_LINES {
        let top = line_start(buf, first, floor);
        if context::time(&buf[top..buf.len().min(top + 32)]).is_some()
            || top <= floor
            || label_at - top > 1024
        {
            break;
        }
        let above = line_start(buf, top - 1, floor);
        let span = trim_span(buf, sentence_start(buf, above, top - 1), top - 1);
        if span.1 == span.0 {
            break;
        }
        first = span.0;
    }
    (last.1 - first >= 20).then_some((first, last.1))
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

/// Within a line, a sentence starts after the last field or markup boundary.
fn sentence_start(buf: &[u8], from: usize, to: usize) -> usize {
    let mut start = from;
    for (i, b) in buf[from..to].iter().enumerate() {
        // `,"` starts a CSV field; `>`, `|` and tabs end markup or columns.
        let field = *b == b',' && buf.get(from + i + 1) == Some(&b'"');
        if field || matches!(b, b'>' | b'|' | b'\t') {
            start = from + i + 1;
        }
    }
    start.min(to)
}

fn trim_span(buf: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && (buf[s].is_ascii_whitespace() || matches!(buf[s], b'"' | b'*' | b'>')) {
        s += 1;
    }
    while e > s && (buf[e - 1].is_ascii_whitespace() || matches!(buf[e - 1], b'"' | b'*' | b'\\')) {
        e -= 1;
    }
    (s, e)
}

/// An alert sentence as a person would read it: the log line's time and level
/// left out, doubled and escaped quotes undone.
fn clean_sentence(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(without_log_prefix(raw));
    let text = text.replace("\"\"", "\"").replace("\\\"", "\"").replace("\\n", " ").replace("**", "");
    super::view::decode_text(text.as_bytes())
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

/// `Sync Error: <token>` from the item monitoring dashboard.
fn sync_error_label(input: &Input<'_>, after: usize) -> Outcome {
    if line_incomplete(input, after) {
        return Outcome::NeedMore { from: after };
    }
    let buf = input.buf;
    let at = skip_label_punctuation(buf, after);
    let len = buf[at..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    if len == 0 || at == after {
        return Outcome::Skip;
    }
    token_finding(input, at, at + len)
}

fn token_finding(input: &Input<'_>, start: usize, end: usize) -> Outcome {
    // The time and mailbox may stand anywhere on the token's line.
    if line_incomplete(input, end) {
        return Outcome::NeedMore { from: start };
    }
    let buf = input.buf;
    let mut f = blank(Shape::DashboardToken, String::from_utf8_lossy(&buf[start..end]).into_owned());
    f.span = Span { offset: start as u64, length: (end - start) as u64, line: 0, column: 0 };
    f.marks.code = Some((start as u64, (end - start) as u64));
    let line = &buf[line_start(buf, start, input.floor)..line_end(buf, end)];
    f.time = context::time(line);
    f.mailbox = context::mailbox(line);
    Outcome::Found { items: vec![Item::Finding(Box::new(f))], end }
}

/// A dashboard token (`NoCorrelationMatch`) standing as a value: after a `:`,
/// `=`, a quote or a field separator, and not part of a longer word.
pub(crate) fn dashboard_token(input: &Input<'_>, hit: Hit) -> Outcome {
    let buf = input.buf;
    let end = hit.at + hit.len;
    if end == buf.len() && !input.eof {
        return Outcome::NeedMore { from: hit.at };
    }
    if ident_before(buf, hit.at) || buf.get(end).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return Outcome::Skip;
    }
    let before = buf[input.floor.min(hit.at)..hit.at].iter().rev().find(|b| **b != b' ');
    if !matches!(before, None | Some(b':' | b'=' | b',' | b'"' | b'\t' | b'>' | b'|' | b'\n' | b';')) {
        return Outcome::Skip;
    }
    token_finding(input, hit.at, end)
}

/// A known EWS code name in free text (an exception repr, an object dump, an
/// IMAP reply), with the words after it as its message.
pub(crate) fn mention(input: &Input<'_>, hit: Hit) -> Outcome {
    let buf = input.buf;
    if ident_before(buf, hit.at) {
        return Outcome::Skip;
    }
    // The name must be whole before it can be looked up.
    if !input.eof && buf.len() < hit.at + LONGEST_NAME {
        return Outcome::NeedMore { from: hit.at };
    }
    let len = buf[hit.at..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    let end = hit.at + len;
    if end == buf.len() && !input.eof {
        return Outcome::NeedMore { from: hit.at };
    }
    let Ok(name) = std::str::from_utf8(&buf[hit.at..end]) else {
        return Outcome::Skip;
    };
    if len <= 5 || !codes::is_ews_code(name) {
        return Outcome::Skip;
    }
    if line_incomplete(input, end) {
        return Outcome::NeedMore { from: hit.at };
    }
    let mut f = blank(Shape::Mention, name.to_string());
    f.span = Span { offset: hit.at as u64, length: len as u64, line: 0, column: 0 };
    f.marks.code = Some((hit.at as u64, len as u64));
    if let Some((s, e)) = mention_message(buf, end) {
        f.message = Some(String::from_utf8_lossy(&buf[s..e]).trim().to_string());
        f.marks.message = Some((s as u64, (e - s) as u64));
    }
    (f.time, f.mailbox) = context::record(buf, hit.at, input.floor);
    Outcome::Found { items: vec![Item::Finding(Box::new(f))], end }
}

/// The message beside a mentioned code: a quoted `Message=` value in an
/// object dump, or the words after the name (`ErrorServerBusy: The server …`),
/// but not the next field of a `Key = value` dump.
fn mention_message(buf: &[u8], after: usize) -> Option<(usize, usize)> {
    let end = line_end(buf, after).min(after + 300);
    let rest = &buf[after..end];
    if let Some(key) = memchr::memmem::find(rest, b"Message") {
        let mut i = key + b"Message".len();
        while i < rest.len() && matches!(rest[i], b' ' | b'=' | b':') {
            i += 1;
        }
        if let Some(&quote @ (b'"' | b'\'')) = rest.get(i) {
            let close = memchr::memchr(quote, &rest[i + 1..])?;
            return Some((after + i + 1, after + i + 1 + close));
        }
    }
    let (s, e) = trim_span(buf, after, token_end(buf, after, 300));
    let s = s + buf[s..e].iter().take_while(|b| matches!(b, b':' | b')' | b']' | b'-' | b',' | b' ')).count();
    let words = &buf[s..e];
    let key_value = words
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .is_some_and(|p| words[p..].iter().find(|b| **b != b' ') == Some(&b'='));
    (e > s + 3 && !key_value).then_some((s, e))
}

static HRESULT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"Returned hr\s*=\s*(-?\d{6,11}|0x[0-9A-Fa-f]{8})").ok());

/// `… failed. Returned hr = -2147187962, …` from a Dataverse platform error.
pub(crate) fn hresult(input: &Input<'_>, hit: Hit) -> Outcome {
    if line_incomplete(input, hit.at) {
        return Outcome::NeedMore { from: line_start(input.buf, hit.at, input.floor) };
    }
    let buf = input.buf;
    let end = token_end(buf, hit.at, 160);
    let Some(c) = HRESULT.as_ref().and_then(|r| r.captures(&buf[hit.at..end])) else {
        return Outcome::Skip;
    };
    let Some(code) = c.get(1) else {
        return Outcome::Skip;
    };
    let (code_start, code_end) = (hit.at + code.start(), hit.at + code.end());
    let line = line_start(buf, hit.at, input.floor);
    let (start, _) = trim_span(buf, sentence_start(buf, line, hit.at), hit.at);
    let message_end = token_end(buf, code_end, 400);
    let mut f = blank(Shape::DataverseFault, String::from_utf8_lossy(code.as_bytes()).into_owned());
    f.class = Some(Class::Error);
    f.span = Span { offset: start as u64, length: (code_end - start) as u64, line: 0, column: 0 };
    f.marks.code = Some((code_start as u64, (code_end - code_start) as u64));
    f.message = Some(clean_sentence(&buf[start..message_end]));
    f.time = context::time(&buf[line..hit.at]);
    Outcome::Found { items: vec![Item::Finding(Box::new(f))], end: code_end }
}

/// Exception types whose text says something about mail flow.
const EXCEPTIONS: &[&str] = &[
    "WebException",
    "SoapException",
    "SocketException",
    "SmtpException",
    "SmtpFailedRecipientException",
    "AuthenticationException",
    "ServiceResponseException",
    "ServiceRequestException",
    "AutodiscoverLocalException",
    "ExchangeSyncException",
    "FaultException",
];

/// What an exception's message says, as the name the knowledge base knows it by.
fn exception_cause(message: &str) -> Option<String> {
    static STATUS: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"(?:HTTP status |\()(\d{3})\)?:? ?([A-Za-z][A-Za-z ]*)").ok());
    if let Some(c) = STATUS.as_ref().and_then(|r| r.captures(message)) {
        return match c.get(1).map(|m| m.as_str()) {
            Some("401") => Some("401 Unauthorized".to_string()),
            Some("403") => Some("Forbidden".to_string()),
            Some("503") => Some("ServiceUnavailable".to_string()),
            _ => None,
        };
    }
    let lower = message.to_ascii_lowercase();
    let table: &[(&str, &str)] = &[
        ("impersonate", "ErrorImpersonateUserDenied"),
        ("cannot service this request right now", "ErrorServerBusy"),
        ("secure channel", "SecureChannelFailure"),
        ("no such host is known", "HostNotFound"),
        ("remote name could not be resolved", "HostNotFound"),
        ("unable to connect to the remote server", "ConnectFailure"),
        ("actively refused", "ConnectFailure"),
        ("connection attempt failed", "TimedOut"),
        ("timed out", "TimedOut"),
        ("syntax error, command unrecognized", "SmtpSyntaxError"),
        ("username and password not accepted", "OutgoingEmailAuthenticationError"),
    ];
    table.iter().find(|(words, _)| lower.contains(words)).map(|(_, name)| (*name).to_string())
}

/// `System.Net.WebException: The request failed with HTTP status 403: Forbidden.`
pub(crate) fn exception(input: &Input<'_>, hit: Hit) -> Outcome {
    let buf = input.buf;
    let end_of_type = hit.at + hit.len;
    let mut start = hit.at;
    while start > input.floor && (buf[start - 1].is_ascii_alphanumeric() || buf[start - 1] == b'.') {
        start -= 1;
    }
    let full = String::from_utf8_lossy(&buf[start..end_of_type]).into_owned();
    let short = full.rsplit('.').next().unwrap_or_default();
    if !EXCEPTIONS.contains(&short) {
        return Outcome::Skip;
    }
    if line_incomplete(input, hit.at) {
        return Outcome::NeedMore { from: start };
    }
    // `SocketException (0x80004005): No such host is known`
    let mut m = end_of_type;
    if buf[m..].starts_with(b" (0x") {
        m += buf[m..].iter().position(|b| *b == b')').map_or(0, |p| p + 1);
    }
    if !buf[m..].starts_with(b":") {
        return Outcome::Skip;
    }
    let m = m + 1;
    let stop = token_end(buf, m, 600);
    let text = String::from_utf8_lossy(&buf[m..stop]);
    let message =
        [" at ", " ---> ", " --->"].iter().filter_map(|s| text.find(s)).min().map_or(&*text, |p| &text[..p]);
    let message = message.trim().to_string();
    let mut f = blank(Shape::Exception, short.to_string());
    f.class = Some(Class::Error);
    f.span = Span { offset: start as u64, length: (stop - start) as u64, line: 0, column: 0 };
    f.marks.code = Some((start as u64, (end_of_type - start) as u64));
    f.inner_code = exception_cause(&message);
    static SMTP: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"\b(5\.7\.\d{1,3})\b").ok());
    if let Some(c) = SMTP.as_ref().and_then(|r| r.captures(&message)) {
        f.details.insert("SmtpStatus".to_string(), c[1].to_string());
    }
    if !message.is_empty() {
        f.marks.message = Some((m as u64, message.len() as u64));
        f.message = Some(message);
    }
    f.details.insert("ExceptionType".to_string(), full);
    (f.time, f.mailbox) = context::record(buf, start, input.floor);
    Outcome::Found { items: vec![Item::Finding(Box::new(f))], end: stop }
}

/// For tests: shape, code and inner code of every finding in `text`.
#[cfg(test)]
pub(crate) fn codes_in(text: &str) -> Vec<(Shape, String, Option<String>)> {
    let source = super::SourceInfo { path: "t".into(), encoding: Default::default() };
    let (events, _) = super::scan_bytes(text.as_bytes(), &source, &Default::default());
    events
        .into_iter()
        .filter_map(|e| match e {
            super::Event::Finding(f) => Some((f.shape, f.code.clone(), f.inner_code.clone())),
            super::Event::Malformed(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (Shape, String, Option<String>) {
        let found = codes_in(text);
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().next().unwrap()
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

    #[test]
    fn exceptions_name_their_cause() {
        let (shape, code, inner) = one(
            "Error : System.Net.WebException: The request failed with HTTP status 403: Forbidden.\n   at Microsoft.Crm.X.EndCreateItem()\n",
        );
        assert_eq!(
            (shape, code.as_str(), inner.as_deref()),
            (Shape::Exception, "WebException", Some("Forbidden"))
        );
        let (_, code, inner) =
            one("System.Net.Sockets.SocketException (0x80004005): No such host is known\n");
        assert_eq!((code.as_str(), inner.as_deref()), ("SocketException", Some("HostNotFound")));
        assert!(codes_in("System.NullReferenceException: Object reference not set\n").is_empty());
    }

    #[test]
    fn mentions_need_a_known_name_standing_alone() {
        let (shape, code, _) =
            one("IMAP reply: NO [ErrorServerBusy] The server cannot service this request right now.\n");
        assert_eq!((shape, code.as_str()), (Shape::Mention, "ErrorServerBusy"));
        assert!(codes_in("MyErrorServerBusy ErrorBogusName Error: something\n").is_empty());
    }

    #[test]
    fn hresults_and_dashboard_tokens() {
        let (shape, code, _) =
            one(">Exception : SecLib::AccessCheckEx failed. Returned hr = -2147187962, ObjectID: 1\n");
        assert_eq!((shape, code.as_str()), (Shape::DataverseFault, "-2147187962"));
        let (shape, code, _) = one("Sync Error: NoCorrelationMatch\n");
        assert_eq!((shape, code.as_str()), (Shape::DashboardToken, "NoCorrelationMatch"));
        assert!(codes_in("the NoCorrelationMatchFoo value\n").is_empty());
    }
}
