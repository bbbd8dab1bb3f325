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
    let expected = "\
# ErrorServerBusy: Exchange is too busy to serve the request right now

The server refused the call to protect itself.

A second paragraph.

EWS ResponseCode · Category: throttling/quota · Transient: yes · ServiceError: 363 · Also known as: `0x8004FFFF`

> EWS is being retired in Exchange Online. Mailboxes with only Kiosk, F1 or F3 licences are refused from 30 June 2026; on 1 October 2026 tenants that have not chosen to keep EWS are blocked; on 1 April 2027 EWS is removed from Exchange Online for good. Exchange Server on premises is not affected.

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
";
    assert_eq!(to_markdown(&busy()), expected);
}

#[test]
fn terminal_page_wraps_and_styles_only_on_request() {
    let plain = to_terminal(&busy(), 40, false);
    assert!(!plain.contains('\x1b'));
    assert!(plain.lines().all(|l| l.chars().count() <= 40), "{plain}");
    assert!(plain.starts_with("ErrorServerBusy: Exchange is too busy to\nserve the request right now\n"));
    assert!(plain.contains("1. The account went over an EWS\n   throttling budget\n"));
    assert!(plain.contains("\n│ June 2026; on 1 October 2026 tenants\n"), "{plain}");
    let styled = to_terminal(&busy(), 80, true);
    assert!(styled.starts_with("\x1b[1mErrorServerBusy"));
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
