//! One finding as a JSON object, the shape ndjson lines and the JSON
//! document's `findings` share, written on the scanning threads. The keys are
//! the [`wire`](super::wire) contract's; this module only adds speed.
//!
//! Findings that look alike share one diagnosis (an `Arc`), so its JSON is
//! written once per writer and copied after that: on a dense export the
//! diagnosis is most of every line.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde_json::value::RawValue;

use super::FindingWriter;
use super::wire::{self, DiagnosisJson};
use crate::model::{Diagnosis, Finding};

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
            let json = serde_json::value::to_raw_value(&DiagnosisJson::Model(d)).ok()?;
            self.written.insert(id, (Arc::clone(d), json));
        }
        self.written.get(&id).map(|(_, json)| &**json)
    }
}

impl FindingWriter for JsonFinding {
    fn write(&mut self, f: &Finding, out: &mut Vec<u8>) {
        let (tagged, end) = (self.tagged, self.end);
        let mut finding = wire::Finding::from(f);
        if let Some(json) = f.diagnosis.as_ref().and_then(|d| self.diagnosis(d)) {
            finding.diagnosis = Some(DiagnosisJson::Written(json));
        }
        // Writing to a Vec cannot fail, and every value here serializes.
        let _ = if tagged {
            serde_json::to_writer(&mut *out, &wire::Line::Finding(finding))
        } else {
            serde_json::to_writer(&mut *out, &finding)
        };
        out.extend_from_slice(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{MailboxCodes, diagnose};
    use crate::kb::knowledge_base;
    use crate::model::Shape;

    #[test]
    fn a_line_is_the_wire_finding_with_the_diagnosis_written_once() {
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
        let expected = serde_json::to_value(wire::Line::Finding(wire::Finding::from(&f))).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(lines[0]).unwrap(), expected);
        assert!(expected["diagnosis"]["causes"][0]["title"].is_string());
    }

    #[test]
    fn a_json_document_item_has_no_type() {
        let f = Finding::new(Shape::Alert, "ErrorServerBusy");
        let mut out = Vec::new();
        JsonFinding::item().write(&f, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(r#"{"path":"#) && text.ends_with("},"), "{text}");
    }
}
