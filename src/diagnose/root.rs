//! The output of correlation, and how rule verdicts become it.
//!
//! Rules say *what* they concluded ([`Verdict`]) about the findings of one
//! mailbox; the counting that every root cause needs (mailboxes, findings, first
//! and last time, codes) is done here once, so no rule can get it wrong.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashSet, FxHasher};

use crate::model::{Clue, Confidence, RootCause, Transient, thousands};

use super::tally::{Bucket, Seq, Stamp};

/// Phrases of evidence a root cause shows. It gathers the verdicts of every
/// mailbox it covers, and a rule's phrase often names its mailbox (or counts
/// its findings), so a cause met in 500 mailboxes would say much the same
/// thing 500 times; past this, phrases new to it are only counted.
pub(crate) const EVIDENCE_SHOWN: usize = 12;

/// The phrases of evidence a root cause does not show, each counted once.
#[derive(Debug, Default)]
pub(crate) struct LeftOut(FxHashSet<u64>);

/// What a rule concluded about some findings of one mailbox.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub id: String,
    pub title: String,
    pub kb_code: Option<String>,
    pub transient: Transient,
    pub confidence: Confidence,
    pub evidence: Vec<Clue>,
    pub fix: Vec<String>,
}

impl RootCause {
    /// An empty root cause for `verdict`, to which findings are then added.
    pub(crate) fn from_verdict(v: Verdict) -> RootCause {
        RootCause {
            id: v.id,
            title: v.title,
            codes: Vec::new(),
            mailboxes: Vec::new(),
            findings: 0,
            first_seen: None,
            last_seen: None,
            transient: v.transient,
            confidence: v.confidence,
            evidence: v.evidence,
            fix: v.fix,
            kb_code: v.kb_code,
        }
    }

    /// Is `v` about the same cause, so the two can be one entry with the
    /// mailboxes of both? A cause is one root cause however its wording
    /// varies from mailbox to mailbox; the first mailbox's wording stands.
    pub(crate) fn same_as(&self, v: &Verdict) -> bool {
        self.id == v.id
    }

    /// Adds another mailbox's verdict: evidence it has that this lacks (while
    /// fewer than [`EVIDENCE_SHOWN`] phrases are shown; past that it is only
    /// counted, in `left_out`), and the lower of the two confidences (a merged
    /// claim is only as sure as its weakest part).
    pub(crate) fn absorb(&mut self, v: Verdict, left_out: &mut LeftOut) {
        for e in v.evidence {
            if self.evidence.contains(&e) {
                continue;
            }
            if self.evidence.len() < EVIDENCE_SHOWN {
                self.evidence.push(e);
            } else {
                let mut h = FxHasher::default();
                e.hash(&mut h);
                left_out.0.insert(h.finish());
            }
        }
        self.confidence = self.confidence.max(v.confidence);
    }

    /// Says how many phrases of evidence the other mailboxes' verdicts had
    /// that are not shown.
    pub(crate) fn tell_left_out(&mut self, left_out: &LeftOut) {
        let n = left_out.0.len();
        if n > 0 {
            let phrases = if n == 1 { "phrase" } else { "phrases" };
            self.evidence.push(Clue::for_(format!(
                "{} more {phrases} like these, for other mailboxes",
                thousands(n as u64)
            )));
        }
    }

    /// Counts in the findings of `buckets`.
    pub(crate) fn count(&mut self, buckets: Vec<&Bucket>) {
        for b in &buckets {
            self.findings += b.count;
            for code in std::iter::once(&b.traits.code).chain(b.traits.inner_code.as_ref()) {
                insert_sorted(&mut self.codes, code);
            }
            for m in b.spellings.iter() {
                insert_sorted(&mut self.mailboxes, m);
            }
        }
        // First and last seen by the rule the buckets chose theirs by, so a
        // root cause agrees with the buckets it is made of.
        let best = |stamps: &mut dyn Iterator<Item = &Stamp>, want| {
            stamps.reduce(|kept, s| if s.beats(kept, want) { s } else { kept }).map(|s| s.text.clone())
        };
        self.first_seen = best(&mut buckets.iter().filter_map(|b| b.first_seen.as_ref()), Ordering::Less);
        self.last_seen = best(&mut buckets.iter().filter_map(|b| b.last_seen.as_ref()), Ordering::Greater);
    }
}

/// Adds `item` to a sorted list that holds each item once.
fn insert_sorted(list: &mut Vec<String>, item: &str) {
    if let Err(at) = list.binary_search_by(|kept| kept.as_str().cmp(item)) {
        list.insert(at, item.to_owned());
    }
}

/// Is the time `new` a better first (`Less`) or last (`Greater`) time than
/// `kept`, each with its finding's place in the run? Only ISO-8601 times
/// compare by value (their text sorts as time once `T` and a blank are made
/// equal), so one beats any other kind of time; of equal ones the earlier in
/// the run stays. Anything else, such as `11/20/2026 8:15 AM`, would sort
/// wrongly, so the input's order stands: the first one read is first and
/// the last one read is last. It is a total order, so the best time of many
/// is the same whatever order they are offered in.
pub(crate) fn beats(new: (&str, Seq), kept: (&str, Seq), want: Ordering) -> bool {
    match (is_iso(new.0), is_iso(kept.0)) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => match iso_cmp(new.0, kept.0) {
            Ordering::Equal => new.1 < kept.1,
            order => order == want,
        },
        (false, false) => new.1.cmp(&kept.1) == want,
    }
}

/// Does `t` start like an ISO-8601 date and time (`2026-11-20T08:15`)?
fn is_iso(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
}

/// How two ISO-8601 times' texts sort, `T` and a blank between date and
/// time made equal: the bytes before and after that place, compared as
/// slices (both are long enough to have it, see [`is_iso`]).
fn iso_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a[..10].cmp(&b[..10]).then_with(|| a[11..].cmp(&b[11..]))
}

/// Seconds since 2000-01-01 of an ISO-8601 time (time zone ignored: times in
/// one log share one), to tell synchronization cycles apart.
pub(crate) fn iso_seconds(t: &str) -> Option<i64> {
    if !is_iso(t) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let s = if t.as_bytes().get(16) == Some(&b':') { num(17..19).unwrap_or(0) } else { 0 };
    // Days from the civil date in the proleptic Gregorian calendar, counted
    // in 400-year eras of 146,097 days, with years starting in March so that
    // the leap day comes last.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 730_425;
    Some(((days * 24 + h) * 60 + mi) * 60 + s)
}

/// Most mailboxes first, then most findings, then the surest, then by id so
/// the order never depends on anything but the input. Findings that name no
/// mailbox still concern at least one, so such a cause ranks with the causes
/// of one mailbox, by its findings, rather than after all of them.
pub(crate) fn rank(roots: &mut [RootCause]) {
    let reach = |r: &RootCause| r.mailboxes.len().max(1);
    roots.sort_by(|a, b| {
        reach(b)
            .cmp(&reach(a))
            .then(b.findings.cmp(&a.findings))
            .then(a.confidence.cmp(&b.confidence))
            .then(a.id.cmp(&b.id))
            .then(a.title.cmp(&b.title))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_met_in_many_mailboxes_shows_a_dozen_phrases_and_counts_the_rest() {
        let verdict = |mailbox: usize| Verdict {
            id: "not-a-mailbox".into(),
            title: "The address leads to no mailbox".into(),
            kb_code: None,
            transient: Transient::No,
            confidence: Confidence::High,
            evidence: vec![
                Clue::for_("ErrorNonExistentMailbox when receiving email"),
                Clue::for_(format!("both for the mailbox \"user{mailbox}\"")),
            ],
            fix: Vec::new(),
        };
        let mut root = RootCause::from_verdict(verdict(0));
        let mut left_out = LeftOut::default();
        for mailbox in 1..30 {
            root.absorb(verdict(mailbox), &mut left_out);
        }
        // A phrase left out before is counted once.
        root.absorb(verdict(20), &mut left_out);
        assert_eq!(root.evidence.len(), EVIDENCE_SHOWN);
        assert_eq!(root.evidence[EVIDENCE_SHOWN - 1].text, "both for the mailbox \"user10\"");

        root.tell_left_out(&left_out);
        let last = root.evidence.last().map(|e| e.text.as_str());
        assert_eq!(last, Some("19 more phrases like these, for other mailboxes"));
    }

    #[test]
    fn iso_times_compare_and_count_seconds() {
        assert!(is_iso("2026-11-20T08:15:02Z"));
        assert!(!is_iso("11/20/2026 8:15:02 AM"));
        let a = iso_seconds("2026-11-24 06:00:04");
        let b = iso_seconds("2026-11-24T06:05:07Z");
        assert_eq!(b.zip(a).map(|(b, a)| b - a), Some(303));
        let midnight = iso_seconds("2026-03-01 00:00");
        let before = iso_seconds("2026-02-28 23:59");
        assert_eq!(midnight.zip(before).map(|(m, b)| m - b), Some(60));
    }

    #[test]
    fn iso_times_sort_by_their_bytes_with_the_separator_set_aside() {
        // The order as it was once written: every byte, the tenth made a blank.
        let by_bytes = |a: &str, b: &str| {
            let key = |t: &str| {
                t.bytes().enumerate().map(|(i, c)| if i == 10 { b' ' } else { c }).collect::<Vec<_>>()
            };
            key(a).cmp(&key(b))
        };
        let times = [
            "2026-11-20T08:15:02Z",
            "2026-11-20 08:15:02Z",
            "2026-11-20t08:15:02.117Z",
            "2026-11-20T08:15:02.1Z",
            "2026-11-20T08:15",
            "2026-11-20 08:15:02",
            "2026-11-21T00:00:00Z",
            "2026-11-19T23:59:59.999Z",
            "2026-11-20T08:15:02+01:00",
        ];
        for a in times {
            for b in times {
                assert!(is_iso(a) && is_iso(b));
                assert_eq!(iso_cmp(a, b), by_bytes(a, b), "{a} against {b}");
            }
        }
    }

    #[test]
    fn times_compare_by_value_when_iso_and_by_place_otherwise() {
        let (early, late) = (Seq::new(0, 1), Seq::new(3, 0));
        let (first, last) = (Ordering::Less, Ordering::Greater);
        // Not ISO: the input's order stands.
        assert!(beats(("11/20/2026 8:00 AM", late), ("11/20/2026 9:00 AM", early), last));
        assert!(!beats(("11/20/2026 8:00 AM", late), ("11/20/2026 9:00 AM", early), first));
        assert!(beats(("11/20/2026 9:00 AM", early), ("11/20/2026 8:00 AM", late), first));
        // ISO: by value, wherever read; of equal times the earlier stays.
        assert!(beats(("2026-11-20T08:00", late), ("2026-11-20 09:00", early), first));
        assert!(!beats(("2026-11-20T08:00", late), ("2026-11-20 09:00", early), last));
        assert!(!beats(("2026-11-20 08:00", late), ("2026-11-20T08:00", early), first));
        assert!(beats(("2026-11-20 08:00", early), ("2026-11-20T08:00", late), last));
        // An ISO time beats one that cannot be compared, either way.
        for want in [first, last] {
            assert!(beats(("2026-11-20 08:00", late), ("11/20/2026 9:00 AM", early), want));
            assert!(!beats(("11/20/2026 9:00 AM", early), ("2026-11-20 08:00", late), want));
        }
    }
}
