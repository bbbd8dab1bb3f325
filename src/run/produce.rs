//! The producing side of a job: findings written to the format's bytes (and
//! counted for correlation, into the thread's own tally) on the thread that
//! found them, in chunks; what needs the reporting side passed on whole.

use std::ops::ControlFlow;

use crate::diagnose::{Seq, Tally};
use crate::filter::{Filter, Gate};
use crate::kb;
use crate::model::{Finding, Malformed, Stats};
use crate::report::{FindingWriter, Repeated};
use crate::scan::{Event, SegmentEnd};
use crate::walk::Target;

use super::clock::{Clock, Phase};
use super::one::{Outcome, Scanned};
use super::spill::SetAside;
use super::split::{Job, Part};

/// Bytes gathered before they are handed on as one piece. Pieces are what
/// the reporting side is woken for and what the workers lock the board to
/// hand over: at 64 KiB, a dense export made four times the wake-ups and
/// cost 5% more time on two threads.
const CHUNK: usize = 256 << 10;

/// What a job hands to the reporting side, in order.
pub(super) enum Piece {
    /// Findings written by the format's writer, already counted, with the
    /// stretches of them that repeat (see [`Repeated`]).
    Bytes { bytes: Vec<u8>, findings: usize, repeated: Vec<Repeated> },
    /// The same, packed and set aside while the job waited its turn.
    SetAside { bytes: SetAside, findings: usize },
    /// A finding for the reporting side to count (it was found at `seq`)
    /// and report. A `held` one may repeat what the previous segment of its
    /// file reported; when the format has a writer, it comes `written`
    /// already, so that the reporting side only decides whether to keep it.
    Finding { finding: Box<Finding>, seq: Seq, held: bool, written: Option<Vec<u8>> },
    /// A payload that could not be read.
    Malformed { malformed: Malformed, held: bool },
    /// The job is over.
    Done(Box<Done>),
}

impl Piece {
    /// About how many bytes the piece holds, to bound what waits.
    pub(super) fn size(&self) -> usize {
        match self {
            Piece::Bytes { bytes, repeated, .. } => bytes.len() + size_of_val(repeated.as_slice()),
            Piece::SetAside { bytes, .. } => 64 + bytes.in_memory(),
            Piece::Finding { .. } => 2048,
            Piece::Malformed { .. } => 512,
            Piece::Done(_) => 256,
        }
    }
}

/// How a job ended.
pub(super) struct Done {
    pub scanned: Scanned,
    /// For a segment of a large file: how it ended.
    pub part: Option<PartEnd>,
}

/// How a segment of a large file ended.
pub(super) struct PartEnd {
    /// Where its payloads ended and the codes it ended with.
    pub end: SegmentEnd,
    /// It was the file's last segment.
    pub last: bool,
}

impl Done {
    pub(super) fn whole(scanned: Scanned) -> Done {
        Done { scanned, part: None }
    }

    pub(super) fn part(scanned: Scanned, end: SegmentEnd, last: bool) -> Done {
        Done { scanned, part: Some(PartEnd { end, last }) }
    }

    /// A segment the run stopped before it started.
    pub(super) fn stopped(part: &Part<'_>) -> Done {
        Done::part(Scanned::new(part.origin.display(), Outcome::Stopped), SegmentEnd::default(), part.last)
    }

    /// What a job that panicked reports: its input, unreadable for an internal
    /// error (a bug to report, never a reason to stop the rest of the run).
    pub(super) fn failed(job: &Job<'_>) -> Done {
        let reason = "internal error while scanning (please report it with this input)".to_string();
        match job {
            Job::Whole(Target::Input { origin, .. }) => {
                Done::whole(Scanned::unreadable(origin.display(), reason))
            }
            Job::Whole(Target::Unreadable { path, .. }) => {
                Done::whole(Scanned::unreadable(path.clone(), reason))
            }
            // A segment is part of a file that was read: the file as a
            // whole is reported as broken part way.
            Job::Part(part) => Done::part(
                Scanned::new(
                    part.origin.display(),
                    Outcome::Read { stats: Stats::default(), broke: Some(reason) },
                ),
                SegmentEnd::default(),
                part.last,
            ),
        }
    }
}

/// Turns a job's events into pieces.
pub(super) struct Producer<'a> {
    writer: Option<&'a mut (dyn FindingWriter + 'static)>,
    send: &'a mut dyn FnMut(Piece) -> ControlFlow<()>,
    chunk: Vec<u8>,
    findings: usize,
    /// The stretches of the chunk that repeat, once the writer has said.
    repeated: Vec<Repeated>,
    /// The thread's tally, which the findings it writes are counted into.
    tally: &'a mut Tally,
    /// Where the next finding stands in the run.
    next: Seq,
    clock: Option<&'a Clock>,
    /// The run's filter, for the findings this job reports itself.
    gate: Gate,
}

impl<'a> Producer<'a> {
    /// A producer for job number `job` of the run.
    pub(super) fn new(
        job: usize,
        writer: Option<&'a mut (dyn FindingWriter + 'static)>,
        tally: &'a mut Tally,
        filter: &Filter,
        send: &'a mut dyn FnMut(Piece) -> ControlFlow<()>,
        clock: Option<&'a Clock>,
    ) -> Self {
        let gate = Gate::new(filter.clone());
        let next = Seq::new(job as u64, 0);
        Producer {
            writer,
            send,
            chunk: Vec::new(),
            findings: 0,
            repeated: Vec::new(),
            tally,
            next,
            clock,
            gate,
        }
    }

    /// Takes one event in; a `held` one goes to the reporting side whole.
    pub(super) fn event(&mut self, event: Event, held: bool) -> ControlFlow<()> {
        let seq = self.next;
        if let Event::Finding(_) = event {
            self.next = seq.next();
        }
        match event {
            // A held finding meets the filter on the reporting side, once the
            // stitch has said it is new.
            Event::Finding(finding) if !held && !self.gate.admits(&finding, kb::knowledge_base()) => {
                ControlFlow::Continue(())
            }
            Event::Finding(finding) => match self.writer.as_deref_mut() {
                Some(writer) if !held => {
                    let (tally, chunk) = (&mut *self.tally, &mut self.chunk);
                    Clock::time(self.clock, Phase::Tally, || {
                        tally.add_at(&finding, kb::knowledge_base(), seq)
                    });
                    Clock::time(self.clock, Phase::Render, || writer.write(&finding, chunk));
                    self.findings += 1;
                    if self.chunk.len() >= CHUNK { self.flush() } else { ControlFlow::Continue(()) }
                }
                _ => {
                    // The chunk goes first, with the stretches its findings repeat.
                    self.flush()?;
                    let written = self.writer.as_deref_mut().map(|writer| {
                        let mut bytes = Vec::new();
                        Clock::time(self.clock, Phase::Render, || writer.write_one(&finding, &mut bytes));
                        bytes
                    });
                    (self.send)(Piece::Finding { finding, seq, held, written })
                }
            },
            Event::Malformed(malformed) => {
                self.flush()?;
                (self.send)(Piece::Malformed { malformed, held })
            }
            // Another segment's to report; the diagnoser has taken it in.
            Event::Context(_) => ControlFlow::Continue(()),
        }
    }

    /// Ends the job: what is written so far, then how it ended.
    pub(super) fn finish(&mut self, mut done: Done) -> ControlFlow<()> {
        self.flush()?;
        done.scanned.leave_out(&self.gate.take_left_out());
        (self.send)(Piece::Done(Box::new(done)))
    }

    fn flush(&mut self) -> ControlFlow<()> {
        if let Some(writer) = self.writer.as_deref_mut() {
            writer.repeated(&mut self.repeated);
        }
        if self.chunk.is_empty() {
            self.repeated.clear();
            return ControlFlow::Continue(());
        }
        let bytes = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK + (CHUNK >> 2)));
        let findings = std::mem::take(&mut self.findings);
        let repeated = std::mem::take(&mut self.repeated);
        (self.send)(Piece::Bytes { bytes, findings, repeated })
    }
}
