//! The contract between the scanner and its recognisers: what a recogniser
//! is given ([`Hit`], [`Input`]), and what it answers ([`Outcome`], made of
//! [`Item`]s). A recogniser depends on this module, never on the dispatch
//! (`anchor`) that calls it nor on the loop (`driver`) that feeds it.

use crate::model::{Finding, Wrapping};

use super::view::View;

/// How far back from the scan position the buffer always keeps text, and so
/// how far behind an anchor a recogniser may look for context that is no part
/// of a new payload: the start of the anchor's line, the quote opening the
/// JSON string or CSV field it stands in, the tag an escaped payload is
/// embedded in, an alert's sentence above its code line. Those stand within a
/// few lines of the anchor: 4 KiB holds them with room to spare, and keeps
/// what each refill of the buffer moves forward small next to a read (256 KiB
/// by default). Every look-back is capped at this, so what a recogniser
/// answers never depends on where the reads of the input fell.
pub const LOOKBACK: usize = 4096;

/// Where an anchor's word stands in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub at: usize,
    pub len: usize,
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
