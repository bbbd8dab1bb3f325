//! Telling encodings and binary data apart from the first bytes of an input.

use crate::model::Encoding;

/// What the first bytes of an input say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The encoding to decode with.
    pub encoding: Encoding,
    /// NUL bytes that UTF-16 does not explain: probably not text.
    pub binary: bool,
}

/// Decides the encoding from a BOM or, without one, from where the NUL bytes
/// fall: ASCII text in UTF-16LE has a NUL in every odd byte, in UTF-16BE in every
/// even one. Anything else with NULs is called binary.
pub fn sniff(head: &[u8]) -> Sniffed {
    let text = |encoding| Sniffed { encoding, binary: false };
    if head.starts_with(&[0xff, 0xfe]) {
        return text(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xfe, 0xff]) {
        return text(Encoding::Utf16Be);
    }
    if head.starts_with(&[0xef, 0xbb, 0xbf]) || !head.contains(&0) {
        return text(Encoding::Utf8);
    }
    let pairs = head.len() / 2;
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // Mostly-ASCII UTF-16: over a third of one column is NUL, almost none of the other.
    let lopsided = |many: usize, few: usize| many * 3 > pairs && few * 20 < pairs.max(1);
    if lopsided(odd, even) {
        text(Encoding::Utf16Le)
    } else if lopsided(even, odd) {
        text(Encoding::Utf16Be)
    } else {
        Sniffed { encoding: Encoding::Utf8, binary: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn boms_decide() {
        assert_eq!(sniff(&[0xff, 0xfe, b'a', 0]).encoding, Encoding::Utf16Le);
        assert_eq!(sniff(&[0xfe, 0xff, 0, b'a']).encoding, Encoding::Utf16Be);
        assert_eq!(sniff(&[0xef, 0xbb, 0xbf, b'a']).encoding, Encoding::Utf8);
    }

    #[test]
    fn bomless_utf16_is_recognised_by_its_nuls() {
        let line = "2026-11-20 ResponseCode ErrorServerBusy\r\n";
        assert_eq!(sniff(&utf16le(line)), Sniffed { encoding: Encoding::Utf16Le, binary: false });
        assert_eq!(sniff(&utf16be(line)), Sniffed { encoding: Encoding::Utf16Be, binary: false });
    }

    #[test]
    fn scattered_nuls_are_binary() {
        let bytes = [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0];
        assert!(sniff(&bytes).binary);
        assert!(!sniff(b"plain text").binary);
    }
}
