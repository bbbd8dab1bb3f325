//! `ewsdiag explain`, run as a user would with stdout piped: Markdown out, exit
//! 2 with a suggestion for an unknown code, `--list` filtered and checked.
//!
//! That every listed code has a page is checked in `tests/kb.rs` through the
//! library, rather than by starting the binary 537 times here.

use std::process::{Command, Output};

fn explain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .arg("explain")
        .args(args)
        .env_remove("NO_COLOR")
        .env("COLUMNS", "80")
        .output()
        .unwrap()
}

/// The columns of a `--list` line: separated by two or more spaces, since a
/// code (`HTTP 429`) or a title may hold single ones.
fn columns(line: &str) -> Vec<&str> {
    line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn a_code_prints_its_markdown_page() {
    let out = explain(&["ErrorServerBusy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.starts_with("# ErrorServerBusy: "), "{page}");
    assert!(page.contains("\n## Likely causes\n"), "{page}");
    assert!(page.contains("\n## References\n"), "{page}");
    assert!(!page.contains('\x1b'), "no styling into a pipe");
}

#[test]
fn convenience_spellings_find_the_page() {
    for (query, heading) in [
        ("serverbusy", "# ErrorServerBusy: "),
        ("363", "# ErrorServerBusy: "),
        ("0x80040265", "# IsvAborted: "),
    ] {
        let out = explain(&[query]);
        assert_eq!(out.status.code(), Some(0), "{query}: {}", stderr(&out));
        assert!(stdout(&out).starts_with(heading), "{query}");
    }
}

#[test]
fn an_unknown_code_suggests_the_nearest_and_exits_2() {
    let out = explain(&["ErrorNonExistantMailbox"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("error: unknown code `ErrorNonExistantMailbox`"), "{err}");
    assert!(err.contains("help: did you mean ErrorNonExistentMailbox"), "{err}");
}

#[test]
fn list_filters_by_category() {
    let out = explain(&["--list", "--category", "throttling/quota"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("ErrorServerBusy ")), "{text}");
    for line in text.lines() {
        assert_eq!(columns(line).get(1), Some(&"throttling/quota"), "{line}");
    }
}

#[test]
fn list_refuses_a_bad_filter_value() {
    let out = explain(&["--list", "--transient", "maybe"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("yes, no or sometimes"), "{}", stderr(&out));
    let out = explain(&["--list", "--category", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown category `nowhere`"));
}

#[test]
fn list_with_transient_shows_only_that_kind() {
    let out = explain(&["--list", "--transient", "yes"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(!text.is_empty());
    assert!(text.lines().all(|l| columns(l).get(2) == Some(&"yes")), "{text}");
}

#[test]
fn a_number_leads_with_its_http_meaning_and_notes_the_service_error() {
    let out = explain(&["401"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.starts_with("# Unauthorized: ") && page.contains("(HTTP 401)"), "{page}");
    assert!(
        page.contains("> Read as an EWS ServiceError number (401): ErrorUpdateDelegatesFailed"),
        "the ordinal reading is kept: {page}"
    );
    let out = explain(&["500"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("# HTTP 500: "));
    for status in ["400", "403", "404", "408", "413", "429", "502", "503", "504"] {
        let out = explain(&[status]);
        assert_eq!(out.status.code(), Some(0), "{status}: {}", stderr(&out));
        assert!(stdout(&out).lines().next().unwrap().contains(status), "{status}: {}", stdout(&out));
    }
}

#[test]
fn a_negative_hresult_is_a_code_not_a_flag() {
    let out = explain(&["-2147220891"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("# IsvAborted: "));
}

#[test]
fn json_prints_the_entry_data() {
    let out = explain(&["ErrorAccessDenied", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["code"], "ErrorAccessDenied");
    assert_eq!(json["source"], "ews");
    assert_eq!(json["service_error"], 1);
    assert!(json["causes"].as_array().is_some_and(|c| c.len() >= 2));
    assert!(json["references"].as_array().is_some_and(|r| !r.is_empty()));
    assert_eq!(json["other_readings"][0]["id"], "graph:ErrorAccessDenied");

    let out = explain(&["--list", "--category", "symptom", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = list.as_array().unwrap().iter().filter_map(|e| e["code"].as_str()).collect();
    assert_eq!(codes, ["CasesNotCreated", "EmailsNotTracked"]);
}

#[test]
fn a_pasted_alert_line_finds_its_code() {
    let out = explain(&["Exchange.server returned 363 error."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("# ErrorServerBusy: "));
    assert!(
        stderr(&out).contains("note: the text carries `363`, read as ErrorServerBusy"),
        "{}",
        stderr(&out)
    );

    let out = explain(&["AADSTS7000222: The provided client secret keys for app '1234' are expired."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("# AADSTS7000222: "));

    let out =
        explain(&[r#"{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled."}}"#]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Microsoft Graph refused"), "a Graph error gets Graph's page");
    assert!(stderr(&out).contains("read as graph:ErrorAccessDenied"), "{}", stderr(&out));

    let out = explain(&["nothing known in this sentence"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ewsdiag inspect"), "{}", stderr(&out));
}

#[test]
fn category_alone_lists_and_a_code_with_list_is_refused() {
    let out = explain(&["--category", "symptom"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("EmailsNotTracked ")), "{text}");
    assert!(text.lines().all(|l| columns(l).get(1) == Some(&"symptom")), "{text}");
    let out = explain(&["--category", "graph"]);
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("graph:ErrorAccessDenied ")), "{text}");
    assert!(text.lines().all(|l| l.starts_with("graph:")), "{text}");

    let out = explain(&["ErrorServerBusy", "--list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("--list") && err.contains("cannot be used with"), "{err}");
}

#[test]
fn every_code_issue_13_names_is_explained() {
    for query in [
        "UnknownIncomingEmailIntegrationError",
        "ApplicationThrottled",
        "InvalidAuthenticationToken",
        "Authorization_RequestDenied",
        "ErrorInvalidUser",
        "ResourceNotFound",
        "graph:ErrorAccessDenied",
        "graph:ErrorItemNotFound",
        "MailboxNotEnabledForRESTAPI",
        "AADSTS700016",
        "AADSTS7000215",
        "AADSTS7000222",
        "AADSTS65001",
        "AADSTS53003",
        "AADSTS50076",
        "AADSTS90002",
        "emails not tracked",
        "cases not created",
    ] {
        let out = explain(&[query]);
        assert_eq!(out.status.code(), Some(0), "{query}: {}", stderr(&out));
        assert!(stdout(&out).starts_with("# "), "{query}");
    }
}

#[test]
fn version_names_the_knowledge_base_date() {
    let out = Command::new(env!("CARGO_BIN_EXE_ewsdiag")).arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains(&format!("knowledge base {}", ewsdiag::kb::date())), "{text}");
}
