//! Finding payloads in text that streams in.
//!
//! The input is read in chunks into one buffer. A multi-literal search
//! (`anchor`) finds the few places worth a look; a recogniser reads the payload
//! there (XML with quick-xml, JSON with serde_json, alert and exception lines by
//! hand) and says where it ends. When a payload runs past the end of the buffer
//! the buffer grows, up to [`ScanConfig::max_payload`]; past that the payload is
//! reported as oversized and read only as far as the cap, so the scanner's
//! memory stays bounded whatever the input.
//!
//! A recogniser reads the buffer, or a view decoded from it (`view`), and
//! answers with a draft finding whose positions are ranges in the text it
//! read. Those positions take two steps, each in one place: `Item::map`
//! moves them out of a view onto the text around it, and the driver's
//! `place` makes them offsets in the input with their line and column.
//!
//! - `driver`: the streaming loop, placing findings, the event each belongs to
//! - `recognise`: what every recogniser is given and answers (the contract)
//! - `anchor`: the words searched for, and which recogniser each hit goes to
//! - `window`: XML payloads, unwrapped from CSV, JSON or entities first (`view`)
//! - `xml`: reading one XML window, forgiving of broken markup
//! - `windows`: readings of windows met before, kept per thread and moved
//!   (through `Item::map`) to where the same bytes stand again
//! - `alert`, `text`, `json`: alert lines; exceptions, HRESULTs, dashboard
//!   tokens and code names in free text; OWA and Graph JSON
//! - `client`: the message beside a code as client libraries print it
//! - `prose`: where a sentence starts and stops, and its words as a person reads them
//! - `event`: where the record a finding stands in starts (its event)
//! - `lines`, `context`, `time`: line arithmetic; times, mailboxes and profiles
//!   nearby; times in RFC 3339
//! - `graph_sdk`, `graph_python`, `graph_powershell`, `graph_json`: Microsoft
//!   Graph errors as SDKs, PowerShell and `$batch` responses print them
//! - `aadsts`, `ews_block`: Entra ID sign-in errors; EWS requests refused by policy
//! - `record`, `http_context`: what those share: the text around a hit, a log
//!   record's lines; the request URL, status and headers around an error
//!
//! # Where to add
//!
//! - **A wrapping** (a new way a payload is escaped): its decoder in `view`,
//!   which pushes every decoded byte with the input position it came from,
//!   and a unit test there; a [`Wrapping`](crate::model::Wrapping) variant
//!   (part of the output contract: DESIGN.md lists the values, and the schema
//!   follows the type); where it is told apart, in `window` (`OPENERS`,
//!   `quoting`) for XML, `record::unwrap_around` for line-oriented readers and
//!   `json::quote_before` for JSON keys; an `Unwrapping` in `fuzzing` with its
//!   arm in `fuzz/fuzz_targets/views.rs`; and a row in `tests/wrappings.rs`
//!   that wraps every clean sample the new way. Recognisers need no change:
//!   their drafts leave the view through `Item::map`.
//! - **An alert shape** (a new token after `Email Server Error Code:`):
//!   `alert::parse_token`, and a row in its `the_nine_alert_token_shapes`
//!   test; if the token can stand without its label, its words and their
//!   gate in `anchor::ANCHORS` (as `Kind::Returned` or `Kind::Crm`; see
//!   `search` for what a gate is). Then a line in
//!   `samples/alerts/alert-tokens.txt`, its row in `tests/samples.rs`, its
//!   reviewed snapshot (`tests/render.rs`), and a knowledge-base entry for a
//!   code the knowledge base does not know yet.
//! - **A text shape** (a sentence, token or dump with no markup around it):
//!   a function `fn(&Input, Hit) -> Outcome` in `text` (or its own module,
//!   declared here and listed above), that returns
//!   `Draft::new(finding, span, code, message)` with ranges in the text it
//!   read, using `prose` for sentences and `record::read_at` when the text
//!   may stand JSON- or CSV-escaped; the anchor word, its gate and a `Kind`
//!   in `anchor`, and the `Kind`'s arm in `anchor::recognise`. A recogniser uses
//!   `recognise` and the helpers, never `anchor` or `driver`. Tests: a unit
//!   test beside it (`text::codes_in` scans a string), a sample with its row
//!   in `tests/samples.rs` (or `tests/graph.rs` for Graph's) and its reviewed
//!   snapshot.

mod aadsts;
mod alert;
mod anchor;
mod client;
mod context;
mod driver;
mod event;
mod ews_block;
#[doc(hidden)]
pub mod fuzzing;
mod graph_json;
mod graph_powershell;
mod graph_python;
mod graph_sdk;
mod held;
mod http_context;
mod json;
mod lines;
#[cfg(test)]
mod mixed;
mod prose;
mod quoted_name;
mod recent;
mod recognise;
mod record;
mod search;
mod text;
mod time;
mod view;
mod window;
mod windows;
#[doc(hidden)]
pub mod work;
mod xml;

use std::io::Read;
use std::ops::ControlFlow;

/// A reader cannot decide yet: the text it needs runs past what has been read,
/// and more input may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NeedMore;

/// A time as logs write it, in RFC 3339 (see the `time` module).
pub(crate) fn rfc3339(text: &str) -> Option<String> {
    time::rfc3339(text)
}

pub use driver::{Event, ReadError, Segment, SegmentEnd, SegmentScan};
pub use recent::{REPEAT_REACH, Recent};
pub use recognise::LOOKBACK;
pub use xml::{RECORD_HEAD, new_log_record};

use crate::filter::Filter;
use crate::model::{Encoding, Stats};

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// The largest payload read as one window, in bytes (default 1 MiB). A
    /// longer one is reported as malformed instead of being buffered.
    pub max_payload: usize,
    /// How many bytes to read at a time (default 256 KiB).
    pub read_size: usize,
    /// Report successful responses too (default false).
    pub show_success: bool,
    /// Keep each payload's text in [`Finding::source`](crate::model::Finding::source)
    /// for rendering (default false: a bulk scan has no use for it).
    pub keep_source: bool,
    /// Which findings the run reports (default: all). Applied by the run as
    /// findings leave each input's scan, not by the scanner.
    pub filter: Filter,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            max_payload: 1 << 20,
            read_size: 256 << 10,
            show_success: false,
            keep_source: false,
            filter: Filter::default(),
        }
    }
}

/// What the scanner is told about the input it reads.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// The path as the user gave it, `-` for standard input.
    pub path: String,
    /// The encoding the input was written in (the stream itself is UTF-8).
    pub encoding: Encoding,
}

/// Scans a UTF-8 stream, handing every finding and malformed payload to `sink`
/// in input order. The scan ends early when `sink` answers `Break`.
pub fn scan_reader<R: Read>(
    reader: R,
    source: &SourceInfo,
    config: &ScanConfig,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> Result<Stats, ReadError> {
    driver::Driver::new(source, config, sink).run(reader)
}

/// Scans one segment of a large file, so that segments can be scanned in
/// parallel and put back together (see [`Segment`] and [`SegmentEnd`]). The
/// reader starts at `segment.read_from`; line numbers count from there.
pub fn scan_segment<R: Read>(
    reader: R,
    source: &SourceInfo,
    config: &ScanConfig,
    segment: Segment,
    sink: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> Result<SegmentScan, ReadError> {
    // A segment reads at least to its stop: a file that ends before it shrank.
    let reader = crate::input::ToLength::new(reader, segment.read_from, segment.stop);
    driver::Driver::new(source, config, sink).segment(segment).run_segment(reader)
}

/// Scans text held in memory; the same as [`scan_reader`] over a slice.
pub fn scan_bytes(bytes: &[u8], source: &SourceInfo, config: &ScanConfig) -> (Vec<Event>, Stats) {
    let mut events = Vec::new();
    let mut keep = |e| {
        events.push(e);
        ControlFlow::Continue(())
    };
    let stats = scan_reader(bytes, source, config, &mut keep).unwrap_or_else(|e| e.stats);
    (events, stats)
}
