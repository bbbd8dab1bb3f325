//! Where a run's time goes, by phase, for the benchmark (`scan --timings`).
//!
//! Off by default, and then free: no clock is read. When on, each phase's time
//! is added up over all threads, so the figures are CPU seconds rather than
//! wall time, and `scan` is what the scanner spent beyond the phases it calls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::model::Timings;

/// The phases a finding goes through.
#[derive(Debug, Clone, Copy)]
pub(super) enum Phase {
    /// Reading and recognising payloads (the whole job; the others are
    /// taken out of it).
    Scan,
    /// Ranking causes from the knowledge base.
    Diagnose,
    /// Counting findings for correlation.
    Tally,
    /// Writing findings in the format's bytes.
    Render,
    /// The closing correlation.
    Correlate,
    /// The reporting thread's work: copying output out, in order.
    Report,
}

/// Time per phase over a run, summed over threads.
#[derive(Debug, Default)]
pub(super) struct Clock {
    nanos: [AtomicU64; 6],
}

impl Clock {
    /// Runs `work`, adding its time to `phase` when `clock` is on.
    pub(crate) fn time<T>(clock: Option<&Clock>, phase: Phase, work: impl FnOnce() -> T) -> T {
        let Some(clock) = clock else { return work() };
        let started = Instant::now();
        let out = work();
        clock.add(phase, started.elapsed());
        out
    }

    fn add(&self, phase: Phase, spent: Duration) {
        let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.nanos[phase as usize].fetch_add(nanos, Ordering::Relaxed);
    }

    /// The figures so far, the scan's own time with the phases it calls taken out.
    pub(super) fn timings(&self) -> Timings {
        let secs = |p: Phase| self.nanos[p as usize].load(Ordering::Relaxed) as f64 / 1e9;
        let nested = secs(Phase::Diagnose) + secs(Phase::Tally) + secs(Phase::Render);
        Timings {
            scan: (secs(Phase::Scan) - nested).max(0.0),
            diagnose: secs(Phase::Diagnose),
            tally: secs(Phase::Tally),
            render: secs(Phase::Render),
            correlate: secs(Phase::Correlate),
            report: secs(Phase::Report),
        }
    }
}
