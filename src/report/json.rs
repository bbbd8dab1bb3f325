//! `--format json`: the whole run as one JSON document, for tools that want a
//! single value rather than lines:
//!
//! ```text
//! {"findings":[…],"malformed":[…],"skipped":[…],"unreadable":[…],"summary":{…}}
//! ```
//!
//! Each part is the [`wire`](super::wire) type of the ndjson line of the same
//! name, without `type`: findings and malformed payloads as in their lines,
//! `skipped` and `unreadable` as the summary lists them (`path`, `reason`),
//! the summary as the summary line. Findings are written as they come; the
//! short lists wait for the end.

use std::io::{self, Write};

use super::line::JsonFinding;
use super::notes::Notes;
use super::wire;
use super::{FindingWriter, Report};
use crate::model::Summary;
use crate::model::{Finding, Malformed};

/// Writes one JSON document to `out`; read failures also go to `err`.
pub struct Json<W: Write, E: Write> {
    out: W,
    err: E,
    started: bool,
    notes: Notes,
    /// Writes the findings that reach this thread whole.
    items: JsonFinding,
}

impl<W: Write, E: Write> Json<W, E> {
    /// A renderer writing to `out`, with read failures also going to `err`.
    pub fn new(out: W, err: E) -> Self {
        Json { out, err, started: false, notes: Notes::default(), items: JsonFinding::item() }
    }

    /// Writes items that each end with a comma: the comma goes before the
    /// next one instead, so the list needs no closing fix-up.
    fn items(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(bytes) = bytes.strip_suffix(b",") else { return Ok(()) };
        self.out.write_all(if self.started { b"," } else { b"{\"findings\":[" })?;
        self.started = true;
        self.out.write_all(bytes)
    }
}

impl<W: Write, E: Write> Report for Json<W, E> {
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        Some(Box::new(JsonFinding::item()))
    }

    fn written(&mut self, bytes: &[u8], _findings: usize) -> io::Result<()> {
        self.items(bytes)
    }

    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        let mut item = Vec::new();
        self.items.write_one(finding, &mut item);
        self.items(&item)
    }

    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()> {
        self.notes.malformed(malformed);
        Ok(())
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.notes.skipped(path, reason);
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.notes.unreadable(&mut self.err, path, reason);
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if !self.started {
            self.out.write_all(b"{\"findings\":[")?;
        }
        let malformed: Vec<_> = self.notes.malformed.iter().map(wire::Malformed::from).collect();
        let skipped: Vec<_> = self.notes.skipped.iter().map(wire::Note::from).collect();
        let unreadable: Vec<_> = self.notes.unreadable.iter().map(wire::Note::from).collect();
        self.out.write_all(b"],\"malformed\":")?;
        serde_json::to_writer(&mut self.out, &malformed)?;
        self.out.write_all(b",\"skipped\":")?;
        serde_json::to_writer(&mut self.out, &skipped)?;
        self.out.write_all(b",\"unreadable\":")?;
        serde_json::to_writer(&mut self.out, &unreadable)?;
        self.out.write_all(b",\"summary\":")?;
        serde_json::to_writer(&mut self.out, &wire::Summary::from(summary))?;
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }
}
