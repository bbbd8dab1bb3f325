//! The scanner reading a few bytes at a time finds what it finds reading
//! everything at once: no payload may depend on where a read ended.
#![no_main]

use ewsdiag::scan::{self, ScanConfig, SourceInfo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&size, text)) = data.split_first() else { return };
    let source = SourceInfo { path: "fuzz".into(), encoding: Default::default() };
    let whole = ScanConfig { max_payload: 1 << 20, read_size: 1 << 20, ..ScanConfig::default() };
    let tiny = ScanConfig { read_size: usize::from(size % 16) + 1, ..whole.clone() };
    let (once, _) = scan::scan_bytes(text, &source, &whole);
    let (in_pieces, _) = scan::scan_bytes(text, &source, &tiny);
    assert_eq!(once, in_pieces, "reads of {} bytes", tiny.read_size);
});
