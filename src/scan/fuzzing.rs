//! What the fuzz targets (`fuzz/`) reach that is not public otherwise: each
//! unwrapping view, with the invariants every view must keep checked, and
//! the windows a scan reads again, held to what a first reading gives. Not
//! an interface for anything else.

use super::view::{self, View};
use super::{Event, ScanConfig, SourceInfo, scan_bytes, windows};
use crate::model::Wrapping;

/// The unwrappings the scanner knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwrapping {
    /// A CSV field body (`""` is one quote).
    Csv,
    /// A JSON string body.
    Json,
    /// XML or HTML entities.
    Entities,
    /// Lines cut by a viewer, every break dropped.
    Lines,
    /// Lines cut by a viewer at one width.
    LinesOfWidth(usize),
}

/// Builds the view `kind` of `data` from `start`, reading at most `limit`
/// bytes and taking `data` as the whole input when `eof`, and panics if the
/// view breaks an invariant: every decoded byte maps into the input, in
/// order, and the view ends where its map says.
pub fn check_view(kind: Unwrapping, data: &[u8], start: usize, limit: usize, eof: bool) {
    let start = start.min(data.len());
    let built = match kind {
        Unwrapping::Csv => view::csv(data, start, limit, eof),
        Unwrapping::Json => view::json(data, start, limit, eof),
        Unwrapping::Entities => view::entities(data, start, limit, eof, Wrapping::HtmlEscaped),
        Unwrapping::Lines => Ok(view::unwrap_lines(data, start, data.len())),
        Unwrapping::LinesOfWidth(width) => Ok(view::unwrap_lines_of_width(data, start, data.len(), width)),
    };
    let Ok(built) = built else {
        // Asking for more is only right when more may come.
        assert!(!eof, "a view asked for more at the end of the input");
        return;
    };
    check(&built, data, start);
    // A view of a view maps straight through to the input.
    if let Ok(inner) = view::entities(&built.text, 0, built.text.len(), true, Wrapping::XmlEscaped) {
        check(&inner.through(&built), data, start);
    }
    let _ = view::decode_text(data);
}

fn check(built: &View, data: &[u8], start: usize) {
    let mut last = start;
    for at in 0..=built.text.len() {
        let source = built.source(at);
        assert!(source <= data.len(), "byte {at} maps to {source}, past the input's {}", data.len());
        assert!(source >= last, "byte {at} maps to {source}, before byte {}'s {last}", at.saturating_sub(1));
        last = source;
    }
}

/// Scans `text` three ways and panics unless all three agree with a scan
/// that reads every window for the first time: after a scan of the same
/// text with other digits in every number (so that its windows are kept
/// with other numbers in them), and once more (every window kept as it
/// stands). A window read before may make a scan faster, never different.
pub fn check_recall(text: &[u8], config: &ScanConfig) {
    let source = SourceInfo { path: "recall".into(), encoding: Default::default() };
    let events = |text: &[u8]| -> Vec<Event> { scan_bytes(text, &source, config).0 };
    windows::forget();
    let first = events(text);
    let _ = events(&renumbered(text));
    assert_eq!(events(text), first, "read after the same text with other numbers");
    assert_eq!(events(text), first, "read again");
}

/// `text` with other digits in every run of digits: one more digit where a
/// run has an odd count, one fewer where it has an even one, and every
/// digit moved on by three.
fn renumbered(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    let mut rest = text;
    while let Some(first) = rest.iter().position(u8::is_ascii_digit) {
        out.extend_from_slice(&rest[..first]);
        let run = rest[first..].iter().take_while(|b| b.is_ascii_digit()).count();
        let digits = &rest[first..first + run];
        let moved = digits.iter().map(|d| b'0' + (d - b'0' + 3) % 10);
        if run % 2 == 1 {
            out.extend(moved.chain([b'1']));
        } else {
            out.extend(moved.take(run - 1));
        }
        rest = &rest[first + run..];
    }
    out.extend_from_slice(rest);
    out
}
