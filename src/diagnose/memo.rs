//! Diagnosing once per kind of finding.
//!
//! A bulk scan meets the same error again and again: the same code, message
//! and details, only the position and time differ. A diagnosis depends on
//! nothing else (and on which `seen-with` signals hold for the mailbox), so
//! each scanning thread keeps the diagnoses it has made, keyed by exactly
//! those inputs, and shares them: the findings point at one `Arc`.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::FxHasher;

use crate::kb::{Entry, KnowledgeBase, Signal};
use crate::model::{Diagnosis, Finding, Shape};

use super::seen::MailboxCodes;
use super::{diagnosis_for, resolve};
use crate::cache::Cache;

/// Kinds of finding remembered per thread; past this the kinds least used
/// give way, so memory stays bounded on input where every message differs.
const KINDS_KEPT: usize = 1024;

/// Everything a diagnosis is made from, owned.
#[derive(Debug)]
struct Kind {
    entry: &'static Entry,
    seen_with: u64,
    shape: Shape,
    code: String,
    inner_code: Option<String>,
    message: Option<String>,
    operation: Option<String>,
    profile: Option<String>,
    details: BTreeMap<String, String>,
}

impl Kind {
    fn is(&self, entry: &Entry, seen_with: u64, f: &Finding) -> bool {
        std::ptr::eq(self.entry, entry)
            && self.seen_with == seen_with
            && self.shape == f.shape
            && self.code == f.code
            && self.inner_code == f.inner_code
            && self.message == f.message
            && self.operation == f.operation
            && self.profile == f.profile
            && self.details == f.details
    }
}

/// The diagnoses one thread has made, by kind of finding (by the hash of
/// its kind, then the kinds of that hash).
#[derive(Debug, Default)]
pub struct Memo {
    table: Cache<u64, Vec<(Kind, Arc<Diagnosis>)>, KINDS_KEPT>,
}

impl Memo {
    /// The diagnosis of `finding`: made now if no finding of its kind was
    /// diagnosed before, shared otherwise.
    pub fn diagnose(
        &mut self,
        finding: &Finding,
        kb: &'static KnowledgeBase,
        seen: &MailboxCodes,
    ) -> Option<Arc<Diagnosis>> {
        let entry = resolve(finding, kb)?;
        let seen_with = seen_with(entry, finding, seen);
        let hash = hash(entry, seen_with, finding);
        if let Some(kinds) = self.table.get(&hash)
            && let Some((_, d)) = kinds.iter().find(|(k, _)| k.is(entry, seen_with, finding))
        {
            return Some(Arc::clone(d));
        }
        let d = Arc::new(diagnosis_for(entry, finding, seen, kb));
        let kind = Kind {
            entry,
            seen_with,
            shape: finding.shape,
            code: finding.code.clone(),
            inner_code: finding.inner_code.clone(),
            message: finding.message.clone(),
            operation: finding.operation.clone(),
            profile: finding.profile.clone(),
            details: finding.details.clone(),
        };
        self.table.get_or_insert_with(&hash, Vec::new).push((kind, Arc::clone(&d)));
        Some(d)
    }
}

/// Which of the entry's `seen-with` signals hold, one bit each in the order
/// the entry lists them (an entry names far fewer than 64).
fn seen_with(entry: &Entry, finding: &Finding, seen: &MailboxCodes) -> u64 {
    let signals = entry.causes.iter().flat_map(|c| &c.evidence).filter_map(|e| match &e.signal {
        Signal::SeenWith(code) => Some(code.as_str()),
        _ => None,
    });
    seen.seen_with_each(finding, signals)
}

fn hash(entry: &Entry, seen_with: u64, f: &Finding) -> u64 {
    let mut h = FxHasher::default();
    (std::ptr::from_ref(entry) as usize, seen_with, f.shape).hash(&mut h);
    (&f.code, &f.inner_code, &f.message, &f.operation, &f.profile, &f.details).hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::knowledge_base;

    fn finding(code: &str, message: &str) -> Finding {
        let mut f = Finding::new(Shape::EwsResponse, code);
        f.message = Some(message.to_owned());
        f
    }

    #[test]
    fn findings_of_one_kind_share_a_diagnosis_equal_to_a_fresh_one() {
        let kb = knowledge_base();
        let seen = MailboxCodes::default();
        let mut memo = Memo::default();
        let a = finding("ErrorServerBusy", "The server cannot service this request right now.");
        let mut b = a.clone();
        b.span.offset = 999;
        b.time = Some("2026-11-20 08:00".into());
        let (da, db) = (memo.diagnose(&a, kb, &seen).unwrap(), memo.diagnose(&b, kb, &seen).unwrap());
        assert!(Arc::ptr_eq(&da, &db));
        assert_eq!(*da, super::super::diagnose(&a, kb, &seen).unwrap());
    }

    #[test]
    fn a_different_message_is_another_kind() {
        let kb = knowledge_base();
        let seen = MailboxCodes::default();
        let mut memo = Memo::default();
        let a = finding("ErrorNonExistentMailbox", "Mailbox does not exist.");
        let b = finding("ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it.");
        let (da, db) = (memo.diagnose(&a, kb, &seen).unwrap(), memo.diagnose(&b, kb, &seen).unwrap());
        assert!(!Arc::ptr_eq(&da, &db));
        assert_eq!(*db, super::super::diagnose(&b, kb, &seen).unwrap());
    }
}
