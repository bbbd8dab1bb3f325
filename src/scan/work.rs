//! A count of the work the scanner does, in bytes looked at and steps taken.
//!
//! Hostile input (deep nesting, thousands of anchors in one escaped string)
//! once made the scanner quadratic. Tests guard against that by scanning a
//! small input and one four times larger and bounding the ratio of this
//! count, which is deterministic where wall time is not. The count is kept per
//! thread, so it is free of locks and a test sees only its own scans.

use std::cell::Cell;

thread_local! {
    static DONE: Cell<u64> = const { Cell::new(0) };
}

/// Records `units` of work (bytes decoded, searched or parsed; stack steps).
pub(crate) fn add(units: usize) {
    DONE.with(|done| done.set(done.get().wrapping_add(units as u64)));
}

/// The work recorded on this thread so far. Take it before and after a scan
/// and compare.
#[doc(hidden)]
pub fn done() -> u64 {
    DONE.with(Cell::get)
}
