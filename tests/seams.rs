//! A large file is scanned in segments; each kind of payload the issue saw
//! break at a seam is swept across a segment boundary, with small segments,
//! and the output must be that of one scan from start to end: the same
//! findings with the same mailbox, time and cause, and the same counts.

mod support;

use ewsdiag::run::RunConfig;
use ewsdiag::scan::ScanConfig;
use support::run_ndjson as ndjson;

/// The output of `path` scanned in one go, and in 1 KiB segments on two threads.
fn whole_and_split(
    path: std::path::PathBuf,
    scan: &ScanConfig,
) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let whole =
        RunConfig { paths: vec![path.clone()], threads: 1, scan: scan.clone(), ..RunConfig::default() };
    let split = RunConfig {
        paths: vec![path],
        threads: 2,
        segment_len: 1 << 10,
        scan: scan.clone(),
        ..RunConfig::default()
    };
    (ndjson(&whole), ndjson(&split))
}

const FILLER: &str = "2026-11-20 09:00:00 INFO filler line 00000000 ok\n";

/// One EWS error response message, closed.
const MESSAGE: &str = "<m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode></m:GetItemResponseMessage>";

/// A log record that opens a SOAP envelope and its body.
const ENVELOPE: &str =
    "2026-11-20 08:16:00 <s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>";

/// Writes `text(shift)` for each shift, checks that segments give the output
/// of one scan, and hands that output on with its shift.
fn agree_at_shifts(
    shifts: impl IntoIterator<Item = usize>,
    scan: &ScanConfig,
    text: impl Fn(usize) -> String,
) -> Vec<(usize, Vec<serde_json::Value>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("seams.log");
    let mut outputs = Vec::new();
    for shift in shifts {
        let text = text(shift);
        std::fs::write(&path, &text).expect("write");
        let (one, many) = whole_and_split(path.clone(), scan);
        assert_eq!(many, one, "shift {shift}, {} bytes", text.len());
        outputs.push((shift, one));
    }
    outputs
}

/// Puts `payload` after `shift` bytes of filler, again and again, in a file
/// of many 1 KiB segments, and compares a split scan with a whole one.
fn sweep(what: &str, payload: &str, rounds: usize, at_least: usize) {
    sweep_with(what, payload, rounds, at_least, &ScanConfig::default());
}

fn sweep_with(what: &str, payload: &str, rounds: usize, at_least: usize, scan: &ScanConfig) {
    let dir = tempfile::tempdir().expect("temp dir");
    for shift in (0..1024).step_by(61) {
        let mut text = "x".repeat(shift);
        text.push('\n');
        for round in 0..rounds {
            text.push_str(payload);
            text.push_str(&FILLER.repeat(round % 3));
        }
        let path = dir.path().join("sweep.log");
        std::fs::write(&path, &text).expect("write");
        let (one, many) = whole_and_split(path, scan);
        let found = one.iter().filter(|l| l["type"] == "finding").count();
        assert!(found >= at_least, "{what}, shift {shift}: {found} findings");
        for (i, (a, b)) in one.iter().zip(&many).enumerate() {
            assert_eq!(b, a, "{what}, shift {shift}: line {} differs", i + 1);
        }
        assert_eq!(many.len(), one.len(), "{what}, shift {shift}");
    }
}

#[test]
fn an_alert_line_keeps_its_code_mailbox_and_time_across_a_seam() {
    let alert = "2026-11-20 08:14:02 Error An unknown error occurred while receiving email through the mailbox \"Dana Okafor\". Email Server Error Code: Exchange server returned Forbidden exception.\n";
    sweep("alert", alert, 10, 10);
}

#[test]
fn a_run_of_repeated_mentions_counts_the_same_across_a_seam() {
    // Mentions repeating a code just told are counted, not reported again.
    let mentions = (0..14)
        .map(|i| format!("2026-11-20 08:15:{i:02} WARN mailbox sync retried after ErrorServerBusy\n"))
        .collect::<String>();
    sweep("mentions", &mentions, 4, 1);
}

/// A run of mentions far longer than the text a segment reads before its own
/// part: each segment judges its first mentions by that text alone, and must
/// judge as one scan that read the whole run does.
#[test]
fn a_long_run_of_repeated_mentions_is_one_telling_across_seams() {
    let line = |i: usize| {
        let (minute, second) = (i / 60 % 60, i % 60);
        format!("2026-11-20 08:{minute:02}:{second:02} WARN mailbox sync retried after ErrorServerBusy\n")
    };
    let run = (0..4000).map(line).collect::<String>();
    agree_at_shifts([0, 37, 501], &ScanConfig::default(), |shift| format!("{}\n{run}", "x".repeat(shift)));
}

#[test]
fn an_envelope_longer_than_a_segment_is_read_whole_across_seams() {
    let envelope = format!(
        "{ENVELOPE}<m:GetItemResponse><m:ResponseMessages>{}</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>\n",
        MESSAGE.repeat(40)
    );
    sweep("envelope", &envelope, 3, 120);
}

/// Past the 64 KiB of context a segment reads before it, its reads fall
/// elsewhere than one scan's: an oversized payload's report and what is read
/// of it are the capped window alone, never what a read happened to hold.
#[test]
fn an_oversized_payload_is_reported_alike_across_seams() {
    let envelope = format!(
        "{ENVELOPE}<m:ResponseMessages>{}</m:ResponseMessages></s:Body></s:Envelope>\n",
        MESSAGE.repeat(30)
    );
    let scan = ScanConfig { max_payload: 4 << 10, read_size: 700, ..ScanConfig::default() };
    sweep_with("oversized", &envelope, 24, 24, &scan);
}

/// A payload that is still open where the file ends, longer than the cap: one
/// scan meets the cap before the end and says so; a segment that holds the
/// file's end must say so too, not read it through because no more input
/// comes.
#[test]
fn an_oversized_payload_that_runs_into_the_end_of_the_file_is_reported_alike() {
    let unclosed = format!("{ENVELOPE}<m:ResponseMessages>{}", MESSAGE.repeat(60));
    let scan = ScanConfig { max_payload: 4 << 10, read_size: 700, ..ScanConfig::default() };
    let text = |shift| format!("{}\n{}{unclosed}", "x".repeat(shift), FILLER.repeat(2000));
    for (shift, one) in agree_at_shifts((0..2048).step_by(173), &scan, text) {
        assert!(one.iter().any(|l| l["type"] == "malformed"), "shift {shift}: the cap is reported");
    }
}

/// The rest of an oversized payload is passed over up to its root's closing
/// tag or the next log record, however many seams lie between: a segment
/// that meets the cap reads on past its end until the skip is over, and
/// what later segments found inside the skipped text is not reported.
#[test]
fn the_rest_of_an_oversized_payload_is_passed_over_across_seams() {
    // Messages left open, one a line: no closing tag ends the skip.
    let message = MESSAGE.strip_suffix("</m:GetItemResponseMessage>").expect("a closed message");
    let unclosed = format!("{ENVELOPE}<m:ResponseMessages>\n{}", format!("{message}\n").repeat(60));
    let alert = "2026-11-20 08:14:02 Error An unknown error occurred while receiving email through the mailbox \"Dana Okafor\". Email Server Error Code: Exchange server returned Forbidden exception.\n";
    let scan = ScanConfig { max_payload: 4 << 10, read_size: 700, ..ScanConfig::default() };
    // Ended by the next record, and then by the end of the file.
    for tail in [format!("{alert}{}", FILLER.repeat(40)), String::new()] {
        let text = |shift| format!("{}\n{}{unclosed}{tail}", "x".repeat(shift), FILLER.repeat(30));
        for (shift, one) in agree_at_shifts((0..2048).step_by(173), &scan, text) {
            let found = one.iter().filter(|l| l["type"] == "finding").count();
            assert!(found < 60, "shift {shift}: the skipped messages are not read: {found}");
        }
    }
}
