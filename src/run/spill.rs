//! Output set aside on disk. A worker that runs ahead of the job being
//! reported would otherwise wait once the output waiting in memory reaches
//! its budget: on a folder of large exports, where one file's findings
//! outweigh the budget, the second worker would spend most of its time
//! waiting. Instead it writes what does not fit to a temporary file of its
//! job, already deleted from its folder, and the reporting side copies it out
//! in its turn. What is set aside is bounded too ([`CAP`]); past it, the worker
//! waits as before.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;

/// Bytes that may wait on disk, over all jobs, before a worker waits.
pub(super) const CAP: usize = 1 << 30;

/// A job's file of output set aside, and how much it holds.
#[derive(Default)]
pub(super) struct Spill {
    file: Option<Arc<File>>,
    len: u64,
}

/// A run of a job's output set aside: where it stands in the job's file.
#[derive(Debug)]
pub(super) struct SetAside {
    file: Arc<File>,
    at: u64,
    pub len: usize,
}

impl Spill {
    /// Writes `bytes` to the job's file, made on first use.
    pub(super) fn write(&mut self, bytes: &[u8]) -> io::Result<SetAside> {
        let file = match &self.file {
            Some(file) => Arc::clone(file),
            None => Arc::clone(self.file.insert(Arc::new(tempfile::tempfile()?))),
        };
        (&*file).write_all(bytes)?;
        let at = self.len;
        self.len += bytes.len() as u64;
        Ok(SetAside { file, at, len: bytes.len() })
    }
}

impl SetAside {
    /// The bytes set aside, read into `out` (whatever it held before; room
    /// it already has is read over, not cleared first).
    pub(super) fn read_into(&self, out: &mut Vec<u8>) -> io::Result<()> {
        out.resize(out.len().max(self.len), 0);
        out.truncate(self.len);
        read_at(&self.file, out, self.at)
    }
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

    #[test]
    fn what_is_set_aside_reads_back_in_any_order() {
        let mut spill = Spill::default();
        let first = spill.write(b"{\"a\":1}\n").expect("a temporary file");
        let second = spill.write(b"{\"b\":2}\n").expect("a temporary file");
        let mut out = Vec::new();
        second.read_into(&mut out).expect("read back");
        assert_eq!(out, b"{\"b\":2}\n");
        first.read_into(&mut out).expect("read back");
        assert_eq!(out, b"{\"a\":1}\n");
        // Into room that held more, and then less, than what is read.
        let long = spill.write(&[b'x'; 300]).expect("a temporary file");
        let short = spill.write(b"y\n").expect("a temporary file");
        long.read_into(&mut out).expect("read back");
        assert_eq!(out, [b'x'; 300]);
        short.read_into(&mut out).expect("read back");
        assert_eq!(out, b"y\n");
        long.read_into(&mut out).expect("read back");
        assert_eq!(out, [b'x'; 300]);
    }
}
