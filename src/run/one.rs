//! Scanning one input, or one segment of a large file: open it, leave binary
//! files found by walking alone, scan it, and diagnose each finding as it is
//! found, once per kind of finding.

use std::fs::File;
use std::io::{self, Read};
use std::ops::ControlFlow;

use super::clock::{Clock, Phase};
use crate::diagnose::{MailboxCodes, Memo, SEEN_REACH};
use crate::input::{self, Origin};
use crate::kb;
use crate::model::{Encoding, Finding, Stats};
use crate::scan::{self, Event, ReadError, ScanConfig, Segment, SegmentEnd, SourceInfo};
use crate::walk::Target;

use super::Note;

/// What scanning one target gave, besides its events.
#[derive(Debug)]
pub struct Scanned {
    /// The path as shown to the user.
    pub path: String,
    /// How reading it went.
    pub outcome: Outcome,
    /// Parts of a container (archive members, sheets) left out on purpose.
    pub parts_skipped: Vec<Note>,
    /// Parts of a container that could not be read; the rest was scanned.
    pub parts_unreadable: Vec<Note>,
}

/// How reading one target went: exactly one of these.
#[derive(Debug)]
pub enum Outcome {
    /// The run stopped before it was read.
    Stopped,
    /// Left out on purpose, for this reason.
    Skipped(String),
    /// It could not be opened or read at all, for this reason.
    Unreadable(String),
    /// It was read, to the end or until reading broke part way.
    Read {
        /// Its counts.
        stats: Stats,
        /// Why reading stopped part way, if it did.
        broke: Option<String>,
    },
}

/// The file and its kind, when `origin` is an archive or a workbook: known
/// by its name, or for a file the user named, also by its first bytes (a
/// `.docx` found while walking is a zip archive too, but not a log's).
fn container(origin: &Origin, explicit: bool) -> Option<(&std::path::Path, input::Container)> {
    let Origin::File(file) = origin else { return None };
    let container = if explicit {
        input::Container::of_path(file)
    } else {
        input::Container::of_name(&file.file_name()?.to_string_lossy())
    };
    container.map(|c| (file.as_path(), c))
}

/// Scans `target`, handing each event to `sink` until it answers `Break`.
pub(super) fn scan(
    target: &Target,
    config: &ScanConfig,
    clock: Option<&Clock>,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> Scanned {
    let (origin, explicit) = match target {
        Target::Input { origin, explicit } => (origin, *explicit),
        Target::Unreadable { path, reason } => return Scanned::unreadable(path.clone(), reason.clone()),
    };
    let path = origin.display();
    if let Some((file, container)) = container(origin, explicit) {
        return super::container::scan(
            file,
            path,
            container,
            config,
            &mut diagnosing(Diagnoser::new(), clock, sink),
        );
    }
    let opened = match input::open(origin) {
        Ok(opened) => opened,
        Err(error) => return Scanned::unreadable(path, error.to_string()),
    };
    if opened.binary && !explicit {
        let reason = "binary data (name the file to scan it anyway)".to_string();
        return Scanned::new(path, Outcome::Skipped(reason));
    }
    let source = SourceInfo { path: path.clone(), encoding: opened.encoding };
    let result =
        scan::scan_reader(opened.reader, &source, config, &mut diagnosing(Diagnoser::new(), clock, sink));
    Scanned::ended(path, result)
}

/// Scans one segment of a large plain file, read from the handle all its
/// segments share.
pub(super) fn scan_part(
    file: &File,
    path: String,
    segment: Segment,
    config: &ScanConfig,
    clock: Option<&Clock>,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> PartScanned {
    let source = SourceInfo { path: path.clone(), encoding: Encoding::Utf8 };
    let reader = At { file, pos: segment.read_from };
    match scan::scan_segment(reader, &source, config, segment, &mut diagnosing(Diagnoser::new(), clock, sink))
    {
        Ok(done) => PartScanned { scanned: Scanned::ended(path, Ok(done.stats)), end: done.end },
        Err(failed) => PartScanned { scanned: Scanned::ended(path, Err(failed)), end: SegmentEnd::default() },
    }
}

/// What scanning one segment of a file gave.
pub(super) struct PartScanned {
    /// As for a whole target.
    pub scanned: Scanned,
    /// How the segment ended, for putting the file back together.
    pub end: SegmentEnd,
}

impl Scanned {
    pub(super) fn new(path: String, outcome: Outcome) -> Scanned {
        Scanned { path, outcome, parts_skipped: Vec::new(), parts_unreadable: Vec::new() }
    }

    pub(super) fn unreadable(path: String, reason: String) -> Scanned {
        Scanned::new(path, Outcome::Unreadable(reason))
    }

    /// A scan that ran, to the end or until a read failed part way.
    fn ended(path: String, result: Result<Stats, ReadError>) -> Scanned {
        let outcome = match result {
            Ok(stats) => Outcome::Read { stats, broke: None },
            Err(failed) => Outcome::Read { stats: failed.stats, broke: Some(failed.to_string()) },
        };
        Scanned::new(path, outcome)
    }

    /// Adds `stats` to the counts of what was read; nothing when nothing was.
    pub(super) fn count(&mut self, more: &Stats) {
        if let Outcome::Read { stats, .. } = &mut self.outcome {
            stats.add(more);
        }
    }

    /// Findings the filters left out, counted when the target was read.
    pub(super) fn leave_out(&mut self, left_out: &Stats) {
        if let Outcome::Read { stats, .. } = &mut self.outcome {
            stats.leave_out(left_out);
        }
    }
}

/// Passes events on to `sink`, each finding diagnosed first.
fn diagnosing<'a>(
    mut doctor: Diagnoser,
    clock: Option<&'a Clock>,
    sink: &'a mut dyn FnMut(Event) -> ControlFlow<()>,
) -> impl FnMut(Event) -> ControlFlow<()> + 'a {
    move |event| match event {
        // The findings before a segment are neighbours, not findings of its own.
        Event::Context(finding) => {
            doctor.seen.add(&finding);
            ControlFlow::Continue(())
        }
        Event::Finding(mut finding) => {
            Clock::time(clock, Phase::Diagnose, || doctor.prepare(&mut finding));
            sink(Event::Finding(finding))
        }
        other => sink(other),
    }
}

/// Diagnoses the findings of one input as they are found, on the thread that
/// scans it. `seen-with` evidence counts the codes met in the last
/// [`SEEN_REACH`] bytes of that input: an alert and its View Details stand
/// together. Correlation across findings and inputs is the summary's.
struct Diagnoser {
    seen: MailboxCodes,
    memo: Memo,
}

impl Diagnoser {
    fn new() -> Diagnoser {
        Diagnoser { seen: MailboxCodes::within(SEEN_REACH), memo: Memo::default() }
    }

    fn prepare(&mut self, finding: &mut Finding) {
        self.seen.add(finding);
        finding.diagnosis = self.memo.diagnose(finding, kb::knowledge_base(), &self.seen);
    }
}

/// Reads a shared file from a position of its own, so the segments of one
/// file can be read at once through one handle (a file removed during the
/// scan stays readable to all of them).
struct At<'f> {
    file: &'f File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_at(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reads from `offset` without moving the file's own position.
pub(super) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
}
