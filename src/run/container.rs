//! Scanning inputs that hold other inputs: the members of a zip archive, each
//! scanned as a file of its own (`logs.zip!server/a.log`), and the cells of a
//! workbook, each scanned as a text, its findings placed at the cell
//! (`Alerts!D2`) and given the row's mailbox and time.
//!
//! A member or sheet that cannot be read is noted and the rest still scans.

use std::io::{Cursor, Read};
use std::ops::ControlFlow;
use std::path::Path;

use crate::input::excel::{self, Row};
use crate::input::zip::{self, ArchiveLimits, Content};
use crate::input::{self, Container};
use crate::model::Stats;
use crate::scan::{self, Event, ScanConfig, SourceInfo};

use super::Note;
use super::one::{Outcome, Scanned};

/// Scans the container at `file` (shown as `path`), handing every event to
/// `sink` until it answers `Break`.
pub(super) fn scan(
    file: &Path,
    path: String,
    container: Container,
    config: &ScanConfig,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> Scanned {
    // Set once the sink wants no more: the remaining members are not read.
    let stopped = std::cell::Cell::new(false);
    let mut sink = |event| {
        let flow = sink(event);
        stopped.set(stopped.get() || flow.is_break());
        flow
    };
    let sink: &mut dyn FnMut(Event) -> ControlFlow<()> = &mut sink;
    let mut scanned = Scanned::new(path.clone(), Outcome::Read { stats: Stats::default(), broke: None });
    match container {
        Container::Zip => {
            let limits = ArchiveLimits::default();
            let outcome = zip::members(file, &path, &limits, &mut |member| {
                if stopped.get() {
                    return;
                }
                match member.content {
                    Content::File(stream) => scan_member(member.name, stream, config, sink, &mut scanned),
                    Content::Workbook(kind, bytes) => {
                        scan_workbook(Cursor::new(bytes), kind, &member.name, config, sink, &mut scanned);
                    }
                    Content::Unreadable(reason) => {
                        scanned.parts_unreadable.push(Note { path: member.name, reason })
                    }
                }
            });
            if let Err(error) = outcome {
                return Scanned::unreadable(path, error.to_string());
            }
        }
        Container::Xlsx | Container::Xls => match std::fs::read(file) {
            Ok(bytes) => {
                // A workbook whose only trouble is the whole of it stays one note.
                if !scan_workbook(Cursor::new(bytes), container, &path, config, sink, &mut scanned) {
                    scanned.outcome = match scanned.parts_unreadable.pop() {
                        Some(note) => Outcome::Unreadable(note.reason),
                        None => Outcome::Stopped,
                    };
                }
            }
            Err(error) => return Scanned::unreadable(path, error.to_string()),
        },
    }
    scanned
}

/// Scans one archive member as a file: gunzipped and transcoded as a file on
/// disk would be; a member that is binary data is skipped, as a file found
/// while walking would be.
fn scan_member(
    name: String,
    stream: Box<dyn Read + Send>,
    config: &ScanConfig,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
    scanned: &mut Scanned,
) {
    let opened = match input::decode(stream) {
        Ok(opened) => opened,
        Err(error) => {
            scanned.parts_unreadable.push(Note { path: name, reason: error.to_string() });
            return;
        }
    };
    if opened.binary {
        let reason = "binary data inside the archive".to_string();
        scanned.parts_skipped.push(Note { path: name, reason });
        return;
    }
    let source = SourceInfo { path: name.clone(), encoding: opened.encoding };
    match scan::scan_reader(opened.reader, &source, config, sink) {
        Ok(stats) => scanned.count(&stats),
        Err(failed) => {
            scanned.count(&failed.stats);
            scanned.parts_unreadable.push(Note { path: name, reason: failed.to_string() });
        }
    }
}

/// Scans every text cell of a workbook. False when the workbook could not be
/// opened at all (the reason is noted).
fn scan_workbook(
    bytes: Cursor<Vec<u8>>,
    container: Container,
    path: &str,
    config: &ScanConfig,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
    scanned: &mut Scanned,
) -> bool {
    let source = SourceInfo { path: path.to_string(), encoding: crate::model::Encoding::Utf8 };
    let mut stats = Stats::default();
    // A row is one event, named by its sheet's place and its row number.
    let mut sheets: Vec<String> = Vec::new();
    let outcome = excel::rows(bytes, container, &mut |row| {
        if sheets.last() != Some(&row.sheet) {
            sheets.push(row.sheet.clone());
        }
        let number = row.cells.first().map_or(0, |c| row_number(&c.reference));
        let id = ((sheets.len() as u64 - 1) << 32) | number;
        scan_row(&row, id, &source, config, sink, &mut stats)
    });
    scanned.count(&stats);
    match outcome {
        Ok(problems) => {
            for problem in problems {
                let sheet = problem.sheet.unwrap_or_default();
                scanned
                    .parts_unreadable
                    .push(Note { path: format!("{path}!{sheet}"), reason: problem.reason });
            }
            true
        }
        Err(problem) => {
            scanned.parts_unreadable.push(Note { path: path.to_string(), reason: problem.reason });
            false
        }
    }
}

/// Scans each text cell of `row` on its own: a finding is placed at its cell
/// (its span measured within the cell) and takes the row's mailbox and time
/// when its own text names none. Cells are not joined into one text: an
/// alert line would then take the cell before it for its sentence.
fn scan_row(
    row: &Row,
    id: u64,
    source: &SourceInfo,
    config: &ScanConfig,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
    stats: &mut Stats,
) {
    let mut row_stats = Stats::default();
    // The row's findings are one event, counted once.
    let stats_row = |row_stats: &mut Stats, stats: &mut Stats| {
        row_stats.events = u64::from(row_stats.findings > 0);
        stats.add(row_stats);
    };
    let row_time = row.time.as_deref().map(|text| (scan::rfc3339(text), text.to_string()));
    for cell in &row.cells {
        // A cell is short: no need for the scanner's usual read buffer.
        let config = ScanConfig { read_size: cell.text.len() + 1, ..config.clone() };
        let mut stopped = false;
        let outcome = scan::scan_reader(cell.text.as_bytes(), source, &config, &mut |event| {
            let flow = match event {
                Event::Finding(mut finding) => {
                    finding.sheet = Some(row.sheet.clone());
                    finding.cell = Some(cell.reference.clone());
                    if finding.mailbox.is_none() {
                        finding.mailbox.clone_from(&row.mailbox);
                    }
                    finding.event = id;
                    if finding.time.is_none()
                        && let Some((time, text)) = &row_time
                    {
                        finding.time.clone_from(time);
                        finding.time_text = Some(text.clone());
                    }
                    sink(Event::Finding(finding))
                }
                Event::Malformed(mut malformed) => {
                    malformed.path = format!("{} {}!{}", malformed.path, row.sheet, cell.reference);
                    sink(Event::Malformed(malformed))
                }
                // A cell is scanned whole, never in segments.
                Event::Context(_) => ControlFlow::Continue(()),
            };
            stopped |= flow.is_break();
            flow
        });
        // Reading from memory cannot fail; the counts are kept either way.
        row_stats.add(&outcome.unwrap_or_else(|failed| failed.stats));
        if stopped {
            stats_row(&mut row_stats, stats);
            return;
        }
    }
    stats_row(&mut row_stats, stats);
}

/// The row number of an A1-style reference (`2` in `D2`).
fn row_number(reference: &str) -> u64 {
    reference.trim_start_matches(|c: char| c.is_ascii_alphabetic()).parse().unwrap_or(0)
}
