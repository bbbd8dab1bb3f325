//! Which codes each mailbox shows, for the `seen-with=CODE` signal.
//!
//! One error rarely tells the whole story: a mailbox that fails to receive with
//! ErrorNonExistentMailbox and to send with ErrorInvalidOperation is one problem,
//! not two. The set is built once per run so each finding's diagnosis can ask
//! about its neighbours without rescanning them.

use std::collections::HashMap;

use crate::model::Finding;

/// The codes (outer and inner) seen per mailbox, counted. Findings with no
/// mailbox share one group of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxCodes {
    /// Mailbox (lower-cased, `None` for none) → lower-cased code → findings
    /// carrying it.
    by_mailbox: HashMap<Option<String>, HashMap<String, usize>>,
}

impl MailboxCodes {
    /// Counts the codes of every finding, grouped by mailbox.
    pub fn from_findings(findings: &[Finding]) -> MailboxCodes {
        let mut seen = MailboxCodes::default();
        for f in findings {
            let codes = seen.by_mailbox.entry(mailbox_key(f)).or_default();
            for code in codes_of(f) {
                *codes.entry(code).or_default() += 1;
            }
        }
        seen
    }

    /// Counts one more finding, for a run that diagnoses findings as they come.
    pub fn add(&mut self, f: &Finding) {
        let codes = self.by_mailbox.entry(mailbox_key(f)).or_default();
        for code in codes_of(f) {
            *codes.entry(code).or_default() += 1;
        }
    }

    /// Does a finding *other than* `finding`, for the same mailbox, carry `code`
    /// (as its code or inner code, any case)?
    pub fn seen_with(&self, finding: &Finding, code: &str) -> bool {
        let code = code.to_lowercase();
        let Some(&count) = self.by_mailbox.get(&mailbox_key(finding)).and_then(|codes| codes.get(&code))
        else {
            return false;
        };
        let own = usize::from(codes_of(finding).contains(&code));
        count > own
    }

    /// Has any finding for `mailbox` (`None`: findings with no mailbox) carried
    /// `code`?
    pub fn has(&self, mailbox: Option<&str>, code: &str) -> bool {
        self.by_mailbox
            .get(&mailbox.map(str::to_lowercase))
            .is_some_and(|codes| codes.contains_key(&code.to_lowercase()))
    }
}

fn mailbox_key(f: &Finding) -> Option<String> {
    f.mailbox.as_deref().map(str::to_lowercase)
}

/// The code and the inner code, once each, lower-cased.
fn codes_of(f: &Finding) -> Vec<String> {
    let mut codes = vec![f.code.to_lowercase()];
    if let Some(inner) = &f.inner_code {
        let inner = inner.to_lowercase();
        if !codes.contains(&inner) {
            codes.push(inner);
        }
    }
    codes
}
