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
//!
//! What a rule says is knowledge-base data, `kb/rules/<rule id>.toml`: its
//! titles, evidence phrases and fix steps by name. Each [`Rule`] lists the
//! phrases it says and the placeholders it fills in each, so `tests/kb.rs` can
//! check the file and the code agree.

mod service;
mod setup;

use crate::kb::{KnowledgeBase, Part, RuleText, Says};
use crate::model::{Clue, Finding, thousands};

use super::root::Verdict;
use super::signals::contains_ci;
use super::tally::Bucket;
use crate::model::RootCause;

/// The not-yet-explained findings of one mailbox, counted by kind, in order
/// of first appearance.
pub(crate) struct Group<'a> {
    /// The mailbox as first written, `None` for findings that name none.
    pub mailbox: Option<&'a str>,
    pub buckets: Vec<&'a Bucket>,
}

/// A rule's conclusion and the buckets (indices into [`Group::buckets`]) it
/// explains.
pub(crate) struct Claim {
    pub verdict: Verdict,
    pub taken: Vec<usize>,
}

/// The phrases rules look for in a finding's texts, as a set of bits, so that
/// findings can be counted together without keeping their texts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Flags(u8);

/// Phrases the rules read, each with its bit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Phrase {
    /// The message says SendOnly cannot be used without a mailbox.
    SendOnly = 0,
    /// The message mentions a distribution group.
    DistributionGroup,
    /// The message mentions a secure connection.
    SecureConnection,
    /// The message, or the inner message, says the license is missing.
    NoValidLicense,
    /// The message, or the inner message, says the license is invalid.
    InvalidLicense,
    /// The message or a detail names Exchange Online or office365.com.
    Cloud,
    /// Exchange Online said why it refused EWS (`X-EWS-Policy-Reason`).
    PolicyReason,
}

/// What the SendOnly message says.
pub(super) const SEND_ONLY: &str = "SendOnly cannot be used by a user without a mailbox";
/// The header Exchange Online gives its reason for refusing EWS in.
const POLICY_REASON: &str = "X-EWS-Policy-Reason";
/// Words of the license messages, in [`Phrase`] order.
pub(super) const LICENSE_WORDS: [&str; 2] = ["doesn't have a valid license", "license is invalid"];

impl Flags {
    /// The phrases `f`'s message and details hold.
    pub(crate) fn of(f: &Finding) -> Flags {
        let message = f.message.as_deref().unwrap_or_default();
        let inner = f.details.get("InnerErrorMessageText").map_or("", String::as_str);
        let either = |w: &str| contains_ci(message, w) || contains_ci(inner, w);
        let cloud = |s: &str| contains_ci(s, "office365.com") || contains_ci(s, "exchange online");
        let mut flags = Flags::default();
        for (phrase, holds) in [
            (Phrase::SendOnly, contains_ci(message, SEND_ONLY)),
            (Phrase::DistributionGroup, contains_ci(message, "distribution group")),
            (Phrase::SecureConnection, contains_ci(message, "secure connection")),
            (Phrase::NoValidLicense, either(LICENSE_WORDS[0])),
            (Phrase::InvalidLicense, either(LICENSE_WORDS[1])),
            (Phrase::Cloud, cloud(message) || f.details.values().any(|v| cloud(v))),
            (
                Phrase::PolicyReason,
                contains_ci(message, POLICY_REASON)
                    || f.details.keys().any(|k| k.eq_ignore_ascii_case(POLICY_REASON)),
            ),
        ] {
            if holds {
                flags.0 |= 1 << phrase as u8;
            }
        }
        flags
    }

    pub(crate) fn has(self, phrase: Phrase) -> bool {
        self.0 & (1 << phrase as u8) != 0
    }
}

/// A correlation rule: its id (also its wording file's name), the phrases it
/// says, and the check itself.
pub(crate) struct Rule {
    pub id: &'static str,
    pub says: &'static [Says],
    pub check: fn(&Group<'_>, &KnowledgeBase, &Words<'_>) -> Option<Claim>,
}

/// Most specific first.
pub(crate) const RULES: &[Rule] = &[
    setup::NOT_A_MAILBOX,
    setup::HYBRID_PROFILE_401,
    setup::INVALID_LICENSE,
    service::THROTTLED,
    service::RETIREMENT_403,
    service::TRANSIENT_REPEATS,
];

/// A rule's wording, as it runs.
pub(crate) struct Words<'a> {
    rule: &'static Rule,
    text: &'a RuleText,
}

impl<'a> Words<'a> {
    /// The wording of `rule` in `kb`, if its file was loaded.
    pub(crate) fn of(rule: &'static Rule, kb: &'a KnowledgeBase) -> Option<Words<'a>> {
        Some(Words { rule, text: kb.rule_text(rule.id)? })
    }

    /// The rule's title `name`.
    pub(super) fn title(&self, name: &str, values: &[(&str, &str)]) -> String {
        self.say(Part::Title, name, values)
    }

    /// The rule's evidence phrase `name`: what points to its conclusion.
    pub(super) fn evidence(&self, name: &str, values: &[(&str, &str)]) -> Clue {
        Clue::for_(self.say(Part::Evidence, name, values))
    }

    /// The rule's fix step `name`.
    pub(super) fn fix(&self, name: &str, values: &[(&str, &str)]) -> String {
        self.say(Part::Fix, name, values)
    }

    /// A phrase the rule does not list in [`Rule::says`], or its file lacks,
    /// is a programmer error that `tests/kb.rs` catches; in a release build it
    /// shows as its name rather than vanishing.
    fn say(&self, part: Part, name: &str, values: &[(&str, &str)]) -> String {
        debug_assert!(
            self.rule.says.iter().any(|(p, n, _)| *p == part && *n == name),
            "rule {} says {}.{name} without listing it",
            self.rule.id,
            part.table()
        );
        self.text.say(part, name, values).unwrap_or_else(|| format!("[{}.{name}]", part.table()))
    }
}

/// The id of the EWS retirement rule, whose reach across mailboxes is itself
/// evidence.
pub(super) const EWS_RETIREMENT: &str = "ews-retirement-403";

impl Group<'_> {
    pub(super) fn indices(&self, keep: impl Fn(&Bucket) -> bool) -> Vec<usize> {
        (0..self.buckets.len()).filter(|&i| keep(self.buckets[i])).collect()
    }

    pub(super) fn pick(&self, taken: &[usize]) -> impl Iterator<Item = &Bucket> {
        taken.iter().filter_map(|&i| self.buckets.get(i).copied())
    }

    /// Findings counted in the buckets `taken`.
    pub(super) fn count(&self, taken: &[usize]) -> usize {
        self.pick(taken).map(|b| b.count).sum()
    }
}

/// Do the bucket's findings resolve to the knowledge-base entry `code`?
pub(super) fn is(b: &Bucket, code: &str) -> bool {
    b.traits.kb_code.is_some_and(|c| c.eq_ignore_ascii_case(code))
}

pub(super) fn on_premises_profile(name: &str) -> bool {
    ["hybrid", "on-prem", "on prem", "onprem", "exchange server"].iter().any(|w| contains_ci(name, w))
}

pub(super) fn online_profile(name: &str) -> bool {
    !on_premises_profile(name)
        && ["online", "office 365", "microsoft 365"].iter().any(|w| contains_ci(name, w))
}

pub(super) fn first_profile<'a>(buckets: impl Iterator<Item = &'a Bucket>) -> Option<&'a str> {
    buckets.filter_map(|b| b.traits.profile.as_deref()).next()
}

pub(super) fn plural(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{} {one}s", thousands(n as u64)) }
}

pub(super) fn claim(taken: Vec<usize>, verdict: Verdict) -> Option<Claim> {
    Some(Claim { verdict, taken })
}

/// Evidence only the whole run can give: a 403 across several mailboxes points
/// at the tenant rather than one mailbox's settings.
pub(crate) fn finish(root: &mut RootCause, kb: &KnowledgeBase) {
    if root.id != EWS_RETIREMENT || root.mailboxes.len() < 2 {
        return;
    }
    if let Some(words) = Words::of(&service::RETIREMENT_403, kb) {
        let n = thousands(root.mailboxes.len() as u64);
        root.evidence.push(words.evidence("tenant-wide", &[("mailboxes", &n)]));
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
