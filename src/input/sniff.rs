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

/// Decides the encoding from a BOM or, without one, from the text itself:
///
/// - valid UTF-8 with no NUL is UTF-8;
/// - UTF-16 puts its NULs in one column only (the high bytes of ASCII and
///   of line breaks), and its code units pair up: so NULs all in the odd
///   bytes are UTF-16LE, all in the even ones UTF-16BE, even when most of
///   the text is in a script without NULs (CJK);
/// - text without NULs that reads as UTF-16 in a CJK script only is that;
/// - other text without NULs that is not UTF-8 is Windows-1252;
/// - anything else with NULs is called binary.
pub fn sniff(head: &[u8]) -> Sniffed {
    let text = |encoding| Sniffed { encoding, binary: false };
    if head.starts_with(&[0xff, 0xfe, 0, 0]) {
        return text(Encoding::Utf32Le);
    }
    if head.starts_with(&[0, 0, 0xfe, 0xff]) {
        return text(Encoding::Utf32Be);
    }
    if head.starts_with(&[0xff, 0xfe]) {
        return text(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xfe, 0xff]) {
        return text(Encoding::Utf16Be);
    }
    let nuls = memchr::memchr(0, head).is_some();
    if head.starts_with(&[0xef, 0xbb, 0xbf]) || (!nuls && utf8_so_far(head)) {
        return text(Encoding::Utf8);
    }
    // UTF-8 up to a UTF-16 mark: UTF-16 appended to a UTF-8 log, which the
    // decoder switches to at the mark.
    if let Some(mark) =
        memchr::memmem::find(head, &[0xff, 0xfe]).or_else(|| memchr::memmem::find(head, &[0xfe, 0xff]))
        && mark > 0
        && !head[..mark].contains(&0)
        && std::str::from_utf8(&head[..mark]).is_ok()
    {
        return text(Encoding::Utf8);
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // NULs in one column only, and the units read as UTF-16.
    let one_column = |many: usize, few: usize| many > 0 && few * 50 <= many;
    if one_column(odd, even) && utf16_plausible(head, true, false) {
        return text(Encoding::Utf16Le);
    }
    if one_column(even, odd) && utf16_plausible(head, false, false) {
        return text(Encoding::Utf16Be);
    }
    if !nuls {
        if utf16_plausible(head, true, true) {
            return text(Encoding::Utf16Le);
        }
        if utf16_plausible(head, false, true) {
            return text(Encoding::Utf16Be);
        }
        return text(Encoding::Windows1252);
    }
    Sniffed { encoding: Encoding::Utf8, binary: true }
}

/// Is `head` valid UTF-8, but for a character cut at its end?
fn utf8_so_far(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Does `head` read as UTF-16 in the given byte order: surrogates paired
/// (but at its end) and, when `cjk_only`, nearly every unit a CJK, kana or
/// Hangul character or full-width form, some of them past U+8000 (ASCII
/// read as UTF-16 falls below that and would look like CJK too).
fn utf16_plausible(head: &[u8], le: bool, cjk_only: bool) -> bool {
    let units: Vec<u16> = head
        .chunks_exact(2)
        .map(|p| if le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) })
        .collect();
    if units.is_empty() {
        return false;
    }
    let mut i = 0;
    let (mut cjk, mut high) = (0usize, 0usize);
    while i < units.len() {
        let u = units[i];
        match u {
            0xD800..=0xDBFF if i + 1 == units.len() => {}
            0xD800..=0xDBFF if (0xDC00..=0xDFFF).contains(&units[i + 1]) => i += 1,
            0xD800..=0xDFFF => return false,
            _ => {}
        }
        if matches!(u, 0x3000..=0x30FF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 | 0xFF00..=0xFFEF) {
            cjk += 1;
            high += usize::from(u >= 0x8000);
        }
        i += 1;
    }
    !cjk_only || (cjk * 10 >= units.len() * 9 && high * 10 >= units.len())
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
    fn utf32_is_known_by_its_bom() {
        assert_eq!(sniff(&[0xff, 0xfe, 0, 0, b'a', 0, 0, 0]).encoding, Encoding::Utf32Le);
        assert_eq!(sniff(&[0, 0, 0xfe, 0xff, 0, 0, 0, b'a']).encoding, Encoding::Utf32Be);
    }

    #[test]
    fn bomless_utf16_opening_with_cjk_is_known_by_its_line_breaks() {
        let mut text = "\u{65e5}\u{672c}\u{8a9e}\u{306e}\u{30ed}\u{30b0}".repeat(700);
        text.push_str("\r\n2026-11-20 ResponseCode ErrorServerBusy\r\n");
        assert_eq!(sniff(&utf16le(&text)).encoding, Encoding::Utf16Le);
        assert_eq!(sniff(&utf16be(&text)).encoding, Encoding::Utf16Be);
        let only_cjk = "\u{65e5}\u{672c}\u{8a9e}\u{6f22}\u{5b57}".repeat(100);
        assert_eq!(sniff(&utf16le(&only_cjk)).encoding, Encoding::Utf16Le);
    }

    #[test]
    fn text_that_is_not_utf8_and_has_no_nuls_is_windows_1252() {
        assert_eq!(sniff(b"Mailbox \"Ren\xe9e Dub\xe9\" failed").encoding, Encoding::Windows1252);
        assert_eq!(sniff("Mailbox \"Ren\u{e9}e\"".as_bytes()).encoding, Encoding::Utf8);
    }

    #[test]
    fn scattered_nuls_are_binary() {
        let bytes = [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0];
        assert!(sniff(&bytes).binary);
        assert!(!sniff(b"plain text").binary);
    }
}
