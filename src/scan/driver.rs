//! The streaming loop: read, look for anchors, let a recogniser read what is
//! there, hand findings on, keep only what the next payload may still need.

use std::io::{self, Read};
use std::ops::{ControlFlow, Range};

use super::anchor;
use super::event::{self, RecordStart};
use super::held::Held;
use super::lines::{self, Lines};
use super::recent::Recent;
use super::recognise::{Draft, Hit, Input, Item, LOOKBACK, Outcome};
use super::time;
use super::{ScanConfig, SourceInfo};
use super::{work, xml};
use crate::model::{self, Broken, Class, Excerpt, Finding, Malformed, Shape, Span, Stats, Wrapping};

/// What the scanner reports, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A payload was read.
    Finding(Box<Finding>),
    /// A candidate payload could not be read.
    Malformed(Malformed),
    /// A finding just before a segment's own part (see [`Segment::context_from`]),
    /// read only so that what follows is read as one scan would: it is the
    /// previous segment's to report.
    Context(Box<Finding>),
}

impl Event {
    /// Where the event's payload starts in the input.
    pub fn offset(&self) -> u64 {
        match self {
            Event::Finding(f) | Event::Context(f) => f.span.offset,
            Event::Malformed(m) => m.span.offset,
        }
    }
}

/// Reading an input failed part way (a damaged gzip stream, a device error).
/// Everything before the failure was scanned and reported; `stats` counts it.
#[derive(Debug)]
pub struct ReadError {
    /// What was scanned before the failure.
    pub stats: Stats,
    /// The failure.
    pub error: io::Error,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "read failed after {} bytes: {}", self.stats.bytes, self.error)
    }
}

impl std::error::Error for ReadError {}

/// How much text before the place where a payload broke is kept for showing
/// it (see [`Malformed::source`]): enough for the element that broke.
const BROKE_BEFORE: usize = 1536;
/// How much text after it is kept.
const BROKE_AFTER: usize = 256;

/// `bytes` as text, without the partial characters a cut left at either end:
/// how many bytes were passed over at the start, and the text.
fn whole_chars(bytes: &[u8]) -> (usize, String) {
    let lead = bytes.iter().take_while(|b| (0x80..0xC0).contains(*b)).count();
    let mut text = &bytes[lead..];
    if let Err(e) = std::str::from_utf8(text)
        && e.error_len().is_none()
    {
        text = &text[..e.valid_up_to()];
    }
    (lead, String::from_utf8_lossy(text).into_owned())
}

/// `</name>` for the element whose start tag opens `text`, if it is raw XML.
fn closing_tag(text: &[u8]) -> Option<Vec<u8>> {
    let name = text.strip_prefix(b"<")?;
    let len = name.iter().take_while(|b| xml::is_name_byte(**b) || **b == b':').count();
    (len > 0).then(|| [&b"</"[..], &name[..len], b">"].concat())
}

/// How much of a payload's text past its last mark is kept for rendering.
const SOURCE_PAST_MARKS: usize = 4096;

/// Malformed payloads broken the same way and this close together (in bytes,
/// end to start) are one run of broken text, reported once.
const MALFORMED_GAP: u64 = 256;

/// The event the latest finding belongs to: where it starts, where its last
/// finding ended, and the mailbox, profile and time its findings named.
#[derive(Debug, Default)]
struct Context {
    id: u64,
    end: u64,
    /// Some finding of this event was reported (it counts in the stats).
    counted: bool,
    mailbox: Option<String>,
    profile: Option<String>,
    time: Option<String>,
    time_text: Option<String>,
}

pub(crate) struct Driver<'a> {
    source: &'a SourceInfo,
    config: &'a ScanConfig,
    sink: &'a mut dyn FnMut(Event) -> ControlFlow<()>,
    buf: Held,
    /// Absolute offset of `buf[0]`.
    base: u64,
    lines: Lines,
    stats: Stats,
    /// The current event, once a finding has been read.
    context: Option<Context>,
    recent: Recent,
    /// The part of the input this scan answers for, when it is one segment of
    /// a larger file: anchors before `begin` or from `stop` on are another
    /// segment's.
    segment: Option<Segment>,
    /// Set once the scan has passed `stop`.
    done: bool,
    /// Set once the sink wants no more.
    stopped: bool,
    /// The closing tag of an oversized payload whose rest is being passed over.
    skipping: Option<Vec<u8>>,
    /// The latest malformed payload, held back so that a run of them broken
    /// the same way one after another is reported once.
    pending: Option<Malformed>,
    /// The event of the last finding reported.
    last_event: Option<u64>,
    /// Where the search for anchors has looked.
    anchors: anchor::Finder,
}

/// One segment of a file scanned on its own (see [`super::scan_segment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Where reading starts: a line start a little before `begin`, so that an
    /// alert's sentence before the first anchor is there to read.
    pub read_from: u64,
    /// The 1-based line number of `read_from` in the whole file.
    pub first_line: u64,
    /// Where the segment starts reading anchors: findings from here to
    /// `begin` set up what the scan carries from one payload to the next
    /// (the event, the codes just told, the end of the last payload) and are
    /// handed on as [`Event::Context`] only.
    pub context_from: u64,
    /// The first offset whose findings this segment reports.
    pub begin: u64,
    /// The first offset whose events this segment counts. Before it the
    /// segment's findings may turn out to be the previous segment's (see
    /// [`SegmentEnd::consumed`]); whoever puts the segments together judges
    /// them, and counts their events.
    pub events_from: u64,
    /// The first offset whose anchors it leaves to the next segment.
    pub stop: u64,
}

/// What a segment scan tells the one putting segments back together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentEnd {
    /// The end of the last payload read: the next segment's findings before
    /// it are this segment's, read again.
    pub consumed: u64,
    /// The last codes reported and where their payloads ended, oldest first:
    /// a bare mention just after them in the next segment repeats them.
    pub recent: Recent,
    /// The event of the last finding reported past `events_from`: a finding
    /// of the next segment in the same event is no new event.
    pub last_event: Option<u64>,
}

/// What scanning a segment to its end gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentScan {
    /// The segment's counts.
    pub stats: Stats,
    /// How it ended.
    pub end: SegmentEnd,
}

impl<'a> Driver<'a> {
    pub(super) fn new(
        source: &'a SourceInfo,
        config: &'a ScanConfig,
        sink: &'a mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Self {
        Driver {
            source,
            config,
            sink,
            buf: Held::default(),
            base: 0,
            lines: Lines::default(),
            stats: Stats::default(),
            context: None,
            recent: Recent::default(),
            segment: None,
            done: false,
            stopped: false,
            skipping: None,
            pending: None,
            last_event: None,
            anchors: anchor::Finder::default(),
        }
    }

    /// Scans only `segment` of the input; the reader starts at `read_from`.
    pub(super) fn segment(mut self, segment: Segment) -> Self {
        self.base = segment.read_from;
        self.lines = Lines::at_line(segment.read_from, segment.first_line);
        self.segment = Some(segment);
        self
    }

    /// Scans a segment and says where it ended and how many lines it held.
    pub(super) fn run_segment<R: Read>(mut self, reader: R) -> Result<SegmentScan, ReadError> {
        let mut end = SegmentEnd::default();
        let stats = self.run_inner(reader, &mut end)?;
        Ok(SegmentScan { stats, end })
    }

    pub(super) fn run<R: Read>(mut self, reader: R) -> Result<Stats, ReadError> {
        self.run_inner(reader, &mut SegmentEnd::default())
    }

    fn run_inner<R: Read>(&mut self, mut reader: R, end: &mut SegmentEnd) -> Result<Stats, ReadError> {
        let mut pos = 0;
        let mut floor = 0;
        loop {
            // A read that fails part way ends the input there: what was read
            // is still scanned, so no finding before the damage is lost.
            let (eof, failed) = match self.fill(&mut reader) {
                Ok(eof) => (eof, None),
                Err(error) => (true, Some(error)),
            };
            let hold = self.process(&mut pos, &mut floor, eof);
            if let Some(error) = failed {
                self.flush_malformed();
                self.stats.bytes = self.segment.map_or(self.base + self.buf.len() as u64, |s| {
                    s.stop.min(self.base + self.buf.len() as u64).saturating_sub(s.begin)
                });
                return Err(ReadError { stats: self.stats, error });
            }
            if eof || self.stopped || (self.done && hold.is_none()) {
                break;
            }
            let keep = hold.unwrap_or(pos).min(pos).saturating_sub(LOOKBACK);
            if keep > 0 {
                self.lines.locate(&self.buf, self.base, self.base + keep as u64);
                self.buf.drop_front(keep);
                self.base += keep as u64;
                pos -= keep;
                floor = floor.saturating_sub(keep);
            }
        }
        self.flush_malformed();
        if let Some(segment) = self.segment {
            end.consumed = self.base + floor as u64;
            end.recent = self.recent.clone();
            end.last_event = self.last_event;
            self.stats.bytes =
                segment.stop.min(self.base + self.buf.len() as u64).saturating_sub(segment.begin);
        } else {
            self.stats.bytes = self.base + self.buf.len() as u64;
        }
        Ok(self.stats)
    }

    /// Reads the next chunk; true at the end of the input.
    fn fill<R: Read>(&mut self, reader: &mut R) -> io::Result<bool> {
        let limit = self.config.read_size.max(1);
        Ok(self.buf.fill(reader, limit)? < limit)
    }

    /// Handles every anchor from `pos` on; returns where the buffer must be kept
    /// from when a payload waits for more input.
    fn process(&mut self, pos: &mut usize, floor: &mut usize, eof: bool) -> Option<usize> {
        loop {
            // A segment reads on past its stop until the skip is over: the
            // skipped text is its own, and `consumed` tells the next segment.
            if !self.skip_rest(pos, floor, eof) {
                return None;
            }
            let Some(found) = self.anchors.next_hit(&self.buf, self.base, *pos) else {
                *pos = if eof {
                    self.buf.len()
                } else {
                    self.buf.len().saturating_sub(anchor::LONGEST).max(*pos)
                };
                if self.segment.is_some_and(|s| self.base + *pos as u64 >= s.stop) {
                    self.done = true;
                }
                return None;
            };
            let hit = found.hit;
            if let Some(segment) = self.segment {
                let at = self.base + hit.at as u64;
                if at >= segment.stop {
                    self.done = true;
                    *pos = hit.at;
                    return None;
                }
                if at < segment.context_from {
                    *pos = hit.at + 1;
                    continue;
                }
            }
            let input = Input { buf: &self.buf, eof, floor: *floor, max_payload: self.config.max_payload };
            match anchor::recognise(&input, found) {
                Outcome::Found { items, end } => {
                    for item in items {
                        self.emit(item);
                    }
                    *pos = end.max(hit.at + 1);
                    *floor = (*floor).max(end);
                    if self.stopped {
                        return None;
                    }
                }
                Outcome::Skip => *pos = hit.at + 1,
                Outcome::NeedMore { from } if self.buf.len() - from >= self.config.max_payload => {
                    // Read what the capped window holds as if the input ended
                    // there: its complete messages are reported (the open ones
                    // as cut off), and the scan moves past it. Retrying every
                    // nested start inside it instead would take quadratic time.
                    self.oversized(from, hit);
                    let cut = Input {
                        buf: &self.buf[..self
                            .buf
                            .len()
                            .min((from + self.config.max_payload).max(hit.at + anchor::LONGEST))],
                        eof: true,
                        floor: *floor,
                        max_payload: self.config.max_payload,
                    };
                    match anchor::recognise(&cut, found) {
                        Outcome::Found { items, end } => {
                            for item in items {
                                self.emit(item);
                            }
                            *pos = end.max(hit.at + 1);
                            *floor = (*floor).max(end);
                        }
                        _ => *pos = hit.at + 1,
                    }
                    // The rest of the payload is passed over, not read as more
                    // payloads: one message of a million codes is one finding.
                    self.skipping = closing_tag(&self.buf[from..]);
                }
                Outcome::NeedMore { from } => return Some(from),
            }
        }
    }

    /// Moves `pos` past the rest of an oversized payload: past its root
    /// element's closing tag, or to a line that starts a new log record,
    /// whichever comes first. False while neither has been read yet.
    fn skip_rest(&mut self, pos: &mut usize, floor: &mut usize, eof: bool) -> bool {
        let Some(close) = self.skipping.as_deref() else { return true };
        let rest = &self.buf[*pos..];
        let closing = memchr::memmem::find(rest, close).map(|p| p + close.len());
        let record = xml::new_log_record(rest);
        let stop = match (closing, record) {
            (Some(c), Some(r)) => Some(c.min(r)),
            (c, r) => c.or(r),
        };
        work::add(stop.unwrap_or(rest.len()));
        match stop {
            Some(at) => *pos += at,
            None if eof => *pos = self.buf.len(),
            None => {
                // Keep enough to find a closing tag or a record's start cut
                // by the read.
                *pos = self.buf.len().saturating_sub(close.len().max(xml::RECORD_HEAD)).max(*pos);
                return false;
            }
        }
        *floor = (*floor).max(*pos);
        self.skipping = None;
        true
    }

    fn oversized(&mut self, from: usize, hit: Hit) {
        let reason = Broken::TooLong { limit: self.config.max_payload };
        // The span is the capped window read, from the payload's start.
        let end = self.buf.len().min(from + self.config.max_payload);
        self.emit(Item::Malformed { span: from..end, error_at: hit.at, reason });
    }

    fn emit(&mut self, item: Item) {
        match item {
            Item::Finding(draft) => {
                self.flush_malformed();
                let finding = self.place(*draft);
                self.emit_finding(finding);
            }
            Item::Malformed { span, error_at, reason } => {
                let start = span.start;
                let offset = self.base + start as u64;
                if self.before_own(offset) {
                    return;
                }
                let length = span.end.saturating_sub(start) as u64;
                if let Some(last) = &mut self.pending
                    && last.reason == reason
                    && offset <= last.span.offset + last.span.length + MALFORMED_GAP
                {
                    last.span.length =
                        (offset + length).max(last.span.offset + last.span.length) - last.span.offset;
                    return;
                }
                self.flush_malformed();
                let (line, column) = self.lines.locate(&self.buf, self.base, offset);
                let source = self.config.keep_source.then(|| {
                    let from = start.max(error_at.saturating_sub(BROKE_BEFORE)).min(self.buf.len());
                    let to = error_at.saturating_add(BROKE_AFTER).clamp(from, self.buf.len());
                    let (lead, text) = whole_chars(&self.buf[from..to]);
                    Excerpt { offset: self.base + (from + lead) as u64, text }
                });
                self.pending = Some(Malformed {
                    path: self.source.path.clone(),
                    span: Span { offset, length, line, column },
                    error_offset: self.base + error_at as u64,
                    reason,
                    source,
                });
            }
        }
    }

    /// Reports the malformed payload held back, if any.
    fn flush_malformed(&mut self) {
        if let Some(m) = self.pending.take() {
            self.stats.malformed += 1;
            self.send(Event::Malformed(m));
        }
    }

    /// Places a draft on the input: its positions made offsets in the input,
    /// with the line and column of its start. The one step by which a
    /// finding's positions leave the buffer.
    fn place(&mut self, draft: Draft) -> Finding {
        let Draft { span, marks, finding: mut f } = draft;
        let offset = self.base + span.start as u64;
        let (line, column) = self.lines.locate(&self.buf, self.base, offset);
        let length = span.end.saturating_sub(span.start);
        f.span = Span { offset, length: length as u64, line, column };
        let mark = |m: &Option<Range<usize>>| {
            m.as_ref().map(|m| self.base + m.start as u64..self.base + m.end.max(m.start) as u64)
        };
        f.marks = model::Marks {
            code: mark(&marks.code),
            message: mark(&marks.message),
            inner_code: mark(&marks.inner_code),
        };
        if self.config.keep_source {
            let start = span.start.min(self.buf.len());
            // The text a renderer can show: up to a little past the last mark.
            // A payload cut off runs to the end of its window, and a copy of
            // each such window per nested message would take quadratic time.
            let last_mark = [&marks.code, &marks.message, &marks.inner_code]
                .into_iter()
                .flatten()
                .map(|m| m.end.max(m.start))
                .max()
                .unwrap_or(span.start);
            let shown = last_mark.saturating_sub(span.start).saturating_add(SOURCE_PAST_MARKS);
            let end = start.saturating_add(length.min(shown)).min(self.buf.len());
            work::add(end - start);
            f.source = Some(String::from_utf8_lossy(&self.buf[start..end]).into_owned());
        }
        f.path.clone_from(&self.source.path);
        f.encoding = self.source.encoding;
        f
    }

    fn emit_finding(&mut self, mut f: Finding) {
        let offset = f.span.offset;
        let end = offset + f.span.length;
        if self.recent.repeats(&f, offset) {
            // A run of repeats is one telling: each one carries the code on.
            self.recent.remember(&f, end);
            return;
        }
        // Recognisers give the time as the input writes it.
        if let Some(text) = f.time.take() {
            f.time = time::rfc3339(&text);
            f.time_text = Some(text);
        }
        self.apply_context(&mut f, end);
        self.recent.remember(&f, end);
        if f.class == Some(Class::Success) && !self.config.show_success {
            return;
        }
        if self.before_own(offset) {
            // Counted, if at all, by the segment it belongs to.
            if let Some(event) = self.context.as_mut() {
                event.counted = true;
            }
            self.send(Event::Context(Box::new(f)));
            return;
        }
        let counts_events = self.segment.is_none_or(|s| offset >= s.events_from);
        if let Some(event) = self.context.as_mut().filter(|e| !e.counted) {
            event.counted = true;
            self.stats.events += u64::from(counts_events);
        }
        if counts_events {
            self.last_event = Some(f.event);
        }
        self.stats.count(f.class);
        self.send(Event::Finding(Box::new(f)));
    }

    /// Is `offset` before the part of the input this scan reports?
    fn before_own(&self, offset: u64) -> bool {
        self.segment.is_some_and(|s| offset < s.begin)
    }

    /// Hands an event on; a sink that wants no more ends the scan.
    fn send(&mut self, event: Event) {
        if (self.sink)(event).is_break() {
            self.stopped = true;
        }
    }

    /// Puts the finding in its event (the one the previous finding belongs to,
    /// or a new one), and fills in mailbox, profile and time from the other
    /// findings of that event only.
    fn apply_context(&mut self, f: &mut Finding, end: u64) {
        let rel = |abs: u64| usize::try_from(abs.saturating_sub(self.base)).unwrap_or(usize::MAX);
        // An alert's event starts with its sentence, before the code line.
        let first = match (f.shape, &f.marks.message) {
            (Shape::Alert, Some(sentence)) => sentence.start.min(f.span.offset),
            _ => f.span.offset,
        };
        // Looked for no further back than the walk would go: on a line many
        // megabytes long, every finding would otherwise search it all.
        let first = rel(first).min(self.buf.len());
        let own = lines::line_start(&self.buf, first, first.saturating_sub(event::EVENT_REACH));
        let previous = self.context.as_ref().filter(|c| c.end >= self.base);
        let stop = previous.map(|c| rel(c.end));
        let start = if matches!(f.shape, Shape::Alert | Shape::DashboardToken) {
            // An alert's sentence begins an event of its own, and so does a
            // dashboard row, unless it shares a line with the finding before.
            stop.is_none_or(|stop| own > stop).then_some(self.base + own as u64)
        } else {
            let csv = f.wrapping == Wrapping::Csv;
            let walk = event::Walk { stop, low: 0, input_start: self.base == 0, csv };
            match event::record_start(&self.buf, own, walk) {
                RecordStart::Continues => None,
                RecordStart::At(at) => Some(self.base + at as u64),
                RecordStart::Unknown => Some(self.base + own as u64),
            }
        };
        // Another time is another record, even where no line break shows it
        // (a log carried whole in one JSON string): the record starts where
        // its time is written.
        let start = match (start, self.context.as_ref()) {
            (None, Some(c)) if f.time.is_some() && c.time.is_some() && f.time != c.time => {
                let from = own.min(first);
                let written = f
                    .time_text
                    .as_deref()
                    .and_then(|t| memchr::memmem::rfind(&self.buf[from..first], t.as_bytes()));
                Some(self.base + written.map_or(first, |at| from + at) as u64)
            }
            (start, _) => start,
        };
        let context = match (start, self.context.as_mut()) {
            (None, Some(context)) => context,
            _ => self
                .context
                .insert(Context { id: start.unwrap_or(self.base + own as u64), ..Context::default() }),
        };
        context.end = context.end.max(end);
        f.event = context.id;
        fill(&mut f.mailbox, &mut context.mailbox);
        fill(&mut f.profile, &mut context.profile);
        if f.time.is_none() {
            f.time.clone_from(&context.time);
            f.time_text.clone_from(&context.time_text);
        } else if context.time.is_none() {
            context.time.clone_from(&f.time);
            context.time_text.clone_from(&f.time_text);
        }
    }
}

/// Gives a finding its event's value when it names none, and the event the
/// finding's value when the event has none yet.
fn fill(own: &mut Option<String>, event: &mut Option<String>) {
    match (own.is_none(), event.is_none()) {
        (true, false) => own.clone_from(event),
        (false, true) => event.clone_from(own),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Wrapping;
    use crate::scan::{Event, ScanConfig, SourceInfo, scan_bytes};

    #[test]
    fn a_finding_read_in_a_view_is_placed_on_its_escaped_text_with_line_and_column() {
        let text = "2026-11-20 08:15:02 start\n  {\"details\":\"<m:ResponseMessage ResponseClass=\\\"Error\\\"><m:MessageText>Busy now.</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode></m:ResponseMessage>\"}\n";
        let source = SourceInfo { path: "t".into(), encoding: Default::default() };
        let config = ScanConfig { keep_source: true, ..ScanConfig::default() };
        let (events, _) = scan_bytes(text.as_bytes(), &source, &config);
        let [Event::Finding(f)] = &events[..] else { panic!("one finding: {events:#?}") };
        let payload = text.find("<m:ResponseMessage").unwrap_or_default();
        assert_eq!(f.wrapping, Wrapping::JsonString);
        assert_eq!((f.span.offset, f.span.line, f.span.column), (payload as u64, 2, 15));
        let end = text.find("\"}").unwrap_or_default();
        assert_eq!(f.span.offset + f.span.length, end as u64, "the span ends at the string's end");
        let at =
            |m: &Option<std::ops::Range<u64>>| m.clone().map(|m| &text[m.start as usize..m.end as usize]);
        assert_eq!(at(&f.marks.code), Some("ErrorServerBusy"));
        assert_eq!(at(&f.marks.message), Some("Busy now."));
        assert_eq!(f.source.as_deref(), Some(&text[payload..end]), "the kept text is the escaped payload");
    }
}
