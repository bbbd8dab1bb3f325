//! Payloads that are sentences, not markup: .NET exception text, Dataverse
//! `Returned hr =` errors, dashboard tokens, and a code name standing alone in
//! free text.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::context;
use super::lines::{line_end, line_incomplete, line_start};
use super::prose::{
    clean_sentence, ident_before, sentence_start, skip_label_punctuation, token_end, trim_span,
};
use super::recognise::{Draft, Hit, Input, Outcome};
use crate::kb::{codes, status};
use crate::model::{Class, Finding, Shape};

/// No EWS code name is longer than this.
pub(super) const LONGEST_NAME: usize = 64;

/// `Sync Error: <token>` from the item monitoring dashboard.
pub(crate) fn sync_label(input: &Input<'_>, hit: Hit) -> Outcome {
    let after = hit.at + hit.len;
    if line_incomplete(input.buf, after, input.eof) {
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
    if line_incomplete(input.buf, end, input.eof) {
        return Outcome::NeedMore { from: start };
    }
    let buf = input.buf;
    let mut f = Finding::new(Shape::DashboardToken, String::from_utf8_lossy(&buf[start..end]).into_owned());
    let line = &buf[line_start(buf, start, input.floor)..line_end(buf, end)];
    f.time = context::time(line);
    f.mailbox = context::mailbox(line);
    Outcome::Found { items: vec![Draft::new(f, start..end, Some(start..end), None).into()], end }
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
    if line_incomplete(input.buf, end, input.eof) {
        return Outcome::NeedMore { from: hit.at };
    }
    let mut f = Finding::new(Shape::Mention, name.to_string());
    let message_at = super::client::message_after(buf, name.as_bytes(), end);
    if let Some(m) = &message_at {
        f.message = Some(String::from_utf8_lossy(&buf[m.clone()]).trim().to_string());
    }
    (f.time, f.mailbox) = context::record(buf, hit.at, input.floor);
    Outcome::Found { items: vec![Draft::new(f, hit.at..end, Some(hit.at..end), message_at).into()], end }
}

static HRESULT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Returned hr\s*=\s*(-?\d{6,11}|0x[0-9A-Fa-f]{8})").expect("HRESULT is a valid pattern")
});

/// `… failed. Returned hr = -2147187962, …` from a Dataverse platform error.
pub(crate) fn hresult(input: &Input<'_>, hit: Hit) -> Outcome {
    if line_incomplete(input.buf, hit.at, input.eof) {
        return Outcome::NeedMore { from: line_start(input.buf, hit.at, input.floor) };
    }
    let buf = input.buf;
    let end = token_end(buf, hit.at, 160);
    let Some(c) = HRESULT.captures(&buf[hit.at..end]) else {
        return Outcome::Skip;
    };
    let Some(code) = c.get(1) else {
        return Outcome::Skip;
    };
    let (code_start, code_end) = (hit.at + code.start(), hit.at + code.end());
    let line = line_start(buf, hit.at, input.floor);
    let start = trim_span(buf, sentence_start(buf, line, hit.at)..hit.at).start;
    let message_end = token_end(buf, code_end, 400);
    let mut f = Finding::new(Shape::DataverseFault, String::from_utf8_lossy(code.as_bytes()).into_owned());
    f.class = Some(Class::Error);
    f.message = Some(clean_sentence(&buf[start..message_end]));
    f.time = context::time(&buf[line..hit.at]);
    let draft = Draft::new(f, start..code_end, Some(code_start..code_end), None);
    Outcome::Found { items: vec![draft.into()], end: code_end }
}

/// ` (0x80004005)`: the longest an exception's parenthesised HRESULT runs.
const HRESULT_IN_PARENS: usize = 24;

/// How far back an exception type's namespace is read.
const NAMESPACE_REACH: usize = 128;

/// An HTTP status in an exception's message: `HTTP status 403: Forbidden` or
/// `(401) Unauthorized`.
static HTTP_STATUS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?:HTTP status |\()(\d{3})\)?:? ?([A-Za-z][A-Za-z ]*)")
        .expect("HTTP_STATUS is a valid pattern")
});

/// The SMTP enhanced status (`5.7.8`) in an exception's message.
static SMTP: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\b(5\.7\.\d{1,3})\b").expect("SMTP is a valid pattern"));

/// What an exception's message says, as the name the knowledge base knows it
/// by: for an HTTP status, the token a Dynamics 365 alert writes for it, so
/// the exception and the alert it came with name one cause alike.
fn exception_cause(message: &str) -> Option<String> {
    if let Some(c) = HTTP_STATUS.captures(message) {
        let status: u16 = c.get(1)?.as_str().parse().ok()?;
        return status::alert_token(status).map(str::to_owned);
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
    // The anchor is the type's whole name (`MyWebException` is another type),
    // after its namespace (`System.Net.`), read back a bounded way.
    if ident_before(buf, hit.at) {
        return Outcome::Skip;
    }
    let reach = hit.at.saturating_sub(NAMESPACE_REACH).max(input.floor.min(hit.at));
    let mut start = hit.at;
    while start > reach && (buf[start - 1].is_ascii_alphanumeric() || buf[start - 1] == b'.') {
        start -= 1;
    }
    let full = String::from_utf8_lossy(&buf[start..end_of_type]).into_owned();
    let short = String::from_utf8_lossy(&buf[hit.at..end_of_type]).into_owned();
    if line_incomplete(input.buf, hit.at, input.eof) {
        return Outcome::NeedMore { from: start };
    }
    // `SocketException (0x80004005): No such host is known`, the code closed
    // on its own line and within a few bytes, so that where a read ended
    // cannot change the answer.
    let mut m = end_of_type;
    if buf[m..].starts_with(b" (0x") {
        let within = line_end(buf, m).min(m + HRESULT_IN_PARENS);
        match buf[m..within].iter().position(|b| *b == b')') {
            Some(p) => m += p + 1,
            None => return Outcome::Skip,
        }
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
    let mut f = Finding::new(Shape::Exception, short);
    f.class = Some(Class::Error);
    f.inner_code = exception_cause(&message);
    if let Some(c) = SMTP.captures(&message) {
        f.details.insert("SmtpStatus".to_string(), c[1].to_string());
    }
    let lead = buf[m..stop].iter().take_while(|b| b.is_ascii_whitespace()).count();
    let message_at = (!message.is_empty()).then(|| m + lead..m + lead + message.len());
    if !message.is_empty() {
        f.message = Some(message);
    }
    f.details.insert("ExceptionType".to_string(), full);
    (f.time, f.mailbox) = context::record(buf, start, input.floor);
    let draft = Draft::new(f, start..stop, Some(start..end_of_type), message_at);
    Outcome::Found { items: vec![draft.into()], end: stop }
}

/// For tests: the one finding in `text`, as shape, code and inner code.
#[cfg(test)]
pub(crate) fn one(text: &str) -> (Shape, String, Option<String>) {
    let found = codes_in(text);
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap_or_else(|| unreachable!())
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
            super::Event::Malformed(_) | super::Event::Context(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert!(!LazyLock::force(&HRESULT).as_str().is_empty());
        assert!(!LazyLock::force(&HTTP_STATUS).as_str().is_empty());
        assert!(!LazyLock::force(&SMTP).as_str().is_empty());
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
    fn an_exceptions_parenthesised_code_closes_on_its_own_line() {
        // The `)` on the next line belongs to something else, so the type
        // stands without its `:` message: no finding, in any reads.
        assert!(codes_in("SmtpException (0x\n):").is_empty());
        assert!(codes_in("SocketException (0x80004005 no close here, and much more text): x\n").is_empty());
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
