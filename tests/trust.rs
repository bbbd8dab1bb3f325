//! What a bulk scan must get right for an administrator to trust it: findings
//! grouped into the events that reported them, with mailbox, profile and time
//! taken from their own event only; names read as Dynamics 365 writes them;
//! times in one form; nothing skipped in silence; the shapes client libraries
//! print read whole.

mod support;

use ewsdiag::diagnose::correlate;
use ewsdiag::kb::knowledge_base;
use ewsdiag::model::Finding;
use ewsdiag::scan::ScanConfig;
use support::{sample, scan_bytes_as_file, scan_file};

fn scan_text(text: &str) -> Vec<Finding> {
    let (found, malformed) = scan_bytes_as_file(text.as_bytes(), &ScanConfig::default());
    assert!(malformed.is_empty(), "{malformed:#?}");
    found
}

// --- events ---

#[test]
fn an_alert_takes_no_mailbox_or_profile_from_the_alert_before_it() {
    let text = "\
2026-11-20 08:15:02 Error An unknown error occurred while receiving email through the mailbox \"Quinn Park\". The owner of the associated email server profile Fabrikam Online has been notified.
Email Server Error Code: Exchange server returned ErrorMailboxStoreUnavailable exception.
Email can't be received for the mailbox Sales Queue because the mailbox record doesn't have a valid email address.
Email Server Error Code: Exchange.server returned ErrorNonExistentMailbox error.
An unknown error occurred while receiving email.
Email Server Error Code: Exchange server returned ErrorServerBusy exception.
";
    let found = scan_text(text);
    let context: Vec<_> = found.iter().map(|f| (f.mailbox.as_deref(), f.profile.as_deref())).collect();
    assert_eq!(
        context,
        [(Some("Quinn Park"), Some("Fabrikam Online")), (Some("Sales Queue"), None), (None, None)]
    );
    let events: Vec<u64> = found.iter().map(|f| f.event).collect();
    assert_eq!(
        events,
        [
            0,
            text.find("Email can't").unwrap() as u64,
            text.find("An unknown error occurred while receiving email.\n").unwrap() as u64
        ]
    );
}

#[test]
fn an_alert_and_its_view_details_are_one_event() {
    let (found, _) = scan_file(&sample("view-details/invalid-license.txt"), &ScanConfig::default());
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].event, found[1].event);
    assert_eq!(found[0].event, 0, "the event starts with the alert's sentence");
    assert_eq!(
        found[1].profile.as_deref(),
        Some("Fabrikam Exchange Online"),
        "the details share the alert's context"
    );
}

#[test]
fn log_records_csv_rows_and_trace_pairs_are_events() {
    let events = |path: &str| {
        let (found, _) = scan_file(&sample(path), &ScanConfig::default());
        found.iter().map(|f| f.event).collect::<Vec<_>>()
    };
    // Each timestamped record is its own event, the exception with its stack
    // included; the envelope printed under a log line belongs to that line.
    let log = events("logs/server-mixed.log");
    let text = std::fs::read_to_string(sample("logs/server-mixed.log")).unwrap();
    let starts: Vec<u64> = ["07:58:03.051", "07:58:04.812", "07:58:04.815", "07:58:11.730"]
        .iter()
        .map(|t| text.find(&format!("2026-11-20 {t}")).unwrap() as u64)
        .collect();
    assert_eq!(log, starts);
    // One CSV row per event.
    let csv = events("exports/trace-records.csv");
    assert_eq!(csv.len(), 3);
    assert!(csv[0] < csv[1] && csv[1] < csv[2], "{csv:?}");
    // A response is one event with the request above it.
    let trace = events("trace/ews-client-trace.log");
    let text = std::fs::read_to_string(sample("trace/ews-client-trace.log")).unwrap();
    assert_eq!(trace, [text.find("<Trace Tag=\"EwsRequest\"").unwrap() as u64]);
    // Two responses with no request between are two events.
    assert_eq!(
        events("correlation/throttled.txt").iter().collect::<std::collections::BTreeSet<_>>().len(),
        2
    );
}

// --- names ---

#[test]
fn the_seed_articles_alert_pair_is_read_as_not_a_mailbox() {
    let (found, _) = scan_file(&sample("correlation/seed-alert-pair.txt"), &ScanConfig::default());
    let named: Vec<_> = found.iter().map(|f| (f.code.as_str(), f.mailbox.as_deref())).collect();
    assert_eq!(
        named,
        [("ErrorNonExistentMailbox", Some("Nadia Holm")), ("ErrorInvalidOperation", Some("Nadia Holm"))]
    );
    assert_eq!(found[1].profile.as_deref(), Some("Fabrikam Exchange Online"));
    assert_eq!(found[0].profile, None, "the first alert names no profile");
    let roots = correlate(&found, knowledge_base());
    assert_eq!(roots.len(), 1, "{roots:#?}");
    assert_eq!(roots[0].id, "not-a-mailbox");
}

#[test]
fn every_wording_of_the_alert_catalogue_gives_the_name() {
    // The sentences of reference/d365-sss-errors.md and the seed articles,
    // with a name where they print a placeholder.
    let sentences = [
        "An error occurred while synchronizing the item Budget review from Microsoft Dynamics 365 for the mailbox Dana Okafor.",
        "Appointments, contacts, and tasks can't be synchronized for the mailbox Dana Okafor because the mailbox user doesn't have sufficient permissions on this mailbox.",
        "An internal Microsoft Dynamics 365 error occurred while synchronizing appointments, contacts, and tasks for the mailbox Dana Okafor.",
        "An internal Microsoft Dynamics 365 error occurred while receiving email through the mailbox Dana Okafor.",
        "The email message cannot be sent because the mailbox Dana Okafor is deactivated or disabled for outgoing email.",
        "Email can't be sent for the mailbox Dana Okafor because the mailbox record doesn't have a valid email address.",
        "Make sure that the credentials specified in the mailbox Dana Okafor are correct and have sufficient permissions for sending email.",
        "Email cannot be received for the mailbox Dana Okafor. Make sure that the credentials are correct.",
        "The location of the mailbox Dana Okafor could not be determined while receiving email.",
        "Appointments, contacts, and tasks can't be synchronized because the email address of the mailbox Dana Okafor is configured with another organization.",
        "Email can't be received because the license is invalid for the mailbox Dana Okafor.",
        "An unexpected error occurred while receiving email. Mailbox Dana Okafor didn't synchronize.",
        "Appointments, contacts, and tasks for the mailbox Dana Okafor couldn't be synchronized. The system will try again later.",
        "An error occurred in receiving email for the mailbox Dana Okafor while connecting to the email server.",
        "An error occurred in sending email for mailbox Dana Okafor while connecting to the email server.",
        "Email cannot be received for the mailbox Dana Okafor because an error occurred while establishing a secure connection to the email server.",
        "Outlook Category \"Tracked To Dynamics 365\" has been enabled for the mailbox Dana Okafor\u{2026}",
        "An unknown error occurred while receiving email through the mailbox \"Dana Okafor\".",
        "Email can't be received for the mailbox [Dana Okafor] because the mailbox record doesn't have a valid email address.",
        "A general mailbox access error occurred while sending the email message \"Hello\". Mailbox [Dana Okafor] didn't synchronize.",
    ];
    for sentence in sentences {
        let text = format!(
            "{sentence}\nEmail Server Error Code: Exchange server returned ErrorAccessDenied exception.\n"
        );
        let found = scan_text(&text);
        assert_eq!(found.len(), 1, "{sentence}");
        assert_eq!(found[0].mailbox.as_deref(), Some("Dana Okafor"), "{sentence}");
    }
}

// --- times ---

/// Runs the binary from the project folder and returns its standard output.
fn ewsdiag(args: &[&str]) -> (String, String, Option<i32>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

fn findings_of(ndjson: &str) -> Vec<serde_json::Value> {
    ndjson
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|v| v["type"] == "finding")
        .collect()
}

#[test]
fn scanning_the_samples_gives_only_rfc3339_times_and_keeps_the_text() {
    let (out, _, _) = ewsdiag(&["scan", "samples/", "--format", "ndjson"]);
    let findings = findings_of(&out);
    assert!(findings.len() > 50, "the samples are full of findings");
    let mut timed = 0;
    for f in &findings {
        assert!(f.get("event").is_some_and(serde_json::Value::is_u64), "{f}");
        let (Some(time), text) = (f["time"].as_str(), &f["time_text"]) else {
            continue;
        };
        timed += 1;
        let zoned = time.ends_with('Z') || time[19..].contains(['+', '-']);
        let valid = if zoned {
            time.parse::<jiff::Timestamp>().is_ok()
        } else {
            time.parse::<jiff::civil::DateTime>().is_ok() && time.as_bytes().get(10) == Some(&b'T')
        };
        assert!(valid, "not RFC 3339: {time}");
        assert!(text.is_string(), "the source's form is kept: {f}");
    }
    assert!(timed > 40, "most samples carry times");
}

#[test]
fn a_time_keeps_its_zone_only_when_the_source_gives_one() {
    let text = "\
11/20/2026 8:16:40 AM ErrorServerBusy: The server cannot service this request right now.
2026-11-20T08:15:02+02:00 ErrorMailboxStoreUnavailable: The mailbox database is temporarily unavailable.
2026-11-20 08:15:02Z ErrorItemNotFound: The specified object was not found in the store.
";
    let found = scan_text(text);
    let times: Vec<_> = found.iter().map(|f| (f.time.as_deref(), f.time_text.as_deref())).collect();
    assert_eq!(
        times,
        [
            (Some("2026-11-20T08:16:40"), Some("11/20/2026 8:16:40 AM")),
            (Some("2026-11-20T08:15:02+02:00"), Some("2026-11-20T08:15:02+02:00")),
            (Some("2026-11-20T08:15:02Z"), Some("2026-11-20 08:15:02Z")),
        ]
    );
}

// --- nothing skipped in silence ---

const ALERT: &str = "2026-11-20 08:15:02 Error Email can't be received for the mailbox \"Rosa Lindqvist\" because the mailbox record doesn't have a valid email address.\nEmail Server Error Code: Exchange.server returned ErrorNonExistentMailbox error.\n";

#[test]
fn a_git_ignored_log_is_counted_and_the_flag_that_includes_it_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path();
    // A git repository: what git itself creates, or at least its folder.
    let inited = std::process::Command::new("git").arg("init").arg("-q").arg(repo).status();
    if !inited.is_ok_and(|s| s.success()) {
        std::fs::create_dir(repo.join(".git")).expect(".git");
    }
    std::fs::write(repo.join(".gitignore"), "*.log\n").expect(".gitignore");
    std::fs::create_dir(repo.join("logs")).expect("logs");
    std::fs::write(repo.join("logs/sync.log"), ALERT).expect("log");
    let logs = repo.join("logs");
    let logs = logs.to_str().expect("a UTF-8 path");
    let (out, _, code) = ewsdiag(&["scan", logs, "--format", "summary"]);
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        out.contains("Left out 1 file: 1 ignored by .gitignore or .ignore rules (--no-ignore includes it)."),
        "{out}"
    );
    assert_eq!(code, Some(1), "nothing was scanned, nothing found");
    let (out, _, code) = ewsdiag(&["scan", logs, "--no-ignore", "--format", "summary"]);
    assert!(!out.contains("Left out"), "{out}");
    assert_eq!(code, Some(0));
    // Outside a git repository the same .gitignore does not apply, as in ripgrep.
    std::fs::remove_dir_all(repo.join(".git")).expect("remove .git");
    let (out, _, code) = ewsdiag(&["scan", logs, "--format", "summary"]);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn a_named_input_in_a_format_that_cannot_be_read_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("alerts.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n").expect("pdf");
    let (out, err, code) = ewsdiag(&["scan", pdf.to_str().expect("a UTF-8 path")]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("cannot read a PDF document"), "{err}");
    assert!(!out.contains("No EWS errors"), "never \"nothing found\": {out}");
}

// --- numbers: ServiceError ordinals and HTTP statuses ---

#[test]
fn alert_numbers_carry_every_reading_they_have() {
    let (found, _) = scan_file(&sample("alerts/http-readings.txt"), &ScanConfig::default());
    let readings: Vec<_> = found
        .iter()
        .map(|f| {
            (
                f.code.as_str(),
                f.inner_code.as_deref(),
                f.details.get("ServiceErrorOrdinal").map(String::as_str),
                f.details.get("HttpStatus").map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        readings,
        [
            // Both readings: ordinal 403 and HTTP 403.
            ("403", Some("ErrorUserNotAllowedByPolicy"), Some("403"), Some("403")),
            // An ordinal only: no HTTP status is 363 (KB4514016).
            ("363", Some("ErrorServerBusy"), Some("363"), None),
            // No ordinal is 503: an HTTP status only.
            ("503", None, None, Some("503")),
            // `<Name>. … returned N`: the number is the HTTP status of the named error.
            ("ErrorQuotaExceeded", None, None, Some("403")),
            // `Http server returned N …`: an HTTP status.
            ("429 Too Many Requests", None, None, Some("429")),
        ]
    );
}

// --- shapes client libraries print ---

#[test]
fn client_library_shapes_give_one_identifier_and_the_message_alone() {
    use ewsdiag::model::Shape;
    let table: &[(&str, Shape, &str, &str)] = &[
        (
            "clients/javascript.log",
            Shape::Mention,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ),
        (
            "clients/rust-debug.log",
            Shape::Mention,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        ),
        (
            "clients/php-soapfault.log",
            Shape::Mention,
            "ErrorSchemaValidation",
            "The request failed schema validation: The element 'FindItem' has incomplete content.",
        ),
        (
            "clients/python-repr.log",
            Shape::Mention,
            "ErrorMailboxStoreUnavailable",
            "The mailbox database is temporarily unavailable.",
        ),
        (
            "clients/python-repr.log",
            Shape::Mention,
            "ErrorServerBusy",
            "The server cannot service this request right now. Try again later.",
        ),
        ("clients/gateway.log", Shape::Mention, "ErrorTimeoutExpired", "The request timed out."),
        (
            "clients/unclosed-tags.txt",
            Shape::SoapFault,
            "ErrorQuotaExceeded",
            "The mailbox has exceeded its quota.",
        ),
    ];
    let mut files: Vec<&str> = table.iter().map(|row| row.0).collect();
    files.dedup();
    for file in files {
        let (found, malformed) = scan_file(&sample(file), &ScanConfig::default());
        assert!(malformed.is_empty(), "{file}: {malformed:#?}");
        let got: Vec<_> = found
            .iter()
            .map(|f| (file, f.shape, f.code.as_str(), f.message.as_deref().unwrap_or("")))
            .collect();
        let want: Vec<_> = table.iter().filter(|row| row.0 == file).map(|r| (r.0, r.1, r.2, r.3)).collect();
        assert_eq!(got, want);
        for f in &found {
            assert!(f.code.bytes().all(|b| b.is_ascii_alphanumeric()), "one identifier: {}", f.code);
        }
    }
}

#[test]
fn a_label_line_as_wide_as_a_line_above_is_not_joined_to_the_next_record() {
    let (found, _) = scan_file(&sample("clients/wrapped-label.txt"), &ScanConfig::default());
    let codes: Vec<_> = found.iter().map(|f| (f.code.as_str(), f.mailbox.as_deref())).collect();
    assert_eq!(codes, [("Forbidden", Some("Mei Tanaka"))]);
    assert_eq!(found[0].details.get("HttpStatus").map(String::as_str), Some("403"));
}

#[test]
fn csv_rows_are_events_even_without_a_timestamp_first() {
    let payload = |code: &str| {
        format!(
            ">Error : <ResponseMessageType xmlns:q1=\"\"http://schemas.microsoft.com/exchange/services/2006/messages\"\" ResponseClass=\"\"Error\"\">\n<q1:MessageText>Failed.</q1:MessageText><q1:ResponseCode>{code}</q1:ResponseCode></ResponseMessageType>"
        )
    };
    let text = format!(
        "\"Trace Id\",\"Regarding\",\"Error Details\"\n\"7f3a0c11\",\"Rosa Lindqvist\",\"{}\"\n\"9c1e4b27\",\"Kai Berg\",\"{}\"\n",
        payload("ErrorNonExistentMailbox"),
        payload("ErrorAccessDenied")
    );
    let found = scan_text(&text);
    let events: Vec<u64> = found.iter().map(|f| f.event).collect();
    assert_eq!(events, [text.find("\"7f3a").unwrap() as u64, text.find("\"9c1e").unwrap() as u64]);
}

#[test]
fn event_ids_are_the_same_when_a_file_is_scanned_in_segments() {
    use ewsdiag::report::Ndjson;
    use ewsdiag::run::{RunConfig, run};
    let events = |config: &RunConfig| {
        let mut out = Vec::new();
        run(config, &mut Ndjson::new(&mut out, std::io::sink())).expect("the run writes to memory");
        let out = String::from_utf8_lossy(&out).into_owned();
        let summary: serde_json::Value =
            serde_json::from_str(out.lines().last().expect("a summary")).expect("JSON");
        let findings = findings_of(&out)
            .iter()
            .map(|f| (f["offset"].as_u64(), f["event"].as_u64(), f["mailbox"].clone(), f["time"].clone()))
            .collect::<Vec<_>>();
        (findings, summary["events"].as_u64())
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::new();
    for round in 0..30 {
        for name in [
            "view-details/invalid-license.txt",
            "correlation/seed-alert-pair.txt",
            "exports/trace-records.csv",
            "clients/python-repr.log",
            "trace/ews-client-trace.log",
        ] {
            text.push_str(&std::fs::read_to_string(sample(name)).expect("sample"));
            text.push_str(&format!("\n2026-11-20 09:{:02}:00 INFO  filler line {round}\n", round % 60));
        }
    }
    let path = dir.path().join("big.log");
    std::fs::write(&path, &text).expect("write");
    let whole = RunConfig { paths: vec![path.clone()], threads: 1, ..RunConfig::default() };
    let split = RunConfig { paths: vec![path], threads: 3, segment_len: 4 << 10, ..RunConfig::default() };
    let (one, many) = (events(&whole), events(&split));
    assert!(one.0.len() > 200, "the file is full of findings");
    assert!(one.1.is_some_and(|n| n > 100), "the summary counts events: {:?}", one.1);
    assert_eq!(many, one);
}

#[test]
fn a_workbook_row_is_one_event() {
    let (out, _, _) = ewsdiag(&["scan", "samples/excel/alert-export.xlsx", "--format", "ndjson"]);
    let rows: Vec<_> = findings_of(&out)
        .iter()
        .map(|f| (f["cell"].as_str().unwrap_or_default().to_string(), f["event"].as_u64(), f["time"].clone()))
        .collect();
    let events_of = |cell: &str| rows.iter().find(|r| r.0 == cell).map(|r| r.1);
    assert_eq!(events_of("E3"), events_of("F3"), "the alert and the details beside it: {rows:?}");
    assert_ne!(events_of("F2"), events_of("F3"), "{rows:?}");
    let summary: serde_json::Value =
        serde_json::from_str(out.lines().last().unwrap_or_default()).expect("JSON");
    assert_eq!((summary["events"].as_u64(), summary["findings"].as_u64()), (Some(3), Some(4)));
}
