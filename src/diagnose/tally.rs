//! What correlation keeps of a run's findings: counters per mailbox and
//! root-cause signature, never a copy of each finding.
//!
//! A scan can report millions of findings, but they fall into few kinds per
//! mailbox: the same code, for the same reason, on the same profile, again and
//! again. Each finding is counted into the [`Bucket`] of its mailbox whose
//! [`Traits`] (everything a correlation rule looks at) it shares, so memory
//! grows with mailboxes × kinds of error, not with findings.
//!
//! Counting happens on the thread that scanned the finding, into that
//! thread's own tally, and the threads' tallies are merged once at the end.
//! Every finding carries its place in the run ([`Seq`]), and everything a
//! bucket keeps is chosen by place, never by the order of counting: the
//! first spellings, the first evidence, the first and last time. So a merge
//! of tallies that each saw part of the run, in order, equals one pass over
//! all of it, whatever the thread count.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::kb::{Direction, KnowledgeBase};
use crate::model::{Clue, Diagnosis, Finding, Shape, Transient};

use super::resolve;
use super::root::{beats, iso_seconds};
use super::rules::Flags;
use super::signals::{direction, http_status};
use super::times::Times;
use crate::cache::Cache;

/// Evidence phrases kept per cause of a bucket's diagnoses.
const EVIDENCE_KEPT: usize = 8;
/// Spellings of one mailbox kept per bucket.
const SPELLINGS_KEPT: usize = 4;
/// Kinds of finding whose traits are remembered; past this the least used give way.
const KINDS_KEPT: usize = 1024;

/// Where a finding stands in the run: its job (an input, or a segment of a
/// large one, numbered in input order) and its place among that job's
/// findings. Findings compare by it as in one pass over the run. Each half
/// has 32 bits (a bucket keeps several, so they are kept small): past four
/// billion jobs, or findings in one job, places tie rather than wrap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seq(u64);

impl Seq {
    /// The place of finding number `at` (from 0) of job number `job` (from 0).
    pub fn new(job: u64, at: u64) -> Seq {
        let half = |n: u64| n.min(u64::from(u32::MAX));
        Seq(half(job) << 32 | half(at))
    }

    /// The place of the next finding of the same job.
    pub fn next(self) -> Seq {
        Seq(self.0 + u64::from(self.0 as u32 != u32::MAX))
    }
}

/// Where in the run a piece of a diagnosis was first met: the finding, then
/// its place in the diagnosis's list.
type Place = (Seq, u32);

/// What the buckets of a tally share, each kept once by the tally that
/// counted it however many buckets hold it: kinds of traits, phrases of
/// evidence, spellings of mailboxes.
#[derive(Debug, Clone, Default)]
struct Shared {
    kinds: Interned<Traits>,
    phrases: Interned<Clue>,
    names: Interned<str>,
}

/// Values kept once each, shared.
#[derive(Debug)]
struct Interned<T: ?Sized>(FxHashSet<Arc<T>>);

impl<T: ?Sized> Default for Interned<T> {
    fn default() -> Self {
        Interned(FxHashSet::default())
    }
}

impl<T: ?Sized> Clone for Interned<T> {
    fn clone(&self) -> Self {
        Interned(self.0.clone())
    }
}

impl<T: ?Sized + Hash + Eq> Interned<T> {
    /// `item` as kept, kept now (as `make` makes it) if new.
    fn get(&mut self, item: &T, make: impl FnOnce(&T) -> Arc<T>) -> Arc<T> {
        match self.0.get(item) {
            Some(kept) => Arc::clone(kept),
            None => {
                let kept = make(item);
                self.0.insert(Arc::clone(&kept));
                kept
            }
        }
    }
}

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

/// A time as the input wrote it, with the place of its finding in the run
/// (so times that do not compare by value go by the input's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub text: String,
    pub seq: Seq,
}

impl Stamp {
    /// Is this a better first (`Less`) or last (`Greater`) time than `kept`?
    pub(crate) fn beats(&self, kept: &Stamp, want: Ordering) -> bool {
        beats((&self.text, self.seq), (&kept.text, kept.seq), want)
    }

    /// Makes `stamp` say `text` at `seq` if that is a better first (`Less`)
    /// or last (`Greater`) time, in the room it already has (times in a log
    /// move on with nearly every finding).
    fn offer(stamp: &mut Option<Stamp>, text: &str, seq: Seq, want: Ordering) {
        match stamp {
            Some(kept) if beats((text, seq), (&kept.text, kept.seq), want) => {
                if kept.text != text {
                    kept.text.clear();
                    kept.text.push_str(text);
                }
                kept.seq = seq;
            }
            Some(_) => {}
            None => *stamp = Some(Stamp { text: text.to_owned(), seq }),
        }
    }
}

/// The findings of one mailbox that share their [`Traits`], counted.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    pub traits: Arc<Traits>,
    /// The mailbox as written, in the spellings first met (case may differ).
    pub spellings: Firsts<Arc<str>, SPELLINGS_KEPT>,
    pub count: usize,
    /// Place in the run of the first and last finding counted.
    pub first_seq: Seq,
    pub last_seq: Seq,
    pub first_seen: Option<Stamp>,
    pub last_seen: Option<Stamp>,
    /// The largest `BackOffMilliseconds` any finding carried.
    pub backoff: Option<u64>,
    /// Distinct ISO-8601 times, for counting retry attempts: kept only when
    /// the traits are transient, the one rule that reads them.
    pub times: Times,
    /// Findings whose time is ISO-8601.
    pub timed: usize,
    /// The findings' diagnoses, added up.
    pub totals: Option<Totals>,
}

/// Diagnoses of a bucket's findings, added up: each cause's score summed and
/// the evidence that moved it.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    pub code: &'static str,
    pub title: &'static str,
    pub transient: Transient,
    /// Where the diagnosis the header comes from was met.
    first: Seq,
    /// In the order first met.
    pub causes: Vec<CauseTotal>,
    /// The diagnosis added last. Adding it again offers no evidence: each
    /// of its phrases is kept already, or its cause's list is full. (The
    /// weak reference keeps its address from naming another.)
    latest: Weak<Diagnosis>,
}

/// One cause's score over the findings of a bucket.
#[derive(Debug, Clone)]
pub(crate) struct CauseTotal {
    pub id: &'static str,
    pub score: i64,
    /// The first distinct phrases met, each kept once per tally (see
    /// `Tally::shared`).
    pub evidence: Firsts<Arc<Clue>, EVIDENCE_KEPT>,
    /// Where the cause was first met.
    first: Place,
}

impl CauseTotal {
    fn new(id: &'static str, first: Place) -> CauseTotal {
        CauseTotal { id, score: 0, evidence: Firsts::default(), first }
    }

    /// Adds what the same cause counted elsewhere in the run.
    fn merge(&mut self, other: CauseTotal) {
        self.score += other.score;
        self.first = self.first.min(other.first);
        self.evidence.merge(other.evidence);
    }
}

/// The first few distinct items met, each with where it was first met, in
/// that order. Merging two keeps the first of both, so it is the same in
/// whichever order the parts of the run are merged.
#[derive(Debug, Clone)]
pub(crate) struct Firsts<T, const N: usize> {
    items: Vec<(Place, T)>,
}

impl<T, const N: usize> Default for Firsts<T, N> {
    fn default() -> Self {
        Firsts { items: Vec::new() }
    }
}

impl<T: PartialEq, const N: usize> Firsts<T, N> {
    /// Offers an item met at `at`, after all the list holds; `make` turns
    /// the item offered into one kept, only when it is.
    fn offer<Q>(&mut self, item: &Q, at: Place, make: impl FnOnce(&Q) -> T)
    where
        Q: PartialEq + ?Sized,
        T: Borrow<Q>,
    {
        if self.items.len() < N && !self.items.iter().any(|(_, kept)| kept.borrow() == item) {
            // Most lists keep one item (a mailbox spelled one way, a cause
            // with one phrase): room for one, not the four a first push makes.
            if self.items.is_empty() {
                self.items.reserve_exact(1);
            }
            self.items.push((at, make(item)));
        }
    }

    /// Adds the items met elsewhere in the run.
    fn merge(&mut self, other: Firsts<T, N>) {
        for (at, item) in other.items {
            match self.items.iter_mut().find(|(_, kept)| *kept == item) {
                Some((first, _)) => *first = (*first).min(at),
                None => self.items.push((at, item)),
            }
        }
        self.items.sort_by_key(|(at, _)| *at);
        self.items.truncate(N);
    }

    /// The items, in the order first met.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter().map(|(_, item)| item)
    }

    /// The first item met.
    pub(crate) fn first(&self) -> Option<&T> {
        self.iter().next()
    }
}

impl Totals {
    fn of(d: &Diagnosis, at: Seq) -> Totals {
        let causes = Vec::with_capacity(d.causes.len());
        Totals {
            code: d.code,
            title: d.title,
            transient: d.transient,
            first: at,
            causes,
            latest: Weak::new(),
        }
    }

    /// Adds a finding with diagnosis `d`, found at `at`, after all the
    /// totals hold; phrases new to it are kept as `phrases` has them.
    fn add(&mut self, d: &Arc<Diagnosis>, at: Seq, phrases: &mut Interned<Clue>) {
        let again = std::ptr::eq(self.latest.as_ptr(), Arc::as_ptr(d));
        // Each phrase's place in the diagnosis, counted over all its causes.
        let mut phrase = 0_u32;
        for (i, cause) in d.causes.iter().enumerate() {
            let total = match self.causes.iter().position(|c| c.id == cause.id) {
                Some(i) => &mut self.causes[i],
                None => {
                    self.causes.push(CauseTotal::new(cause.id, (at, i as u32)));
                    let last = self.causes.len() - 1;
                    &mut self.causes[last]
                }
            };
            total.score += i64::from(cause.score);
            if again {
                continue;
            }
            for e in &cause.evidence {
                total.evidence.offer(e, (at, phrase), |e| phrases.get(e, |e| Arc::new(e.clone())));
                phrase = phrase.saturating_add(1);
            }
        }
        if !again {
            self.latest = Arc::downgrade(d);
        }
    }

    /// Adds the totals of findings counted elsewhere in the run: what each
    /// keeps goes by where it was met, so the order of merging does not matter.
    fn merge(&mut self, mut other: Totals) {
        if other.first < self.first {
            std::mem::swap(self, &mut other);
        }
        for cause in other.causes {
            match self.causes.iter_mut().find(|c| c.id == cause.id) {
                Some(total) => total.merge(cause),
                None => self.causes.push(cause),
            }
        }
        self.causes.sort_by_key(|c| c.first);
        self.latest = Weak::new();
    }

    /// Adds another bucket's totals after these, as a group of buckets reads
    /// them one after the other.
    pub(crate) fn absorb(&mut self, other: Totals) {
        for cause in other.causes {
            match self.causes.iter_mut().find(|c| c.id == cause.id) {
                Some(total) => {
                    total.score += cause.score;
                    for (at, e) in cause.evidence.items {
                        total.evidence.offer(&e, at, Arc::clone);
                    }
                }
                None => self.causes.push(cause),
            }
        }
    }
}

impl Bucket {
    fn new(traits: Arc<Traits>, seq: Seq) -> Bucket {
        Bucket {
            traits,
            spellings: Firsts::default(),
            count: 0,
            first_seq: seq,
            last_seq: seq,
            first_seen: None,
            last_seen: None,
            backoff: None,
            times: Times::default(),
            timed: 0,
            totals: None,
        }
    }

    /// The mailbox as first written.
    pub(crate) fn mailbox(&self) -> Option<&str> {
        self.spellings.first().map(|m| &**m)
    }

    /// Counts `f`, found at `seq`, after every finding counted so far.
    fn add(&mut self, f: &Finding, seq: Seq, shared: &mut Shared) {
        debug_assert!(seq >= self.last_seq, "a tally takes its findings in order");
        self.count += 1;
        self.last_seq = seq;
        if let Some(m) = &f.mailbox {
            self.spellings.offer(m.as_str(), (seq, 0), |m| shared.names.get(m, |m| Arc::from(m)));
        }
        if let Some(t) = &f.time {
            Stamp::offer(&mut self.first_seen, t, seq, Ordering::Less);
            Stamp::offer(&mut self.last_seen, t, seq, Ordering::Greater);
            if let Some(s) = iso_seconds(t) {
                self.timed += 1;
                if self.traits.transient {
                    self.times.insert(s);
                }
            }
        }
        if let Some(ms) = f.details.get("BackOffMilliseconds").and_then(|v| v.trim().parse::<u64>().ok()) {
            self.backoff = self.backoff.max(Some(ms));
        }
        if let Some(d) = &f.diagnosis {
            self.totals.get_or_insert_with(|| Totals::of(d, seq)).add(d, seq, &mut shared.phrases);
        }
    }

    /// Adds a bucket with the same traits counted elsewhere in the run.
    fn merge(&mut self, other: Bucket) {
        self.count += other.count;
        self.timed += other.timed;
        self.first_seq = self.first_seq.min(other.first_seq);
        self.last_seq = self.last_seq.max(other.last_seq);
        self.spellings.merge(other.spellings);
        if let Some(s) = other.first_seen {
            Stamp::offer(&mut self.first_seen, &s.text, s.seq, Ordering::Less);
        }
        if let Some(s) = other.last_seen {
            Stamp::offer(&mut self.last_seen, &s.text, s.seq, Ordering::Greater);
        }
        self.backoff = self.backoff.max(other.backoff);
        self.times.merge(other.times);
        self.totals = match (self.totals.take(), other.totals) {
            (Some(mut mine), Some(theirs)) => {
                mine.merge(theirs);
                Some(mine)
            }
            (mine, theirs) => mine.or(theirs),
        };
    }
}

/// The buckets of one mailbox (or of the findings that name none), in order
/// of first appearance.
#[derive(Debug, Clone, Default)]
pub(crate) struct MailboxTally {
    /// Each on its own, as a list that grows by doubling would leave room
    /// for many a bucket unused.
    #[allow(clippy::vec_box, reason = "a list's unused room costs a pointer a bucket, not a bucket")]
    pub buckets: Vec<Box<Bucket>>,
    index: FxHashMap<Arc<Traits>, usize>,
}

impl MailboxTally {
    /// The mailbox as first written.
    pub(crate) fn mailbox(&self) -> Option<&str> {
        self.buckets.iter().find_map(|b| b.mailbox())
    }

    /// Where its first finding is in the run.
    fn first_seq(&self) -> Seq {
        self.buckets.first().map_or(Seq::default(), |b| b.first_seq)
    }

    fn bucket(&mut self, traits: &Arc<Traits>, seq: Seq) -> &mut Bucket {
        let at = match self.index.get(traits) {
            Some(&at) => at,
            None => {
                let traits = Arc::clone(traits);
                self.buckets.push(Box::new(Bucket::new(Arc::clone(&traits), seq)));
                self.index.insert(traits, self.buckets.len() - 1);
                self.buckets.len() - 1
            }
        };
        &mut self.buckets[at]
    }

    /// Adds the buckets of the same mailbox counted elsewhere in the run,
    /// keeping them in order of first appearance.
    fn merge(&mut self, other: MailboxTally) {
        for bucket in other.buckets {
            match self.index.get(&bucket.traits) {
                Some(&at) => self.buckets[at].merge(*bucket),
                None => self.buckets.push(bucket),
            }
        }
        self.buckets.sort_by_key(|b| b.first_seq);
        self.index = self.buckets.iter().enumerate().map(|(at, b)| (Arc::clone(&b.traits), at)).collect();
    }
}

/// The problem findings of a run (errors, warnings, alerts), counted per
/// mailbox and kind: all that [`correlate`](super::correlate) needs.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// By mailbox, lower-cased; `None` for findings that name none. In order
    /// of first appearance.
    pub(crate) mailboxes: Vec<(Option<String>, MailboxTally)>,
    /// Where each named mailbox's tally is, and the unnamed one's.
    named: FxHashMap<String, usize>,
    unnamed: Option<usize>,
    /// Findings counted so far.
    seen: u64,
    /// The traits of the findings each diagnosis was shared by: findings
    /// with one diagnosis were alike in everything the traits read. A weak
    /// reference keeps the diagnosis's address from being reused while its
    /// traits are remembered, but not what it holds.
    traits: Cache<usize, (Weak<Diagnosis>, Arc<Traits>), KINDS_KEPT>,
    /// Every kind of traits, phrase of evidence and spelling of a mailbox
    /// met, once: the buckets of all mailboxes share them. (A merged tally
    /// holds those of each tally merged in: no more than one set per thread.)
    shared: Shared,
    /// Room to lower-case a mailbox name in.
    scratch: String,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Tally {
        Tally::default()
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

    /// Counts one finding as the next of the run (a tally that takes every
    /// finding itself, in order: places are numbered from 0, so two tallies
    /// counted this way are not parts of one run to merge); success
    /// responses are left out, as they explain nothing.
    pub fn add(&mut self, f: &Finding, kb: &'static KnowledgeBase) {
        self.add_at(f, kb, Seq::new(0, self.seen));
    }

    /// Counts one finding found at `seq`. One tally takes its findings in
    /// order of `seq`; tallies that took different parts of the run are
    /// then merged.
    pub fn add_at(&mut self, f: &Finding, kb: &'static KnowledgeBase, seq: Seq) {
        if !f.is_problem() {
            return;
        }
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
        self.mailboxes[at].1.bucket(&traits, seq).add(f, seq, &mut self.shared);
    }

    /// The traits of `f`, worked out once per shared diagnosis.
    fn traits_of(&mut self, f: &Finding, kb: &'static KnowledgeBase) -> Arc<Traits> {
        let kinds = &mut self.shared.kinds;
        let mut kind = || kinds.get(&Traits::of(f, kb), |t| Arc::new(t.clone()));
        let Some(d) = &f.diagnosis else { return kind() };
        let id = Arc::as_ptr(d) as usize;
        // The weak reference keeps the address from naming any other.
        let (_, traits) = self.traits.get_or_insert_with(&id, || (Arc::downgrade(d), kind()));
        Arc::clone(traits)
    }

    /// Adds the tally of findings counted elsewhere in the run (on another
    /// thread): the result is the same in whichever order tallies are merged.
    pub fn merge(&mut self, other: Tally) {
        self.seen += other.seen;
        for (key, mailbox) in other.mailboxes {
            let at = self.mailbox_at(key.as_deref());
            self.mailboxes[at].1.merge(mailbox);
        }
        self.mailboxes.sort_by_key(|(_, m)| m.first_seq());
        self.unnamed = self.mailboxes.iter().position(|(key, _)| key.is_none());
        self.named =
            self.mailboxes.iter().enumerate().filter_map(|(at, (key, _))| Some((key.clone()?, at))).collect();
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
        assert_eq!(buckets[0].spellings.iter().map(|m| &**m).collect::<Vec<_>>(), ["Ana", "ana"]);
    }

    #[test]
    fn places_go_by_job_then_finding_and_never_wrap() {
        assert!(Seq::new(0, 5) < Seq::new(1, 0));
        assert!(Seq::new(2, 1) < Seq::new(2, 2));
        assert_eq!(Seq::new(1, 3).next(), Seq::new(1, 4));
        let last = Seq::new(7, u64::MAX);
        assert_eq!(last.next(), last);
        assert!(last < Seq::new(8, 0));
        assert!(Seq::new(u64::MAX, 0) > Seq::new(u64::from(u32::MAX) - 1, u64::MAX));
    }

    #[test]
    fn merging_tallies_of_parts_counts_as_one_pass_would() {
        let kb = knowledge_base();
        let findings = [
            at("ErrorServerBusy", "Ana", "2026-11-20 08:00:00"),
            at("ErrorItemNotFound", "Bo", "2026-11-20 08:01:00"),
            at("ErrorServerBusy", "Ana", "2026-11-20 07:00:00"),
            at("ErrorServerBusy", "Ana", "2026-11-20 09:00:00"),
        ];
        let whole = Tally::from_findings(&findings, kb);
        let (mut split, mut later) = (Tally::new(), Tally::new());
        for (i, f) in findings.iter().enumerate() {
            let part = if i % 2 == 0 { &mut later } else { &mut split };
            part.add_at(f, kb, Seq::new(0, i as u64));
        }
        split.merge(later);
        assert_eq!(split.findings(), whole.findings());
        assert_eq!(fingerprint(&split), fingerprint(&whole));
        let ana = &split.mailboxes[0].1.buckets[0];
        assert_eq!(ana.first_seen.as_ref().map(|s| s.text.as_str()), Some("2026-11-20 07:00:00"));
        assert_eq!(ana.last_seen.as_ref().map(|s| s.text.as_str()), Some("2026-11-20 09:00:00"));
    }

    /// Everything a tally keeps that correlation reads, in words.
    fn fingerprint(tally: &Tally) -> Vec<String> {
        let mut lines = Vec::new();
        for (key, mailbox) in &tally.mailboxes {
            lines.push(format!("mailbox {key:?} {:?}", mailbox.mailbox()));
            for b in &mailbox.buckets {
                let totals = b.totals.as_ref().map(|t| {
                    let causes: Vec<_> = t
                        .causes
                        .iter()
                        .map(|c| (c.id, c.score, c.evidence.iter().collect::<Vec<_>>()))
                        .collect();
                    (t.code, t.title, causes)
                });
                lines.push(format!(
                    "{} {:?} {} {:?}-{:?} {:?} {:?} {:?} {} {:?} {:?} {totals:?}",
                    b.traits.code,
                    b.spellings.iter().collect::<Vec<_>>(),
                    b.count,
                    b.first_seq,
                    b.last_seq,
                    b.first_seen,
                    b.last_seen,
                    b.backoff,
                    b.timed,
                    b.times.is_spans(),
                    b.times.seconds(),
                ));
            }
        }
        lines
    }

    /// A small random number generator, so that the test is the same every run.
    struct Dice(u64);

    impl Dice {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Diagnoses made up for `code`: causes and evidence drawn at random, so
    /// that a bucket meets more evidence than it keeps.
    fn made_up(code: &'static str, dice: &mut Dice) -> Vec<Arc<Diagnosis>> {
        const CAUSES: [&str; 4] = ["scope", "throttle", "license", "network"];
        const WORDS: [&str; 12] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
        (0..6)
            .map(|_| {
                let causes = (0..1 + dice.below(3))
                    .map(|_| crate::model::RankedCause {
                        id: CAUSES[dice.below(CAUSES.len())],
                        summary: "",
                        score: dice.below(20) as i32 - 5,
                        evidence: (0..dice.below(4))
                            .map(|_| {
                                let word = WORDS[dice.below(WORDS.len())];
                                if dice.below(3) == 0 { Clue::against(word) } else { Clue::for_(word) }
                            })
                            .collect(),
                        fix: &[],
                    })
                    .collect();
                Arc::new(Diagnosis {
                    code,
                    namespace: "ews",
                    url: None,
                    title: if dice.below(2) == 0 { "one title" } else { "another title" },
                    category: "",
                    transient: Transient::Sometimes,
                    causes,
                    also: None,
                })
            })
            .collect()
    }

    #[test]
    fn tallies_of_interleaved_parts_merge_in_any_order_to_one_pass() {
        let kb = knowledge_base();
        let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
        const CODES: [&str; 3] = ["ErrorServerBusy", "ErrorItemNotFound", "ErrorAccessDenied"];
        let diagnoses: Vec<Vec<Arc<Diagnosis>>> = CODES.iter().map(|c| made_up(c, &mut dice)).collect();
        // More spellings of one mailbox than a bucket keeps.
        let mailboxes = [
            Some("Ana"),
            Some("ana"),
            Some("ANA"),
            Some("aNa"),
            Some("AnA"),
            Some("Bo"),
            Some("bo"),
            Some("Cy"),
            None,
        ];
        // Past the seconds a bucket keeps, so that its spans are tested too.
        let findings: Vec<Finding> = (0..24_000)
            .map(|i| {
                // Mostly the one transient code.
                let c = dice.below(CODES.len() * 2).saturating_sub(CODES.len());
                let mut f = Finding::new(Shape::EwsResponse, CODES[c]);
                f.mailbox = mailboxes[dice.below(mailboxes.len())].map(str::to_owned);
                let (minute, second) = (dice.below(60 * 24 * 5), dice.below(60));
                let (d, h, m) = (20 + minute / 1440, minute / 60 % 24, minute % 60);
                f.time = match dice.below(8) {
                    0 => None,
                    1 => Some(format!("11/{d}/2026 {h}:{m:02} AM")),
                    2 => Some(format!("2026-11-{d} {h:02}:{m:02}:{second:02}")),
                    _ => Some(format!("2026-11-{d}T{h:02}:{m:02}:{second:02}Z")),
                };
                if dice.below(4) == 0 {
                    f.details.insert("BackOffMilliseconds".into(), format!("{}", dice.below(90_000)));
                }
                // Runs of one diagnosis, as in a log.
                f.diagnosis = Some(Arc::clone(&diagnoses[c][if i % 7 < 4 { 0 } else { dice.below(6) }]));
                f
            })
            .collect();
        let place = |i: usize| Seq::new((i / 40) as u64, (i % 40) as u64);
        let mut whole = Tally::new();
        for (i, f) in findings.iter().enumerate() {
            whole.add_at(f, kb, place(i));
        }
        assert!(whole.mailboxes.iter().any(|(_, m)| m.buckets.iter().any(|b| b.times.is_spans())));
        for round in 0..6 {
            // Each part takes whole jobs, or (as the reporting side takes the
            // findings held at a segment's start) single findings, in order.
            let mut parts: Vec<Tally> = (0..3).map(|_| Tally::new()).collect();
            let mut part = 0;
            for (i, f) in findings.iter().enumerate() {
                if round % 2 == 1 || i % 40 == 0 {
                    part = dice.below(parts.len());
                }
                parts[part].add_at(f, kb, place(i));
            }
            let mut merged = parts.swap_remove(dice.below(parts.len()));
            while !parts.is_empty() {
                merged.merge(parts.swap_remove(dice.below(parts.len())));
            }
            assert_eq!(merged.findings(), whole.findings());
            assert_eq!(fingerprint(&merged), fingerprint(&whole), "round {round}");
        }
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
    fn diagnoses_made_again_add_up_as_one() {
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
        let totals = bucket.totals.as_ref().expect("counted");
        let one = findings[0].diagnosis.as_ref().unwrap();
        assert_eq!(totals.causes.len(), one.causes.len());
        assert_eq!(totals.causes[0].score, 4 * i64::from(one.causes[0].score));
        let evidence: Vec<&Clue> = totals.causes[0].evidence.iter().map(|e| &**e).collect();
        assert_eq!(evidence, one.causes[0].evidence.iter().collect::<Vec<_>>(), "each phrase once");
    }
}
