//! From findings to what went wrong: pure functions over the knowledge base.
//!
//! Two views are offered. [`diagnose`] looks at one finding and ranks its
//! entry's causes on the evidence the finding (and its mailbox's other
//! findings) shows. [`correlate`] looks across all findings and groups them into
//! root causes per mailbox, because a bulk scan of thousands of alerts is only
//! useful once it is a short list of things to fix.
//!
//! Ranking is deliberately simple and explainable: the knowledge base lists
//! causes most common first, which gives each a small prior, and every signal
//! that holds moves a cause by a weight larger than any gap between priors, so
//! one piece of evidence always outweighs the written order.
//!
//! A diagnosis carries everything a renderer needs from its entry (code,
//! namespace, title, link, ranked causes and the likeliest fix), so renderers
//! never look the knowledge base up themselves.
//!
//! Correlation rules live in `rules/`, most specific first. A rule is code for
//! *when* it holds and *which* phrases apply; *what* it says (titles, evidence,
//! fix steps, with placeholders) is data in `kb/rules/<rule id>.toml`. To add
//! one: write the check in `rules/setup.rs` or `rules/service.rs` with a
//! `Rule` constant listing the phrases it says, put it in
//! `RULES` where its specificity belongs, write its wording file, and add a
//! sample under `samples/correlation/` with a test in `tests/diagnose.rs`;
//! `tests/kb.rs` then checks the file and the rule agree.

mod correlate;
mod memo;
mod root;
mod rules;
mod seen;
mod signals;
mod tally;
mod times;

pub use correlate::{conclude, correlate};
pub use memo::Memo;
pub use seen::{MailboxCodes, SEEN_REACH};
pub use tally::{Seq, Tally};

use std::sync::Arc;

use crate::kb::{Entry, KnowledgeBase, Says, Signal};
use crate::model::{Clue, Diagnosis, Finding, RankedCause, Reading};

/// What each correlation rule says, most specific rule first: its id (the name
/// of its wording file, `kb/rules/<id>.toml`) and every phrase it may say, as
/// (part, name, the placeholders it fills in). For checking the wording files
/// against the rules (`tests/kb.rs`).
pub fn rule_wording() -> impl Iterator<Item = (&'static str, &'static [Says])> {
    rules::RULES.iter().map(|r| (r.id, r.says))
}

/// Ranks the causes of the entry that explains `finding`, or `None` when the
/// knowledge base knows none of its codes.
pub fn diagnose(finding: &Finding, kb: &'static KnowledgeBase, seen: &MailboxCodes) -> Option<Diagnosis> {
    Some(diagnosis_for(resolve(finding, kb)?, finding, seen, kb))
}

/// The verdict of `entry` on `finding`. A number with two readings (the
/// scanner gives both a `ServiceErrorOrdinal` and an `HttpStatus`) is judged
/// both ways, and the reading whose likeliest cause the finding's words
/// support more leads; the written reading, the ordinal, wins a tie.
fn diagnosis_for(
    entry: &'static Entry,
    finding: &Finding,
    seen: &MailboxCodes,
    kb: &'static KnowledgeBase,
) -> Diagnosis {
    let verdict = |entry: &'static Entry| Diagnosis {
        code: &entry.id,
        namespace: entry.source.folder(),
        url: entry.url(),
        title: &entry.title,
        category: &entry.category,
        transient: entry.transient,
        causes: rank(entry, finding, seen),
        also: None,
    };
    let lead = verdict(entry);
    let Some(other_entry) = other_reading(finding, entry, kb) else { return lead };
    let other = verdict(other_entry);
    let supports = |e: &Entry, d: &Diagnosis| support(e, d, finding, seen);
    let (mut lead, second) =
        if supports(other_entry, &other) > supports(entry, &lead) { (other, lead) } else { (lead, other) };
    lead.also = Some(Reading { code: second.code, title: second.title });
    lead
}

/// The HTTP entry of a bare number that was read first as a `ServiceError`
/// ordinal.
fn other_reading(finding: &Finding, read: &Entry, kb: &'static KnowledgeBase) -> Option<&'static Entry> {
    if !finding.details.contains_key("ServiceErrorOrdinal") {
        return None;
    }
    let status = signals::http_status(finding)?;
    let http = signals::status_names(status).iter().find_map(|name| kb.lookup(name))?;
    (!std::ptr::eq(http, read)).then_some(http)
}

/// How much the finding's words back `entry`'s verdict `d`: the evidence
/// for its likeliest cause, less the evidence against it. The HTTP status
/// itself is no evidence here: it is the very number read two ways.
fn support(entry: &Entry, d: &Diagnosis, finding: &Finding, seen: &MailboxCodes) -> i32 {
    let Some(top) = d.causes.first() else { return 0 };
    let Some(cause) = entry.causes.iter().find(|c| c.id == top.id) else { return 0 };
    cause
        .evidence
        .iter()
        .filter(|e| !matches!(e.signal, Signal::Http(_)))
        .filter(|e| signals::holds(&e.signal, finding, seen).is_some())
        .map(|e| if e.negated { -1 } else { 1 })
        .sum()
}

/// Fills in [`Finding::diagnosis`] for every finding, counting the codes per
/// mailbox once for all of them.
pub fn diagnose_all(findings: &mut [Finding], kb: &'static KnowledgeBase) {
    let seen = MailboxCodes::from_findings(findings);
    for f in findings.iter_mut() {
        f.diagnosis = diagnose(f, kb, &seen).map(Arc::new);
    }
}

/// The entry that explains a finding. The inner code comes first because
/// Exchange Online wraps the real reason (ErrorInvalidLicense, a quota) in a
/// generic ErrorInternalServerError; the outer code next; and last the HTTP
/// status, for transport failures whose code is only an exception type. Codes
/// are looked up as the finding's shape reads them, so a Microsoft Graph error
/// named like an EWS code gets Graph's entry.
pub(crate) fn resolve<'a>(finding: &Finding, kb: &'a KnowledgeBase) -> Option<&'a Entry> {
    // Already diagnosed: the verdict names its entry exactly.
    if let Some(entry) = finding.diagnosis.as_ref().and_then(|d| kb.lookup(d.code)) {
        return Some(entry);
    }
    let lookup = |code: &str| kb.lookup_as(code, finding.shape);
    finding.inner_code.as_deref().and_then(lookup).or_else(|| lookup(&finding.code)).or_else(|| {
        let status = signals::http_status(finding)?;
        signals::status_names(status).iter().find_map(|name| lookup(name))
    })
}

/// Each cause's score: a prior from its place in the list plus a fixed weight
/// per signal that holds, minus the same per negated signal that holds.
fn rank(entry: &'static Entry, finding: &Finding, seen: &MailboxCodes) -> Vec<RankedCause> {
    let n = entry.causes.len();
    // Larger than the widest gap between two priors, so evidence decides
    // whenever there is any.
    let weight = i32::try_from(n).unwrap_or(i32::MAX / 4).saturating_add(1).max(10);
    let mut ranked: Vec<RankedCause> = entry
        .causes
        .iter()
        .enumerate()
        .map(|(i, cause)| {
            let prior = i32::try_from(n - i).unwrap_or(0);
            let mut score = prior;
            let mut evidence = Vec::new();
            for e in &cause.evidence {
                if let Some(why) = signals::holds(&e.signal, finding, seen) {
                    if e.negated {
                        score = score.saturating_sub(weight);
                        evidence.push(Clue::against(why));
                    } else {
                        score = score.saturating_add(weight);
                        evidence.push(Clue::for_(why));
                    }
                }
            }
            RankedCause { id: &cause.id, summary: &cause.summary, score, evidence, fix: &cause.fix }
        })
        .collect();
    // Stable: equal scores keep the knowledge base's order.
    ranked.sort_by_key(|c| std::cmp::Reverse(c.score));
    for cause in ranked.iter_mut().skip(1) {
        cause.fix = &[];
    }
    ranked
}
