//! What a one-document format (JSON, HTML) keeps until the end besides its
//! findings: the payloads that could not be read and the inputs left out or
//! unreadable, which it lists in their own sections.

use std::io::Write;

use crate::model::{Malformed, Note};

/// The notes of a run, in the order they came.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    pub(crate) malformed: Vec<Malformed>,
    pub(crate) skipped: Vec<Note>,
    pub(crate) unreadable: Vec<Note>,
}

impl Notes {
    pub(crate) fn malformed(&mut self, malformed: &Malformed) {
        self.malformed.push(malformed.clone());
    }

    pub(crate) fn skipped(&mut self, path: &str, reason: &str) {
        self.skipped.push(Note { path: path.to_string(), reason: reason.to_string() });
    }

    /// Keeps an unreadable input for the document and says so at once on
    /// `err`, where a person watching sees it before the document is done.
    pub(crate) fn unreadable(&mut self, err: &mut impl Write, path: &str, reason: &str) {
        // Best effort: a closed standard error must not stop the scan.
        let _ = writeln!(err, "ewsdiag: {path}: {reason}");
        self.unreadable.push(Note { path: path.to_string(), reason: reason.to_string() });
    }
}
