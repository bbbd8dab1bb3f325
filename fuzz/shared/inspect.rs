//! What the `inspect` fuzz target does with its input, shared with the test
//! that replays the seeds (`tests/fuzz_seeds.rs`): the scanner's findings in
//! the bytes after the first, drawn the way `inspect` draws them, in the look
//! the first byte picks (colour, width, narration, Unicode).

use ewsdiag::diagnose::{self, MailboxCodes};
use ewsdiag::kb;
use ewsdiag::model::Summary;
use ewsdiag::report::Report;
use ewsdiag::report::human::{Human, Settings};
use ewsdiag::scan::{self, Event, ScanConfig, SourceInfo};

/// Renders `data` as described above; panics only if drawing does.
pub fn render(data: &[u8]) {
    let Some((&look, text)) = data.split_first() else { return };
    let source = SourceInfo { path: "-".into(), encoding: Default::default() };
    let config = ScanConfig { max_payload: 4 << 10, keep_source: true, ..ScanConfig::default() };
    let (events, stats) = scan::scan_bytes(text, &source, &config);
    let settings = Settings {
        color: look & 1 != 0,
        width: 20 + usize::from(look >> 2),
        narrate: look & 2 != 0,
        unicode: look & 128 == 0,
    };
    let mut out = Vec::new();
    let mut human = Human::new(&mut out, settings, std::io::sink(), settings).with_summary(false);
    let seen = MailboxCodes::default();
    for event in events {
        match event {
            Event::Finding(mut f) => {
                f.diagnosis = diagnose::diagnose(&f, kb::knowledge_base(), &seen).map(std::sync::Arc::new);
                human.finding(&f).expect("writing to memory");
            }
            Event::Malformed(m) => human.malformed(&m).expect("writing to memory"),
            Event::Context(_) => {}
        }
    }
    let summary = Summary { inputs: 1, stats, ..Summary::default() };
    human.finish(&summary).expect("writing to memory");
}
