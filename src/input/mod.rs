//! Opening inputs: a file or standard input, gunzipped and transcoded to UTF-8
//! while it streams.
//!
//! Why transcode here: Windows writes many Exchange and IIS logs in UTF-16, and
//! neither the byte prefilter nor quick-xml can read UTF-16. Everything after this
//! module sees UTF-8 bytes, and every offset the tool reports is an offset into
//! that UTF-8 stream. A UTF-8 input passes through untouched (BOM and invalid
//! bytes included), so its offsets are the file's own.

mod container;
pub mod excel;
mod length;
mod sniff;
mod transcode;
pub mod zip;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::model::Encoding;

pub use container::Container;
pub use length::ToLength;
pub use sniff::{Sniffed, sniff};

/// How many bytes are looked at to decide gzip, encoding and binary: the
/// whole first read, so that a UTF-16 log opening with a page of text in
/// another script is still known by the line breaks and ASCII further on.
const SNIFF_LEN: usize = 64 * 1024;

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Standard input, shown as `-`.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Origin {
    /// The path as the user gave it (`-` for standard input).
    pub fn display(&self) -> String {
        match self {
            Origin::Stdin => "-".to_string(),
            Origin::File(path) => display_path(path),
        }
    }
}

/// A path as text that still names the file: bytes that are not UTF-8 (a
/// file name from another system's code page) are written `\xNN` rather than
/// replaced, so the printed name can be told apart and typed back.
pub fn display_path(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.display().to_string()
    }
}

/// An input opened for scanning: a stream of UTF-8 bytes and what was learnt
/// while opening it.
pub struct Opened {
    /// The decoded stream.
    pub reader: Box<dyn Read + Send>,
    /// The encoding the input was written in.
    pub encoding: Encoding,
    /// The input was gzip-compressed.
    pub gzip: bool,
    /// The first bytes hold NULs that are not UTF-16: probably not text.
    pub binary: bool,
}

/// Opens a file (or standard input for [`Origin::Stdin`]) for scanning.
pub fn open(origin: &Origin) -> io::Result<Opened> {
    match origin {
        Origin::Stdin => open_stdin(),
        Origin::File(path) => open_file(path),
    }
}

/// Standard input streams, while an archive or workbook is read whole from
/// its directory, which comes at its end: one piped in is refused with what
/// to do, rather than scanned as text that holds nothing.
fn open_stdin() -> io::Result<Opened> {
    let (head, rest) = peek(Box::new(io::stdin()), 8)?;
    let kind = if head.starts_with(b"PK\x03\x04") {
        Some("a zip archive (or an .xlsx workbook)")
    } else if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        Some("an Office document (an .xls workbook)")
    } else {
        None
    };
    if let Some(kind) = kind {
        return Err(io::Error::other(format!(
            "{kind} cannot be read from standard input: save it to a file and name that file"
        )));
    }
    decode(Box::new(io::Cursor::new(head).chain(rest)))
}

fn open_file(path: &Path) -> io::Result<Opened> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_dir() {
        return Err(io::Error::other("is a directory"));
    }
    if metadata.is_file() {
        return decode(Box::new(ToLength::new(file, 0, metadata.len())));
    }
    decode(Box::new(file))
}

/// Does `head` start with the gzip magic?
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// Wraps any byte stream: gunzips it if it starts with the gzip magic, then
/// transcodes UTF-16 to UTF-8.
pub fn decode(reader: Box<dyn Read + Send>) -> io::Result<Opened> {
    let (head, rest) = peek(reader, SNIFF_LEN)?;
    let gzip = is_gzip(&head);
    let (head, rest) = if gzip {
        let inflated: Box<dyn Read + Send> = Box::new(MultiGzDecoder::new(io::Cursor::new(head).chain(rest)));
        peek(inflated, SNIFF_LEN)?
    } else {
        (head, rest)
    };
    let sniffed = sniff(&head);
    let stream = io::Cursor::new(head).chain(rest);
    // A UTF-8 BOM stays (offsets are the file's own); the others are
    // decoding's business and go.
    let reader: Box<dyn Read + Send> = Box::new(transcode::Transcode::new(stream, sniffed.encoding));
    Ok(Opened { reader, encoding: sniffed.encoding, gzip, binary: sniffed.binary })
}

/// Reads up to `len` bytes (fewer only at the end of the stream) and hands back
/// both the bytes and the rest of the stream. A read that fails inside the head
/// (a short damaged gzip file) keeps what it got; the failure comes back from
/// the rest of the stream, after those bytes have been scanned.
fn peek(mut reader: Box<dyn Read + Send>, len: usize) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(len);
    match (&mut reader).take(len as u64).read_to_end(&mut head) {
        Ok(_) => Ok((head, reader)),
        Err(error) if !head.is_empty() => Ok((head, Box::new(Failed(Some(error))))),
        Err(error) => Err(error),
    }
}

/// A stream whose next read fails with the error it holds, then ends.
struct Failed(Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}
