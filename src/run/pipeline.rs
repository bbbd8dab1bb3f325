//! Scanning many jobs at once while reporting them in order.
//!
//! Worker threads take jobs in order from a shared counter. Each job streams
//! its output ([`Piece`]s: findings already written as the format's bytes,
//! and the few events that need the reporting side) through a small bounded
//! channel of its own; the calling thread drains the channels strictly in job
//! order. A worker may start a job only a bounded distance ahead of the one
//! being reported, and a job's channel holds only a few pieces, so memory
//! stays bounded however much is found.

use std::collections::BTreeMap;
use std::io;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::one;
use super::produce::{Done, Piece, Producer};
use super::split::Job;
use crate::report::FindingWriter;
use crate::scan::ScanConfig;

/// How many jobs a worker may start ahead of the one being reported, per
/// thread: enough to keep every core busy past a large file.
const AHEAD_PER_THREAD: usize = 4;
/// Pieces a job may have waiting in its channel.
const PIECES_WAITING: usize = 8;

/// What the workers and the reporting side share.
#[derive(Default)]
struct Shared {
    /// Jobs fully reported.
    reported: usize,
    /// Channels of jobs started and not yet taken by the reporting side.
    slots: BTreeMap<usize, Receiver<Piece>>,
    /// Line breaks counted in each segment job, for the segments after it.
    lines: BTreeMap<usize, u64>,
    /// The reporting side can take no more.
    stopped: bool,
}

struct Board {
    state: Mutex<Shared>,
    changed: Condvar,
}

impl Board {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until `ready` holds or the run stops; the lock, or `None` when
    /// stopped.
    fn wait(&self, ready: impl Fn(&Shared) -> bool) -> Option<MutexGuard<'_, Shared>> {
        let mut state = self.lock();
        while !state.stopped && !ready(&state) {
            state = self.changed.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        (!state.stopped).then_some(state)
    }

    fn update(&self, change: impl FnOnce(&mut Shared)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }
}

/// Scans `jobs` on one worker per writer and hands each piece to `take`, in
/// job order. Stops early when `take` fails (the report can take no more).
/// A worker that cannot be started leaves the work to the others; `Ok(false)`
/// when none could be, and nothing was done.
pub(super) fn run(
    jobs: &[Job<'_>],
    config: &ScanConfig,
    writers: Vec<Option<Box<dyn FindingWriter>>>,
    take: &mut dyn FnMut(Piece) -> io::Result<()>,
) -> io::Result<bool> {
    let next = AtomicUsize::new(0);
    let board = Board { state: Mutex::new(Shared::default()), changed: Condvar::new() };
    let ahead = writers.len() * AHEAD_PER_THREAD;
    std::thread::scope(|scope| {
        let mut started = 0;
        for mut writer in writers {
            let (next, board) = (&next, &board);
            let worker = move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= jobs.len() || !work(board, jobs, i, config, ahead, writer.as_deref_mut()) {
                        return;
                    }
                }
            };
            started += usize::from(std::thread::Builder::new().spawn_scoped(scope, worker).is_ok());
        }
        if started == 0 {
            return Ok(false);
        }
        let outcome = report(jobs.len(), &board, take);
        board.update(|state| {
            state.stopped = true;
            state.slots.clear();
        });
        outcome.map(|()| true)
    })
}

/// Reports every job's pieces in job order.
fn report(jobs: usize, board: &Board, take: &mut dyn FnMut(Piece) -> io::Result<()>) -> io::Result<()> {
    for i in 0..jobs {
        let Some(mut state) = board.wait(|s| s.slots.contains_key(&i)) else { return Ok(()) };
        let Some(pieces) = state.slots.remove(&i) else { return Ok(()) };
        drop(state);
        for piece in pieces {
            let done = matches!(piece, Piece::Done(_));
            take(piece)?;
            if done {
                break;
            }
        }
        board.update(|state| state.reported = i + 1);
    }
    Ok(())
}

/// One worker's turn at job `i`; false when the run is stopping.
fn work(
    board: &Board,
    jobs: &[Job<'_>],
    i: usize,
    config: &ScanConfig,
    ahead: usize,
    writer: Option<&mut (dyn FindingWriter + 'static)>,
) -> bool {
    let Some(mut state) = board.wait(|s| i < s.reported + ahead) else { return false };
    let (send, receive) = sync_channel(PIECES_WAITING);
    state.slots.insert(i, receive);
    drop(state);
    board.changed.notify_all();
    let lines_before = |first_job: usize, count: u64| -> Option<u64> {
        board.update(|s| {
            s.lines.insert(i, count);
        });
        let state = board.wait(|s| (first_job..i).all(|j| s.lines.contains_key(&j)))?;
        Some((first_job..i).filter_map(|j| state.lines.get(&j)).sum())
    };
    let mut deliver = |piece| to(&send, piece);
    let mut producer = Producer::new(writer, &mut deliver);
    // A job that panics still answers for its place in the order, or the
    // reporting side would wait for it forever.
    let job = std::panic::AssertUnwindSafe(|| one_job(&jobs[i], i, config, &mut producer, &lines_before));
    let done = std::panic::catch_unwind(job).unwrap_or_else(|_| Done::failed(&jobs[i]));
    producer.finish(done).is_continue()
}

/// Runs one job into `producer`, and says how it ended.
fn one_job(
    job: &Job<'_>,
    i: usize,
    config: &ScanConfig,
    producer: &mut Producer<'_>,
    lines_before: &dyn Fn(usize, u64) -> Option<u64>,
) -> Done {
    match job {
        Job::Whole(target) => Done::whole(one::scan(target, config, &mut |e| producer.event(e, false))),
        Job::Part(part) => {
            let Some(before) = lines_before(part.first_job, part.count_lines()) else {
                return Done::stopped(part);
            };
            let segment = part.placed(before);
            let first = part.is_first(i);
            let (scanned, end) =
                one::scan_part(&part.file, part.origin.display(), segment, config, &mut |e| {
                    let hold = !first && part.holds(e.offset(), config.max_payload);
                    producer.event(e, hold)
                });
            Done::part(scanned, end, part.last)
        }
    }
}

/// Sends a piece; `Break` once nobody will read it.
fn to(send: &SyncSender<Piece>, piece: Piece) -> ControlFlow<()> {
    match send.send(piece) {
        Ok(()) => ControlFlow::Continue(()),
        Err(_) => ControlFlow::Break(()),
    }
}
