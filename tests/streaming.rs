//! The scanner reads its input in chunks; a payload may straddle any chunk
//! boundary. Every sample, pushed through every read size from 1 to 64 bytes,
//! must give exactly the events of one big read.

mod support;

use ewsdiag::model::Broken;
use ewsdiag::scan::{Event, SourceInfo};
use ewsdiag::scan::{ScanConfig, scan_bytes};
use support::{all_samples, read, scan_bytes_as_file};

#[test]
fn every_sample_reads_the_same_through_tiny_buffers() {
    for path in all_samples() {
        let bytes = read(&path);
        let whole = scan_bytes_as_file(&bytes, &ScanConfig { read_size: 1 << 20, ..ScanConfig::default() });
        for read_size in 1..=64 {
            let config = ScanConfig { read_size, ..ScanConfig::default() };
            let chunked = scan_bytes_as_file(&bytes, &config);
            assert_eq!(chunked, whole, "{} read {read_size} bytes at a time", path.display());
        }
    }
}

#[test]
fn an_oversized_payload_is_reported_not_buffered() {
    let mut text = String::from("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>");
    text.push_str(&"<t:Filler>padding padding padding</t:Filler>\n".repeat(400));
    text.push_str("<m:ResponseCode>ErrorServerBusy</m:ResponseCode></s:Body></s:Envelope>\nnext line ErrorItemNotFound: gone\n");
    let config = ScanConfig { max_payload: 4096, read_size: 512, ..ScanConfig::default() };
    let source = SourceInfo { path: "big".into(), encoding: Default::default() };
    let (events, stats) = scan_bytes(text.as_bytes(), &source, &config);
    let malformed: Vec<_> =
        events.iter().filter_map(|e| if let Event::Malformed(m) = e { Some(m) } else { None }).collect();
    assert_eq!(malformed.len(), 1, "{events:#?}");
    assert_eq!(malformed[0].reason, Broken::TooLong { limit: 4096 });
    assert_eq!(malformed[0].span.offset, 0);
    assert!(stats.findings >= 1, "the scan goes on after it: {events:#?}");
}

#[test]
fn a_payload_that_cannot_be_read_says_which_way_it_broke() {
    let reasons = |text: &str| -> Vec<Broken> {
        let source = SourceInfo { path: "broken".into(), encoding: Default::default() };
        let (events, _) = scan_bytes(text.as_bytes(), &source, &ScanConfig::default());
        events
            .into_iter()
            .filter_map(|e| if let Event::Malformed(m) = e { Some(m.reason) } else { None })
            .collect()
    };
    let cut =
        r#"log <m:FindItemResponseMessage ResponseClass="Error"><m:MessageText>Mailbox gone</m:MessageText>"#;
    assert_eq!(reasons(cut), [Broken::CutOff]);
    let no_code = concat!(
        r#"log <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>"#,
        r#"<m:FindItemResponseMessage ResponseClass="Error"><m:MessageText>gone</m:MessageText>"#,
        "</m:FindItemResponseMessage></s:Body></s:Envelope> after\n",
    );
    assert_eq!(reasons(no_code), [Broken::NoCode]);
    assert_eq!(
        reasons(r#"log {"ResponseClass":"Error","MessageText":"gone","ResponseCode"#),
        [Broken::JsonCutOff]
    );
    let comment = r#"log <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><!-- never closed"#;
    assert!(
        matches!(&reasons(comment)[..], [Broken::Xml(words)] if words.contains("comment")),
        "{:?}",
        reasons(comment)
    );
}

#[test]
fn payloads_nested_past_the_cap_are_read_in_linear_time() {
    // Thousands of response messages opened inside one another, never closed:
    // each start is a candidate root. The capped window is read once, as if
    // the input ended there, and the scan moves past it (retrying each nested
    // start with a full window instead made this input take minutes).
    let mut text = String::from("<s:Envelope><s:Body>\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "<m:ResponseMessage ResponseClass=\"Error\"><m:MessageText>m{i}</m:MessageText>\n"
        ));
    }
    text.push_str("<m:ResponseCode>ErrorServerBusy</m:ResponseCode>\n");
    let config = ScanConfig { max_payload: 64 << 10, ..ScanConfig::default() };
    let source = SourceInfo { path: "nested".into(), encoding: Default::default() };
    let (events, _) = scan_bytes(text.as_bytes(), &source, &config);
    let oversized = events
        .iter()
        .filter(|e| matches!(e, Event::Malformed(m) if matches!(m.reason, Broken::TooLong { .. })));
    assert!(
        oversized.count() <= text.len() / config.max_payload + 1,
        "one report per capped window: {events:#?}"
    );
}

/// "Longer than `--max-payload`" is a property of the payload, not of how
/// much of it one read held: a payload past the cap is oversized whether it
/// closes after the cap, runs into the end of the input, or arrives in one
/// read larger than the cap.
#[test]
fn a_payload_past_the_cap_is_oversized_in_any_read_size_closed_or_not() {
    let message = "<m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode></m:GetItemResponseMessage>";
    let open = format!(
        "2026-11-20 08:16:00 <s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><m:ResponseMessages>{}",
        message.repeat(24)
    );
    let closed = format!("{open}</m:ResponseMessages></s:Body></s:Envelope>\nafter\n");
    let source = SourceInfo { path: "capped".into(), encoding: Default::default() };
    for text in [&open, &closed] {
        let events = |read_size| {
            let config = ScanConfig { max_payload: 4096, read_size, ..ScanConfig::default() };
            scan_bytes(text.as_bytes(), &source, &config).0
        };
        let once = events(1 << 20);
        let too_long = once
            .iter()
            .filter(|e| matches!(e, Event::Malformed(m) if m.reason == Broken::TooLong { limit: 4096 }))
            .count();
        assert_eq!(too_long, 1, "{once:#?}");
        for read_size in [1, 7, 700, 4095, 4096, 4097, 5000] {
            assert_eq!(events(read_size), once, "reads of {read_size}");
        }
    }
}
