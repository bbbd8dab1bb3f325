//! Splitting one large log into segments that scan in parallel, and putting
//! their findings back together as one scan would have reported them.
//!
//! Only plain UTF-8 files are split (gzip and UTF-16 streams cannot be entered
//! in the middle). Segments start at line starts; each reads a little of the
//! previous segment first, so an alert's sentence before its label is there,
//! but reads anchors only from its own start. A payload that runs over a
//! boundary is read whole by the segment it starts in; the next one drops its
//! own partial reading of it.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::input::{self, Origin};
use crate::model::{Class, Encoding, Finding, Shape};
use crate::scan::{Event, REPEAT_REACH, Segment, SegmentEnd, Stats};
use crate::walk::Target;

use super::one::Scanned;

/// A file is split only into this many segments or more: fewer would not pay
/// for the setting up.
const MIN_SEGMENTS: u64 = 3;
/// How much of the previous segment a segment reads first: what the scanner
/// itself keeps behind its position.
const OVERLAP: u64 = crate::scan::LOOKBACK as u64;

/// One unit of work: a whole input, or one segment of a large file.
#[derive(Debug, Clone)]
pub(super) enum Job<'t> {
    /// Scan this target whole.
    Whole(&'t Target),
    /// Scan one segment of a plain UTF-8 file.
    Part { origin: &'t Origin, segment: Segment, last: bool },
}

/// The jobs for `targets`: large plain files split into segments of about
/// `segment_len` bytes.
pub(super) fn plan(targets: &[Target], threads: usize, segment_len: u64) -> Vec<Job<'_>> {
    let mut jobs = Vec::with_capacity(targets.len());
    for target in targets {
        let segments = match target {
            // Archives and workbooks are read whole, never split.
            Target::Input { origin: origin @ Origin::File(path), .. }
                if threads > 1 && input::Container::of_path(path).is_none() =>
            {
                segments(path, segment_len.max(1)).map(|s| (origin, s))
            }
            _ => None,
        };
        match segments {
            Some((origin, segments)) => {
                let count = segments.len();
                jobs.extend(segments.into_iter().enumerate().map(|(i, segment)| Job::Part {
                    origin,
                    segment,
                    last: i + 1 == count,
                }));
            }
            None => jobs.push(Job::Whole(target)),
        }
    }
    jobs
}

/// The segments of a file worth splitting, or `None` to scan it whole.
fn segments(path: &Path, segment_len: u64) -> Option<Vec<Segment>> {
    let len = path.metadata().ok()?.len();
    if len < segment_len.saturating_mul(MIN_SEGMENTS) {
        return None;
    }
    let mut file = File::open(path).ok()?;
    let mut head = vec![0u8; 8192];
    let read = file.read(&mut head).ok()?;
    head.truncate(read);
    let sniffed = input::sniff(&head);
    if head.starts_with(&[0x1f, 0x8b]) || sniffed.encoding != Encoding::Utf8 || sniffed.binary {
        return None;
    }
    let mut starts = vec![0u64];
    let mut at = segment_len;
    while at < len {
        let start = next_line_start(&mut file, at)?;
        if start >= len {
            break;
        }
        if start > *starts.last()? {
            starts.push(start);
        }
        at = start + segment_len;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &begin) in starts.iter().enumerate() {
        let stop = starts.get(i + 1).copied().unwrap_or(len);
        let read_from = if begin == 0 {
            0
        } else {
            next_line_start(&mut file, begin.saturating_sub(OVERLAP))?.min(begin)
        };
        out.push(Segment { read_from, begin, stop });
    }
    (out.len() > 1).then_some(out)
}

/// The offset just after the first line break at or after `at` (the end of
/// the file if there is none).
fn next_line_start(file: &mut File, at: u64) -> Option<u64> {
    file.seek(SeekFrom::Start(at)).ok()?;
    let mut chunk = [0u8; 4096];
    let mut pos = at;
    loop {
        let n = file.read(&mut chunk).ok()?;
        if n == 0 {
            return Some(pos);
        }
        if let Some(i) = memchr::memchr(b'\n', &chunk[..n]) {
            return Some(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}

/// Opens a file positioned at a segment's `read_from`.
pub(super) fn open_segment(path: &Path, segment: Segment) -> io::Result<File> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(segment.read_from))?;
    Ok(file)
}

/// Puts the segments of one file back together, in order.
#[derive(Debug, Default)]
pub(super) struct Stitch {
    /// Line breaks in the file before the current segment's `begin`.
    lines_before_begin: u64,
    /// The end of the last payload the segments so far have read.
    consumed: u64,
    /// Counts over the segments so far.
    stats: Stats,
    unreadable: Option<String>,
    /// The codes the segments so far ended with, and where: a bare mention
    /// just after one of them repeats it, as one scan would have judged.
    recent: Vec<(String, u64)>,
}

impl Stitch {
    /// Fixes one segment's findings in place: line numbers made global, and
    /// any finding the previous segment already read (one payload across the
    /// boundary) dropped. When `last`, returns the whole file's result.
    pub(super) fn add(&mut self, mut part: Scanned, end: SegmentEnd, last: bool) -> (Scanned, bool) {
        // Lines in the file before this segment's `read_from`.
        let shift = self.lines_before_begin.saturating_sub(end.lines_before_begin);
        let consumed = self.consumed;
        let stats = &mut part.stats;
        let recent = &self.recent;
        let repeats = |f: &Finding| {
            f.shape == Shape::Mention
                && recent
                    .iter()
                    .any(|(code, end)| *code == f.code && f.span.offset.saturating_sub(*end) < REPEAT_REACH)
        };
        part.events.retain_mut(|event| match event {
            Event::Finding(f) if f.span.offset < consumed || repeats(f) => {
                forget(stats, f.class);
                false
            }
            Event::Malformed(m) if m.span.offset < consumed => {
                stats.malformed = stats.malformed.saturating_sub(1);
                false
            }
            Event::Finding(f) => {
                f.span.line += shift;
                true
            }
            Event::Malformed(m) => {
                m.span.line += shift;
                true
            }
        });
        for event in &part.events {
            if let Event::Finding(f) = event {
                let end = f.span.offset + f.span.length;
                self.recent.extend(std::iter::once(&f.code).chain(&f.inner_code).map(|c| (c.clone(), end)));
            }
        }
        let keep = self.recent.len().saturating_sub(16);
        self.recent.drain(..keep);
        self.lines_before_begin += end.lines_before_stop.saturating_sub(end.lines_before_begin);
        self.consumed = self.consumed.max(end.consumed);
        self.stats.add(&part.stats);
        if part.unreadable.is_some() {
            self.unreadable = part.unreadable.take();
        }
        part.scanned = false;
        if last {
            part.stats = self.stats;
            part.unreadable = self.unreadable.take();
            part.scanned = true;
        }
        (part, last)
    }
}

/// Takes a dropped finding out of the counts.
fn forget(stats: &mut Stats, class: Option<Class>) {
    stats.findings = stats.findings.saturating_sub(1);
    let counter = match class {
        Some(Class::Error) => &mut stats.errors,
        Some(Class::Warning) => &mut stats.warnings,
        Some(Class::Success) => &mut stats.successes,
        None => &mut stats.unclassed,
    };
    *counter = counter.saturating_sub(1);
}
