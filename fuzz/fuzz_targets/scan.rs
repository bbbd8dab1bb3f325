//! The scanner over arbitrary bytes, decoded as a file would be: it must
//! neither panic nor report a span outside the text it read.
#![no_main]

use ewsdiag::input;
use ewsdiag::scan::{self, Event, ScanConfig, SourceInfo};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    let Ok(opened) = input::decode(Box::new(std::io::Cursor::new(data.to_vec()))) else { return };
    let mut text = Vec::new();
    let _ = { opened.reader }.read_to_end(&mut text);
    let source = SourceInfo { path: "fuzz".into(), encoding: opened.encoding };
    let config =
        ScanConfig { max_payload: 4 << 10, read_size: 1 << 10, keep_source: true, ..ScanConfig::default() };
    let (events, stats) = scan::scan_bytes(&text, &source, &config);
    assert_eq!(stats.bytes, text.len() as u64);
    for event in &events {
        let span = match event {
            Event::Finding(f) | Event::Context(f) => f.span,
            Event::Malformed(m) => m.span,
        };
        assert!(span.offset + span.length <= text.len() as u64, "{event:?} runs past {} bytes", text.len());
        assert!(span.line >= 1 && span.column >= 1, "{event:?}");
    }
});
