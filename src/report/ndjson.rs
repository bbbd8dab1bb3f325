//! `--format ndjson`: one JSON object per line.
//!
//! The lines are the [`wire`](super::wire) types, tagged by `type`; their
//! JSON Schema is `ewsdiag schema`. Every finding is a line with
//! `"type": "finding"` and the keys `path`, `line`, `column`, `offset`,
//! `length`, `shape`, `wrapping`, `encoding`, `class`, `code`, `inner_code`,
//! `message`, `operation`, `details`, `mailbox`, `profile`, `time` (RFC 3339),
//! `time_text` (as the input wrote it), `event` (the offset where the
//! finding's record starts, shared by the findings of one record), `sheet`,
//! `cell`, `truncated` and `diagnosis`, `null` where unknown. Other line types:
//!
//! - `{"type":"malformed","path":…,"line":…,"column":…,"offset":…,"length":…,"error_offset":…,"reason":…}`
//! - `{"type":"skipped","path":…,"reason":…}` for a binary file found while walking
//! - `{"type":"error","path":…,"message":…}` for an input that could not be read
//! - `{"type":"summary","schema_version":1,…}` last: counts and ranked root causes
//!
//! New line types and keys may appear; readers skip what they do not know.
//!
//! ```text
//! {"type":"finding","path":"alerts.txt","line":3,"column":11,"offset":212,"length":466,"shape":"ews-response","wrapping":"raw","encoding":"utf-8","class":"Error","code":"ErrorNonExistentMailbox","inner_code":null,"message":"Mailbox does not exist.","operation":"FindItem","details":{},"mailbox":"Dana Okafor","profile":null,"time":null,"time_text":null,"event":0,"truncated":false,"diagnosis":{…}}
//! ```

use std::io::{self, Write};

use super::line::JsonFinding;
use super::wire::{self, Line};
use super::{FindingWriter, Report};
use crate::model::{Finding, Malformed, Note, Summary};

/// Writes JSON lines to `out`, and read failures also to `err`.
pub struct Ndjson<W: Write, E: Write> {
    out: W,
    err: E,
    /// Writes the findings that reach this thread whole, with its own memory
    /// of diagnoses already written.
    lines: JsonFinding,
    line: Vec<u8>,
}

impl<W: Write, E: Write> Ndjson<W, E> {
    /// A renderer writing lines to `out` and read failures also to `err`.
    pub fn new(out: W, err: E) -> Self {
        Ndjson { out, err, lines: JsonFinding::line(), line: Vec::new() }
    }

    fn line(&mut self, line: &Line<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, line)?;
        self.out.write_all(b"\n")
    }
}

impl<W: Write, E: Write> Report for Ndjson<W, E> {
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        Some(Box::new(JsonFinding::line()))
    }

    fn written(&mut self, bytes: &[u8], _findings: usize) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        self.line.clear();
        self.lines.write_one(finding, &mut self.line);
        self.out.write_all(&self.line)
    }

    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()> {
        self.line(&Line::Malformed(malformed.into()))
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        let note = Note { path: path.to_owned(), reason: reason.to_owned() };
        self.line(&Line::Skipped(wire::Skipped::from(&note)))
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        // Best effort: a closed stderr must not hide the line on stdout.
        let _ = writeln!(self.err, "ewsdiag: {path}: {reason}");
        let note = Note { path: path.to_owned(), reason: reason.to_owned() };
        self.line(&Line::Error(wire::Unreadable::from(&note)))
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.line(&Line::Summary(summary.into()))?;
        self.out.flush()
    }
}
