//! Scanning one input: open it, leave binary files found by walking alone,
//! scan it, and diagnose each finding as it is found.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::diagnose::{self, MailboxCodes};
use crate::input::{self, Origin};
use crate::kb;
use crate::model::Encoding;
use crate::model::Finding;
use crate::scan::{self, Event, ReadError, ScanConfig, Segment, SegmentEnd, SourceInfo, Stats};
use crate::walk::Target;

use super::{Note, split};

/// What scanning one target gave.
#[derive(Debug, Default)]
pub struct Scanned {
    /// The path as shown to the user.
    pub path: String,
    /// Its events, when they were buffered rather than streamed.
    pub events: Vec<Event>,
    /// Its counts.
    pub stats: Stats,
    /// It was read (not skipped, and opened).
    pub scanned: bool,
    /// Why it was left out on purpose.
    pub skipped: Option<String>,
    /// Why it could not be read (wholly or part way).
    pub unreadable: Option<String>,
    /// Parts of a container (archive members, sheets) left out on purpose.
    pub parts_skipped: Vec<Note>,
    /// Parts of a container that could not be read; the rest was scanned.
    pub parts_unreadable: Vec<Note>,
}

/// The file and its kind, when `origin` is an archive or a workbook.
fn container(origin: &Origin) -> Option<(&std::path::Path, input::Container)> {
    match origin {
        Origin::File(file) => input::Container::of_path(file).map(|c| (file.as_path(), c)),
        Origin::Stdin => None,
    }
}

/// Scans `target`, handing each event to `sink`; stops reading once `stop` is
/// set.
pub(super) fn scan(
    target: &Target,
    config: &ScanConfig,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Event),
) -> Scanned {
    let (origin, explicit) = match target {
        Target::Input { origin, explicit } => (origin, *explicit),
        Target::Unreadable { path, reason } => return Scanned::unreadable(path.clone(), reason.clone()),
    };
    let path = origin.display();
    if let Some((file, container)) = container(origin) {
        return super::container::scan(file, path, container, config, stop, &mut diagnosing(sink));
    }
    let opened = match input::open(origin) {
        Ok(opened) => opened,
        Err(error) => return Scanned::unreadable(path, error.to_string()),
    };
    if opened.binary && !explicit {
        let reason = "binary data (name the file to scan it anyway)".to_string();
        return Scanned { path, skipped: Some(reason), ..Scanned::default() };
    }
    let source = SourceInfo { path: path.clone(), encoding: opened.encoding };
    let reader = Stoppable { inner: opened.reader, stop };
    let result = scan::scan_reader(reader, &source, config, &mut diagnosing(sink));
    Scanned::ended(path, result)
}

/// Scans one segment of a large plain file into a buffer of its events.
pub(super) fn buffer_part(
    origin: &Origin,
    segment: Segment,
    config: &ScanConfig,
    stop: &AtomicBool,
) -> (Scanned, SegmentEnd) {
    let path = origin.display();
    let opened = match origin {
        Origin::File(file) => split::open_segment(file, segment).map_err(|e| e.to_string()),
        Origin::Stdin => Err("standard input cannot be split".to_string()),
    };
    let reader = match opened {
        Ok(reader) => Stoppable { inner: reader, stop },
        Err(reason) => return (Scanned::unreadable(path, reason), SegmentEnd::default()),
    };
    let source = SourceInfo { path: path.clone(), encoding: Encoding::Utf8 };
    let mut events = Vec::new();
    let result =
        scan::scan_segment(reader, &source, config, segment, &mut diagnosing(&mut |e| events.push(e)));
    let (result, end) = match result {
        Ok((stats, end)) => (Ok(stats), end),
        Err(failed) => (Err(failed), SegmentEnd::default()),
    };
    let mut scanned = Scanned::ended(path, result);
    scanned.events = events;
    (scanned, end)
}

impl Scanned {
    fn unreadable(path: String, reason: String) -> Scanned {
        Scanned { path, unreadable: Some(reason), ..Scanned::default() }
    }

    /// A scan that ran, to the end or until a read failed part way.
    fn ended(path: String, result: Result<Stats, ReadError>) -> Scanned {
        match result {
            Ok(stats) => Scanned { path, stats, scanned: true, ..Scanned::default() },
            Err(failed) => Scanned {
                path,
                stats: failed.stats,
                scanned: true,
                unreadable: Some(failed.to_string()),
                ..Scanned::default()
            },
        }
    }
}

/// Passes events on to `sink`, each finding diagnosed first.
fn diagnosing(sink: &mut dyn FnMut(Event)) -> impl FnMut(Event) + '_ {
    let mut doctor = Diagnoser::default();
    move |event| match event {
        Event::Finding(mut finding) => {
            doctor.prepare(&mut finding);
            sink(Event::Finding(finding));
        }
        other => sink(other),
    }
}

/// Scans `target` into a buffer of its events, for reporting later in order.
pub(super) fn buffer(target: &Target, config: &ScanConfig, stop: &AtomicBool) -> Scanned {
    let mut events = Vec::new();
    let mut scanned = scan(target, config, stop, &mut |event| events.push(event));
    scanned.events = events;
    scanned
}

/// A reader that ends early once `stop` is set (the report can take no more).
struct Stoppable<'a, R> {
    inner: R,
    stop: &'a AtomicBool,
}

impl<R: Read> Read for Stoppable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) { Ok(0) } else { self.inner.read(buf) }
    }
}

/// Diagnoses the findings of one input as they are found, on the thread that
/// scans it. `seen-with` evidence counts the codes met so far in that input:
/// an alert and its View Details stand together, and the same answer comes
/// out whatever the thread count. Correlation across inputs is the summary's.
#[derive(Default)]
struct Diagnoser {
    seen: MailboxCodes,
}

impl Diagnoser {
    fn prepare(&mut self, finding: &mut Finding) {
        self.seen.add(finding);
        finding.diagnosis = diagnose::diagnose(finding, kb::knowledge_base(), &self.seen);
    }
}

/// A kept finding's texts are cut to this many characters: correlation reads
/// words near their start, and a run over millions of findings must stay small.
const KEPT_TEXT: usize = 240;

/// The copy of a finding kept for the closing correlation: no payload text,
/// short texts.
pub(super) fn slim(finding: &Finding) -> Finding {
    // Cloned field by field, so that the payload text is never copied.
    let mut slim = Finding {
        path: finding.path.clone(),
        code: finding.code.clone(),
        inner_code: finding.inner_code.clone(),
        message: finding.message.clone(),
        operation: finding.operation.clone(),
        details: finding.details.clone(),
        mailbox: finding.mailbox.clone(),
        profile: finding.profile.clone(),
        time: finding.time.clone(),
        diagnosis: finding.diagnosis.clone(),
        span: finding.span,
        wrapping: finding.wrapping,
        encoding: finding.encoding,
        class: finding.class,
        truncated: finding.truncated,
        marks: finding.marks,
        ..Finding::new(finding.shape, String::new())
    };
    if let Some(message) = slim.message.as_mut() {
        truncate(message);
    }
    for value in slim.details.values_mut() {
        truncate(value);
    }
    slim
}

fn truncate(text: &mut String) {
    if let Some((cut, _)) = text.char_indices().nth(KEPT_TEXT) {
        text.truncate(cut);
    }
}
