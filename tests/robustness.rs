//! No input makes the scanner panic or lose its place: every sample, cut,
//! spliced and sprinkled with stray bytes by a seeded generator, scans to the
//! end through both a large and a tiny buffer.

mod support;

use ewsdiag::scan::ScanConfig;
use support::{all_samples, read, scan_bytes_as_file};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the recognisers: markup, quotes, escapes, line ends,
/// NUL, a lone UTF-8 lead byte and a UTF-16 BOM half.
const NASTY: &[&[u8]] = &[
    b"<",
    b">",
    b"\"",
    b"\"\"",
    b"\\",
    b"\\u00",
    b"&",
    b"&lt;",
    b"&amp;",
    b"\n",
    b"\r\n",
    b"\0",
    b"\xc3",
    b"\xff",
    b"</",
    b"<!--",
    b"<![CDATA[",
    b"ResponseCode",
    b"Email Server Error Code:",
    b"{\"error\":",
    b"ErrorServerBusy",
];

fn mutate(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(out.len() + 1);
        match rng.below(4) {
            0 => out.truncate(at),
            1 => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            2 => {
                let piece = NASTY[rng.below(NASTY.len())];
                out.splice(at..at, piece.iter().copied());
            }
            _ => {
                let from = rng.below(bytes.len());
                let len = rng.below(200).min(bytes.len() - from);
                out.splice(at..at, bytes[from..from + len].iter().copied());
            }
        }
    }
    out
}

#[test]
fn mangled_samples_never_panic_and_spans_stay_inside_the_input() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let samples: Vec<Vec<u8>> = all_samples().iter().map(|p| read(p)).collect();
    let tiny = ScanConfig { read_size: 7, max_payload: 4096, ..ScanConfig::default() };
    for round in 0..1500 {
        let original = &samples[round % samples.len()];
        let mangled = mutate(&mut rng, original);
        for config in [&ScanConfig::default(), &tiny] {
            let (findings, malformed) = scan_bytes_as_file(&mangled, config);
            let decoded = support::decoded_bytes(&mangled).len() as u64;
            for f in &findings {
                assert!(f.span.offset + f.span.length <= decoded, "round {round}: {f:#?}");
                assert!(f.span.line >= 1 && f.span.column >= 1, "round {round}");
            }
            for m in &malformed {
                assert!(m.span.offset <= decoded, "round {round}: {m:#?}");
            }
        }
    }
}
