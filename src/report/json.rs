//! `--format json`: the whole run as one JSON document, for tools that want a
//! single value rather than lines:
//!
//! ```text
//! {"findings":[…],"malformed":[…],"skipped":[…],"errors":[…],"summary":{…}}
//! ```
//!
//! Findings have the same keys as the ndjson `finding` lines (without `type`).
//! They are written as they come; the short lists wait for the end.

use std::io::{self, Write};

use super::Report;
use crate::model::{Finding, Malformed};
use crate::run::{Note, Summary};

/// Writes one JSON document to `out`; read failures also go to `err`.
pub struct Json<W: Write, E: Write> {
    out: W,
    err: E,
    started: bool,
    malformed: Vec<Malformed>,
    skipped: Vec<Note>,
    errors: Vec<Note>,
}

impl<W: Write, E: Write> Json<W, E> {
    /// A renderer writing to `out`, with read failures also going to `err`.
    pub fn new(out: W, err: E) -> Self {
        Json { out, err, started: false, malformed: Vec::new(), skipped: Vec::new(), errors: Vec::new() }
    }

    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            self.out.write_all(b"{\"findings\":[")?;
            return Ok(());
        }
        self.out.write_all(b",")
    }
}

impl<W: Write, E: Write> Report for Json<W, E> {
    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        self.start()?;
        serde_json::to_writer(&mut self.out, finding)?;
        Ok(())
    }

    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()> {
        self.malformed.push(malformed.clone());
        Ok(())
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.skipped.push(Note { path: path.to_string(), reason: reason.to_string() });
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        let _ = writeln!(self.err, "ewsdiag: {path}: {reason}");
        self.errors.push(Note { path: path.to_string(), reason: reason.to_string() });
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if !self.started {
            self.out.write_all(b"{\"findings\":[")?;
        }
        self.out.write_all(b"],\"malformed\":")?;
        serde_json::to_writer(&mut self.out, &self.malformed)?;
        self.out.write_all(b",\"skipped\":")?;
        serde_json::to_writer(&mut self.out, &self.skipped)?;
        self.out.write_all(b",\"errors\":")?;
        serde_json::to_writer(&mut self.out, &self.errors)?;
        self.out.write_all(b",\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }
}
