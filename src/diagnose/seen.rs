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
    by_mailbox: FxHashMap<String, FxHashMap<String, usize>>,
    /// Room to lower-case names in without allocating each time.
    scratch: (String, String),
    /// For counts that cover only the findings near the latest: how near, and
    /// each finding counted, oldest first.
    window: Option<(u64, VecDeque<Counted>)>,
}

/// A finding counted in a window: where it starts, and the keys (mailbox and
/// codes) it was counted under.
#[derive(Debug, Clone)]
struct Counted {
    start: u64,
    mailbox: String,
    codes: Vec<String>,
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
        let codes = match self.by_mailbox.get_mut(mailbox.as_str()) {
            Some(codes) => codes,
            None => self.by_mailbox.entry(mailbox.clone()).or_default(),
        };
        let inner = f.inner_code.as_deref().filter(|inner| !inner.eq_ignore_ascii_case(&f.code));
        let mut keys = Vec::new();
        for name in std::iter::once(f.code.as_str()).chain(inner) {
            fold_into(name, code);
            match codes.get_mut(code.as_str()) {
                Some(count) => *count += 1,
                None => {
                    codes.insert(code.clone(), 1);
                }
            }
            if self.window.is_some() {
                keys.push(code.clone());
            }
        }
        if let Some((_, counted)) = &mut self.window {
            counted.push_back(Counted { start: f.span.offset, mailbox: mailbox.clone(), codes: keys });
        }
    }

    /// Uncounts the findings that start too far before `offset`.
    fn forget_before(&mut self, offset: u64) {
        let Some((reach, counted)) = &mut self.window else { return };
        let floor = offset.saturating_sub(*reach);
        while counted.front().is_some_and(|c| c.start < floor) {
            let Some(Counted { mailbox, codes: keys, .. }) = counted.pop_front() else { break };
            let Some(codes) = self.by_mailbox.get_mut(&mailbox) else { continue };
            for key in keys {
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
        let Some(&count) = self.codes(finding.mailbox.as_deref()).and_then(|codes| codes.get(&fold(code)))
        else {
            return false;
        };
        let own = finding.code.eq_ignore_ascii_case(code)
            || finding.inner_code.as_deref().is_some_and(|inner| inner.eq_ignore_ascii_case(code));
        count > usize::from(own)
    }

    /// Has any finding for `mailbox` (`None`: findings with no mailbox) carried
    /// `code`?
    pub fn has(&self, mailbox: Option<&str>, code: &str) -> bool {
        self.codes(mailbox).is_some_and(|codes| codes.contains_key(&fold(code)))
    }

    fn codes(&self, mailbox: Option<&str>) -> Option<&FxHashMap<String, usize>> {
        self.by_mailbox.get(&fold(mailbox.unwrap_or_default()))
    }
}

/// Lower-cased.
fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Lower-cased into `out`, reusing its room.
fn fold_into(text: &str, out: &mut String) {
    out.clear();
    out.extend(text.chars().flat_map(char::to_lowercase));
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
    fn without_a_window_every_finding_counts() {
        let findings = [at("ErrorNonExistentMailbox", 0), at("ErrorInvalidOperation", 1 << 30)];
        let seen = MailboxCodes::from_findings(&findings);
        assert!(seen.seen_with(&findings[1], "ErrorNonExistentMailbox"));
    }
}
