//! Across findings: group by mailbox, let the rules claim what they explain,
//! and fall back on the knowledge base for the rest.
//!
//! Data flows one way: findings → mailbox groups → rule claims (and the
//! knowledge-base groups for what no rule claimed) → root causes, counted and
//! ranked. Findings are counted into root causes in input order, so "first"
//! and "last" seen keep the input's order when times cannot be compared.

use std::collections::HashMap;

use crate::kb::KnowledgeBase;
use crate::model::{Finding, Transient};

use super::root::{self, Confidence, RootCause, Verdict};
use super::rules::{self, Group, RULES};
use super::seen::MailboxCodes;
use super::{diagnose, resolve};

/// Groups the problem findings (errors, warnings, alerts) into root causes,
/// most widespread first.
pub fn correlate(findings: &[Finding], kb: &'static KnowledgeBase) -> Vec<RootCause> {
    let mut roots: Vec<RootCause> = Vec::new();
    // For each root cause, the positions in `findings` it explains.
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut left_over: Vec<usize> = Vec::new();

    for (mailbox, mut positions) in by_mailbox(findings) {
        for rule in RULES {
            let group = Group { mailbox, findings: positions.iter().map(|&p| &findings[p]).collect() };
            let Some(claim) = rule(&group, kb) else {
                continue;
            };
            let mut taken: Vec<usize> =
                claim.taken.iter().filter_map(|&i| positions.get(i).copied()).collect();
            // Sorted for the lookups below: a busy mailbox can have thousands.
            taken.sort_unstable();
            place(&mut roots, &mut members, claim.verdict, taken.iter().copied());
            positions.retain(|p| taken.binary_search(p).is_err());
        }
        left_over.extend(positions);
    }

    let seen = MailboxCodes::from_findings(findings);
    for (verdict, positions) in by_code(findings, &left_over, kb, &seen) {
        place(&mut roots, &mut members, verdict, positions.into_iter());
    }

    for (root, mut positions) in roots.iter_mut().zip(members) {
        positions.sort_unstable();
        for p in positions {
            root.add(&findings[p]);
        }
        rules::finish(root);
    }
    root::rank(&mut roots);
    roots
}

/// Problem findings by mailbox (any case), each group in input order and the
/// groups in order of first appearance. Findings with no mailbox form one group.
fn by_mailbox(findings: &[Finding]) -> Vec<(Option<&str>, Vec<usize>)> {
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    let mut index: HashMap<Option<String>, usize> = HashMap::new();
    for (p, f) in findings.iter().enumerate().filter(|(_, f)| f.is_problem()) {
        let key = f.mailbox.as_deref().map(str::to_lowercase);
        let at = *index.entry(key).or_insert_with(|| {
            groups.push((f.mailbox.as_deref(), Vec::new()));
            groups.len() - 1
        });
        if let Some(g) = groups.get_mut(at) {
            g.1.push(p);
        }
    }
    groups
}

/// Adds a verdict's findings to the root cause that says the same thing, or to
/// a new one.
fn place(
    roots: &mut Vec<RootCause>,
    members: &mut Vec<Vec<usize>>,
    verdict: Verdict,
    positions: impl Iterator<Item = usize>,
) {
    match roots.iter().position(|r| r.same_as(&verdict)) {
        Some(i) => {
            roots[i].absorb(verdict);
            members[i].extend(positions);
        }
        None => {
            roots.push(RootCause::from_verdict(verdict));
            members.push(positions.collect());
        }
    }
}

/// What no rule explained, one group per knowledge-base code across all
/// mailboxes, titled by the cause that ranks highest over the group's findings.
fn by_code(
    findings: &[Finding],
    left_over: &[usize],
    kb: &'static KnowledgeBase,
    seen: &MailboxCodes,
) -> Vec<(Verdict, Vec<usize>)> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for &p in left_over {
        let f = &findings[p];
        let code = resolve(f, kb).map_or_else(|| f.effective_code().to_owned(), |e| e.code.clone());
        if !groups.contains_key(&code) {
            order.push(code.clone());
        }
        groups.entry(code).or_default().push(p);
    }
    order
        .into_iter()
        .filter_map(|code| {
            let positions = groups.remove(&code)?;
            Some((verdict_for(&code, &positions, findings, kb, seen), positions))
        })
        .collect()
}

/// Sums each cause's score over the findings, so the cause most of them point
/// to wins, and keeps the evidence that raised or lowered it.
fn verdict_for(
    code: &str,
    positions: &[usize],
    findings: &[Finding],
    kb: &'static KnowledgeBase,
    seen: &MailboxCodes,
) -> Verdict {
    // A finding diagnosed as it was reported keeps its ranking (the words of
    // each cause are the knowledge base's and are looked up below).
    let diagnoses: Vec<_> = positions
        .iter()
        .filter_map(|&p| findings[p].diagnosis.clone().or_else(|| diagnose(&findings[p], kb, seen)))
        .collect();
    let Some(first) = diagnoses.first() else {
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
    // Totals in the knowledge base's order, so ties go to the likelier prior.
    let mut totals: Vec<(&str, i64)> = Vec::new();
    for d in &diagnoses {
        for c in &d.causes {
            match totals.iter_mut().find(|(id, _)| *id == c.id) {
                Some(t) => t.1 += i64::from(c.score),
                None => totals.push((c.id, i64::from(c.score))),
            }
        }
    }
    let entry = kb.lookup(first.code);
    let kb_rank =
        |id: &str| entry.and_then(|e| e.causes.iter().position(|c| c.id == id)).unwrap_or(usize::MAX);
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(kb_rank(a.0).cmp(&kb_rank(b.0))));
    let top_id = totals.first().map(|t| t.0).unwrap_or_default();
    let mut evidence: Vec<String> = Vec::new();
    for c in diagnoses.iter().flat_map(|d| &d.causes).filter(|c| c.id == top_id) {
        for e in &c.evidence {
            if !evidence.contains(e) {
                evidence.push(e.clone());
            }
        }
    }
    let supported = evidence.iter().any(|e| !e.starts_with("not:"));
    let cause = entry.and_then(|e| e.causes.iter().find(|c| c.id == top_id));
    Verdict {
        id: format!("code:{}", first.code),
        title: cause.map_or(first.title, |c| c.summary.as_str()).to_string(),
        kb_code: Some(first.code.to_string()),
        transient: first.transient,
        confidence: if supported { Confidence::Medium } else { Confidence::Low },
        evidence,
        fix: cause.map(|c| c.fix.clone()).unwrap_or_default(),
    }
}
