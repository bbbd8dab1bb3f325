//! Where to look: a multi-literal search for the words every payload shape
//! carries, and the dispatch from a hit to the recogniser for its shape.
//!
//! The anchors are plain words (`ResponseCode`, `Envelope`, `server returned`)
//! because they survive every wrapping: a CSV field, a JSON string or HTML
//! entities escape the punctuation around them, never the letters.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::view::{self, Unwrap, View};
use super::xml::{self, Parse};
use super::{context, json, lines, text};
use crate::kb::codes;
use crate::model::{Finding, Marks, Shape, Span, Wrapping};

/// What an anchor points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An XML element name (or attribute) of an EWS payload.
    Xml,
    /// `ResponseCode`: XML, or a JSON key.
    ResponseCode,
    /// `Email Server Error Code`: an alert's label.
    AlertLabel,
    /// `Sync Error`: the dashboard's label.
    SyncLabel,
    /// `server returned`/`Socket returned`: an alert token without its label.
    Returned,
    /// `Crm.8`: a Dataverse error token.
    Crm,
    /// `Returned hr`: a Dataverse platform error.
    Hresult,
    /// An exception type whose text is about mail flow.
    Exception,
    /// `"error":`: a Graph / REST JSON error.
    GraphError,
    /// An item-level dashboard token.
    Dashboard,
    /// `Error` and a capital letter: perhaps an EWS code name in free text.
    CodeName,
}

/// The fixed anchors. Each is a word rare in ordinary logs: the search runs
/// over every byte of the input, and every hit costs a look.
const ANCHORS: &[(&str, Kind)] = &[
    ("Envelope", Kind::Xml),
    ("ResponseMessage", Kind::Xml),
    ("Fault", Kind::Xml),
    ("ResponseCode", Kind::ResponseCode),
    ("ResponseClass", Kind::Xml),
    ("MessageText", Kind::Xml),
    ("faultcode", Kind::Xml),
    ("Email Server Error Code", Kind::AlertLabel),
    ("Sync Error", Kind::SyncLabel),
    ("server returned", Kind::Returned),
    ("Socket returned", Kind::Returned),
    ("Crm.8", Kind::Crm),
    ("Returned hr", Kind::Hresult),
    ("WebException", Kind::Exception),
    ("SoapException", Kind::Exception),
    ("SocketException", Kind::Exception),
    ("SmtpException", Kind::Exception),
    ("SmtpFailedRecipientException", Kind::Exception),
    ("AuthenticationException", Kind::Exception),
    ("ServiceResponseException", Kind::Exception),
    ("ServiceRequestException", Kind::Exception),
    ("AutodiscoverLocalException", Kind::Exception),
    ("ExchangeSyncException", Kind::Exception),
    ("FaultException", Kind::Exception),
    // The key of a Graph error, with its quotes raw, JSON-escaped or doubled.
    ("\"error\":", Kind::GraphError),
    ("\\\"error\\\":", Kind::GraphError),
    ("\"\"error\"\":", Kind::GraphError),
    ("NoCorrelationMatch", Kind::Dashboard),
    ("NoRecipientMatch", Kind::Dashboard),
    ("IsvAborted", Kind::Dashboard),
    ("IsvUnexpected", Kind::Dashboard),
    ("InternalEmailReject", Kind::Dashboard),
    ("ExchangeSyncSchedulingConflictsError", Kind::Dashboard),
    ("ExchangeSyncDuplicateRecordsError", Kind::Dashboard),
    ("InvalidSender", Kind::Dashboard),
    ("InvalidForwardMailItem", Kind::Dashboard),
    ("PrivilegeDenied", Kind::Dashboard),
];

/// The longest anchor: a hit can straddle a chunk boundary by this much less one.
pub(crate) const LONGEST: usize = 40;

/// Every anchor: the fixed ones, then `Error` followed by each capital letter
/// an EWS code name continues with (`ErrorA`, `ErrorC`, …), so that the
/// countless `Error:` and `Error ` of ordinary logs are never hits.
static PATTERNS: LazyLock<Vec<(String, Kind)>> = LazyLock::new(|| {
    let mut patterns: Vec<(String, Kind)> = ANCHORS.iter().map(|(w, k)| ((*w).to_string(), *k)).collect();
    let mut letters: Vec<char> = codes::ews_codes()
        .iter()
        .filter_map(|code| code.strip_prefix("Error")?.chars().next())
        .filter(char::is_ascii_uppercase)
        .collect();
    letters.sort_unstable();
    letters.dedup();
    patterns.extend(letters.into_iter().map(|c| (format!("Error{c}"), Kind::CodeName)));
    patterns
});

static SEARCH: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .build(PATTERNS.iter().map(|(word, _)| word))
        .ok()
});

/// One anchor found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub at: usize,
    pub len: usize,
    pub kind: Kind,
}

/// The next anchor at or after `from`.
pub(crate) fn next_hit(buf: &[u8], from: usize) -> Option<Hit> {
    let found = SEARCH.as_ref()?.find(buf.get(from..)?)?;
    let (_, kind) = PATTERNS[found.pattern().as_usize()];
    Some(Hit { at: from + found.start(), len: found.len(), kind })
}

/// What a recogniser is given.
pub(crate) struct Input<'a> {
    pub buf: &'a [u8],
    /// No more input will come after `buf`.
    pub eof: bool,
    /// Nothing before this belongs to a new payload (the last one ended here).
    pub floor: usize,
    pub max_payload: usize,
}

/// A finding (positions relative to the buffer) or a payload that broke.
#[derive(Debug)]
pub(crate) enum Item {
    Finding(Box<Finding>),
    Malformed { start: usize, end: usize, error_at: usize, reason: String },
}

/// What a recogniser made of a hit.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Payloads read; scanning resumes at `end`.
    Found { items: Vec<Item>, end: usize },
    /// Nothing here.
    Skip,
    /// The payload starting at `from` runs past the buffer.
    NeedMore { from: usize },
}

/// Reads what a hit points at.
pub(crate) fn recognise(input: &Input<'_>, hit: Hit) -> Outcome {
    let outcome = recognise_flat(input, hit);
    let retry = match &outcome {
        Outcome::NeedMore { .. } => false,
        Outcome::Skip => matches!(hit.kind, Kind::Xml | Kind::ResponseCode | Kind::Returned),
        Outcome::Found { items, .. } => poor(items) && items.iter().any(wrappable),
    };
    if retry { line_wrapped(input, hit).unwrap_or(outcome) } else { outcome }
}

/// Payloads that a viewer's line wrapping can break: markup and alert tokens.
/// (A mention or an exception line is read whole from its own line.)
fn wrappable(item: &Item) -> bool {
    match item {
        Item::Finding(f) => !matches!(f.shape, Shape::Mention | Shape::Exception | Shape::DashboardToken),
        Item::Malformed { .. } => true,
    }
}

/// A result that a viewer's line wrapping may explain: nothing read, a broken
/// payload, or one missing its message.
fn poor(items: &[Item]) -> bool {
    items.iter().all(|item| match item {
        Item::Finding(f) => f.shape == Shape::Mention || f.message.is_none() || f.truncated,
        Item::Malformed { .. } => true,
    })
}

/// Re-reads a hit whose line belongs to a block of fixed-width lines with the
/// line breaks taken out.
fn line_wrapped(input: &Input<'_>, hit: Hit) -> Option<Outcome> {
    let floor = input.floor;
    let (start, end) = match lines::wrapped_block(input.buf, hit.at, floor, input.eof) {
        Ok(block) => block?,
        Err(lines::NeedMore) => {
            return Some(Outcome::NeedMore { from: lines::line_start(input.buf, hit.at, floor) });
        }
    };
    let joined = view::unwrap_lines(input.buf, start, end);
    let inner = Input { buf: &joined.text, eof: true, floor: 0, max_payload: input.max_payload };
    let mut items = Vec::new();
    let mut pos = 0;
    while let Some(hit) = next_hit(&joined.text, pos) {
        match recognise_flat(&inner, hit) {
            Outcome::Found { items: found, end } => {
                // Only what the joining made whole counts: a payload that runs
                // across a removed line break.
                let crosses = |item: &Item| match item {
                    Item::Finding(f) => {
                        let (s, e) = (f.span.offset as usize, (f.span.offset + f.span.length) as usize);
                        joined.source(e) - joined.source(s) > e - s
                    }
                    Item::Malformed { .. } => false,
                };
                let keep = |item: &Item| crosses(item) && wrappable(item);
                items.extend(found.into_iter().filter(keep).map(|item| remap(item, &joined)));
                pos = end.max(hit.at + 1);
            }
            _ => pos = hit.at + 1,
        }
    }
    if items.is_empty() || poor(&items) {
        return None;
    }
    Some(Outcome::Found { items, end })
}

/// [`recognise`] without the line-wrap retry (used inside a joined block).
fn recognise_flat(input: &Input<'_>, hit: Hit) -> Outcome {
    match hit.kind {
        Kind::Xml => xml_payload(input, hit),
        Kind::ResponseCode if json::quote_before(input.buf, hit.at, input.floor).is_some() => {
            json::response(input, hit)
        }
        Kind::ResponseCode => xml_payload(input, hit),
        Kind::AlertLabel => text::alert_label(input, hit),
        Kind::SyncLabel => text::sync_label(input, hit),
        Kind::CodeName => text::mention(input, hit),
        Kind::Returned | Kind::Crm => text::alert_without_label(input, hit),
        Kind::Hresult => text::hresult(input, hit),
        Kind::Exception => text::exception(input, hit),
        Kind::GraphError => json::graph_error(input, hit),
        Kind::Dashboard => text::dashboard_token(input, hit),
    }
}

/// Moves an item found in a view back onto the input.
pub(crate) fn remap(item: Item, view: &View) -> Item {
    match item {
        Item::Finding(mut f) => {
            let start = view.source(f.span.offset as usize);
            let end = view.source((f.span.offset + f.span.length) as usize);
            f.span.offset = start as u64;
            f.span.length = end.saturating_sub(start) as u64;
            for mark in
                [&mut f.marks.code, &mut f.marks.message, &mut f.marks.inner_code].into_iter().flatten()
            {
                let s = view.source(mark.0 as usize);
                let e = view.source((mark.0 + mark.1) as usize);
                *mark = (s as u64, e.saturating_sub(s) as u64);
            }
            if f.wrapping == Wrapping::Raw || view.wrapping != Wrapping::LineWrapped {
                f.wrapping = view.wrapping;
            }
            Item::Finding(f)
        }
        Item::Malformed { start, end, error_at, reason } => Item::Malformed {
            start: view.source(start),
            end: view.source(end),
            error_at: view.source(error_at),
            reason,
        },
    }
}

/// How the `<` before an element name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    /// `<`
    Raw,
    /// `&lt;` (or `&#60;`, `&#x3c;`)
    Entity,
    /// `\u003c`
    Json,
}

/// Finds the opener of the element whose name contains the hit: back over the
/// name and an optional prefix, then one of the ways to write `<`.
fn opener(buf: &[u8], at: usize, floor: usize) -> Option<(usize, Opener)> {
    // Walk back over the rest of the name and its prefix, trying every place:
    // `\u003c` itself ends in name characters.
    let mut i = at;
    loop {
        let before = &buf[floor..i];
        if let Some((form, kind)) = OPENERS.iter().find(|(form, _)| before.ends_with(form)) {
            return Some((i - form.len(), *kind));
        }
        if i == floor || !(xml::is_name_byte(buf[i - 1]) || buf[i - 1] == b':') {
            return None;
        }
        i -= 1;
    }
}

/// The ways a `<` is written in the wrappings the scanner knows.
const OPENERS: &[(&[u8], Opener)] = &[
    (b"<", Opener::Raw),
    (b"&amp;lt;", Opener::Entity),
    (b"&lt;", Opener::Entity),
    (b"&#60;", Opener::Entity),
    (b"&#x3c;", Opener::Entity),
    (b"&#x3C;", Opener::Entity),
    (b"\\u003c", Opener::Json),
    (b"\\u003C", Opener::Json),
];

/// The ways a `>` is written, which an attribute's tag must not cross.
const CLOSERS: &[&[u8]] = &[b">", b"&gt;", b"\\u003e", b"\\u003E"];

/// An attribute hit (`ResponseClass`) points into a start tag: the position of
/// that tag's name, found back from the attribute without crossing a `>`.
fn tag_of_attribute(buf: &[u8], at: usize, floor: usize) -> Option<usize> {
    let reach = at.saturating_sub(512).max(floor.min(at));
    let window = &buf[reach..at];
    let last = |forms: &mut dyn Iterator<Item = &[u8]>| {
        forms.filter_map(|f| memchr::memmem::rfind(window, f).map(|p| p + f.len())).max()
    };
    let open = last(&mut OPENERS.iter().map(|(f, _)| *f))?;
    let close = last(&mut CLOSERS.iter().copied()).unwrap_or(0);
    (open > close).then_some(reach + open)
}

/// Reads the XML payload around an element-name hit, unwrapping escapes first.
fn xml_payload(input: &Input<'_>, hit: Hit) -> Outcome {
    let buf = input.buf;
    let name_at = if buf[hit.at..].starts_with(b"ResponseClass") {
        match tag_of_attribute(buf, hit.at, input.floor) {
            Some(name) => name,
            None => return Outcome::Skip,
        }
    } else {
        hit.at
    };
    let Some((start, opener)) = opener(buf, name_at, input.floor) else {
        return Outcome::Skip;
    };
    let outcome = match opener {
        Opener::Raw => match quoting(buf, start) {
            Quoting::Plain => parse_window(buf, start, !input.eof, None),
            Quoting::Csv => escaped(input, start, view::csv),
            Quoting::Json => escaped(input, start, view::json),
        },
        Opener::Json => escaped(input, start, view::json),
        Opener::Entity => {
            let wrapping = entity_wrapping(buf, start);
            escaped(input, start, move |b, s, l, e| view::entities(b, s, l, e, wrapping))
        }
    };
    with_record(outcome, input, start)
}

/// Gives XML findings the time of the `<Trace … Time="…">` block around them,
/// or the time and mailbox of the log record (line, CSV row) they stand in.
fn with_record(mut outcome: Outcome, input: &Input<'_>, start: usize) -> Outcome {
    if let Outcome::Found { items, .. } = &mut outcome {
        let reach = start.saturating_sub(2048).max(input.floor.min(start));
        let (record_time, mailbox) = context::record(input.buf, start, input.floor);
        let time = context::trace_time(&input.buf[reach..start]).or(record_time);
        for item in items {
            if let Item::Finding(f) = item {
                if f.time.is_none() {
                    f.time.clone_from(&time);
                }
                if f.mailbox.is_none() {
                    f.mailbox.clone_from(&mailbox);
                }
            }
        }
    }
    outcome
}

/// How the quotes of a raw start tag are written.
enum Quoting {
    Plain,
    Csv,
    Json,
}

fn quoting(buf: &[u8], start: usize) -> Quoting {
    let end = buf.len().min(start + 2048);
    let tag_end = memchr::memchr(b'>', &buf[start..end]).map_or(end, |p| start + p);
    let near = &buf[start..buf.len().min(tag_end + 256)];
    let finder = |needle: &[u8]| memchr::memmem::find(near, needle).is_some();
    if finder(b"=\\\"") || finder(b">\\r\\n") || finder(b">\\n") {
        Quoting::Json
    } else if finder(b"=\"\"") {
        Quoting::Csv
    } else {
        Quoting::Plain
    }
}

/// Entity-escaped XML inside an HTML page is `html-escaped`; inside another
/// XML document, `xml-escaped`.
fn entity_wrapping(buf: &[u8], start: usize) -> Wrapping {
    // Context only, so it may look behind the previous payload; no further
    // than the scanner always keeps, so the answer never depends on buffering.
    let reach = start.saturating_sub(super::driver::LOOKBACK);
    let before = &buf[reach..start];
    let Some(lt) = memchr::memrchr(b'<', before) else {
        return Wrapping::HtmlEscaped;
    };
    let tag: Vec<u8> = before[lt + 1..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b':')
        .map(u8::to_ascii_lowercase)
        .collect();
    const HTML: &[&[u8]] =
        &[b"pre", b"td", b"div", b"span", b"p", b"code", b"body", b"html", b"textarea", b"li", b"br"];
    if tag.is_empty() || HTML.contains(&tag.as_slice()) {
        Wrapping::HtmlEscaped
    } else {
        Wrapping::XmlEscaped
    }
}

type Unwrapper<'f> = dyn Fn(&[u8], usize, usize, bool) -> Result<View, Unwrap> + 'f;

/// Decodes the escaped text from `start` and reads the payload in it; the view
/// may itself hold another level of escaping (`&amp;lt;`).
fn escaped(
    input: &Input<'_>,
    start: usize,
    unwrap: impl Fn(&[u8], usize, usize, bool) -> Result<View, Unwrap>,
) -> Outcome {
    let unwrap: &Unwrapper<'_> = &unwrap;
    let view = match unwrap(input.buf, start, input.max_payload, input.eof) {
        Ok(view) => view,
        Err(Unwrap::NeedMore) => return Outcome::NeedMore { from: start },
    };
    let view = deeper(view);
    let outcome = parse_window(&view.text, 0, false, Some(view.closed));
    match outcome {
        Outcome::Found { items, end } => {
            let end = view.source(end);
            Outcome::Found {
                items: items.into_iter().map(|i| remap(i, &view)).collect(),
                end: end.max(start + 1),
            }
        }
        other => other,
    }
}

/// Peels further levels of entity escaping off a view (`&amp;lt;` → `&lt;` → `<`).
fn deeper(mut view: View) -> View {
    for _ in 0..3 {
        if !(view.text.starts_with(b"&lt;") || view.text.starts_with(b"&#60;")) {
            break;
        }
        let wrapping = view.wrapping;
        match view::entities(&view.text, 0, view.text.len(), true, wrapping) {
            Ok(inner) => view = inner.through(&view),
            Err(_) => break,
        }
        view.wrapping = wrapping;
    }
    view
}

/// Parses the XML window at `start` and turns its messages into items.
/// `closed` is `Some` for a view: whether the wrapping ended on its own.
fn parse_window(text: &[u8], start: usize, more_may_come: bool, closed: Option<bool>) -> Outcome {
    let window = match xml::parse(text, start, more_may_come) {
        Parse::Done(window) => window,
        Parse::NeedMore => return Outcome::NeedMore { from: start },
    };
    let mut items: Vec<Item> =
        window.messages.iter().map(|m| Item::Finding(Box::new(finding_of(m)))).collect();
    let cut_by_view = closed == Some(false);
    if cut_by_view {
        for item in &mut items {
            if let Item::Finding(f) = item {
                f.truncated = true;
            }
        }
    }
    if items.is_empty() {
        let (error_at, reason) = window.error.clone().unwrap_or_else(|| {
            let reason = if window.end >= text.len() {
                "the payload is cut off before its response code"
            } else {
                "no response code could be read from this payload"
            };
            (window.end, reason.to_string())
        });
        // XML with no response in it (a request, a config file) is no payload.
        if window.error.is_none() && !window.saw_message {
            return Outcome::Skip;
        }
        items.push(Item::Malformed { start, end: window.end.max(start + 1), error_at, reason });
    }
    let end = window.end.max(start + 1);
    if closed.is_none()
        && looks_wrapped(&items)
        && let Some(better) = dewrapped(text, start, end, &items)
    {
        return better;
    }
    Outcome::Found { items, end }
}

/// Signs that a viewer cut the lines of a raw window: a message broken by a
/// line end, a message with no code, or XML that broke.
fn looks_wrapped(items: &[Item]) -> bool {
    items.iter().any(|item| match item {
        Item::Finding(f) => broken(f),
        Item::Malformed { .. } => true,
    })
}

/// A code is one word, and EWS messages are one line.
fn broken(f: &Finding) -> bool {
    f.code.contains(|c: char| c.is_whitespace() || c == '<')
        || f.message.as_deref().is_some_and(|m| m.contains('\n'))
}

/// How good a reading is: findings, less broken messages and broken payloads.
fn quality(items: &[Item]) -> i64 {
    items
        .iter()
        .map(|item| match item {
            Item::Finding(f) => 2 - i64::from(broken(f)),
            Item::Malformed { .. } => -1,
        })
        .sum()
}

/// Reads the window again with the viewer's line breaks taken out: the breaks
/// after every line of the widest width (at least 40, and reached by two lines
/// or more), which is where a viewer cuts. Kept only if it reads better.
fn dewrapped(text: &[u8], start: usize, end: usize, raw: &[Item]) -> Option<Outcome> {
    let region = &text[start..end];
    let widths: Vec<usize> =
        region.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l).len()).collect();
    let width = *widths.iter().max()?;
    if width < 40 || widths.iter().filter(|w| **w == width).count() < 2 {
        return None;
    }
    let joined = view::unwrap_lines_of_width(text, start, end, width);
    let reread = parse_window(&joined.text, 0, false, Some(true));
    let Outcome::Found { items, end: view_end } = reread else { return None };
    if quality(&items) <= quality(raw) {
        return None;
    }
    let items = items.into_iter().map(|i| remap(i, &joined)).collect();
    Some(Outcome::Found { items, end: joined.source(view_end) })
}

fn finding_of(m: &xml::Message) -> Finding {
    let mark = |f: &Option<xml::Field>| f.as_ref().map(|f| (f.start as u64, (f.end - f.start) as u64));
    let mut finding = blank(m.shape, m.code.as_ref().map(|c| c.text.clone()).unwrap_or_default());
    finding.span = Span { offset: m.start as u64, length: (m.end - m.start) as u64, line: 0, column: 0 };
    finding.class = m.class;
    finding.inner_code = m.inner_code.as_ref().map(|c| c.text.clone());
    finding.message = m.message.as_ref().map(|c| c.text.clone());
    finding.operation.clone_from(&m.operation);
    finding.details.clone_from(&m.details);
    finding.truncated = m.truncated;
    finding.marks = Marks { code: mark(&m.code), message: mark(&m.message), inner_code: mark(&m.inner_code) };
    finding
}

/// A finding with only its shape and code set; the driver fills in the rest.
pub(crate) fn blank(shape: Shape, code: String) -> Finding {
    Finding {
        path: String::new(),
        span: Span::default(),
        shape,
        wrapping: Wrapping::Raw,
        encoding: Default::default(),
        class: None,
        code,
        inner_code: None,
        message: None,
        operation: None,
        details: Default::default(),
        mailbox: None,
        profile: None,
        time: None,
        truncated: false,
        diagnosis: None,
        marks: Marks::default(),
        source: None,
    }
}
