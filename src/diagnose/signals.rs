//! Reading the evidence mini-language against one finding.
//!
//! Each check answers in words rather than with a bare `bool`, because the
//! administrator needs to see *why* a cause moved up or down, and the words are
//! best written where the fact was found (the profile's actual name, the
//! detail's actual value).

use crate::ascii;
use crate::kb::{Direction, Signal, status};
use crate::model::Finding;

use super::seen::MailboxCodes;

/// Why `signal` holds for `finding`, or `None` when it does not.
pub(crate) fn holds(signal: &Signal, finding: &Finding, seen: &MailboxCodes) -> Option<String> {
    match signal {
        Signal::Message(text) => {
            let message = finding.message.as_deref()?;
            contains_ci(message, text).then(|| format!("message mentions \"{text}\""))
        }
        Signal::Operation(name) => {
            let op = finding.operation.as_deref()?;
            op.eq_ignore_ascii_case(name).then(|| format!("operation is {op}"))
        }
        Signal::Direction(want) => {
            (direction(finding) == Some(*want)).then(|| direction_words(*want).to_owned())
        }
        Signal::Inner(code) => {
            let inner = finding.inner_code.as_deref()?;
            inner.eq_ignore_ascii_case(code).then(|| format!("inner code is {inner}"))
        }
        Signal::Detail { name, value } => {
            let (key, actual) = finding.details.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))?;
            match value {
                None => Some(format!("MessageXml carries {key} = {actual}")),
                Some(v) => actual
                    .trim()
                    .eq_ignore_ascii_case(v)
                    .then(|| format!("MessageXml carries {key} = {actual}")),
            }
        }
        Signal::Profile(text) => {
            let profile = finding.profile.as_deref()?;
            contains_ci(profile, text).then(|| format!("profile \"{profile}\" contains \"{text}\""))
        }
        Signal::SeenWith(code) => {
            seen.seen_with(finding, code).then(|| format!("the same mailbox also shows {code}"))
        }
        Signal::Http(status) => {
            (http_status(finding) == Some(*status)).then(|| format!("{HTTP_STATUS}{status}"))
        }
        Signal::Header { name, text } => {
            let value = header(finding, name)?;
            contains_ci(value, text).then(|| format!("{name}: {}", value.trim()))
        }
    }
}

/// The value of response header `name` in a finding: a detail of that name, or
/// the rest of the line after `name:` in the message (client traces and
/// exception text carry headers that way).
pub(crate) fn header<'a>(finding: &'a Finding, name: &str) -> Option<&'a str> {
    if let Some((_, v)) = finding.details.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        return Some(v);
    }
    let message = finding.message.as_deref()?;
    let at = find_ci(message, name)?;
    let rest = message[at + name.len()..].trim_start();
    let rest = rest.strip_prefix(':')?;
    Some(rest.split(['\n', '\r']).next().unwrap_or_default())
}

/// Where `needle` (ASCII) first occurs in `haystack`, ignoring ASCII case.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    needle.is_ascii().then(|| ascii::find_ignoring_case(haystack.as_bytes(), needle.as_bytes()))?
}

/// What the evidence of an HTTP status says before the number.
const HTTP_STATUS: &str = "HTTP status ";

/// Case-insensitive substring test. Allocates, but only on short strings
/// (messages, profile names) and only once per signal.
pub(crate) fn contains_ci(haystack: &str, needle: &str) -> bool {
    // Every finding is checked against many phrases: compare in place rather
    // than lower-casing copies, unless the phrase itself is not ASCII.
    if !needle.is_ascii() {
        return haystack.to_lowercase().contains(&needle.to_lowercase());
    }
    needle.is_empty() || find_ci(haystack, needle).is_some()
}

fn direction_words(d: Direction) -> &'static str {
    match d {
        Direction::Receive => "it concerns incoming email",
        Direction::Send => "it concerns outgoing email",
        Direction::Act => "it concerns appointments, contacts and tasks",
    }
}

/// Which way synchronization was going. The alert sentence says it in words;
/// EWS responses only name the operation, so the usual operations of each
/// direction stand in for it. The sentence wins because one operation (GetItem)
/// serves more than one direction.
pub(crate) fn direction(finding: &Finding) -> Option<Direction> {
    if let Some(message) = finding.message.as_deref() {
        if contains_ci(message, "appointments, contacts") {
            return Some(Direction::Act);
        }
        let is = |word: &str, words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(word));
        for word in message.split(|c: char| !c.is_ascii_alphanumeric()) {
            if is(word, &["receiving", "received", "receive", "incoming"]) {
                return Some(Direction::Receive);
            }
            if is(word, &["sending", "outgoing", "sent", "send"]) {
                return Some(Direction::Send);
            }
        }
    }
    let op = finding.operation.as_deref()?;
    const RECEIVE: &[&str] = &["FindItem", "GetItem", "SyncFolderItems", "Subscribe"];
    const SEND: &[&str] = &["CreateItem", "SendItem"];
    if RECEIVE.iter().any(|o| o.eq_ignore_ascii_case(op)) {
        Some(Direction::Receive)
    } else if SEND.iter().any(|o| o.eq_ignore_ascii_case(op)) {
        Some(Direction::Send)
    } else {
        None
    }
}

/// The HTTP status a finding carries: the scanner's `HttpStatus` detail, a code
/// spelled as a status (`401 Unauthorized`, `Forbidden`), or a status number in
/// the message (`HTTP status 403: Forbidden`).
pub(crate) fn http_status(finding: &Finding) -> Option<u16> {
    if let Some(s) = finding.details.get("HttpStatus").and_then(|v| leading_status(v)) {
        return Some(s);
    }
    let codes = std::iter::once(finding.code.as_str()).chain(finding.inner_code.as_deref());
    for code in codes {
        if let Some(s) = status_of_code(code) {
            return Some(s);
        }
    }
    let message = finding.message.as_deref()?;
    let at = find_ci(message, "http status")?;
    leading_status(message.get(at + "http status".len()..)?.trim_start_matches([' ', ':']))
}

/// A three-digit status at the start of `text` (`403`, `403 Forbidden`).
fn leading_status(text: &str) -> Option<u16> {
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let n: u16 = (digits == 3).then(|| text[..3].parse().ok())??;
    (100..600).contains(&n).then_some(n)
}

/// Reads a code that is an HTTP status in words or digits. Only whole codes
/// count, so `ErrorInternalServerError` is not mistaken for HTTP 500.
fn status_of_code(code: &str) -> Option<u16> {
    // Its letters start with `HTTP` or a reason phrase, unlike every EWS
    // code name (`Error…`): the rest is read only then.
    if let Some(first) = code.bytes().find(u8::is_ascii_alphabetic)
        && !first.eq_ignore_ascii_case(&b'h')
        && !status::may_begin_a_phrase(first)
    {
        return None;
    }
    let folded: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    // A bare number is a ServiceError ordinal (`returned 363 error`), never a
    // status, unless it says `HTTP`.
    let (said_http, folded) = match folded.strip_prefix("http") {
        Some(rest) => (true, rest),
        None => (false, folded.as_str()),
    };
    let words = folded.trim_start_matches(|c: char| c.is_ascii_digit());
    let from_words = if words.is_empty() { None } else { status::of_phrase(words) };
    from_words.or_else(|| (said_http && words.is_empty()).then(|| leading_status(folded)).flatten())
}

/// The status phrases an HTTP status is written with in alerts, for looking a
/// bare `HttpStatus` up in the knowledge base.
pub(crate) fn status_names(status: u16) -> Vec<String> {
    let mut names = vec![format!("HTTP {status}")];
    if let Some(phrase) = status::reason(status) {
        names.push(format!("{status} {phrase}"));
        names.push(phrase.replace(' ', ""));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_is_found_in_any_case_wherever_it_stands() {
        let phrases = ["secure connection", "Exchange Online", "x", "a a", "", "HTTP status "];
        let texts = [
            "",
            "x",
            "X",
            "a",
            "a a a",
            "The SECURE connection failed",
            "secure connectio",
            "exchange onlinE",
            "ends with secure connection",
            "é secure connection é",
            "HTTP STATUS 503",
            "aa a",
        ];
        for phrase in phrases {
            for text in texts {
                let by_lowercase = text.to_ascii_lowercase().contains(&phrase.to_ascii_lowercase());
                assert_eq!(contains_ci(text, phrase), by_lowercase, "{phrase:?} in {text:?}");
            }
        }
    }

    #[test]
    fn a_header_needs_a_name() {
        assert_eq!(find_ci("X-MS-Diagnostics: 2", ""), None, "an empty name is no header");
    }

    #[test]
    fn the_direction_is_the_first_word_that_says_one() {
        let mut f = Finding::new(crate::model::Shape::Alert, "ErrorAccessDenied");
        for (message, want) in [
            ("Email could not be sent because incoming mail failed", Some(Direction::Send)),
            ("Incoming email could not be sent", Some(Direction::Receive)),
            ("RECEIVED, then sent", Some(Direction::Receive)),
            ("sends and receiver", None),
            ("appointments, contacts and tasks could not be sent", Some(Direction::Act)),
        ] {
            f.message = Some(message.to_owned());
            assert_eq!(direction(&f), want, "{message}");
        }
    }

    #[test]
    fn statuses_from_codes_and_messages() {
        assert_eq!(status_of_code("401 Unauthorized"), Some(401));
        assert_eq!(status_of_code("Forbidden"), Some(403));
        assert_eq!(status_of_code("HTTP 503"), Some(503));
        assert_eq!(status_of_code("HTTP 413 Request Entity Too Large"), Some(413), "the longest phrase");
        assert_eq!(
            status_of_code("000000000000000000000000000000 Forbidden"),
            Some(403),
            "digits are no letters"
        );
        assert_eq!(status_of_code("ErrorInternalServerError"), None);
        assert_eq!(status_of_code("363"), None);
        assert_eq!(leading_status("403 Forbidden"), Some(403));
        assert_eq!(leading_status("4030"), None);
    }

    #[test]
    fn headers_from_details_or_message_lines() {
        use crate::model::Shape;
        let mut f = Finding::new(Shape::Exception, "Forbidden");
        f.message = Some(
            "HTTP/1.1 403 Forbidden\nx-ews-policy-reason: EWS is disabled for this user or tenant\nServer: x"
                .into(),
        );
        assert_eq!(header(&f, "X-EWS-Policy-Reason"), Some(" EWS is disabled for this user or tenant"));
        f.details
            .insert("X-EWS-Policy-Reason".into(), "EWS is blocked by policy for this user or tenant".into());
        assert_eq!(
            header(&f, "x-ews-policy-reason"),
            Some("EWS is blocked by policy for this user or tenant")
        );
        assert_eq!(header(&Finding::new(Shape::Exception, "Forbidden"), "X-EWS-Policy-Reason"), None);
    }
}
