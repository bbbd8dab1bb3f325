//! Findings counted in parts and merged in any order say what one pass over
//! them says: no root cause may depend on how a run was shared out between
//! threads. The text's findings are counted as several jobs of one run; the
//! first byte shuffles which part counts each job (or each finding, as the
//! reporting side counts the findings held at a segment's start) and the
//! order the parts are merged in.
#![no_main]

use ewsdiag::diagnose::{self, Seq, Tally};
use ewsdiag::kb;
use ewsdiag::scan::{self, Event, ScanConfig, SourceInfo};
use libfuzzer_sys::fuzz_target;

/// Jobs the text's findings are counted as, each a copy of them.
const JOBS: u64 = 4;
/// Parts (threads) the jobs are shared out between.
const PARTS: usize = 3;

fuzz_target!(|data: &[u8]| {
    let Some((&shuffle, text)) = data.split_first() else { return };
    let source = SourceInfo { path: "fuzz".into(), encoding: Default::default() };
    let config = ScanConfig { max_payload: 4 << 10, read_size: 1 << 10, ..ScanConfig::default() };
    let (events, _) = scan::scan_bytes(text, &source, &config);
    let mut findings: Vec<_> = events
        .into_iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some(*f),
            _ => None,
        })
        .collect();
    let kb = kb::knowledge_base();
    diagnose::diagnose_all(&mut findings, kb);

    let mut dice = u64::from(shuffle) | 0x9e37_79b9_7f4a_7c00;
    let mut roll = |n: usize| {
        dice ^= dice << 13;
        dice ^= dice >> 7;
        dice ^= dice << 17;
        (dice % n as u64) as usize
    };
    let by_finding = shuffle & 1 == 1;
    let mut whole = Tally::new();
    let mut parts: Vec<Tally> = (0..PARTS).map(|_| Tally::new()).collect();
    for job in 0..JOBS {
        let mut part = roll(PARTS);
        for (at, f) in findings.iter().enumerate() {
            let seq = Seq::new(job, at as u64);
            whole.add_at(f, kb, seq);
            if by_finding {
                part = roll(PARTS);
            }
            parts[part].add_at(f, kb, seq);
        }
    }
    let mut merged = parts.swap_remove(roll(PARTS));
    while !parts.is_empty() {
        let next = roll(parts.len());
        merged.merge(parts.swap_remove(next));
    }
    assert_eq!(merged.findings(), whole.findings());
    assert_eq!(diagnose::conclude(&merged, kb), diagnose::conclude(&whole, kb));
});
