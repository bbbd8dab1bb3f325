//! Hostile input stays linear: each case scans a small generated input and one
//! four times larger, and the work the scanner reports (bytes looked at,
//! steps taken; never wall time) may grow at most a little faster than the
//! input does.

use ewsdiag::report::human::{Human, Settings};
use ewsdiag::run::{self, RunConfig};
use ewsdiag::scan::{self, Event, ScanConfig, SourceInfo, work};

fn source() -> SourceInfo {
    SourceInfo { path: "hostile.log".into(), encoding: Default::default() }
}

/// Scans `text` and returns the events and the work it took.
fn scan_counting(text: &str, config: &ScanConfig) -> (Vec<Event>, u64) {
    let before = work::done();
    let (events, _) = scan::scan_bytes(text.as_bytes(), &source(), config);
    (events, work::done() - before)
}

/// Asserts that scanning `make(4 * n)` costs at most `bound` times what
/// `make(n)` costs: a linear scan gives about 4, a quadratic one 16.
fn assert_linear(what: &str, n: usize, make: impl Fn(usize) -> String) {
    let config = ScanConfig::default();
    let (small, large) = (make(n), make(4 * n));
    let (_, w1) = scan_counting(&small, &config);
    let (_, w4) = scan_counting(&large, &config);
    let ratio = w4 as f64 / w1.max(1) as f64;
    assert!(
        ratio <= 5.0,
        "{what}: {} bytes took {w1} units of work, {} bytes took {w4} (ratio {ratio:.1})",
        small.len(),
        large.len()
    );
    // And the constant stays sane: a few dozen units per input byte at most.
    assert!(w4 <= 64 * large.len() as u64, "{what}: {w4} units of work for {} bytes", large.len());
}

#[test]
fn unmatched_end_tags_under_deep_nesting_cost_linear_work() {
    assert_linear("unmatched end tags", 2_000, |n| {
        format!("<m:GetItemResponseMessage ResponseClass=\"Error\">{}{}", "<a>".repeat(n), "</b>".repeat(n))
    });
}

#[test]
fn escaped_response_code_keys_in_one_json_string_cost_linear_work() {
    assert_linear("escaped keys", 1_000, |n| {
        format!("{{\"log\":\"{}\"}}\n", "{\\\"ResponseCode\\\" ".repeat(n))
    });
}

#[test]
fn doubled_response_code_keys_in_one_csv_field_cost_linear_work() {
    assert_linear("doubled keys", 1_000, |n| format!("a,\"{}\"\n", "{\"\"ResponseCode\"\" ".repeat(n)));
}

#[test]
fn repeated_graph_error_keys_cost_linear_work() {
    assert_linear("graph error keys", 1_000, |n| "{\"error\": ".repeat(n));
}

#[test]
fn an_escaped_response_among_many_keys_is_still_found() {
    let noise = "{\\\"ResponseCode\\\" ".repeat(200);
    let text = format!(
        "{{\"log\":\"{noise} {{\\\"ResponseCode\\\":\\\"ErrorServerBusy\\\",\\\"ResponseClass\\\":\\\"Error\\\"}}\"}}\n"
    );
    let (events, _) = scan_counting(&text, &ScanConfig::default());
    let codes: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some(f.code.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(codes, ["ErrorServerBusy"]);
}

#[test]
fn a_repeated_broken_escaped_tag_costs_linear_work_and_is_reported_once() {
    assert_linear("escaped broken tags", 1_000, |n| "&lt;ResponseCode&gt;&lt;!x ".repeat(n));
    let (events, _) = scan_counting(&"&lt;ResponseCode&gt;&lt;!x ".repeat(500), &ScanConfig::default());
    let malformed: Vec<_> = events.iter().filter(|e| matches!(e, Event::Malformed(_))).collect();
    assert_eq!(malformed.len(), 1, "one report for one run of broken markup: {malformed:?}");
}

/// Renders `text` as `--format human` does (on this thread, so its work is
/// counted) and returns the output and the work taken.
fn render_human_counting(text: &str) -> (String, u64) {
    render_counting(text, true)
}

/// As [`render_human_counting`], with the ranked summary at the end (`scan
/// --format human`) or the totals only (`inspect`).
fn render_counting(text: &str, summary: bool) -> (String, u64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("unclosed.log");
    std::fs::write(&path, text).expect("write the input");
    let config = RunConfig {
        paths: vec![path],
        scan: ScanConfig { keep_source: true, ..ScanConfig::default() },
        threads: 1,
        ..RunConfig::default()
    };
    let mut out = Vec::new();
    let before = work::done();
    {
        let mut human = Human::new(&mut out, Settings::default(), std::io::sink(), Settings::default())
            .with_summary(summary);
        run::run(&config, &mut human).expect("the run ends");
    }
    (String::from_utf8(out).expect("UTF-8 output"), work::done() - before)
}

#[test]
fn human_rendering_of_back_to_back_unclosed_messages_costs_linear_work() {
    let message = "<m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>x</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode>";
    let (small_out, small) = render_human_counting(&message.repeat(100));
    let (large_out, large) = render_human_counting(&message.repeat(400));
    assert_eq!(small_out.matches("ews::ErrorItemNotFound").count(), 100);
    assert_eq!(large_out.matches("ews::ErrorItemNotFound").count(), 400);
    let ratio = large as f64 / small.max(1) as f64;
    assert!(ratio <= 5.0, "100 messages took {small} units of work, 400 took {large} (ratio {ratio:.1})");
}

#[test]
fn inspect_rendering_of_back_to_back_unclosed_messages_costs_linear_work() {
    let message = "<m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>x</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode>";
    let (_, small) = render_counting(&message.repeat(100), false);
    let (large_out, large) = render_counting(&message.repeat(400), false);
    assert_eq!(large_out.matches("ews::ErrorItemNotFound").count(), 400);
    let ratio = large as f64 / small.max(1) as f64;
    assert!(ratio <= 5.0, "100 messages took {small} units of work, 400 took {large} (ratio {ratio:.1})");
}

#[test]
fn human_rendering_of_many_malformed_payloads_reads_the_input_once() {
    let broken = format!("<m:ResponseCode>ErrorServerBusy<!x\n{}\n", "filler ".repeat(60));
    let (_, small) = render_human_counting(&broken.repeat(50));
    let (large_out, large) = render_human_counting(&broken.repeat(200));
    assert_eq!(large_out.matches("ewsdiag::malformed").count(), 200);
    let ratio = large as f64 / small.max(1) as f64;
    assert!(ratio <= 5.0, "50 breaks took {small} units of work, 200 took {large} (ratio {ratio:.1})");
}

fn findings(events: &[Event]) -> Vec<&ewsdiag::model::Finding> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some(&**f),
            _ => None,
        })
        .collect()
}

#[test]
fn anchors_on_a_line_longer_than_the_payload_cap_give_no_oversized_reports() {
    // The line is four times the cap; every anchor on it asks for its line's
    // end, which must not hold the buffer back to the line's start.
    let config = ScanConfig { max_payload: 64 << 10, read_size: 4 << 10, ..ScanConfig::default() };
    let line = "Returned hr = x ".repeat((256 << 10) / 16);
    let (events, _) = scan_counting(&format!("{line}\n"), &config);
    assert!(events.is_empty(), "{:?}", events.first());
    let (events, _) = scan_counting(&format!("{line} failed. Returned hr = -2147187962, done\n"), &config);
    let found = findings(&events);
    assert_eq!(found.len(), 1, "{events:?}");
    assert_eq!(found[0].code, "-2147187962");
}

#[test]
fn an_error_at_the_end_of_a_long_line_spans_its_own_sentence() {
    let filler = "lorem ipsum dolor sit amet ".repeat(2_000);
    let hresult = format!("{filler}. The plug-in failed. Returned hr = -2147187962, ok\n");
    let (events, _) = scan_counting(&hresult, &ScanConfig::default());
    let found = findings(&events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message.as_deref(), Some("The plug-in failed. Returned hr = -2147187962, ok"));
    assert!(found[0].span.length < 64, "{:?}", found[0].span);

    let alert = format!(
        "{filler}An unknown error occurred while receiving email through the mailbox \"Dana Okafor\". Email Server Error Code: Exchange server returned ErrorMailboxStoreUnavailable exception.\n"
    );
    let (events, _) = scan_counting(&alert, &ScanConfig::default());
    let found = findings(&events);
    assert_eq!(found.len(), 1);
    let message = found[0].message.as_deref().unwrap_or_default();
    assert!(message.len() < 600, "the message is the sentence, not the line: {} bytes", message.len());
    assert!(message.ends_with("through the mailbox \"Dana Okafor\"."), "{message}");
    assert_eq!(found[0].mailbox.as_deref(), Some("Dana Okafor"));
}

#[test]
fn a_message_cut_in_the_middle_of_an_emoji_keeps_its_json_finding() {
    let owa = r#"{"__type":"SendItemResponseMessage:#Exchange","MessageText":"Quota hit \ud83d","ResponseCode":"ErrorQuotaExceeded","ResponseClass":"Error"}"#;
    let graph = r#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied \ude00 here"}}"#;
    for (text, shape, code) in [
        (owa, ewsdiag::model::Shape::JsonResponse, "ErrorQuotaExceeded"),
        (graph, ewsdiag::model::Shape::GraphError, "ErrorAccessDenied"),
    ] {
        let (events, _) = scan_counting(&format!("{text}\n"), &ScanConfig::default());
        let found = findings(&events);
        assert_eq!(found.len(), 1, "{events:?}");
        assert_eq!((found[0].shape, found[0].code.as_str()), (shape, code));
        assert!(
            found[0].message.as_deref().is_some_and(|m| m.contains('\u{fffd}')),
            "{:?}",
            found[0].message
        );
    }
}

#[test]
fn one_message_with_a_huge_run_of_codes_is_one_finding() {
    let config = ScanConfig { max_payload: 16 << 10, read_size: 4 << 10, ..ScanConfig::default() };
    let children = "<m:ResponseCode>ErrorServerBusy</m:ResponseCode>".repeat(10_000);
    let text = format!(
        "<m:GetItemResponseMessage ResponseClass=\"Error\">{children}</m:GetItemResponseMessage>\n\
         <m:ResponseCode>ErrorItemNotFound</m:ResponseCode>\n"
    );
    let (events, _) = scan_counting(&text, &config);
    let codes: Vec<&str> = findings(&events).iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["ErrorServerBusy", "ErrorItemNotFound"], "the payload after it is still read");
    let malformed: Vec<_> = events.iter().filter(|e| matches!(e, Event::Malformed(_))).collect();
    assert_eq!(malformed.len(), 1, "one oversized report: {malformed:?}");
}
