//! JSON payloads: OWA-style responses (`"ResponseCode":"…"` with an escaped
//! `MessageXml`) and Microsoft Graph / REST errors (`{"error":{"code":…}}`),
//! raw or themselves escaped inside a JSON string or a CSV field.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::NeedMore;
use super::recognise::{Draft, Hit, Input, Item, Origin, Outcome};
use super::view::{self, View};
use super::work;
use crate::model::{Broken, Class, Finding, Shape, Wrapping};

/// How the quotes around a JSON key are written where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quote {
    /// `"key"`: raw JSON.
    Plain,
    /// `\"key\"`: JSON inside a JSON string.
    Escaped,
    /// `""key""`: JSON inside a CSV field.
    Doubled,
}

/// The quote style of a JSON key starting at `at`, if the word there is one.
pub(crate) fn quote_before(buf: &[u8], at: usize, floor: usize) -> Option<Quote> {
    let before = &buf[floor.min(at)..at];
    if before.ends_with(b"\\\"") {
        Some(Quote::Escaped)
    } else if before.ends_with(b"\"\"") {
        Some(Quote::Doubled)
    } else if before.ends_with(b"\"") {
        Some(Quote::Plain)
    } else {
        None
    }
}

/// Text to read JSON from, and the way back to the input.
struct Mapped {
    view: Option<View>,
    /// Input position of the text's first byte, for raw text.
    base: usize,
}

impl Origin for Mapped {
    fn source(&self, at: usize) -> usize {
        self.view.as_ref().map_or(self.base + at, |v| v.source(at))
    }

    fn wrapping(&self) -> Option<Wrapping> {
        self.view.as_ref().map(|v| v.wrapping)
    }
}

enum Read {
    /// A whole object, with its end in the text.
    Object(Map<String, Value>, usize),
    /// The object is cut off: what there is of it.
    Cut,
    Invalid,
    NeedMore,
}

/// Reads one JSON object starting at `text[0]`.
fn read_object(text: &[u8], more_may_come: bool) -> Read {
    work::add(text.len());
    let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<Value>();
    match stream.next() {
        Some(Ok(Value::Object(map))) => Read::Object(map, stream.byte_offset()),
        Some(Err(e)) if e.is_eof() && more_may_come => Read::NeedMore,
        Some(Err(e)) if e.is_eof() => Read::Cut,
        // A message cut in the middle of an emoji keeps half of its
        // surrogate pair, which serde_json refuses; the rest is still good.
        Some(Err(_)) => match mend_surrogates(text) {
            Some(mended) => read_object(&mended, more_may_come),
            None => Read::Invalid,
        },
        _ => Read::Invalid,
    }
}

/// `text` with every `\uXXXX` escape of a lone surrogate replaced by
/// `\uFFFD` (as long, so positions stay put), or `None` if it has none.
fn mend_surrogates(text: &[u8]) -> Option<Vec<u8>> {
    let unit = |at: usize| -> Option<u32> {
        let escape = text.get(at..at + 6)?;
        if &escape[..2] != b"\\u" {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(&escape[2..]).ok()?, 16).ok()
    };
    let surrogate = |u: u32| (0xD800..0xE000).contains(&u);
    let mut mended: Option<Vec<u8>> = None;
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'\\', &text[i..]) {
        let at = i + found;
        work::add(found);
        match unit(at) {
            Some(high)
                if (0xD800..0xDC00).contains(&high)
                    && unit(at + 6).is_some_and(|l| (0xDC00..0xE000).contains(&l)) =>
            {
                i = at + 12;
            }
            Some(lone) if surrogate(lone) => {
                mended.get_or_insert_with(|| text.to_vec())[at..at + 6].copy_from_slice(b"\\uFFFD");
                i = at + 6;
            }
            _ => i = at + 2,
        }
        if i >= text.len() {
            break;
        }
    }
    mended
}

/// An object found: its fields, the text it was read from, where its `{`
/// stands in the input and where it ends in the text.
struct Found {
    map: Map<String, Value>,
    mapped: Mapped,
    open: usize,
    end: usize,
}

/// How far back from a key the `{` of the object holding it may stand.
const OBJECT_REACH: usize = 16 << 10;
/// How much of an object past its key is read at first; a longer one is read
/// again with four times as much, up to the payload cap, so that a key that
/// is no payload costs little however long the text after it.
const FIRST_LOOK: usize = 256;
/// The deepest an object the recognisers read is nested, counted from that
/// object. Responses and Graph errors are a few levels deep; a deeper run of
/// braces is no payload, and reading it through for every key in it would be
/// slow.
const MAX_DEPTH: usize = 10;

/// Finds the object that holds the key at `at` (written with `quote`) and
/// returns it if `accept` takes it; unwraps escaped JSON first.
///
/// The object is found by one walk back from the key over brace depth, so a
/// key costs the bytes between it and its object's `{` and as much of the
/// object as is needed to read it: never a decode up to the payload cap.
fn object_around(
    input: &Input<'_>,
    at: usize,
    quote: Quote,
    accept: &dyn Fn(&Map<String, Value>) -> bool,
) -> Result<Found, Outcome> {
    let buf = input.buf;
    let key = at.saturating_sub(if quote == Quote::Plain { 1 } else { 2 });
    let reach = at.saturating_sub(OBJECT_REACH).max(input.floor.min(at));
    let Some(open) = container(buf, reach, key, quote) else {
        return Err(Outcome::Skip);
    };
    let mut limit = (at - open).saturating_add(FIRST_LOOK).min(input.max_payload);
    loop {
        let mapped = match quote {
            Quote::Plain => Mapped { view: None, base: open },
            Quote::Escaped | Quote::Doubled => {
                let unwrap = if quote == Quote::Escaped { view::json } else { view::csv };
                match unwrap(buf, open, limit, input.eof) {
                    Ok(view) => Mapped { view: Some(view), base: open },
                    Err(NeedMore) => return Err(Outcome::NeedMore { from: open }),
                }
            }
        };
        // `short`: the text stops at the look's limit, not at the end of
        // the string or field or of what has been read.
        let (text, short, more) = match &mapped.view {
            Some(view) => (&view.text[..], !view.closed && view.source(view.text.len()) < buf.len(), false),
            None => {
                let end = buf.len().min(open.saturating_add(limit));
                (&buf[open..end], end < buf.len(), !input.eof)
            }
        };
        let read = match extent(text) {
            Extent::TooDeep => return Err(Outcome::Skip),
            Extent::Closed(end) => read_object(&text[..end], false),
            Extent::Open => read_object(text, more || short),
        };
        match read {
            Read::Object(map, end) if accept(&map) => return Ok(Found { map, mapped, open, end }),
            Read::NeedMore if short && limit < input.max_payload => {
                limit = limit.saturating_mul(4).min(input.max_payload);
            }
            Read::NeedMore if !short => return Err(Outcome::NeedMore { from: open }),
            Read::Cut | Read::NeedMore if mapped.view.is_some() || input.eof || short => {
                return Err(Outcome::Found {
                    items: cut_response(text, &mapped),
                    end: mapped.source(text.len()),
                });
            }
            _ => return Err(Outcome::Skip),
        }
    }
}

/// The `{` of the innermost object still open at `key`, walking back from it
/// no further than `reach`, and skipping strings (whose quotes are written as
/// `quote` says).
fn container(buf: &[u8], reach: usize, key: usize, quote: Quote) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = key;
    while i > reach {
        i -= 1;
        work::add(1);
        let b = buf[i];
        if b == b'"'
            && let Some(len) = structural_quote(&buf[reach..=i], quote)
        {
            in_string = !in_string;
            i = i + 1 - len;
            continue;
        }
        match b {
            _ if in_string => {}
            b'}' => depth += 1,
            b'{' if depth == 0 => return Some(i),
            b'{' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// If `text` ends with a quote that delimits a string in JSON written with
/// `quote` (rather than a quote inside one), its length in bytes.
fn structural_quote(text: &[u8], quote: Quote) -> Option<usize> {
    let before = &text[..text.len() - 1];
    let slashes = before.iter().rev().take_while(|b| **b == b'\\').count();
    match quote {
        Quote::Plain => (slashes % 2 == 0).then_some(1),
        // `\"` delimits; `\\\"` is a quote inside the string.
        Quote::Escaped => (slashes == 1).then_some(2),
        // `""` delimits; `\""` is a quote inside the string.
        Quote::Doubled => {
            let pair = before.last() == Some(&b'"');
            let escaped = before.len() >= 2 && before[before.len() - 2] == b'\\';
            (pair && !escaped).then_some(2)
        }
    }
}

/// How far the object at the start of a text reaches, from a walk over its
/// braces and strings that allocates nothing.
enum Extent {
    /// It closes; the position after its `}`.
    Closed(usize),
    /// It nests deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The text ends first.
    Open,
}

fn extent(text: &[u8]) -> Extent {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    work::add(i);
                    return Extent::TooDeep;
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    work::add(i);
                    return Extent::Closed(i + 1);
                }
            }
            _ => {}
        }
    }
    work::add(text.len());
    Extent::Open
}

fn string<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    map.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// `{"__type":"DeleteItemResponseMessage:#Exchange","ResponseCode":"…",…}`.
pub(crate) fn response(input: &Input<'_>, hit: Hit, quote: Quote) -> Outcome {
    let accept = |map: &Map<String, Value>| map.contains_key("ResponseCode");
    let Found { map, mapped, open, end } = match object_around(input, hit.at, quote, &accept) {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    let Some(code) = string(&map, "ResponseCode") else {
        return Outcome::Skip;
    };
    let text: &[u8] = match &mapped.view {
        Some(view) => &view.text,
        None => &input.buf[open..],
    };
    let mut f = Finding::new(Shape::JsonResponse, code.to_string());
    f.class = string(&map, "ResponseClass").and_then(Class::parse);
    f.message = string(&map, "MessageText").map(str::to_string);
    f.operation = string(&map, "__type")
        .and_then(|t| t.split(':').next())
        .and_then(|t| t.strip_suffix("ResponseMessage").or(t.strip_suffix("Response")))
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if let Some(xml) = string(&map, "MessageXml") {
        f.details = message_xml_values(xml);
        f.inner_code = f.details.get("InnerErrorResponseCode").cloned();
    }
    let code_at = mark_value(text, end, b"ResponseCode", code);
    let message_at = f.message.as_deref().and_then(|m| mark_value(text, end, b"MessageText", m));
    finish(Draft::new(f, 0..end, code_at, message_at), &mapped, end, open, input)
}

/// `{"error":{"code":"ErrorNonExistentMailbox","message":"…"}}`.
pub(crate) fn graph_error(input: &Input<'_>, hit: Hit) -> Outcome {
    let buf = input.buf;
    let word = hit.at + buf[hit.at..hit.at + hit.len].iter().take_while(|b| **b != b'e').count();
    let quote = match quote_before(buf, word, input.floor) {
        Some(Quote::Plain) if buf[..hit.at].ends_with(b"\\") => Quote::Escaped,
        Some(Quote::Plain) if buf[..hit.at].ends_with(b"\"") => Quote::Doubled,
        Some(q) => q,
        None => return Outcome::Skip,
    };
    if !input.eof && buf.len() < word + b"error\\\"".len() {
        return Outcome::NeedMore { from: hit.at };
    }
    if !buf[word..].starts_with(b"error\"") && !buf[word..].starts_with(b"error\\\"") {
        return Outcome::Skip;
    }
    let accept = |map: &Map<String, Value>| {
        map.get("error").and_then(Value::as_object).is_some_and(|e| e.contains_key("code"))
    };
    let Found { map, mapped, open, end } = match object_around(input, word, quote, &accept) {
        Ok(found) => found,
        Err(Outcome::Found { .. }) => return Outcome::Skip,
        Err(outcome) => return outcome,
    };
    let Some(error) = map.get("error").and_then(Value::as_object) else {
        return Outcome::Skip;
    };
    let Some(code) = string(error, "code") else {
        return Outcome::Skip;
    };
    let text: &[u8] = match &mapped.view {
        Some(view) => &view.text,
        None => &buf[open..],
    };
    let mut f = Finding::new(Shape::GraphError, code.to_string());
    f.class = Some(Class::Error);
    f.message = string(error, "message").map(str::to_string);
    if let Some(inner) =
        error.get("innerError").or_else(|| error.get("innererror")).and_then(Value::as_object)
    {
        for (key, value) in inner {
            if let Some(v) = value.as_str() {
                f.details.insert(key.clone(), v.to_string());
            }
        }
        f.inner_code = string(inner, "code").filter(|c| *c != code).map(str::to_string);
    }
    let code_at = mark_value(text, end, b"code", code);
    if super::graph_json::enrich(&mut f, input, open, hit.at).is_err() {
        return Outcome::NeedMore { from: open.min(hit.at) };
    }
    finish(Draft::new(f, 0..end, code_at, None), &mapped, end, open, input)
}

/// Moves a finding read from the object's text onto the input.
fn finish(mut draft: Draft, mapped: &Mapped, end: usize, open: usize, input: &Input<'_>) -> Outcome {
    let f = &mut draft.finding;
    if f.time.is_none() {
        let (time, mailbox) = super::context::record(input.buf, open, input.floor);
        f.time = time;
        f.mailbox = f.mailbox.take().or(mailbox);
    }
    let item = Item::from(draft).map(mapped);
    Outcome::Found { items: vec![item], end: mapped.source(end).max(open + 1) }
}

/// Where the string value of `key` stands in the (unescaped) text.
fn mark_value(text: &[u8], end: usize, key: &[u8], value: &str) -> Option<Range<usize>> {
    let text = &text[..end.min(text.len())];
    let mut quoted = Vec::with_capacity(key.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(key);
    quoted.push(b'"');
    let key_at = memchr::memmem::find(text, &quoted)?;
    let after = key_at + quoted.len();
    let value_at = after + memchr::memmem::find(&text[after..], value.as_bytes())?;
    Some(value_at..value_at + value.len())
}

static VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<(?:[\w.-]+:)?Value\s+Name=["']([^"']+)["'][^>]*>([^<]*)<"#)
        .expect("VALUE is a valid pattern")
});

/// `Value` elements of a `MessageXml` string, by name.
fn message_xml_values(xml: &str) -> std::collections::BTreeMap<String, String> {
    VALUE
        .captures_iter(xml)
        .filter_map(|c| {
            Some((c.get(1)?.as_str().to_string(), view::decode_text(c.get(2)?.as_str().as_bytes())))
        })
        .collect()
}

/// The fields read from a cut-off response: code, message, class, inner code.
static CUT_FIELDS: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        r#""ResponseCode"\s*:\s*"([A-Za-z0-9]+)""#,
        r#""MessageText"\s*:\s*"((?:[^"\\]|\\.)*)""#,
        r#""ResponseClass"\s*:\s*"(\w+)""#,
        r#"InnerErrorResponseCode\\?"[^>]*>\s*([A-Za-z0-9]+)\s*<"#,
    ]
    .map(|pattern| Regex::new(pattern).expect("CUT_FIELDS are valid patterns"))
});

/// A response cut off before its object closed (a Trace record's 2,048
/// characters): the code and message that were complete, marked truncated.
fn cut_response(text: &[u8], mapped: &Mapped) -> Vec<Item> {
    let [code_re, message_re, class_re, inner_re] = &*CUT_FIELDS;
    let lossy = String::from_utf8_lossy(text);
    let Some(code) = code_re.captures(&lossy).and_then(|c| c.get(1)) else {
        return vec![Item::Malformed {
            span: mapped.source(0)..mapped.source(text.len()),
            error_at: mapped.source(text.len()),
            reason: Broken::JsonCutOff,
        }];
    };
    let mut f = Finding::new(Shape::JsonResponse, code.as_str().to_string());
    f.truncated = true;
    f.class = class_re.captures(&lossy).and_then(|c| Class::parse(c.get(1)?.as_str()));
    f.message = message_re
        .captures(&lossy)
        .and_then(|c| serde_json::from_str::<String>(&format!("\"{}\"", c.get(1)?.as_str())).ok());
    f.inner_code = inner_re.captures(&lossy).and_then(|c| Some(c.get(1)?.as_str().to_string()));
    let item = Item::from(Draft::new(f, 0..text.len(), Some(code.range()), None)).map(mapped);
    if let Item::Finding(ref d) = item {
        debug_assert!(d.finding.wrapping != Wrapping::LineWrapped);
    }
    vec![item]
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::codes_in;

    #[test]
    fn every_pattern_compiles() {
        assert!(!std::sync::LazyLock::force(&super::VALUE).as_str().is_empty());
        assert_eq!(std::sync::LazyLock::force(&super::CUT_FIELDS).len(), 4);
    }

    #[test]
    fn owa_response_with_inner_error() {
        let text = r#"{"__type":"DeleteItemResponseMessage:#Exchange","MessageText":"An internal server error occurred. The operation failed.","ResponseCode":"ErrorInternalServerError","MessageXml":"<?xml version=\"1.0\"?>\r\n<XmlNodeArray xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\">\r\n <t:Value Name=\"InnerErrorResponseCode\">ErrorQuotaExceededOnDelete</t:Value>\r\n</XmlNodeArray>","ResponseClass":"Error"}"#;
        let found = codes_in(text);
        assert_eq!(
            found,
            [(
                Shape::JsonResponse,
                "ErrorInternalServerError".to_string(),
                Some("ErrorQuotaExceededOnDelete".to_string())
            )]
        );
    }

    #[test]
    fn graph_error() {
        let text = r#"resp={"error":{"code":"ErrorNonExistentMailbox","message":"The SMTP address has no mailbox associated with it."}}"#;
        assert_eq!(codes_in(text), [(Shape::GraphError, "ErrorNonExistentMailbox".to_string(), None)]);
    }
}
