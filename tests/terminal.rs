//! Nothing from a log drives the terminal: control and bidirectional
//! characters that come in through messages, codes, mailbox names, entities
//! and file names are shown as visible escapes by every terminal renderer
//! (human, summary, inspect, narrated or not), while the machine formats keep
//! the exact text, escaped by JSON's rules.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ewsdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100")
        .output()
        .expect("ewsdiag runs")
}

/// One of each thing a terminal acts on, with the escape it must show as.
const HOSTILE: &[(&str, &str)] = &[
    ("\u{1b}]0;owned\u{7}", "\\e]0;owned\\u{7}"),
    ("\u{1b}]8;;https://contoso.example/\u{1b}\\", "\\e]8;;https://contoso.example/\\e\\"),
    ("\u{1b}[2J", "\\e[2J"),
    ("\u{9b}31m", "\\u{9b}31m"),
    ("\u{202e}evil", "\\u{202e}evil"),
    ("back\u{8}space", "back\\u{8}space"),
    ("over\rwrite", "over\\rwrite"),
];

/// Output a terminal can show without acting on any of it: no control but
/// line breaks (and a CR before one), no bidirectional formatting.
fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    // The renderer's own colours are the only escapes allowed.
    let text = if what.contains("always") { without_colours(&text) } else { text.into_owned() };
    let bad: Vec<(usize, char)> = text
        .char_indices()
        .filter(|&(i, c)| {
            let crlf = c == '\r' && text[i + 1..].starts_with('\n');
            (c.is_control() && c != '\n' && c != '\t' && !crlf)
                || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in\n{text}");
}

/// `text` without SGR sequences (`ESC [ … m`), the colours a renderer adds.
fn without_colours(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        let params = tail.bytes().take_while(|b| b.is_ascii_digit() || *b == b';').count();
        if tail.as_bytes().get(params) == Some(&b'm') {
            rest = &tail[params + 1..];
        } else {
            out.push_str(&rest[at..at + 2]);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the input");
    path
}

fn response(message: &str, code: &str) -> String {
    format!(
        "<m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>{message}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode></m:GetItemResponseMessage>\n"
    )
}

fn alert(mailbox: &str) -> String {
    format!(
        "An unknown error occurred while receiving email through the mailbox \"{mailbox}\". Email Server Error Code: Exchange server returned ErrorMailboxStoreUnavailable exception.\n"
    )
}

/// Every terminal view of `path`: human plain and narrated, the summary,
/// and inspect.
fn terminal_views(path: &Path) -> Vec<(String, Output)> {
    let p = path.to_str().expect("a UTF-8 test path");
    [
        vec!["scan", "--format", "human", "--color", "never", p],
        vec!["scan", "--format", "human", "--color", "always", p],
        vec!["scan", "--format", "human", "--narrate", p],
        vec!["scan", "--format", "summary", "--color", "never", p],
        vec!["inspect", "--color", "never", p],
    ]
    .into_iter()
    .map(|args| (args.join(" "), ewsdiag(&args)))
    .collect()
}

fn check_all_views(path: &Path, want: &[&str]) {
    for (what, output) in terminal_views(path) {
        assert_inert(&what, &output.stdout);
        assert_inert(&what, &output.stderr);
        let text = String::from_utf8_lossy(&output.stdout);
        if what.contains("human") || what.contains("inspect") {
            for escape in want {
                assert!(text.contains(escape), "{what}: no `{escape}` in\n{text}");
            }
        }
    }
}

#[test]
fn controls_in_messages_are_shown_as_escapes() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (raw, shown) in HOSTILE {
        let path =
            write(dir.path(), "message.log", &response(&format!("Item gone {raw} now"), "ErrorItemNotFound"));
        check_all_views(&path, &[shown]);
    }
}

#[test]
fn an_escape_written_as_an_entity_stays_inert_once_decoded() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = write(dir.path(), "entity.log", &response("Title &#27;]0;owned&#7; set", "ErrorItemNotFound"));
    check_all_views(&path, &[]);
    // The entities were decoded: the exact text is there for machines.
    let output = ewsdiag(&["scan", "--format", "ndjson", path.to_str().unwrap_or_default()]);
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let finding: serde_json::Value =
        serde_json::from_str(text.lines().next().unwrap_or_default()).expect("JSON");
    assert_eq!(finding["message"], "Title \u{1b}]0;owned\u{7} set");
}

#[test]
fn controls_in_codes_are_shown_as_escapes() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (raw, shown) in HOSTILE {
        let path = write(dir.path(), "code.log", &response("Item gone", &format!("ErrorItemNotFound{raw}")));
        check_all_views(&path, &[shown]);
    }
}

#[test]
fn controls_in_mailbox_names_are_shown_as_escapes() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // A mailbox name is quoted text on one line without a backslash (the
    // hyperlink's terminator has one).
    for (raw, shown) in HOSTILE.iter().filter(|(raw, _)| !raw.contains(['\\', '\r'])) {
        let path = write(dir.path(), "mailbox.log", &alert(&format!("Dana {raw} Okafor")));
        check_all_views(&path, &[shown]);
        let summary =
            ewsdiag(&["scan", "--format", "summary", "--color", "never", path.to_str().unwrap_or_default()]);
        let text = String::from_utf8_lossy(&summary.stdout);
        assert!(text.contains(shown), "the summary names the mailbox as `{shown}`:\n{text}");
    }
}

#[test]
fn controls_in_file_names_are_shown_as_escapes() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (raw, shown) in HOSTILE.iter().filter(|(raw, _)| !raw.contains('/')) {
        let path = write(dir.path(), &format!("log{raw}.txt"), &response("Item gone", "ErrorItemNotFound"));
        check_all_views(&path, &[shown]);
        // An unreadable input is named safely too.
        let missing = dir.path().join(format!("missing{raw}.log"));
        let output = ewsdiag(&["scan", "--format", "human", missing.to_str().unwrap_or_default()]);
        assert_inert("unreadable", &output.stderr);
        assert_inert("unreadable", &output.stdout);
    }
}

#[test]
fn machine_formats_keep_the_exact_text() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path =
        write(dir.path(), "exact.log", &response("Item gone \u{1b}[2J \u{202e} now", "ErrorItemNotFound"));
    let output = ewsdiag(&["scan", "--format", "ndjson", path.to_str().unwrap_or_default()]);
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(!text.contains('\u{1b}'), "JSON escapes the control itself");
    let finding: serde_json::Value =
        text.lines().map(|l| serde_json::from_str(l).expect("JSON")).next().expect("a finding line");
    assert_eq!(finding["message"], "Item gone \u{1b}[2J \u{202e} now");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_printed_with_its_bytes_escaped() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(OsStr::from_bytes(b"Bo\xeete.log"));
    std::fs::write(&path, response("Item gone", "ErrorItemNotFound")).expect("write the input");
    let output = Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .arg("scan")
        .arg("--format")
        .arg("ndjson")
        .arg(&path)
        .output()
        .expect("ewsdiag runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let finding: serde_json::Value =
        serde_json::from_str(text.lines().next().unwrap_or_default()).expect("JSON");
    let shown = finding["path"].as_str().unwrap_or_default();
    assert!(shown.ends_with("Bo\\xeete.log"), "{shown}");
    // Scanning the folder names it the same way.
    let output = Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .args(["scan", "--format", "human", "--color", "never"])
        .arg(dir.path())
        .output()
        .expect("ewsdiag runs");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Bo\\xeete.log"));
}

#[test]
fn source_snippets_fit_columns_counting_wide_characters_twice() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let message =
        "\u{540c}\u{671f}\u{30a8}\u{30e9}\u{30fc}\u{304c}\u{767a}\u{751f}\u{3057}\u{307e}\u{3057}\u{305f}"
            .repeat(8);
    let path = write(dir.path(), "cjk.log", &response(&message, "ErrorItemNotFound"));
    for columns in ["60", "100"] {
        let output = Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
            .args(["scan", "--format", "human", "--color", "never"])
            .arg(&path)
            .env("COLUMNS", columns)
            .output()
            .expect("ewsdiag runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let limit: usize = columns.parse().expect("a number");
        let wide = |c: char| matches!(c, '\u{3000}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}');
        for line in text.lines().filter(|l| l.contains('\u{540c}') || l.contains('\u{30a8}')) {
            let width: usize = line.chars().map(|c| if wide(c) { 2 } else { 1 }).sum();
            assert!(width <= limit, "{width} columns at COLUMNS={columns}: {line}");
        }
    }
}
