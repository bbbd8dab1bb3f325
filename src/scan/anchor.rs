//! Where to look: a multi-literal search for the words every payload shape
//! carries, and the dispatch from a hit to the recogniser for its shape.
//!
//! The anchors are plain words (`ResponseCode`, `Envelope`, `server returned`)
//! because they survive every wrapping: a CSV field, a JSON string or HTML
//! entities escape the punctuation around them, never the letters.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::view::View;
use super::{
    aadsts, alert, ews_block, graph_json, graph_powershell, graph_python, graph_sdk, json, text, window,
};
use crate::kb::codes;
use crate::model::{Finding, Wrapping};

/// What an anchor points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An XML element name (or attribute) of an EWS payload.
    Xml,
    /// `ResponseCode`: XML, or a JSON key.
    ResponseCode,
    /// `Email Server Error Code`: an alert's label.
    AlertLabel,
    /// `Sync Error`: the dashboard's label.
    SyncLabel,
    /// `server returned`/`Socket returned`: an alert token without its label.
    Returned,
    /// `Crm.8`: a Dataverse error token.
    Crm,
    /// `Returned hr`: a Dataverse platform error.
    Hresult,
    /// An exception type whose text is about mail flow.
    Exception,
    /// `"error":`: a Graph / REST JSON error.
    GraphError,
    /// An item-level dashboard token.
    Dashboard,
    /// `ServiceException`: .NET's or (as `GraphServiceException`) Java's Graph SDK error.
    GraphServiceException,
    /// `ODataError`: the Graph SDKs' error type, with .NET or Go fields.
    ODataError,
    /// `GraphError`: a JavaScript Graph client error dump.
    GraphErrorDump,
    /// `'error':`: a Python dict repr of a Graph error response.
    PythonDict,
    /// `MainError(`: the Python Graph SDK's error dataclass.
    PythonMainError,
    /// `-Mg`: a Microsoft Graph PowerShell cmdlet's error record.
    PowerShell,
    /// `graph.microsoft.com`: a line calling Graph, perhaps with a bare error object.
    GraphUrl,
    /// `"responses`: a Graph `$batch` response.
    Batch,
    /// `AADSTS`: a Microsoft Entra ID sign-in error.
    Aadsts,
    /// `X-EWS-Policy-Reason`: an EWS request blocked by policy.
    EwsPolicy,
    /// `Error` and a capital letter: perhaps an EWS code name in free text.
    CodeName,
}

/// The fixed anchors. Each is a word rare in ordinary logs: the search runs
/// over every byte of the input, and every hit costs a look.
const ANCHORS: &[(&str, Kind)] = &[
    ("Envelope", Kind::Xml),
    ("ResponseMessage", Kind::Xml),
    ("Fault", Kind::Xml),
    ("ResponseCode", Kind::ResponseCode),
    ("ResponseClass", Kind::Xml),
    ("MessageText", Kind::Xml),
    ("faultcode", Kind::Xml),
    ("Email Server Error Code", Kind::AlertLabel),
    ("Sync Error", Kind::SyncLabel),
    ("server returned", Kind::Returned),
    ("Socket returned", Kind::Returned),
    ("Crm.8", Kind::Crm),
    ("Returned hr", Kind::Hresult),
    ("WebException", Kind::Exception),
    ("SoapException", Kind::Exception),
    ("SocketException", Kind::Exception),
    ("SmtpException", Kind::Exception),
    ("SmtpFailedRecipientException", Kind::Exception),
    ("AuthenticationException", Kind::Exception),
    ("ServiceResponseException", Kind::Exception),
    ("ServiceRequestException", Kind::Exception),
    ("AutodiscoverLocalException", Kind::Exception),
    ("ExchangeSyncException", Kind::Exception),
    ("FaultException", Kind::Exception),
    // The key of a Graph error, with its quotes raw, JSON-escaped or doubled.
    ("\"error\":", Kind::GraphError),
    ("\\\"error\\\":", Kind::GraphError),
    ("\"\"error\"\":", Kind::GraphError),
    ("NoCorrelationMatch", Kind::Dashboard),
    ("NoRecipientMatch", Kind::Dashboard),
    ("IsvAborted", Kind::Dashboard),
    ("IsvUnexpected", Kind::Dashboard),
    ("InternalEmailReject", Kind::Dashboard),
    ("ExchangeSyncSchedulingConflictsError", Kind::Dashboard),
    ("ExchangeSyncDuplicateRecordsError", Kind::Dashboard),
    ("InvalidSender", Kind::Dashboard),
    ("InvalidForwardMailItem", Kind::Dashboard),
    ("PrivilegeDenied", Kind::Dashboard),
    ("ServiceException", Kind::GraphServiceException),
    ("ODataError", Kind::ODataError),
    ("GraphError", Kind::GraphErrorDump),
    ("'error':", Kind::PythonDict),
    ("MainError(", Kind::PythonMainError),
    ("-Mg", Kind::PowerShell),
    ("graph.microsoft.com", Kind::GraphUrl),
    // The key's opening quote only, so that `\"responses\"` and
    // `""responses""` are hits too.
    ("\"responses", Kind::Batch),
    ("AADSTS", Kind::Aadsts),
    ("X-EWS-Policy-Reason", Kind::EwsPolicy),
    ("x-ews-policy-reason", Kind::EwsPolicy),
];

/// The longest anchor: a hit can straddle a chunk boundary by this much less one.
pub(crate) const LONGEST: usize = 40;

/// Every anchor: the fixed ones, then `Error` followed by each capital letter
/// an EWS code name continues with (`ErrorA`, `ErrorC`, …), so that the
/// countless `Error:` and `Error ` of ordinary logs are never hits.
static PATTERNS: LazyLock<Vec<(String, Kind)>> = LazyLock::new(|| {
    let mut patterns: Vec<(String, Kind)> = ANCHORS.iter().map(|(w, k)| ((*w).to_string(), *k)).collect();
    let mut letters: Vec<char> = codes::ews_codes()
        .iter()
        .filter_map(|code| code.strip_prefix("Error")?.chars().next())
        .filter(char::is_ascii_uppercase)
        .collect();
    letters.sort_unstable();
    letters.dedup();
    patterns.extend(letters.into_iter().map(|c| (format!("Error{c}"), Kind::CodeName)));
    patterns
});

static SEARCH: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .build(PATTERNS.iter().map(|(word, _)| word))
        .ok()
});

/// One anchor found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub at: usize,
    pub len: usize,
    pub kind: Kind,
}

/// The next anchor at or after `from`.
pub(crate) fn next_hit(buf: &[u8], from: usize) -> Option<Hit> {
    let found = SEARCH.as_ref()?.find(buf.get(from..)?)?;
    let (_, kind) = PATTERNS[found.pattern().as_usize()];
    Some(Hit { at: from + found.start(), len: found.len(), kind })
}

/// What a recogniser is given.
pub(crate) struct Input<'a> {
    pub buf: &'a [u8],
    /// No more input will come after `buf`.
    pub eof: bool,
    /// Nothing before this belongs to a new payload (the last one ended here).
    pub floor: usize,
    pub max_payload: usize,
}

/// A finding (positions relative to the buffer) or a payload that broke.
#[derive(Debug)]
pub(crate) enum Item {
    Finding(Box<Finding>),
    Malformed { start: usize, end: usize, error_at: usize, reason: String },
}

/// What a recogniser made of a hit.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Payloads read; scanning resumes at `end`.
    Found { items: Vec<Item>, end: usize },
    /// Nothing here.
    Skip,
    /// The payload starting at `from` runs past the buffer.
    NeedMore { from: usize },
}

/// Reads what a hit points at.
pub(crate) fn recognise(input: &Input<'_>, hit: Hit) -> Outcome {
    match hit.kind {
        Kind::Xml => window::xml_payload(input, hit),
        // A quoted `"ResponseCode"` is a JSON key; otherwise an element name.
        Kind::ResponseCode => match json::quote_before(input.buf, hit.at, input.floor) {
            Some(quote) => json::response(input, hit, quote),
            None => window::xml_payload(input, hit),
        },
        Kind::AlertLabel => alert::alert_label(input, hit),
        Kind::SyncLabel => text::sync_label(input, hit),
        Kind::CodeName => text::mention(input, hit),
        // `The remote server returned an error: (403) Forbidden.` is no
        // alert; next to EWS it is a blocked request.
        Kind::Returned => match alert::alert_without_label(input, hit) {
            Outcome::Skip => ews_block::client_error(input, hit),
            outcome => outcome,
        },
        Kind::Crm => alert::alert_without_label(input, hit),
        Kind::Hresult => text::hresult(input, hit),
        Kind::Exception => text::exception(input, hit),
        Kind::GraphError => json::graph_error(input, hit),
        Kind::Dashboard => text::dashboard_token(input, hit),
        Kind::GraphServiceException => graph_sdk::service_exception(input, hit),
        Kind::ODataError => graph_sdk::odata_error(input, hit),
        Kind::GraphErrorDump => graph_sdk::graph_error_dump(input, hit),
        Kind::PythonDict => graph_python::dict_repr(input, hit),
        Kind::PythonMainError => graph_python::main_error(input, hit),
        Kind::PowerShell => graph_powershell::error_record(input, hit),
        Kind::GraphUrl => graph_json::bare_object(input, hit),
        Kind::Batch => graph_json::batch(input, hit),
        Kind::Aadsts => aadsts::aadsts(input, hit),
        Kind::EwsPolicy => ews_block::policy_header(input, hit),
    }
}

/// Moves an item found in a view back onto the input.
pub(crate) fn remap(item: Item, view: &View) -> Item {
    match item {
        Item::Finding(mut f) => {
            let start = view.source(f.span.offset as usize);
            let end = view.source((f.span.offset + f.span.length) as usize);
            f.span.offset = start as u64;
            f.span.length = end.saturating_sub(start) as u64;
            for mark in
                [&mut f.marks.code, &mut f.marks.message, &mut f.marks.inner_code].into_iter().flatten()
            {
                let s = view.source(mark.0 as usize);
                let e = view.source((mark.0 + mark.1) as usize);
                *mark = (s as u64, e.saturating_sub(s) as u64);
            }
            if f.wrapping == Wrapping::Raw || view.wrapping != Wrapping::LineWrapped {
                f.wrapping = view.wrapping;
            }
            Item::Finding(f)
        }
        Item::Malformed { start, end, error_at, reason } => Item::Malformed {
            start: view.source(start),
            end: view.source(end),
            error_at: view.source(error_at),
            reason,
        },
    }
}
