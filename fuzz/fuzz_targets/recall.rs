//! The windows a scan reads again, held to their first reading: any text,
//! scanned after the same text with other numbers in it and once more,
//! must give what a scan with nothing read before gives.
#![no_main]

use ewsdiag::scan::{ScanConfig, fuzzing};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = ScanConfig { max_payload: 4 << 10, read_size: 1 << 10, ..ScanConfig::default() };
    fuzzing::check_recall(data, &config);
});
