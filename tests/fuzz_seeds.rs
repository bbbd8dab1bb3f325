//! Inputs the fuzz targets once failed on, kept in `fuzz/seeds/`: each is
//! replayed here the way its target reads it, so a fix stays fixed even where
//! the fuzz crate is not built.

mod support;

#[path = "../fuzz/shared/inspect.rs"]
mod inspect;

use std::path::{Path, PathBuf};

use ewsdiag::kb;
use ewsdiag::model::Broken;
use ewsdiag::scan::{Event, ScanConfig, SourceInfo, scan_bytes};
use support::{Seen, read, scan_bytes_as_file};

fn seeds(under: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(under);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("seed folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// The scanner's events for raw bytes (not decoded first, as the `scan` and
/// `tiny_reads` targets read them), in reads of `read_size` bytes.
fn raw_events(bytes: &[u8], read_size: usize) -> Vec<Event> {
    let source = SourceInfo { path: "seed".into(), encoding: Default::default() };
    let config = ScanConfig { max_payload: 1 << 20, read_size, ..ScanConfig::default() };
    scan_bytes(bytes, &source, &config).0
}

#[test]
fn every_scanner_seed_reads_the_same_in_tiny_reads_as_in_one() {
    let scanner_seeds: Vec<PathBuf> =
        seeds("").into_iter().filter(|p| p.file_name().is_some_and(|n| n != "README.md")).collect();
    assert!(scanner_seeds.len() >= 2, "{scanner_seeds:?}");
    for path in scanner_seeds {
        let file = read(&path);
        // The `tiny_reads` target takes its first byte for the read size.
        for bytes in [&file[..], &file[1..]] {
            let once = raw_events(bytes, 1 << 20);
            for read_size in 1..=16 {
                assert_eq!(raw_events(bytes, read_size), once, "{} in reads of {read_size}", path.display());
            }
        }
    }
}

#[test]
fn every_seed_and_sample_reads_again_as_it_did_the_first_time() {
    let config = ScanConfig { max_payload: 4 << 10, read_size: 1 << 10, ..ScanConfig::default() };
    let seeds = seeds("").into_iter().filter(|p| p.file_name().is_some_and(|n| n != "README.md"));
    for path in seeds.chain(support::all_samples()) {
        ewsdiag::scan::fuzzing::check_recall(&read(&path), &config);
    }
}

/// A SOAP fault whose `ResponseCode` end tag holds bytes that are not UTF-8
/// (and whose code lost the `>` of its end tag's start): the code is the one
/// in the element, however the text around it is read or decoded.
#[test]
fn a_fault_with_bytes_that_are_not_utf8_in_an_end_tag_keeps_its_code_in_any_reads() {
    let bytes =
        read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/tiny-reads-invalid-utf8-in-end-tag"));
    for read_size in [1, 2, 7, 64, 1 << 20] {
        let findings: Vec<_> = raw_events(&bytes, read_size)
            .into_iter()
            .filter_map(|e| if let Event::Finding(f) = e { Some(Seen::of(&f)) } else { None })
            .collect();
        assert_eq!(findings.len(), 1, "reads of {read_size}: {findings:#?}");
        assert_eq!(findings[0].code, "ErrorQuotaExceeded", "reads of {read_size}");
        assert_eq!(findings[0].message.as_deref(), Some("The mailbox has exceeded its quota."));
        // Decoded as the binary decodes a file (Windows-1252, the bytes no
        // longer invalid): the same code.
        let config = ScanConfig { read_size, ..ScanConfig::default() };
        let (decoded, malformed) = scan_bytes_as_file(&bytes, &config);
        let codes: Vec<&str> = decoded.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["ErrorQuotaExceeded"], "decoded, reads of {read_size}: {malformed:#?}");
    }
}

#[test]
fn every_lookup_seed_finds_what_its_own_name_finds_again() {
    let base = kb::knowledge_base();
    for path in seeds("kb") {
        let query = String::from_utf8_lossy(&read(&path)).into_owned();
        if let Some(entry) = base.lookup(&query) {
            assert!(base.lookup(&entry.code).is_some(), "{}: {query:?} found {}", path.display(), entry.code);
        } else {
            let _ = base.suggest(&query);
        }
    }
}

/// A message cut off by the next log record, with a byte that is not UTF-8
/// in its text and another in that next record: one read meets the second
/// byte, tiny reads end the payload before it, and both give the message
/// with the input's own bytes in it.
#[test]
fn a_bad_byte_after_the_end_of_a_payload_changes_nothing_in_it() {
    let text = b"<m:MessageText>Dossier introuvable: Bo\xeete</m:MessageText><m:ResponseCode>ErrorFolderNotFound<m:Other>\n2026-11-20 10:15:00 INFO next record for Ren\xe9e\n";
    for read_size in [1, 3, 16, 1 << 20] {
        let messages: Vec<Option<String>> = raw_events(text, read_size)
            .into_iter()
            .filter_map(|e| if let Event::Finding(f) = e { Some(f.message) } else { None })
            .collect();
        assert_eq!(messages, [Some("Dossier introuvable: Bo\u{fffd}te".to_string())], "reads of {read_size}");
    }
}

#[test]
fn every_scanner_seed_renders_for_inspect_in_every_look() {
    for path in seeds("").into_iter().filter(|p| p.file_name().is_some_and(|n| n != "README.md")) {
        let file = read(&path);
        for look in [0u8, 1, 2, 3, 128, 255, file.first().copied().unwrap_or(0)] {
            let mut data = file.clone();
            if let Some(first) = data.first_mut() {
                *first = look;
            }
            inspect::render(&data);
        }
    }
}

/// A fault with no code that closes just where a read ends is not cut off:
/// whether more text follows it changes nothing about it.
#[test]
fn a_payload_closed_at_the_end_of_a_read_is_not_taken_for_cut_off() {
    let reasons = |text: &[u8], read_size: usize| -> Vec<Broken> {
        raw_events(text, read_size)
            .into_iter()
            .filter_map(|e| if let Event::Malformed(m) = e { Some(m.reason) } else { None })
            .collect()
    };
    for text in [&b"<Fault></Fault><"[..], b"<Fault></Fault>", b"<Fault></Fault>\nmore text\n"] {
        for read_size in [1, 15, 1 << 20] {
            assert_eq!(
                reasons(text, read_size),
                [Broken::NoCode],
                "{:?} in reads of {read_size}",
                String::from_utf8_lossy(text)
            );
        }
    }
    assert_eq!(reasons(b"<Fault><detail>", 1 << 20), [Broken::CutOff]);
}

/// Whether a raw tag sits in a JSON string is judged from the text after it:
/// in tiny reads the scanner waits for that text rather than judge early.
#[test]
fn a_tag_in_a_json_string_is_known_as_such_in_any_reads() {
    let text = br#"{"log":"<m:ResponseCode>ErrorServerBusy</m:ResponseCode> see <a href=\"https://contoso.example/busy\">the runbook</a>"}
"#;
    let once = raw_events(text, 1 << 20);
    let wrappings: Vec<_> =
        once.iter().filter_map(|e| if let Event::Finding(f) = e { Some(f.wrapping) } else { None }).collect();
    assert_eq!(wrappings, [ewsdiag::model::Wrapping::JsonString], "{once:#?}");
    for read_size in 1..=16 {
        assert_eq!(raw_events(text, read_size), once, "reads of {read_size}");
    }
}

/// A log record line after a dangling `&` is still a new record when a `;`
/// far on makes the XML reader take everything between for one reference.
#[test]
fn a_record_line_after_a_dangling_ampersand_ends_the_payload_in_any_reads() {
    let text = b"<m:GetItemResponseMessage ResponseClass=\"Error\"><t:Subject>Tom & Jerry\n2026-11-20 10:15:00 INFO next record; done\n";
    for read_size in [1, 5, 16, 1 << 20] {
        let ends: Vec<u64> = raw_events(text, read_size)
            .into_iter()
            .filter_map(|e| match e {
                Event::Malformed(m) => Some(m.span.offset + m.span.length),
                Event::Finding(f) => Some(f.span.offset + f.span.length),
                Event::Context(_) => None,
            })
            .collect();
        let record = text.windows(5).position(|w| w == b"\n2026").map_or(0, |p| p as u64 + 1);
        assert!(ends.iter().all(|&end| end <= record), "reads of {read_size}: {ends:?}, record at {record}");
    }
}
