//! Events: the findings that belong together because one record of the input
//! reported them. An event is an alert sentence with its code line and the
//! View Details payload under it, a trace's request and response, one CSV row
//! or JSON record, or one log record that starts with a timestamp.
//!
//! An event is named by the offset where it starts, so that the same text
//! gives the same id however the input was read. Its start is found by
//! walking up from a finding's line to the nearest line that begins a record.

use super::context;
use super::lines::{line_end, line_start};

/// How far above a finding's line its record's first line is looked for. A
/// record longer than this is taken to start at the finding's own line (or
/// to continue the previous finding's event, when that is nearer).
pub(crate) const EVENT_REACH: usize = 2048;
/// How many lines above a finding its record's first line is looked for.
const EVENT_LINES: usize = 64;

/// Where the record holding the line that starts at `own` begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordStart {
    /// A line that begins a record, at this buffer position.
    At(usize),
    /// The walk came up to `stop` (the end of the previous finding) without
    /// meeting a record's first line: the finding continues that one's event.
    Continues,
    /// Nothing began a record within reach.
    Unknown,
}

/// Where the walk up to a record's first line may go.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Walk {
    /// The end of the previous finding: reaching it, the walk stops.
    pub stop: Option<usize>,
    /// The walk goes no higher than this.
    pub low: usize,
    /// `buf[0]` is the first byte of the input, which begins a record.
    pub input_start: bool,
    /// The finding stands in a CSV field: a line that ends by closing a
    /// quoted field ends a row, and the line after it starts the next.
    pub csv: bool,
}

/// The kinds of `<Trace Tag="…">` block an EWS client trace writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trace {
    /// A request or its HTTP headers: where a request/response pair starts.
    Request,
    /// The HTTP headers of a response.
    ResponseHeaders,
    /// A response.
    Response,
}

/// Walks up from the line starting at `own` (a buffer position) to the line
/// that begins its record.
pub(crate) fn record_start(buf: &[u8], own: usize, walk: Walk) -> RecordStart {
    let Walk { stop, low, input_start, csv } = walk;
    let low = low.max(own.saturating_sub(EVENT_REACH));
    // The `<Trace>` line of the response walked through, if any: a response
    // starts an event of its own unless its request stands above it.
    let mut response: Option<(usize, Trace)> = None;
    let found = walk_up(buf, own, Walk { stop, low, input_start, csv }, &mut response);
    match (found, response) {
        (RecordStart::Continues | RecordStart::Unknown, Some((response, _))) => RecordStart::At(response),
        (found, _) => found,
    }
}

fn walk_up(buf: &[u8], own: usize, walk: Walk, response: &mut Option<(usize, Trace)>) -> RecordStart {
    let Walk { stop, low, input_start, csv } = walk;
    let mut start = own;
    let mut below = own;
    for _ in 0..EVENT_LINES {
        if stop.is_some_and(|stop| start <= stop) {
            return RecordStart::Continues;
        }
        let line = &buf[start..line_end(buf, start)];
        if line.iter().all(u8::is_ascii_whitespace) && blank_ends_record(buf, start, below, low) {
            return RecordStart::At(below);
        }
        match trace_tag(line) {
            Some(Trace::Request) => return RecordStart::At(start),
            Some(kind) => match *response {
                // Another response (or its headers) above this one's.
                Some((at, seen)) if kind == Trace::Response || seen == Trace::ResponseHeaders => {
                    return RecordStart::At(at);
                }
                _ => *response = Some((start, kind)),
            },
            None if begins_record(line) || (start == 0 && input_start) => return RecordStart::At(start),
            None => {}
        }
        if start <= low {
            break;
        }
        let above = line_start(buf, start - 1, low);
        if above == start {
            break;
        }
        if csv && closes_quoted_field(&buf[above..start - 1]) {
            return RecordStart::At(start);
        }
        below = start;
        start = above;
    }
    if stop.is_some_and(|stop| start <= stop) { RecordStart::Continues } else { RecordStart::Unknown }
}

fn trace_tag(line: &[u8]) -> Option<Trace> {
    let rest = line.trim_ascii_start().strip_prefix(b"<Trace")?;
    let head = &rest[..rest.len().min(48)];
    Some(if memchr::memmem::find(head, b"EwsResponseHttpHeaders").is_some() {
        Trace::ResponseHeaders
    } else if memchr::memmem::find(head, b"EwsResponse").is_some() {
        Trace::Response
    } else {
        Trace::Request
    })
}

/// A blank line (starting at `blank`) ends the record above it, except
/// under an alert's code line (its View Details may stand a blank line or two
/// below) and inside a trace block (HTTP headers end with one).
fn blank_ends_record(buf: &[u8], blank: usize, below: usize, low: usize) -> bool {
    if buf[below..buf.len().min(below + 64)].trim_ascii_start().starts_with(b"</Trace>") {
        return false;
    }
    // The paragraph above the blank, a few lines at most (a viewer may have
    // cut the code line in two).
    let mut end = blank;
    let mut seen = 0;
    while end > low && seen < 3 {
        let start = line_start(buf, end - 1, low);
        let line = &buf[start..end - 1];
        if !line.iter().all(u8::is_ascii_whitespace) {
            if memchr::memmem::find(line, b"Error Code").is_some() {
                return false;
            }
            seen += 1;
        } else if seen > 0 {
            break;
        }
        end = start;
    }
    true
}

/// Does this line end with a quote that closes a CSV field (an odd run of
/// quotes: `""` inside a field is an escaped quote)?
fn closes_quoted_field(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let quotes = line.iter().rev().take_while(|b| **b == b'"').count();
    quotes % 2 == 1
}

/// Does this line begin a record: a timestamp first (after a quote or a
/// bracket), or a JSON object?
fn begins_record(line: &[u8]) -> bool {
    let text = line.trim_ascii_start();
    let text = text.strip_prefix(b"\"").or_else(|| text.strip_prefix(b"[")).unwrap_or(text);
    if text.first().is_some_and(u8::is_ascii_digit) {
        let head = &text[..text.len().min(40)];
        return context::time(head).is_some_and(|t| head.starts_with(t.as_bytes()));
    }
    text.first() == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(text: &str, own_line: &str) -> RecordStart {
        let own = text.find(own_line).unwrap();
        record_start(text.as_bytes(), own, Walk { input_start: true, ..Walk::default() })
    }

    #[test]
    fn a_record_starts_at_its_timestamp() {
        let text = "intro\n2026-11-20 08:15:02 ERROR failed\n  at X.Y()\nSystem.Net.WebException: boom\n";
        assert_eq!(start(text, "System.Net"), RecordStart::At(text.find("2026").unwrap()));
        let csv = "\"Created On\",\"Text\"\n\"11/20/2026 8:15:02 AM\",\"alert\"\n";
        assert_eq!(start(csv, "\"11/20"), RecordStart::At(csv.find("\"11/20").unwrap()));
    }

    #[test]
    fn a_blank_line_ends_the_record_above() {
        let text = "old record\n\nAn alert sentence\nEmail Server Error Code: X\n";
        assert_eq!(start(text, "Email Server"), RecordStart::At(text.find("An alert").unwrap()));
    }

    #[test]
    fn a_trace_response_belongs_to_its_request() {
        let text = "<Trace Tag=\"EwsRequest\" Tid=\"9\">\n<soap/>\n</Trace>\n<Trace Tag=\"EwsResponse\" Tid=\"9\">\n<fault/>\n";
        assert_eq!(start(text, "<fault/>"), RecordStart::At(0));
        let later = format!("x\n{text}");
        assert_eq!(start(&later, "<fault/>"), RecordStart::At(2));
        let two = "<Trace Tag=\"EwsResponse\">\n<a/>\n</Trace>\n<Trace Tag=\"EwsResponse\">\n<fault/>\n";
        assert_eq!(start(two, "<fault/>"), RecordStart::At(two.rfind("<Trace").unwrap()), "two responses");
    }

    #[test]
    fn the_walk_stops_at_the_previous_finding() {
        let text = "2026-11-20 08:15:02 alert\nEmail Server Error Code: X\nView Details\n>Error : <R/>\n";
        let own = text.find(">Error").unwrap();
        let label_end = text.find("View").unwrap() - 1;
        let walk = Walk { stop: Some(label_end), input_start: true, ..Walk::default() };
        assert_eq!(record_start(text.as_bytes(), own, walk), RecordStart::Continues);
        let blank = "An alert\nEmail Server Error Code: X\n\nDetails:\n>Error : <R/>\n";
        let rows = "\"id\",\"details\"\n\"7f3a\",\"<a x=\"\"1\"\">\n<b/>\"\n\"9c1e\",\"<c/>\"\n";
        let csv = Walk { input_start: true, csv: true, ..Walk::default() };
        let own = rows.find("<b/>").unwrap();
        assert_eq!(record_start(rows.as_bytes(), own, csv), RecordStart::At(rows.find("\"7f3a").unwrap()));
        let own = rows.find("\"9c1e").unwrap();
        assert_eq!(
            record_start(rows.as_bytes(), own, csv),
            RecordStart::At(own),
            "a row that ends a field ends"
        );
        let walk = Walk { stop: Some(blank.find("\n\n").unwrap()), input_start: true, ..Walk::default() };
        let own = blank.find(">Error").unwrap();
        assert_eq!(record_start(blank.as_bytes(), own, walk), RecordStart::Continues, "an alert's details");
    }
}
