//! A whole run: walk the paths, scan every input (in parallel, reported in
//! input order), diagnose each finding and hand everything to a [`Report`].
//!
//! Inputs are scanned on worker threads, each into a buffer of its events; the
//! calling thread reports the buffers strictly in input order, so the output is
//! the same whatever the thread count. A large plain file is split into
//! segments that scan in parallel and are stitched back together (`split`). A
//! run of one thread, or of a single input that is not split, streams instead.
//!
//! Memory: the scanner's own is bounded per input; a buffered input holds its
//! findings until its turn, and the run keeps a slim copy of every finding for
//! the closing correlation, so a run's memory grows with its findings.

mod container;
mod one;
mod pipeline;
mod split;

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::diagnose::{self, RootCause};
use crate::kb;
use crate::model::Finding;
use crate::report::Report;
use crate::scan::{Event, ScanConfig, Stats};
use crate::walk::{self, Target, WalkConfig};

use split::Stitch;

pub use one::Scanned;

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Files and folders to scan; `-` is standard input.
    pub paths: Vec<PathBuf>,
    /// How to walk folders.
    pub walk: WalkConfig,
    /// How to scan each input.
    pub scan: ScanConfig,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// A plain file at least three times this long is scanned in segments of
    /// about this many bytes, in parallel (default 16 MiB).
    pub segment_len: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            paths: Vec::new(),
            walk: WalkConfig::default(),
            scan: ScanConfig::default(),
            threads: 0,
            segment_len: 16 << 20,
        }
    }
}

/// A path and why it was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The path as shown to the user.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// What a run did, for the exit status and the closing summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Inputs scanned.
    pub inputs: u64,
    /// Counts over all inputs.
    #[serde(flatten)]
    pub stats: Stats,
    /// Inputs left out on purpose (binary files found while walking).
    pub skipped: Vec<Note>,
    /// Inputs that could not be read.
    pub unreadable: Vec<Note>,
    /// What went wrong, ranked: the mailboxes each cause hits and its fix.
    pub root_causes: Vec<RootCause>,
}

impl Summary {
    /// Did anything count for the exit status (an error, warning or alert)?
    pub fn has_problems(&self) -> bool {
        self.stats.has_problems()
    }
}

/// Scans everything under `config.paths` into `report`. An error is a failure
/// to write the report (a closed pipe, say); unreadable inputs are not errors
/// but notes in the summary.
pub fn run(config: &RunConfig, report: &mut dyn Report) -> io::Result<Summary> {
    let targets = walk::targets(&config.paths, &config.walk);
    let threads = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let jobs = split::plan(&targets, threads, config.segment_len);
    let mut out = Output { report, summary: Summary::default(), kept: Vec::new(), stitch: Stitch::default() };
    if threads == 1 || jobs.len() <= 1 {
        for target in &targets {
            out.stream(target, &config.scan)?;
        }
    } else {
        pipeline::run(&jobs, &config.scan, threads, &mut |done| out.take(done))?;
    }
    let Output { report, mut summary, kept, .. } = out;
    summary.root_causes = diagnose::correlate(&kept, kb::knowledge_base());
    report.finish(&summary)?;
    Ok(summary)
}

/// The reporting side of a run: the report, the counts, and the slim copies of
/// findings kept for the closing correlation.
struct Output<'r> {
    report: &'r mut dyn Report,
    summary: Summary,
    kept: Vec<Finding>,
    /// The segments of the large file being put back together.
    stitch: Stitch,
}

impl Output<'_> {
    /// Scans one target on this thread, reporting as it goes.
    fn stream(&mut self, target: &Target, config: &ScanConfig) -> io::Result<()> {
        let stop = AtomicBool::new(false);
        let mut failed = None;
        let scanned = one::scan(target, config, &stop, &mut |event| {
            if failed.is_some() {
                return;
            }
            if let Err(error) = self.event(event) {
                // The report can take no more (a closed pipe): stop reading.
                stop.store(true, Ordering::Relaxed);
                failed = Some(error);
            }
        });
        match failed {
            Some(error) => Err(error),
            None => self.account(scanned),
        }
    }

    /// Reports a buffered target's events, then its notes; a segment of a
    /// large file is stitched to the ones before it, and the file is counted
    /// with its last segment.
    fn take(&mut self, (scanned, part): pipeline::Done) -> io::Result<()> {
        let (mut scanned, whole) = match part {
            None => (scanned, true),
            Some((end, last)) => {
                let stitched = self.stitch.add(scanned, end, last);
                if last {
                    self.stitch = Stitch::default();
                }
                stitched
            }
        };
        for event in std::mem::take(&mut scanned.events) {
            self.event(event)?;
        }
        if whole { self.account(scanned) } else { Ok(()) }
    }

    fn event(&mut self, event: Event) -> io::Result<()> {
        match event {
            Event::Finding(finding) => {
                self.report.finding(&finding)?;
                self.kept.push(one::slim(&finding));
                Ok(())
            }
            Event::Malformed(malformed) => self.report.malformed(&malformed),
        }
    }

    fn account(&mut self, scanned: Scanned) -> io::Result<()> {
        let Scanned {
            path, stats, skipped, unreadable, scanned: read, parts_skipped, parts_unreadable, ..
        } = scanned;
        for note in parts_skipped {
            self.report.skipped(&note.path, &note.reason)?;
            self.summary.skipped.push(note);
        }
        for note in parts_unreadable {
            self.report.unreadable(&note.path, &note.reason)?;
            self.summary.unreadable.push(note);
        }
        if let Some(reason) = skipped {
            self.report.skipped(&path, &reason)?;
            self.summary.skipped.push(Note { path, reason });
            return Ok(());
        }
        if read {
            self.summary.inputs += 1;
            self.summary.stats.add(&stats);
            self.report.input_done(&path, &stats)?;
        }
        if let Some(reason) = unreadable {
            self.report.unreadable(&path, &reason)?;
            self.summary.unreadable.push(Note { path, reason });
        }
        Ok(())
    }
}
