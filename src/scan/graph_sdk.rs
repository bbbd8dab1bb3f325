//! Microsoft Graph errors as the compiled-language SDKs print them: .NET's
//! `ServiceException` (`Code:` / `Message:` lines) and `ODataError`
//! (`Error.Code`), Java's `GraphServiceException` (`Error code:` /
//! `Error message:` and the request and response dump after them), Go's
//! `ODataError` log fields (`code=` / `message=`) and JavaScript's `GraphError`
//! object dumps. Code and message come from the SDK's own fields; the message
//! ends where the library's own text begins.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::http_context::fill_around;
use super::prose::{clean, ident_before};
use super::recognise::{Draft, Hit, Input, Outcome};
use super::record::{self, Answer, Read, Text, blank, capture, capture_at, stack_frame, starts_record};
use crate::kb::status;
use crate::model::{Class, Finding, Shape};

/// How far a dump under the exception line is read.
const DUMP_LIMIT: usize = 8192;

/// `…ServiceException: Code: …` (.NET) or `…GraphServiceException: Error code: …` (Java).
pub(crate) fn service_exception(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &|t| read_service_exception(t, hit.len))
}

static NET_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)\bCode:[ \t]*([A-Za-z][\w.]*)").expect("NET_CODE is a valid regex"));
static NET_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)\bMessage:[ \t]*(.+?)(?:[ \t]*(?:Inner error:|ClientRequestId:|\r?$))")
        .expect("NET_MESSAGE is a valid regex")
});
static JAVA_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)\bError code:[ \t]*([A-Za-z][\w.]*)").expect("JAVA_CODE is a valid regex")
});
static JAVA_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)\bError message:[ \t]*(.+?)(?:[ \t]+(?:GET|POST|PATCH|PUT|DELETE) https?:|[ \t]*\r?$)")
        .expect("JAVA_MESSAGE is a valid regex")
});
/// .NET's `Inner error:` lines: `date: 2026-11-20T08:15:02`.
static NET_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*date:[ \t]*(\d{4}-\d{2}-\d{2}T[\d:.]+Z?)").expect("NET_DATE is a valid regex")
});
/// .NET's `Status Code: Forbidden` line above the exception.
static NET_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Status Code:[ \t]*([A-Za-z]+)").expect("NET_STATUS is a valid regex"));

fn read_service_exception(t: &Text<'_>, len: usize) -> Answer {
    let b = t.bytes;
    let at = t.at;
    // The name's line must be whole before what follows the name is judged.
    record::line_end(t, at)?;
    let java = b[..at].ends_with(b"Graph");
    let name_at = if java { at - 5 } else { at };
    if ident_before(b, name_at) || b.get(at + len) != Some(&b':') {
        return Ok(None);
    }
    let dump_end = record::lines_until(t, at, 80, DUMP_LIMIT, &|l| {
        stack_frame(l) || starts_record(l) || l.starts_with(b"Caused by") || (!java && blank(l))
    })?;
    let after = at + len + 1;
    let dump = &b[after..dump_end];
    let (code_re, message_re) = if java { (&JAVA_CODE, &JAVA_MESSAGE) } else { (&NET_CODE, &NET_MESSAGE) };
    let Some(code_at) = capture_at(code_re, dump, after) else {
        return Ok(None);
    };
    let mut f = Finding::new(Shape::GraphError, String::from_utf8_lossy(&b[code_at.clone()]).into_owned());
    f.class = Some(Class::Error);
    let message_at = capture_at(message_re, dump, after);
    f.message = message_at.clone().map(|m| clean(&b[m])).filter(|m| !m.is_empty());
    let start = record::line_start(t, name_at);
    let type_start = start
        + b[start..name_at]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'.'))
            .map_or(0, |p| p + 1);
    f.details
        .insert("ExceptionType".to_string(), String::from_utf8_lossy(&b[type_start..at + len]).into_owned());
    if let Some(date) = capture(&NET_DATE, dump) {
        f.details.insert("date".to_string(), date);
    }
    if !java {
        let above = record::line_start(t, start.saturating_sub(1).max(t.floor));
        if let Some(status) = capture(&NET_STATUS, &b[above..start]).and_then(|p| status::of_phrase(&p)) {
            f.details.insert("HttpStatus".to_string(), status.to_string());
        }
    }
    fill_around(&mut f, t, type_start, dump_end)?;
    Ok(Read::one(Draft::new(f, type_start..dump_end, Some(code_at), message_at), dump_end))
}

/// `ODataError` with .NET's `Error.Code` / `Error.Message` or Go's `code=` /
/// `message=` log fields.
pub(crate) fn odata_error(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &read_odata_error)
}

static DOTNET_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bError\??\.Code\??[ \t]*[:=][ \t]*([A-Za-z][\w.]*)").expect("DOTNET_CODE is a valid regex")
});
static DOTNET_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)\bError\??\.Message\??[ \t]*[:=][ \t]*(.+?)(?:,?[ \t]+(?:ResponseStatusCode|Error\??\.|ClientRequestId|request-id)\b|[ \t]*\r?$)").expect("DOTNET_MESSAGE is a valid regex")
});
static DOTNET_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bResponseStatusCode[ \t]*[:=][ \t]*(\d{3})\b").expect("DOTNET_STATUS is a valid regex")
});
static GO_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[ \t])code="?([A-Za-z][\w.]*)"?"#).expect("GO_CODE is a valid regex")
});
static GO_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[ \t])message=(?:"((?:[^"\\]|\\.)*)"|([^ \t"]+))"#)
        .expect("GO_MESSAGE is a valid regex")
});
static GO_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[ \t])(?:status|status_code|statusCode)=(\d{3})\b").expect("GO_STATUS is a valid regex")
});

/// How many lines after the `ODataError` line its `Error.Code` may stand on.
const ODATA_LINES: usize = 6;

fn read_odata_error(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let at = t.at;
    let start = record::line_start(t, at);
    let line_end = record::line_end(t, at)?;
    let line = &b[start..line_end];
    // Python prints its `MainError(…)`; that reader takes it.
    if memchr::memmem::find(line, b"MainError(").is_some() {
        return Ok(None);
    }
    if let Some(code_at) = capture_at(&GO_CODE, &b[at..line_end], at) {
        let mut f =
            Finding::new(Shape::GraphError, String::from_utf8_lossy(&b[code_at.clone()]).into_owned());
        f.class = Some(Class::Error);
        let message_at = capture_at(&GO_MESSAGE, line, start);
        f.message = message_at.clone().map(|m| clean(&b[m])).filter(|m| !m.is_empty());
        if let Some(status) = capture(&GO_STATUS, line) {
            f.details.insert("HttpStatus".to_string(), status);
        }
        fill_around(&mut f, t, start, line_end)?;
        return Ok(Read::one(Draft::new(f, start..line_end, Some(code_at), message_at), line_end));
    }
    let end = record::lines_until(t, at, ODATA_LINES, 2048, &|l| blank(l) || starts_record(l))?;
    let block = &b[at..end];
    let Some(code_at) = capture_at(&DOTNET_CODE, block, at) else {
        return Ok(None);
    };
    let mut f = Finding::new(Shape::GraphError, String::from_utf8_lossy(&b[code_at.clone()]).into_owned());
    f.class = Some(Class::Error);
    let message_at = capture_at(&DOTNET_MESSAGE, block, at);
    f.message = message_at.clone().map(|m| clean(&b[m])).filter(|m| !m.is_empty());
    if let Some(status) = capture(&DOTNET_STATUS, block) {
        f.details.insert("HttpStatus".to_string(), status);
    }
    // Only the lines up to the last field belong to it.
    let last_field = message_at.as_ref().map_or(code_at.end, |m| m.end.max(code_at.end));
    let end = record::line_end(t, last_field)?;
    fill_around(&mut f, t, start, end)?;
    Ok(Read::one(Draft::new(f, start..end, Some(code_at), message_at), end))
}

/// A JavaScript `GraphError` object dump: `statusCode: 404, code: 'X',
/// message: '…'`, on one line or over many up to the closing `}`.
pub(crate) fn graph_error_dump(input: &Input<'_>, hit: Hit) -> Outcome {
    record::read_at(input, hit, &read_js)
}

static JS_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bstatusCode:[ \t]*(\d{3})\b").expect("JS_STATUS is a valid regex"));
static JS_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s,{])code:[ \t]*(?:'([^'\r\n]*)'|"([^"\r\n]*)")"#).expect("JS_CODE is a valid regex")
});
static JS_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s,{])message:[ \t]*(?:'((?:[^'\\\r\n]|\\.)*)'|"((?:[^"\\\r\n]|\\.)*)")"#)
        .expect("JS_MESSAGE is a valid regex")
});
static JS_REQUEST_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\brequestId:[ \t]*['"]([0-9a-fA-F-]{36})['"]"#).expect("JS_REQUEST_ID is a valid regex")
});
static JS_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bdate:[ \t]*'?(\d{4}-\d{2}-\d{2}T[\d:.]+Z?)").expect("JS_DATE is a valid regex")
});

fn read_js(t: &Text<'_>) -> Answer {
    let b = t.bytes;
    let at = t.at;
    if ident_before(b, at) {
        return Ok(None);
    }
    let start = record::line_start(t, at);
    let line_end = record::line_end(t, at)?;
    let line = &b[start..line_end];
    let opens = line.iter().filter(|c| **c == b'{').count();
    let closes = line.iter().filter(|c| **c == b'}').count();
    let end = if opens > 0 && opens == closes {
        line_end
    } else {
        // Over many lines: up to the `}` that closes the dump at the margin.
        let last = record::lines_until(t, at, 120, DUMP_LIMIT, &|l| l.starts_with(b"}"))?;
        if last >= b.len() {
            return Ok(None);
        }
        let close = last + 1;
        let close_end = record::line_end(t, close)?;
        if !b[close..close_end].starts_with(b"}") {
            return Ok(None);
        }
        close_end
    };
    let dump = &b[at..end];
    let Some(code_at) = capture_at(&JS_CODE, dump, at) else {
        return Ok(None);
    };
    if code_at.is_empty() {
        return Ok(None);
    }
    let mut f = Finding::new(Shape::GraphError, String::from_utf8_lossy(&b[code_at.clone()]).into_owned());
    f.class = Some(Class::Error);
    let mut message_at = capture_at(&JS_MESSAGE, dump, at);
    if message_at.is_none() && b[at..].starts_with(b"GraphError: ") {
        // `GraphError: The specified object was not found in the store.`
        let from = at + b"GraphError: ".len();
        message_at = Some(from..record::line_end(t, from)?);
    }
    f.message = message_at.clone().map(|m| clean(&b[m])).filter(|m| !m.is_empty());
    if let Some(status) = capture(&JS_STATUS, dump) {
        f.details.insert("HttpStatus".to_string(), status);
    }
    if let Some(id) = capture(&JS_REQUEST_ID, dump) {
        f.details.insert("request-id".to_string(), id);
    }
    f.time = capture(&JS_DATE, dump);
    fill_around(&mut f, t, start, end)?;
    Ok(Read::one(Draft::new(f, at..end, Some(code_at), message_at), end))
}

#[cfg(test)]
mod tests {
    use crate::model::Shape;
    use crate::scan::text::codes_in;

    #[test]
    fn static_regexes_compile() {
        std::sync::LazyLock::force(&super::NET_CODE);
        std::sync::LazyLock::force(&super::NET_MESSAGE);
        std::sync::LazyLock::force(&super::JAVA_CODE);
        std::sync::LazyLock::force(&super::JAVA_MESSAGE);
        std::sync::LazyLock::force(&super::NET_DATE);
        std::sync::LazyLock::force(&super::NET_STATUS);
        std::sync::LazyLock::force(&super::DOTNET_CODE);
        std::sync::LazyLock::force(&super::DOTNET_MESSAGE);
        std::sync::LazyLock::force(&super::DOTNET_STATUS);
        std::sync::LazyLock::force(&super::GO_CODE);
        std::sync::LazyLock::force(&super::GO_MESSAGE);
        std::sync::LazyLock::force(&super::GO_STATUS);
        std::sync::LazyLock::force(&super::JS_STATUS);
        std::sync::LazyLock::force(&super::JS_CODE);
        std::sync::LazyLock::force(&super::JS_MESSAGE);
        std::sync::LazyLock::force(&super::JS_REQUEST_ID);
        std::sync::LazyLock::force(&super::JS_DATE);
    }

    fn graph(code: &str) -> Vec<(Shape, String, Option<String>)> {
        vec![(Shape::GraphError, code.to_string(), None)]
    }

    #[test]
    fn dotnet_and_java_exceptions() {
        let net = "Microsoft.Graph.ServiceException: Code: ErrorItemNotFound\nMessage: The specified object was not found in the store.\n\n   at Microsoft.Graph.HttpProvider.SendAsync()\n";
        assert_eq!(codes_in(net), graph("ErrorItemNotFound"));
        let java = "com.microsoft.graph.http.GraphServiceException: Error code: ErrorAccessDenied\nError message: Access is denied. Check credentials and try again.\n\n403 : Forbidden\n\tat com.microsoft.graph.http.GraphServiceException.createFromResponse(GraphServiceException.java:419)\n";
        assert_eq!(codes_in(java), graph("ErrorAccessDenied"));
        assert!(codes_in("com.example.MyServiceException: Code: Nope\n").is_empty());
    }

    #[test]
    fn odata_errors_from_dotnet_and_go() {
        assert_eq!(
            codes_in("ODataError Error.Code: ErrorInvalidUser Error.Message: No such user.\n"),
            graph("ErrorInvalidUser")
        );
        assert_eq!(
            codes_in(
                "level=error err=ODataError code=ErrorAccessDenied message=\"Access is denied.\" status=403\n"
            ),
            graph("ErrorAccessDenied")
        );
        assert!(codes_in("level=error err=ODataError code= message=\n").is_empty());
    }

    #[test]
    fn javascript_dumps_on_one_line_or_many() {
        assert_eq!(
            codes_in("GraphError { statusCode: 404, code: 'ErrorItemNotFound', message: 'Not found.' }\n"),
            graph("ErrorItemNotFound")
        );
        let many = "GraphError {\n  statusCode: 429,\n  code: 'ApplicationThrottled',\n  body: '{\"error\":{\"code\":\"ApplicationThrottled\"}}'\n}\n";
        assert_eq!(codes_in(many), graph("ApplicationThrottled"));
    }
}
