//! Which codes each mailbox shows, for the `seen-with=CODE` signal.
//!
//! One error rarely tells the whole story: a mailbox that fails to receive with
//! ErrorNonExistentMailbox and to send with ErrorInvalidOperation is one problem,
//! not two. The set is built once per run so each finding's diagnosis can ask
//! about its neighbours without rescanning them.

use rustc_hash::FxHashMap;

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

    /// Counts one more finding, for a run that diagnoses findings as they come.
    /// (Called for every finding: it allocates only for a mailbox or code it
    /// has not met before.)
    pub fn add(&mut self, f: &Finding) {
        let (mailbox, code) = &mut self.scratch;
        fold_into(f.mailbox.as_deref().unwrap_or_default(), mailbox);
        let codes = match self.by_mailbox.get_mut(mailbox.as_str()) {
            Some(codes) => codes,
            None => self.by_mailbox.entry(mailbox.clone()).or_default(),
        };
        let inner = f.inner_code.as_deref().filter(|inner| !inner.eq_ignore_ascii_case(&f.code));
        for name in std::iter::once(f.code.as_str()).chain(inner) {
            fold_into(name, code);
            match codes.get_mut(code.as_str()) {
                Some(count) => *count += 1,
                None => {
                    codes.insert(code.clone(), 1);
                }
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
