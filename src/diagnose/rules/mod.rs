//! Correlation rules: patterns across one mailbox's findings that say more
//! than any single finding does.
//!
//! Each rule is a plain function from the mailbox's not-yet-explained findings
//! to an optional [`Claim`]. They run in [`RULES`] order and each sees only what
//! the ones before it left, so a finding is explained once, by the most
//! specific rule that fits. Wording is kept short and factual; the generic
//! knowledge-base fallback lives in `correlate`.
//!
//! `setup` holds the rules about how a mailbox is set up (address, profile,
//! license); `service` those about how Exchange is behaving (throttling, the EWS
//! retirement, errors that keep coming back).

mod service;
mod setup;

use crate::kb::KnowledgeBase;
use crate::model::Finding;

use super::resolve;
use super::root::{RootCause, Verdict};
use super::signals::contains_ci;

/// The not-yet-explained findings of one mailbox, in input order.
pub(crate) struct Group<'a> {
    /// The mailbox as first written, `None` for findings that name none.
    pub mailbox: Option<&'a str>,
    pub findings: Vec<&'a Finding>,
}

/// A rule's conclusion and the findings (indices into [`Group::findings`]) it
/// explains.
pub(crate) struct Claim {
    pub verdict: Verdict,
    pub taken: Vec<usize>,
}

type Rule = fn(&Group<'_>, &KnowledgeBase) -> Option<Claim>;

/// Most specific first.
pub(crate) const RULES: &[Rule] = &[
    setup::not_a_mailbox,
    setup::hybrid_profile_401,
    setup::invalid_license,
    service::throttled,
    service::ews_retirement,
    service::transient_repeats,
];

/// The id of the EWS retirement rule, whose reach across mailboxes is itself
/// evidence.
pub(super) const EWS_RETIREMENT: &str = "ews-retirement-403";

impl Group<'_> {
    pub(super) fn indices(&self, keep: impl Fn(&Finding) -> bool) -> Vec<usize> {
        (0..self.findings.len()).filter(|&i| keep(self.findings[i])).collect()
    }

    pub(super) fn pick(&self, taken: &[usize]) -> impl Iterator<Item = &Finding> {
        taken.iter().filter_map(|&i| self.findings.get(i).copied())
    }
}

/// Does the finding resolve to the knowledge-base entry `code`?
pub(super) fn is(f: &Finding, kb: &KnowledgeBase, code: &str) -> bool {
    resolve(f, kb).is_some_and(|e| e.code.eq_ignore_ascii_case(code))
}

pub(super) fn on_premises_profile(name: &str) -> bool {
    ["hybrid", "on-prem", "on prem", "onprem", "exchange server"].iter().any(|w| contains_ci(name, w))
}

pub(super) fn online_profile(name: &str) -> bool {
    !on_premises_profile(name)
        && ["online", "office 365", "microsoft 365"].iter().any(|w| contains_ci(name, w))
}

pub(super) fn first_profile<'a>(findings: impl Iterator<Item = &'a Finding>) -> Option<&'a str> {
    findings.filter_map(|f| f.profile.as_deref()).next()
}

pub(super) fn plural(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

pub(super) fn claim(taken: Vec<usize>, verdict: Verdict) -> Option<Claim> {
    Some(Claim { verdict, taken })
}

pub(super) fn steps(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| (*s).to_owned()).collect()
}

/// Evidence only the whole run can give: a 403 across several mailboxes points
/// at the tenant rather than one mailbox's settings.
pub(crate) fn finish(root: &mut RootCause) {
    if root.id == EWS_RETIREMENT && root.mailboxes.len() >= 2 {
        root.evidence.push(format!(
            "{} mailboxes are refused the same way: a tenant-wide block is likelier than one mailbox's setting",
            root.mailboxes.len()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_wording() {
        assert!(on_premises_profile("Fabrikam Exchange Server (Hybrid)"));
        assert!(online_profile("Contoso Exchange Online"));
        assert!(!online_profile("Exchange Online (Hybrid)"));
    }
}
