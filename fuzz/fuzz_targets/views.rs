//! Each unwrapping view (CSV field, JSON string, entities, cut lines) over
//! arbitrary bytes keeps its map back to the input in bounds and in order.
#![no_main]

use ewsdiag::scan::fuzzing::{Unwrapping, check_view};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&[kind, start, limit], text)) = data.split_first_chunk::<3>() else { return };
    let kind = match kind % 5 {
        0 => Unwrapping::Csv,
        1 => Unwrapping::Json,
        2 => Unwrapping::Entities,
        3 => Unwrapping::Lines,
        _ => Unwrapping::LinesOfWidth(usize::from(limit % 64)),
    };
    let start = usize::from(start) % (text.len() + 1);
    let limit = if limit == 0 { usize::MAX } else { usize::from(limit) };
    check_view(kind, text, start, limit, true);
    check_view(kind, text, start, limit, false);
});
