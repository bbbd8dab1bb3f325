//! Scanning many jobs at once while reporting them in order.
//!
//! Worker threads take jobs in order from a shared counter. Each job's output
//! ([`Piece`]s: findings already written as the format's bytes, and the few
//! events that need the reporting side) goes into a small queue of its own on
//! a shared board; the calling thread drains the queues strictly in job order.
//! A worker may start a job only a bounded distance ahead of the one being
//! reported, and a job's queue holds only a few pieces, so memory stays
//! bounded however much is found. A worker ahead whose output outgrows half
//! the budget packs it and sets it aside rather than wait: in memory while
//! the budget has room, on disk past it ([`spill`](super::spill)).
//!
//! The board is one lock, with a condition variable for each side to wait
//! on, so that neither is woken for the other's news. Workers never wake the
//! reporting side for a small piece: it looks again every millisecond, and
//! then takes everything that is ready, so a folder of many tiny files costs
//! a lock or two per file rather than a round of thread wake-ups. Workers
//! wait only when the output waiting overall passes a budget.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::clock::{Clock, Phase};
use super::one;
use super::produce::{Done, Piece, Producer};
use super::spill::{self, SetAside, Spill};
use super::split::Job;
use crate::diagnose::Tally;
use crate::report::{FindingWriter, Repeated};
use crate::scan::ScanConfig;

/// How many jobs a worker may start ahead of the one being reported.
const AHEAD: usize = 4096;
/// Pieces the job being reported may have waiting before its worker waits.
const PIECES_WAITING: usize = 8;
/// How often the reporting side looks for pieces nobody told it about.
const POLL: Duration = Duration::from_millis(1);

/// What the workers and the reporting side share.
#[derive(Default)]
struct Shared {
    /// Jobs fully reported.
    reported: usize,
    /// Pieces made and not yet reported, by job.
    queues: BTreeMap<usize, Queue>,
    /// Their size, roughly, in bytes.
    buffered: usize,
    /// How much may wait ([`RunConfig::output_budget`](super::RunConfig::output_budget)).
    budget: usize,
    /// Bytes of output set aside on disk and not yet reported.
    set_aside: usize,
    /// Line breaks counted in each segment job, for the segments after it.
    lines: BTreeMap<usize, u64>,
    /// The reporting side can take no more.
    stopped: bool,
    /// Who is waiting for a change, so that nobody is woken for nothing.
    reporter_waiting: bool,
    workers_waiting: usize,
}

impl Shared {
    /// May job `i` hand `piece` over now? The job being reported may while
    /// its queue is short; a job ahead while what waits fits the budget. The
    /// last piece never waits: the reporting side may need it to move on.
    /// Nor does output set aside, which was let in when it was packed (or
    /// holds next to nothing, on disk): were it to wait for room, the worker
    /// ahead would wait for every turn of the reporting side instead of
    /// going on.
    fn has_room(&self, i: usize, piece: &Piece) -> bool {
        match piece {
            Piece::Done(_) => true,
            _ if i == self.reported => self.queues.get(&i).map_or(0, |q| q.pieces.len()) < PIECES_WAITING,
            Piece::SetAside { .. } => true,
            _ => self.buffered + piece.size() <= self.budget,
        }
    }
}

#[derive(Default)]
struct Queue {
    pieces: VecDeque<Piece>,
    done: bool,
}

struct Board {
    state: Mutex<Shared>,
    /// Where the reporting side waits for pieces, and the workers for room.
    to_report: Condvar,
    to_work: Condvar,
    /// A copy of `Shared::reported` that workers read without the lock.
    reported: AtomicUsize,
}

impl Board {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, state: MutexGuard<'a, Shared>) -> MutexGuard<'a, Shared> {
        self.to_work.wait(state).unwrap_or_else(PoisonError::into_inner)
    }

    /// A worker waits until `ready` holds; `None` when the run stops first.
    fn worker_wait(&self, ready: impl Fn(&Shared) -> bool) -> Option<MutexGuard<'_, Shared>> {
        let mut state = self.lock();
        while !state.stopped && !ready(&state) {
            state.workers_waiting += 1;
            state = self.wait(state);
            state.workers_waiting -= 1;
        }
        (!state.stopped).then_some(state)
    }

    /// Wakes whoever waits, once a change is made.
    fn wake(&self, state: &Shared, reporter: bool, workers: bool) {
        if reporter && state.reporter_waiting {
            self.to_report.notify_one();
        }
        if workers && state.workers_waiting > 0 {
            self.to_work.notify_all();
        }
    }

    /// Adds job `i`'s next piece, waiting while too much output waits. The
    /// findings' bytes of a job ahead wait whole while they fit half the
    /// budget, and past that are packed and set aside rather than wait.
    fn put(&self, i: usize, piece: Piece, spill: &mut Spill) -> ControlFlow<()> {
        let piece = match piece {
            Piece::Bytes { bytes, findings, repeated } if self.packs(i, bytes.len()) => {
                match self.set_aside(spill, &bytes, &repeated) {
                    Some(set_aside) => Piece::SetAside { bytes: set_aside, findings },
                    // No room on disk: wait, as without.
                    None => Piece::Bytes { bytes, findings, repeated },
                }
            }
            other => other,
        };
        let last = matches!(piece, Piece::Done(_));
        let size = piece.size();
        let Some(mut state) = self.worker_wait(|s| s.has_room(i, &piece)) else {
            return ControlFlow::Break(());
        };
        state.buffered += size;
        let queue = state.queues.entry(i).or_default();
        queue.pieces.push_back(piece);
        queue.done |= last;
        // The reporting side is told only when the queue it reads fills up.
        let full = queue.pieces.len() >= PIECES_WAITING / 2;
        self.wake(&state, full && i == state.reported, false);
        ControlFlow::Continue(())
    }

    /// Would `size` more bytes of job `i`, whole, take more than half of
    /// what may wait?
    fn packs(&self, i: usize, size: usize) -> bool {
        // The job being reported never packs, and stays so: asked without
        // the lock, which its worker takes for every piece.
        if i == self.reported.load(Ordering::Relaxed) {
            return false;
        }
        let state = self.lock();
        i != state.reported && state.buffered + size > state.budget / 2
    }

    /// Packs output of a job ahead and keeps it in memory while the budget
    /// has room, or else on disk while the disk's cap has; `None` when
    /// neither has (or the disk fails).
    fn set_aside(&self, spill: &mut Spill, bytes: &[u8], repeated: &[Repeated]) -> Option<SetAside> {
        let packed = spill.pack(bytes, repeated).ok()?;
        let state = self.lock();
        if state.buffered + packed.len() <= state.budget {
            return Some(spill.keep(packed));
        }
        if state.set_aside + packed.len() > spill::CAP {
            spill.forget(packed);
            return None;
        }
        drop(state);
        let set_aside = spill.write(packed).ok()?;
        self.lock().set_aside += set_aside.len;
        Some(set_aside)
    }

    /// Stops the run: every worker gives up at its next step.
    fn stop(&self) {
        let mut state = self.lock();
        state.stopped = true;
        state.queues.clear();
        self.to_report.notify_all();
        self.to_work.notify_all();
    }
}

/// Scans `jobs` on one worker per writer and hands each piece to `take`, in
/// job order; gives back each worker's tally of the findings it wrote. Stops
/// early when `take` fails (the report can take no more). A worker that
/// cannot be started leaves the work to the others; `Ok(None)` when none
/// could be, and nothing was done.
pub(super) fn run(
    jobs: &[Job<'_>],
    config: &ScanConfig,
    budget: usize,
    writers: Vec<Option<Box<dyn FindingWriter>>>,
    clock: Option<&Clock>,
    take: &mut dyn FnMut(Piece) -> io::Result<()>,
) -> io::Result<Option<Vec<Tally>>> {
    let next = AtomicUsize::new(0);
    let board = Board {
        state: Mutex::new(Shared { budget, ..Shared::default() }),
        to_report: Condvar::new(),
        to_work: Condvar::new(),
        reported: AtomicUsize::new(0),
    };
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for mut writer in writers {
            let (next, board) = (&next, &board);
            let worker = move || {
                let mut tally = Tally::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= jobs.len()
                        || !work(board, jobs, i, config, clock, writer.as_deref_mut(), &mut tally)
                    {
                        return tally;
                    }
                }
            };
            workers.extend(std::thread::Builder::new().spawn_scoped(scope, worker).ok());
        }
        if workers.is_empty() {
            return Ok(None);
        }
        let outcome = report(jobs.len(), &board, take);
        board.stop();
        // A worker that panicked outside a job (never seen) leaves its
        // findings uncounted rather than stop the run.
        let tallies = workers.into_iter().filter_map(|w| w.join().ok()).collect();
        outcome.map(|()| Some(tallies))
    })
}

/// Reports every job's pieces in job order.
fn report(jobs: usize, board: &Board, take: &mut dyn FnMut(Piece) -> io::Result<()>) -> io::Result<()> {
    let mut pieces = Vec::new();
    let mut state = board.lock();
    while state.reported < jobs {
        let i = state.reported;
        let Some(queue) = state.queues.get_mut(&i).filter(|q| !q.pieces.is_empty()) else {
            state.reporter_waiting = true;
            state = board.to_report.wait_timeout(state, POLL).map_or_else(|e| e.into_inner().0, |(s, _)| s);
            state.reporter_waiting = false;
            continue;
        };
        pieces.extend(queue.pieces.drain(..));
        let freed: usize = pieces.iter().map(Piece::size).sum();
        let read_back: usize = pieces
            .iter()
            .map(|p| match p {
                Piece::SetAside { bytes, .. } => bytes.on_disk(),
                _ => 0,
            })
            .sum();
        if queue.done {
            state.queues.remove(&i);
            state.reported += 1;
            board.reported.store(state.reported, Ordering::Relaxed);
        }
        state.buffered = state.buffered.saturating_sub(freed);
        state.set_aside = state.set_aside.saturating_sub(read_back);
        // Room in a queue, or a new turn for a worker ahead.
        board.wake(&state, false, true);
        drop(state);
        for piece in pieces.drain(..) {
            take(piece)?;
        }
        state = board.lock();
    }
    Ok(())
}

/// One worker's turn at job `i`; false when the run is stopping.
fn work(
    board: &Board,
    jobs: &[Job<'_>],
    i: usize,
    config: &ScanConfig,
    clock: Option<&Clock>,
    writer: Option<&mut (dyn FindingWriter + 'static)>,
    tally: &mut Tally,
) -> bool {
    // A job ahead starts only while what waits to be reported fits the
    // budget: a worker that raced ahead through many small jobs while a long
    // one is reported would keep all their output and their ends.
    let my_turn = |s: &Shared| i <= s.reported || (i < s.reported + AHEAD && s.buffered <= s.budget);
    if board.worker_wait(my_turn).is_none() {
        return false;
    }
    let lines_before = |first_job: usize, count: u64| -> Option<u64> {
        let mut state = board.lock();
        state.lines.insert(i, count);
        board.wake(&state, false, true);
        drop(state);
        let state = board.worker_wait(|s| (first_job..i).all(|j| s.lines.contains_key(&j)))?;
        Some((first_job..i).filter_map(|j| state.lines.get(&j)).sum())
    };
    let mut spill = Spill::new(i);
    let mut deliver = |piece| board.put(i, piece, &mut spill);
    let mut producer = Producer::new(i, writer, tally, &config.filter, &mut deliver, clock);
    // A job that panics still answers for its place in the order, or the
    // reporting side would wait for it forever.
    let job = std::panic::AssertUnwindSafe(|| {
        Clock::time(clock, Phase::Scan, || one_job(&jobs[i], config, clock, &mut producer, &lines_before))
    });
    let done = std::panic::catch_unwind(job).unwrap_or_else(|_| Done::failed(&jobs[i]));
    producer.finish(done).is_continue()
}

/// Runs one job into `producer`, and says how it ended.
fn one_job(
    job: &Job<'_>,
    config: &ScanConfig,
    clock: Option<&Clock>,
    producer: &mut Producer<'_>,
    lines_before: &dyn Fn(usize, u64) -> Option<u64>,
) -> Done {
    match job {
        Job::Whole(target) => {
            Done::whole(one::scan(target, config, clock, &mut |e| producer.event(e, false)))
        }
        Job::Part(part) => {
            let Some(before) = lines_before(part.first_job, part.count_lines()) else {
                return Done::stopped(part);
            };
            let segment = part.placed(before);
            let scanned =
                one::scan_part(&part.file, part.origin.display(), segment, config, clock, &mut |e| {
                    let held = e.offset() < segment.events_from;
                    producer.event(e, held)
                });
            Done::part(scanned.scanned, scanned.end, part.last)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_output_itself_waits_for_room() {
        // Job 0 is being reported; the budget is spent.
        let spent = Shared { budget: 1 << 10, buffered: 4 << 10, ..Shared::default() };
        let bytes = || Piece::Bytes { bytes: vec![b'x'; 100], findings: 1, repeated: Vec::new() };
        let note = Piece::SetAside {
            bytes: {
                let mut spill = Spill::new(1);
                let packed = spill.pack(b"set aside", &[]).expect("packed");
                spill.write(packed).expect("a temporary file")
            },
            findings: 1,
        };
        assert!(!spent.has_room(1, &bytes()), "a job ahead waits to add output");
        assert!(spent.has_room(1, &note), "but not to hand over a note of output set aside");
        assert!(spent.has_room(0, &bytes()), "the job being reported waits only for its queue");
        let mut full = spent;
        full.queues.entry(0).or_default().pieces.extend((0..PIECES_WAITING).map(|_| bytes()));
        assert!(!full.has_room(0, &bytes()));
        let done =
            Piece::Done(Box::new(Done::whole(one::Scanned::new("a.log".into(), one::Outcome::Stopped))));
        assert!(full.has_room(0, &done) && full.has_room(1, &done), "a job's end never waits");
    }
}
