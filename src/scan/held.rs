//! The scan's input buffer: the bytes read and not yet let go.
//!
//! A `Vec` read into by `read_to_end` is zeroed before every read whenever the
//! reader is one the standard library cannot read into uninitialised memory
//! (every reader here: the input is wrapped for gzip and transcoding): 8% of
//! the instructions of a scan of ordinary logs went to it. This buffer
//! zeroes its memory once, when it first grows to it, and after that only
//! moves bytes within it. It grows as reads fill it, from a small first
//! step, so a small file costs no zeroing of a whole read's worth.

use std::io::{self, Read};
use std::ops::Deref;

/// The room made for the first read: what the standard library's own
/// buffered reads start with.
const FIRST_ROOM: usize = 8 << 10;

#[derive(Debug, Default)]
pub(super) struct Held {
    /// Every byte ever made room for; only `..len` holds input.
    room: Vec<u8>,
    len: usize,
}

impl Deref for Held {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.room[..self.len]
    }
}

impl Held {
    /// Appends up to `limit` bytes from `reader`, fewer only at its end, and
    /// says how many came. Bytes read before an error stay held.
    pub(super) fn fill<R: Read>(&mut self, reader: &mut R, limit: usize) -> io::Result<usize> {
        let want = self.len + limit;
        let start = self.len;
        while self.len < want {
            if self.len == self.room.len() {
                self.room.resize((2 * self.room.len()).max(FIRST_ROOM).min(want), 0);
            }
            let end = want.min(self.room.len());
            match reader.read(&mut self.room[self.len..end]) {
                Ok(0) => break,
                Ok(n) => self.len += n.min(end - self.len),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(self.len - start)
    }

    /// Lets go of the first `n` bytes; the rest move to the front.
    pub(super) fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        self.room.copy_within(n..self.len, 0);
        self.len -= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a read and fails once
    /// after `fail_at` bytes.
    struct Trickle<'a> {
        text: &'a [u8],
        step: usize,
        fail_at: Option<usize>,
        at: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.fail_at == Some(self.at) {
                self.fail_at = None;
                return Err(io::Error::other("damaged"));
            }
            let end = self.text.len().min(self.at + self.step).min(self.at + buf.len());
            let end = self.fail_at.map_or(end, |f| end.min(f.max(self.at)));
            let n = end - self.at;
            buf[..n].copy_from_slice(&self.text[self.at..end]);
            self.at = end;
            Ok(n)
        }
    }

    #[test]
    fn reads_up_to_the_limit_across_short_reads_and_stops_only_at_the_end() {
        let text: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let mut reader = Trickle { text: &text, step: 7, fail_at: None, at: 0 };
        let mut held = Held::default();
        assert_eq!(
            held.fill(&mut reader, 100).expect("reads"),
            100,
            "seven bytes a read still fill the limit"
        );
        assert_eq!(&held[..], &text[..100]);
        held.drop_front(60);
        assert_eq!(&held[..], &text[60..100], "what is kept moves to the front");
        assert_eq!(held.fill(&mut reader, 1000).expect("reads"), 900, "fewer only at the end");
        assert_eq!(&held[..], &text[60..]);
        assert_eq!(held.fill(&mut reader, 10).expect("reads"), 0);
    }

    #[test]
    fn bytes_read_before_a_failure_stay_held() {
        let text = b"0123456789abcdefghij".to_vec();
        let mut reader = Trickle { text: &text, step: 4, fail_at: Some(12), at: 0 };
        let mut held = Held::default();
        assert!(held.fill(&mut reader, 16).is_err(), "the failure comes back");
        assert_eq!(&held[..], b"0123456789ab", "and what came before it is held");
        held.drop_front(10);
        assert_eq!(held.fill(&mut reader, 16).expect("reads on"), 8);
        assert_eq!(&held[..], b"abcdefghij");
    }

    #[test]
    fn room_grows_as_reads_fill_it_and_is_made_once() {
        let small = [7u8; 100];
        let mut held = Held::default();
        held.fill(&mut &small[..], 256 << 10).expect("reads");
        assert_eq!(held.room.len(), FIRST_ROOM, "a small input makes room for a first step only");
        let big = vec![9u8; 1 << 20];
        let mut reader = &big[..];
        let mut held = Held::default();
        assert_eq!(held.fill(&mut reader, 256 << 10).expect("reads"), 256 << 10);
        assert_eq!(held.room.len(), 256 << 10, "no more than one read's worth");
        held.drop_front(200 << 10);
        assert_eq!(held.fill(&mut reader, 256 << 10).expect("reads"), 256 << 10);
        assert_eq!(held.room.len(), 312 << 10, "what was held and one read");
        held.drop_front(300 << 10);
        held.fill(&mut reader, 256 << 10).expect("reads");
        assert_eq!(held.room.len(), 312 << 10, "room made once serves again");
        assert_eq!(held.len(), 268 << 10);
    }
}
