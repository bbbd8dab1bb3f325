//! Reading the XML payload around an element-name anchor: finding the tag's
//! opener however it is escaped (`<`, `&lt;`, `&amp;lt;`, `\u003c`), unwrapping
//! the CSV field, JSON string or entities it stands in, parsing the window, and
//! re-reading it with a viewer's line cuts taken out when that reads better.

use std::sync::LazyLock;

use memchr::memmem::{Finder, FinderRev};

use super::NeedMore;
use super::context;
use super::recognise::{Draft, Hit, Input, Item, LOOKBACK, Marks, Outcome};
use super::view::{self, View};
use super::windows;
use super::xml::{self, Parse};
use crate::model::{Broken, Finding, Wrapping};

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
    // `\u003c` itself ends in name characters. Names are short; a long run
    // of name bytes is no tag, and walking it for every hit would be slow.
    let floor = floor.max(at.saturating_sub(NAME_REACH));
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

/// How far back from an anchor an element name and its prefix may start.
const NAME_REACH: usize = 128;

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

/// Searchers for the forms of `<` and of `>`, made once: a search of a short
/// text costs little next to making its searcher.
static OPENER_SEARCH: LazyLock<Vec<FinderRev<'static>>> =
    LazyLock::new(|| OPENERS.iter().map(|(form, _)| FinderRev::new(form)).collect());
static CLOSER_SEARCH: LazyLock<Vec<FinderRev<'static>>> =
    LazyLock::new(|| CLOSERS.iter().map(FinderRev::new).collect());

/// An attribute hit (`ResponseClass`) points into a start tag: the position of
/// that tag's name, found back from the attribute without crossing a `>`.
fn tag_of_attribute(buf: &[u8], at: usize, floor: usize) -> Option<usize> {
    let reach = at.saturating_sub(512).max(floor.min(at));
    let window = &buf[reach..at];
    let last = |forms: &[FinderRev<'static>]| {
        forms.iter().filter_map(|f| f.rfind(window).map(|p| p + f.needle().len())).max()
    };
    let open = last(&OPENER_SEARCH)?;
    let close = last(&CLOSER_SEARCH).unwrap_or(0);
    (open > close).then_some(reach + open)
}

/// Reads the XML payload around an element-name hit, unwrapping escapes first.
pub(super) fn xml_payload(input: &Input<'_>, hit: Hit) -> Outcome {
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
    let route = match opener {
        Opener::Raw => match quoting(input, start) {
            None => return Outcome::NeedMore { from: start },
            Some(Quoting::Plain) => Route::Plain,
            Some(Quoting::Csv) => Route::Csv,
            Some(Quoting::Json) => Route::Json,
        },
        Opener::Json => Route::Json,
        Opener::Entity => Route::Entities(entity_wrapping(buf, start)),
    };
    let outcome = windows::recall(buf, start, route, input.max_payload, || match route {
        // Read no further than the cap: a payload still open there is
        // oversized however much of the input one read happened to hold.
        Route::Plain => {
            let cap = buf.len().min(start.saturating_add(input.max_payload));
            parse_window(&buf[..cap], start, !input.eof || cap < buf.len(), true)
        }
        // A CSV field's view ends at a lone quote, told from a doubled one by
        // the byte after it; a JSON string's at its quote.
        Route::Csv => escaped(input, start, &view::csv, Some(2)),
        Route::Json => escaped(input, start, &view::json, Some(1)),
        Route::Entities(wrapping) => {
            escaped(input, start, &move |b, s, l, e| view::entities(b, s, l, e, wrapping), None)
        }
    });
    with_record(outcome, input, start)
}

/// How a window's text is read: as it stands, or through the view of one
/// wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Route {
    Plain,
    Csv,
    Json,
    Entities(Wrapping),
}

/// Gives XML findings the time of the `<Trace … Time="…">` block around them,
/// or the time and mailbox of the log record (line, CSV row) they stand in.
fn with_record(mut outcome: Outcome, input: &Input<'_>, start: usize) -> Outcome {
    if let Outcome::Found { items, .. } = &mut outcome {
        let reach = start.saturating_sub(2048).max(input.floor.min(start));
        let (record_time, mailbox) = context::record(input.buf, start, input.floor);
        let time = context::trace_time(&input.buf[reach..start]).or(record_time);
        for item in items {
            if let Item::Finding(draft) = item {
                let f = &mut draft.finding;
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

/// Searchers for what only a JSON string writes around a tag: an escaped
/// quote after `=`, an escaped line break after `>`.
static JSON_QUOTING: LazyLock<[Finder<'static>; 3]> =
    LazyLock::new(|| [b"=\\\"" as &[u8], b">\\r\\n", b">\\n"].map(Finder::new));
/// A searcher for CSV's doubled quote after `=`.
static CSV_QUOTING: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"=\"\""));

/// How the start tag at `start` is quoted, judged from the tag and the text
/// just after it; `None` while that text is not all read yet, so that the
/// answer never depends on where a read ended.
fn quoting(input: &Input<'_>, start: usize) -> Option<Quoting> {
    let buf = input.buf;
    // Never more than a payload may hold, or waiting would overflow it.
    let cap = start.saturating_add(input.max_payload);
    let reach = cap.min(start + 2048);
    let tag_end = memchr::memchr(b'>', &buf[start..buf.len().min(reach)]).map(|p| start + p);
    if tag_end.is_none() && !input.eof && buf.len() < reach {
        return None;
    }
    let tag_end = tag_end.unwrap_or(buf.len().min(reach));
    let look_end = tag_end.saturating_add(256).min(cap);
    let seen = buf.len().min(look_end);
    // The start tag and what follows it, up to a line that is no more of the
    // payload (one that starts with neither a blank nor a tag): a plain
    // payload's next line may be another record, quoted another way.
    let stop = memchr::memchr_iter(b'\n', &buf[tag_end..seen])
        .map(|p| tag_end + p)
        .find(|&nl| buf.get(nl + 1).is_some_and(|b| !b.is_ascii_whitespace() && *b != b'<'));
    if stop.is_none() && !input.eof && buf.len() < look_end {
        return None;
    }
    let near = &buf[start..stop.unwrap_or(seen)];
    let has = |search: &Finder<'static>| search.find(near).is_some();
    Some(if JSON_QUOTING.iter().any(has) {
        Quoting::Json
    } else if has(&CSV_QUOTING) {
        Quoting::Csv
    } else {
        Quoting::Plain
    })
}

/// Entity-escaped XML inside an HTML page is `html-escaped`; inside another
/// XML document, `xml-escaped`.
fn entity_wrapping(buf: &[u8], start: usize) -> Wrapping {
    // Context only, so it may look behind the previous payload; no further
    // than the scanner always keeps, so the answer never depends on buffering.
    let reach = start.saturating_sub(LOOKBACK);
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

/// Builds a view of escaped text: input, start, limit, end of input.
type Unwrapper = dyn Fn(&[u8], usize, usize, bool) -> Result<View, NeedMore>;

/// How much escaped text is decoded at first: most payloads end well within
/// it. A payload still open at its end is decoded again with four times as
/// much, up to the cap, so that each anchor in a long escaped log costs about
/// what its own payload holds, never a decode of the whole capped window.
const FIRST_LOOK: usize = 1 << 10;

/// Decodes the escaped text from `start` and reads the payload in it; the view
/// may itself hold another level of escaping (`&amp;lt;`).
/// `closing`: how many bytes from where a closed view ends its decoder read,
/// when that is known (so a window ending with its view can be recalled).
fn escaped(input: &Input<'_>, start: usize, unwrap: &Unwrapper, closing: Option<usize>) -> Read {
    let mut limit = FIRST_LOOK.min(input.max_payload);
    loop {
        let view = match unwrap(input.buf, start, limit, input.eof) {
            Ok(view) => deeper(view),
            Err(NeedMore) => return Read::partial(Outcome::NeedMore { from: start }),
        };
        // Stopped by the look's limit, not by the wrapping's end or the
        // input's: a payload still open there may only need more of the text,
        // which the parse says by asking for more.
        let short =
            !view.closed && limit < input.max_payload && view.source(view.text.len()) < input.buf.len();
        let Read { outcome, rests_on } = parse_window(&view.text, 0, short, false);
        if short && matches!(outcome, Outcome::NeedMore { .. }) {
            limit = limit.saturating_mul(4).min(input.max_payload);
            continue;
        }
        let outcome = match outcome {
            Outcome::Found { items, end } => {
                let end = view.source(end);
                Outcome::Found {
                    items: items.into_iter().map(|i| i.map(&view)).collect(),
                    end: end.max(start + 1),
                }
            }
            other => other,
        };
        // What the reading rests on, in the input: up to the window's end,
        // or past the view's own close when the window ends with it.
        let rests_on = match rests_on {
            Some(end) if end < view.text.len() => Some(view.source(end)),
            Some(_) => closing.filter(|_| view.closed).map(|n| view.source(view.text.len()) + n),
            None => None,
        };
        return Read { outcome, rests_on: rests_on.filter(|end| *end <= input.buf.len()) };
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

/// What reading a window gave, and where the text it rests on ends, when it
/// rests on the window's bytes alone (see [`xml::Window::whole`]): the same
/// bytes there read the same anywhere.
pub(super) struct Read {
    pub outcome: Outcome,
    pub rests_on: Option<usize>,
}

impl Read {
    fn partial(outcome: Outcome) -> Read {
        Read { outcome, rests_on: None }
    }
}

/// Parses the XML window at `start` and turns its messages into items.
/// `raw` when `text` is the input itself rather than an unwrapped view (only
/// raw text can have been cut into lines by a viewer).
fn parse_window(text: &[u8], start: usize, more_may_come: bool, raw: bool) -> Read {
    let mut window = match xml::parse(text, start, more_may_come) {
        Parse::Done(window) => window,
        Parse::NeedMore => return Read::partial(Outcome::NeedMore { from: start }),
    };
    // quick-xml reads UTF-8 only; a log's stray Latin-1 byte must not cost the
    // payload. Each bad byte becomes one `?`, so every position stays put.
    // Read that way the payload may still need more text, which the bad
    // byte's error hid: waiting for it keeps tiny reads and one read alike.
    if window.error.as_ref().is_some_and(|b| matches!(b.error, quick_xml::Error::Encoding(_))) {
        let clean = sanitized(text);
        match xml::parse(&clean, start, more_may_come) {
            Parse::Done(again) => window = again,
            Parse::NeedMore => return Read::partial(Outcome::NeedMore { from: start }),
        }
        // The texts are the input's own, as a read that ended before the bad
        // byte (and so met no error) would have given them.
        for m in &mut window.messages {
            for field in [&mut m.code, &mut m.inner_code, &mut m.message].into_iter().flatten() {
                if clean[field.span.clone()] != text[field.span.clone()] {
                    field.text = view::decode_text(&text[field.span.clone()]);
                }
            }
        }
    }
    let mut items: Vec<Item> = window.messages.iter().map(|m| Item::from(draft_of(m))).collect();
    if items.is_empty() {
        let (error_at, reason) = match &window.error {
            Some(broke) => (broke.at, Broken::Xml(broke.error.to_string())),
            None if window.cut_off => (window.end, Broken::CutOff),
            None => (window.end, Broken::NoCode),
        };
        // XML with no response in it (a request, a config file) is no payload.
        if window.error.is_none() && !window.saw_message {
            return Read::partial(Outcome::Skip);
        }
        items.push(Item::Malformed { span: start..window.end.max(start + 1), error_at, reason });
    }
    // A window that ends where its text does may yet be told apart by what
    // follows (a cut-off payload, a code still to come): the caller knows.
    let rests_on = window.whole.then_some(window.end);
    let end = window.end.max(start + 1);
    if raw && let Some(better) = dewrapped(text, start, end, &items) {
        // It rests on the whole raw window, which may reach past its new end.
        return Read { outcome: better, rests_on: None };
    }
    let rests_on = rests_on.filter(|end| !raw || *end < text.len());
    Read { outcome: Outcome::Found { items, end }, rests_on }
}

/// `text` with every byte that is not part of valid UTF-8 replaced by `?`.
fn sanitized(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for chunk in text.utf8_chunks() {
        out.extend_from_slice(chunk.valid().as_bytes());
        out.extend(std::iter::repeat_n(b'?', chunk.invalid().len()));
    }
    out
}

/// Signs that a viewer cut the lines of a raw window: a message broken by a
/// line end, a message with no code, or XML that broke.
fn looks_wrapped(items: &[Item]) -> bool {
    items.iter().any(|item| match item {
        Item::Finding(d) => broken(&d.finding) || d.finding.truncated || d.finding.message.is_none(),
        Item::Malformed { .. } => true,
    })
}

/// A code is one word, and EWS messages are one line.
fn broken(f: &Finding) -> bool {
    f.code.contains(|c: char| c.is_whitespace() || c == '<')
        || f.message.as_deref().is_some_and(|m| m.contains('\n'))
}

/// How good a reading is: each finding counts, less for a broken or missing
/// message or a cut-off payload; a payload that broke counts against.
fn quality(items: &[Item]) -> i64 {
    items
        .iter()
        .map(|item| match item {
            Item::Finding(d) => {
                let f = &d.finding;
                4 - i64::from(broken(f)) - i64::from(f.truncated) - i64::from(f.message.is_none())
            }
            Item::Malformed { .. } => -1,
        })
        .sum()
}

/// The width a viewer may have cut the lines of `region` at: the widest
/// line's, when it is at least 40 and two lines or more reach it.
pub(super) fn cut_width(region: &[u8]) -> Option<usize> {
    // One pass over the line ends: the widest line, and how many reach it.
    let (mut width, mut reached, mut start) = (0, 0, 0);
    for end in memchr::memchr_iter(b'\n', region).chain(std::iter::once(region.len())) {
        let len = end - start - usize::from(end > start && region[end - 1] == b'\r');
        if len > width {
            (width, reached) = (len, 1);
        } else if len == width {
            reached += 1;
        }
        start = end + 1;
    }
    (width >= 40 && reached >= 2).then_some(width)
}

/// The lines of `region`, without their line ends.
fn lines(region: &[u8]) -> impl Iterator<Item = &[u8]> {
    region.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Reads the window again with the viewer's line breaks taken out: the breaks
/// after every line of the widest width (at least 40, and reached by two lines
/// or more), which is where a viewer cuts. Kept only if it reads better.
fn dewrapped(text: &[u8], start: usize, end: usize, raw: &[Item]) -> Option<Outcome> {
    let region = &text[start..end];
    let width = cut_width(region)?;
    let lines: Vec<&[u8]> = lines(region).collect();
    // A viewer cuts inside words and tags: the cut lines end, and the next
    // ones start, with no blank at the cut. A pretty-printer never does.
    let mid_token = lines
        .windows(2)
        .filter(|pair| pair[0].len() == width)
        .filter(|pair| {
            let before = pair[0].last().is_some_and(|b| !b.is_ascii_whitespace());
            let after = pair[1].first().is_some_and(|b| !b.is_ascii_whitespace());
            before && after
        })
        .count();
    let viewer_cut = mid_token >= 2;
    if !viewer_cut && !looks_wrapped(raw) {
        return None;
    }
    let joined = view::unwrap_lines_of_width(text, start, end, width);
    let reread = parse_window(&joined.text, 0, false, false).outcome;
    let Outcome::Found { items, end: view_end } = reread else { return None };
    let better = quality(&items) > quality(raw) || (viewer_cut && quality(&items) >= quality(raw));
    if !better {
        return None;
    }
    let items = items.into_iter().map(|i| i.map(&joined)).collect();
    Some(Outcome::Found { items, end: joined.source(view_end) })
}

fn draft_of(m: &xml::Message) -> Draft {
    let mark = |f: &Option<xml::Field>| f.as_ref().map(|f| f.span.clone());
    let mut finding = Finding::new(m.shape, m.code.as_ref().map(|c| c.text.clone()).unwrap_or_default());
    finding.class = m.class;
    finding.inner_code = m.inner_code.as_ref().map(|c| c.text.clone());
    finding.message = m.message.as_ref().map(|c| c.text.clone());
    finding.operation.clone_from(&m.operation);
    finding.details.clone_from(&m.details);
    finding.truncated = m.truncated;
    let marks = Marks {
        code: mark(&m.code),
        message: mark(&m.message),
        inner_code: mark(&m.inner_code),
        numbers: m.numbers.clone(),
    };
    Draft { span: m.span.clone(), marks, finding }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cut_width_is_the_widest_line_when_two_reach_it() {
        let line = "x".repeat(40);
        let cut = format!("{line}\r\n{line}\nshort");
        assert_eq!(cut_width(cut.as_bytes()), Some(40), "a carriage return is no part of the line");
        let ends_cut = format!("short\n{line}\n{line}");
        assert_eq!(cut_width(ends_cut.as_bytes()), Some(40), "the last line counts");
        let once = format!("{line}x\n{line}\n{line}");
        assert_eq!(cut_width(once.as_bytes()), None, "only one line reaches the widest width");
        let narrow = "x".repeat(39);
        assert_eq!(cut_width(format!("{narrow}\n{narrow}").as_bytes()), None, "narrower than 40");
        assert_eq!(cut_width(line.as_bytes()), None, "one line is not cut");
    }
}
