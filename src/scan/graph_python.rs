//! Microsoft Graph errors as Python prints them: the repr of a response's
//! dict, `{'error': {'code': 'X', 'message': 'Y', …}}`, and the SDK's
//! `APIError` / `ODataError` text with its `MainError(code='X', message='Y',
//! …)` dataclass. Both are read with a small reader of Python literals.

use std::ops::Range;
use std::sync::LazyLock;

use regex::bytes::Regex;
use serde_json::{Map, Value};

use super::NeedMore;
use super::http_context::fill_around;
use super::prose::ident_before;
use super::recognise::{Draft, Hit, Input, Outcome};
use super::record::{self, Answer, Read, Text, capture};
use crate::model::{Class, Finding, Shape};

/// `{'error': {'code': …}}`: the hit is on `'error':`.
pub(crate) fn dict_repr(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &read_dict)
}

/// How far back from `'error':` its dict may open.
const OPEN_REACH: usize = 512;

fn read_dict(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let at = t.at;
    let reach = at.saturating_sub(OPEN_REACH).max(t.floor.min(at));
    let Some(open) = b[reach..at].iter().rposition(|c| *c == b'{').map(|p| reach + p) else {
        return Ok(None);
    };
    let (value, end) = match literal(b, open, t.more)? {
        Some(found) => found,
        None => return Ok(None),
    };
    let Some(error) = value.get("error").and_then(Value::as_object) else {
        return Ok(None);
    };
    let Some(code) = string(error, "code") else {
        return Ok(None);
    };
    let mut f = Finding::new(Shape::GraphError, code);
    f.class = Some(Class::Error);
    f.message = string(error, "message");
    let inner = error.get("innerError").or_else(|| error.get("innererror")).and_then(Value::as_object);
    for (key, value) in inner.into_iter().flatten() {
        if let Some(v) = value.as_str() {
            f.details.insert(key.clone(), v.to_string());
        }
    }
    let code_at = value_after(b, open, end, b"'code'", &f.code);
    let message_at = f.message.as_deref().and_then(|m| value_after(b, open, end, b"'message'", m));
    fill_around(&mut f, t, open, end)?;
    Ok(Read::one(Draft::new(f, open..end, code_at, message_at), end))
}

/// `MainError(additional_data={}, code='X', …, message='Y', target=None)`.
pub(crate) fn main_error(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &read_main_error)
}

/// `APIError` prints the status above its error: `Code: 403`.
static API_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*Code:[ \t]*(\d{3})\b").expect("API_STATUS is a valid regex"));

fn read_main_error(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let at = t.at;
    if ident_before(b, at) {
        return Ok(None);
    }
    let Some((value, end)) = literal(b, at, t.more)? else {
        return Ok(None);
    };
    let Some(code) = value.as_object().and_then(|o| string(o, "code")) else {
        return Ok(None);
    };
    let map = value.as_object().cloned().unwrap_or_default();
    let mut f = Finding::new(Shape::GraphError, code);
    f.class = Some(Class::Error);
    f.message = string(&map, "message");
    if let Some(inner) = map.get("inner_error").and_then(Value::as_object) {
        for (key, name) in [("request_id", "request-id"), ("client_request_id", "client-request-id")] {
            if let Some(v) = string(inner, key) {
                f.details.insert(name.to_string(), v);
            }
        }
        if let Some(date) = inner.get("date").and_then(datetime) {
            f.details.insert("date".to_string(), date);
        }
    }
    let first = record::record_start(t, at, 6);
    if let Some(status) = capture(&API_STATUS, &b[first..at]) {
        f.details.insert("HttpStatus".to_string(), status);
    }
    let code_at = value_after(b, at, end, b"code=", &f.code);
    let message_at = f.message.as_deref().and_then(|m| value_after(b, at, end, b"message=", m));
    fill_around(&mut f, t, at, end)?;
    Ok(Read::one(Draft::new(f, at..end, code_at, message_at), end))
}

/// `datetime.datetime(2026, 11, 20, 8, 15, 2)` as `2026-11-20T08:15:02`.
fn datetime(value: &Value) -> Option<String> {
    let args = value.get("_args")?.as_array()?;
    let n = |i: usize| args.get(i).and_then(Value::as_str).and_then(|s| s.parse::<u32>().ok());
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        n(0)?,
        n(1)?,
        n(2)?,
        n(3).unwrap_or(0),
        n(4).unwrap_or(0),
        n(5).unwrap_or(0)
    ))
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Where `value` stands after `key` within `[from, to)`.
fn value_after(b: &[u8], from: usize, to: usize, key: &[u8], value: &str) -> Option<Range<usize>> {
    let key_at = from + memchr::memmem::find(&b[from..to], key)?;
    let after = key_at + key.len();
    let v = after + memchr::memmem::find(&b[after..to], value.as_bytes())?;
    Some(v..v + value.len())
}

/// Reads the Python literal starting at `at`; its value and end, `None` when
/// it is no literal, `NeedMore` when it runs past the text and more may come.
fn literal(b: &[u8], at: usize, more: bool) -> Result<Option<(Value, usize)>, NeedMore> {
    let limit = b.len().min(at + LITERAL_LIMIT);
    let mut reader = Reader { b: &b[..limit], i: at, depth: 0 };
    match reader.value() {
        Ok(v) => Ok(Some((v, reader.i))),
        Err(Stop::Ran) if more && limit == b.len() => Err(NeedMore),
        Err(_) => Ok(None),
    }
}

/// No literal is read further than this.
const LITERAL_LIMIT: usize = 16 << 10;
/// Nor nested deeper.
const MAX_DEPTH: usize = 32;

enum Stop {
    /// The text ended inside the literal.
    Ran,
    /// Not a literal.
    Bad,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl Reader<'_> {
    fn blank(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Result<u8, Stop> {
        self.blank();
        self.b.get(self.i).copied().ok_or(Stop::Ran)
    }

    fn expect(&mut self, byte: u8) -> Result<(), Stop> {
        if self.peek()? != byte {
            return Err(Stop::Bad);
        }
        self.i += 1;
        Ok(())
    }

    fn value(&mut self) -> Result<Value, Stop> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Bad);
        }
        let value = match self.peek()? {
            b'{' => self.dict(),
            b'[' => self.items(b'[', b']').map(Value::Array),
            b'(' => self.items(b'(', b')').map(Value::Array),
            b'\'' | b'"' => self.string().map(Value::String),
            c if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.') => self.word(),
            _ => Err(Stop::Bad),
        };
        self.depth -= 1;
        value
    }

    fn dict(&mut self) -> Result<Value, Stop> {
        self.expect(b'{')?;
        let mut map = Map::new();
        loop {
            if self.peek()? == b'}' {
                self.i += 1;
                return Ok(Value::Object(map));
            }
            let key = match self.value()? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            self.expect(b':')?;
            let value = self.value()?;
            map.insert(key, value);
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {}
                _ => return Err(Stop::Bad),
            }
        }
    }

    fn items(&mut self, open: u8, close: u8) -> Result<Vec<Value>, Stop> {
        self.expect(open)?;
        let mut items = Vec::new();
        loop {
            if self.peek()? == close {
                self.i += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            match self.peek()? {
                b',' => self.i += 1,
                c if c == close => {}
                _ => return Err(Stop::Bad),
            }
        }
    }

    fn string(&mut self) -> Result<String, Stop> {
        let quote = self.b[self.i];
        let mut out = Vec::new();
        self.i += 1;
        loop {
            let c = *self.b.get(self.i).ok_or(Stop::Ran)?;
            self.i += 1;
            match c {
                b'\\' => {
                    let e = *self.b.get(self.i).ok_or(Stop::Ran)?;
                    self.i += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                }
                b'\n' => return Err(Stop::Bad),
                c if c == quote => return Ok(String::from_utf8_lossy(&out).into_owned()),
                c => out.push(c),
            }
        }
    }

    /// A name, number or constant, or a call: `Name(key=value, …)` becomes
    /// an object of its keyword arguments, its positional ones under `_args`.
    fn word(&mut self) -> Result<Value, Stop> {
        let start = self.i;
        while self.i < self.b.len()
            && (self.b[self.i].is_ascii_alphanumeric() || matches!(self.b[self.i], b'_' | b'-' | b'.' | b'+'))
        {
            self.i += 1;
        }
        if self.i == self.b.len() {
            return Err(Stop::Ran);
        }
        let word = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
        if self.b[self.i] != b'(' {
            return Ok(match word.as_str() {
                "None" => Value::Null,
                "True" => Value::Bool(true),
                "False" => Value::Bool(false),
                _ => Value::String(word),
            });
        }
        self.i += 1;
        let mut map = Map::new();
        let mut args = Vec::new();
        loop {
            if self.peek()? == b')' {
                self.i += 1;
                break;
            }
            let save = self.i;
            let mut keyword = None;
            let name_len =
                self.b[self.i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            if name_len > 0 && self.b.get(self.i + name_len) == Some(&b'=') {
                keyword = Some(String::from_utf8_lossy(&self.b[self.i..self.i + name_len]).into_owned());
                self.i += name_len + 1;
            } else {
                self.i = save;
            }
            let value = self.value()?;
            match keyword {
                Some(k) => {
                    map.insert(k, value);
                }
                None => args.push(value),
            }
            match self.peek()? {
                b',' => self.i += 1,
                b')' => {}
                _ => return Err(Stop::Bad),
            }
        }
        if !args.is_empty() {
            map.insert("_args".to_string(), Value::Array(args));
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::codes_in;

    #[test]
    fn static_regexes_compile() {
        std::sync::LazyLock::force(&super::API_STATUS);
    }

    #[test]
    fn dict_reprs_with_an_error_object_only() {
        assert_eq!(
            codes_in("resp: {'error': {'code': 'ErrorItemNotFound', 'message': \"It's gone.\"}}\n"),
            [(Shape::GraphError, "ErrorItemNotFound".to_string(), None)]
        );
        assert!(codes_in("{'error': 'invalid_grant', 'error_description': 'expired'}\n").is_empty());
        assert!(codes_in("{'error': {'code': '', 'message': ''}}\n").is_empty());
    }

    #[test]
    fn main_error_dataclasses() {
        let text = "error: MainError(additional_data={}, code='ErrorAccessDenied', details=None, inner_error=InnerError(date=datetime.datetime(2026, 11, 20, 8, 15, 2), request_id='x'), message='Access is denied.', target=None)\n";
        assert_eq!(codes_in(text), [(Shape::GraphError, "ErrorAccessDenied".to_string(), None)]);
        assert!(codes_in("MainError(code=None, message=None)\n").is_empty());
    }
}
