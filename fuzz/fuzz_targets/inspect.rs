//! `inspect`'s renderer over whatever the scanner finds in arbitrary bytes:
//! drawing a finding must never panic, whatever its text and spans.
#![no_main]

#[path = "../shared/inspect.rs"]
mod inspect;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| inspect::render(data));
