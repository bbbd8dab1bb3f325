//! Encodings a Windows log may come in, and the mixtures appending makes:
//! each keeps every finding, with line numbers that count its own line ends.

mod support;

use ewsdiag::model::{Encoding, Finding};
use ewsdiag::scan::ScanConfig;
use support::scan_bytes_as_file;

const FAULT: &str = "<s:Fault xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><faultcode>a:ErrorServerBusy</faultcode><faultstring>The server cannot service this request right now. Try again later.</faultstring></s:Fault>";

fn scan(bytes: &[u8]) -> Vec<Finding> {
    let (found, malformed) = scan_bytes_as_file(bytes, &ScanConfig::default());
    assert!(malformed.is_empty(), "{malformed:#?}");
    found
}

fn codes(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|f| f.code.as_str()).collect()
}

fn utf16(text: &str, le: bool) -> Vec<u8> {
    text.encode_utf16().flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() }).collect()
}

fn utf32(text: &str, le: bool) -> Vec<u8> {
    text.chars().map(u32::from).flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() }).collect()
}

#[test]
fn bomless_utf16_that_opens_with_pages_of_cjk_text_keeps_its_findings() {
    // Over 8 KiB of Japanese before the first ASCII, with CRLF line ends.
    let line = "\u{540c}\u{671f}\u{30a8}\u{30e9}\u{30fc}\u{304c}\u{767a}\u{751f}\u{3057}\u{307e}\u{3057}\u{305f}\r\n";
    let text = format!("{}2026-11-20 08:00:00 {FAULT}\r\n", line.repeat(400));
    for le in [true, false] {
        let found = scan(&utf16(&text, le));
        assert_eq!(codes(&found), ["ErrorServerBusy"], "little endian: {le}");
        assert_eq!(found[0].encoding, if le { Encoding::Utf16Le } else { Encoding::Utf16Be });
        assert_eq!(found[0].span.line, 401);
    }
}

#[test]
fn utf32_with_a_bom_is_read() {
    for le in [true, false] {
        let found = scan(&utf32(&format!("\u{feff}2026-11-20 08:00:00 {FAULT}\n"), le));
        assert_eq!(codes(&found), ["ErrorServerBusy"]);
        assert_eq!(found[0].encoding, if le { Encoding::Utf32Le } else { Encoding::Utf32Be });
        assert_eq!(found[0].time.as_deref(), Some("2026-11-20T08:00:00"));
    }
}

#[test]
fn utf16_appended_to_a_utf8_log_is_read_past_its_mark() {
    let mut bytes = format!("2026-11-20 08:00:00 {FAULT}\n").into_bytes();
    let appended =
        "2026-11-20 09:00:00 <m:ResponseCode>ErrorMailboxStoreUnavailable</m:ResponseCode>\r\n".to_string();
    for le in [true, false] {
        let mut mixed = bytes.clone();
        mixed.extend(utf16(&format!("\u{feff}{appended}"), le));
        let found = scan(&mixed);
        assert_eq!(codes(&found), ["ErrorServerBusy", "ErrorMailboxStoreUnavailable"], "little endian: {le}");
        assert_eq!(found[1].span.line, 2);
    }
    // And back: UTF-8 with its own mark appended to UTF-16.
    let mut utf16_first = utf16(&format!("\u{feff}{appended}"), true);
    utf16_first.extend(b"\xef\xbb\xbf");
    utf16_first.append(&mut bytes);
    assert_eq!(codes(&scan(&utf16_first)), ["ErrorMailboxStoreUnavailable", "ErrorServerBusy"]);
}

#[test]
fn text_that_is_not_utf8_is_read_as_windows_1252() {
    let text = b"2026-11-20 10:14:00 WARN Mailbox \"Ren\xe9e Dub\xe9\" <m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>Dossier \xab Bo\xeete de r\xe9ception \xbb introuvable.</m:MessageText><m:ResponseCode>ErrorFolderNotFound</m:ResponseCode></m:GetItemResponseMessage>\n";
    let found = scan(text);
    assert_eq!(codes(&found), ["ErrorFolderNotFound"]);
    assert_eq!(found[0].encoding, Encoding::Windows1252);
    assert_eq!(
        found[0].message.as_deref(),
        Some("Dossier \u{ab} Bo\u{ee}te de r\u{e9}ception \u{bb} introuvable.")
    );
    assert_eq!(found[0].mailbox.as_deref(), Some("Ren\u{e9}e Dub\u{e9}"));
}

#[test]
fn carriage_returns_alone_end_lines() {
    let text = format!("first line\rsecond line\r2026-11-20 08:00:00 {FAULT}\rlast\r");
    let found = scan(text.as_bytes());
    assert_eq!(codes(&found), ["ErrorServerBusy"]);
    assert_eq!((found[0].span.line, found[0].span.column), (3, 21));
}
