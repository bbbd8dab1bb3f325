//! A file read to the length it had when it was opened: one that shrinks
//! while it is read (a log rotated or truncated mid-scan) ends in an error
//! saying so, rather than looking like a shorter file read whole.

use std::io::{self, Read};

/// Reads `inner`, which starts at byte `at` of its file and should go on to
/// at least byte `expected`.
pub struct ToLength<R> {
    inner: R,
    expected: u64,
    at: u64,
}

impl<R: Read> ToLength<R> {
    /// `inner`, read from byte `at` to at least byte `expected` of its file.
    pub fn new(inner: R, at: u64, expected: u64) -> Self {
        ToLength { inner, expected, at }
    }
}

impl<R: Read> Read for ToLength<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.at += n as u64;
        if n == 0 && !buf.is_empty() && self.at < self.expected {
            let (at, expected) = (self.at, self.expected);
            // Said once: a reader asked again after the error finds the end.
            self.expected = at;
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the file shrank while it was read (to {at} bytes, from at least {expected})"),
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_shorter_than_expected_ends_in_an_error_once() {
        let mut reader = ToLength::new(&b"abc"[..], 10, 15);
        let mut out = Vec::new();
        let error = reader.read_to_end(&mut out).expect_err("two bytes are missing");
        assert_eq!(out, b"abc");
        assert!(
            error.to_string().contains("shrank while it was read (to 13 bytes, from at least 15)"),
            "{error}"
        );
        assert_eq!(reader.read(&mut [0; 4]).expect("then the end"), 0);
    }

    #[test]
    fn a_stream_as_long_or_longer_than_expected_reads_whole() {
        for expected in [0, 3] {
            let mut out = Vec::new();
            ToLength::new(&b"abc"[..], 0, expected).read_to_end(&mut out).expect("no error");
            assert_eq!(out, b"abc");
        }
    }
}
