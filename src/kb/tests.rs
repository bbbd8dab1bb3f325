//! Lookup and loading on a small, fixed knowledge base, so these hold whatever the
//! content writers are doing to `kb/`. The real data is checked in `tests/kb.rs`.

use super::*;

fn entry(code: &str, category: &str, aliases: &str) -> String {
    format!(
        r#"
code = "{code}"
title = "Something about {code}"
category = "{category}"
transient = "no"
aliases = [{aliases}]
meaning = "It means a thing."
references = ["A reference"]

[[causes]]
id = "first"
summary = "The first cause"
evidence = ["message~one"]
fix = ["Do one."]

[[causes]]
id = "second"
summary = "The second cause"
evidence = ["!http=401"]
fix = ["Do two.", "Then three."]
"#
    )
}

fn sample() -> KnowledgeBase {
    let busy = entry("ErrorServerBusy", "throttling/quota", "");
    let missing = entry("ErrorNonExistentMailbox", "mailbox-addressing", "");
    let isv = entry("IsvAborted", "sss/customization", r#""-2147220891", "Crm.80040265""#);
    let clash = entry("MailboxDisabled", "sss/configuration", r#""0x80040265""#);
    let broken = entry("ErrorAccessDenied", "nowhere", "");
    let files = [
        ("ews", "ErrorAccessDenied", broken.as_str()),
        ("ews", "ErrorNonExistentMailbox", missing.as_str()),
        ("ews", "ErrorServerBusy", busy.as_str()),
        ("sss", "IsvAborted", isv.as_str()),
        ("sss", "MailboxDisabled", clash.as_str()),
    ];
    let files: Vec<(&str, &str, &str)> = files.to_vec();
    KnowledgeBase::load(&files)
}

fn code_of<'a>(kb: &'a KnowledgeBase, query: &str) -> Option<&'a str> {
    kb.lookup(query).map(|e| e.code.as_str())
}

#[test]
fn every_spelling_finds_its_entry() {
    let kb = sample();
    for (query, code) in [
        ("ErrorServerBusy", "ErrorServerBusy"),
        ("errorserverbusy", "ErrorServerBusy"),
        ("serverbusy", "ErrorServerBusy"),
        ("363", "ErrorServerBusy"),
        ("NonExistentMailbox", "ErrorNonExistentMailbox"),
        ("-2147220891", "IsvAborted"),
        ("0x80040265", "IsvAborted"),
        ("80040265", "IsvAborted"),
        ("2147746405", "IsvAborted"),
        ("Crm.80040265.ISV code aborted the operation.", "IsvAborted"),
        ("isvaborted", "IsvAborted"),
    ] {
        assert_eq!(code_of(&kb, query), Some(code), "{query}");
    }
    assert_eq!(code_of(&kb, "8004026 5"), None);
    assert_eq!(code_of(&kb, "1"), None, "an ordinal with no entry");
}

#[test]
fn broken_entries_and_clashing_aliases_are_problems() {
    let kb = sample();
    let problems: Vec<String> = kb.problems().iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("kb/ews/ErrorAccessDenied.toml: category"));
    assert!(problems[1].starts_with("kb/sss/MailboxDisabled.toml: alias `0x80040265`"));
    assert!(kb.lookup("ErrorAccessDenied").is_none());
    assert_eq!(code_of(&kb, "MailboxDisabled"), Some("MailboxDisabled"));
}

#[test]
fn suggestions_are_near_and_few() {
    let kb = sample();
    assert_eq!(kb.suggest("ErrorNonExistantMailbox"), ["ErrorNonExistentMailbox"]);
    assert_eq!(kb.suggest("ServerBussy"), ["ErrorServerBusy"]);
    assert!(kb.suggest("completely different").is_empty());
}

#[test]
fn filters_pick_by_category_family_and_transience() {
    let kb = sample();
    let codes = |f: &ListFilter| -> Vec<&str> { kb.list(f).iter().map(|e| e.code.as_str()).collect() };
    let sss = ListFilter { category: Some("sss".into()), ..ListFilter::default() };
    assert_eq!(codes(&sss), ["IsvAborted", "MailboxDisabled"]);
    let quota = ListFilter { category: Some("Throttling/Quota".into()), transient: Some(Transient::No) };
    assert_eq!(codes(&quota), ["ErrorServerBusy"]);
    assert_eq!(kb.by_category("sss/configuration").count(), 1);
    assert!(is_category("throttling/quota") && is_category("sss"));
    assert!(!is_category("nope"));
    assert_eq!(parse_transient("Sometimes"), Some(Transient::Sometimes));
    assert_eq!(parse_transient("maybe"), None);
    assert!(kb.entries().iter().all(Entry::is_deep));
}

#[test]
fn a_name_ews_and_graph_share_is_suggested_once() {
    let kb = knowledge_base();
    let suggested = kb.suggest("ErrorItemNotFund");
    assert_eq!(suggested.first(), Some(&"ErrorItemNotFound"), "{suggested:?}");
    let mut unique = suggested.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), suggested.len(), "{suggested:?}");
}
