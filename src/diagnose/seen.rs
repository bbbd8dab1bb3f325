//! Which codes each mailbox shows, for the `seen-with=CODE` signal.
//!
//! One error rarely tells the whole story: a mailbox that fails to receive with
//! ErrorNonExistentMailbox and to send with ErrorInvalidOperation is one problem,
//! not two. The set is built once per run so each finding's diagnosis can ask
//! about its neighbours without rescanning them.
//!
//! A scan diagnoses findings as it meets them, and asks only about the
//! findings of the last [`SEEN_REACH`] bytes before each: what a finding's
//! diagnosis says then depends on the text around it, never on how far into
//! the input a scan (or a segment of it) began. The run's correlation sees
//! every finding of a mailbox.

use std::collections::VecDeque;
use std::sync::Arc;

use rustc_hash::FxHashMap;

/// How far back, in bytes of one input, a scan looks for the other codes a
/// mailbox shows: an alert's neighbours, not the whole log.
pub const SEEN_REACH: u64 = 64 << 10;

use crate::model::Finding;

/// The codes (outer and inner) seen per mailbox, counted. Findings with no
/// mailbox share one group of their own.
#[derive(Debug, Clone, Default)]
pub struct MailboxCodes {
    /// Mailbox (lower-cased; empty for none) → lower-cased code → findings
    /// carrying it.
    by_mailbox: FxHashMap<Arc<str>, FxHashMap<Arc<str>, usize>>,
    /// Room to lower-case names in without allocating each time.
    scratch: (String, String),
    /// For counts that cover only the findings near the latest: how near, and
    /// each finding counted, oldest first.
    window: Option<(u64, VecDeque<Counted>)>,
}

/// A finding counted in a window: where it starts, and the keys (mailbox and
/// codes) it was counted under (shared with the maps, so counting one costs
/// no allocation once its mailbox and codes have been met).
#[derive(Debug, Clone)]
struct Counted {
    start: u64,
    mailbox: Arc<str>,
    codes: [Option<Arc<str>>; 2],
}

impl MailboxCodes {
    /// Counts the codes of every finding, grouped by mailbox.
    pub fn from_findings(findings: &[Finding]) -> MailboxCodes {
        let mut seen = MailboxCodes::default();
        for f in findings {
            seen.add(f);
        }
        seen
    }

    /// Counts that cover only the findings starting within `reach` bytes
    /// before the latest one added (see [`SEEN_REACH`]).
    pub fn within(reach: u64) -> MailboxCodes {
        MailboxCodes { window: Some((reach, VecDeque::new())), ..MailboxCodes::default() }
    }

    /// Counts one more finding, for a run that diagnoses findings as they come.
    /// (Called for every finding: without a window it allocates only for a
    /// mailbox or code it has not met before.)
    pub fn add(&mut self, f: &Finding) {
        self.forget_before(f.span.offset);
        let (mailbox, code) = &mut self.scratch;
        fold_into(f.mailbox.as_deref().unwrap_or_default(), mailbox);
        let mailbox_key = key_in(&self.by_mailbox, mailbox);
        let codes = self.by_mailbox.entry(Arc::clone(&mailbox_key)).or_default();
        let inner = f.inner_code.as_deref().filter(|inner| !inner.eq_ignore_ascii_case(&f.code));
        let mut keys = [None, None];
        for (slot, name) in keys.iter_mut().zip(std::iter::once(f.code.as_str()).chain(inner)) {
            fold_into(name, code);
            let code_key = key_in(codes, code);
            *codes.entry(Arc::clone(&code_key)).or_default() += 1;
            *slot = Some(code_key);
        }
        if let Some((_, counted)) = &mut self.window {
            counted.push_back(Counted { start: f.span.offset, mailbox: mailbox_key, codes: keys });
        }
    }

    /// Uncounts the findings that start too far before `offset`.
    fn forget_before(&mut self, offset: u64) {
        let Some((reach, counted)) = &mut self.window else { return };
        let floor = offset.saturating_sub(*reach);
        while counted.front().is_some_and(|c| c.start < floor) {
            let Some(Counted { mailbox, codes: keys, .. }) = counted.pop_front() else { break };
            let Some(codes) = self.by_mailbox.get_mut(&mailbox) else { continue };
            for key in keys.into_iter().flatten() {
                if let Some(count) = codes.get_mut(&key) {
                    *count -= 1;
                    if *count == 0 {
                        codes.remove(&key);
                    }
                }
            }
            if codes.is_empty() {
                self.by_mailbox.remove(&mailbox);
            }
        }
    }

    /// Does a finding *other than* `finding`, for the same mailbox, carry `code`
    /// (as its code or inner code, any case)?
    pub fn seen_with(&self, finding: &Finding, code: &str) -> bool {
        self.seen_with_each(finding, std::iter::once(code)) != 0
    }

    /// [`seen_with`](Self::seen_with) for each of `codes` (the first 64), one
    /// bit each in their order: the mailbox is looked up once for them all.
    /// A mailbox mostly shows few codes: then each asked is matched against
    /// them, rather than folded and hashed.
    pub fn seen_with_each<'a>(&self, finding: &Finding, codes: impl Iterator<Item = &'a str>) -> u64 {
        let mut asked = codes.take(64).peekable();
        if asked.peek().is_none() {
            return 0;
        }
        let own = |code: &str| {
            finding.code.eq_ignore_ascii_case(code)
                || finding.inner_code.as_deref().is_some_and(|inner| inner.eq_ignore_ascii_case(code))
        };
        self.codes(finding.mailbox.as_deref(), |known| {
            let mut bits = 0;
            for (i, code) in asked.enumerate() {
                // A known code is folded; an ASCII one matches a folded
                // code exactly when it matches it case aside.
                let count = if code.is_ascii() && known.len() <= FEW_CODES {
                    known.iter().find(|(k, _)| k.eq_ignore_ascii_case(code)).map(|(_, &count)| count)
                } else {
                    folded(code, |code| known.get(code).copied())
                };
                bits |= u64::from(count.unwrap_or(0) > usize::from(own(code))) << i;
            }
            bits
        })
        .unwrap_or(0)
    }

    /// Has any finding for `mailbox` (`None`: findings with no mailbox) carried
    /// `code`?
    pub fn has(&self, mailbox: Option<&str>, code: &str) -> bool {
        self.codes(mailbox, |codes| folded(code, |code| codes.contains_key(code))).unwrap_or(false)
    }

    /// `then` applied to the codes of `mailbox`, if it has any.
    fn codes<T>(
        &self,
        mailbox: Option<&str>,
        then: impl FnOnce(&FxHashMap<Arc<str>, usize>) -> T,
    ) -> Option<T> {
        folded(mailbox.unwrap_or_default(), |mailbox| self.by_mailbox.get(mailbox).map(then))
    }
}

/// At most how many codes a mailbox shows for [`MailboxCodes::seen_with_each`]
/// to match them one by one.
const FEW_CODES: usize = 8;

/// The key of `map` equal to `text`, shared, or a new one.
fn key_in<V>(map: &FxHashMap<Arc<str>, V>, text: &str) -> Arc<str> {
    map.get_key_value(text).map_or_else(|| Arc::from(text), |(key, _)| Arc::clone(key))
}

/// `then` applied to `text` lower-cased: in room on the stack when it is
/// short ASCII (every code and most mailboxes), so a look-up allocates nothing.
fn folded<T>(text: &str, then: impl FnOnce(&str) -> T) -> T {
    let mut room = [0u8; 96];
    if text.is_ascii() && text.len() <= room.len() {
        let room = &mut room[..text.len()];
        room.copy_from_slice(text.as_bytes());
        room.make_ascii_lowercase();
        if let Ok(lower) = std::str::from_utf8(room) {
            return then(lower);
        }
    }
    then(&text.to_lowercase())
}

/// Lower-cased into `out`, reusing its room.
fn fold_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Shape;

    fn at(code: &str, offset: u64) -> Finding {
        let mut f = Finding::new(Shape::Alert, code);
        f.mailbox = Some("Quinn Park".into());
        f.span.offset = offset;
        f
    }

    #[test]
    fn a_window_counts_only_the_findings_within_reach_of_the_latest() {
        let mut seen = MailboxCodes::within(100);
        seen.add(&at("ErrorNonExistentMailbox", 0));
        let near = at("ErrorInvalidOperation", 100);
        seen.add(&near);
        assert!(seen.seen_with(&near, "ErrorNonExistentMailbox"));
        let far = at("ErrorInvalidOperation", 101);
        seen.add(&far);
        assert!(!seen.seen_with(&far, "ErrorNonExistentMailbox"), "0 is more than 100 bytes before 101");
        assert!(seen.seen_with(&far, "ErrorInvalidOperation"), "the one at 100 is near");
        assert!(!seen.has(Some("quinn park"), "errornonexistentmailbox"));
    }

    #[test]
    fn each_code_asked_at_once_gets_its_own_bit_in_order() {
        let findings =
            [at("ErrorNonExistentMailbox", 0), at("ErrorInvalidOperation", 1), at("ErrorServerBusy", 2)];
        let seen = MailboxCodes::from_findings(&findings);
        let asked =
            ["errorserverbusy", "ErrorAccessDenied", "ERRORNONEXISTENTMAILBOX", "ErrorInvalidOperation"];
        let bits = seen.seen_with_each(&findings[1], asked.into_iter());
        assert_eq!(bits, 0b0101, "its own code is no neighbour, and an unseen one is none");
        for (i, code) in asked.iter().enumerate() {
            assert_eq!(bits >> i & 1 == 1, seen.seen_with(&findings[1], code), "{code}");
        }
        let elsewhere = Finding { mailbox: Some("Ana".into()), ..at("ErrorServerBusy", 3) };
        assert_eq!(seen.seen_with_each(&elsewhere, asked.into_iter()), 0, "another mailbox shows nothing");
        let mut many = findings.to_vec();
        many.extend((0..FEW_CODES).map(|i| at(&format!("ErrorOther{i}"), 10 + i as u64)));
        let seen = MailboxCodes::from_findings(&many);
        assert_eq!(seen.seen_with_each(&many[1], asked.into_iter()), 0b0101, "a mailbox of many codes alike");
    }

    #[test]
    fn without_a_window_every_finding_counts() {
        let findings = [at("ErrorNonExistentMailbox", 0), at("ErrorInvalidOperation", 1 << 30)];
        let seen = MailboxCodes::from_findings(&findings);
        assert!(seen.seen_with(&findings[1], "ErrorNonExistentMailbox"));
    }
}
