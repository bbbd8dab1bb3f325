//! What correlation keeps of a run's findings: counters per mailbox and
//! root-cause signature, never a copy of each finding.
//!
//! A scan can report millions of findings, but they fall into few kinds per
//! mailbox: the same code, for the same reason, on the same profile, again and
//! again. Each finding is counted into the [`Bucket`] of its mailbox whose
//! [`Traits`] (everything a correlation rule looks at) it shares, so memory
//! grows with mailboxes × kinds of error, not with findings. Counting happens
//! on the thread that scanned the finding; the per-input tallies are then
//! appended in input order, which keeps "first" and "last" seen in that order.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHasher};

use crate::kb::{Direction, KnowledgeBase};
use crate::model::{Clue, Diagnosis, Finding, Shape, Transient};

use super::resolve;
use super::root::{iso_seconds, later};
use super::rules::Flags;
use super::signals::{direction, http_status};
use crate::cache::Cache;

/// A bucket remembers this many distinct times for the repeat rule; past it,
/// attempts are counted from what it holds (already far past the 10 retries
/// that disable a mailbox).
const TIMES_KEPT: usize = 4096;
/// Evidence phrases kept per cause of a bucket's diagnoses.
const EVIDENCE_KEPT: usize = 8;
/// Spellings of one mailbox kept per bucket.
const SPELLINGS_KEPT: usize = 4;
/// Kinds of finding whose traits are remembered; past this the least used give way.
const KINDS_KEPT: usize = 1024;

/// What the correlation rules look at in one finding. Findings with equal
/// traits are interchangeable to every rule, so they are counted together.
#[derive(Debug, Clone, Eq)]
pub(crate) struct Traits {
    /// A hash of the rest, worked out once.
    hash: u64,
    /// What kind of text the finding was read from.
    pub shape: Shape,
    /// The knowledge-base entry the finding resolves to, by id (`graph:` for Graph's).
    pub kb_code: Option<&'static str>,
    pub code: String,
    pub inner_code: Option<String>,
    pub http: Option<u16>,
    pub direction: Option<Direction>,
    pub operation: Option<String>,
    pub profile: Option<String>,
    /// Which of the phrases the rules look for the finding's texts hold.
    pub flags: Flags,
    /// Whether retrying can help with the entry's code (it follows from
    /// `kb_code`): only such buckets keep times, for the repeat rule.
    pub transient: bool,
}

impl PartialEq for Traits {
    fn eq(&self, other: &Traits) -> bool {
        std::ptr::eq(self, other)
            || (self.hash == other.hash
                && self.shape == other.shape
                && self.kb_code == other.kb_code
                && self.code == other.code
                && self.inner_code == other.inner_code
                && self.http == other.http
                && self.direction == other.direction
                && self.operation == other.operation
                && self.profile == other.profile
                && self.flags == other.flags)
    }
}

impl Hash for Traits {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl Traits {
    fn of(f: &Finding, kb: &'static KnowledgeBase) -> Traits {
        let kb_code = resolve(f, kb).map(|e| e.id.as_str());
        let mut traits = Traits {
            hash: 0,
            shape: f.shape,
            kb_code,
            transient: kb_code.and_then(|c| kb.lookup(c)).is_some_and(|e| e.transient == Transient::Yes),
            code: f.code.clone(),
            inner_code: f.inner_code.clone(),
            http: http_status(f),
            direction: direction(f),
            operation: f.operation.clone(),
            profile: f.profile.clone(),
            flags: Flags::of(f),
        };
        let mut h = FxHasher::default();
        (traits.shape, traits.kb_code, &traits.code, &traits.inner_code, traits.http, traits.direction)
            .hash(&mut h);
        (&traits.operation, &traits.profile, traits.flags).hash(&mut h);
        traits.hash = h.finish();
        traits
    }

    /// The code diagnosis prefers: the inner code when there is one.
    pub(crate) fn effective_code(&self) -> &str {
        self.inner_code.as_deref().unwrap_or(&self.code)
    }
}

/// A time as the input wrote it, with the position of its finding in the run
/// (so times that do not compare by value keep the input's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub text: String,
    pub seq: u64,
}

impl Stamp {
    /// Makes `stamp` say `text` at `seq`, in the room it already has (times
    /// in a log move on with nearly every finding).
    fn set(stamp: &mut Option<Stamp>, text: &str, seq: u64) {
        match stamp {
            Some(stamp) => {
                if stamp.text != text {
                    stamp.text.clear();
                    stamp.text.push_str(text);
                }
                stamp.seq = seq;
            }
            None => *stamp = Some(Stamp { text: text.to_owned(), seq }),
        }
    }
}

/// The findings of one mailbox that share their [`Traits`], counted.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    pub traits: Arc<Traits>,
    /// The mailbox as written, in the spellings met (case may differ).
    pub spellings: Vec<String>,
    pub count: usize,
    /// Position in the run of the first and last finding counted.
    pub first_seq: u64,
    pub last_seq: u64,
    pub first_seen: Option<Stamp>,
    pub last_seen: Option<Stamp>,
    /// The largest `BackOffMilliseconds` any finding carried.
    pub backoff: Option<u64>,
    /// Distinct ISO-8601 times (seconds), for counting retry attempts: kept
    /// only when the traits are transient, the one rule that reads them.
    pub times: BTreeSet<i64>,
    /// Findings whose time is ISO-8601.
    pub timed: usize,
    /// The findings' diagnoses, added up, except the latest run of findings
    /// that shared one diagnosis, which is only counted (see [`Bucket::totals`]).
    diagnosis: Option<Totals>,
    pending: Option<(Arc<Diagnosis>, i64)>,
}

/// Diagnoses of a bucket's findings, added up: each cause's score summed and
/// the evidence that moved it.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    pub code: &'static str,
    pub title: &'static str,
    pub transient: Transient,
    /// In the order first met.
    pub causes: Vec<CauseTotal>,
}

/// One cause's score over the findings of a bucket.
#[derive(Debug, Clone)]
pub(crate) struct CauseTotal {
    pub id: &'static str,
    pub score: i64,
    pub evidence: Vec<Clue>,
}

impl Totals {
    fn of(d: &Diagnosis) -> Totals {
        let mut totals = Totals { code: d.code, title: d.title, transient: d.transient, causes: Vec::new() };
        totals.add(d, 1);
        totals
    }

    /// Adds `times` findings with diagnosis `d`.
    fn add(&mut self, d: &Diagnosis, times: i64) {
        for cause in &d.causes {
            let total = match self.causes.iter().position(|c| c.id == cause.id) {
                Some(i) => &mut self.causes[i],
                None => {
                    self.causes.push(CauseTotal { id: cause.id, score: 0, evidence: Vec::new() });
                    let last = self.causes.len() - 1;
                    &mut self.causes[last]
                }
            };
            total.score += i64::from(cause.score) * times;
            for e in &cause.evidence {
                if total.evidence.len() < EVIDENCE_KEPT && !total.evidence.contains(e) {
                    total.evidence.push(e.clone());
                }
            }
        }
    }

    pub(crate) fn absorb(&mut self, other: Totals) {
        for cause in other.causes {
            match self.causes.iter_mut().find(|c| c.id == cause.id) {
                Some(total) => {
                    total.score += cause.score;
                    for e in cause.evidence {
                        if total.evidence.len() < EVIDENCE_KEPT && !total.evidence.contains(&e) {
                            total.evidence.push(e);
                        }
                    }
                }
                None => self.causes.push(cause),
            }
        }
    }
}

/// Adds `count` findings with diagnosis `d` to `totals`.
fn add(totals: &mut Option<Totals>, d: &Diagnosis, count: i64) {
    match totals {
        Some(t) => t.add(d, count),
        None => {
            let mut t = Totals::of(d);
            t.add(d, count - 1);
            *totals = Some(t);
        }
    }
}

impl Bucket {
    fn new(traits: Arc<Traits>, seq: u64) -> Bucket {
        Bucket {
            traits,
            spellings: Vec::new(),
            count: 0,
            first_seq: seq,
            last_seq: seq,
            first_seen: None,
            last_seen: None,
            backoff: None,
            times: BTreeSet::new(),
            timed: 0,
            diagnosis: None,
            pending: None,
        }
    }

    /// The mailbox as first written.
    pub(crate) fn mailbox(&self) -> Option<&str> {
        self.spellings.first().map(String::as_str)
    }

    fn add(&mut self, f: &Finding, seq: u64) {
        self.count += 1;
        self.last_seq = seq;
        if let Some(m) = &f.mailbox
            && self.spellings.len() < SPELLINGS_KEPT
            && !self.spellings.contains(m)
        {
            self.spellings.push(m.clone());
        }
        if let Some(t) = &f.time {
            self.see(t, seq);
            if let Some(s) = iso_seconds(t) {
                self.timed += 1;
                if self.traits.transient && self.times.len() < TIMES_KEPT {
                    self.times.insert(s);
                }
            }
        }
        if let Some(ms) = f.details.get("BackOffMilliseconds").and_then(|v| v.trim().parse::<u64>().ok()) {
            self.backoff = self.backoff.max(Some(ms));
        }
        if let Some(d) = &f.diagnosis {
            match &mut self.pending {
                // A diagnosis made again (its kind was forgotten and met anew)
                // is the same one: counted, not added up apart.
                Some((same, count)) if Arc::ptr_eq(same, d) || **same == **d => *count += 1,
                pending => {
                    if let Some((before, count)) = pending.replace((Arc::clone(d), 1)) {
                        add(&mut self.diagnosis, &before, count);
                    }
                }
            }
        }
    }

    /// Takes a time in as first or last seen, in input order.
    fn see(&mut self, text: &str, seq: u64) {
        if later(self.first_seen.as_ref().map(|s| s.text.as_str()), text, std::cmp::Ordering::Less) {
            Stamp::set(&mut self.first_seen, text, seq);
        }
        if later(self.last_seen.as_ref().map(|s| s.text.as_str()), text, std::cmp::Ordering::Greater) {
            Stamp::set(&mut self.last_seen, text, seq);
        }
    }

    /// The findings' diagnoses, added up.
    pub(crate) fn totals(&self) -> Option<Totals> {
        let mut totals = self.diagnosis.clone();
        if let Some((d, count)) = &self.pending {
            add(&mut totals, d, *count);
        }
        totals
    }

    /// Adds a bucket with the same traits counted later in the run.
    fn absorb(&mut self, mut other: Bucket) {
        // Its totals are taken, not copied: the bucket is used up.
        let mut totals = other.diagnosis.take();
        if let Some((d, count)) = &other.pending {
            add(&mut totals, d, *count);
        }
        self.count += other.count;
        self.last_seq = other.last_seq;
        for m in other.spellings {
            if self.spellings.len() < SPELLINGS_KEPT && !self.spellings.contains(&m) {
                self.spellings.push(m);
            }
        }
        for stamp in [other.first_seen, other.last_seen].into_iter().flatten() {
            self.see(&stamp.text, stamp.seq);
        }
        self.backoff = self.backoff.max(other.backoff);
        self.timed += other.timed;
        for t in other.times {
            if self.times.len() >= TIMES_KEPT {
                break;
            }
            self.times.insert(t);
        }
        match (&mut self.diagnosis, totals) {
            (Some(mine), Some(theirs)) => mine.absorb(theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
    }

    fn shift(&mut self, by: u64) {
        self.first_seq += by;
        self.last_seq += by;
        for stamp in [&mut self.first_seen, &mut self.last_seen].into_iter().flatten() {
            stamp.seq += by;
        }
    }
}

/// The buckets of one mailbox (or of the findings that name none), in order
/// of first appearance.
#[derive(Debug, Clone, Default)]
pub(crate) struct MailboxTally {
    pub buckets: Vec<Bucket>,
    index: FxHashMap<Arc<Traits>, usize>,
}

impl MailboxTally {
    /// The mailbox as first written.
    pub(crate) fn mailbox(&self) -> Option<&str> {
        self.buckets.iter().find_map(Bucket::mailbox)
    }

    fn bucket(&mut self, traits: &Arc<Traits>, seq: u64) -> &mut Bucket {
        let at = match self.index.get(traits) {
            Some(&at) => at,
            None => {
                let traits = Arc::clone(traits);
                self.buckets.push(Bucket::new(Arc::clone(&traits), seq));
                self.index.insert(traits, self.buckets.len() - 1);
                self.buckets.len() - 1
            }
        };
        &mut self.buckets[at]
    }
}

/// The problem findings of a run (errors, warnings, alerts), counted per
/// mailbox and kind: all that [`correlate`](super::correlate) needs.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// By mailbox, lower-cased; `None` for findings that name none.
    pub(crate) mailboxes: Vec<(Option<String>, MailboxTally)>,
    /// Where each named mailbox's tally is, and the unnamed one's.
    named: FxHashMap<String, usize>,
    unnamed: Option<usize>,
    /// Findings counted so far.
    seen: u64,
    /// The traits of the findings each diagnosis was shared by: findings
    /// with one diagnosis were alike in everything the traits read.
    traits: Cache<usize, (Arc<Diagnosis>, Arc<Traits>), KINDS_KEPT>,
    /// Room to lower-case a mailbox name in.
    scratch: String,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Tally {
        Tally::default()
    }

    /// About how many bytes the tally holds: its buckets, and the diagnoses
    /// it keeps alive.
    pub fn weight(&self) -> usize {
        let buckets: usize = self.mailboxes.iter().map(|(_, m)| m.buckets.len()).sum();
        buckets * 1024 + self.traits.len() * 4096
    }

    /// Counts every problem finding of `findings`, in order.
    pub fn from_findings<'a>(
        findings: impl IntoIterator<Item = &'a Finding>,
        kb: &'static KnowledgeBase,
    ) -> Tally {
        let mut tally = Tally::new();
        for f in findings {
            tally.add(f, kb);
        }
        tally
    }

    /// How many findings have been counted.
    pub fn findings(&self) -> u64 {
        self.seen
    }

    /// Counts one finding; success responses are left out, as they explain
    /// nothing.
    pub fn add(&mut self, f: &Finding, kb: &'static KnowledgeBase) {
        if !f.is_problem() {
            return;
        }
        let seq = self.seen;
        self.seen += 1;
        let traits = self.traits_of(f, kb);
        let mut key = std::mem::take(&mut self.scratch);
        if let Some(mailbox) = &f.mailbox {
            key.clear();
            if mailbox.is_ascii() {
                key.push_str(mailbox);
                key.make_ascii_lowercase();
            } else {
                key.extend(mailbox.chars().flat_map(char::to_lowercase));
            }
        }
        let at = self.mailbox_at(f.mailbox.is_some().then_some(key.as_str()));
        self.scratch = key;
        self.mailboxes[at].1.bucket(&traits, seq).add(f, seq);
    }

    /// The traits of `f`, worked out once per shared diagnosis.
    fn traits_of(&mut self, f: &Finding, kb: &'static KnowledgeBase) -> Arc<Traits> {
        let Some(d) = &f.diagnosis else { return Arc::new(Traits::of(f, kb)) };
        let id = Arc::as_ptr(d) as usize;
        // The diagnosis is kept alive with it, so its address names no other.
        let (_, traits) =
            self.traits.get_or_insert_with(&id, || (Arc::clone(d), Arc::new(Traits::of(f, kb))));
        Arc::clone(traits)
    }

    /// Appends the tally of what came after this one in the run.
    pub fn append(&mut self, later: Tally) {
        let shift = self.seen;
        self.seen += later.seen;
        for (key, mailbox) in later.mailboxes {
            let at = self.mailbox_at(key.as_deref());
            let mine = &mut self.mailboxes[at].1;
            for mut bucket in mailbox.buckets {
                bucket.shift(shift);
                match mine.index.get(&bucket.traits) {
                    Some(&at) => mine.buckets[at].absorb(bucket),
                    None => {
                        mine.index.insert(bucket.traits.clone(), mine.buckets.len());
                        mine.buckets.push(bucket);
                    }
                }
            }
        }
    }

    /// Where the tally of the mailbox `key` names (lower-cased) is, made if new.
    fn mailbox_at(&mut self, key: Option<&str>) -> usize {
        let found = match key {
            Some(key) => self.named.get(key).copied(),
            None => self.unnamed,
        };
        found.unwrap_or_else(|| {
            let at = self.mailboxes.len();
            self.mailboxes.push((key.map(str::to_owned), MailboxTally::default()));
            match key {
                Some(key) => {
                    self.named.insert(key.to_owned(), at);
                }
                None => self.unnamed = Some(at),
            }
            at
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::knowledge_base;

    fn at(code: &str, mailbox: &str, time: &str) -> Finding {
        let mut f = Finding::new(Shape::Alert, code);
        f.mailbox = Some(mailbox.to_owned());
        f.time = Some(time.to_owned());
        f
    }

    #[test]
    fn repeats_of_one_kind_share_a_bucket_per_mailbox() {
        let kb = knowledge_base();
        let findings: Vec<Finding> = (0..1000)
            .map(|i| at("ErrorServerBusy", if i % 2 == 0 { "Ana" } else { "ana" }, "2026-11-20 08:00:00"))
            .collect();
        let tally = Tally::from_findings(&findings, kb);
        assert_eq!(tally.mailboxes.len(), 1);
        let buckets = &tally.mailboxes[0].1.buckets;
        assert_eq!(buckets.len(), 1);
        assert_eq!(buckets[0].count, 1000);
        assert_eq!(buckets[0].spellings, ["Ana", "ana"]);
    }

    #[test]
    fn appending_in_order_counts_as_one_pass_would() {
        let kb = knowledge_base();
        let findings = [
            at("ErrorServerBusy", "Ana", "2026-11-20 08:00:00"),
            at("ErrorItemNotFound", "Bo", "2026-11-20 08:01:00"),
            at("ErrorServerBusy", "Ana", "2026-11-20 07:00:00"),
            at("ErrorServerBusy", "Ana", "2026-11-20 09:00:00"),
        ];
        let whole = Tally::from_findings(&findings, kb);
        let mut split = Tally::from_findings(&findings[..2], kb);
        split.append(Tally::from_findings(&findings[2..], kb));
        assert_eq!(split.findings(), whole.findings());
        for ((ka, a), (kb_, b)) in whole.mailboxes.iter().zip(&split.mailboxes) {
            assert_eq!(ka, kb_);
            for (x, y) in a.buckets.iter().zip(&b.buckets) {
                assert_eq!(
                    (x.count, x.first_seq, x.last_seq, &x.first_seen, &x.last_seen, &x.times),
                    (y.count, y.first_seq, y.last_seq, &y.first_seen, &y.last_seen, &y.times)
                );
            }
        }
        let ana = &split.mailboxes[0].1.buckets[0];
        assert_eq!(ana.first_seen.as_ref().map(|s| s.text.as_str()), Some("2026-11-20 07:00:00"));
        assert_eq!(ana.last_seen.as_ref().map(|s| s.text.as_str()), Some("2026-11-20 09:00:00"));
    }

    #[test]
    fn only_transient_kinds_keep_their_times() {
        let kb = knowledge_base();
        let at_minute =
            |code: &str, minute: usize| at(code, "Ana", &format!("2026-11-20T08:{minute:02}:00Z"));
        let findings: Vec<Finding> = (0..40)
            .flat_map(|minute| {
                [at_minute("ErrorServerBusy", minute), at_minute("ErrorNonExistentMailbox", minute)]
            })
            .collect();
        let tally = Tally::from_findings(&findings, kb);
        let buckets = &tally.mailboxes[0].1.buckets;
        let times =
            |code: &str| buckets.iter().find(|b| b.traits.code == code).map(|b| (b.timed, b.times.len()));
        // Busy servers are retried, so the repeat rule counts their times;
        // no rule reads the times of a mailbox that does not exist.
        assert_eq!(times("ErrorServerBusy"), Some((40, 40)));
        assert_eq!(times("ErrorNonExistentMailbox"), Some((40, 0)));
    }

    #[test]
    fn a_diagnosis_made_again_counts_as_the_same_one() {
        let kb = knowledge_base();
        let seen = super::super::MailboxCodes::default();
        let findings: Vec<Finding> = (0..4)
            .map(|_| {
                let mut f = at("ErrorServerBusy", "Ana", "2026-11-20 08:00:00");
                // Each made anew, as after its kind was forgotten.
                f.diagnosis = super::super::diagnose(&f, kb, &seen).map(Arc::new);
                f
            })
            .collect();
        let tally = Tally::from_findings(&findings, kb);
        let bucket = &tally.mailboxes[0].1.buckets[0];
        assert!(bucket.diagnosis.is_none(), "nothing added up apart");
        let totals = bucket.totals().expect("counted");
        let one = findings[0].diagnosis.as_ref().unwrap();
        assert_eq!(totals.causes[0].score, 4 * i64::from(one.causes[0].score));
    }
}
