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
