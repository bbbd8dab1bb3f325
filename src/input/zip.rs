//! Reading zip archives member by member, without extracting anything to disk.
//!
//! The central directory is read with the `zip` crate; each member is then
//! streamed straight from the archive (stored or deflated), its checksum
//! checked at its end. A member that is itself an archive is opened one level
//! deep, from memory. Every member counts its inflated bytes against
//! [`ArchiveLimits`], so a zip bomb stops with a clear message instead of
//! filling memory or running for ever.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::Crc;
use flate2::read::DeflateDecoder;
use zip::{CompressionMethod, ZipArchive};

use super::Container;

/// Bounds on what an archive may inflate to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// A member may inflate to at most this many times its compressed size…
    pub max_ratio: u64,
    /// …once it has inflated past this many bytes (a small member may
    /// compress very well without harm).
    pub ratio_floor: u64,
    /// All members of one archive together, nested ones included, may inflate
    /// to at most this many bytes.
    pub max_total: u64,
    /// A nested archive or workbook is read into memory: at most this many
    /// bytes of it.
    pub max_in_memory: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits { max_ratio: 500, ratio_floor: 1 << 20, max_total: 4 << 30, max_in_memory: 32 << 20 }
    }
}

/// One member of an archive, named `logs.zip!server/a.log`.
pub struct Member {
    /// The archive's path, `!`, and the member's name inside it (twice for a
    /// member of a nested archive).
    pub name: String,
    /// What can be done with it.
    pub content: Content,
}

/// What a member holds.
pub enum Content {
    /// A file to scan as any other: the inflated bytes, still to be decoded
    /// (gunzipped, transcoded) like a file on disk.
    File(Box<dyn Read + Send>),
    /// A workbook (`.xlsx`, `.xlsm`, `.xls`), held in memory.
    Workbook(Container, Vec<u8>),
    /// A member that cannot be read, and why.
    Unreadable(String),
}

/// Where an archive's bytes are: a file on disk or (for a nested archive) memory.
#[derive(Clone)]
enum Bytes {
    Disk(PathBuf),
    Memory(Arc<[u8]>),
}

impl Bytes {
    /// `len` bytes from `start`, as an owned stream.
    fn range(&self, start: u64, len: u64) -> io::Result<Box<dyn Read + Send>> {
        match self {
            Bytes::Disk(path) => {
                let mut file = File::open(path)?;
                file.seek(SeekFrom::Start(start))?;
                Ok(Box::new(file.take(len)))
            }
            Bytes::Memory(bytes) => {
                let mut cursor = Cursor::new(Arc::clone(bytes));
                cursor.seek(SeekFrom::Start(start))?;
                Ok(Box::new(cursor.take(len)))
            }
        }
    }
}

/// Reads the archive at `path` (shown as `display`) and hands each member to
/// `visit`, in the archive's order. Members are read one at a time: `visit`
/// must finish with a member's stream before the next one is opened. An
/// error means the archive itself could not be opened (not a zip, damaged
/// central directory); a member's trouble comes as [`Content::Unreadable`].
pub fn members(
    path: &Path,
    display: &str,
    limits: &ArchiveLimits,
    visit: &mut dyn FnMut(Member),
) -> io::Result<()> {
    let archive = ZipArchive::new(File::open(path)?).map_err(|e| opening_error(&e))?;
    let budget = Arc::new(AtomicU64::new(limits.max_total));
    walk(archive, Bytes::Disk(path.to_path_buf()), display, 0, limits, &budget, visit);
    Ok(())
}

fn opening_error(error: &zip::result::ZipError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not a readable zip archive: {error}"))
}

fn walk<R: Read + Seek>(
    mut archive: ZipArchive<R>,
    bytes: Bytes,
    display: &str,
    depth: usize,
    limits: &ArchiveLimits,
    budget: &Arc<AtomicU64>,
    visit: &mut dyn FnMut(Member),
) {
    for index in 0..archive.len() {
        if budget.load(Ordering::Relaxed) == 0 {
            let reason = format!(
                "the archive inflates past {} bytes in all (the limit against zip bombs); the remaining members were not read",
                limits.max_total
            );
            visit(Member { name: format!("{display}!…"), content: Content::Unreadable(reason) });
            return;
        }
        let entry = match Entry::read(&mut archive, index) {
            Ok(entry) => entry,
            Err(reason) => {
                visit(Member {
                    name: format!("{display}!#{}", index + 1),
                    content: Content::Unreadable(reason),
                });
                continue;
            }
        };
        if entry.is_dir {
            continue;
        }
        let name = format!("{display}!{}", entry.name);
        let content = match entry.refusal(limits) {
            Some(reason) => Content::Unreadable(reason),
            None => match Container::of_name(&entry.name) {
                Some(Container::Zip) if depth > 0 => Content::Unreadable(
                    "an archive inside a nested archive: only one level of nesting is opened".to_string(),
                ),
                Some(Container::Zip) => match entry.in_memory(&bytes, limits, budget) {
                    Ok(inner) => {
                        let inner: Arc<[u8]> = inner.into();
                        match ZipArchive::new(Cursor::new(Arc::clone(&inner))) {
                            Ok(nested) => {
                                walk(nested, Bytes::Memory(inner), &name, depth + 1, limits, budget, visit);
                                continue;
                            }
                            Err(error) => Content::Unreadable(opening_error(&error).to_string()),
                        }
                    }
                    Err(error) => Content::Unreadable(error.to_string()),
                },
                Some(workbook) => match entry.in_memory(&bytes, limits, budget) {
                    Ok(inner) => Content::Workbook(workbook, inner),
                    Err(error) => Content::Unreadable(error.to_string()),
                },
                None => match entry.stream(&bytes, limits, budget) {
                    Ok(stream) => Content::File(stream),
                    Err(error) => Content::Unreadable(error.to_string()),
                },
            },
        };
        visit(Member { name, content });
    }
}

/// What the central directory and local header say about one member.
struct Entry {
    name: String,
    is_dir: bool,
    encrypted: bool,
    method: CompressionMethod,
    data_start: u64,
    compressed: u64,
    size: u64,
    crc: u32,
}

impl Entry {
    fn read<R: Read + Seek>(archive: &mut ZipArchive<R>, index: usize) -> Result<Entry, String> {
        let file = archive.by_index_raw(index).map_err(|e| format!("damaged member header: {e}"))?;
        let name = match file.name() {
            Ok(name) => name.into_owned(),
            Err(_) => String::from_utf8_lossy(file.name_raw()).into_owned(),
        };
        let data_start =
            file.data_start().ok_or_else(|| format!("{name}: the member's data cannot be found"))?;
        Ok(Entry {
            is_dir: file.is_dir(),
            encrypted: file.encrypted(),
            method: file.compression(),
            data_start,
            compressed: file.compressed_size(),
            size: file.size(),
            crc: file.crc32(),
            name,
        })
    }

    /// Why the member is not read at all, if it is not.
    fn refusal(&self, limits: &ArchiveLimits) -> Option<String> {
        if self.encrypted {
            return Some("encrypted (password-protected) member: it cannot be read; unzip it with its password and scan the files".to_string());
        }
        if !matches!(self.method, CompressionMethod::Stored | CompressionMethod::Deflated) {
            return Some(format!(
                "compressed with {}, which is not supported (only stored and deflated members are read)",
                self.method
            ));
        }
        if self.size > limits.ratio_floor && self.size / self.compressed.max(1) > limits.max_ratio {
            return Some(bomb(self.size, self.compressed, limits));
        }
        None
    }

    /// The member's inflated bytes as a stream, checked against the limits
    /// and, at its end, against its checksum.
    fn stream(
        &self,
        bytes: &Bytes,
        limits: &ArchiveLimits,
        budget: &Arc<AtomicU64>,
    ) -> io::Result<Box<dyn Read + Send>> {
        let raw = bytes.range(self.data_start, self.compressed)?;
        let inflated: Box<dyn Read + Send> = match self.method {
            CompressionMethod::Deflated => Box::new(DeflateDecoder::new(raw)),
            _ => raw,
        };
        Ok(Box::new(Guarded {
            inner: inflated,
            out: 0,
            compressed: self.compressed,
            limits: *limits,
            budget: Arc::clone(budget),
            crc: Crc::new(),
            expected_crc: self.crc,
        }))
    }

    /// The whole member in memory (a nested archive or a workbook).
    fn in_memory(
        &self,
        bytes: &Bytes,
        limits: &ArchiveLimits,
        budget: &Arc<AtomicU64>,
    ) -> io::Result<Vec<u8>> {
        if self.size > limits.max_in_memory {
            return Err(io::Error::other(format!(
                "a nested file of {} bytes, more than the {} read into memory; unzip it and scan it on its own",
                self.size, limits.max_in_memory
            )));
        }
        let mut out = Vec::new();
        self.stream(bytes, limits, budget)?.take(limits.max_in_memory + 1).read_to_end(&mut out)?;
        if out.len() as u64 > limits.max_in_memory {
            return Err(io::Error::other(format!(
                "a nested file inflating past {} bytes, more than is read into memory",
                limits.max_in_memory
            )));
        }
        Ok(out)
    }
}

fn bomb(size: u64, compressed: u64, limits: &ArchiveLimits) -> String {
    format!(
        "inflates to {size} bytes from {compressed} ({}:1, past the limit of {}:1): a zip bomb? not read",
        size / compressed.max(1),
        limits.max_ratio
    )
}

/// A member's inflated stream: counts bytes against the limits, and checks
/// the checksum at the end.
struct Guarded {
    inner: Box<dyn Read + Send>,
    out: u64,
    compressed: u64,
    limits: ArchiveLimits,
    budget: Arc<AtomicU64>,
    crc: Crc,
    expected_crc: u32,
}

impl Read for Guarded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        if read == 0 {
            if !buf.is_empty() && self.crc.sum() != self.expected_crc {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "checksum mismatch: the member is damaged",
                ));
            }
            return Ok(0);
        }
        self.out += read as u64;
        self.crc.update(&buf[..read]);
        if self.out > self.limits.ratio_floor && self.out / self.compressed.max(1) > self.limits.max_ratio {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                bomb(self.out, self.compressed, &self.limits),
            ));
        }
        let left = self.budget.load(Ordering::Relaxed);
        if read as u64 > left {
            self.budget.store(0, Ordering::Relaxed);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the archive inflates past {} bytes in all, the limit against zip bombs; stopped here",
                    self.limits.max_total
                ),
            ));
        }
        self.budget.store(left - read as u64, Ordering::Relaxed);
        Ok(read)
    }
}
