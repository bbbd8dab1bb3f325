//! The message beside a code that a client library printed, read the way
//! each library prints it, and ended where the library's own text begins:
//!
//! - JavaScript object dumps: `ResponseCode: 'ErrorX', Message: '…'`
//! - Rust `Debug`: `ResponseError { code: ErrorX, message: Some("…") }`
//! - PHP: `SoapFault exception: [a:ErrorX] … in /path/file.php on line 42`
//! - Python reprs: `ErrorX('…')`, also after `errors.ErrorX: `
//! - gateways: `BAD ['unable to handle request: ErrorX The request timed out. request: <soap:Envelope…']`
//! - free text: `ErrorX: The server cannot service this request right now.`

use std::ops::Range;

use super::lines::line_end;
use super::prose::{token_end, trim_span};
use crate::ascii;

/// How far after a code its message is looked for.
const MESSAGE_REACH: usize = 300;

/// Where the message beside the code that ends at `after` stands.
pub(crate) fn message_after(buf: &[u8], name: &[u8], after: usize) -> Option<Range<usize>> {
    let end = line_end(buf, after).min(after + MESSAGE_REACH);
    let rest = &buf[after..end];
    // `ErrorX('…')`: a Python repr.
    if let Some((s, e)) = repr_argument(rest) {
        return Some(after + s..after + e);
    }
    // `Message: '…'`, `message: Some("…")`, `Message="…"`: a field of a dump.
    if let Some((s, e)) = message_field(rest) {
        return Some(after + s..after + e);
    }
    // `errors.ErrorX: ErrorX('…')`: the exception's repr after its type.
    let lead = rest.iter().take_while(|b| matches!(b, b':' | b' ')).count();
    if let Some(repr) = rest[lead..].strip_prefix(name)
        && let Some((rs, re)) = repr_argument(repr)
    {
        let at = after + lead + name.len();
        return Some(at + rs..at + re);
    }
    let Range { start: s, end: e } = trim_span(buf, after..token_end(buf, after, MESSAGE_REACH));
    let s = s + buf[s..e].iter().take_while(|b| matches!(b, b':' | b')' | b']' | b'-' | b',' | b' ')).count();
    let words = &buf[s..e];
    let key_value = words
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .is_some_and(|p| words[p..].iter().find(|b| **b != b' ') == Some(&b'='));
    if key_value {
        return None;
    }
    let e = s + library_tail(words).unwrap_or(words.len());
    let Range { start: s, end: e } = trim_span(buf, s..e);
    let e = s + buf[s..e].iter().rposition(|b| !matches!(b, b'\'' | b',' | b' ')).map_or(0, |p| p + 1);
    (e > s + 3).then_some(s..e)
}

/// The argument of a repr that starts `rest`: `('…')` or `("…")`.
fn repr_argument(rest: &[u8]) -> Option<(usize, usize)> {
    let quote = match rest {
        [b'(', q @ (b'\'' | b'"'), ..] => *q,
        _ => return None,
    };
    let close = closing_quote(&rest[2..], quote)?;
    Some((2, 2 + close))
}

/// A `message` field's quoted value, in any of the dumps' spellings.
fn message_field(rest: &[u8]) -> Option<(usize, usize)> {
    let key = ascii::find_ignoring_case(rest, b"message")?;
    // Part of a longer word (`MessageText`, `ErrorMessage`) is another field.
    let before = key.checked_sub(1).map(|i| rest[i]);
    if before.is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut i = key + 7;
    while i < rest.len() && matches!(rest[i], b' ' | b'=' | b':') {
        i += 1;
    }
    if i == key + 7 {
        return None;
    }
    if rest[i..].starts_with(b"Some(") {
        i += 5;
    }
    let quote @ (b'"' | b'\'') = *rest.get(i)? else { return None };
    let close = closing_quote(&rest[i + 1..], quote)?;
    Some((i + 1, i + 1 + close))
}

/// The position of the quote that closes a string, skipping escaped ones.
fn closing_quote(text: &[u8], quote: u8) -> Option<usize> {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Where a library's own words begin after a message: PHP's ` in /path/file.php
/// on line 42`, a gateway's ` request: <the request>`, a list's closing `']`.
fn library_tail(words: &[u8]) -> Option<usize> {
    let mut cut: Option<usize> = None;
    let mut consider = |at: Option<usize>| {
        if let Some(at) = at {
            cut = Some(cut.map_or(at, |c| c.min(at)));
        }
    };
    // ` in /var/www/ews.php on line 42`, ` in C:\inetpub\ews.php:42`
    consider(find_all(words, b" in ").find(|&at| {
        let path = &words[at + 4..];
        path.starts_with(b"/") || path.get(1..3) == Some(b":\\") || path.starts_with(b"\\\\")
    }));
    consider(find_all(words, b" request: ").next());
    consider(find_all(words, b" request:").find(|&at| at + 9 == words.len()));
    consider(find_all(words, b"']").next());
    consider(find_all(words, b"')").next());
    cut
}

fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::message_after;

    fn message(line: &str, code: &str) -> Option<String> {
        let at = line.find(code).unwrap() + code.len();
        message_after(line.as_bytes(), code.as_bytes(), at).map(|m| line[m].to_string())
    }

    #[test]
    fn each_library_shape_gives_the_message_alone() {
        let cases = [
            (
                "{ ResponseCode: 'ErrorAccessDenied', Message: 'Access is denied.', ResponseClass: 'Error' }",
                "ErrorAccessDenied",
                "Access is denied.",
            ),
            (
                "ResponseError { code: ErrorItemNotFound, message: Some(\"The specified object was not found in the store.\") }",
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
            ),
            (
                "Uncaught SoapFault exception: [a:ErrorSchemaValidation] The request failed schema validation. in /var/www/sync/ews.php on line 42",
                "ErrorSchemaValidation",
                "The request failed schema validation.",
            ),
            (
                "ErrorMailboxStoreUnavailable('The mailbox database is temporarily unavailable.')",
                "ErrorMailboxStoreUnavailable",
                "The mailbox database is temporarily unavailable.",
            ),
            (
                "exchangelib.errors.ErrorServerBusy: ErrorServerBusy(\"The server cannot service this request right now.\")",
                "ErrorServerBusy",
                "The server cannot service this request right now.",
            ),
            (
                "BAD ['unable to handle request: ErrorTimeoutExpired The request timed out. request: <soap:Envelope>']",
                "ErrorTimeoutExpired",
                "The request timed out.",
            ),
            (
                "IMAP: NO [ErrorServerBusy] The server cannot service this request right now.",
                "ErrorServerBusy",
                "The server cannot service this request right now.",
            ),
        ];
        for (line, code, want) in cases {
            assert_eq!(message(line, code).as_deref(), Some(want), "{line}");
        }
    }

    #[test]
    fn the_next_field_of_a_dump_is_no_message() {
        assert_eq!(message("code=ErrorItemNotFound status=404", "ErrorItemNotFound"), None);
        assert_eq!(message("Code: ErrorItemNotFound, MessageText = none", "ErrorItemNotFound"), None);
    }
}
