//! A whole run: walk the paths, scan every input (in parallel, reported in
//! input order), diagnose each finding and hand everything to a [`Report`].
//!
//! Inputs are scanned on worker threads; each writes its findings in the
//! format's bytes as it finds them (`produce`), and the calling thread copies
//! those out strictly in input order, so the output is the same whatever the
//! thread count. A large plain file is split into segments that scan in
//! parallel and are put back together (`split`). A run of one thread, or of a
//! single input that is not split, streams on the calling thread instead.
//!
//! Memory stays bounded whatever is found: the scanner's own per input, a few
//! chunks of output per job in flight, and for the closing correlation a
//! [`Tally`] per thread that counts findings per mailbox and kind rather than
//! keeping them; the threads' tallies are merged at the end.

mod clock;
mod container;
mod one;
mod pipeline;
mod produce;
mod spill;
mod split;

use std::io;
use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::diagnose::{self, Tally};
use crate::filter::Gate;
use crate::kb;
use crate::model::{Note, Summary};
use crate::report::Report;
use crate::scan::ScanConfig;
use crate::walk::{self, Target, WalkConfig};

use clock::{Clock, Phase};
use produce::{Done, PartEnd, Piece, Producer};
use spill::ReadBack;
use split::Stitch;

pub use one::{Outcome, Scanned};

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
    /// about this many bytes, in parallel (default 16 MiB: the findings near a
    /// segment's start go through the reporting thread, so smaller segments
    /// cost more than they spread).
    pub segment_len: u64,
    /// Bytes of output that may wait in memory for their turn, over all jobs
    /// (default 2 MiB); a job ahead packs what does not fit whole in half of
    /// it, and sets on disk what does not fit at all.
    pub output_budget: usize,
    /// Measure where the time goes, by phase (see [`crate::model::Timings`]).
    pub timings: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            paths: Vec::new(),
            walk: WalkConfig::default(),
            scan: ScanConfig::default(),
            threads: 0,
            segment_len: 16 << 20,
            output_budget: 2 << 20,
            timings: false,
        }
    }
}

/// Scans everything under `config.paths` into `report`. An error is a failure
/// to write the report (a closed pipe, say); unreadable inputs are not errors
/// but notes in the summary.
pub fn run(config: &RunConfig, report: &mut dyn Report) -> io::Result<Summary> {
    let targets = walk::targets(&config.paths, &config.walk);
    // What the walk left out is counted while the scan goes on.
    std::thread::scope(|scope| {
        let counting = std::thread::Builder::new()
            .spawn_scoped(scope, || walk::left_out(&config.paths, &config.walk, &targets))
            .ok();
        let mut summary = scan_targets(config, &targets, report)?;
        summary.left_out = match counting.map(std::thread::ScopedJoinHandle::join) {
            Some(Ok(left_out)) => left_out,
            // No thread to spare, or the count failed: count here.
            _ => walk::left_out(&config.paths, &config.walk, &targets),
        };
        report.finish(&summary)?;
        Ok(summary)
    })
}

/// Scans `targets` into `report` and draws the closing correlation; the
/// report is finished by the caller.
fn scan_targets(config: &RunConfig, targets: &[Target], report: &mut dyn Report) -> io::Result<Summary> {
    let threads = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    // A count per input (`--max-count`) needs each input whole, in order.
    let segment_len = if config.scan.filter.counts_per_input() { u64::MAX } else { config.segment_len };
    let jobs = split::plan(targets, threads, segment_len, config.scan.max_payload);
    let writers: Vec<_> = (0..threads).map(|_| report.writer()).collect();
    let clock = config.timings.then(Clock::default);
    let clock = clock.as_ref();
    let gate = Gate::new(config.scan.filter.clone());
    let mut out = Output {
        report,
        summary: Summary::default(),
        tally: Tally::new(),
        written: Tally::new(),
        stitch: Stitch::default(),
        clock,
        gate,
        read_back: ReadBack::default(),
    };
    let parallel = if threads > 1 && jobs.len() > 1 {
        pipeline::run(&jobs, &config.scan, config.output_budget, writers, clock, &mut |piece| {
            Clock::time(clock, Phase::Report, || out.take(piece))
        })?
    } else {
        None
    };
    match parallel {
        Some(tallies) => tallies.into_iter().for_each(|t| out.written.merge(t)),
        None => {
            for (job, target) in targets.iter().enumerate() {
                out.stream(job, target, &config.scan)?;
            }
        }
    }
    let Output { mut summary, mut tally, written, .. } = out;
    tally.merge(written);
    summary.root_causes =
        Clock::time(clock, Phase::Correlate, || diagnose::conclude(&tally, kb::knowledge_base()));
    summary.timings = clock.map(Clock::timings);
    Ok(summary)
}

/// The reporting side of a run: the report, the counts, and the tallies of
/// findings for the closing correlation.
struct Output<'r> {
    report: &'r mut dyn Report,
    summary: Summary,
    /// The findings this side counts itself (those not written where found).
    tally: Tally,
    /// The findings written where they were found, counted there.
    written: Tally,
    /// The segments of the large file being put back together.
    stitch: Stitch,
    clock: Option<&'r Clock>,
    /// The run's filter, for findings held for the stitch.
    gate: Gate,
    /// How output set aside on disk is read back.
    read_back: ReadBack,
}

impl Output<'_> {
    /// Scans one target, job number `job` of the run, on this thread,
    /// reporting as it goes.
    fn stream(&mut self, job: usize, target: &Target, config: &ScanConfig) -> io::Result<()> {
        let mut writer = self.report.writer();
        let mut written = std::mem::take(&mut self.written);
        let clock = self.clock;
        let mut failed = None;
        let mut deliver = |piece| match self.take(piece) {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => {
                failed = Some(error);
                ControlFlow::Break(())
            }
        };
        let mut producer =
            Producer::new(job, writer.as_deref_mut(), &mut written, &config.filter, &mut deliver, clock);
        let scanned = Clock::time(clock, Phase::Scan, || {
            one::scan(target, config, clock, &mut |event| producer.event(event, false))
        });
        let _ = producer.finish(Done::whole(scanned));
        drop(producer);
        self.written = written;
        failed.map_or(Ok(()), Err)
    }

    /// Reports one piece of a job's output, in order.
    fn take(&mut self, piece: Piece) -> io::Result<()> {
        match piece {
            Piece::Bytes { bytes, findings, .. } => self.report.written(&bytes, findings),
            Piece::SetAside { bytes, findings } => {
                self.report.written(self.read_back.read(&bytes)?, findings)
            }
            Piece::Finding { finding, seq, held, written } => {
                if held && !(self.stitch.keeps(&finding) && self.gate.admits(&finding, kb::knowledge_base()))
                {
                    return Ok(());
                }
                self.tally.add_at(&finding, kb::knowledge_base(), seq);
                match written {
                    Some(bytes) => self.report.written(&bytes, 1),
                    None => self.report.finding(&finding),
                }
            }
            Piece::Malformed { malformed, held } => {
                if held && !self.stitch.keeps_malformed(&malformed) {
                    return Ok(());
                }
                self.report.malformed(&malformed)
            }
            Piece::Done(done) => {
                self.read_back.close();
                let Done { mut scanned, part } = *done;
                scanned.leave_out(&self.gate.take_left_out());
                match part {
                    None => self.account(scanned),
                    Some(PartEnd { end, last }) => match self.stitch.end(scanned, end, last) {
                        Some(whole) => {
                            self.stitch = Stitch::default();
                            self.account(whole)
                        }
                        None => Ok(()),
                    },
                }
            }
        }
    }

    fn account(&mut self, scanned: Scanned) -> io::Result<()> {
        let Scanned { path, outcome, parts_skipped, parts_unreadable } = scanned;
        for note in parts_skipped {
            self.report.skipped(&note.path, &note.reason)?;
            self.summary.skipped.push(note);
        }
        for note in parts_unreadable {
            self.report.unreadable(&note.path, &note.reason)?;
            self.summary.unreadable.push(note);
        }
        match outcome {
            Outcome::Stopped => Ok(()),
            Outcome::Skipped(reason) => {
                self.report.skipped(&path, &reason)?;
                self.summary.skipped.push(Note { path, reason });
                Ok(())
            }
            Outcome::Unreadable(reason) => self.unreadable(path, reason),
            Outcome::Read { stats, broke } => {
                self.summary.inputs += 1;
                self.summary.stats.add(&stats);
                self.report.input_done(&path, &stats)?;
                broke.map_or(Ok(()), |reason| self.unreadable(path, reason))
            }
        }
    }

    fn unreadable(&mut self, path: String, reason: String) -> io::Result<()> {
        self.report.unreadable(&path, &reason)?;
        self.summary.unreadable.push(Note { path, reason });
        Ok(())
    }
}
