//! A file that changes while it is scanned: the segments of a large file share
//! the handle the run opened, so a file deleted mid-scan reads to its end on
//! any number of threads, as it does on one.

use std::path::{Path, PathBuf};

use ewsdiag::model::{Finding, Malformed, Summary};
use ewsdiag::report::Report;
use ewsdiag::run::{RunConfig, run};

/// Counts what a run reports, and does `act` once, at the first finding.
struct Acting<F: FnMut()> {
    act: Option<F>,
    findings: usize,
    unreadable: Vec<String>,
}

impl<F: FnMut()> Report for Acting<F> {
    fn finding(&mut self, _: &Finding) -> std::io::Result<()> {
        if let Some(mut act) = self.act.take() {
            act();
        }
        self.findings += 1;
        Ok(())
    }
    fn malformed(&mut self, _: &Malformed) -> std::io::Result<()> {
        Ok(())
    }
    fn skipped(&mut self, _: &str, _: &str) -> std::io::Result<()> {
        Ok(())
    }
    fn unreadable(&mut self, path: &str, reason: &str) -> std::io::Result<()> {
        self.unreadable.push(format!("{path}: {reason}"));
        Ok(())
    }
    fn finish(&mut self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// A log of many segments' worth of alerts.
fn large_log(dir: &Path) -> PathBuf {
    let alerts = std::fs::read_to_string("samples/alerts/alert-tokens.txt").expect("sample");
    let mut text = String::new();
    for round in 0..150 {
        text.push_str(&alerts);
        text.push_str(&format!("2026-11-20 09:{:02}:00 INFO  filler line {round}\n", round % 60));
    }
    let path = dir.join("big.log");
    std::fs::write(&path, text).expect("write");
    path
}

fn run_acting(path: &Path, threads: usize, act: impl FnMut()) -> (usize, Vec<String>, Summary) {
    let config =
        RunConfig { paths: vec![path.to_path_buf()], threads, segment_len: 2 << 10, ..RunConfig::default() };
    let mut report = Acting { act: Some(act), findings: 0, unreadable: Vec::new() };
    let summary = run(&config, &mut report).expect("the run ends");
    (report.findings, report.unreadable, summary)
}

#[test]
fn a_file_deleted_mid_scan_is_read_to_its_end_on_every_thread_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = large_log(dir.path());
    let (whole, none, _) = run_acting(&path, 1, || {});
    assert!(whole > 300, "the file is full of findings: {whole}");
    assert!(none.is_empty());
    for threads in [1, 2, 3] {
        let path = large_log(dir.path());
        let doomed = path.clone();
        let (found, unreadable, summary) =
            run_acting(&path, threads, move || std::fs::remove_file(&doomed).expect("delete the file"));
        assert!(!path.exists(), "-j{threads}: the file was deleted");
        assert_eq!(unreadable, Vec::<String>::new(), "-j{threads}");
        assert!(summary.unreadable.is_empty(), "-j{threads}: {:?}", summary.unreadable);
        assert_eq!(found, whole, "-j{threads}: the deleted file still reads whole");
    }
}

#[test]
fn a_file_that_shrinks_mid_scan_is_reported_as_cut_short_on_every_thread_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    for threads in [1, 2] {
        let path = large_log(dir.path());
        let len = std::fs::metadata(&path).expect("metadata").len();
        let cut = path.clone();
        let (found, unreadable, summary) = run_acting(&path, threads, move || {
            let file = std::fs::OpenOptions::new().write(true).open(&cut).expect("open for writing");
            file.set_len(len / 2).expect("truncate");
        });
        assert!(found > 0, "-j{threads}: the findings read before the cut are kept");
        assert_eq!(unreadable.len(), 1, "-j{threads}: {unreadable:?}");
        assert!(unreadable[0].contains("shrank"), "-j{threads}: {unreadable:?}");
        assert_eq!(summary.unreadable.len(), 1, "-j{threads}");
        assert!(summary.stats.bytes < len, "-j{threads}: {} bytes claimed of {len}", summary.stats.bytes);
    }
}
