//! One finding as a JSON object, the shape ndjson lines and the JSON
//! document's `findings` share, written on the scanning threads.
//!
//! Findings that look alike share one diagnosis (an `Arc`), so its JSON is
//! written once per writer and copied after that: on a dense export the
//! diagnosis is most of every line.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::value::RawValue;

use super::FindingWriter;
use crate::model::{Class, Diagnosis, Encoding, Finding, Shape, Wrapping};

/// The keys of a finding, in the contract's order.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    path: &'a str,
    offset: u64,
    length: u64,
    line: u64,
    column: u64,
    shape: Shape,
    wrapping: Wrapping,
    encoding: Encoding,
    class: Option<Class>,
    code: &'a str,
    inner_code: Option<&'a str>,
    message: Option<&'a str>,
    operation: Option<&'a str>,
    details: &'a BTreeMap<String, String>,
    mailbox: Option<&'a str>,
    profile: Option<&'a str>,
    time: Option<&'a str>,
    time_text: Option<&'a str>,
    event: u64,
    sheet: Option<&'a str>,
    cell: Option<&'a str>,
    truncated: bool,
    diagnosis: Option<&'a RawValue>,
}

/// Diagnoses whose JSON a writer keeps; past this it starts over.
const DIAGNOSES_KEPT: usize = 1024;

/// Writes findings as JSON objects, tagged `"type":"finding"` for ndjson or
/// untagged for the JSON document, each followed by `end`.
pub(crate) struct JsonFinding {
    tagged: bool,
    end: &'static [u8],
    /// Diagnoses written, by address, with their JSON. Each is kept alive
    /// here, so its address names no other while it is.
    written: FxHashMap<usize, (Arc<Diagnosis>, Box<RawValue>)>,
}

impl JsonFinding {
    /// A writer of ndjson `finding` lines.
    pub(crate) fn line() -> JsonFinding {
        JsonFinding { tagged: true, end: b"\n", written: FxHashMap::default() }
    }

    /// A writer of the JSON document's `findings` items, each followed by a comma.
    pub(crate) fn item() -> JsonFinding {
        JsonFinding { tagged: false, end: b",", written: FxHashMap::default() }
    }

    fn diagnosis(&mut self, d: &Arc<Diagnosis>) -> Option<&RawValue> {
        let id = Arc::as_ptr(d) as usize;
        if !self.written.contains_key(&id) {
            if self.written.len() >= DIAGNOSES_KEPT {
                self.written.clear();
            }
            let json = serde_json::value::to_raw_value(&**d).ok()?;
            self.written.insert(id, (Arc::clone(d), json));
        }
        self.written.get(&id).map(|(_, json)| &**json)
    }
}

impl FindingWriter for JsonFinding {
    fn write(&mut self, f: &Finding, out: &mut Vec<u8>) {
        let (tagged, end) = (self.tagged, self.end);
        let diagnosis = f.diagnosis.as_ref().and_then(|d| self.diagnosis(d));
        let line = Line {
            kind: tagged.then_some("finding"),
            path: &f.path,
            offset: f.span.offset,
            length: f.span.length,
            line: f.span.line,
            column: f.span.column,
            shape: f.shape,
            wrapping: f.wrapping,
            encoding: f.encoding,
            class: f.class,
            code: &f.code,
            inner_code: f.inner_code.as_deref(),
            message: f.message.as_deref(),
            operation: f.operation.as_deref(),
            details: &f.details,
            mailbox: f.mailbox.as_deref(),
            profile: f.profile.as_deref(),
            time: f.time.as_deref(),
            time_text: f.time_text.as_deref(),
            event: f.event,
            sheet: f.sheet.as_deref(),
            cell: f.cell.as_deref(),
            truncated: f.truncated,
            diagnosis,
        };
        // Writing to a Vec cannot fail, and every value here serializes.
        let _ = serde_json::to_writer(&mut *out, &line);
        out.extend_from_slice(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{MailboxCodes, diagnose};
    use crate::kb::knowledge_base;

    #[test]
    fn a_line_has_the_keys_the_finding_serializes_with_and_the_diagnosis_written_once() {
        let mut f = Finding::new(Shape::EwsResponse, "ErrorServerBusy");
        f.path = "a.log".into();
        f.diagnosis = diagnose(&f, knowledge_base(), &MailboxCodes::default()).map(Arc::new);
        let mut writer = JsonFinding::line();
        let mut out = Vec::new();
        writer.write(&f, &mut out);
        writer.write(&f, &mut out);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], lines[1]);
        let mut expected = serde_json::to_value(&f).unwrap();
        expected["type"] = "finding".into();
        assert_eq!(serde_json::from_str::<serde_json::Value>(lines[0]).unwrap(), expected);
    }
}
