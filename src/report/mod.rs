//! Renderers: every output format implements [`Report`], and the binary picks
//! one from `--format`. The scan pushes events in input order; a renderer
//! writes them as they come and the run summary at the end.

mod csv;
pub mod html;
pub mod human;
mod json;
mod ndjson;
pub mod summary;

use std::io;

pub use csv::Csv;
pub use html::Html;
pub use json::Json;
pub use ndjson::Ndjson;

use crate::model::{Finding, Malformed};
use crate::run::Summary;
use crate::scan::Stats;

/// One output format.
pub trait Report {
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
