//! The times a bucket of transient errors was seen at, for counting retry
//! attempts: to the second while they are few, to ten seconds past that.
//!
//! A mailbox retried every few minutes for a month leaves tens of thousands
//! of distinct seconds. Up to [`SECONDS_KEPT`] of them are kept as they are;
//! past that the set turns into one bit per ten seconds, grouped by day
//! (about 1 KiB a day), for the earliest [`DAYS_KEPT`] days met, so it never
//! grows past about 70 KiB however many findings or years a log holds.
//! Attempts are minutes apart, so ten seconds blur few, and a mailbox is
//! disabled after ten of them, long before two months are out. Either way a
//! set holds the same thing whatever order its times came in, so sets counted
//! on different threads merge to what one pass would have kept.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

/// Distinct seconds kept exactly; past this the set keeps spans of [`SPAN`].
const SECONDS_KEPT: usize = 4096;
/// Seconds a bit stands for, past [`SECONDS_KEPT`].
pub(crate) const SPAN: i64 = 10;
/// Days whose spans are kept: the earliest met.
const DAYS_KEPT: usize = 64;
const DAY: i64 = 86_400;
/// Words of 64 bits for a day's spans.
const WORDS_A_DAY: usize = ((DAY / SPAN) as usize).div_ceil(64);

/// A day's spans, a bit each.
type Day = Box<[u64; WORDS_A_DAY]>;

/// Distinct times, in seconds.
#[derive(Debug, Clone)]
pub(crate) enum Times {
    /// Every distinct second.
    Seconds(BTreeSet<i64>),
    /// Each span of [`SPAN`] seconds that had a time, by day.
    Spans(BTreeMap<i64, Day>),
}

impl Default for Times {
    fn default() -> Times {
        Times::Seconds(BTreeSet::new())
    }
}

impl Times {
    /// Takes a time in, in seconds.
    pub(crate) fn insert(&mut self, second: i64) {
        match self {
            Times::Seconds(seconds) => {
                if seconds.insert(second) && seconds.len() > SECONDS_KEPT {
                    *self = Times::Spans(spans(std::mem::take(seconds)));
                }
            }
            Times::Spans(days) => mark(days, second),
        }
    }

    /// Takes in the times of another set.
    pub(crate) fn merge(&mut self, other: Times) {
        match other {
            Times::Seconds(seconds) => seconds.into_iter().for_each(|s| self.insert(s)),
            Times::Spans(more) => {
                if let Times::Seconds(seconds) = self {
                    *self = Times::Spans(spans(std::mem::take(seconds)));
                }
                let Times::Spans(days) = self else { unreachable!("made spans above") };
                for (day, spans) in more {
                    match days.entry(day) {
                        Entry::Vacant(room) => {
                            room.insert(spans);
                        }
                        Entry::Occupied(mut mine) => {
                            mine.get_mut().iter_mut().zip(spans.iter()).for_each(|(m, w)| *m |= w);
                        }
                    }
                }
                keep_earliest(days);
            }
        }
    }

    /// Is it down to spans of [`SPAN`] seconds?
    pub(crate) fn is_spans(&self) -> bool {
        matches!(self, Times::Spans(_))
    }

    /// The distinct times, in seconds, in order: a span kept as its start.
    pub(crate) fn seconds(&self) -> Vec<i64> {
        match self {
            Times::Seconds(seconds) => seconds.iter().copied().collect(),
            Times::Spans(days) => {
                let mut seconds = Vec::new();
                for (day, spans) in days {
                    for (i, &word) in spans.iter().enumerate() {
                        let mut bits = word;
                        while bits != 0 {
                            let span = i * 64 + bits.trailing_zeros() as usize;
                            seconds.push(day * DAY + span as i64 * SPAN);
                            bits &= bits - 1;
                        }
                    }
                }
                seconds
            }
        }
    }

    /// How many distinct times (seconds, or spans once down to them).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Times::Seconds(seconds) => seconds.len(),
            Times::Spans(days) => days.values().flat_map(|w| w.iter()).map(|w| w.count_ones() as usize).sum(),
        }
    }
}

/// The spans of `seconds`, by day.
fn spans(seconds: BTreeSet<i64>) -> BTreeMap<i64, Day> {
    let mut days = BTreeMap::new();
    for s in seconds {
        mark(&mut days, s);
    }
    days
}

/// Marks the span of `second`, unless its day is later than all the days
/// kept when they are already as many as are kept.
fn mark(days: &mut BTreeMap<i64, Day>, second: i64) {
    let (day, span) = (second.div_euclid(DAY), (second.rem_euclid(DAY) / SPAN) as usize);
    if days.len() >= DAYS_KEPT && days.last_key_value().is_some_and(|(&last, _)| day > last) {
        return;
    }
    days.entry(day).or_insert_with(|| Box::new([0; WORDS_A_DAY]))[span / 64] |= 1 << (span % 64);
    keep_earliest(days);
}

/// Lets the latest days go past [`DAYS_KEPT`].
fn keep_earliest(days: &mut BTreeMap<i64, Day>) {
    while days.len() > DAYS_KEPT {
        days.pop_last();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_times_are_kept_to_the_second() {
        let mut times = Times::default();
        for s in [61, 5, 61, -30] {
            times.insert(s);
        }
        assert!(!times.is_spans());
        assert_eq!(times.seconds(), [-30, 5, 61]);
    }

    #[test]
    fn many_times_are_kept_to_ten_seconds_in_room_that_grows_with_days() {
        let mut times = Times::default();
        // A time every 15 seconds for two days: 11,520 seconds in as many spans.
        for s in (0..2 * DAY).step_by(15) {
            times.insert(s + 7);
        }
        assert!(times.is_spans());
        assert_eq!(times.len(), 11_520);
        let Times::Spans(days) = &times else { panic!("past {SECONDS_KEPT} seconds: spans") };
        assert_eq!(days.len(), 2);
        assert_eq!(times.seconds()[..4], [0, 20, 30, 50]);
        assert_eq!(times.seconds().last(), Some(&(2 * DAY - 10)));
    }

    #[test]
    fn times_over_many_days_keep_the_earliest_days_only() {
        let mut times = Times::default();
        // A time a week apart from year 1000 on: 400,000 days apart in all.
        let start = -1000 * 365 * DAY;
        for week in (0..400_000).rev() {
            times.insert(start + week * 7 * DAY + 5);
        }
        let Times::Spans(days) = &times else { panic!("past {SECONDS_KEPT} seconds: spans") };
        assert_eq!(days.len(), DAYS_KEPT);
        assert_eq!(times.seconds().first(), Some(&start));
        assert_eq!(times.seconds().last(), Some(&(start + (DAYS_KEPT as i64 - 1) * 7 * DAY)));
    }

    #[test]
    fn sets_merge_to_what_one_pass_keeps() {
        // Every 3 days and 7 seconds: past the days kept, too.
        for (every, count) in [(13, 1000), (7, 6000), (3 * DAY + 7, 5000)] {
            let all: Vec<i64> = (0..count).map(|i| i * every - 50_000).collect();
            let mut one = Times::default();
            all.iter().for_each(|&s| one.insert(s));
            // Alternate times, and a long part with a short one.
            for split in [|i: usize| i.is_multiple_of(2), |i: usize| i < 4500] {
                let (mut a, mut b) = (Times::default(), Times::default());
                for (i, &s) in all.iter().enumerate() {
                    if split(i) { a.insert(s) } else { b.insert(s) }
                }
                let mut other_way = b.clone();
                other_way.merge(a.clone());
                a.merge(b);
                assert_eq!(a.seconds(), one.seconds());
                assert_eq!(other_way.seconds(), one.seconds());
            }
            assert_eq!(one.is_spans(), count > SECONDS_KEPT as i64);
        }
    }
}
