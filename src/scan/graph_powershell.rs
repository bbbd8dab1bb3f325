//! Microsoft Graph errors as the Microsoft Graph PowerShell cmdlets report
//! them: the error record of a `Get-Mg*` (or any `*-Mg*`) cmdlet, its message
//! after the cmdlet's name, then `Status: 403 (Forbidden)`, `ErrorCode: X`,
//! `Date:` and the response headers. `Invoke-MgGraphRequest` prints the
//! response's JSON body instead, which the JSON reader takes.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::http_context::fill_around;
use super::prose::{clean, trim_span};
use super::recognise::{Draft, Hit, Input, Outcome};
use super::record::{self, Answer, Read, Text, blank, capture, capture_at};
use crate::model::{Class, Finding, Shape};

/// The hit is on `-Mg` inside a cmdlet's name.
pub(crate) fn error_record(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &read)
}

static STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[ \t]*Status:[ \t]*(\d{3})\b").expect("STATUS is a valid regex"));
static ERROR_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[ \t]*ErrorCode:[ \t]*(\S+)").expect("ERROR_CODE is a valid regex"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[ \t]*Date:[ \t]*(\S+)").expect("DATE is a valid regex"));
static USER_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"-UserId[ \t]+['"]?([^\s'"]+)"#).expect("USER_ID is a valid regex"));

/// How many lines the message may wrap over before `Status:`.
const MESSAGE_LINES: usize = 6;
/// How far the record (headers, the `At line:` trailer) is read.
const RECORD_LIMIT: usize = 6144;

fn read(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let at = t.at;
    // A verb before (`Get`), a capital after: the name of a cmdlet.
    let verb = b[t.floor.min(at)..at].iter().rev().take_while(|c| c.is_ascii_alphabetic()).count();
    if verb < 2 || !b.get(at + 3).is_some_and(u8::is_ascii_uppercase) {
        if t.more && at + 3 >= b.len() {
            return Err(super::NeedMore);
        }
        return Ok(None);
    }
    let name_at = at - verb;
    let start = record::line_start(t, name_at);
    // The record's first line is the cmdlet's name and the message:
    // `Get-MgUserMessage_Get: …` or `Get-MgUser : …`.
    if !b[start..name_at].iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let first_end = record::line_end(t, at)?;
    let name_end = at
        + b[at..first_end]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
            .count();
    let mut colon = name_end;
    while colon < first_end && b[colon] == b' ' {
        colon += 1;
    }
    if b.get(colon) != Some(&b':') {
        return Ok(None);
    }
    let message_from = colon + 1;
    // The message, perhaps wrapped, then (after a blank line in PowerShell 7)
    // the `Status:` and `ErrorCode:` lines.
    let mut message_end = first_end;
    let mut line_at = first_end + 1;
    let (mut status, mut code, mut date) = (None, None, None);
    let mut last = first_end;
    for _ in 0..MESSAGE_LINES + 6 {
        if line_at >= b.len() {
            if t.more {
                return Err(super::NeedMore);
            }
            break;
        }
        let end = record::line_end(t, line_at)?;
        let line = record::line(t, line_at, end);
        if let Some(s) = capture(&STATUS, line) {
            status = Some(s);
        } else if let Some(at) = capture_at(&ERROR_CODE, line, line_at) {
            code = Some(at);
        } else if let Some(d) = capture(&DATE, line) {
            date = Some(d);
        } else if status.is_none() && code.is_none() && !blank(line) {
            message_end = end;
        } else if !blank(line) || status.is_some() {
            break;
        }
        if status.is_some() || code.is_some() || date.is_some() {
            last = end;
        }
        line_at = end + 1;
    }
    let (Some(status), Some(code_at)) = (status, code) else {
        return Ok(None);
    };
    let code_text = String::from_utf8_lossy(&b[code_at.clone()]).into_owned();
    let mut f = Finding::new(Shape::GraphError, code_text);
    f.class = Some(Class::Error);
    let message_at = trim_span(b, message_from..message_end);
    f.message = Some(clean(&b[message_at.clone()])).filter(|m| !m.is_empty());
    f.details.insert("HttpStatus".to_string(), status);
    if let Some(d) = date {
        f.details.insert("date".to_string(), d);
    }
    f.details.insert("Cmdlet".to_string(), String::from_utf8_lossy(&b[name_at..name_end]).into_owned());
    // The headers and, in Windows PowerShell, the `At line:` trailer.
    let end = record::lines_until(t, last, 60, RECORD_LIMIT, &|l| {
        record::starts_record(l) || l.starts_with(b"PS ")
    })?;
    let end = trailer_end(t, last, end);
    let whole = &b[start..end];
    f.mailbox = capture(&USER_ID, whole).or_else(|| {
        let above = record::line_start(t, start.saturating_sub(1).max(t.floor));
        capture(&USER_ID, &b[above..start])
    });
    fill_around(&mut f, t, start, end)?;
    let message_at = Some(message_at).filter(|m| !m.is_empty());
    Ok(Read::one(Draft::new(f, name_at..end, Some(code_at), message_at), end))
}

/// The end of the record's tail after its `ErrorCode` lines: the `Headers:`
/// block up to its blank line, then any `At line:` and `+ ` lines, within
/// `[from, limit)`.
fn trailer_end(t: &Text<'_>, from: usize, limit: usize) -> usize {
    let b = t.bytes;
    let mut end = from;
    let mut i = from + 1;
    let mut in_headers = false;
    let mut blanks = 0;
    while i < limit {
        let e = super::lines::line_end(b, i).min(limit);
        let line = record::line(t, i, e);
        let trimmed = line.trim_ascii_start();
        if blank(line) {
            blanks += 1;
            if blanks > 1 {
                break;
            }
            in_headers = false;
        } else if line.starts_with(b"Headers:") {
            in_headers = true;
            blanks = 0;
            end = e;
        } else if in_headers || line.starts_with(b"At line:") || trimmed.starts_with(b"+ ") || trimmed == b"+"
        {
            blanks = 0;
            end = e;
        } else {
            break;
        }
        i = e + 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::codes_in;

    #[test]
    fn static_regexes_compile() {
        std::sync::LazyLock::force(&super::STATUS);
        std::sync::LazyLock::force(&super::ERROR_CODE);
        std::sync::LazyLock::force(&super::DATE);
        std::sync::LazyLock::force(&super::USER_ID);
    }

    #[test]
    fn error_records_need_status_and_error_code() {
        let text = "Get-MgUser_Get: Insufficient privileges to complete the operation.\n\nStatus: 403 (Forbidden)\nErrorCode: Authorization_RequestDenied\nDate: 2026-11-20T08:15:02\n\n";
        assert_eq!(codes_in(text), [(Shape::GraphError, "Authorization_RequestDenied".to_string(), None)]);
        assert!(codes_in("PS C:\\> Get-MgUser -UserId kai@contoso.com\nGet-MgUser: done\n").is_empty());
    }
}
