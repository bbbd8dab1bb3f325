//! Microsoft Entra ID sign-in errors: `AADSTS` and its number, as the token
//! endpoint's JSON (`error`, `error_description`, `error_codes`), MSAL
//! exceptions and identity-broker logs write them. The message runs up to
//! `Trace ID:`, `Correlation ID:`, `Timestamp:`, a JSON-escaped line break or
//! the closing quote, across the line breaks of a log that wraps it.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::NeedMore;
use super::prose::{clean, ident_before, trim_span};
use super::recognise::{Draft, Hit, Input, Outcome};
use super::record::{self, Answer, Read, Text, blank, capture, capture_last, stack_frame, starts_record};
use crate::model::{Class, Finding, Shape};

/// `AADSTS7000215: Invalid client secret provided. …`
pub(crate) fn aadsts(input: &Input<'_>, hit: Hit) -> Outcome {
    // Read as it stands: inside a JSON string, an escaped line break ends
    // the message, and the `error` field beside that string is the
    // response's.
    record::read_raw_at(input, hit, &read)
}

/// No message is read further than this.
const MESSAGE_LIMIT: usize = 2048;
/// How far the rest of the record (ids, time, a repeat) is read.
const RECORD_LIMIT: usize = 4096;

/// The OAuth `error` of the response: `"error":"invalid_client"`,
/// `'error': 'invalid_grant'`, `ErrorCode: unauthorized_client`,
/// `ServerError: invalid_client: AADSTS…`, `server error invalid_grant`.
static ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:(?i:error)|ErrorCode)(?:\\?"|'|"")?[ \t]*[:=]?[ \t]*(?:\\?"|'|"")?([a-z]+(?:_[a-z]+)+)\b"#,
    )
    .expect("ERROR is a valid regex")
});
static TRACE_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)trace[ _]id(?:\\?"|'|"")?[ \t]*[:=][ \t]*(?:\\?"|'|"")?([0-9a-f-]{36})"#)
        .expect("TRACE_ID is a valid regex")
});
static CORRELATION_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)correlation[ _]id(?:\\?"|'|"")?[ \t]*[:=][ \t]*(?:\\?"|'|"")?([0-9a-f-]{36})"#)
        .expect("CORRELATION_ID is a valid regex")
});
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)timestamp(?:\\?"|'|"")?[ \t]*[:=][ \t]*(?:\\?"|'|"")?(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)"#)
        .expect("TIMESTAMP is a valid regex")
});

/// Words that end the message: the ids and time Entra appends.
const TRAILERS: &[&[u8]] = &[b"Trace ID:", b"Correlation ID:", b"Timestamp:"];

fn read(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let at = t.at;
    if ident_before(b, at) {
        return Ok(None);
    }
    let digits_at = at + b"AADSTS".len();
    let digits = b[digits_at.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    let code_end = digits_at + digits;
    if t.more && code_end + 1 >= b.len() {
        return Err(NeedMore);
    }
    if digits == 0 || b.get(code_end) != Some(&b':') {
        return Ok(None);
    }
    let start = record::line_start(t, at);
    // A heading (`## AADSTS50076: …`) names the error; it is not one.
    if b[start..at].trim_ascii_start().starts_with(b"#") {
        return Ok(None);
    }
    let single = at > 0 && b[at - 1] == b'\'';
    let msg_from = code_end + 1 + b[code_end + 1..].iter().take_while(|c| **c == b' ').count();
    let msg_end = message_end(t, msg_from, single)?;
    let message_at = trim_span(b, msg_from..msg_end);
    let code = String::from_utf8_lossy(&b[at..code_end]).into_owned();
    let mut f = Finding::new(Shape::Aadsts, code.clone());
    f.class = Some(Class::Error);
    let message = clean(&b[message_at.clone()]);
    let message_mark = (!message.is_empty()).then_some(message_at);
    if !message.is_empty() {
        f.message = Some(message);
    }
    // The rest of the record: the ids, the time and the OAuth error, which
    // may stand before the code (`{"error":"invalid_client",…`) or after it.
    let first = record::record_start(t, at, 8);
    let last = record::lines_until(t, msg_end.max(at), 64, RECORD_LIMIT, &|l| blank(l) || starts_record(l))?;
    // What follows the code is its own; of what stands before it on its
    // line or above, the nearest.
    // The next code starts another error's text (or this one's told again).
    let next = memchr::memmem::find(&b[msg_end..last], b"AADSTS").map_or(last, |p| msg_end + p);
    // A JSON string holding a whole log has its records apart only by
    // escaped line breaks.
    let before_from = record::escaped_record_starts(&b[start..at]).last().map(|p| start + p);
    let after_to = record::escaped_record_starts(&b[msg_end..next]).next().map_or(next, |p| msg_end + p);
    let above = if before_from.is_some() { &b[..0] } else { &b[first..start] };
    let (before, after) = (&b[before_from.unwrap_or(start)..at], &b[msg_end..after_to]);
    let pick =
        |re| capture(re, after).or_else(|| capture_last(re, before)).or_else(|| capture_last(re, above));
    if let Some(error) = capture_last(&ERROR, before)
        .or_else(|| capture(&ERROR, after))
        .or_else(|| capture_last(&ERROR, above))
    {
        f.details.insert("error".to_string(), error);
    }
    if let Some(id) = pick(&TRACE_ID) {
        f.details.insert("trace_id".to_string(), id);
    }
    if let Some(id) = pick(&CORRELATION_ID) {
        f.details.insert("correlation_id".to_string(), id);
    }
    let (record_time, mailbox) = super::context::record(b, at, t.floor);
    let record_time = before_from.and_then(|_| super::context::time(before)).or(record_time);
    f.time = pick(&TIMESTAMP).or(record_time);
    f.mailbox = mailbox;
    // The same error told again in the record (a response body under the
    // exception, with the same Trace ID) belongs to this finding.
    let mut end = msg_end;
    let mut from = msg_end;
    while let (Some(p), Some(trace)) =
        (memchr::memmem::find(&b[from..last], code.as_bytes()), f.details.get("trace_id"))
    {
        let again = from + p + code.len();
        from = again;
        let told = &b[again..last.min(again + MESSAGE_LIMIT)];
        let same = !b.get(again).is_some_and(u8::is_ascii_digit)
            && capture(&TRACE_ID, told).is_some_and(|id| id == *trace);
        if !same {
            break;
        }
        let said = again + usize::from(b.get(again) == Some(&b':'));
        end = message_end(t, said, false)?.min(last);
    }
    Ok(Read::one(Draft::new(f, at..msg_end, Some(at..code_end), message_mark), end))
}

/// Where the message starting at `from` ends.
fn message_end(t: &Text<'_>, from: usize, single: bool) -> Result<usize, NeedMore> {
    let b = t.bytes;
    let limit = from + MESSAGE_LIMIT;
    let mut i = from;
    while i < b.len().min(limit) {
        let rest = &b[i..];
        if TRAILERS.iter().any(|w| rest.starts_with(w)) {
            return Ok(i);
        }
        match b[i] {
            b'"' => return Ok(i),
            b'\'' if single => return Ok(i),
            b'\\' => {
                let slashes = rest.iter().take_while(|c| **c == b'\\').count();
                match rest.get(slashes) {
                    Some(b'r' | b'n') => return Ok(i),
                    None if t.more => return Err(NeedMore),
                    _ => i += slashes,
                }
                continue;
            }
            b'\n' => {
                let next = i + 1;
                let next_end = record::line_end(t, next)?;
                let line = record::line(t, next, next_end);
                if blank(line) || starts_record(line) || stack_frame(line) {
                    return Ok(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    if t.more && i >= b.len() {
        return Err(NeedMore);
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::codes_in;

    #[test]
    fn static_regexes_compile() {
        std::sync::LazyLock::force(&super::ERROR);
        std::sync::LazyLock::force(&super::TRACE_ID);
        std::sync::LazyLock::force(&super::CORRELATION_ID);
        std::sync::LazyLock::force(&super::TIMESTAMP);
    }

    #[test]
    fn codes_need_digits_and_a_colon() {
        assert_eq!(
            codes_in(
                "login failed: AADSTS50126: Error validating credentials due to invalid username or password.\n"
            ),
            [(Shape::Aadsts, "AADSTS50126".to_string(), None)]
        );
        assert!(codes_in("see AADSTS50126 in the docs; AADSTS: nothing; XAADSTS1: no\n").is_empty());
        assert!(codes_in("## AADSTS50076: Multifactor authentication required\n").is_empty());
    }
}
