//! Output set aside while its job waits its turn. A worker that runs ahead
//! of the job being reported would otherwise wait once the output waiting
//! in memory reaches its budget: on a folder of large exports, where one
//! file's findings outweigh the budget, the second worker would spend most
//! of its time waiting. Instead it packs what does not fit whole (each
//! diagnosis once, below), keeps it in memory while the packed runs fit the
//! rest of the budget, and past that writes it to a temporary file of its
//! job, already deleted from its folder; the reporting side unpacks it in its
//! turn. What is set aside on disk is bounded too ([`CAP`]); past it, the
//! worker waits as before.
//!
//! Most of a line of ndjson is its diagnosis, and a job's lines share a few
//! diagnoses: the writer marks where each diagnosis's JSON stands
//! ([`Repeated`]), a job's packed runs hold each JSON whole once, and the
//! runs after it only refer to it. The reporting side reads a job's runs in
//! the order they were packed and keeps the JSON it has met to restore them.

use std::fs::File;
use std::io;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::report::Repeated;

/// Bytes that may wait on disk, over all jobs, before a worker waits.
pub(super) const CAP: usize = 1 << 30;

/// Repeated stretches a job's runs hold once and refer to after that: the
/// reporting side keeps that many in memory while it reads the job back.
const REMEMBERED: usize = 256;

/// How a job's output is packed, and where the packed runs go.
pub(super) struct Spill {
    /// The job's number in the run.
    job: usize,
    /// Its file, made when a run first goes to disk, and how much it holds.
    file: Option<Arc<File>>,
    len: u64,
    /// The repeated stretches the job's runs hold whole, which later runs
    /// refer to instead (at most [`REMEMBERED`]).
    held: FxHashSet<u64>,
    /// The run packed last, in room kept from one run to the next: a run
    /// kept in memory is copied out at its packed size, one written to disk
    /// is written from here.
    packed: Vec<u8>,
}

/// The run a spill packed last: how long it is, and the stretches it is the
/// first of its job to hold whole.
pub(super) struct Packed {
    len: usize,
    added: Vec<u64>,
}

impl Packed {
    pub(super) fn len(&self) -> usize {
        self.len
    }
}

/// A run of a job's output set aside, packed: in memory, or where it stands
/// in the job's file.
#[derive(Debug)]
pub(super) struct SetAside {
    job: usize,
    kept: Kept,
    pub len: usize,
}

#[derive(Debug)]
enum Kept {
    InMemory(Vec<u8>),
    OnDisk { file: Arc<File>, at: u64 },
}

impl SetAside {
    /// The bytes it keeps in memory.
    pub(super) fn in_memory(&self) -> usize {
        match self.kept {
            Kept::InMemory(_) => self.len,
            Kept::OnDisk { .. } => 0,
        }
    }

    /// The bytes it keeps on disk.
    pub(super) fn on_disk(&self) -> usize {
        self.len - self.in_memory()
    }
}

/// How a run is packed: how many stretches it marks, each as where it
/// starts in the output, its length, its number and whether it stands here
/// whole (1) or only refers to an earlier copy (0); then the output itself
/// without the stretches that only refer.
const MARK: usize = 4 + 4 + 8 + 1;

impl Spill {
    pub(super) fn new(job: usize) -> Spill {
        Spill { job, file: None, len: 0, held: FxHashSet::default(), packed: Vec::new() }
    }

    /// Packs `bytes`: of the stretches of `repeated`, those the job's runs
    /// already hold are written as a reference.
    pub(super) fn pack(&mut self, bytes: &[u8], repeated: &[Repeated]) -> io::Result<Packed> {
        // Every place and length within `bytes` fits in 32 bits then.
        u32::try_from(bytes.len()).map_err(|_| io::Error::other("a run of output over 4 GiB"))?;
        let mut end = 0;
        for stretch in repeated {
            if stretch.at < end || stretch.len > bytes.len().saturating_sub(stretch.at) {
                return Err(io::Error::other("repeated stretches out of order or past the output"));
            }
            end = stretch.at + stretch.len;
        }
        // The marks first, filled in as the output after them is copied
        // without the stretches that only refer; and the ids this run is the
        // first to hold.
        let marks_end = 4 + repeated.len() * MARK;
        let out = &mut self.packed;
        out.clear();
        out.extend_from_slice(&(repeated.len() as u32).to_le_bytes());
        out.resize(marks_end, 0);
        let (mut added, mut from) = (Vec::new(), 0);
        for (i, stretch) in repeated.iter().enumerate() {
            let whole = !self.held.contains(&stretch.id);
            if whole && self.held.len() < REMEMBERED {
                self.held.insert(stretch.id);
                added.push(stretch.id);
            }
            let mark = &mut out[4 + i * MARK..][..MARK];
            mark[0..4].copy_from_slice(&(stretch.at as u32).to_le_bytes());
            mark[4..8].copy_from_slice(&(stretch.len as u32).to_le_bytes());
            mark[8..16].copy_from_slice(&stretch.id.to_le_bytes());
            mark[16] = u8::from(whole);
            if !whole {
                out.extend_from_slice(&bytes[from..stretch.at]);
                from = stretch.at + stretch.len;
            }
        }
        out.extend_from_slice(&bytes[from..]);
        Ok(Packed { len: out.len(), added })
    }

    /// Keeps the run packed last in memory, in no more room than it takes.
    pub(super) fn keep(&self, packed: Packed) -> SetAside {
        let bytes = self.packed[..packed.len].to_vec();
        SetAside { job: self.job, len: packed.len, kept: Kept::InMemory(bytes) }
    }

    /// Writes the run packed last to the job's file, made on first use. When it
    /// cannot, the run is forgotten.
    pub(super) fn write(&mut self, packed: Packed) -> io::Result<SetAside> {
        let written = match &self.file {
            Some(file) => Ok(Arc::clone(file)),
            None => tempfile::tempfile().map(|file| Arc::clone(self.file.insert(Arc::new(file)))),
        }
        .and_then(|file| write_at(&file, &self.packed[..packed.len], self.len).map(|()| file));
        match written {
            Ok(file) => {
                let at = self.len;
                self.len += packed.len as u64;
                Ok(SetAside { job: self.job, len: packed.len, kept: Kept::OnDisk { file, at } })
            }
            Err(e) => {
                // What was written of it is written over by the next.
                self.forget(packed);
                Err(e)
            }
        }
    }

    /// A packed run that goes neither to memory nor to disk: the runs after
    /// it hold whole what it would have.
    pub(super) fn forget(&mut self, packed: Packed) {
        for id in packed.added {
            self.held.remove(&id);
        }
    }
}

/// The reporting side's reading of output set aside: the repeated stretches
/// of the job being read, as its file holds them whole, for the references
/// after them.
#[derive(Default)]
pub(super) struct ReadBack {
    /// The job being read, and the stretches its runs held whole so far.
    job: Option<usize>,
    held: FxHashMap<u64, Vec<u8>>,
    /// Room to read a run from disk into, and to unpack it in, kept from
    /// one run to the next.
    room: Vec<u8>,
    out: Vec<u8>,
}

impl ReadBack {
    /// The job being read is over: its stretches go.
    pub(super) fn close(&mut self) {
        self.job = None;
        self.held = FxHashMap::default();
    }

    /// The output `set_aside` holds. The runs of one job are read in the
    /// order they were set aside.
    pub(super) fn read(&mut self, set_aside: &SetAside) -> io::Result<&[u8]> {
        if self.job != Some(set_aside.job) {
            self.job = Some(set_aside.job);
            self.held.clear();
        }
        let room = match &set_aside.kept {
            Kept::InMemory(bytes) => bytes.as_slice(),
            Kept::OnDisk { file, at } => {
                let room = &mut self.room;
                room.resize(room.len().max(set_aside.len), 0);
                room.truncate(set_aside.len);
                read_at(file, room, *at)?;
                room
            }
        };
        let broken = || io::Error::new(io::ErrorKind::InvalidData, "output set aside reads back broken");
        let part =
            |at: usize, len: usize| at.checked_add(len).and_then(|end| room.get(at..end)).ok_or_else(broken);
        let count = u32::from_le_bytes(word(part(0, 4)?)) as usize;
        let marks_len = count.checked_mul(MARK).ok_or_else(broken)?;
        let marks = part(4, marks_len)?;
        let mut body = 4 + marks_len;
        let out = &mut self.out;
        out.clear();
        for mark in marks.chunks_exact(MARK) {
            let at = u32::from_le_bytes(word(&mark[0..4])) as usize;
            let len = u32::from_le_bytes(word(&mark[4..8])) as usize;
            let id = u64::from_le_bytes(word(&mark[8..16]));
            // The output before the stretch, then the stretch.
            let before = at.checked_sub(out.len()).ok_or_else(broken)?;
            out.extend_from_slice(part(body, before)?);
            body += before;
            if mark[16] != 0 {
                let stretch = part(body, len)?;
                if !self.held.contains_key(&id) && self.held.len() < REMEMBERED {
                    self.held.insert(id, stretch.to_vec());
                }
                out.extend_from_slice(stretch);
                body += len;
            } else {
                out.extend_from_slice(self.held.get(&id).ok_or_else(broken)?);
            }
        }
        out.extend_from_slice(room.get(body..).ok_or_else(broken)?);
        Ok(out)
    }
}

/// The first `N` bytes of `bytes`, which holds at least that many.
fn word<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut word = [0; N];
    word.copy_from_slice(&bytes[..N]);
    word
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(windows)]
fn write_at(file: &File, mut bytes: &[u8], mut at: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        match std::os::windows::fs::FileExt::seek_write(file, bytes, at)? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => {
                bytes = &bytes[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(file: &File, out: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, at)
}

#[cfg(windows)]
fn read_at(file: &File, mut out: &mut [u8], mut at: u64) -> io::Result<()> {
    while !out.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, out, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                out = &mut out[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a test keeps a packed run.
    #[derive(Clone, Copy)]
    enum To {
        Memory,
        Disk,
    }

    fn set_aside(spill: &mut Spill, bytes: &[u8], repeated: &[Repeated], to: To) -> SetAside {
        let packed = spill.pack(bytes, repeated).expect("packed");
        match to {
            To::Memory => spill.keep(packed),
            To::Disk => spill.write(packed).expect("a temporary file"),
        }
    }

    fn read(back: &mut ReadBack, set_aside: &SetAside) -> Vec<u8> {
        back.read(set_aside).expect("read back").to_vec()
    }

    #[test]
    fn output_with_nothing_repeated_reads_back_in_any_order() {
        for to in [To::Memory, To::Disk] {
            let mut spill = Spill::new(0);
            let first = set_aside(&mut spill, b"{\"a\":1}\n", &[], to);
            let second = set_aside(&mut spill, b"{\"b\":2}\n", &[], to);
            let mut back = ReadBack::default();
            assert_eq!(read(&mut back, &second), b"{\"b\":2}\n");
            assert_eq!(read(&mut back, &first), b"{\"a\":1}\n");
            // Into room that held more, and then less, than what is read.
            let long = set_aside(&mut spill, &[b'x'; 300], &[], to);
            let short = set_aside(&mut spill, b"y\n", &[], to);
            assert_eq!(read(&mut back, &long), [b'x'; 300]);
            assert_eq!(read(&mut back, &short), b"y\n");
            assert_eq!(read(&mut back, &long), [b'x'; 300]);
        }
    }

    /// Lines of `(line, stretch)` pairs as a writer would make them: each
    /// line's text, then a stretch numbered by what it says.
    fn lines(parts: &[(&str, &str)]) -> (Vec<u8>, Vec<Repeated>) {
        let (mut bytes, mut repeated) = (Vec::new(), Vec::new());
        for (text, stretch) in parts {
            bytes.extend_from_slice(text.as_bytes());
            let id = u64::from(stretch.as_bytes()[0]);
            repeated.push(Repeated { at: bytes.len(), len: stretch.len(), id });
            bytes.extend_from_slice(stretch.as_bytes());
            bytes.push(b'\n');
        }
        (bytes, repeated)
    }

    #[test]
    fn a_repeated_stretch_is_held_once_and_reads_back_whole_from_memory_or_disk() {
        let diagnosis = "A".repeat(2000);
        let other = "B".repeat(1500);
        let runs = [
            lines(&[("{\"line\":1,\"diagnosis\":", &diagnosis), ("{\"line\":2,\"diagnosis\":", &diagnosis)]),
            lines(&[("{\"line\":3,\"diagnosis\":", &other), ("x", &diagnosis), ("", &other)]),
            lines(&[("{\"line\":4,\"diagnosis\":", &diagnosis)]),
        ];
        // A job's runs go to memory until the budget is spent, then to disk,
        // then to memory again once the reporting side has made room.
        for places in [[To::Memory; 3], [To::Disk; 3], [To::Memory, To::Disk, To::Memory]] {
            let mut spill = Spill::new(0);
            let kept: Vec<_> = runs
                .iter()
                .zip(places)
                .map(|((bytes, repeated), to)| set_aside(&mut spill, bytes, repeated, to))
                .collect();
            let packed: usize = kept.iter().map(|s| s.len).sum();
            let whole: usize = runs.iter().map(|(bytes, _)| bytes.len()).sum();
            assert!(packed < whole - 4000, "each stretch once: {packed} bytes packed for {whole}");
            let mut back = ReadBack::default();
            for ((bytes, _), run) in runs.iter().zip(&kept) {
                assert_eq!(read(&mut back, run), *bytes);
            }
            // Another job's runs start afresh.
            let mut other_job = Spill::new(1);
            let (bytes, repeated) = &runs[2];
            let alone = set_aside(&mut other_job, bytes, repeated, places[2]);
            assert_eq!(read(&mut back, &alone), *bytes);
        }
    }

    #[test]
    fn where_a_run_is_kept_is_counted_once() {
        let mut spill = Spill::new(0);
        let in_memory = set_aside(&mut spill, b"kept", &[], To::Memory);
        let on_disk = set_aside(&mut spill, b"written", &[], To::Disk);
        assert_eq!((in_memory.in_memory(), in_memory.on_disk()), (in_memory.len, 0));
        assert_eq!((on_disk.in_memory(), on_disk.on_disk()), (0, on_disk.len));
    }

    #[test]
    fn stretches_out_of_order_or_past_the_output_are_refused_and_nothing_is_held() {
        let mut spill = Spill::new(0);
        let bytes = b"0123456789";
        let past = [Repeated { at: 8, len: 3, id: 1 }];
        let backwards = [Repeated { at: 4, len: 2, id: 1 }, Repeated { at: 3, len: 1, id: 2 }];
        assert!(spill.pack(bytes, &past).is_err());
        assert!(spill.pack(bytes, &backwards).is_err());
        assert!(spill.held.is_empty());
        let fine = [Repeated { at: 2, len: 2, id: 1 }];
        let first = set_aside(&mut spill, bytes, &fine, To::Disk);
        let again = set_aside(&mut spill, bytes, &fine, To::Disk);
        let mut back = ReadBack::default();
        assert_eq!(read(&mut back, &first), bytes);
        assert_eq!(read(&mut back, &again), bytes);
        // Once the job is read, its stretches go.
        back.close();
        assert!(back.job.is_none() && back.held.is_empty());
    }

    #[test]
    fn a_run_forgotten_leaves_its_stretches_to_the_next() {
        let mut spill = Spill::new(0);
        let bytes = b"0123456789";
        let repeated = [Repeated { at: 2, len: 4, id: 7 }];
        // Packed first, then neither kept nor written: the disk was full.
        let lost = spill.pack(bytes, &repeated).expect("packed");
        spill.forget(lost);
        let next = set_aside(&mut spill, bytes, &repeated, To::Memory);
        assert_eq!(read(&mut ReadBack::default(), &next), bytes, "the stretch stands whole in the next run");
    }

    #[test]
    fn past_what_is_remembered_stretches_are_held_whole() {
        let stretches: Vec<String> = (0..REMEMBERED + 10).map(|i| format!("<{i:06}>")).collect();
        let mut spill = Spill::new(0);
        let mut written = Vec::new();
        for round in 0..2 {
            for (i, stretch) in stretches.iter().enumerate() {
                let bytes = format!("{round}:{stretch}").into_bytes();
                let repeated = [Repeated { at: 2, len: stretch.len(), id: i as u64 }];
                let to = if i % 2 == 0 { To::Memory } else { To::Disk };
                written.push((set_aside(&mut spill, &bytes, &repeated, to), bytes));
            }
        }
        let mut back = ReadBack::default();
        for (set_aside, bytes) in &written {
            assert_eq!(read(&mut back, set_aside), *bytes);
        }
        assert_eq!(back.held.len(), REMEMBERED);
    }
}
