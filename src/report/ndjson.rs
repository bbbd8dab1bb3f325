//! `--format ndjson`: one JSON object per line.
//!
//! The contract (DESIGN.md): every finding is a line with `"type": "finding"`
//! and the keys `path`, `line`, `column`, `offset`, `length`, `shape`,
//! `wrapping`, `encoding`, `class`, `code`, `inner_code`, `message`,
//! `operation`, `details`, `mailbox`, `profile`, `time` (RFC 3339),
//! `time_text` (as the input wrote it), `event` (the offset where the
//! finding's record starts, shared by the findings of one record), `sheet`,
//! `cell`, `truncated` and `diagnosis`, `null` where unknown. Other line types:
//!
//! - `{"type":"malformed","path":…,"line":…,"column":…,"offset":…,"length":…,"error_offset":…,"reason":…}`
//! - `{"type":"skipped","path":…,"reason":…}` for a binary file found while walking
//! - `{"type":"error","path":…,"message":…}` for an input that could not be read
//! - `{"type":"summary",…}` last: counts and ranked root causes
//!
//! New line types may appear; readers skip types they do not know.
//!
//! ```text
//! {"type":"finding","path":"alerts.txt","line":3,"column":11,"offset":212,"length":466,"shape":"ews-response","wrapping":"raw","encoding":"utf-8","class":"Error","code":"ErrorNonExistentMailbox","inner_code":null,"message":"Mailbox does not exist.","operation":"FindItem","details":{},"mailbox":"Dana Okafor","profile":null,"time":null,"time_text":null,"event":0,"truncated":false,"diagnosis":{…}}
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::line::JsonFinding;
use super::{FindingWriter, Report};
use crate::model::{Finding, Malformed};
use crate::run::Summary;

/// Writes JSON lines to `out`, and read failures also to `err`.
pub struct Ndjson<W: Write, E: Write> {
    out: W,
    err: E,
}

impl<W: Write, E: Write> Ndjson<W, E> {
    /// A renderer writing lines to `out` and read failures also to `err`.
    pub fn new(out: W, err: E) -> Self {
        Ndjson { out, err }
    }

    fn line<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n")
    }
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

#[derive(Serialize)]
struct PathReason<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

impl<W: Write, E: Write> Report for Ndjson<W, E> {
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        Some(Box::new(JsonFinding::line()))
    }

    fn written(&mut self, bytes: &[u8], _findings: usize) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        let mut line = Vec::new();
        JsonFinding::line().write(finding, &mut line);
        self.out.write_all(&line)
    }

    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()> {
        self.line(&Tagged { kind: "malformed", body: malformed })
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.line(&Tagged {
            kind: "skipped",
            body: &PathReason { path, reason: Some(reason), message: None },
        })
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        // Best effort: a closed stderr must not hide the line on stdout.
        let _ = writeln!(self.err, "ewsdiag: {path}: {reason}");
        self.line(&Tagged { kind: "error", body: &PathReason { path, reason: None, message: Some(reason) } })
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.line(&Tagged { kind: "summary", body: summary })?;
        self.out.flush()
    }
}
