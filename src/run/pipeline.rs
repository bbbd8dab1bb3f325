//! Scanning many inputs at once while reporting them in order.
//!
//! Worker threads take inputs in order from a shared counter and scan each into
//! a buffer; the calling thread reports the buffers strictly in input order as
//! they complete. A worker may run only a bounded distance ahead of the input
//! being reported, so finished buffers waiting for a slow earlier one stay few.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use super::one;
use super::one::Scanned;
use super::split::Job;
use crate::scan::{ScanConfig, SegmentEnd};
use crate::walk::Target;

/// How many inputs a worker may scan ahead of the one being reported, per
/// thread: enough to keep every core busy past a large file.
const AHEAD_PER_THREAD: usize = 4;

/// A finished job: what it scanned and, for a segment of a large file, how the
/// segment ended and whether it was the file's last.
pub(super) type Done = (Scanned, Option<(SegmentEnd, bool)>);

/// Scans `jobs` on `threads` workers and hands each result to `take`, in
/// order. Stops early when `take` fails (the report can take no more).
pub(super) fn run(
    jobs: &[Job<'_>],
    config: &ScanConfig,
    threads: usize,
    take: &mut dyn FnMut(Done) -> io::Result<()>,
) -> io::Result<()> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // The number of inputs reported so far, which bounds how far ahead workers go.
    let reported = (Mutex::new(0usize), Condvar::new());
    let ahead = threads * AHEAD_PER_THREAD;
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::channel::<(usize, Done)>();
        for _ in 0..threads {
            let send = send.clone();
            let (next, stop, reported) = (&next, &stop, &reported);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= jobs.len() || !wait_for_turn(reported, i, ahead, stop) {
                        return;
                    }
                    // A job that panics still answers for its place in the
                    // order, or the reporting side would wait for it forever.
                    let job = std::panic::AssertUnwindSafe(|| match &jobs[i] {
                        Job::Whole(target) => (one::buffer(target, config, stop), None),
                        Job::Part { origin, segment, last } => {
                            let (scanned, end) = one::buffer_part(origin, *segment, config, stop);
                            (scanned, Some((end, *last)))
                        }
                    });
                    let scanned = std::panic::catch_unwind(job).unwrap_or_else(|_| failed(&jobs[i]));
                    if send.send((i, scanned)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        let mut waiting = BTreeMap::new();
        let mut want = 0;
        let mut outcome = Ok(());
        for (i, scanned) in receive {
            waiting.insert(i, scanned);
            while let Some(scanned) = waiting.remove(&want) {
                want += 1;
                if outcome.is_ok() {
                    outcome = take(scanned);
                }
                if outcome.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                let (count, turn) = &reported;
                if let Ok(mut count) = count.lock() {
                    *count = want;
                }
                turn.notify_all();
            }
        }
        outcome
    })
}

/// What a job that panicked reports: its input, unreadable for an internal
/// error (a bug to report, never a reason to stop the rest of the run).
fn failed(job: &Job<'_>) -> Done {
    let (path, last) = match job {
        Job::Whole(Target::Input { origin, .. }) => (origin.display(), None),
        Job::Whole(Target::Unreadable { path, .. }) => (path.clone(), None),
        Job::Part { origin, last, .. } => (origin.display(), Some((SegmentEnd::default(), *last))),
    };
    let reason = "internal error while scanning (please report it with this input)".to_string();
    (Scanned { path, unreadable: Some(reason), ..Scanned::default() }, last)
}

/// Waits until input `i` is at most `ahead` past the last reported one; false
/// when the run is stopping.
fn wait_for_turn(reported: &(Mutex<usize>, Condvar), i: usize, ahead: usize, stop: &AtomicBool) -> bool {
    let (count, turn) = reported;
    let Ok(mut done) = count.lock() else { return false };
    while i >= *done + ahead {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        done = match turn.wait(done) {
            Ok(done) => done,
            Err(_) => return false,
        };
    }
    !stop.load(Ordering::Relaxed)
}
