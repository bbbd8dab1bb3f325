//! The page for one fixed entry, whole, so a change to the layout shows up as a
//! readable diff.

use super::*;
use crate::kb::entry::{self, Source};

const BUSY: &str = r#"
code = "ErrorServerBusy"
title = "Exchange is too busy to serve the request right now"
category = "throttling/quota"
transient = "yes"
retirement = true
aliases = ["0x8004FFFF"]
meaning = """
The server refused the call to protect itself.

A second paragraph."""
references = ["EWS throttling in Exchange", "KB4514016"]

[[causes]]
id = "mailbox-throttled"
summary = "The account went over an EWS throttling budget"
detail = "Bulk work from one account."
evidence = ["detail:BackOffMilliseconds", "!http=401"]
fix = ["Wait for BackOffMilliseconds.", "Spread the work."]

[[causes]]
id = "server-load"
summary = "The server is overloaded"
fix = ["Retry later."]
"#;

fn busy() -> Entry {
    entry::parse(Source::Ews, "ErrorServerBusy", BUSY).unwrap()
}

#[test]
fn markdown_page() {
    let note = retirement_note();
    let expected = format!(
        "\
# ErrorServerBusy: Exchange is too busy to serve the request right now

The server refused the call to protect itself.

A second paragraph.

EWS ResponseCode · Category: throttling/quota · Transient: yes · ServiceError: 363 · Also known as: `0x8004FFFF`

> {note}

## Likely causes

1. The account went over an EWS throttling budget

   Bulk work from one account.

   Points to it: MessageXml carries BackOffMilliseconds.

   Points away from it: HTTP status 401 appears.

   Fix:
   - Wait for BackOffMilliseconds.
   - Spread the work.

2. The server is overloaded

   Fix:
   - Retry later.

## References

- EWS throttling in Exchange
- KB4514016
"
    );
    assert_eq!(to_markdown(&busy()), expected);
}

#[test]
fn terminal_page_wraps_and_styles_only_on_request() {
    let plain = to_terminal(&busy(), 40, false);
    assert!(!plain.contains('\x1b'));
    assert!(plain.lines().all(|l| l.chars().count() <= 40), "{plain}");
    assert!(plain.starts_with("ErrorServerBusy: Exchange is too busy to\nserve the request right now\n"));
    assert!(plain.contains("1. The account went over an EWS\n   throttling budget\n"));
    let note: Vec<&str> = plain.lines().filter_map(|l| l.strip_prefix("│ ")).collect();
    assert_eq!(note.join(" "), retirement_note(), "the note wraps behind its bar: {plain}");
    let styled = to_terminal(&busy(), 80, true);
    assert!(styled.starts_with("\x1b[1mErrorServerBusy"));
}

fn other(code: &str) -> Entry {
    let text = BUSY.replace("ErrorServerBusy", code).replace("Exchange is too busy", "Graph is too busy");
    entry::parse(Source::Graph, code, &text).unwrap()
}

#[test]
fn other_readings_are_noted_under_the_facts() {
    let (first, second) = (busy(), other("ErrorServerBusy"));
    let page = readings_to_markdown(&[&first, &second]);
    let facts = page.find("· ServiceError: 363").unwrap();
    let note = page
        .find("> Also a Microsoft Graph error: ErrorServerBusy (“Graph is too busy to serve the request right now”). See `ewsdiag explain graph:ErrorServerBusy`.")
        .unwrap();
    assert!(facts < note && note < page.find("## Likely causes").unwrap(), "{page}");
    let reversed = readings_to_markdown(&[&second, &first]);
    assert!(reversed.contains("> Read as an EWS ServiceError number (363): ErrorServerBusy"), "{reversed}");
    assert_eq!(readings_to_markdown(&[]), "");
}

#[test]
fn json_carries_the_entry_and_its_other_readings() {
    let (first, second) = (busy(), other("ErrorServerBusy"));
    let json: serde_json::Value =
        serde_json::from_str(&readings_to_json(&[&first, &second]).unwrap()).unwrap();
    assert_eq!(json["code"], "ErrorServerBusy");
    assert_eq!(json["source"], "ews");
    assert_eq!(json["service_error"], 363);
    assert_eq!(json["causes"][0]["evidence"][0], "detail:BackOffMilliseconds");
    assert_eq!(json["other_readings"][0]["id"], "graph:ErrorServerBusy");
    let list: serde_json::Value = serde_json::from_str(&list_to_json(&[&first, &second]).unwrap()).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert!(list[1].get("other_readings").is_none());
}

#[test]
fn list_lines_align() {
    let e = busy();
    let text = list(&[&e, &e]);
    assert_eq!(
        text.lines().next().unwrap(),
        "ErrorServerBusy  throttling/quota  yes        Exchange is too busy to serve the request right now"
    );
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn the_retirement_note_states_the_dates_of_kb_facts() {
    let note = retirement_note();
    assert!(!note.contains("{fact:"), "{note}");
    let facts = crate::kb::facts::facts().unwrap_or_else(|e| panic!("{e}"));
    for name in ["ews-licence-cutoff", "ews-opt-in-cutoff", "ews-shutdown"] {
        let date = facts.get(name).map_or("", String::as_str);
        assert!(!date.is_empty() && note.contains(date), "{name} = {date:?} missing from: {note}");
    }
}
