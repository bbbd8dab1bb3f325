//! Plain data: what the scanner finds and what diagnosis concludes. No I/O here.
//!
//! Every position is measured in the input *after* decompression and decoding to
//! UTF-8 (for a UTF-8 file, its own bytes). A payload that sits inside an escaped
//! wrapping (a CSV field, a JSON string, HTML entities) is spanned by its escaped
//! form, as it stands in the input.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

mod outcome;
mod root;

pub use outcome::{LeftOut, Note, Stats, Summary, Timings};
pub use root::{Confidence, RootCause};

/// `26988` as `26,988`: how every count shown to a person is written, in the
/// terminal, the HTML page and the sentences of a diagnosis alike.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What kind of text a finding was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// An EWS `*ResponseMessage` (or a serialized `ResponseMessageType`).
    EwsResponse,
    /// A SOAP fault, with or without an EWS detail.
    SoapFault,
    /// A Dynamics 365 alert: `Email Server Error Code: …`.
    Alert,
    /// .NET exception text (WebException, SoapException, SocketException, …).
    Exception,
    /// A Dataverse platform fault (`Returned hr = …`, `OrganizationServiceFault`).
    DataverseFault,
    /// An OWA-style JSON response with `"ResponseCode"`.
    JsonResponse,
    /// A Microsoft Graph / REST JSON error.
    GraphError,
    /// A Microsoft Entra sign-in error (`AADSTS50076: …`).
    Aadsts,
    /// An item-level token from the synchronization dashboard.
    DashboardToken,
    /// A known code name standing in free text with no structure around it.
    Mention,
}

/// How the payload was wrapped where it stands in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Wrapping {
    /// As is.
    Raw,
    /// Inside a CSV field, quotes doubled.
    Csv,
    /// Inside a JSON string, with backslash escapes.
    JsonString,
    /// Entity-escaped in HTML (page source, a `<pre>` block).
    HtmlEscaped,
    /// Entity-escaped inside another XML document.
    XmlEscaped,
    /// Cut into fixed-width lines by a viewer.
    LineWrapped,
}

/// The text encoding the input was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default, schemars::JsonSchema)]
pub enum Encoding {
    /// UTF-8, with or without a BOM (also the fallback for unknown bytes).
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16, little endian.
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16, big endian.
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// UTF-32, little endian (with a BOM).
    #[serde(rename = "utf-32le")]
    Utf32Le,
    /// UTF-32, big endian (with a BOM).
    #[serde(rename = "utf-32be")]
    Utf32Be,
    /// Windows-1252: a file that is not UTF-8 and not UTF-16.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

/// The `ResponseClass` of an EWS message, or the grade of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub enum Class {
    /// The request failed.
    Error,
    /// The request partly succeeded, or an alert of warning grade.
    Warning,
    /// The request succeeded (`NoError`).
    Success,
}

impl Class {
    /// Reads `Error`, `Warning` or `Success`, ignoring case and surrounding blanks.
    pub fn parse(text: &str) -> Option<Class> {
        match text.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Class::Error),
            "warning" => Some(Class::Warning),
            "success" => Some(Class::Success),
            _ => None,
        }
    }
}

/// A byte range in the decoded input, with the line and column of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// 1-based line of the first byte.
    pub line: u64,
    /// 1-based column (in bytes) of the first byte.
    pub column: u64,
}

/// Spans of the parts of a payload worth pointing at: byte ranges in the
/// input, measured as [`Span::offset`] is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Marks {
    /// Where the code stands.
    pub code: Option<Range<u64>>,
    /// Where the message stands.
    pub message: Option<Range<u64>>,
    /// Where the inner code stands.
    pub inner_code: Option<Range<u64>>,
}

/// One error (or warning, or success) response found in the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The input's path as given, `-` for standard input.
    pub path: String,
    /// Position of the payload.
    #[serde(flatten)]
    pub span: Span,
    /// What kind of text it was read from.
    pub shape: Shape,
    /// How it was wrapped.
    pub wrapping: Wrapping,
    /// The input's encoding.
    pub encoding: Encoding,
    /// Response class or alert grade, when the payload says.
    pub class: Option<Class>,
    /// The code exactly as the payload gives it.
    pub code: String,
    /// `InnerErrorResponseCode`, or the name a numeric code stands for.
    pub inner_code: Option<String>,
    /// The message, entities decoded, blanks trimmed.
    pub message: Option<String>,
    /// The EWS operation (`FindItem`, …).
    pub operation: Option<String>,
    /// `MessageXml` values (and fault details) by name.
    pub details: BTreeMap<String, String>,
    /// The mailbox the payload concerns, when known.
    pub mailbox: Option<String>,
    /// The email server profile, when known.
    pub profile: Option<String>,
    /// When it happened, in RFC 3339 (`2026-11-20T08:16:40Z`, or with no
    /// offset, `2026-11-20T08:16:40`, when the input does not say the zone).
    pub time: Option<String>,
    /// The time as the input writes it (`11/20/2026 8:16:40 AM`).
    pub time_text: Option<String>,
    /// The event the finding belongs to: the byte offset where its record
    /// (an alert with its details, a log record, a CSV row, a trace's request
    /// and response) starts. Findings of one event share it.
    pub event: u64,
    /// For a workbook input, the sheet the finding stands in (`Alerts`).
    pub sheet: Option<String>,
    /// For a workbook input, the cell the finding stands in (`D2`); the span
    /// is then measured within the cell's text.
    pub cell: Option<String>,
    /// The payload was cut off before its end.
    pub truncated: bool,
    /// What the knowledge base makes of it; shared by the findings that
    /// look alike, since a scan diagnoses each kind only once.
    pub diagnosis: Option<Arc<Diagnosis>>,
    /// Spans of the code, message and inner code, for rendering.
    #[serde(skip)]
    pub marks: Marks,
    /// The payload's text as it stands in the (decoded) input, when the scan
    /// was asked to keep it (see `ScanConfig::keep_source`), for rendering.
    #[serde(skip)]
    pub source: Option<String>,
}

impl Finding {
    /// A finding with only its shape and code set, the rest empty, for the
    /// scanner (or a test) to fill in.
    pub fn new(shape: Shape, code: impl Into<String>) -> Finding {
        Finding {
            path: String::new(),
            span: Span::default(),
            shape,
            wrapping: Wrapping::Raw,
            encoding: Encoding::default(),
            class: None,
            code: code.into(),
            inner_code: None,
            message: None,
            operation: None,
            details: BTreeMap::new(),
            mailbox: None,
            profile: None,
            time: None,
            time_text: None,
            event: 0,
            sheet: None,
            cell: None,
            truncated: false,
            diagnosis: None,
            marks: Marks::default(),
            source: None,
        }
    }

    /// The code diagnosis should prefer: the inner code when there is one.
    pub fn effective_code(&self) -> &str {
        self.inner_code.as_deref().unwrap_or(&self.code)
    }

    /// Does this finding count for the exit status (an error, a warning or an alert)?
    pub fn is_problem(&self) -> bool {
        self.class != Some(Class::Success)
    }
}

/// A candidate payload that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Malformed {
    /// The input's path as given.
    pub path: String,
    /// Where the payload starts.
    #[serde(flatten)]
    pub span: Span,
    /// Byte offset where reading broke down.
    pub error_offset: u64,
    /// Why it could not be read.
    pub reason: Broken,
    /// The text around where reading broke, as the input has it, when the
    /// scan was asked to keep payload text (for rendering).
    #[serde(skip)]
    pub source: Option<Excerpt>,
}

/// A stretch of the decoded input, kept for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// Byte offset of its first byte in the input.
    pub offset: u64,
    /// The text.
    pub text: String,
}

/// Why a candidate payload could not be read. Its `Display` is the sentence
/// the output writes as the `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The XML reader stopped, in its own words (`syntax error: …`).
    Xml(String),
    /// The text ended before the payload's response code.
    CutOff,
    /// The payload ended, but no response code could be read from it.
    NoCode,
    /// An OWA-style JSON response ended before its `ResponseCode`.
    JsonCutOff,
    /// The payload ran past the `--max-payload` limit of this many bytes.
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::Xml(words) => f.write_str(words),
            Broken::CutOff => f.write_str("the payload is cut off before its response code"),
            Broken::NoCode => f.write_str("no response code could be read from this payload"),
            Broken::JsonCutOff => f.write_str("JSON response cut off before its ResponseCode"),
            Broken::TooLong { limit } => write!(
                f,
                "payload longer than {limit} bytes (the --max-payload limit): read as far as the limit, \
                 the rest passed over"
            ),
        }
    }
}

/// A type that goes on the wire as its `Display` text: serialized as that
/// string, and described in the schema by `$schema`.
macro_rules! written_as_text {
    ($ty:ident, $schema:expr) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl schemars::JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                $schema
            }
        }
    };
}

written_as_text!(Broken, schemars::json_schema!({ "type": "string" }));

/// Whether waiting and retrying can clear an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transient {
    /// Retrying later usually works.
    Yes,
    /// Something must be changed first.
    No,
    /// Depends on the cause.
    Sometimes,
}

/// The knowledge base's verdict on one finding. Its words are the knowledge
/// base's own, borrowed rather than copied: a scan diagnoses every finding,
/// and the knowledge base lives as long as the program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// The code the verdict is about (the inner code when there is one).
    pub code: &'static str,
    /// The knowledge base's folder the entry comes from (`ews`, `sss`, …), which
    /// renderers show as the code's namespace (`ews::ErrorAccessDenied`).
    /// Not part of the output contract.
    #[serde(skip)]
    pub namespace: &'static str,
    /// A web page to read more, from the entry's references. Not part of the
    /// output contract.
    #[serde(skip)]
    pub url: Option<&'static str>,
    /// One line saying what went wrong.
    pub title: &'static str,
    /// The knowledge-base category.
    pub category: &'static str,
    /// Whether retrying can help.
    pub transient: Transient,
    /// Causes, most likely first.
    pub causes: Vec<RankedCause>,
    /// The other entry the code can be read as, when it has two readings (a
    /// bare number that is both a `ServiceError` ordinal and an HTTP status):
    /// the one the finding's words support less.
    pub also: Option<Reading>,
}

/// An entry of the knowledge base a code can also be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// The entry's code.
    pub code: &'static str,
    /// One line saying what went wrong, read that way.
    pub title: &'static str,
}

/// One possible cause with the evidence for and against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedCause {
    /// The cause's id within its entry.
    pub id: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Higher is likelier.
    pub score: i32,
    /// Signals that raised or lowered the score.
    pub evidence: Vec<Clue>,
    /// The fix, as steps: given for the likeliest cause only, to keep every
    /// finding's record short; `ewsdiag explain CODE` has the others.
    pub fix: &'static [String],
}

/// Which way a piece of evidence points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Polarity {
    /// It makes the cause likelier.
    For,
    /// It makes the cause less likely.
    Against,
}

/// One piece of evidence, in words, and which way it points.
///
/// On output it is one string, and evidence against reads `not: <text>`:
/// [`Clue`]'s `Display` writes that prefix, and nothing reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clue {
    /// Which way it points.
    pub polarity: Polarity,
    /// What was seen (`message mentions "SendOnly"`).
    pub text: String,
}

impl Clue {
    /// Evidence that makes a cause likelier.
    pub fn for_(text: impl Into<String>) -> Clue {
        Clue { polarity: Polarity::For, text: text.into() }
    }

    /// Evidence that makes a cause less likely.
    pub fn against(text: impl Into<String>) -> Clue {
        Clue { polarity: Polarity::Against, text: text.into() }
    }

    /// Does it make the cause likelier?
    pub fn is_for(&self) -> bool {
        self.polarity == Polarity::For
    }
}

impl std::fmt::Display for Clue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.polarity {
            Polarity::For => f.write_str(&self.text),
            Polarity::Against => write!(f, "not: {}", self.text),
        }
    }
}

written_as_text!(
    Clue,
    schemars::json_schema!({
        "type": "string",
        "description": "What was seen; evidence against the cause starts with `not: `."
    })
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_against_a_cause_is_written_with_a_not_prefix_and_evidence_for_as_is() {
        let clues = [Clue::for_("operation is FindItem"), Clue::against("HTTP status 401")];
        assert_eq!(clues[0].to_string(), "operation is FindItem");
        assert_eq!(clues[1].to_string(), "not: HTTP status 401");
        let json = serde_json::to_string(&clues).expect("serializes");
        assert_eq!(json, r#"["operation is FindItem","not: HTTP status 401"]"#);
        assert!(clues[0].is_for() && !clues[1].is_for());
    }

    #[test]
    fn each_reason_a_payload_could_not_be_read_is_written_as_one_sentence() {
        let said = |b: Broken| serde_json::to_string(&b).expect("serializes");
        assert_eq!(said(Broken::CutOff), r#""the payload is cut off before its response code""#);
        assert_eq!(said(Broken::NoCode), r#""no response code could be read from this payload""#);
        assert_eq!(said(Broken::JsonCutOff), r#""JSON response cut off before its ResponseCode""#);
        assert_eq!(
            said(Broken::Xml("syntax error: unclosed comment".into())),
            r#""syntax error: unclosed comment""#
        );
        assert_eq!(
            Broken::TooLong { limit: 4096 }.to_string(),
            "payload longer than 4096 bytes (the --max-payload limit): read as far as the limit, the rest passed over"
        );
    }
}
