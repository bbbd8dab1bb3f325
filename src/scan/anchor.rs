//! Where to look: a multi-literal search for the words every payload shape
//! carries, and the dispatch from a hit to the recogniser for its shape.
//!
//! The anchors are plain words (`ResponseCode`, `Envelope`, `server returned`)
//! because they survive every wrapping: a CSV field, a JSON string or HTML
//! entities escape the punctuation around them, never the letters.

use std::sync::LazyLock;

use super::recognise::{Hit, Input, Outcome};
use super::search::{Searches, Words};
use super::{
    aadsts, alert, ews_block, graph_json, graph_powershell, graph_python, graph_sdk, json, text, window,
};
use crate::kb::codes;

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
    /// `Exception`: the end of an exception type's name, which says the kind
    /// (see [`EXCEPTIONS`]).
    ExceptionName,
}

/// The fixed anchors. Each is a word rare in ordinary logs, with the part
/// of it the search looks for (its gate, see [`search`]: four bytes or more,
/// rarer still; empty for a word looked for on its own). The search runs
/// over every byte of the input, and every hit costs a look.
const ANCHORS: &[(&str, &str, Kind)] = &[
    ("Envelope", "nvelop", Kind::Xml),
    ("ResponseMessage", "espons", Kind::Xml),
    ("Fault", "Fault", Kind::Xml),
    ("ResponseCode", "espons", Kind::ResponseCode),
    ("ResponseClass", "espons", Kind::Xml),
    ("MessageText", "eText", Kind::Xml),
    ("faultcode", "faultc", Kind::Xml),
    ("Email Server Error Code", "Error", Kind::AlertLabel),
    ("Sync Error", "Error", Kind::SyncLabel),
    ("server returned", "eturned", Kind::Returned),
    ("Socket returned", "eturned", Kind::Returned),
    // `Crm.` alone opens every frame of a Dynamics stack trace.
    ("Crm.8", "rm.8", Kind::Crm),
    ("Returned hr", "eturned", Kind::Hresult),
    ("Exception", "ception", Kind::ExceptionName),
    ("Error", "Error", Kind::CodeName),
    // The key of a Graph error, with its quotes raw, JSON-escaped or doubled.
    ("\"error\":", "error\"", Kind::GraphError),
    ("\\\"error\\\":", "error\\", Kind::GraphError),
    ("\"\"error\"\":", "error\"", Kind::GraphError),
    ("NoCorrelationMatch", "NoCorrel", Kind::Dashboard),
    ("NoRecipientMatch", "NoRecip", Kind::Dashboard),
    ("IsvAborted", "IsvAborted", Kind::Dashboard),
    ("IsvUnexpected", "IsvUnexpected", Kind::Dashboard),
    ("InternalEmailReject", "alEmailRe", Kind::Dashboard),
    ("ExchangeSyncSchedulingConflictsError", "Error", Kind::Dashboard),
    ("ExchangeSyncDuplicateRecordsError", "Error", Kind::Dashboard),
    ("InvalidSender", "idSender", Kind::Dashboard),
    ("InvalidForwardMailItem", "dForward", Kind::Dashboard),
    ("PrivilegeDenied", "PrivilegeDenied", Kind::Dashboard),
    ("ODataError", "Error", Kind::ODataError),
    ("GraphError", "Error", Kind::GraphErrorDump),
    ("'error':", "error'", Kind::PythonDict),
    ("MainError(", "Error", Kind::PythonMainError),
    ("-Mg", "", Kind::PowerShell),
    ("graph.microsoft.com", "h.micro", Kind::GraphUrl),
    // The key's opening quote only, so that `\"responses\"` and
    // `""responses""` are hits too.
    ("\"responses", "espons", Kind::Batch),
    ("AADSTS", "AADSTS", Kind::Aadsts),
    ("X-EWS-Policy-Reason", "-EWS-P", Kind::EwsPolicy),
    ("x-ews-policy-reason", "-ews-p", Kind::EwsPolicy),
];

/// Exception types whose text is about mail flow, by the end of their name:
/// a hit on `Exception` is one of these when the word it ends ends so (the
/// longest that fits wins). One anchor for them all keeps the search fast.
const EXCEPTIONS: &[(&str, Kind)] = &[
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
    ("ServiceException", Kind::GraphServiceException),
];

/// The longest anchor: a hit can straddle a chunk boundary by this much less one.
pub(crate) const LONGEST: usize = 40;
/// How far back from `Exception` the start of its word is looked for.
const LONGEST_WORD: usize = 64;

/// Every anchor, as the search takes them.
static WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&ANCHORS.iter().map(|(w, g, _)| (*w, *g)).collect::<Vec<_>>(), GATES_IN_ORDER)
});

/// The gates in the order they go to the vector searcher. The order changes
/// nothing found, only how much text the searcher lets through to be
/// checked: it sorts fingerprints into eight buckets by their place in its
/// list, and a bucket whose fingerprints share few bytes matches more text.
/// This order was the fastest of 150 tried on samples of three corpora
/// (0.16 -> 0.11 s per GiB on the shared ordinary corpus, 0.31 -> 0.26 on
/// ours, 0.50 -> 0.48 on our dense one), and it held on other files of
/// each. A new gate may go anywhere; a test has every gate listed.
const GATES_IN_ORDER: &[&str] = &[
    "espons",
    "-ews-p",
    "error\\",
    "error'",
    "eText",
    "IsvUnexpected",
    "dForward",
    "NoRecip",
    "IsvAborted",
    "ception",
    "nvelop",
    "eturned",
    "h.micro",
    "idSender",
    "PrivilegeDenied",
    "alEmailRe",
    "Error",
    "error\"",
    "AADSTS",
    "Fault",
    "rm.8",
    "faultc",
    "-EWS-P",
    "NoCorrel",
];

/// The capital letters an EWS code name goes on with after `Error`: a hit on
/// `Error` is a mention only when one of them follows, so the countless
/// `Error:` and `Error ` of ordinary logs cost one look each.
static CODE_LETTERS: LazyLock<[bool; 256]> = LazyLock::new(|| {
    let mut letters = [false; 256];
    for code in codes::ews_codes() {
        if let Some(&c) = code.strip_prefix("Error").and_then(|rest| rest.as_bytes().first()) {
            letters[usize::from(c)] = c.is_ascii_uppercase();
        }
    }
    letters
});

/// One anchor found: where its word stands and what it points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Anchor {
    pub hit: Hit,
    pub kind: Kind,
}

/// One input's search for anchors: it remembers how far it has looked
/// (see [`Searches`]), so it follows one input from its start to its end.
#[derive(Debug, Default)]
pub(super) struct Finder(Searches);

impl Finder {
    /// The next anchor at or after `from` in `buf`, whose first byte stands
    /// at `base` in the input.
    pub(super) fn next_hit(&mut self, buf: &[u8], base: u64, from: usize) -> Option<Anchor> {
        let mut at = from;
        loop {
            let (start, word) = self.0.next(&WORDS, buf, base, at)?;
            let (text, _, kind) = ANCHORS[word];
            let end = start + text.len();
            let hit = match kind {
                Kind::CodeName => buf
                    .get(end)
                    .filter(|&&c| CODE_LETTERS[usize::from(c)])
                    .map(|_| Anchor { hit: Hit { at: start, len: end + 1 - start }, kind: Kind::CodeName }),
                Kind::ExceptionName => exception(buf, start, end).filter(|found| found.hit.at >= from),
                kind => Some(Anchor { hit: Hit { at: start, len: end - start }, kind }),
            };
            match hit {
                Some(hit) => return Some(hit),
                None => at = start + 1,
            }
        }
    }
}

/// The exception type whose name ends at `end` (`Exception` standing at
/// `start`), as a hit on the part of its name [`EXCEPTIONS`] lists.
fn exception(buf: &[u8], start: usize, end: usize) -> Option<Anchor> {
    let floor = start.saturating_sub(LONGEST_WORD);
    let word =
        buf[floor..start].iter().rposition(|c| !c.is_ascii_alphanumeric()).map_or(floor, |p| floor + p + 1);
    let name = &buf[word..end];
    let (listed, kind) = EXCEPTIONS
        .iter()
        .filter(|(listed, _)| name.ends_with(listed.as_bytes()))
        .max_by_key(|(listed, _)| listed.len())?;
    Some(Anchor { hit: Hit { at: end - listed.len(), len: listed.len() }, kind: *kind })
}

/// Reads what a hit points at.
pub(super) fn recognise(input: &Input<'_>, anchor: Anchor) -> Outcome {
    let hit = anchor.hit;
    match anchor.kind {
        Kind::Xml => window::xml_payload(input, hit),
        // A quoted `"ResponseCode"` is a JSON key; otherwise an element name.
        Kind::ResponseCode => match json::quote_before(input.buf, hit.at, input.floor) {
            Some(quote) => json::response(input, hit, quote),
            None => window::xml_payload(input, hit),
        },
        Kind::AlertLabel => alert::alert_label(input, hit),
        Kind::SyncLabel => text::sync_label(input, hit),
        Kind::CodeName => text::mention(input, hit),
        // Named for the exception type by `next_hit`; never dispatched as is.
        Kind::ExceptionName => Outcome::Skip,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_anchor_fits_in_what_a_chunk_keeps_for_the_next() {
        assert!(ANCHORS.iter().all(|(word, _, _)| word.len() < LONGEST));
    }

    #[test]
    fn every_gate_has_its_place_in_the_search_order_and_only_gates_do() {
        let gates: std::collections::BTreeSet<&str> =
            ANCHORS.iter().map(|(_, gate, _)| *gate).filter(|gate| !gate.is_empty()).collect();
        let listed: std::collections::BTreeSet<&str> = GATES_IN_ORDER.iter().copied().collect();
        assert_eq!(listed.len(), GATES_IN_ORDER.len(), "a gate is listed twice");
        assert_eq!(gates, listed);
    }

    #[test]
    fn the_anchor_table_builds() {
        // Every gate is part of its word, long enough, and hides no word.
        LazyLock::force(&WORDS);
    }

    #[test]
    fn anchors_are_found_in_order_each_where_its_word_starts() {
        let text = "x-Mg ResponseCode> NoError <m:ResponseCode>ErrorAccessDenied</m:ResponseCode> \
                    Email Server Error Code: Crm.80044 Get-MgUser: System.Net.WebException: \
                    ExchangeSyncDuplicateRecordsError \"\"error\"\": graph.microsoft.com";
        let mut finder = Finder::default();
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(anchor) = finder.next_hit(text.as_bytes(), 0, from) {
            found.push((&text[anchor.hit.at..anchor.hit.at + anchor.hit.len], anchor.kind));
            from = anchor.hit.at + 1;
        }
        assert_eq!(
            found,
            [
                ("-Mg", Kind::PowerShell),
                ("ResponseCode", Kind::ResponseCode),
                ("ResponseCode", Kind::ResponseCode),
                ("ErrorA", Kind::CodeName),
                ("ResponseCode", Kind::ResponseCode),
                ("Email Server Error Code", Kind::AlertLabel),
                ("Crm.8", Kind::Crm),
                ("-Mg", Kind::PowerShell),
                ("WebException", Kind::Exception),
                ("ExchangeSyncDuplicateRecordsError", Kind::Dashboard),
                ("\"\"error\"\":", Kind::GraphError),
                ("graph.microsoft.com", Kind::GraphUrl),
            ]
        );
    }
}
