//! A progress line on stderr for scans that take more than a moment: inputs,
//! bytes, findings and rate. Terminal-only, so it lives in the binary.

use std::io;
use std::time::{Duration, Instant};

use ewsdiag::model::{Finding, Malformed};
use ewsdiag::report::{FindingWriter, Report};
use ewsdiag::run::Summary;
use ewsdiag::scan::Stats;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Scans shorter than this finish before a bar would help; none is drawn.
const QUIET_FOR: Duration = Duration::from_millis(800);

/// Wraps a report and keeps a progress line up to date beside it.
pub(crate) struct Progress<'r> {
    inner: Box<dyn Report + 'r>,
    bar: ProgressBar,
    started: Instant,
    shown: bool,
    inputs: u64,
    bytes: u64,
    findings: u64,
}

impl<'r> Progress<'r> {
    pub(crate) fn new(inner: Box<dyn Report + 'r>) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        Progress { inner, bar, started: Instant::now(), shown: false, inputs: 0, bytes: 0, findings: 0 }
    }

    fn update(&mut self) {
        let elapsed = self.started.elapsed();
        if !self.shown && elapsed >= QUIET_FOR {
            self.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
        if self.shown {
            let rate = self.bytes as f64 / elapsed.as_secs_f64().max(0.001) / (1024.0 * 1024.0);
            self.bar.set_message(format!(
                "{} inputs, {:.1} MiB, {} findings, {rate:.0} MiB/s",
                self.inputs,
                self.bytes as f64 / (1024.0 * 1024.0),
                self.findings
            ));
        }
    }
}

impl Progress<'_> {
    fn found(&mut self, findings: usize) {
        let before = self.findings;
        self.findings += findings as u64;
        if before / 1024 != self.findings / 1024 {
            self.update();
        }
    }
}

impl Report for Progress<'_> {
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        self.inner.writer()
    }

    fn written(&mut self, bytes: &[u8], findings: usize) -> io::Result<()> {
        self.found(findings);
        self.inner.written(bytes, findings)
    }

    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        self.found(1);
        self.inner.finding(finding)
    }

    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()> {
        self.inner.malformed(malformed)
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.bar.suspend(|| self.inner.skipped(path, reason))
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.bar.suspend(|| self.inner.unreadable(path, reason))
    }

    fn input_done(&mut self, path: &str, stats: &Stats) -> io::Result<()> {
        self.inputs += 1;
        self.bytes += stats.bytes;
        self.update();
        self.inner.input_done(path, stats)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.bar.finish_and_clear();
        self.inner.finish(summary)
    }
}
