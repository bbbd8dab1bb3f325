//! One finding as a JSON object, the shape ndjson lines and the JSON
//! document's `findings` share, written on the scanning threads. The keys are
//! the [`wire`](super::wire) contract's; this module only adds speed: it
//! writes them by hand, in the contract's order, with the escaping
//! `serde_json` uses, so a line is byte for byte what serializing
//! [`wire::Finding`] gives (a test holds the two together on every sample).
//!
//! Findings that look alike share one diagnosis (an `Arc`), so its JSON is
//! written once per writer and copied after that: on a dense export the
//! diagnosis is most of every line. Diagnoses made apart that say the same
//! (findings of two kinds often conclude alike) share their JSON too.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::FxHasher;
use serde::Serialize;

use super::wire::DiagnosisJson;
use super::{FindingWriter, Repeated};
use crate::cache::Cache;
use crate::model::{Class, Diagnosis, Encoding, Finding, Shape, Wrapping};

/// Diagnoses whose JSON a writer keeps; past this the least used give way.
const DIAGNOSES_KEPT: usize = 256;

/// A diagnosis and its JSON.
type Written = (Arc<Diagnosis>, Json);

/// The JSON of a diagnosis, numbered: each distinct JSON a writer makes gets
/// a number of its own (see [`Repeated`]).
#[derive(Debug, Clone)]
struct Json {
    bytes: Arc<[u8]>,
    id: u64,
}

/// Writes findings as JSON objects, tagged `"type":"finding"` for ndjson or
/// untagged for the JSON document, each followed by `end`.
pub(crate) struct JsonFinding {
    tagged: bool,
    end: &'static [u8],
    /// Diagnoses written, by address, with their JSON. Each is kept alive
    /// here, so its address names no other while it is.
    written: Cache<usize, Written, DIAGNOSES_KEPT>,
    /// The same JSON by what the diagnosis says (see [`said`]), for a
    /// diagnosis met for the first time that says what another did.
    alike: Cache<u64, Vec<Written>, DIAGNOSES_KEPT>,
    /// The last path written, and its JSON string.
    path: (String, Vec<u8>),
    /// Where the JSON of diagnoses was written since last asked.
    repeated: Vec<Repeated>,
    /// The number the next JSON made gets.
    next_id: u64,
    shapes: Spelled<Shape>,
    wrappings: Spelled<Wrapping>,
    encodings: Spelled<Encoding>,
    classes: Spelled<Option<Class>>,
}

/// What `serde_json` writes for each value of a unit enum met so far. A run
/// meets few of each, so a look down a short list is cheaper than
/// serializing the name again for every finding.
struct Spelled<T>(Vec<(T, Box<[u8]>)>);

impl<T> Default for Spelled<T> {
    fn default() -> Self {
        Spelled(Vec::new())
    }
}

impl<T: Serialize + Copy + PartialEq> Spelled<T> {
    fn write(&mut self, out: &mut Vec<u8>, key: &[u8], v: T) {
        match self.0.iter().find(|(known, _)| *known == v) {
            Some((_, json)) => {
                out.extend_from_slice(key);
                out.extend_from_slice(json);
            }
            None => {
                out.extend_from_slice(key);
                let start = out.len();
                value(out, b"", &v);
                self.0.push((v, out[start..].into()));
            }
        }
    }
}

impl JsonFinding {
    /// A writer of ndjson `finding` lines.
    pub(crate) fn line() -> JsonFinding {
        JsonFinding::new(true, b"\n")
    }

    /// A writer of the JSON document's `findings` items, each followed by a comma.
    pub(crate) fn item() -> JsonFinding {
        JsonFinding::new(false, b",")
    }

    fn new(tagged: bool, end: &'static [u8]) -> JsonFinding {
        JsonFinding {
            tagged,
            end,
            written: Cache::default(),
            alike: Cache::default(),
            path: (String::new(), b"\"\"".to_vec()),
            repeated: Vec::new(),
            next_id: 0,
            shapes: Spelled::default(),
            wrappings: Spelled::default(),
            encodings: Spelled::default(),
            classes: Spelled::default(),
        }
    }

    /// The JSON of `d`, written now if this writer has written neither it
    /// nor a diagnosis that says the same.
    fn diagnosis(&mut self, d: &Arc<Diagnosis>) -> &Json {
        let address = Arc::as_ptr(d) as usize;
        let (alike, next_id) = (&mut self.alike, &mut self.next_id);
        let (_, json) = self.written.get_or_insert_with(&address, || {
            let same = alike.get_or_insert_with(&said(d), Vec::new);
            let json = match same.iter().find(|(other, _)| **other == **d) {
                Some((_, json)) => json.clone(),
                None => {
                    let mut bytes = Vec::new();
                    value(&mut bytes, b"", &DiagnosisJson(d));
                    let json = Json { bytes: bytes.into(), id: *next_id };
                    *next_id += 1;
                    same.push((Arc::clone(d), json.clone()));
                    json
                }
            };
            (Arc::clone(d), json)
        });
        json
    }

    /// The JSON string of `path`: findings of one input come one after another.
    fn path(&mut self, path: &str) -> &[u8] {
        if self.path.0 != path {
            self.path.0 = path.to_owned();
            self.path.1.clear();
            string(&mut self.path.1, path);
        }
        &self.path.1
    }
}

impl FindingWriter for JsonFinding {
    fn repeated(&mut self, into: &mut Vec<Repeated>) {
        into.append(&mut self.repeated);
    }

    fn write_one(&mut self, f: &Finding, out: &mut Vec<u8>) {
        self.write(f, out);
        self.repeated.clear();
    }

    fn write(&mut self, f: &Finding, out: &mut Vec<u8>) {
        out.extend_from_slice(if self.tagged { br#"{"type":"finding","path":"# } else { br#"{"path":"# });
        out.extend_from_slice(self.path(&f.path));
        number(out, b",\"line\":", f.span.line);
        number(out, b",\"column\":", f.span.column);
        number(out, b",\"offset\":", f.span.offset);
        number(out, b",\"length\":", f.span.length);
        self.shapes.write(out, b",\"shape\":", f.shape);
        self.wrappings.write(out, b",\"wrapping\":", f.wrapping);
        self.encodings.write(out, b",\"encoding\":", f.encoding);
        self.classes.write(out, b",\"class\":", f.class);
        out.extend_from_slice(b",\"code\":");
        string(out, &f.code);
        optional(out, b",\"inner_code\":", f.inner_code.as_deref());
        optional(out, b",\"message\":", f.message.as_deref());
        optional(out, b",\"operation\":", f.operation.as_deref());
        out.extend_from_slice(b",\"details\":");
        map(out, &f.details);
        optional(out, b",\"mailbox\":", f.mailbox.as_deref());
        optional(out, b",\"profile\":", f.profile.as_deref());
        optional(out, b",\"time\":", f.time.as_deref());
        optional(out, b",\"time_text\":", f.time_text.as_deref());
        number(out, b",\"event\":", f.event);
        optional(out, b",\"sheet\":", f.sheet.as_deref());
        optional(out, b",\"cell\":", f.cell.as_deref());
        out.extend_from_slice(if f.truncated { b",\"truncated\":true" } else { b",\"truncated\":false" });
        out.extend_from_slice(b",\"diagnosis\":");
        match &f.diagnosis {
            Some(d) => {
                let Json { bytes, id } = self.diagnosis(d);
                let stretch = Repeated { at: out.len(), len: bytes.len(), id: *id };
                out.extend_from_slice(bytes);
                self.repeated.push(stretch);
            }
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
        out.extend_from_slice(self.end);
    }
}

/// A hash of what `d` says, read cheaply: its entry's code and each cause's
/// id (by address: both are the knowledge base's own), score and evidence.
/// Diagnoses that say the same hash alike; the few others that do are told
/// apart by comparing them whole.
fn said(d: &Diagnosis) -> u64 {
    let mut h = FxHasher::default();
    (d.code.as_ptr(), d.also.map(|r| r.code.as_ptr())).hash(&mut h);
    for cause in &d.causes {
        (cause.id.as_ptr(), cause.score, &cause.evidence).hash(&mut h);
    }
    h.finish()
}

/// `key`, then `value` as `serde_json` writes it (the few values written that
/// way: the names of unit variants, and a diagnosis once per kind).
fn value(out: &mut Vec<u8>, key: &[u8], value: &impl Serialize) {
    out.extend_from_slice(key);
    let start = out.len();
    // Every value written here serializes; a failure would be a bug in a
    // `Serialize` impl, and writes `null` rather than half a value.
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

fn number(out: &mut Vec<u8>, key: &[u8], n: u64) {
    out.extend_from_slice(key);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn optional(out: &mut Vec<u8>, key: &[u8], value: Option<&str>) {
    out.extend_from_slice(key);
    match value {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn map(out: &mut Vec<u8>, map: &BTreeMap<String, String>) {
    out.push(b'{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, k);
        out.push(b':');
        string(out, v);
    }
    out.push(b'}');
}

/// How each byte is written inside a JSON string: as is (0), with a short
/// escape (the letter), or as `\u00XX` (`u`). The same choices as `serde_json`.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Whether one of eight bytes is one JSON escapes: a control character, a
/// quote or a backslash (as `ESCAPE` has them).
fn needs_escape(eight: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let x = u64::from_ne_bytes(eight.try_into().expect("eight bytes"));
    // A byte below `n` (for `n` up to 0x80), and a byte that is zero.
    let below = |n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    below(0x20) | zero(x ^ (ONES * u64::from(b'"'))) | zero(x ^ (ONES * u64::from(b'\\'))) != 0
}

/// `s` as a JSON string, quoted and escaped.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut plain = 0;
    // Most strings need no escape at all: whole runs of eight bytes that
    // need none are passed over at once.
    let clean = bytes.chunks_exact(8).take_while(|eight| !needs_escape(eight)).count() * 8;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[plain..i]);
        plain = i + 1;
        match escape {
            b'u' => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]),
            letter => out.extend_from_slice(&[b'\\', letter]),
        }
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{MailboxCodes, diagnose};
    use crate::kb::knowledge_base;
    use crate::model::{Class, Encoding, Shape, Wrapping};
    use crate::report::wire;

    #[test]
    fn eight_bytes_need_an_escape_when_one_of_them_does() {
        // Every byte at every place among bytes that need none, and pairs of
        // neighbours (where a borrow between bytes could mislead).
        for b in 0..=255_u8 {
            for place in 0..8 {
                let mut eight = *b"abcdefgh";
                eight[place] = b;
                assert_eq!(needs_escape(&eight), ESCAPE[usize::from(b)] != 0, "{b:#04x} at {place}");
                for next in [0x00, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7f, 0x80, 0xff] {
                    if place < 7 {
                        eight[place + 1] = next;
                        let expected = ESCAPE[usize::from(b)] != 0 || ESCAPE[usize::from(next)] != 0;
                        assert_eq!(needs_escape(&eight), expected, "{b:#04x} then {next:#04x}");
                    }
                }
            }
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for s in [
            "",
            "plain text of some length",
            "a \"quote\" and \\ and \t\n\u{1}",
            "ünïcödé\u{7f}é",
            "12345678\"",
            "1234567\n9",
        ] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap());
        }
    }

    /// What serializing the wire contract's types gives for `f`.
    fn by_the_contract(f: &Finding, tagged: bool) -> String {
        let finding = wire::Finding::from(f);
        let json = if tagged {
            serde_json::to_string(&wire::Line::Finding(finding))
        } else {
            serde_json::to_string(&finding)
        };
        json.expect("serializes")
    }

    fn written(writer: &mut JsonFinding, f: &Finding) -> String {
        let mut out = Vec::new();
        writer.write(f, &mut out);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn a_line_is_the_wire_finding_with_the_diagnosis_written_once() {
        let mut f = Finding::new(Shape::EwsResponse, "ErrorServerBusy");
        f.path = "a.log".into();
        f.diagnosis = diagnose(&f, knowledge_base(), &MailboxCodes::default()).map(Arc::new);
        let mut writer = JsonFinding::line();
        let (first, again) = (written(&mut writer, &f), written(&mut writer, &f));
        assert_eq!(first, again);
        assert_eq!(first, by_the_contract(&f, true) + "\n");
        let value: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert!(value["diagnosis"]["causes"][0]["title"].is_string());
    }

    #[test]
    fn diagnoses_made_apart_that_say_the_same_share_their_json() {
        let mut f = Finding::new(Shape::EwsResponse, "ErrorServerBusy");
        f.message = Some("The server cannot service this request right now.".into());
        let made =
            || Arc::new(diagnose(&f, knowledge_base(), &MailboxCodes::default()).expect("a known code"));
        let (one, two) = (made(), made());
        assert!(!Arc::ptr_eq(&one, &two));
        let mut other = (*one).clone();
        other.causes[0].evidence.pop();
        let other = Arc::new(other);
        let mut writer = JsonFinding::line();
        let json = |writer: &mut JsonFinding, d: &Arc<Diagnosis>| writer.diagnosis(d).bytes.to_vec();
        let (first, second, third) =
            (json(&mut writer, &one), json(&mut writer, &two), json(&mut writer, &other));
        assert_eq!(first, second);
        assert_ne!(first, third, "a diagnosis that says less is written as its own");
        let mut fresh = Vec::new();
        value(&mut fresh, b"", &DiagnosisJson(&other));
        assert_eq!(third, fresh);
        let shared = |writer: &mut JsonFinding, a: &Arc<Diagnosis>, b: &Arc<Diagnosis>| {
            let first = writer.diagnosis(a).clone();
            let second = writer.diagnosis(b);
            assert_eq!(Arc::ptr_eq(&first.bytes, &second.bytes), first.id == second.id);
            first.id == second.id
        };
        assert!(shared(&mut writer, &one, &two), "one copy of the same JSON");
        assert!(!shared(&mut writer, &one, &other));
    }

    #[test]
    fn a_writer_says_where_each_diagnosis_stands_unless_findings_come_one_at_a_time() {
        let mut f = Finding::new(Shape::EwsResponse, "ErrorServerBusy");
        f.diagnosis = diagnose(&f, knowledge_base(), &MailboxCodes::default()).map(Arc::new);
        let mut writer = JsonFinding::line();
        let mut out = Vec::new();
        writer.write(&f, &mut out);
        writer.write(&f, &mut out);
        let mut repeated = Vec::new();
        writer.repeated(&mut repeated);
        assert_eq!(repeated.len(), 2);
        assert_eq!(repeated[0].id, repeated[1].id);
        let json = &writer.diagnosis(f.diagnosis.as_ref().expect("diagnosed")).bytes;
        for stretch in &repeated {
            assert_eq!(&out[stretch.at..stretch.at + stretch.len], &json[..]);
        }
        writer.write_one(&f, &mut out);
        writer.repeated(&mut repeated);
        assert_eq!(repeated.len(), 2, "none kept for a finding written on its own");
    }

    #[test]
    fn a_json_document_item_has_no_type() {
        let f = Finding::new(Shape::Alert, "ErrorServerBusy");
        let text = written(&mut JsonFinding::item(), &f);
        assert!(text.starts_with(r#"{"path":"#) && text.ends_with("},"), "{text}");
        assert_eq!(text, by_the_contract(&f, false) + ",");
    }

    #[test]
    fn every_key_and_every_escape_is_written_as_serializing_writes_it() {
        // Every byte below 0x80 and a few beyond, in every string the line has.
        let awkward: String = (0u8..0x80).map(char::from).chain("é€𝄞\u{7f}\u{2028}".chars()).collect();
        let mut f = Finding::new(Shape::SoapFault, &awkward);
        f.path = format!("C:\\logs\\{awkward}.log");
        f.span = crate::model::Span { offset: u64::MAX, length: 7, line: 1, column: 0 };
        f.wrapping = Wrapping::XmlEscaped;
        f.encoding = Encoding::Utf16Be;
        f.class = Some(Class::Warning);
        f.inner_code = Some(awkward.clone());
        f.message = Some(format!("\"{awkward}\""));
        f.operation = Some(String::new());
        f.details.insert(awkward.clone(), awkward.clone());
        f.details.insert("BackOffMilliseconds".into(), "30000".into());
        f.mailbox = Some("ana@contoso.com".into());
        f.profile = Some(awkward.clone());
        f.time = Some("2026-11-20T08:16:40Z".into());
        f.time_text = Some("11/20/2026 8:16:40 AM".into());
        f.event = 12;
        f.sheet = Some("Alerts".into());
        f.cell = Some("D2".into());
        f.truncated = true;
        for tagged in [true, false] {
            let mut writer = if tagged { JsonFinding::line() } else { JsonFinding::item() };
            let text = written(&mut writer, &f);
            assert_eq!(text[..text.len() - 1], by_the_contract(&f, tagged));
        }
    }

    #[test]
    fn a_new_path_is_written_as_its_own() {
        let mut writer = JsonFinding::line();
        for path in ["a.log", "b\".log", "a.log", ""] {
            let mut f = Finding::new(Shape::Alert, "ErrorServerBusy");
            f.path = path.into();
            assert_eq!(written(&mut writer, &f), by_the_contract(&f, true) + "\n");
        }
    }

    /// Every file under `samples/`, depth first.
    fn samples(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() { samples(&path, files) } else { files.push(path) }
        }
    }

    #[test]
    fn every_finding_of_the_samples_is_written_as_serializing_writes_it() {
        let mut files = Vec::new();
        samples(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"), &mut files);
        let (kb, seen) = (knowledge_base(), MailboxCodes::default());
        let mut writer = JsonFinding::line();
        let mut compared = 0;
        for path in files {
            let source =
                crate::scan::SourceInfo { path: path.display().to_string(), encoding: Encoding::Utf8 };
            let (events, _) =
                crate::scan::scan_bytes(&std::fs::read(&path).unwrap(), &source, &Default::default());
            for event in events {
                let crate::scan::Event::Finding(mut f) = event else { continue };
                f.diagnosis = diagnose(&f, kb, &seen).map(Arc::new);
                assert_eq!(written(&mut writer, &f), by_the_contract(&f, true) + "\n", "{}", path.display());
                compared += 1;
            }
        }
        assert!(compared > 100, "only {compared} findings in the samples");
    }
}
