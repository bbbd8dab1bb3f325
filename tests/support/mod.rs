//! Helpers shared by the integration tests: scan text or a file the way the
//! binary does, and boil findings down to what a table can assert.

#![allow(dead_code)]

use std::io::Read;
use std::ops::ControlFlow;
use std::path::Path;

use ewsdiag::input;
use ewsdiag::model::{Class, Finding, Malformed, Shape};
use ewsdiag::scan::{self, Event, ScanConfig, SourceInfo};

/// The parts of a finding the sample tables pin down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub shape: Shape,
    pub class: Option<Class>,
    pub code: String,
    pub inner: Option<String>,
    pub operation: Option<String>,
    pub message: Option<String>,
}

impl Seen {
    pub fn of(f: &Finding) -> Seen {
        Seen {
            shape: f.shape,
            class: f.class,
            code: f.code.clone(),
            inner: f.inner_code.clone(),
            operation: f.operation.clone(),
            message: f.message.clone(),
        }
    }
}

/// Scans bytes as a file with these contents would be scanned; a damaged
/// input is scanned as far as it reads.
pub fn scan_bytes_as_file(bytes: &[u8], config: &ScanConfig) -> (Vec<Finding>, Vec<Malformed>) {
    let Ok(opened) = input::decode(Box::new(std::io::Cursor::new(bytes.to_vec()))) else {
        return (Vec::new(), Vec::new());
    };
    let source = SourceInfo { path: "sample".into(), encoding: opened.encoding };
    let mut findings = Vec::new();
    let mut malformed = Vec::new();
    let _ = scan::scan_reader(opened.reader, &source, config, &mut |event| {
        match event {
            Event::Finding(f) => findings.push(*f),
            Event::Malformed(m) => malformed.push(m),
            Event::Context(_) => {}
        }
        ControlFlow::Continue(())
    });
    (findings, malformed)
}

pub fn scan_file(path: &Path, config: &ScanConfig) -> (Vec<Finding>, Vec<Malformed>) {
    scan_bytes_as_file(&read(path), config)
}

pub fn read(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).expect("sample is readable");
    bytes
}

/// Every file under `samples/`, sorted.
pub fn all_samples() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("samples folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if input::Container::of_path(&path).is_some() {
                // Archives and workbooks are read whole by a run, not as a
                // text stream (tests/zip.rs, tests/excel.rs).
                continue;
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub fn sample(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(relative)
}

/// A file's text as the scanner sees it: gunzipped and decoded to UTF-8.
pub fn decoded(path: &Path) -> Vec<u8> {
    let opened = input::decode(Box::new(std::io::Cursor::new(read(path)))).expect("sample opens");
    let mut text = Vec::new();
    let mut reader = opened.reader;
    reader.read_to_end(&mut text).expect("sample decodes");
    text
}

/// Bytes as the scanner sees them: gunzipped and decoded to UTF-8, as far as
/// a damaged stream decodes.
pub fn decoded_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut text = Vec::new();
    if let Ok(opened) = input::decode(Box::new(std::io::Cursor::new(bytes.to_vec()))) {
        let mut reader = opened.reader;
        let _ = reader.read_to_end(&mut text);
    }
    text
}

/// The lines a run writes with `--format ndjson`, parsed.
pub fn run_ndjson(config: &ewsdiag::run::RunConfig) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut report = ewsdiag::report::Ndjson::new(&mut out, std::io::sink());
    ewsdiag::run::run(config, &mut report).expect("the run writes to memory");
    String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .collect()
}
