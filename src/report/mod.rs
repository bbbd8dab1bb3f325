//! Renderers: every output format implements [`Report`], and the binary picks
//! one from `--format`. The scan pushes events in input order; a renderer
//! writes them as they come and the run summary at the end.
//!
//! A format whose findings stand on their own (one line or one value each)
//! also offers a [`FindingWriter`] for every scanning thread, so findings are
//! turned into bytes and freed on the thread that found them; the reporting
//! thread then only copies those bytes out in input order ([`Report::written`]).

mod csv;
pub mod html;
pub mod human;
mod json;
mod line;
mod ndjson;
mod notes;
pub mod sanitize;
pub mod summary;
pub mod wire;

use std::io;

pub use csv::Csv;
pub use html::Html;
pub use json::Json;
pub use ndjson::Ndjson;

use crate::model::{Finding, Malformed, Stats, Summary};

/// Writes findings as a format's bytes, on a scanning thread. Each thread has
/// its own, so it may keep caches (a diagnosis already serialized, say).
pub trait FindingWriter: Send {
    /// Appends `finding`'s output to `out`.
    fn write(&mut self, finding: &Finding, out: &mut Vec<u8>);

    /// Moves into `into` the stretches of what [`write`](Self::write)
    /// appended since it was last asked that repeat other findings' output
    /// (the JSON of a diagnosis), in order: output set aside on disk then
    /// holds each once. Positions are in the `out` each was written to. A
    /// writer that keeps no such stretches leaves `into` as it is.
    fn repeated(&mut self, into: &mut Vec<Repeated>) {
        let _ = into;
    }

    /// Appends `finding`'s output to `out` for a reader that takes it on its
    /// own: the stretches it repeats are of no use then, and none are kept.
    fn write_one(&mut self, finding: &Finding, out: &mut Vec<u8>) {
        self.write(finding, out);
    }
}

/// A stretch of a writer's output that repeats elsewhere in it: where it
/// starts, how long it is, and which one it is (a writer numbers each
/// distinct stretch it writes, and never gives two the same number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeated {
    /// Where it starts in the output it was written to.
    pub at: usize,
    /// Its length in bytes.
    pub len: usize,
    /// Which stretch it is.
    pub id: u64,
}

/// A writer for formats that show no finding on its own (the summary, `-q`):
/// findings are dropped on the thread that found them.
pub struct Discard;

impl FindingWriter for Discard {
    fn write(&mut self, _: &Finding, _: &mut Vec<u8>) {}
}

/// One output format.
pub trait Report {
    /// A writer for one scanning thread, when the format writes each finding
    /// on its own; `None` (the default) when it needs them whole, in order, on
    /// the reporting thread ([`Report::finding`]).
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        None
    }
    /// Bytes made by this format's [`FindingWriter`]s, in input order, with
    /// the number of findings they hold.
    fn written(&mut self, bytes: &[u8], findings: usize) -> io::Result<()> {
        let _ = (bytes, findings);
        Ok(())
    }
    /// A payload was found (diagnosis already attached).
    fn finding(&mut self, finding: &Finding) -> io::Result<()>;
    /// A candidate payload could not be read.
    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()>;
    /// An input was left out on purpose (binary, found while walking).
    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()>;
    /// An input could not be read; the run goes on without it.
    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()>;
    /// An input has been scanned to its end (for progress; most formats ignore it).
    fn input_done(&mut self, path: &str, stats: &Stats) -> io::Result<()> {
        let _ = (path, stats);
        Ok(())
    }
    /// The run is over.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}
