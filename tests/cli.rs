//! The binary as a user runs it: exit statuses, formats, walking, ordering,
//! standard input and a closed pipe.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn ewsdiag() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ewsdiag"));
    command.current_dir(env!("CARGO_MANIFEST_DIR")).env("NO_COLOR", "1").env("COLUMNS", "80");
    command
}

fn run(args: &[&str]) -> Output {
    ewsdiag().args(args).output().expect("the binary runs")
}

fn status(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("folder");
    std::fs::write(&path, bytes).expect("write");
    path
}

const FAULT: &str =
    "<s:Fault><faultcode>a:ErrorServerBusy</faultcode><faultstring>Busy.</faultstring></s:Fault>\n";

#[test]
fn exit_status_is_0_for_findings_1_for_none_2_for_trouble() {
    let dir = tempfile::tempdir().expect("temp dir");
    let found = write(dir.path(), "found.log", FAULT.as_bytes());
    let clean = write(dir.path(), "clean.log", b"2026-11-20 INFO all quiet\n");
    let missing = dir.path().join("missing.log");
    assert_eq!(status(&run(&["scan", "--format", "ndjson", found.to_str().unwrap()])), 0);
    assert_eq!(status(&run(&["scan", "--format", "ndjson", clean.to_str().unwrap()])), 1);
    let trouble = run(&["scan", "--format", "ndjson", missing.to_str().unwrap(), found.to_str().unwrap()]);
    assert_eq!(status(&trouble), 2, "an unreadable input is trouble even with findings elsewhere");
    assert!(String::from_utf8_lossy(&trouble.stderr).contains("missing.log"), "and it is named on stderr");
    let kinds: Vec<_> =
        lines(&trouble).iter().map(|l| l["type"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(kinds, ["error", "finding", "summary"], "the rest is still scanned");
    assert_eq!(status(&run(&["scan", "--no-such-flag"])), 2, "bad arguments");
    assert_eq!(status(&run(&["explain", "ErrorNoSuchThing"])), 2, "unknown code");
}

#[test]
fn success_responses_never_count_for_the_exit_status() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ok = write(
        dir.path(),
        "ok.xml",
        b"<m:GetItemResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode></m:GetItemResponseMessage>\n",
    );
    let shown = run(&["scan", "--format", "ndjson", "--show-success", ok.to_str().unwrap()]);
    assert_eq!(status(&shown), 1);
    assert_eq!(lines(&shown)[0]["class"], "Success");
}

/// Every key DESIGN.md promises on a finding line, present even when null.
const CONTRACT: &[&str] = &[
    "type",
    "path",
    "line",
    "column",
    "offset",
    "length",
    "shape",
    "wrapping",
    "encoding",
    "class",
    "code",
    "inner_code",
    "message",
    "operation",
    "details",
    "mailbox",
    "profile",
    "time",
    "truncated",
    "diagnosis",
];

#[test]
fn every_ndjson_line_parses_and_carries_the_contract() {
    let output = run(&["scan", "--format", "ndjson", "samples"]);
    let all = lines(&output);
    let findings: Vec<_> = all.iter().filter(|l| l["type"] == "finding").collect();
    assert!(findings.len() > 50, "the samples hold many findings");
    for f in &findings {
        for key in CONTRACT {
            assert!(f.get(key).is_some(), "missing `{key}` in {f}");
        }
        assert!(f["line"].as_u64().is_some_and(|n| n >= 1) && f["column"].as_u64().is_some_and(|n| n >= 1));
        assert!(f["details"].is_object() && f["truncated"].is_boolean() && f["code"].is_string());
    }
    assert_eq!(all.last().map(|l| l["type"].clone()), Some("summary".into()), "the summary comes last");
    let summary = all.last().expect("a summary");
    assert_eq!(summary["findings"].as_u64(), Some(findings.len() as u64));
    assert!(summary["root_causes"].as_array().is_some_and(|r| !r.is_empty()));
}

#[test]
fn json_and_csv_hold_the_same_findings_as_ndjson() {
    let ndjson = lines(&run(&["scan", "--format", "ndjson", "samples/soap"]));
    let count = ndjson.iter().filter(|l| l["type"] == "finding").count();
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["scan", "--format", "json", "samples/soap"]).stdout)
            .expect("one document");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(count));
    let csv = run(&["scan", "--format", "csv", "samples/soap"]);
    let mut reader = csv::Reader::from_reader(&csv.stdout[3..]);
    assert_eq!(reader.headers().expect("a header").get(9), Some("code"));
    assert_eq!(reader.records().count(), count);
}

#[test]
fn output_order_is_the_same_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..40 {
        let body = FAULT.repeat(i % 5 + 1);
        write(dir.path(), &format!("d{}/log{i:02}.txt", i % 3), body.as_bytes());
    }
    let root = dir.path().to_str().unwrap();
    let one = run(&["scan", "--format", "ndjson", "-j", "1", root]);
    for threads in ["2", "8"] {
        let many = run(&["scan", "--format", "ndjson", "-j", threads, root]);
        assert_eq!(many.stdout, one.stdout, "-j {threads}");
    }
    let paths: Vec<String> =
        lines(&one).iter().filter_map(|l| l["path"].as_str().map(str::to_string)).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "by path, then offset");
}

#[test]
fn binary_files_are_skipped_when_walked_and_scanned_when_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut blob = vec![0u8, 1, 2, 3, 0, 0, 7, 0, 9, 0, 0, 0];
    blob.extend_from_slice(FAULT.as_bytes());
    let binary = write(dir.path(), "core.dump", &blob);
    let walked = lines(&run(&["scan", "--format", "ndjson", dir.path().to_str().unwrap()]));
    assert_eq!(walked[0]["type"], "skipped");
    let named = lines(&run(&["scan", "--format", "ndjson", binary.to_str().unwrap()]));
    assert_eq!(named[0]["type"], "finding");
    assert_eq!(named[0]["code"], "ErrorServerBusy");
}

#[test]
fn standard_input_is_read_for_a_dash_and_for_inspect() {
    for args in [&["scan", "--format", "ndjson", "-"][..], &["inspect", "--format", "ndjson"][..]] {
        let mut child =
            ewsdiag().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("spawns");
        child.stdin.take().expect("stdin").write_all(FAULT.as_bytes()).expect("writes");
        let output = child.wait_with_output().expect("finishes");
        let first = &lines(&output)[0];
        assert_eq!(
            (first["path"].as_str(), first["code"].as_str()),
            (Some("-"), Some("ErrorServerBusy")),
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = write(dir.path(), "big.log", FAULT.repeat(20_000).as_bytes());
    let mut child = ewsdiag()
        .args(["scan", "--format", "ndjson", big.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut first = [0u8; 512];
    child.stdout.take().expect("stdout").read_exact(&mut first).expect("some output");
    // Dropping stdout closes the pipe, as `| head` does.
    let output = child.wait_with_output().expect("finishes");
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn help_documents_the_exit_status() {
    let help = run(&["scan", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Exit status") && text.contains("nothing was found"), "{text}");
}

mod segments {
    //! A large plain file is scanned in segments on several threads; the
    //! segments are put back together so that the output is exactly that of
    //! one scan from start to end: findings, lines, diagnoses, root causes.

    use ewsdiag::report::Ndjson;
    use ewsdiag::run::{RunConfig, run};

    fn ndjson(config: &RunConfig) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        let mut report = Ndjson::new(&mut out, std::io::sink());
        run(config, &mut report).expect("the run writes to memory");
        String::from_utf8_lossy(&out)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
            .collect()
    }

    #[test]
    fn a_file_split_into_segments_reads_as_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut text = String::new();
        let samples = [
            "samples/logs/server-mixed.log",
            "samples/alerts/alert-tokens.txt",
            "samples/trace/ews-client-trace.log",
        ];
        for round in 0..40 {
            for sample in samples {
                text.push_str(&std::fs::read_to_string(sample).expect("sample"));
                text.push_str(&format!("2026-11-20 09:{:02}:00 INFO  filler line {round}\n", round % 60));
            }
        }
        let path = dir.path().join("big.log");
        std::fs::write(&path, &text).expect("write");
        let whole = RunConfig { paths: vec![path.clone()], threads: 1, ..RunConfig::default() };
        // Segments of 3 KiB: many boundaries fall inside payloads and alerts.
        let split = RunConfig { paths: vec![path], threads: 3, segment_len: 3 << 10, ..RunConfig::default() };
        let (one, many) = (ndjson(&whole), ndjson(&split));
        assert!(one.len() > 500, "the file is full of findings");
        for (i, (a, b)) in one.iter().zip(&many).enumerate() {
            assert_eq!(b, a, "line {} of the output differs", i + 1);
        }
        assert_eq!(many.len(), one.len());
    }

    #[test]
    fn a_payload_swept_across_a_segment_boundary_reads_as_in_one_scan() {
        let dir = tempfile::tempdir().expect("temp dir");
        let payload = std::fs::read_to_string("samples/correlation/not-a-mailbox.txt").expect("sample");
        let filler = "2026-11-20 09:00:00 INFO  filler line of a busy server log, nothing to see\n";
        // Each round shifts the payloads by a few more bytes against the
        // 2 KiB boundaries, so that every part of a payload meets one.
        for shift in (0..2048).step_by(97) {
            let mut text = "x".repeat(shift);
            text.push('\n');
            for round in 0..12 {
                text.push_str(&payload);
                for _ in 0..(round % 4) {
                    text.push_str(filler);
                }
            }
            let path = dir.path().join(format!("shift-{shift}.log"));
            std::fs::write(&path, &text).expect("write");
            let whole = RunConfig { paths: vec![path.clone()], threads: 1, ..RunConfig::default() };
            let split =
                RunConfig { paths: vec![path], threads: 2, segment_len: 2 << 10, ..RunConfig::default() };
            let (one, many) = (ndjson(&whole), ndjson(&split));
            assert!(one.len() > 12, "shift {shift}: the payloads are found");
            for (i, (a, b)) in one.iter().zip(&many).enumerate() {
                assert_eq!(b, a, "shift {shift}: line {} of the output differs", i + 1);
            }
            assert_eq!(many.len(), one.len(), "shift {shift}: the split scan differs");
        }
    }
}
