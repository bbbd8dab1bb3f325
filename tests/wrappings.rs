//! A payload reads the same however it is wrapped: in a CSV field, a JSON
//! string (plainly or with `\u003c` escapes), HTML or XML entities (once or
//! twice), lines cut by a viewer, UTF-16 either way round, gzip. Each clean
//! sample is wrapped here, scanned, and must give the findings of its clean
//! form, with every code mark pointing at the code in the wrapped text.

mod support;

use std::io::Write;

use ewsdiag::model::{Encoding, Finding, Shape, Wrapping};
use ewsdiag::scan::ScanConfig;
use support::{Seen, read, sample, scan_bytes_as_file};

/// Clean samples whose findings every wrapping must keep.
const CLEAN: &[&str] = &[
    "view-details/nonexistent-mailbox.txt",
    "view-details/sendonly-invalid-operation.txt",
    "view-details/invalid-license.txt",
    "soap/mixed-classes-envelope.xml",
    "soap/operation-level-class.xml",
    "soap/fault-server-busy.xml",
    "soap/fault-schema-validation.xml",
    "soap/fault-code-disagrees.xml",
    "trace/ews-client-trace.log",
    "alerts/alert-tokens.txt",
];

fn csv_field(text: &str) -> String {
    format!("\"11/20/2026 8:15:02 AM\",\"Error\",\"{}\",\"end\"\r\n", text.replace('"', "\"\""))
}

fn json_string(text: &str, escape_markup: bool) -> String {
    let mut quoted = serde_json::to_string(text).expect("a string serializes");
    if escape_markup {
        quoted = quoted.replace('<', "\\u003c").replace('>', "\\u003e").replace('/', "\\/");
    }
    format!("{{\"tracelogid\":\"1b6f0c2e\",\"errordetails\":{quoted},\"level\":2}}\n")
}

fn entities(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\r', "&#xD;")
}

fn html_page(text: &str) -> String {
    format!("<html><body><pre class=\"details\">{}</pre></body></html>\n", entities(text))
}

fn xml_document(text: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<Export><Record><Details>{}</Details></Record></Export>\n",
        entities(text)
    )
}

fn xml_in_xml(text: &str) -> String {
    xml_document(&format!("<Inner><Details>{}</Details></Inner>", entities(text)))
}

/// Cuts every line longer than `width` into lines of `width` characters.
fn viewer_wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            out.push('\n');
        }
        for chunk in chars.chunks(width) {
            out.extend(chunk);
            out.push('\n');
        }
    }
    out
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if little { &[0xff, 0xfe] } else { &[0xfe, 0xff] });
    }
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip writes to memory");
    encoder.finish().expect("gzip finishes")
}

/// What must survive any wrapping: the parts a person reads.
fn essentials(f: &Finding) -> (Seen, Vec<(String, String)>, Option<String>) {
    let mut seen = Seen::of(f);
    // An alert's sentence is read from whatever surrounds it; its code, inner
    // code and mailbox are what must not change.
    if f.shape == Shape::Alert {
        seen.message = None;
    }
    let details = f.details.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    (seen, details, f.mailbox.clone())
}

fn check(name: &str, wrapped: &[u8], clean: &[Finding], wrapping: &[Wrapping], encoding: Encoding) {
    let (found, malformed) = scan_bytes_as_file(wrapped, &ScanConfig::default());
    assert!(malformed.is_empty(), "{name}: {malformed:#?}");
    let want: Vec<_> = clean.iter().map(essentials).collect();
    let got: Vec<_> = found.iter().map(essentials).collect();
    assert_eq!(got, want, "{name}");
    let text = support::decoded_bytes(wrapped);
    for f in &found {
        assert_eq!(f.encoding, encoding, "{name}");
        if matches!(f.shape, Shape::EwsResponse | Shape::SoapFault) {
            assert!(wrapping.contains(&f.wrapping), "{name}: {f:#?}");
        }
        let code = f.marks.code.clone().expect("a code mark");
        let mark: String =
            String::from_utf8_lossy(&text[code.start as usize..code.end as usize]).replace(['\n', '\r'], "");
        assert!(mark.ends_with(&f.code), "{name}: mark `{mark}` for {}", f.code);
        let span = &text[f.span.offset as usize..][..f.span.length as usize];
        assert!(!span.is_empty(), "{name}");
    }
}

/// Whether entities came from an HTML page or an XML document is read from the
/// markup around the payload; far from any markup it is a guess, so either is
/// right here (the sample table pins each case where the context is clear).
const ENTITIES: &[Wrapping] = &[Wrapping::HtmlEscaped, Wrapping::XmlEscaped];

macro_rules! wrapping_tests {
    ($($name:ident: |$text:ident| $wrap:expr, $wrapping:expr, $encoding:expr;)*) => {
        $(
            #[test]
            fn $name() {
                for path in CLEAN {
                    let clean_text = String::from_utf8(read(&sample(path))).expect("clean samples are UTF-8");
                    let (clean, _) = scan_bytes_as_file(clean_text.as_bytes(), &ScanConfig::default());
                    assert!(!clean.is_empty(), "{path}");
                    let $text = clean_text.as_str();
                    let wrapped: Vec<u8> = $wrap;
                    check(&format!("{} of {path}", stringify!($name)), &wrapped, &clean, $wrapping, $encoding);
                }
            }
        )*
    };
}

wrapping_tests! {
    csv_field_with_doubled_quotes: |t| csv_field(t).into_bytes(), &[Wrapping::Csv], Encoding::Utf8;
    json_string_plain: |t| json_string(t, false).into_bytes(), &[Wrapping::JsonString], Encoding::Utf8;
    json_string_with_unicode_escapes: |t| json_string(t, true).into_bytes(), &[Wrapping::JsonString], Encoding::Utf8;
    html_entities: |t| html_page(t).into_bytes(), ENTITIES, Encoding::Utf8;
    xml_entities: |t| xml_document(t).into_bytes(), ENTITIES, Encoding::Utf8;
    xml_entities_twice: |t| xml_in_xml(t).into_bytes(), ENTITIES, Encoding::Utf8;
    viewer_wrapped_at_76: |t| viewer_wrap(t, 76).into_bytes(), &[Wrapping::Raw, Wrapping::LineWrapped], Encoding::Utf8;
    utf16le_with_bom: |t| utf16(t, true, true), &[Wrapping::Raw], Encoding::Utf16Le;
    utf16be_with_bom: |t| utf16(t, false, true), &[Wrapping::Raw], Encoding::Utf16Be;
    utf16le_without_bom: |t| utf16(t, true, false), &[Wrapping::Raw], Encoding::Utf16Le;
    utf16be_without_bom: |t| utf16(t, false, false), &[Wrapping::Raw], Encoding::Utf16Be;
    gzip_of_utf8: |t| gzip(t.as_bytes()), &[Wrapping::Raw], Encoding::Utf8;
    gzip_of_utf16: |t| gzip(&utf16(t, true, true)), &[Wrapping::Raw], Encoding::Utf16Le;
    crlf_line_ends: |t| t.replace('\n', "\r\n").into_bytes(), &[Wrapping::Raw], Encoding::Utf8;
}

#[test]
fn tiny_reads_cross_every_escape_code_unit_and_gzip_block() {
    let clean_text = String::from_utf8(read(&sample("view-details/invalid-license.txt"))).expect("UTF-8");
    let forms: Vec<Vec<u8>> = vec![
        json_string(&clean_text, true).into_bytes(),
        csv_field(&clean_text).into_bytes(),
        xml_in_xml(&clean_text).into_bytes(),
        utf16(&clean_text, true, false),
        gzip(&utf16(&clean_text, false, true)),
    ];
    for form in forms {
        let whole = scan_bytes_as_file(&form, &ScanConfig::default());
        assert!(!whole.0.is_empty());
        for read_size in 1..=16 {
            let config = ScanConfig { read_size, ..ScanConfig::default() };
            assert_eq!(scan_bytes_as_file(&form, &config), whole, "read size {read_size}");
        }
    }
}

#[test]
fn a_plain_payload_is_not_read_as_the_quoting_of_the_record_after_it() {
    let clean_text = String::from_utf8(read(&sample("view-details/nonexistent-mailbox.txt"))).expect("UTF-8");
    let clean = scan_bytes_as_file(clean_text.as_bytes(), &ScanConfig::default());
    let one_line = clean_text.replace(['\r', '\n'], " ");
    // A short plain payload, then a CSV record whose quotes are doubled.
    let text = format!("{one_line}\n{}", csv_field(&one_line));
    let (findings, malformed) = scan_bytes_as_file(text.as_bytes(), &ScanConfig::default());
    assert!(malformed.is_empty(), "{malformed:?}");
    assert_eq!(findings.len(), 2 * clean.0.len());
    assert_eq!(findings[0].wrapping, Wrapping::Raw);
    assert_eq!(findings.last().map(|f| f.wrapping), Some(Wrapping::Csv));
}
