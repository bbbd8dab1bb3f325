//! The output contract of `--format ndjson` and `--format json`, apart from
//! the model: the model may change shape for the scanner's sake, the wire may
//! only grow.
//!
//! Every type here borrows from the model (no text is copied to write a line)
//! and is declared with `borrowing!`, which writes the struct and its
//! conversion from the model together: adding a key to the output is one line
//! (`name: Type = expression,`) plus its doc comment, which also becomes the
//! key's description in the JSON Schema. A key of [`Finding`] is also one line
//! in the hand-written line writer (`report/line.rs`), whose tests fail until
//! it writes what serializing [`Finding`] writes.
//!
//! Every ndjson line is a [`Line`], tagged by `type`. New line types and new
//! keys may appear without a change of [`SCHEMA_VERSION`]; readers skip what
//! they do not know. A key is renamed or removed only with a new version.
//! `ewsdiag schema` prints [`schema`], generated from these types; a test
//! checks every line of real output against it and against mirror types that
//! refuse unknown keys.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde::{Serialize, Serializer};

use crate::model::{
    self, Broken, Class, Clue, Confidence, Encoding, Note as ModelNote, RootCause as ModelRootCause, Shape,
    Transient, Wrapping,
};

/// The version of this contract, written in every summary line. It changes
/// only when a key is renamed or removed, or changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// Declares a wire struct borrowing from a model type, with each field's value
/// given next to it, so that a new key is one line.
macro_rules! borrowing {
    (
        $(#[$meta:meta])*
        $name:ident from $model:ty as $src:ident {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty = $value:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, JsonSchema)]
        #[non_exhaustive]
        pub struct $name<'a> {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl<'a> From<&'a $model> for $name<'a> {
            fn from($src: &'a $model) -> Self {
                $name { $( $field: $value, )* }
            }
        }
    };
}

/// One line of `--format ndjson`, tagged by `type`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Line<'a> {
    /// A payload found in the input, with its diagnosis.
    Finding(Finding<'a>),
    /// A candidate payload that could not be read.
    Malformed(Malformed<'a>),
    /// An input left out on purpose (binary data found while walking).
    Skipped(Skipped<'a>),
    /// An input that could not be read; the run went on without it.
    Error(Unreadable<'a>),
    /// The last line: counts and the ranked root causes.
    Summary(Summary<'a>),
}

borrowing! {
    /// A payload found in the input.
    Finding from model::Finding as f {
        /// The input's path as given (`-` for standard input).
        path: &'a str = &f.path,
        /// 1-based line of the payload's start in the input.
        line: u64 = f.span.line,
        /// 1-based column (in bytes) of the payload's start.
        column: u64 = f.span.column,
        /// Byte offset of the payload in the input after decompression and
        /// decoding to UTF-8; for a wrapped payload, of its escaped form.
        offset: u64 = f.span.offset,
        /// Length in bytes of the payload as it stands in the input.
        length: u64 = f.span.length,
        /// What kind of text the finding was read from.
        shape: Shape = f.shape,
        /// How the payload was wrapped where it stands.
        wrapping: Wrapping = f.wrapping,
        /// The input's text encoding.
        encoding: Encoding = f.encoding,
        /// Response class or alert grade, when the payload says.
        class: Option<Class> = f.class,
        /// The code exactly as the payload gives it.
        code: &'a str = &f.code,
        /// `InnerErrorResponseCode`, or the name a numeric code stands for.
        inner_code: Option<&'a str> = f.inner_code.as_deref(),
        /// The message, entities decoded.
        message: Option<&'a str> = f.message.as_deref(),
        /// The EWS operation (`FindItem`, …).
        operation: Option<&'a str> = f.operation.as_deref(),
        /// `MessageXml` values (and fault details) by name.
        details: &'a BTreeMap<String, String> = &f.details,
        /// The mailbox the payload concerns, from its own event.
        mailbox: Option<&'a str> = f.mailbox.as_deref(),
        /// The email server profile, from its own event.
        profile: Option<&'a str> = f.profile.as_deref(),
        /// When it happened, RFC 3339 (no offset when the input does not say
        /// the zone).
        time: Option<&'a str> = f.time.as_deref(),
        /// The time as the input writes it.
        time_text: Option<&'a str> = f.time_text.as_deref(),
        /// The event the finding belongs to: the byte offset where its record
        /// starts, shared by the findings of one record.
        event: u64 = f.event,
        /// For a workbook input, the sheet the finding stands in (`Alerts`).
        sheet: Option<&'a str> = f.sheet.as_deref(),
        /// For a workbook input, the cell the finding stands in (`D2`).
        cell: Option<&'a str> = f.cell.as_deref(),
        /// The payload was cut off before its end.
        truncated: bool = f.truncated,
        /// What the knowledge base makes of it.
        diagnosis: Option<DiagnosisJson<'a>> = f.diagnosis.as_deref().map(DiagnosisJson),
    }
}

borrowing! {
    /// The knowledge base's verdict on one finding.
    Diagnosis from model::Diagnosis as d {
        /// The code the verdict is about (the inner code when there is one).
        code: &'a str = d.code,
        /// One line saying what went wrong.
        title: &'a str = d.title,
        /// The knowledge-base category.
        category: &'a str = d.category,
        /// Whether retrying can help.
        transient: Transient = d.transient,
        /// Possible causes, most likely first.
        causes: Vec<Cause<'a>> = d.causes.iter().map(Cause::from).collect(),
        /// The other entry the code can be read as (a bare number that is both
        /// a ServiceError ordinal and an HTTP status), or null.
        also: Option<Reading<'a>> = d.also.as_ref().map(Reading::from),
    }
}

borrowing! {
    /// Another entry a code can be read as.
    Reading from model::Reading as r {
        /// The entry's code.
        code: &'a str = r.code,
        /// One line saying what went wrong, read that way.
        title: &'a str = r.title,
    }
}

/// A finding's diagnosis on the wire, written from the model as a
/// [`Diagnosis`] when serialized (the line writer keeps what it wrote, since
/// findings that look alike share one diagnosis).
#[derive(Debug, Clone, Copy)]
pub struct DiagnosisJson<'a>(pub &'a model::Diagnosis);

impl Serialize for DiagnosisJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Diagnosis::from(self.0).serialize(serializer)
    }
}

impl JsonSchema for DiagnosisJson<'_> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Diagnosis::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<Diagnosis<'static>>()
    }
}

borrowing! {
    /// One possible cause of a finding's error.
    Cause from model::RankedCause as c {
        /// The cause's id within its knowledge-base entry.
        id: &'a str = c.id,
        /// One line saying what the cause is (the same key as a root cause's).
        title: &'a str = c.summary,
        /// Higher is likelier.
        score: i32 = c.score,
        /// Signals that raised (or, prefixed `not: `, lowered) the score.
        evidence: &'a [Clue] = &c.evidence,
        /// The fix as steps, for the likeliest cause only (empty for the others).
        fix: &'a [String] = c.fix,
    }
}

borrowing! {
    /// A candidate payload that could not be read.
    Malformed from model::Malformed as m {
        /// The input's path as given.
        path: &'a str = &m.path,
        /// 1-based line where the payload starts.
        line: u64 = m.span.line,
        /// 1-based column where the payload starts.
        column: u64 = m.span.column,
        /// Byte offset where the payload starts.
        offset: u64 = m.span.offset,
        /// Length in bytes of what was looked at.
        length: u64 = m.span.length,
        /// Byte offset where reading broke down.
        error_offset: u64 = m.error_offset,
        /// Why it could not be read.
        reason: &'a Broken = &m.reason,
    }
}

borrowing! {
    /// An input left out on purpose.
    Skipped from ModelNote as n {
        /// The path as shown to the user.
        path: &'a str = &n.path,
        /// Why it was left out.
        reason: &'a str = &n.reason,
    }
}

borrowing! {
    /// An input that could not be read.
    Unreadable from ModelNote as n {
        /// The path as shown to the user.
        path: &'a str = &n.path,
        /// What went wrong.
        message: &'a str = &n.reason,
    }
}

borrowing! {
    /// A path and why it is listed, in the summary and the JSON document.
    Note from ModelNote as n {
        /// The path as shown to the user.
        path: &'a str = &n.path,
        /// Why it was left out or could not be read.
        reason: &'a str = &n.reason,
    }
}

borrowing! {
    /// What the run did: counts over all inputs and the ranked root causes.
    Summary from model::Summary as s {
        /// The version of this output contract.
        schema_version: u32 = SCHEMA_VERSION,
        /// Inputs scanned.
        inputs: u64 = s.inputs,
        /// Bytes of decoded text scanned.
        bytes: u64 = s.stats.bytes,
        /// Events the findings came in (records of the input: an alert with
        /// its details, a log record, a CSV row).
        events: u64 = s.stats.events,
        /// Findings reported (after the filters).
        findings: u64 = s.stats.findings,
        /// Of those, class Error.
        errors: u64 = s.stats.errors,
        /// Of those, class Warning.
        warnings: u64 = s.stats.warnings,
        /// Of those, class Success (only with --show-success).
        successes: u64 = s.stats.successes,
        /// Of those, with no class (alerts, exceptions, mentions).
        unclassed: u64 = s.stats.unclassed,
        /// Payloads that could not be read.
        malformed: u64 = s.stats.malformed,
        /// Findings the filters (--code, --mailbox, --since, --until,
        /// --max-count) left out.
        filtered_out: u64 = s.stats.filtered_out,
        /// Inputs left out on purpose.
        skipped: Vec<Note<'a>> = s.skipped.iter().map(Note::from).collect(),
        /// Inputs that could not be read.
        unreadable: Vec<Note<'a>> = s.unreadable.iter().map(Note::from).collect(),
        /// Files the folder walk passed over by its rules.
        left_out: LeftOut = (&s.left_out).into(),
        /// What went wrong, ranked by the mailboxes each cause hits.
        root_causes: Vec<RootCause<'a>> = s.root_causes.iter().map(RootCause::from).collect(),
    }
}

/// Files a folder walk passed over, by the rule that left them out (counts
/// only, so nothing to borrow).
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct LeftOut {
    /// Files `.gitignore`, `.ignore` or git exclude rules leave out
    /// (`--no-ignore` includes them).
    pub ignored: u64,
    /// Hidden files, and files in hidden folders (`--hidden` includes them).
    pub hidden: u64,
}

impl From<&model::LeftOut> for LeftOut {
    fn from(l: &model::LeftOut) -> Self {
        LeftOut { ignored: l.ignored, hidden: l.hidden }
    }
}

borrowing! {
    /// One thing to fix, with the findings it explains.
    RootCause from ModelRootCause as r {
        /// Stable, kebab-case name of the rule, or `code:<code>` for a
        /// knowledge-base group.
        id: &'a str = &r.id,
        /// One line saying what went wrong.
        title: &'a str = &r.title,
        /// Every code and inner code of the findings involved.
        codes: &'a [String] = &r.codes,
        /// Mailboxes affected.
        mailboxes: &'a [String] = &r.mailboxes,
        /// How many findings it explains.
        findings: usize = r.findings,
        /// The earliest time seen.
        first_seen: Option<&'a str> = r.first_seen.as_deref(),
        /// The latest time seen.
        last_seen: Option<&'a str> = r.last_seen.as_deref(),
        /// Whether waiting and retrying can clear it.
        transient: Transient = r.transient,
        /// How sure the conclusion is.
        confidence: Confidence = r.confidence,
        /// What pointed to it, in words (prefixed `not: `, what pointed away).
        evidence: &'a [Clue] = &r.evidence,
        /// What to do, as steps.
        fix: &'a [String] = &r.fix,
        /// The knowledge-base code it explains, when there is one.
        kb_code: Option<&'a str> = r.kb_code.as_deref(),
    }
}

/// The JSON Schema (draft 2020-12) of one ndjson line, as `ewsdiag schema`
/// prints it.
pub fn schema() -> Schema {
    let mut schema =
        SchemaSettings::draft2020_12().for_serialize().into_generator().into_root_schema_for::<Line<'_>>();
    schema.insert("title".to_owned(), "ewsdiag ndjson line".into());
    schema.insert(
        "description".to_owned(),
        format!(
            "One line of `ewsdiag scan --format ndjson`, schema version {SCHEMA_VERSION}. \
             Readers should skip line types and keys they do not know."
        )
        .into(),
    );
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_line_type_and_requires_every_finding_key() {
        let schema = serde_json::to_value(schema()).expect("a schema serializes");
        let text = schema.to_string();
        for kind in ["finding", "malformed", "skipped", "error", "summary"] {
            assert!(text.contains(&format!("\"const\":\"{kind}\"")), "line type {kind}");
        }
        let finding = &schema["$defs"]["Finding"];
        let required: Vec<&str> = finding["required"]
            .as_array()
            .expect("required keys")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for key in ["path", "inner_code", "mailbox", "diagnosis", "truncated"] {
            assert!(required.contains(&key), "{key} is always written, null or not");
        }
    }

    #[test]
    fn a_finding_line_starts_with_its_type() {
        let finding = model::Finding::new(Shape::Alert, "ErrorServerBusy");
        let line = serde_json::to_string(&Line::Finding(Finding::from(&finding))).expect("serializes");
        assert!(line.starts_with(r#"{"type":"finding","path":"#), "{line}");
    }
}
