//! The binary as a user runs it: exit statuses, formats, walking, ordering,
//! standard input, a closed pipe, and every flag.

mod support;

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
    let mut reader = csv::Reader::from_reader(&csv.stdout[..]);
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
fn root_causes_are_the_same_whatever_the_thread_count() {
    // Every sample: many inputs, mailboxes, kinds and time formats. Each
    // thread counts what it scanned; the counts merge to what one draws.
    let one = run(&["scan", "--format", "ndjson", "-j", "1", "samples"]);
    let summary = lines(&one).pop().expect("a summary line");
    assert!(summary["root_causes"].as_array().is_some_and(|r| r.len() > 10), "{summary}");
    for threads in ["2", "3", "8"] {
        let many = run(&["scan", "--format", "ndjson", "-j", threads, "samples"]);
        assert_eq!(lines(&many).pop(), Some(summary.clone()), "-j {threads}");
        assert_eq!(many.stdout, one.stdout, "-j {threads}");
    }
}

/// When no thread can be started (the system is out of threads or memory),
/// the run does every part of the work on the thread it has: the same
/// output, the same exit status. Every spawn is made to fail by asking for a
/// 1 TiB stack for each new thread under an 8 GB address-space limit (checked
/// by tracing: no thread is created).
#[test]
fn a_run_where_no_thread_can_start_does_the_work_on_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Enough files that their sizes are looked up on threads too.
    for i in 0..1100 {
        let body = if i % 50 == 0 { FAULT } else { "2026-11-20 09:00:00 INFO nothing here\n" };
        write(dir.path(), &format!("d{}/log{i:04}.txt", i % 7), body.as_bytes());
    }
    let root = dir.path().to_str().unwrap();
    let alone = run(&["scan", "--format", "ndjson", "-j", "1", root]);
    let starved = Command::new("sh")
        .args(["-c", "ulimit -v 8000000 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_ewsdiag"))
        .args(["scan", "--format", "ndjson", "-j", "4", root])
        .env("RUST_MIN_STACK", (1u64 << 40).to_string())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert_eq!(status(&starved), status(&alone), "{}", String::from_utf8_lossy(&starved.stderr));
    assert_eq!(findings(&starved).len(), 22);
    assert_eq!(starved.stdout, alone.stdout);
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

/// Alerts in the shape Dynamics 365 exports them: a dated line naming the
/// mailbox, then the code line. Three mailboxes, three codes, three days.
const ALERTS: &str = "\
2026-11-18 06:31:17 Error Email can't be received for the mailbox \"Kim Abercrombie\". The mailbox didn't synchronize.
Email Server Error Code: Exchange.server returned ErrorNonExistentMailbox error.

2026-11-19 06:45:02 Warning Appointments for the mailbox \"Dana Okafor\" couldn't be synchronized.
Email Server Error Code: Exchange.server returned 363 error.

2026-11-20 07:10:00 Warning Email can't be received for the mailbox \"Dana Okafor\".
Email Server Error Code: Exchange server returned ErrorServerBusy exception.
";

fn findings(output: &Output) -> Vec<serde_json::Value> {
    lines(output).into_iter().filter(|l| l["type"] == "finding").collect()
}

fn summary_line(output: &Output) -> serde_json::Value {
    lines(output).into_iter().find(|l| l["type"] == "summary").expect("a summary line")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

mod filters {
    use super::*;

    fn alerts() -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write(dir.path(), "alerts.txt", ALERTS.as_bytes());
        (dir, path.to_str().expect("UTF-8 path").to_owned())
    }

    fn codes(output: &Output) -> Vec<String> {
        findings(output)
            .iter()
            .map(|f| f["inner_code"].as_str().or(f["code"].as_str()).unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn code_matches_any_alias_and_repeats() {
        let (_dir, path) = alerts();
        let by_number = run(&["scan", "--format", "ndjson", "--code", "363", &path]);
        let busy = codes(&by_number);
        assert!(!busy.is_empty() && busy.iter().all(|c| c == "ErrorServerBusy"), "{busy:?}");
        let by_name = run(&["scan", "--format", "ndjson", "--code", "serverbusy", &path]);
        assert_eq!(findings(&by_name).len(), findings(&by_number).len(), "363 is ErrorServerBusy");
        let two =
            run(&["scan", "--format", "ndjson", "--code", "363", "--code", "ErrorNonExistentMailbox", &path]);
        assert_eq!(findings(&two).len(), findings(&by_number).len() + 1);
    }

    #[test]
    fn code_takes_a_negative_hresult() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = "Email Server Error Code: Exchange server returned UnknownIncomingEmailIntegrationError -2147220891 exception.\n";
        let path = write(dir.path(), "a.txt", text.as_bytes());
        let output = run(&["scan", "--format", "ndjson", "--code", "-2147220891", path.to_str().unwrap()]);
        assert_eq!(status(&output), 0, "{}", stderr(&output));
        assert_eq!(findings(&output).len(), 1);
    }

    #[test]
    fn an_unknown_code_is_matched_as_text_with_a_word_about_near_ones() {
        let (_dir, path) = alerts();
        let output = run(&["scan", "--format", "ndjson", "--code", "ErrorServerBusyy", &path]);
        assert_eq!(status(&output), 1);
        let message = stderr(&output);
        assert!(
            message.contains("ErrorServerBusyy") && message.contains("did you mean ErrorServerBusy"),
            "{message}"
        );
        let known = run(&["scan", "--format", "ndjson", "--code", "ErrorServerBusy", &path]);
        assert!(known.stderr.is_empty(), "{}", stderr(&known));
    }

    #[test]
    fn mailbox_ignores_case_and_repeats() {
        let (_dir, path) = alerts();
        let dana = run(&["scan", "--format", "ndjson", "--mailbox", "dana okafor", &path]);
        let found = findings(&dana);
        assert!(found.len() >= 2 && found.iter().all(|f| f["mailbox"] == "Dana Okafor"), "{found:?}");
        let both = run(&[
            "scan",
            "--format",
            "ndjson",
            "--mailbox",
            "DANA OKAFOR",
            "--mailbox",
            "Kim Abercrombie",
            &path,
        ]);
        assert_eq!(findings(&both).len(), found.len() + 1);
    }

    #[test]
    fn since_and_until_bound_the_time_inclusively() {
        let (_dir, path) = alerts();
        let day = run(&[
            "scan",
            "--format",
            "ndjson",
            "--since",
            "2026-11-19",
            "--until",
            "2026-11-19T23:59:59",
            &path,
        ]);
        let times: Vec<_> =
            findings(&day).iter().map(|f| f["time"].as_str().unwrap_or("").to_owned()).collect();
        assert!(!times.is_empty() && times.iter().all(|t| t.starts_with("2026-11-19")), "{times:?}");
        let exact = run(&["scan", "--format", "ndjson", "--since", "2026-11-20 07:10:00", &path]);
        assert!(
            findings(&exact).iter().all(|f| f["time"] == "2026-11-20T07:10:00"),
            "{:?}",
            findings(&exact)
        );
        assert!(!findings(&exact).is_empty(), "the bound itself is inside");
    }

    #[test]
    fn since_takes_a_span_back_from_now() {
        let dir = tempfile::tempdir().expect("temp dir");
        let old = ALERTS.replace("2026-11-", "2019-03-");
        let path = write(dir.path(), "old.txt", old.as_bytes());
        let path = path.to_str().unwrap();
        // Alerts from 2019 are more than a week behind any clock this runs on.
        let recent = run(&["scan", "--format", "ndjson", "--since", "7d", path]);
        assert_eq!(status(&recent), 1, "nothing in the last week");
        let all = run(&["scan", "--format", "ndjson", "--since", "52000w", path]);
        assert_eq!(findings(&all).len(), findings(&run(&["scan", "--format", "ndjson", path])).len());
        assert!(!findings(&all).is_empty());
    }

    #[test]
    fn an_unreadable_time_is_refused_with_the_forms_that_work() {
        let output = run(&["scan", "--since", "last tuesday", "samples/soap"]);
        assert_eq!(status(&output), 2);
        let message = stderr(&output);
        assert!(
            message.contains("last tuesday") && message.contains("2026-11-20") && message.contains("7d"),
            "{message}"
        );
    }

    #[test]
    fn max_count_limits_each_input() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = write(dir.path(), "a.log", FAULT.repeat(5).as_bytes());
        let b = write(dir.path(), "b.log", FAULT.repeat(3).as_bytes());
        let output =
            run(&["scan", "--format", "ndjson", "-m", "2", a.to_str().unwrap(), b.to_str().unwrap()]);
        let paths: Vec<_> =
            findings(&output).iter().map(|f| f["path"].as_str().unwrap_or("").to_owned()).collect();
        assert_eq!(paths.iter().filter(|p| p.ends_with("a.log")).count(), 2);
        assert_eq!(paths.iter().filter(|p| p.ends_with("b.log")).count(), 2);
        assert_eq!(summary_line(&output)["filtered_out"], 4);
    }

    #[test]
    fn totals_count_only_what_passed_and_say_what_was_left_out() {
        let (_dir, path) = alerts();
        let all = summary_line(&run(&["scan", "--format", "ndjson", &path]));
        let some = run(&["scan", "--format", "ndjson", "--mailbox", "Kim Abercrombie", &path]);
        let kept = findings(&some).len() as u64;
        let line = summary_line(&some);
        assert_eq!(line["findings"].as_u64(), Some(kept));
        assert_eq!(line["filtered_out"].as_u64(), Some(all["findings"].as_u64().unwrap_or(0) - kept));
        let causes = line["root_causes"].as_array().expect("root causes");
        assert!(
            causes.iter().all(|c| c["mailboxes"] == serde_json::json!(["Kim Abercrombie"])),
            "{causes:?}"
        );
        let text = stdout(&run(&["scan", "--mailbox", "Kim Abercrombie", &path]));
        let left = line["filtered_out"].as_u64().unwrap_or(0);
        assert!(text.contains(&format!("The filters left out {left} findings.")), "{text}");
    }

    #[test]
    fn nothing_left_after_the_filters_exits_1() {
        let (_dir, path) = alerts();
        assert_eq!(status(&run(&["scan", "--mailbox", "Nobody Here", &path])), 1);
    }
}

mod summary {
    use super::*;

    fn causes(text: &str) -> usize {
        text.lines()
            .filter(|l| l.len() > 4 && l[..4].trim_end().ends_with('.') && l.as_bytes()[1].is_ascii_digit())
            .count()
    }

    #[test]
    fn by_default_the_summary_fits_one_screen() {
        let output = run(&["scan", "samples"]);
        let text = stdout(&output);
        assert!(text.lines().count() <= 40, "{text}");
        assert!(text.contains("more root causes not shown: --all or --top N"), "{text}");
    }

    #[test]
    fn top_shows_that_many_and_all_shows_every_one() {
        let total = summary_line(&run(&["scan", "--format", "ndjson", "samples"]))["root_causes"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(total > 10, "the samples have many root causes");
        assert_eq!(causes(&stdout(&run(&["scan", "--top", "3", "samples"]))), 3);
        assert_eq!(causes(&stdout(&run(&["scan", "--top", "1", "samples"]))), 1);
        let all = stdout(&run(&["scan", "--all", "samples"]));
        assert_eq!(causes(&all), total);
        assert!(!all.contains("not shown"), "{all}");
        assert_eq!(status(&run(&["scan", "--top", "2", "--all", "samples"])), 2, "one or the other");
        assert_eq!(status(&run(&["scan", "--top", "0", "samples"])), 2, "at least one");
    }

    #[test]
    fn counts_in_root_causes_are_grouped_like_the_totals() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write(dir.path(), "busy.log", FAULT.repeat(1_200).as_bytes());
        let text = stdout(&run(&["scan", path.to_str().unwrap()]));
        assert!(
            text.contains("· 1,200 findings ·") && text.contains("1,200 findings: 1,200 errors"),
            "{text}"
        );
    }
}

mod output {
    use super::*;

    #[test]
    fn quiet_prints_nothing_and_answers_with_the_status() {
        let dir = tempfile::tempdir().expect("temp dir");
        let found = write(dir.path(), "found.log", FAULT.as_bytes());
        let clean = write(dir.path(), "clean.log", b"all quiet\n");
        let missing = dir.path().join("missing.log");
        let yes = run(&["scan", "-q", found.to_str().unwrap()]);
        assert_eq!((status(&yes), yes.stdout.is_empty(), yes.stderr.is_empty()), (0, true, true));
        let no = run(&["scan", "--quiet", "--format", "ndjson", clean.to_str().unwrap()]);
        assert_eq!((status(&no), no.stdout.is_empty()), (1, true));
        let partly = run(&["scan", "-q", missing.to_str().unwrap(), found.to_str().unwrap()]);
        assert_eq!(status(&partly), 0, "something was found: that is the answer");
        assert!(partly.stdout.is_empty() && stderr(&partly).contains("missing.log"));
        let broken = run(&["scan", "-q", missing.to_str().unwrap(), clean.to_str().unwrap()]);
        assert_eq!(status(&broken), 2);
        let inspect = run(&["inspect", "-q", found.to_str().unwrap()]);
        assert_eq!((status(&inspect), inspect.stdout.is_empty()), (0, true));
    }

    #[test]
    fn quiet_stops_at_the_first_problem() {
        let dir = tempfile::tempdir().expect("temp dir");
        let found = write(dir.path(), "found.log", FAULT.as_bytes());
        let missing = dir.path().join("missing.log");
        let args = ["scan", "-q", "-j1", found.to_str().unwrap(), missing.to_str().unwrap()];
        let stopped = run(&args);
        assert_eq!(status(&stopped), 0);
        assert!(stderr(&stopped).is_empty(), "the run ended before the missing file: {}", stderr(&stopped));
        // Standard input that never ends: the answer comes all the same.
        let mut child = ewsdiag()
            .args(["scan", "-q", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawns");
        let mut input = child.stdin.take().expect("a pipe");
        input.write_all(FAULT.as_bytes()).expect("the fault is written");
        // The run may be over before all of this is written.
        let _ = input.write_all("2026-11-20 09:00:00 INFO and the log goes on\n".repeat(16384).as_bytes());
        let _ = input.flush();
        // Not a measure of speed: a bound on a wait that would otherwise last
        // as long as the pipe stays open.
        let mut status = None;
        for _ in 0..1200 {
            status = child.try_wait().expect("the child can be asked");
            if status.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        drop(input);
        assert_eq!(status.and_then(|s| s.code()), Some(0), "the run ended with its input still open");
    }

    #[test]
    fn no_pager_when_standard_output_is_not_a_terminal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mark = dir.path().join("paged");
        let output = ewsdiag()
            .args(["scan", "--format", "human", "samples/soap"])
            .env("PAGER", format!("cat > '{}'", mark.display()))
            .output()
            .expect("runs");
        assert!(!output.stdout.is_empty());
        assert!(!mark.exists(), "a pipe is not paged");
    }

    #[test]
    fn a_terminal_pages_human_output_and_explain_unless_told_not_to() {
        // `script` gives the run a terminal for its standard output; the
        // pager (a `cat` into a file) shows whether it was used.
        let Some(paged) = on_a_terminal_raw("scan --format human samples/soap", "cat > 'MARK'") else {
            eprintln!("no `script` command: the terminal cases are not checked here");
            return;
        };
        assert!(paged.contains("ErrorServerBusy") || paged.contains("Scanned"), "{paged}");
        let unpaged = on_a_terminal_raw("--no-pager scan --format human samples/soap", "cat > 'MARK'");
        assert_eq!(unpaged.as_deref(), Some(""), "--no-pager");
        let summary = on_a_terminal_raw("scan samples/soap", "cat > 'MARK'");
        assert_eq!(summary.as_deref(), Some(""), "the one-screen summary is never paged");
        let explained = on_a_terminal_raw("explain ErrorServerBusy", "cat > 'MARK'").unwrap_or_default();
        assert!(explained.contains("ErrorServerBusy"), "explain pages too: {explained}");
    }

    #[test]
    fn input_typed_at_the_terminal_is_not_paged() {
        // The pager and `inspect` would both read the keyboard. The pager here
        // is a shell redirection, so the file exists as soon as one starts.
        let Some(script) = ["/usr/bin/script", "/bin/script"].into_iter().find(|p| Path::new(p).exists())
        else {
            eprintln!("no `script` command: the terminal case is not checked here");
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let mark = dir.path().join("paged");
        let command = format!("timeout 2 {} inspect", env!("CARGO_BIN_EXE_ewsdiag"));
        Command::new(script)
            .args(["-qec", &command, "/dev/null"])
            .env("PAGER", format!("cat > '{}'", mark.display()))
            .stdin(Stdio::null())
            .output()
            .expect("script runs");
        assert!(!mark.exists(), "no pager while the payload is typed");
        let paged = on_a_terminal_raw("inspect samples/soap/fault-server-busy.xml", "cat > 'MARK'");
        assert!(paged.is_some_and(|p| !p.is_empty()), "a named file is paged");
    }

    /// Runs `ewsdiag args` with standard output on a pseudo-terminal
    /// (`script`), PAGER set to `pager` with MARK standing for a file; gives
    /// what the pager wrote there. `None` when there is no `script` command.
    fn on_a_terminal_raw(args: &str, pager: &str) -> Option<String> {
        let script = ["/usr/bin/script", "/bin/script"].into_iter().find(|p| Path::new(p).exists())?;
        let dir = tempfile::tempdir().expect("temp dir");
        let mark = dir.path().join("paged");
        let command = format!("{} {args}", env!("CARGO_BIN_EXE_ewsdiag"));
        Command::new(script)
            .args(["-qec", &command, "/dev/null"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PAGER", pager.replace("MARK", &mark.display().to_string()))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("script runs");
        Some(std::fs::read_to_string(&mark).unwrap_or_default())
    }

    #[test]
    fn scan_with_no_path_reads_piped_input_and_scans_the_folder_on_a_terminal() {
        let mut child = ewsdiag()
            .args(["scan", "--format", "ndjson"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawns");
        child.stdin.take().expect("stdin").write_all(FAULT.as_bytes()).expect("writes");
        let piped = child.wait_with_output().expect("finishes");
        assert_eq!(findings(&piped)[0]["path"], "-");
        let Some(script) = ["/usr/bin/script", "/bin/script"].into_iter().find(|p| Path::new(p).exists())
        else {
            eprintln!("no `script` command: the terminal case is not checked here");
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "here.log", FAULT.as_bytes());
        let out = dir.path().join("out.ndjson");
        let command = format!("{} scan --format ndjson > '{}'", env!("CARGO_BIN_EXE_ewsdiag"), out.display());
        let status = Command::new(script)
            .args(["-qec", &command, "/dev/null"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("script runs");
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        assert!(text.contains("\"path\":\"./here.log\""), "{text} {}", stderr(&status));
    }

    #[test]
    fn csv_is_plain_rfc_4180_unless_a_bom_is_asked_for() {
        let plain = run(&["scan", "--format", "csv", "samples/soap"]);
        assert!(plain.stdout.starts_with(b"path,line,column,"), "no byte order mark");
        let excel = run(&["scan", "--format", "csv", "--csv-bom", "samples/soap"]);
        assert!(excel.stdout.starts_with("\u{feff}path,line,".as_bytes()));
        assert_eq!(&excel.stdout[3..], &plain.stdout[..]);
    }

    #[test]
    fn csv_columns_are_named_as_the_ndjson_keys() {
        let csv = run(&["scan", "--format", "csv", "samples/soap"]);
        let mut reader = csv::Reader::from_reader(&csv.stdout[..]);
        let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_owned).collect();
        let ndjson = run(&["scan", "--format", "ndjson", "samples/soap"]);
        let first = findings(&ndjson).into_iter().next().expect("a finding");
        for key in first
            .as_object()
            .expect("an object")
            .keys()
            .filter(|k| !["type", "diagnosis"].contains(&k.as_str()))
        {
            assert!(header.contains(key), "no `{key}` column in {header:?}");
        }
    }

    #[test]
    fn csv_cells_that_would_be_formulas_are_defused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let hostile = "<s:Fault><faultcode>a:ErrorServerBusy</faultcode><faultstring>=HYPERLINK(\"http://fabrikam.example\")</faultstring></s:Fault>\n\
                       Email Server Error Code: Exchange server returned UnknownIncomingEmailIntegrationError -2147220891 exception.\n";
        let path = write(dir.path(), "hostile.log", hostile.as_bytes());
        let output = run(&["scan", "--format", "csv", path.to_str().unwrap()]);
        let mut reader = csv::Reader::from_reader(&output.stdout[..]);
        let cells: Vec<String> = reader
            .records()
            .flat_map(|r| r.expect("a record").iter().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        assert!(cells.iter().any(|c| c == "'=HYPERLINK(\"http://fabrikam.example\")"), "{cells:?}");
        assert!(cells.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])), "{cells:?}");
    }

    #[test]
    fn every_format_ends_quietly_when_the_reader_stops_after_one_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let big = write(dir.path(), "big.log", FAULT.repeat(20_000).as_bytes());
        for format in ["csv", "ndjson", "json", "human", "summary", "html"] {
            let mut child = ewsdiag()
                .args(["scan", "--format", format, big.to_str().unwrap()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawns");
            let mut first = [0u8; 16];
            let mut out = child.stdout.take().expect("stdout");
            let _ = out.read(&mut first);
            drop(out); // as `| head -1` does
            let output = child.wait_with_output().expect("finishes");
            assert_eq!(output.status.code(), Some(0), "{format}: {}", stderr(&output));
            assert!(!stderr(&output).contains("Broken pipe"), "{format}: {}", stderr(&output));
        }
    }

    #[test]
    fn the_json_document_names_its_lists_once_each() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.log");
        let output = run(&["scan", "--format", "json", "samples/soap", missing.to_str().unwrap()]);
        let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one document");
        let mut keys: Vec<&str> = doc.as_object().expect("an object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["findings", "malformed", "skipped", "summary", "unreadable"]);
        assert!(doc["unreadable"][0]["path"].as_str().is_some_and(|p| p.ends_with("missing.log")));
        assert!(doc["summary"]["errors"].is_u64(), "`errors` is only the count of class Error");
        assert_eq!(doc["summary"]["schema_version"], 1);
    }

    #[test]
    fn causes_are_keyed_title_in_findings_as_in_root_causes() {
        let output = run(&["scan", "--format", "ndjson", "samples/soap"]);
        let first = &findings(&output)[0];
        let cause = &first["diagnosis"]["causes"][0];
        assert!(cause["title"].is_string() && cause.get("summary").is_none(), "{cause}");
        assert!(summary_line(&output)["root_causes"][0]["title"].is_string());
    }
}

mod commands {
    use super::*;

    #[test]
    fn completions_are_generated_for_every_shell() {
        for (shell, mark) in [
            ("bash", "complete -F"),
            ("zsh", "#compdef ewsdiag"),
            ("fish", "complete -c ewsdiag"),
            ("powershell", "Register-ArgumentCompleter"),
            ("elvish", "edit:completion:arg-completer[ewsdiag]"),
        ] {
            let output = run(&["completions", shell]);
            assert_eq!(status(&output), 0, "{shell}");
            let text = stdout(&output);
            assert!(text.contains(mark) && text.contains("max-payload"), "{shell}: {text}");
        }
        assert_eq!(status(&run(&["completions", "tcsh"])), 2, "an unknown shell is refused");
    }

    #[test]
    fn the_manual_page_is_roff_with_every_subcommand() {
        let output = run(&["man"]);
        assert_eq!(status(&output), 0);
        let page = stdout(&output);
        assert!(page.contains(".TH ewsdiag 1"), "{page}");
        for sub in ["scan", "inspect", "explain", "completions", "man", "schema"] {
            assert!(page.contains(&format!("ewsdiag\\-{sub}")) || page.contains(sub), "{sub}");
        }
    }

    #[test]
    fn version_names_the_version_the_commit_and_the_knowledge_base_date() {
        let output = run(&["--version"]);
        let text = stdout(&output);
        assert!(text.starts_with(&format!("ewsdiag {} (commit ", env!("CARGO_PKG_VERSION"))), "{text}");
        assert!(text.contains(&format!(", knowledge base {})", ewsdiag::kb::date())), "{text}");
    }

    #[test]
    fn inspect_refuses_a_folder_and_points_to_scan() {
        let output = run(&["inspect", "samples"]);
        assert_eq!(status(&output), 2);
        assert!(output.stdout.is_empty());
        let message = stderr(&output);
        assert!(message.contains("folder") && message.contains("ewsdiag scan samples"), "{message}");
    }

    #[test]
    fn a_missing_file_is_reported_once() {
        let output = run(&["inspect", "nosuch.txt"]);
        assert_eq!(status(&output), 2);
        assert!(output.stdout.is_empty(), "no totals repeating it: {}", stdout(&output));
        let message = stderr(&output);
        assert_eq!(message.matches("nosuch.txt").count(), 1, "{message}");
        assert!(!message.contains("other inputs"), "there are no other inputs: {message}");
        for format in ["human", "summary"] {
            let output = run(&["scan", "--format", format, "nosuch.txt"]);
            assert_eq!(status(&output), 2);
            let message = stderr(&output);
            assert!(message.contains("nosuch.txt"), "{format}: {message}");
            assert!(!message.contains("other inputs"), "{format}: there are no other inputs: {message}");
        }
    }

    #[test]
    fn threads_are_capped_with_a_word() {
        let output = run(&["scan", "--format", "ndjson", "-j", "100000", "samples/soap"]);
        assert_eq!(status(&output), 0);
        assert!(stderr(&output).contains("-j 100000 is more than"), "{}", stderr(&output));
        assert_eq!(output.stdout, run(&["scan", "--format", "ndjson", "-j", "1", "samples/soap"]).stdout);
    }

    #[test]
    fn max_payload_is_bounded_by_the_position_maps() {
        let over = run(&["scan", "--max-payload", "4294967296", "samples/soap"]);
        assert_eq!(status(&over), 2);
        assert!(stderr(&over).contains("--max-payload"), "{}", stderr(&over));
        assert_eq!(status(&run(&["scan", "--max-payload", "0", "samples/soap"])), 2);
        assert_eq!(status(&run(&["scan", "--max-payload", "2147483648", "samples/soap"])), 0);
    }

    #[test]
    fn short_help_fits_one_screen_and_long_help_says_more() {
        for sub in ["scan", "inspect", "explain", "completions", "man", "schema"] {
            let short = stdout(&run(&[sub, "-h"]));
            let long = stdout(&run(&[sub, "--help"]));
            assert!(short.lines().count() <= 45, "{sub} -h is {} lines", short.lines().count());
            assert!(long.len() > short.len(), "{sub}: --help adds the long forms");
        }
        assert!(stdout(&run(&["scan", "--help"])).contains("as ripgrep does"));
    }
}

mod schema {
    //! `ewsdiag schema` and the ndjson output agree: every line validates
    //! against the schema, reads into mirror types that refuse unknown keys,
    //! and has exactly the keys the schema lists for its type.

    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    #[serde(tag = "type", rename_all = "kebab-case")]
    #[allow(dead_code)]
    enum Line {
        Finding(Box<Finding>),
        Malformed(Malformed),
        Skipped(Skipped),
        Error(Unreadable),
        Summary(Summary),
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Finding {
        path: String,
        line: u64,
        column: u64,
        offset: u64,
        length: u64,
        shape: String,
        wrapping: String,
        encoding: String,
        class: Option<String>,
        code: String,
        inner_code: Option<String>,
        message: Option<String>,
        operation: Option<String>,
        details: BTreeMap<String, String>,
        mailbox: Option<String>,
        profile: Option<String>,
        time: Option<String>,
        time_text: Option<String>,
        event: u64,
        sheet: Option<String>,
        cell: Option<String>,
        truncated: bool,
        diagnosis: Option<Diagnosis>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Diagnosis {
        code: String,
        title: String,
        category: String,
        transient: String,
        causes: Vec<Cause>,
        also: Option<Reading>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Reading {
        code: String,
        title: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Cause {
        id: String,
        title: String,
        score: i32,
        evidence: Vec<String>,
        fix: Vec<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Malformed {
        path: String,
        line: u64,
        column: u64,
        offset: u64,
        length: u64,
        error_offset: u64,
        reason: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Skipped {
        path: String,
        reason: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Unreadable {
        path: String,
        message: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Summary {
        schema_version: u32,
        inputs: u64,
        bytes: u64,
        events: u64,
        findings: u64,
        errors: u64,
        warnings: u64,
        successes: u64,
        unclassed: u64,
        malformed: u64,
        filtered_out: u64,
        skipped: Vec<Note>,
        unreadable: Vec<Note>,
        left_out: LeftOut,
        root_causes: Vec<RootCause>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct LeftOut {
        ignored: u64,
        hidden: u64,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Note {
        path: String,
        reason: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct RootCause {
        id: String,
        title: String,
        codes: Vec<String>,
        mailboxes: Vec<String>,
        findings: u64,
        first_seen: Option<String>,
        last_seen: Option<String>,
        transient: String,
        confidence: String,
        evidence: Vec<String>,
        fix: Vec<String>,
        kb_code: Option<String>,
    }

    /// Every line type at least once: the samples (findings, a malformed
    /// payload), a walked binary file, a missing input, the summary.
    fn every_kind_of_line() -> Vec<serde_json::Value> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut blob = vec![0u8, 1, 2, 0, 0, 0];
        blob.extend_from_slice(FAULT.as_bytes());
        write(dir.path(), "walked/core.dump", &blob);
        let walked = dir.path().join("walked");
        let missing = dir.path().join("missing.log");
        let output = run(&[
            "scan",
            "--format",
            "ndjson",
            "samples",
            walked.to_str().unwrap(),
            missing.to_str().unwrap(),
        ]);
        let all = lines(&output);
        for kind in ["finding", "malformed", "skipped", "error", "summary"] {
            assert!(all.iter().any(|l| l["type"] == kind), "no {kind} line");
        }
        all
    }

    fn schema() -> serde_json::Value {
        let output = run(&["schema"]);
        assert_eq!(status(&output), 0);
        serde_json::from_slice(&output.stdout).expect("the schema is JSON")
    }

    #[test]
    fn ndjson_output_validates_against_the_printed_schema() {
        let schema = schema();
        let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
        for line in every_kind_of_line() {
            let errors: Vec<String> = validator.iter_errors(&line).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?} in {line}");
        }
    }

    #[test]
    fn every_line_reads_into_mirror_types_that_refuse_unknown_keys() {
        for line in every_kind_of_line() {
            if let Err(error) = serde_json::from_value::<Line>(line.clone()) {
                panic!("{error} in {line}");
            }
        }
    }

    #[test]
    fn each_line_has_exactly_the_keys_the_schema_lists_and_requires() {
        let schema = schema();
        let defs = &schema["$defs"];
        for line in every_kind_of_line() {
            let name = match line["type"].as_str().unwrap_or_default() {
                "finding" => "Finding",
                "malformed" => "Malformed",
                "skipped" => "Skipped",
                "error" => "Unreadable",
                "summary" => "Summary",
                other => panic!("unknown line type {other}"),
            };
            let listed: Vec<&str> = defs[name]["properties"]
                .as_object()
                .expect("properties")
                .keys()
                .map(String::as_str)
                .collect();
            let required: Vec<&str> = defs[name]["required"]
                .as_array()
                .expect("required")
                .iter()
                .filter_map(|k| k.as_str())
                .collect();
            let mut keys: Vec<&str> = line
                .as_object()
                .expect("an object")
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "type")
                .collect();
            keys.sort_unstable();
            let (mut listed, mut required) = (listed, required);
            listed.sort_unstable();
            required.sort_unstable();
            assert_eq!(keys, listed, "{name}");
            assert_eq!(required, listed, "{name}: every key is always written");
        }
    }

    #[test]
    fn the_json_document_holds_the_same_wire_types() {
        let mut schema = schema();
        let defs = schema["$defs"].clone();
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.log");
        let output = run(&["scan", "--format", "json", "samples", missing.to_str().unwrap()]);
        let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one document");
        for (part, def) in
            [("findings", "Finding"), ("malformed", "Malformed"), ("skipped", "Note"), ("unreadable", "Note")]
        {
            schema = serde_json::json!({ "$defs": defs, "$ref": format!("#/$defs/{def}") });
            let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
            let items = doc[part].as_array().expect("a list");
            for item in items {
                assert!(item.get("type").is_none(), "no tag inside the document: {item}");
                let errors: Vec<String> = validator.iter_errors(item).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{part}: {errors:?} in {item}");
            }
        }
        assert!(
            !doc["findings"].as_array().is_some_and(Vec::is_empty)
                && !doc["unreadable"].as_array().is_some_and(Vec::is_empty)
        );
        let summary = serde_json::json!({ "$defs": defs, "$ref": "#/$defs/Summary" });
        let validator = jsonschema::validator_for(&summary).expect("a valid JSON Schema");
        assert!(validator.is_valid(&doc["summary"]), "{}", doc["summary"]);
    }

    #[test]
    fn the_summary_line_carries_the_schema_version() {
        let output = run(&["scan", "--format", "ndjson", "samples/soap"]);
        assert_eq!(summary_line(&output)["schema_version"], 1);
        let text = stdout(&run(&["schema"]));
        assert!(text.contains("schema version 1"));
    }
}

mod segments {
    //! A large plain file is scanned in segments on several threads; the
    //! segments are put back together so that the output is exactly that of
    //! one scan from start to end: findings, lines, diagnoses, root causes.

    use ewsdiag::filter::Filter;
    use ewsdiag::run::RunConfig;
    use ewsdiag::scan::ScanConfig;

    use crate::support::run_ndjson as ndjson;

    #[test]
    fn output_set_aside_on_disk_is_reported_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let samples = ["samples/logs/server-mixed.log", "samples/trace/ews-client-trace.log"];
        for file in 0..6 {
            let mut text = String::new();
            // The first file is long: the others finish while it is reported.
            let rounds = if file == 0 { 300 } else { 20 + file };
            for round in 0..rounds {
                let sample = samples[(file + round) % samples.len()];
                text.push_str(&std::fs::read_to_string(sample).expect("sample"));
            }
            std::fs::write(dir.path().join(format!("export-{file}.log")), text).expect("write");
        }
        let paths = vec![dir.path().to_path_buf()];
        let one = RunConfig { paths: paths.clone(), threads: 1, ..RunConfig::default() };
        // A budget of 1 KiB: whatever a worker ahead writes is set aside.
        let ahead = RunConfig { paths, threads: 2, output_budget: 1 << 10, ..RunConfig::default() };
        let (one, ahead) = (ndjson(&one), ndjson(&ahead));
        assert!(one.len() > 100, "the files are full of findings");
        assert_eq!(ahead, one);
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

    #[test]
    fn a_filtered_file_split_into_segments_reads_as_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut text = String::new();
        for round in 0..60 {
            text.push_str(&std::fs::read_to_string("samples/alerts/alert-tokens.txt").expect("sample"));
            text.push_str(&format!("2026-11-20 09:{:02}:00 INFO  filler line {round}\n", round % 60));
        }
        let path = dir.path().join("big.log");
        std::fs::write(&path, &text).expect("write");
        let filter = Filter::default()
            .codes(&["ErrorServerBusy", "ErrorNonExistentMailbox"], ewsdiag::kb::knowledge_base())
            .mailboxes(&["priya nair"]);
        let scan = ScanConfig { filter, ..ScanConfig::default() };
        let whole =
            RunConfig { paths: vec![path.clone()], threads: 1, scan: scan.clone(), ..RunConfig::default() };
        let split =
            RunConfig { paths: vec![path], threads: 3, segment_len: 2 << 10, scan, ..RunConfig::default() };
        let (one, many) = (ndjson(&whole), ndjson(&split));
        let findings = one.iter().filter(|l| l["type"] == "finding").count();
        assert!(findings >= 60, "the filter keeps some: {findings}");
        assert!(one.iter().filter(|l| l["type"] == "finding").all(|l| l["mailbox"] == "Priya Nair"));
        assert_eq!(many, one, "the same findings and the same counts, filtered_out included");
        let summary = one.last().expect("a summary");
        assert!(summary["filtered_out"].as_u64().is_some_and(|n| n > 0), "{summary}");
    }

    #[test]
    fn max_count_counts_a_large_file_as_one_input() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = std::fs::read_to_string("samples/alerts/alert-tokens.txt").expect("sample").repeat(60);
        let path = dir.path().join("big.log");
        std::fs::write(&path, &text).expect("write");
        let scan = ScanConfig { filter: Filter::default().max_count(Some(7)), ..ScanConfig::default() };
        let split =
            RunConfig { paths: vec![path], threads: 3, segment_len: 2 << 10, scan, ..RunConfig::default() };
        let lines = ndjson(&split);
        assert_eq!(lines.iter().filter(|l| l["type"] == "finding").count(), 7);
        assert!(lines.last().is_some_and(|s| s["filtered_out"].as_u64().is_some_and(|n| n > 100)));
    }
}
