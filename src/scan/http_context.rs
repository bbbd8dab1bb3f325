//! Context of a Graph or EWS error from the HTTP exchange around it: the
//! mailbox a request URL names (`/users/{id or address}/…`), the response's
//! status, `Date`, `request-id`, `client-request-id` and `Retry-After`.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::NeedMore;
use super::context;
use super::record::{self, Text, capture};
use crate::model::Finding;

static USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)/users(?:/|\('|\(%27)([^/?#\s"'\\)(&%]+(?:%40[^/?#\s"'\\)(&]+)?)"#)
        .expect("USER is a valid regex")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)(?:^|\\[rn])[ \t]*"?Date"?[ \t]*[:=][ \t]*"?([^"\r\n\\]+?)"?,?[ \t]*(?:\r?$|\\[rn])"#)
        .expect("DATE is a valid regex")
});
static REQUEST_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?im)(?:^|[\s,{;])"?request[-_]?id"?[ \t]*[:=][ \t]*["']?([0-9a-f]{8}-[0-9a-f-]{27})"#)
        .expect("REQUEST_ID is a valid regex")
});
static CLIENT_REQUEST_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?im)(?:^|[\s,{;])"?client[-_]?request[-_]?id"?[ \t]*[:=][ \t]*["']?([0-9a-f]{8}-[0-9a-f-]{27})"#,
    )
    .expect("CLIENT_REQUEST_ID is a valid regex")
});
static RETRY_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?im)(?:^|\\[rn])[ \t]*"?Retry-After"?[ \t]*[:=][ \t]*"?(\d+)"#)
        .expect("RETRY_AFTER is a valid regex")
});
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?m)HTTP/\d(?:\.\d)?[ \t]+(\d{3})\b",
        r"|[A-Z][A-Za-z ]+ - (\d{3}) - \d+ ?ms\b",
        r"|(?:^|\\[rn])[ \t]*(\d{3}) : [A-Z]",
        r"|(?:^|\\[rn])[ \t]*Status:[ \t]*(\d{3}) \(",
        r"|(?:^|\\[rn])[ \t]*(\d{3}) [A-Z][a-z]+(?: [A-Z][a-z]+)*[ \t]*(?:\r?$|\\[rn])",
    ))
    .expect("STATUS is a valid regex")
});
static ANCHOR_MAILBOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)(?:^|\\[rn])[ \t]*X-AnchorMailbox[ \t]*:[ \t]*([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
        .expect("ANCHOR_MAILBOX is a valid regex")
});

/// The mailbox a request URL in `text` names: the last `/users/…` segment,
/// an address or an id, `%40` read as `@`. Placeholders (`{id}`) and
/// functions (`$count`) name none.
pub(super) fn url_mailbox(text: &[u8]) -> Option<String> {
    let re = &*USER;
    let name = re.captures_iter(text).filter_map(|c| c.get(1)).last()?;
    let name = String::from_utf8_lossy(name.as_bytes()).replace("%40", "@").replace("%2E", ".");
    let placeholder = name.starts_with(['{', '$', '<', ':']) || name.eq_ignore_ascii_case("id");
    (!placeholder).then_some(name)
}

/// The mailbox an EWS request names in its `X-AnchorMailbox` header.
pub(super) fn anchor_mailbox(text: &[u8]) -> Option<String> {
    capture(&ANCHOR_MAILBOX, text)
}

/// What the HTTP exchange in `text` says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Exchange {
    pub mailbox: Option<String>,
    pub status: Option<u16>,
    pub date: Option<String>,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub retry_after: Option<String>,
}

/// Reads the exchange around a payload from `text` (its request and headers).
pub(super) fn exchange(text: &[u8]) -> Exchange {
    Exchange {
        mailbox: url_mailbox(text).or_else(|| anchor_mailbox(text)),
        status: capture(&STATUS, text).and_then(|s| s.parse().ok()),
        date: capture(&DATE, text),
        request_id: capture(&REQUEST_ID, text),
        client_request_id: capture(&CLIENT_REQUEST_ID, text),
        retry_after: capture(&RETRY_AFTER, text),
    }
}

impl Exchange {
    /// Fills what the finding does not say itself: its mailbox, its time (the
    /// server's `innerError.date` first, then the `Date` header), its status
    /// and the request ids, which go to `details`.
    pub(super) fn fill(&self, f: &mut Finding) {
        if f.mailbox.is_none() {
            f.mailbox.clone_from(&self.mailbox);
        }
        if f.time.is_none() {
            f.time = f.details.get("date").cloned().or_else(|| self.date.clone());
        }
        let mut put = |key: &str, value: &Option<String>| {
            if let Some(v) = value {
                f.details.entry(key.to_string()).or_insert_with(|| v.clone());
            }
        };
        put("request-id", &self.request_id);
        put("client-request-id", &self.client_request_id);
        put("Retry-After", &self.retry_after);
        put("HttpStatus", &self.status.map(|s| s.to_string()));
    }
}

/// How many lines above a payload its request and headers are looked for.
const LINES_ABOVE: usize = 40;

/// The start of the HTTP exchange a payload at `at` ends: back over lines
/// (blank ones too: headers and body are apart), no further than the log
/// record's own first line nor [`LINES_ABOVE`].
pub(super) fn exchange_start(t: &Text<'_>, at: usize) -> usize {
    let mut start = record::line_start(t, at);
    for _ in 0..LINES_ABOVE {
        if start <= t.floor
            || record::starts_record(record::line(t, start, super::lines::line_end(t.bytes, start)))
        {
            break;
        }
        start = record::line_start(t, start - 1);
    }
    start
}

/// Fills a Graph finding read at `[start, end)` from the exchange around it.
pub(super) fn fill_around(f: &mut Finding, t: &Text<'_>, start: usize, end: usize) -> Result<(), NeedMore> {
    // The record's time and mailbox may stand anywhere on the payload's
    // first line, so that line is read whole before anything is filled in.
    let first_line_end = super::lines::line_end(t.bytes, start);
    if t.more && first_line_end == t.bytes.len() {
        return Err(NeedMore);
    }
    let from = exchange_start(t, start);
    let mut exchange = exchange(&t.bytes[from..end.min(t.bytes.len())]);
    let (time, mailbox) = context::record(t.bytes, first_line_end, t.floor);
    exchange.mailbox = exchange.mailbox.or(mailbox);
    exchange.fill(f);
    if f.time.is_none() {
        f.time = time;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_regexes_compile() {
        LazyLock::force(&USER);
        LazyLock::force(&DATE);
        LazyLock::force(&REQUEST_ID);
        LazyLock::force(&CLIENT_REQUEST_ID);
        LazyLock::force(&RETRY_AFTER);
        LazyLock::force(&STATUS);
        LazyLock::force(&ANCHOR_MAILBOX);
    }

    #[test]
    fn request_urls_name_the_mailbox() {
        let mb = |s: &str| url_mailbox(s.as_bytes());
        assert_eq!(
            mb("GET https://graph.microsoft.com/v1.0/users/ines.duarte@contoso.com/messages").as_deref(),
            Some("ines.duarte@contoso.com")
        );
        assert_eq!(
            mb("GET /v1.0/users/4f1c2b7e-90aa-4e55-8d1c-3b2a19e0c6d4/mailFolders/inbox").as_deref(),
            Some("4f1c2b7e-90aa-4e55-8d1c-3b2a19e0c6d4")
        );
        assert_eq!(
            mb("PATCH /beta/users('kai.berg%40fabrikam.com')/events/1").as_deref(),
            Some("kai.berg@fabrikam.com")
        );
        assert_eq!(mb("GET /v1.0/users/{id}/messages"), None);
        assert_eq!(mb("GET /v1.0/me/messages"), None);
    }

    #[test]
    fn headers_and_status_lines_are_read() {
        let text = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 27\r\nrequest-id: 2d6e1a90-4c55-4a3e-9f0b-7c1d2e3f4a5b\r\nclient-request-id: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\r\nDate: Fri, 20 Nov 2026 08:17:33 GMT\r\n";
        let e = exchange(text);
        assert_eq!(e.status, Some(429));
        assert_eq!(e.retry_after.as_deref(), Some("27"));
        assert_eq!(e.date.as_deref(), Some("Fri, 20 Nov 2026 08:17:33 GMT"));
        assert_eq!(e.request_id.as_deref(), Some("2d6e1a90-4c55-4a3e-9f0b-7c1d2e3f4a5b"));
        assert_eq!(e.client_request_id.as_deref(), Some("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"));
        assert_eq!(exchange(b"Forbidden - 403 - 187ms. Either the signed-in user").status, Some(403));
    }
}
