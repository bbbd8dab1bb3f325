//! EWS requests refused with HTTP 403: a response carrying the
//! `X-EWS-Policy-Reason` header, and a client's `The remote server returned
//! an error: (403) Forbidden.` next to an EWS URL or an EWS client's name.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::http_context::{self, anchor_mailbox, exchange};
use super::recognise::{Draft, Hit, Input, Outcome};
use super::record::{self, Answer, Read, Text, blank};
use crate::model::{Class, Finding, Shape};

/// `X-EWS-Policy-Reason: …` in a response's headers.
pub(crate) fn policy_header(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &|t| read_header(t, hit.len))
}

/// How far around the header the rest of the response is read.
const BLOCK_LIMIT: usize = 4096;

fn read_header(t: &Text<'_>, name_len: usize) -> Answer {
    let b = t.bytes;
    let at = t.at;
    let line_end = record::line_end(t, at)?;
    let mut i = at + name_len;
    // A view (a CSV field, a JSON string) may end inside the name.
    if i > line_end {
        return Ok(None);
    }
    // `X-EWS-Policy-Reason: …`, or a header dump's `"X-EWS-Policy-Reason": "…"`.
    i += b[i..line_end].iter().take_while(|c| matches!(c, b'"' | b'\\' | b' ' | b'\t')).count();
    if !matches!(b.get(i), Some(b':' | b'=')) {
        return Ok(None);
    }
    i += 1;
    i += b[i..line_end].iter().take_while(|c| matches!(c, b'"' | b'\\' | b' ' | b'\t')).count();
    let value_end =
        i + b[i..line_end].iter().position(|c| matches!(c, b'"' | b'\\' | b'\r')).unwrap_or(line_end - i);
    let value_at = super::prose::trim_span(b, i..value_end);
    let (vs, ve) = (value_at.start, value_at.end);
    if vs == ve {
        return Ok(None);
    }
    let value = String::from_utf8_lossy(&b[vs..ve]).into_owned();
    // The response's status line and other headers stand around it.
    let first = http_context::exchange_start(t, at);
    let last = record::lines_until(t, at, 40, BLOCK_LIMIT, &|l| blank(l) || l.starts_with(b"</Trace"))?;
    let block = &b[first..last];
    let mut f = Finding::new(Shape::EwsResponse, "Forbidden");
    f.class = Some(Class::Error);
    f.message = Some(value.clone());
    f.details.insert("X-EWS-Policy-Reason".to_string(), value);
    let http = exchange(block);
    f.mailbox = anchor_mailbox(block).or(http.mailbox.clone());
    let trace_time = super::context::trace_time(&b[first..at]);
    http.fill(&mut f);
    if trace_time.is_some() {
        f.time = trace_time;
    }
    if f.time.is_none() {
        f.time = super::context::record(b, at, t.floor).0;
    }
    // The code mark points at the status line's `Forbidden` where there is one.
    let code = memchr::memmem::find(block, b"Forbidden").map(|p| first + p..first + p + "Forbidden".len());
    // The span runs from the status line, when it stands above, to the value.
    let start = code.as_ref().filter(|c| c.start < at).map_or(at, |c| record::line_start(t, c.start));
    let code = code.unwrap_or(at..at + name_len);
    Ok(Read::one(Draft::new(f, start..ve, Some(code), Some(vs..ve)), line_end.max(ve)))
}

static CLIENT_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:The request failed\. )?The remote server returned an error: \((\d{3})\) ([A-Za-z][A-Za-z ]*[A-Za-z])\.?").expect("CLIENT_ERROR is a valid regex")
});

/// What tells that a request went to EWS: its URL or a client library's name.
static EWS_CLIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i:/EWS/Exchange\.asmx|Microsoft\.Exchange\.WebServices|EWS Managed API|ExchangeServiceBinding",
        r"|exchangelib|ews-javascript-api|ews-java-api)|\bExchangeService\b|\bEWS\b"
    ))
    .expect("EWS_CLIENT is a valid regex")
});

/// How many lines above the error line an EWS URL or client name may stand.
const CLIENT_LINES: usize = 8;

/// `The request failed. The remote server returned an error: (403) Forbidden.`
/// on a line that names EWS or under one that does (the hit is on
/// `server returned`).
pub(crate) fn client_error(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &read_client_error)
}

fn read_client_error(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let at = t.at;
    let line_start = record::line_start(t, at);
    let line_end = record::line_end(t, at)?;
    let Some(c) = CLIENT_ERROR.captures(&b[line_start..line_end]) else {
        return Ok(None);
    };
    let (Some(whole), Some(status), Some(phrase)) = (c.get(0), c.get(1), c.get(2)) else {
        return Ok(None);
    };
    let sentence = line_start + whole.start()..line_start + whole.end();
    if !sentence.contains(&at) {
        return Ok(None);
    }
    let Some(status) = std::str::from_utf8(status.as_bytes()).ok().and_then(|s| s.parse::<u16>().ok()) else {
        return Ok(None);
    };
    if status < 400 {
        return Ok(None);
    }
    let mut above = line_start;
    for _ in 0..CLIENT_LINES {
        if above <= t.floor || record::starts_record(record::line(t, above, super::lines::line_end(b, above)))
        {
            break;
        }
        above = record::line_start(t, above - 1);
    }
    let around = &b[above..line_end];
    if !EWS_CLIENT.is_match(around) {
        return Ok(None);
    }
    let code: String = String::from_utf8_lossy(phrase.as_bytes()).split_whitespace().collect();
    let mut f = Finding::new(Shape::Exception, code);
    f.class = Some(Class::Error);
    f.message = Some(String::from_utf8_lossy(whole.as_bytes()).into_owned());
    f.details.insert("HttpStatus".to_string(), status.to_string());
    let (time, mailbox) = super::context::record(b, at, t.floor);
    f.time = time;
    f.mailbox = mailbox.or_else(|| anchor_mailbox(around));
    let phrase_at = line_start + phrase.start()..line_start + phrase.end();
    let end = sentence.end;
    Ok(Read::one(Draft::new(f, sentence.clone(), Some(phrase_at), Some(sentence)), end))
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::codes_in;

    #[test]
    fn static_regexes_compile() {
        std::sync::LazyLock::force(&super::CLIENT_ERROR);
        std::sync::LazyLock::force(&super::EWS_CLIENT);
    }

    #[test]
    fn a_policy_header_name_cut_by_the_end_of_a_csv_field_is_no_header() {
        assert!(codes_in("\"\\\"\nX-EWS-Policy-Reason\"\"").is_empty());
    }

    #[test]
    fn a_403_counts_only_next_to_ews() {
        let line = "The request failed. The remote server returned an error: (403) Forbidden.";
        assert_eq!(
            codes_in(&format!("EWS FindItem on https://outlook.office365.com/EWS/Exchange.asmx: {line}\n")),
            [(Shape::Exception, "Forbidden".to_string(), None)]
        );
        assert!(codes_in(&format!("Downloading the price list: {line}\n")).is_empty());
    }

    #[test]
    fn the_policy_header_needs_a_value() {
        assert_eq!(
            codes_in("HTTP/1.1 403 Forbidden\nX-EWS-Policy-Reason: EWS is blocked for this application\n\n"),
            [(Shape::EwsResponse, "Forbidden".to_string(), None)]
        );
        assert!(codes_in("X-EWS-Policy-Reason:\n\n").is_empty());
    }

    #[test]
    fn the_policy_header_in_lower_case_or_a_json_dump() {
        let forbidden = [(Shape::EwsResponse, "Forbidden".to_string(), None)];
        assert_eq!(codes_in("HTTP/1.1 403 Forbidden\nx-ews-policy-reason: Blocked by policy\n\n"), forbidden);
        assert_eq!(
            codes_in("headers: {\"X-EWS-Policy-Reason\": \"Blocked by policy\", \"Date\": \"x\"}\n"),
            forbidden
        );
    }
}
