//! A progress line on stderr for scans that take more than a moment: inputs,
//! bytes, findings and rate, and when the total size is known in advance (all
//! inputs are files), the percentage done and an estimate of the time left.
//! Terminal-only, so it lives in the binary.
//!
//! Counts are those of the inputs finished so far (findings are written on
//! the scanning threads, and some formats never pass them here one by one),
//! so the line moves as inputs finish. Sizes are those of the files on disk and bytes done
//! are decoded text, so for gzip or UTF-16 inputs the percentage is a rough
//! guide; it never shows more than 99% before the end.

use std::io;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use ewsdiag::model::{Finding, Malformed};
use ewsdiag::model::{Stats, Summary};
use ewsdiag::report::summary::thousands;
use ewsdiag::report::{FindingWriter, Report};
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
    /// Total size of the inputs, when known.
    total: Option<u64>,
    /// Where the total arrives from, until it has.
    pending: Option<Receiver<Option<u64>>>,
}

impl<'r> Progress<'r> {
    /// Wraps `inner`; the inputs' total size, when it can be known, arrives
    /// on `total` while the scan runs.
    pub(crate) fn new(inner: Box<dyn Report + 'r>, total: Receiver<Option<u64>>) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        Progress {
            inner,
            bar,
            started: Instant::now(),
            shown: false,
            inputs: 0,
            bytes: 0,
            findings: 0,
            total: None,
            pending: Some(total),
        }
    }

    fn update(&mut self) {
        let elapsed = self.started.elapsed();
        if !self.shown && elapsed >= QUIET_FOR {
            self.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
        if let Some(total) = self.pending.as_ref().and_then(|p| p.try_recv().ok()) {
            self.total = total;
            self.pending = None;
        }
        if self.shown {
            let done = self.bytes;
            let rate = done as f64 / elapsed.as_secs_f64().max(0.001) / (1024.0 * 1024.0);
            let mut line = format!(
                "{} input{}, {:.1} MiB, {} finding{}, {rate:.0} MiB/s",
                thousands(self.inputs),
                if self.inputs == 1 { "" } else { "s" },
                done as f64 / (1024.0 * 1024.0),
                thousands(self.findings),
                if self.findings == 1 { "" } else { "s" },
            );
            if let Some(total) = self.total {
                line.push_str(&ahead(done, total, elapsed));
            }
            self.bar.set_message(line);
        }
    }
}

impl Report for Progress<'_> {
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        self.inner.writer()
    }

    fn written(&mut self, bytes: &[u8], findings: usize) -> io::Result<()> {
        self.inner.written(bytes, findings)
    }

    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
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
        self.findings += stats.findings;
        self.update();
        self.inner.input_done(path, stats)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.bar.finish_and_clear();
        self.inner.finish(summary)
    }
}

/// `, 42%, about 1 min 10 s left` for `done` of `total` bytes after `elapsed`.
fn ahead(done: u64, total: u64, elapsed: Duration) -> String {
    if total == 0 {
        return String::new();
    }
    let share = (done as f64 / total as f64).min(0.99);
    let percent = (share * 100.0).floor();
    if done == 0 {
        return format!(", {percent:.0}%");
    }
    let left = elapsed.as_secs_f64() * (1.0 - share) / share;
    format!(", {percent:.0}%, about {} left", minutes(left))
}

/// `45 s`, `3 min 05 s`, `2 h 10 min`.
fn minutes(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_scales_the_time_so_far_by_what_is_left() {
        assert_eq!(ahead(25, 100, Duration::from_secs(10)), ", 25%, about 30 s left");
        assert_eq!(ahead(50, 100, Duration::from_secs(100)), ", 50%, about 1 min 40 s left");
        assert_eq!(ahead(0, 100, Duration::from_secs(3)), ", 0%");
        assert_eq!(ahead(5, 0, Duration::from_secs(3)), "");
    }

    #[test]
    fn the_percentage_stops_short_of_100_until_the_end() {
        assert!(ahead(120, 100, Duration::from_secs(9)).starts_with(", 99%"));
    }

    #[test]
    fn long_estimates_are_in_hours() {
        assert_eq!(minutes(7800.0), "2 h 10 min");
    }
}
