//! Splitting one large log into segments that scan in parallel, and putting
//! their findings back together as one scan would have reported them.
//!
//! Only plain UTF-8 files are split (gzip and UTF-16 streams cannot be entered
//! in the middle). Segments start at line starts and share one open handle.
//! Each counts the line breaks of its own range first, so that every segment
//! knows its first line number once the ones before it have counted (a short
//! wait), and its findings leave the worker with their final positions.
//!
//! Each segment reads a little of the previous one first, so an alert's
//! sentence before its label is there, but reads anchors only from its own
//! start. A payload that runs over a boundary is read whole by the segment it
//! starts in. The next segment cannot know that yet, so its findings near its
//! start (the *head*) are held back for the reporting side, which drops those
//! the previous segment already read, and the mentions that repeat its last
//! codes.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diagnose::SEEN_REACH;
use crate::input::{self, Origin};
use crate::model::{Encoding, Finding, Malformed, Stats};
use crate::scan::{self, LOOKBACK, REPEAT_REACH, Recent, Segment, SegmentEnd};
use crate::walk::Target;

use super::one::{Outcome, Scanned, read_at};

/// A file is split only into this many segments or more: fewer would not pay
/// for the setting up.
const MIN_SEGMENTS: u64 = 3;
/// How much of the previous segment a segment reads first: what the scanner
/// itself keeps behind its position.
const OVERLAP: u64 = LOOKBACK as u64;

/// One unit of work: a whole input, or one segment of a large file.
#[derive(Debug, Clone)]
pub(super) enum Job<'t> {
    /// Scan this target whole.
    Whole(&'t Target),
    /// Scan one segment of a plain UTF-8 file (boxed: a folder of many small
    /// files has a job each, and few are segments).
    Part(Box<Part<'t>>),
}

/// One segment of a file and where it stands among the others.
#[derive(Debug, Clone)]
pub(super) struct Part<'t> {
    pub origin: &'t Origin,
    /// The handle all segments of the file read through.
    pub file: Arc<File>,
    /// Where the segment reads and which anchors are its own; its first line
    /// number is known only once the segments before it have counted theirs.
    pub segment: Segment,
    /// The job index of the file's first segment.
    pub first_job: usize,
    /// It is the file's last segment.
    pub last: bool,
}

impl Part<'_> {
    /// Line breaks in the segment's own range, `begin..stop`.
    pub(super) fn count_lines(&self) -> u64 {
        count_lines(&self.file, self.segment.begin, self.segment.stop)
    }

    /// The segment with its first line number, given the line breaks in the
    /// file before its `begin`.
    pub(super) fn placed(&self, lines_before_begin: u64) -> Segment {
        let lead = count_lines(&self.file, self.segment.read_from, self.segment.begin);
        Segment { first_line: lines_before_begin.saturating_sub(lead) + 1, ..self.segment }
    }
}

/// The jobs for `targets`: large plain files split into segments of about
/// `segment_len` bytes.
pub(super) fn plan(targets: &[Target], threads: usize, segment_len: u64, max_payload: usize) -> Vec<Job<'_>> {
    let mut jobs = Vec::with_capacity(targets.len());
    let sizes = if threads > 1 { sizes(targets, threads) } else { Vec::new() };
    for (i, target) in targets.iter().enumerate() {
        let split = match (target, sizes.get(i).copied().flatten()) {
            // Archives and workbooks are read whole, never split.
            // (Only a file large enough to split is opened to tell.)
            (Target::Input { origin: origin @ Origin::File(path), .. }, Some(len))
                if len >= segment_len.saturating_mul(MIN_SEGMENTS)
                    && input::Container::of_path(path).is_none() =>
            {
                segments(path, len, segment_len.max(1), max_payload).map(|(file, s)| (origin, file, s))
            }
            _ => None,
        };
        match split {
            Some((origin, file, segments)) => {
                let (first_job, count) = (jobs.len(), segments.len());
                jobs.extend(segments.into_iter().enumerate().map(|(i, segment)| {
                    Job::Part(Box::new(Part {
                        origin,
                        file: Arc::clone(&file),
                        segment,
                        first_job,
                        last: i + 1 == count,
                    }))
                }));
            }
            None => jobs.push(Job::Whole(target)),
        }
    }
    jobs
}

/// The size of each file of `targets`, looked up on `threads` threads: a
/// folder of many small files would otherwise wait for one look-up at a time
/// before its scan could start.
fn sizes(targets: &[Target], threads: usize) -> Vec<Option<u64>> {
    let size = |target: &Target| match target {
        Target::Input { origin: Origin::File(path), .. } => path.metadata().ok().map(|m| m.len()),
        _ => None,
    };
    const ALONE: usize = 1024;
    if targets.len() < ALONE {
        return targets.iter().map(size).collect();
    }
    let chunk = targets.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .chunks(chunk)
            .map(|part| {
                let looked = std::thread::Builder::new()
                    .spawn_scoped(scope, move || part.iter().map(size).collect::<Vec<_>>());
                (part, looked)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(part, looked)| match looked.ok().map(std::thread::ScopedJoinHandle::join) {
                Some(Ok(sizes)) => sizes,
                // No thread to spare: look here.
                _ => part.iter().map(size).collect(),
            })
            .collect()
    })
}

/// The file and its segments, when it is worth splitting.
fn segments(
    path: &Path,
    len: u64,
    segment_len: u64,
    max_payload: usize,
) -> Option<(Arc<File>, Vec<Segment>)> {
    if len < segment_len.saturating_mul(MIN_SEGMENTS) {
        return None;
    }
    let mut file = File::open(path).ok()?;
    let mut head = vec![0u8; 8192];
    let read = file.read(&mut head).ok()?;
    head.truncate(read);
    let sniffed = input::sniff(&head);
    if input::is_gzip(&head) || sniffed.encoding != Encoding::Utf8 || sniffed.binary {
        return None;
    }
    let mut starts = vec![0u64];
    let mut at = segment_len;
    while at < len {
        let start = next_line_start(&file, at)?;
        if start >= len {
            break;
        }
        if start > *starts.last()? {
            starts.push(start);
        }
        at = start + segment_len;
    }
    // From the last seam back, so that each knows where its segment stops.
    let mut seams = Vec::with_capacity(starts.len());
    let mut stop = len;
    for &begin in starts[1..].iter().rev() {
        if let Some((begin, held)) = seam(&file, begin, stop, max_payload, segment_len) {
            seams.push((begin, held));
            stop = begin;
        }
    }
    seams.push((0, 0));
    seams.reverse();
    let mut out = Vec::with_capacity(seams.len());
    for (i, &(begin, events_from)) in seams.iter().enumerate() {
        let stop = seams.get(i + 1).map_or(len, |next| next.0);
        // The findings of the text just before a segment set up its scan as
        // one scan would have it there, diagnoses' neighbours included.
        let context_from = begin.saturating_sub(SEEN_REACH);
        let read_from = match context_from.checked_sub(OVERLAP) {
            Some(at) if begin > 0 => next_line_start(&file, at)?.min(context_from),
            _ => 0,
        };
        out.push(Segment { read_from, first_line: 1, context_from, begin, events_from, stop });
    }
    (out.len() > 1).then(|| (Arc::new(file), out))
}

/// A seam for a segment that stops at `stop`: at the line start `begin`, or
/// moved on (by an eighth of a segment at most) to where a log record comes
/// soon enough past the cap for [`held_until`]; with where its holding ends.
/// `None` when there is no such place: the segment before runs on.
fn seam(file: &File, begin: u64, stop: u64, max_payload: usize, segment_len: u64) -> Option<(u64, u64)> {
    if let Some(held) = held_until(file, begin, stop, max_payload) {
        return Some((begin, held));
    }
    let cap = max_payload as u64;
    let reach = begin.saturating_add(cap).saturating_add(segment_len / 8).min(stop);
    let record = next_record(file, begin.saturating_add(cap).saturating_sub(1), reach);
    if record >= reach {
        return None;
    }
    let moved = next_line_start(file, record.saturating_sub(2 * cap).max(begin))?;
    if moved >= stop {
        return None;
    }
    held_until(file, moved, stop, max_payload).map(|held| (moved, held))
}

/// The offset just after the first line break at or after `at` (the end of
/// the file if there is none).
fn next_line_start(file: &File, at: u64) -> Option<u64> {
    let mut chunk = [0u8; 4096];
    let mut pos = at;
    loop {
        let n = read_at(file, &mut chunk, pos).ok()?;
        if n == 0 {
            return Some(pos);
        }
        if let Some(i) = memchr::memchr(b'\n', &chunk[..n]) {
            return Some(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}

/// Up to where the segment `begin..stop` of `file` holds its findings back
/// for the reporting side to judge (as [`Segment::events_from`]): as far as a
/// payload of the segment before may run into it (`max_payload`) and its
/// last codes may repeat, and on to the next log record past that, since the
/// rest of an oversized payload is passed over up to a new record (or its
/// root's end, which comes before). Held findings wait for the segment
/// before to be reported, so they must stay few: `None` when no record comes
/// within another `max_payload` (a text without records, an export), where
/// no seam may be.
fn held_until(file: &File, begin: u64, stop: u64, max_payload: usize) -> Option<u64> {
    let cap = max_payload as u64;
    let cap_end = begin.saturating_add(cap);
    let fixed = cap_end.saturating_add(REPEAT_REACH);
    // No finding of the segment lies past this: a payload that starts before
    // `stop` runs `max_payload` past it at most.
    let own_end = stop.saturating_add(cap);
    let look_to = own_end.min(cap_end.saturating_add(cap));
    match next_record(file, cap_end.saturating_sub(1), look_to) {
        record if record < look_to => Some(record.max(fixed)),
        _ if look_to == own_end => Some(own_end.max(fixed)),
        _ => None,
    }
}

/// Where the first line at or after `at` (and before `to`) that starts a log
/// record begins; `to` if there is none.
fn next_record(file: &File, at: u64, to: u64) -> u64 {
    let mut chunk = vec![0u8; 64 << 10];
    let mut pos = at;
    while pos < to {
        let n = match read_at(file, &mut chunk, pos) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // The text starts just after a line break, or the break is in it.
        if let Some(start) = scan::new_log_record(&chunk[..n]) {
            return (pos + start as u64).min(to);
        }
        if n < scan::RECORD_HEAD {
            break;
        }
        // Read again from a little before the end: a record's head may be cut.
        pos += (n - scan::RECORD_HEAD) as u64 + 1;
    }
    to
}

/// Line breaks in `from..to` of `file` (fewer if the file is shorter now).
fn count_lines(file: &File, from: u64, to: u64) -> u64 {
    let mut chunk = vec![0u8; 256 << 10];
    let (mut pos, mut count) = (from, 0u64);
    while pos < to {
        let want = usize::try_from(to - pos).unwrap_or(usize::MAX).min(chunk.len());
        let n = match read_at(file, &mut chunk[..want], pos) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        count += memchr::memchr_iter(b'\n', &chunk[..n]).count() as u64;
        pos += n as u64;
    }
    count
}

/// Puts the segments of one file back together, in order.
#[derive(Debug, Default)]
pub(super) struct Stitch {
    /// The end of the last payload the segments so far have read.
    consumed: u64,
    /// Counts over the segments so far.
    stats: Stats,
    /// Held findings and malformed payloads dropped from the current segment.
    dropped: Stats,
    unreadable: Option<String>,
    /// The codes the segments so far ended with, and where: a bare mention
    /// just after one of them repeats it, as one scan would have judged.
    recent: Recent,
    /// The event of the last finding reported, and the events the held
    /// findings kept from the current segment begin (its scan leaves them
    /// uncounted).
    last_event: Option<u64>,
    events: u64,
}

impl Stitch {
    /// Is a held finding new, rather than one the previous segments already
    /// reported (read again, or told again as a bare mention)?
    pub(super) fn keeps(&mut self, f: &Finding) -> bool {
        let end = f.span.offset + f.span.length;
        if self.recent.repeats(f, f.span.offset) {
            self.recent.remember(f, end);
            self.dropped.count(f.class);
            return false;
        }
        if f.span.offset < self.consumed {
            self.dropped.count(f.class);
            return false;
        }
        self.recent.remember(f, end);
        if self.last_event != Some(f.event) {
            self.events += 1;
            self.last_event = Some(f.event);
        }
        true
    }

    /// Is a malformed payload new (not inside one the previous segments read)?
    pub(super) fn keeps_malformed(&mut self, m: &Malformed) -> bool {
        let new = m.span.offset >= self.consumed;
        if !new {
            self.dropped.malformed += 1;
        }
        new
    }

    /// Takes one segment's end in; for the file's last segment, returns the
    /// whole file's result.
    pub(super) fn end(&mut self, part: Scanned, end: SegmentEnd, last: bool) -> Option<Scanned> {
        let dropped = std::mem::take(&mut self.dropped);
        let held_events = std::mem::take(&mut self.events);
        match part.outcome {
            Outcome::Read { mut stats, broke } => {
                stats.take_out(&dropped);
                stats.events += held_events;
                self.stats.add(&stats);
                if broke.is_some() {
                    self.unreadable = broke;
                }
            }
            Outcome::Unreadable(reason) => self.unreadable = Some(reason),
            // A segment the run stopped before reading; segments are never
            // skipped.
            Outcome::Stopped | Outcome::Skipped(_) => {}
        }
        self.consumed = self.consumed.max(end.consumed);
        self.recent.extend(end.recent);
        self.last_event = end.last_event.or(self.last_event);
        if !last {
            return None;
        }
        Some(Scanned { outcome: Outcome::Read { stats: self.stats, broke: self.unreadable.take() }, ..part })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: u64, broke: Option<&str>) -> Scanned {
        let stats = Stats { bytes, ..Stats::default() };
        Scanned::new("big.log".into(), Outcome::Read { stats, broke: broke.map(str::to_owned) })
    }

    #[test]
    fn a_file_in_segments_is_one_read_input_broken_if_any_segment_broke() {
        let mut stitch = Stitch::default();
        assert!(stitch.end(read(10, Some("disk error")), SegmentEnd::default(), false).is_none());
        let whole =
            stitch.end(read(5, None), SegmentEnd::default(), true).expect("the last segment ends the file");
        assert_eq!(whole.path, "big.log");
        match whole.outcome {
            Outcome::Read { stats, broke } => {
                assert_eq!(stats.bytes, 15);
                assert_eq!(broke.as_deref(), Some("disk error"));
            }
            other => panic!("read, not {other:?}"),
        }
    }

    #[test]
    fn the_next_record_is_found_across_the_chunks_it_is_read_in() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("records.log");
        // A record whose head straddles the end of the first 64 KiB read.
        let mut text = "<x>a line that is no record</x>\n".repeat(2047);
        let start = (64 << 10) - 4 - text.len();
        text.push_str(&"y".repeat(start - 1));
        text.push('\n');
        let record = text.len() as u64;
        text.push_str("2026-11-20 08:00:00 INFO a record\nmore\n");
        std::fs::write(&path, &text).expect("write");
        let file = File::open(&path).expect("open");
        let len = text.len() as u64;
        assert_eq!(next_record(&file, 0, len), record);
        assert_eq!(next_record(&file, record - 1, len), record, "a line starting right after `at`");
        assert_eq!(next_record(&file, record, len), len, "none after it");
        assert_eq!(next_record(&file, 0, 100), 100, "none before `to`");
    }

    #[test]
    fn seams_stand_where_a_log_record_comes_soon_after_the_cap() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (segment_len, cap) = (4 << 10, 1 << 10);
        let split = |name: &str, line: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, line.repeat((40 << 10) / line.len())).expect("write");
            segments(&path, std::fs::metadata(&path).expect("size").len(), segment_len, cap)
        };
        let records = split("log.txt", "2026-11-20 08:00:00 INFO a record of its own\n");
        let (_, records) = records.expect("a log is split");
        assert!(records.len() >= 9);
        for s in &records[1..] {
            // Held up to the first record past the cap and the repeat reach.
            assert!(s.events_from >= s.begin + cap as u64 + REPEAT_REACH, "{s:?}");
            assert!(s.events_from < s.begin + cap as u64 + REPEAT_REACH + 64, "{s:?}");
        }
        // The rest of an oversized payload could run on past any seam.
        let row = "a96b552c,Hiro Raman,Error,\"no record starts here\"\n";
        assert!(split("export.csv", row).is_none());
        // Seams that fall in an export within a log move on to where records
        // come again, or go.
        let log = "2026-11-20 08:00:00 INFO a record of its own\n".repeat(400);
        let mixed = format!("{log}{}{log}", row.repeat(300));
        let path = dir.path().join("mixed.log");
        std::fs::write(&path, &mixed).expect("write");
        let (_, mixed_segments) = segments(&path, mixed.len() as u64, segment_len, cap).expect("split");
        let export = log.len() as u64..(mixed.len() - log.len()) as u64;
        for s in &mixed_segments[1..] {
            let cap_end = s.begin + cap as u64;
            assert!(!(export.start..export.end - cap as u64).contains(&cap_end), "{s:?} in {export:?}");
            assert!(s.events_from <= cap_end + cap as u64 + REPEAT_REACH, "{s:?}");
        }
    }

    #[test]
    fn a_segment_the_run_stopped_before_adds_nothing() {
        let mut stitch = Stitch::default();
        let stopped = Scanned::new("big.log".into(), Outcome::Stopped);
        assert!(stitch.end(read(7, None), SegmentEnd::default(), false).is_none());
        let whole = stitch.end(stopped, SegmentEnd::default(), true).expect("the last segment ends the file");
        assert!(matches!(whole.outcome, Outcome::Read { stats, broke: None } if stats.bytes == 7));
    }
}
