//! Across findings: let the rules claim what they explain per mailbox, and
//! fall back on the knowledge base for the rest.
//!
//! Data flows one way: a [`Tally`] (findings counted per mailbox and kind) →
//! rule claims per mailbox (and knowledge-base groups for what no rule
//! claimed) → root causes, counted and ranked. Nothing here sees a finding
//! itself, so the work and the memory do not grow with the number of findings.

use std::collections::HashMap;

use crate::kb::KnowledgeBase;
use crate::model::{Clue, Finding, Transient};

use super::diagnose;
use super::root::{self, LeftOut, Verdict};
use super::rules::{self, Group, RULES, Words};
use super::seen::MailboxCodes;
use super::tally::{Bucket, Tally, Totals};
use crate::model::{Confidence, RootCause};

/// Groups the problem findings (errors, warnings, alerts) into root causes,
/// most widespread first. The same as counting them into a [`Tally`] and
/// calling [`conclude`].
pub fn correlate(findings: &[Finding], kb: &'static KnowledgeBase) -> Vec<RootCause> {
    // Findings not diagnosed yet are, with their neighbours in view.
    let seen = MailboxCodes::from_findings(findings);
    let mut tally = Tally::new();
    for f in findings {
        if f.diagnosis.is_none() && f.is_problem() {
            let mut f = f.clone();
            f.diagnosis = diagnose(&f, kb, &seen).map(std::sync::Arc::new);
            tally.add(&f, kb);
        } else {
            tally.add(f, kb);
        }
    }
    conclude(&tally, kb)
}

/// The root causes of the findings counted in `tally`, most widespread first.
pub fn conclude(tally: &Tally, kb: &'static KnowledgeBase) -> Vec<RootCause> {
    let mut roots: Vec<RootCause> = Vec::new();
    // For each root cause, the buckets it explains and the evidence it leaves out.
    let mut members: Vec<(Vec<&Bucket>, LeftOut)> = Vec::new();
    let mut left_over: Vec<&Bucket> = Vec::new();

    for (_, mailbox) in &tally.mailboxes {
        let mut left: Vec<&Bucket> = mailbox.buckets.iter().map(|b| &**b).collect();
        for rule in RULES {
            let group = Group { mailbox: mailbox.mailbox(), buckets: left.clone() };
            let Some(words) = Words::of(rule, kb) else { continue };
            let Some(claim) = (rule.check)(&group, kb, &words) else {
                continue;
            };
            let mut taken = claim.taken;
            taken.sort_unstable();
            taken.dedup();
            place(
                &mut roots,
                &mut members,
                claim.verdict,
                taken.iter().filter_map(|&i| left.get(i).copied()),
            );
            let mut i = 0;
            left.retain(|_| {
                i += 1;
                taken.binary_search(&(i - 1)).is_err()
            });
        }
        left_over.extend(left);
    }

    for (verdict, buckets) in by_code(&left_over) {
        place(&mut roots, &mut members, verdict, buckets.into_iter());
    }

    for (root, (buckets, left_out)) in roots.iter_mut().zip(members) {
        root.count(buckets);
        rules::finish(root, kb);
        root.tell_left_out(&left_out);
    }
    root::rank(&mut roots);
    roots
}

/// Adds a verdict's buckets to the root cause that says the same thing, or to
/// a new one.
fn place<'a>(
    roots: &mut Vec<RootCause>,
    members: &mut Vec<(Vec<&'a Bucket>, LeftOut)>,
    verdict: Verdict,
    buckets: impl Iterator<Item = &'a Bucket>,
) {
    match roots.iter().position(|r| r.same_as(&verdict)) {
        Some(i) => {
            let (kept, left_out) = &mut members[i];
            roots[i].absorb(verdict, left_out);
            kept.extend(buckets);
        }
        None => {
            roots.push(RootCause::from_verdict(verdict));
            members.push((buckets.collect(), LeftOut::default()));
        }
    }
}

/// What no rule explained, one group per knowledge-base code across all
/// mailboxes, titled by the cause that ranks highest over the group's findings.
fn by_code<'a>(left_over: &[&'a Bucket]) -> Vec<(Verdict, Vec<&'a Bucket>)> {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: HashMap<&str, Vec<&'a Bucket>> = HashMap::new();
    for &b in left_over {
        let code = b.traits.kb_code.unwrap_or_else(|| b.traits.effective_code());
        groups
            .entry(code)
            .or_insert_with(|| {
                order.push(code);
                Vec::new()
            })
            .push(b);
    }
    order
        .into_iter()
        .filter_map(|code| {
            let buckets = groups.remove(code)?;
            Some((verdict_for(code, &buckets), buckets))
        })
        .collect()
}

/// Sums each cause's score over the findings, so the cause most of them point
/// to wins, and keeps the evidence that raised or lowered it.
fn verdict_for(code: &str, buckets: &[&Bucket]) -> Verdict {
    let mut totals: Option<Totals> = None;
    for d in buckets.iter().filter_map(|b| b.totals.clone()) {
        match &mut totals {
            Some(t) => t.absorb(d),
            None => totals = Some(d),
        }
    }
    let Some(totals) = totals else {
        return Verdict {
            id: format!("code:{code}"),
            title: format!("{code}: not in the knowledge base"),
            kb_code: None,
            transient: Transient::Sometimes,
            confidence: Confidence::Low,
            evidence: Vec::new(),
            fix: Vec::new(),
        };
    };
    let kb = crate::kb::knowledge_base();
    let entry = kb.lookup(totals.code);
    let kb_rank =
        |id: &str| entry.and_then(|e| e.causes.iter().position(|c| c.id == id)).unwrap_or(usize::MAX);
    // Ties go to the likelier prior, the knowledge base's order.
    let top =
        totals.causes.iter().max_by(|a, b| a.score.cmp(&b.score).then(kb_rank(b.id).cmp(&kb_rank(a.id))));
    let evidence: Vec<Clue> =
        top.map(|c| c.evidence.iter().map(|e| Clue::clone(e)).collect()).unwrap_or_default();
    let supported = evidence.iter().any(Clue::is_for);
    let cause = top.and_then(|top| entry?.causes.iter().find(|c| c.id == top.id));
    Verdict {
        id: format!("code:{}", totals.code),
        title: cause.map_or(totals.title, |c| c.summary.as_str()).to_string(),
        kb_code: Some(totals.code.to_string()),
        transient: totals.transient,
        confidence: if supported { Confidence::Medium } else { Confidence::Low },
        evidence,
        fix: cause.map(|c| c.fix.clone()).unwrap_or_default(),
    }
}
