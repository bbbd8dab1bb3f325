//! A whole run: walk the paths, scan every input (in parallel, output in input
//! order), diagnose each finding and hand everything to a [`Report`].

use std::cell::Cell;
use std::io::{self, Read};
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnose::{self, MailboxCodes, RootCause};
use crate::input::{self, Origin};
use crate::kb;
use crate::model::Finding;
use crate::report::Report;
use crate::scan::{self, Event, ScanConfig, SourceInfo, Stats};
use crate::walk::{self, Target, WalkConfig};

/// Everything a run needs to know.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    /// Files and folders to scan; `-` is standard input.
    pub paths: Vec<PathBuf>,
    /// How to walk folders.
    pub walk: WalkConfig,
    /// How to scan each input.
    pub scan: ScanConfig,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
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

/// What scanning one input gave, held until its turn to be reported.
struct Scanned {
    path: String,
    events: Vec<Event>,
    stats: Stats,
    skipped: Option<String>,
    unreadable: Option<String>,
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

/// A kept finding's message is cut to this many characters: correlation reads
/// words at its start, and a run over millions of findings must stay small.
const KEPT_MESSAGE: usize = 240;

/// The copy of a finding kept for the closing correlation: no payload text,
/// short texts.
fn slim(finding: &Finding) -> Finding {
    let mut slim = Finding { source: None, ..finding.clone() };
    shorten(&mut slim.message);
    for value in slim.details.values_mut() {
        truncate(value);
    }
    slim
}

fn shorten(text: &mut Option<String>) {
    if let Some(text) = text.as_mut() {
        truncate(text);
    }
}

fn truncate(text: &mut String) {
    if let Some((cut, _)) = text.char_indices().nth(KEPT_MESSAGE) {
        text.truncate(cut);
    }
}

/// How many inputs are scanned ahead of the one being reported, per thread:
/// enough to keep every core busy, few enough to bound what waits in memory.
const AHEAD_PER_THREAD: usize = 4;

/// Scans everything under `config.paths` into `report`. An error is a failure
/// to write the report (a closed pipe, say); unreadable inputs are not errors
/// but notes in the summary.
pub fn run(config: &RunConfig, report: &mut dyn Report) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let targets = walk::targets(&config.paths, &config.walk);
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(config.threads).build().map_err(io::Error::other)?;
    let threads = pool.current_num_threads().max(1);
    let mut inputs = Vec::new();
    let mut kept = Vec::new();
    for target in targets {
        match target {
            Target::Unreadable { path, reason } => {
                flush(&pool, config, &mut inputs, report, &mut summary, &mut kept)?;
                report.unreadable(&path, &reason)?;
                summary.unreadable.push(Note { path, reason });
            }
            Target::Input { origin, explicit } => {
                inputs.push((origin, explicit));
                if inputs.len() >= threads * AHEAD_PER_THREAD {
                    flush(&pool, config, &mut inputs, report, &mut summary, &mut kept)?;
                }
            }
        }
    }
    flush(&pool, config, &mut inputs, report, &mut summary, &mut kept)?;
    summary.root_causes = diagnose::correlate(&kept, kb::knowledge_base());
    report.finish(&summary)?;
    Ok(summary)
}

/// Scans the waiting inputs and reports them in order. A lone input streams
/// straight to the report, so a single huge log never waits in memory.
fn flush(
    pool: &rayon::ThreadPool,
    config: &RunConfig,
    inputs: &mut Vec<(Origin, bool)>,
    report: &mut dyn Report,
    summary: &mut Summary,
    kept: &mut Vec<Finding>,
) -> io::Result<()> {
    if inputs.len() == 1 || pool.current_num_threads() == 1 {
        for (origin, explicit) in inputs.drain(..) {
            let scanned = stream_one(&origin, explicit, &config.scan, report, kept)?;
            account(scanned, report, summary)?;
        }
        return Ok(());
    }
    let scanned: Vec<Scanned> = pool.install(|| {
        inputs.par_iter().map(|(origin, explicit)| buffer_one(origin, *explicit, &config.scan)).collect()
    });
    inputs.clear();
    for mut one in scanned {
        for event in std::mem::take(&mut one.events) {
            emit(event, report, kept)?;
        }
        account(one, report, summary)?;
    }
    Ok(())
}

fn account(one: Scanned, report: &mut dyn Report, summary: &mut Summary) -> io::Result<()> {
    if let Some(reason) = one.skipped {
        report.skipped(&one.path, &reason)?;
        summary.skipped.push(Note { path: one.path, reason });
        return Ok(());
    }
    summary.inputs += 1;
    summary.stats.add(&one.stats);
    if let Some(reason) = one.unreadable {
        report.unreadable(&one.path, &reason)?;
        summary.unreadable.push(Note { path: one.path, reason });
    }
    Ok(())
}

fn emit(event: Event, report: &mut dyn Report, kept: &mut Vec<Finding>) -> io::Result<()> {
    match event {
        Event::Finding(finding) => {
            report.finding(&finding)?;
            kept.push(slim(&finding));
            Ok(())
        }
        Event::Malformed(malformed) => report.malformed(&malformed),
    }
}

fn buffer_one(origin: &Origin, explicit: bool, config: &ScanConfig) -> Scanned {
    let mut events = Vec::new();
    let mut scanned = scan_one(origin, explicit, config, &mut |e| events.push(e));
    scanned.events = events;
    scanned
}

fn stream_one(
    origin: &Origin,
    explicit: bool,
    config: &ScanConfig,
    report: &mut dyn Report,
    kept: &mut Vec<Finding>,
) -> io::Result<Scanned> {
    let failed: Cell<Option<io::Error>> = Cell::new(None);
    let stop = Cell::new(false);
    let scanned = scan_one_with_stop(origin, explicit, config, &stop, &mut |event| {
        if stop.get() {
            return;
        }
        if let Err(error) = emit(event, report, kept) {
            failed.set(Some(error));
            stop.set(true);
        }
    });
    match failed.into_inner() {
        Some(error) => Err(error),
        None => Ok(scanned),
    }
}

fn scan_one(origin: &Origin, explicit: bool, config: &ScanConfig, sink: &mut dyn FnMut(Event)) -> Scanned {
    scan_one_with_stop(origin, explicit, config, &Cell::new(false), sink)
}

/// A reader that ends early once `stop` is set (the report can take no more).
struct Stoppable<'a, R> {
    inner: R,
    stop: &'a Cell<bool>,
}

impl<R: Read> Read for Stoppable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.get() { Ok(0) } else { self.inner.read(buf) }
    }
}

fn scan_one_with_stop(
    origin: &Origin,
    explicit: bool,
    config: &ScanConfig,
    stop: &Cell<bool>,
    sink: &mut dyn FnMut(Event),
) -> Scanned {
    let path = origin.display();
    let mut scanned = Scanned {
        path: path.clone(),
        events: Vec::new(),
        stats: Stats::default(),
        skipped: None,
        unreadable: None,
    };
    let opened = match input::open(origin) {
        Ok(opened) => opened,
        Err(error) => {
            scanned.unreadable = Some(error.to_string());
            return scanned;
        }
    };
    if opened.binary && !explicit {
        scanned.skipped = Some("binary data (name the file to scan it anyway)".to_string());
        return scanned;
    }
    let source = SourceInfo { path, encoding: opened.encoding };
    let reader = Stoppable { inner: opened.reader, stop };
    let mut counted = Stats::default();
    let mut doctor = Diagnoser::default();
    let result = scan::scan_reader(reader, &source, config, &mut |event| match event {
        Event::Finding(mut finding) => {
            doctor.prepare(&mut finding);
            sink(Event::Finding(finding));
        }
        other => sink(other),
    });
    match result {
        Ok(stats) => counted = stats,
        Err(error) => scanned.unreadable = Some(format!("read failed part way: {error}")),
    }
    scanned.stats = counted;
    scanned
}
