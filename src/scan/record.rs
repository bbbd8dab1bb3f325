//! What the Graph-era recognisers share: the text a hit stands in (raw, or
//! decoded from the JSON string or CSV field around it), the lines of one log
//! record, small field readers, and moving what was read in a view back onto the input.

use std::ops::Range;

use regex::bytes::Regex;

use super::lines;
use super::recognise::{Draft, Hit, Input, Item, LOOKBACK, Outcome};
use super::view::{self, View};
use super::{NeedMore, context};

/// The text a recogniser reads: the input itself, or a decoded view of the
/// escaped string the hit stands in. Positions are positions in `bytes`.
pub(super) struct Text<'a> {
    pub bytes: &'a [u8],
    /// Where the anchor stands.
    pub at: usize,
    /// More text may come after `bytes` (raw input only).
    pub more: bool,
    /// Nothing before this is read: the end of the previous payload, or as
    /// far back as the scanner always keeps.
    pub floor: usize,
}

/// Findings read from a [`Text`] (spans and marks in its positions) and where
/// the payload they came from ends.
pub(super) struct Read {
    pub findings: Vec<Draft>,
    pub end: usize,
}

impl Read {
    pub(super) fn one(finding: Draft, end: usize) -> Option<Read> {
        Some(Read { findings: vec![finding], end })
    }
}

/// What a reader answers: findings, nothing here, or wait for more input.
pub(super) type Answer = Result<Option<Read>, NeedMore>;

/// How much escaped text is decoded around a hit.
const VIEW_LIMIT: usize = 16 << 10;

/// Runs `read` on the text around `hit` and places its findings on the input.
pub(super) fn read_at(input: &Input<'_>, hit: Hit, read: &dyn Fn(&Text<'_>) -> Answer) -> Outcome {
    let view = match unwrap_around(input, hit.at) {
        Ok(view) => view,
        Err(NeedMore) => return Outcome::NeedMore { from: hit.at },
    };
    read_in(input, hit, view, read)
}

/// Runs `read` on the input as it stands, escapes and all (for a reader
/// whose payload ends at the first escaped line break or quote).
pub(super) fn read_raw_at(input: &Input<'_>, hit: Hit, read: &dyn Fn(&Text<'_>) -> Answer) -> Outcome {
    read_in(input, hit, None, read)
}

fn read_in(input: &Input<'_>, hit: Hit, view: Option<View>, read: &dyn Fn(&Text<'_>) -> Answer) -> Outcome {
    let Some(view) = view else {
        let floor = input.floor.min(hit.at).max(hit.at.saturating_sub(LOOKBACK));
        let text = Text { bytes: input.buf, at: hit.at, more: !input.eof, floor };
        return match read(&text) {
            Ok(Some(r)) => Outcome::Found {
                items: r.findings.into_iter().map(Item::from).collect(),
                end: r.end.max(hit.at + 1),
            },
            Ok(None) => Outcome::Skip,
            Err(NeedMore) => Outcome::NeedMore { from: hit.at },
        };
    };
    // The first decoded byte standing at or after the hit, and the floor.
    let at = partition(view.text.len(), |i| view.source(i) < hit.at);
    let floor_at = input.floor.min(hit.at).max(hit.at.saturating_sub(LOOKBACK));
    let floor = partition(view.text.len(), |i| view.source(i) < floor_at);
    let text = Text { bytes: &view.text, at, more: false, floor };
    match read(&text) {
        Ok(Some(r)) => Outcome::Found {
            items: r.findings.into_iter().map(|f| Item::from(f).map(&view)).collect(),
            end: view.source(r.end).max(hit.at + 1),
        },
        _ => Outcome::Skip,
    }
}

/// The first `i` in `0..=len` for which `before(i)` is false (`before` must
/// be true up to some point and false after it).
fn partition(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The JSON string or CSV field the text at `at` stands in, decoded, when it
/// stands in one. Read back from `at` to the quote that opens it: escapes on
/// the way (`\"`, `\n`) say JSON, doubled quotes or a line break say CSV, and
/// so do those just after `at`. Context only, so it may look behind the
/// previous payload, no further than the scanner always keeps; when the
/// string opened further back, the view starts at the earliest line break
/// seen inside it.
fn unwrap_around(input: &Input<'_>, at: usize) -> Result<Option<View>, NeedMore> {
    let buf = input.buf;
    let reach = at.saturating_sub(LOOKBACK);
    // A hit on a quote (`"responses`) stands in the escaping it belongs to.
    let from = if buf.get(at) == Some(&b'"') { at + 1 } else { at };
    let (mut json, mut csv, mut newline) = (false, false, false);
    // Just after the earliest escaped (`\n`) and raw line break seen.
    let (mut escaped_break, mut raw_break) = (None, None);
    let mut i = from;
    while i > reach {
        i -= 1;
        let slashes = || buf[reach..i].iter().rev().take_while(|b| **b == b'\\').count();
        match buf[i] {
            b'\n' if json => return Ok(None),
            // A raw line break: only a CSV field holds one, and only doubled
            // quotes (behind or ahead) say the text is in one. Ordinary log
            // lines stop the walk here, so a hit costs its own line.
            b'\n' if !csv && !ahead(input, from)?.1 => return Ok(None),
            b'\n' => {
                newline = true;
                raw_break = Some(i + 1);
            }
            b'"' => {
                let n = slashes();
                if n % 2 == 1 {
                    json |= !newline;
                    i -= n;
                    continue;
                }
                if i > reach && buf[i - 1] == b'"' {
                    csv = true;
                    i -= 1;
                    continue;
                }
                let (ahead_json, ahead_csv) = ahead(input, from)?;
                let before = buf[reach..i].iter().rev().find(|b| **b != b' ');
                let opens_json = matches!(before, Some(b':' | b'[' | b','));
                let opens_field = i == 0 || matches!(buf[i - 1], b',' | b'\t' | b';' | b'\n');
                return if json || (ahead_json && opens_json && !newline) {
                    view::json(buf, i + 1, VIEW_LIMIT, input.eof).map(Some)
                } else if opens_field && (csv || newline || ahead_csv) {
                    view::csv(buf, i + 1, VIEW_LIMIT, input.eof).map(Some)
                } else {
                    Ok(None)
                };
            }
            b'n' | b'r' if i > reach && buf[i - 1] == b'\\' && !newline && slashes() % 2 == 1 => {
                json = true;
                escaped_break = Some(i + 1);
            }
            b't' | b'u' | b'/' if i > reach && buf[i - 1] == b'\\' && !newline => json = true,
            _ => {}
        }
    }
    match (json, escaped_break, csv, raw_break) {
        (true, Some(start), _, _) => view::json(buf, start, VIEW_LIMIT, input.eof).map(Some),
        (false, _, true, Some(start)) => view::csv(buf, start, VIEW_LIMIT, input.eof).map(Some),
        _ => Ok(None),
    }
}

/// How far after a hit the text is looked at for escapes.
const AHEAD: usize = 2048;

/// Whether the rest of the hit's line holds JSON escapes (`\"`, `\n`), and
/// whether the text after the hit holds quotes doubled around a word (`""code""`,
/// not the empty strings of raw JSON).
fn ahead(input: &Input<'_>, from: usize) -> Result<(bool, bool), NeedMore> {
    let buf = input.buf;
    let end = buf.len().min(from + AHEAD);
    if end == buf.len() && !input.eof {
        return Err(NeedMore);
    }
    let text = &buf[from..end];
    let line = memchr::memchr(b'\n', text).map_or(text, |p| &text[..p]);
    let json = line.windows(2).any(|w| w[0] == b'\\' && matches!(w[1], b'"' | b'n' | b'r'));
    let csv = memchr::memmem::find_iter(text, b"\"\"").any(|p| {
        let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'{');
        word(text.get(p + 2)) || (p > 0 && word(text.get(p - 1)))
    });
    Ok((json, csv))
}

/// The start of the line holding `at`.
pub(super) fn line_start(t: &Text<'_>, at: usize) -> usize {
    lines::line_start(t.bytes, at, t.floor)
}

/// The end of the line holding `at` (its `\n`, or the end of the text),
/// `NeedMore` while that line may still be coming.
pub(super) fn line_end(t: &Text<'_>, at: usize) -> Result<usize, NeedMore> {
    let end = lines::line_end(t.bytes, at);
    if t.more && end == t.bytes.len() {
        return Err(NeedMore);
    }
    Ok(end)
}

/// The line `[start, end)` without its `\r`.
pub(super) fn line<'a>(t: &Text<'a>, start: usize, end: usize) -> &'a [u8] {
    let line = &t.bytes[start..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Does this line start a log record of its own (a time within its first
/// bytes)?
pub(super) fn starts_record(line: &[u8]) -> bool {
    let head = &line[..line.len().min(40)];
    context::time(head).is_some_and(|time| memchr::memmem::find(head, time.as_bytes()).is_some_and(|p| p < 4))
}

/// Where new log records start after JSON-escaped line breaks (`\n` then a
/// time) in `text`: the positions just after the escapes.
pub(super) fn escaped_record_starts(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memmem::find_iter(text, b"\\n").map(|p| p + 2).filter(|p| starts_record(&text[*p..]))
}

pub(super) fn blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// A stack frame line (`   at Foo.Bar()`, `\tat com.foo.Bar`).
pub(super) fn stack_frame(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii_start();
    trimmed.len() < line.len() && trimmed.starts_with(b"at ")
}

/// The lines after the one holding `at`, up to (not including) the first one
/// for which `stop` holds, no more than `max_lines` of them nor `max_bytes`
/// past `at`: the end of the last line taken.
pub(super) fn lines_until(
    t: &Text<'_>,
    at: usize,
    max_lines: usize,
    max_bytes: usize,
    stop: &dyn Fn(&[u8]) -> bool,
) -> Result<usize, NeedMore> {
    let limit = at.saturating_add(max_bytes);
    let mut end = line_end(t, at)?;
    for _ in 0..max_lines {
        if end >= t.bytes.len() || end + 1 >= limit {
            break;
        }
        let next = end + 1;
        let next_end = line_end(t, next)?;
        if stop(line(t, next, next_end)) {
            break;
        }
        end = next_end;
    }
    Ok(end.min(limit.max(at)))
}

/// The start of the log record holding `at`: back over lines that do not
/// start a record of their own, at most `max_lines`, stopping below a blank
/// line.
pub(super) fn record_start(t: &Text<'_>, at: usize, max_lines: usize) -> usize {
    let mut start = line_start(t, at);
    for _ in 0..max_lines {
        if starts_record(line(t, start, lines::line_end(t.bytes, start))) || start <= t.floor {
            break;
        }
        let above = line_start(t, start - 1);
        if blank(line(t, above, start - 1)) {
            break;
        }
        start = above;
    }
    start
}

/// The first capture of `re` in `text`, as a string.
pub(super) fn capture(re: &Regex, text: &[u8]) -> Option<String> {
    let c = re.captures(text)?;
    let m = c.iter().skip(1).flatten().next()?;
    let s = String::from_utf8_lossy(m.as_bytes()).trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// The last capture of `re` in `text`: the nearest one before a payload.
pub(super) fn capture_last(re: &Regex, text: &[u8]) -> Option<String> {
    let c = re.captures_iter(text).last()?;
    let m = c.iter().skip(1).flatten().next()?;
    let s = String::from_utf8_lossy(m.as_bytes()).trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Where [`capture`] would find its capture in `text`, which stands at `at`
/// in the text read.
pub(super) fn capture_at(re: &Regex, text: &[u8], at: usize) -> Option<Range<usize>> {
    let c = re.captures(text)?;
    let m = c.iter().skip(1).flatten().next()?;
    Some(at + m.start()..at + m.end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Text<'_> {
        Text { bytes: s.as_bytes(), at: 0, more: false, floor: 0 }
    }

    #[test]
    fn records_start_at_their_timed_line_and_stop_at_blank_lines() {
        let s = "noise\n\n2026-11-20 08:15:02 first line\n  wrapped on\n  and on\n";
        let t = raw(s);
        let at = s.find("and on").unwrap_or_default();
        assert_eq!(record_start(&t, at, 8), s.find("2026").unwrap_or_default());
        let end = lines_until(&t, s.find("first").unwrap_or_default(), 8, 4096, &blank).unwrap_or_default();
        assert_eq!(&s[end - 6..end], "and on");
    }
}
