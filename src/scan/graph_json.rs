//! Microsoft Graph JSON beyond the plain `{"error":{…}}` object: a bare error
//! object `{"code":"X","message":"Y"}` on a line that calls Graph, each failed
//! inner response of a `$batch` response, and the context (request URL,
//! headers) every Graph JSON error takes from the exchange around it.

use std::ops::Range;

use serde_json::{Map, Value};

use super::NeedMore;
use super::http_context::fill_around;
use super::recognise::{Draft, Hit, Input, LOOKBACK, Outcome};
use super::record::{self, Answer, Read, Text, blank, starts_record};
use crate::model::{Class, Finding, Shape};

/// Fills a Graph error read from the JSON object opening at `open` (hit at
/// `at`) with the mailbox, time and request ids of the exchange around it.
pub(crate) fn enrich(f: &mut Finding, input: &Input<'_>, open: usize, at: usize) -> Result<(), NeedMore> {
    let floor = input.floor.min(open).max(at.saturating_sub(LOOKBACK)).min(open);
    let t = Text { bytes: input.buf, at: open, more: !input.eof, floor };
    fill_around(f, &t, open, open)
}

/// An object's fields and where it ends.
type Fields = (Map<String, Value>, usize);

/// One JSON object starting at `open`: its fields and end, `None` when it is
/// none, `NeedMore` when it runs past the text and more may come.
fn object(b: &[u8], open: usize, more: bool) -> Result<Option<Fields>, NeedMore> {
    let mut stream = serde_json::Deserializer::from_slice(&b[open..]).into_iter::<Value>();
    match stream.next() {
        Some(Ok(Value::Object(map))) => Ok(Some((map, open + stream.byte_offset()))),
        Some(Err(e)) if e.is_eof() && more => Err(NeedMore),
        _ => Ok(None),
    }
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Puts the string values of an `innerError` object into `details`.
fn inner_details(f: &mut Finding, error: &Map<String, Value>) {
    let inner = error.get("innerError").or_else(|| error.get("innererror")).and_then(Value::as_object);
    for (key, value) in inner.into_iter().flatten() {
        if let Some(v) = value.as_str() {
            f.details.insert(key.clone(), v.to_string());
        }
    }
}

/// Where the string `value` of `key` stands within `[from, to)`.
fn mark(b: &[u8], from: usize, to: usize, key: &[u8], value: &str) -> Option<Range<usize>> {
    let key_at = from + memchr::memmem::find(&b[from..to], key)?;
    let after = key_at + key.len();
    let v = after + memchr::memmem::find(&b[after..to], value.as_bytes())?;
    Some(v..v + value.len())
}

/// A bare error object on a line that names `graph.microsoft.com` (the hit)
/// or on the lines just after it.
pub(crate) fn bare_object(input: &Input<'_>, hit: Hit) -> Outcome {
    // Most lines that call Graph carry no error: a cheap look for a `code`
    // key comes before any unwrapping.
    let buf = input.buf;
    let end = buf.len().min(hit.at + BARE_REACH);
    if end == buf.len() && !input.eof {
        return Outcome::NeedMore { from: hit.at };
    }
    let mut lines = memchr::memchr_iter(b'\n', &buf[hit.at..end]);
    let region = lines.nth(BARE_LINES).map_or(end, |p| hit.at + p);
    if memchr::memmem::find(&buf[hit.at..region], b"code").is_none() {
        return Outcome::Skip;
    }
    record::read_at(input, hit, &read_bare)
}

/// How far after the Graph URL a bare object is looked for.
const BARE_REACH: usize = 2048;

/// How many lines after the Graph URL a bare object may start on.
const BARE_LINES: usize = 3;

fn read_bare(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let region = record::lines_until(t, t.at, BARE_LINES, BARE_REACH, &|l| blank(l) || starts_record(l))?;
    let mut from = t.at;
    while let Some(p) = memchr::memchr(b'{', &b[from..region]) {
        let open = from + p;
        from = open + 1;
        let key = open + 1 + b[open + 1..region].iter().take_while(|c| c.is_ascii_whitespace()).count();
        if !b[key..region].starts_with(b"\"code\"") {
            continue;
        }
        // `{"error":{"code":…}}` is the JSON reader's, wrapper and all.
        let before = b[t.floor.min(open)..open].trim_ascii_end();
        let before = before.strip_suffix(b":").unwrap_or(before).trim_ascii_end();
        if before.ends_with(b"\"error\"") || before.ends_with(b"error\\\"") {
            continue;
        }
        let Some((map, end)) = object(b, open, t.more)? else {
            continue;
        };
        if map.contains_key("error") || !map.contains_key("message") {
            continue;
        }
        let Some(code) = string(&map, "code") else {
            continue;
        };
        let mut f = Finding::new(Shape::GraphError, code);
        f.class = Some(Class::Error);
        f.message = string(&map, "message");
        inner_details(&mut f, &map);
        let code_at = mark(b, open, end, b"\"code\"", &f.code);
        let message_at = f.message.as_deref().and_then(|m| mark(b, open, end, b"\"message\"", m));
        fill_around(&mut f, t, open, end)?;
        return Ok(Read::one(Draft::new(f, open..end, code_at, message_at), end));
    }
    Ok(None)
}

/// A `$batch` response: each inner response with a status of 400 or more.
pub(crate) fn batch(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &read_batch)
}

/// How far before `"responses"` the batch object may open.
const OPEN_REACH: usize = 256;

fn read_batch(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    // In a decoded view the hit lands on the word, after its quote.
    let at = if t.at > 0 && b.get(t.at) != Some(&b'"') { t.at - 1 } else { t.at };
    const KEY: &[u8] = b"\"responses\"";
    if t.more && at + KEY.len() >= b.len() {
        return Err(NeedMore);
    }
    if !b[at..].starts_with(KEY) {
        return Ok(None);
    }
    let reach = at.saturating_sub(OPEN_REACH).max(t.floor.min(at));
    let Some(open) = b[reach..at].iter().rposition(|c| *c == b'{').map(|p| reach + p) else {
        return Ok(None);
    };
    let Some((map, end)) = object(b, open, t.more)? else {
        return Ok(None);
    };
    let Some(responses) = map.get("responses").and_then(Value::as_array) else {
        return Ok(None);
    };
    let spans = element_spans(b, at + KEY.len(), end);
    let mut findings = Vec::new();
    for (i, response) in responses.iter().enumerate() {
        let Some(response) = response.as_object() else { continue };
        let status = match response.get("status") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let Some(status) = status.filter(|s| *s >= 400) else { continue };
        let error = response.get("body").and_then(|body| body.get("error")).and_then(Value::as_object);
        let code = error.and_then(|e| string(e, "code"));
        let mut f = Finding::new(Shape::GraphError, code.clone().unwrap_or_else(|| status.to_string()));
        f.class = Some(Class::Error);
        f.message = error.and_then(|e| string(e, "message"));
        if let Some(e) = error {
            inner_details(&mut f, e);
        }
        match response.get("id") {
            Some(Value::String(id)) => f.details.insert("id".to_string(), id.clone()),
            Some(Value::Number(id)) => f.details.insert("id".to_string(), id.to_string()),
            _ => None,
        };
        f.details.insert("HttpStatus".to_string(), status.to_string());
        let retry =
            response.get("headers").and_then(|h| h.get("Retry-After").or_else(|| h.get("retry-after")));
        match retry {
            Some(Value::String(s)) => f.details.insert("Retry-After".to_string(), s.clone()),
            Some(Value::Number(n)) => f.details.insert("Retry-After".to_string(), n.to_string()),
            _ => None,
        };
        let span = spans.get(i).cloned().unwrap_or(open..end);
        let (s, e) = (span.start, span.end);
        let code_at = match &code {
            Some(c) => mark(b, s, e, b"\"code\"", c),
            None => mark(b, s, e, b"\"status\"", &status.to_string()),
        };
        let message_at = f.message.as_deref().and_then(|m| mark(b, s, e, b"\"message\"", m));
        fill_around(&mut f, t, open, open)?;
        findings.push(Draft::new(f, span, code_at, message_at));
    }
    // A batch whose responses all succeeded is read, and holds nothing.
    Ok(Some(Read { findings, end }))
}

/// The spans of the elements of the array that follows `from` (after the
/// key's `:`), within `[from, to)`.
fn element_spans(b: &[u8], from: usize, to: usize) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let skip = |mut i: usize, set: &[u8]| {
        while i < to && (b[i].is_ascii_whitespace() || set.contains(&b[i])) {
            i += 1;
        }
        i
    };
    let mut i = skip(from, b":");
    if b.get(i) != Some(&b'[') {
        return spans;
    }
    i += 1;
    loop {
        i = skip(i, b",");
        if i >= to || b[i] == b']' {
            return spans;
        }
        let mut stream = serde_json::Deserializer::from_slice(&b[i..to]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(_)) => {
                let end = i + stream.byte_offset();
                spans.push(i..end);
                i = end;
            }
            _ => return spans,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::codes_in;

    fn graph(codes: &[&str]) -> Vec<(Shape, String, Option<String>)> {
        codes.iter().map(|c| (Shape::GraphError, (*c).to_string(), None)).collect()
    }

    #[test]
    fn bare_objects_next_to_a_graph_call() {
        let line = "PATCH https://graph.microsoft.com/v1.0/users/a@contoso.com/messages/1 failed: {\"code\":\"ErrorInvalidIdMalformed\",\"message\":\"Id is malformed.\"}\n";
        assert_eq!(codes_in(line), graph(&["ErrorInvalidIdMalformed"]));
        assert!(
            codes_in("GET https://example.com/x failed: {\"code\":\"X\",\"message\":\"y\"}\n").is_empty()
        );
    }

    #[test]
    fn batch_responses_at_400_or_more() {
        let text = r#"{"responses":[{"id":"1","status":200,"body":{}},{"id":"2","status":404,"body":{"error":{"code":"ErrorItemNotFound","message":"Gone."}}},{"id":"3","status":403,"body":{"error":{"code":"","message":""}}}]}"#;
        assert_eq!(codes_in(text), graph(&["ErrorItemNotFound", "403"]));
        assert!(codes_in(r#"{"responses":[{"id":"1","status":201,"body":{}}]}"#).is_empty());
    }
}
