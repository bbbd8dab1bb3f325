//! Which findings a run reports: `--code`, `--mailbox`, `--since`, `--until`
//! and `--max-count`.
//!
//! Pure: the caller passes the knowledge base and the current time, so every
//! rule here is a unit test away. The run asks [`Gate::admits`] once per
//! finding, in input order, after the finding is diagnosed (so a kept
//! finding's diagnosis is the same with or without filters) and before it is
//! reported, correlated or counted; the gate counts what it left out
//! (as [`Stats`], the scanner's own counts) so the totals can take it off
//! and say so.
//!
//! Times: a finding's time is read in the forms logs write it (RFC 3339,
//! `2026-11-20 08:15:02,117`, `11/20/2026 8:15:02 AM`). A time without a zone
//! is taken as UTC, on both sides of the comparison, so a log written in local
//! time compares with a bound written in the same local time. A finding
//! without a readable time never passes a time bound: nothing shows that it
//! falls inside.

use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::kb::KnowledgeBase;
use crate::kb::Source;
use crate::model::{Finding, Stats};

/// What a finding must match to be reported. The default lets everything
/// through.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    codes: Vec<Wanted>,
    mailboxes: Vec<String>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    max_count: Option<u64>,
}

/// One `--code`: its text, and the knowledge-base entry it names (if any),
/// so that any alias of the entry matches.
#[derive(Debug, Clone, PartialEq)]
struct Wanted {
    text: String,
    entry: Option<(Source, String)>,
}

impl Filter {
    /// Keeps findings whose code or inner code is any spelling of one of
    /// `codes` (an alias the knowledge base knows, or the same text ignoring
    /// case).
    pub fn codes<S: AsRef<str>>(mut self, codes: &[S], kb: &KnowledgeBase) -> Filter {
        self.codes = codes
            .iter()
            .map(|code| {
                let text = code.as_ref().trim();
                Wanted {
                    text: text.to_lowercase(),
                    entry: kb.lookup(text).map(|e| (e.source, e.code.clone())),
                }
            })
            .collect();
        self
    }

    /// Keeps findings whose mailbox is one of `mailboxes`, ignoring case.
    pub fn mailboxes<S: AsRef<str>>(mut self, mailboxes: &[S]) -> Filter {
        self.mailboxes = mailboxes.iter().map(|m| m.as_ref().trim().to_lowercase()).collect();
        self
    }

    /// Keeps findings at or after `since` and at or before `until`.
    pub fn between(mut self, since: Option<Timestamp>, until: Option<Timestamp>) -> Filter {
        self.since = since;
        self.until = until;
        self
    }

    /// Reports at most `n` findings per input.
    pub fn max_count(mut self, n: Option<u64>) -> Filter {
        self.max_count = n;
        self
    }

    /// Does the filter count findings per input (`--max-count`)? Then an input
    /// must reach one gate whole, in order, not in parallel segments.
    pub fn counts_per_input(&self) -> bool {
        self.max_count.is_some()
    }

    /// Does this filter let everything through?
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Does `finding` match the code, mailbox and time conditions? (The count
    /// per input is the [`Gate`]'s.)
    pub fn matches(&self, finding: &Finding, kb: &KnowledgeBase) -> bool {
        self.code_matches(finding, kb) && self.mailbox_matches(finding) && self.time_matches(finding)
    }

    fn code_matches(&self, finding: &Finding, kb: &KnowledgeBase) -> bool {
        if self.codes.is_empty() {
            return true;
        }
        let found = [Some(finding.code.as_str()), finding.inner_code.as_deref()];
        found.into_iter().flatten().any(|code| {
            let entry = kb.lookup(code);
            self.codes.iter().any(|wanted| {
                wanted.text == code.to_lowercase()
                    || entry
                        .zip(wanted.entry.as_ref())
                        .is_some_and(|(e, (source, name))| e.source == *source && e.code == *name)
            })
        })
    }

    fn mailbox_matches(&self, finding: &Finding) -> bool {
        self.mailboxes.is_empty()
            || finding.mailbox.as_deref().is_some_and(|m| {
                let m = m.trim().to_lowercase();
                self.mailboxes.contains(&m)
            })
    }

    fn time_matches(&self, finding: &Finding) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Some(time) = finding.time.as_deref().and_then(finding_time) else {
            return false;
        };
        self.since.is_none_or(|since| time >= since) && self.until.is_none_or(|until| time <= until)
    }
}

/// A [`Filter`] applied to a run's findings in input order: it keeps the count
/// per input for `--max-count` and the number left out.
#[derive(Debug, Default)]
pub struct Gate {
    filter: Filter,
    /// The filter leaves something out (so the gate has work to do).
    active: bool,
    input: String,
    kept_here: u64,
    /// The findings left out since the last [`Gate::take_left_out`].
    left_out: Stats,
}

impl Gate {
    /// A gate applying `filter`.
    pub fn new(filter: Filter) -> Gate {
        Gate { active: !filter.is_empty(), filter, ..Gate::default() }
    }

    /// Should `finding` be reported? Findings arrive in input order; a new
    /// path starts a new count for `--max-count`.
    pub fn admits(&mut self, finding: &Finding, kb: &KnowledgeBase) -> bool {
        if !self.active {
            return true;
        }
        if finding.path != self.input {
            self.input.clone_from(&finding.path);
            self.kept_here = 0;
        }
        let admitted =
            self.filter.matches(finding, kb) && self.filter.max_count.is_none_or(|n| self.kept_here < n);
        if admitted {
            self.kept_here += 1;
        } else {
            self.left_out.count(finding.class);
        }
        admitted
    }

    /// The findings left out since the last call, for the caller to take off
    /// the scanner's counts (which include every finding read).
    pub fn take_left_out(&mut self) -> Stats {
        std::mem::take(&mut self.left_out)
    }
}

/// A `--since`/`--until` argument that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTime(String);

impl fmt::Display for BadTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read `{}` as a time: give a date (2026-11-20), a date and time \
             (2026-11-20T08:15:00, 2026-11-20T08:15:00Z, 2026-11-20T08:15:00+01:00) \
             or a span back from now (7d, 12h, 30m, 2w)",
            self.0
        )
    }
}

impl std::error::Error for BadTime {}

/// Reads a `--since`/`--until` argument: an RFC 3339 time, a date and time
/// without a zone (taken as UTC), a date (its midnight, UTC) or a span back
/// from `now` (`7d`, `12h`, `1w 2d`).
pub fn parse_bound(text: &str, now: Timestamp) -> Result<Timestamp, BadTime> {
    let text = text.trim();
    if let Some(time) = finding_time(text) {
        return Ok(time);
    }
    if let Ok(date) = text.parse::<Date>()
        && let Ok(time) = TimeZone::UTC.to_timestamp(date.to_datetime(Time::midnight()))
    {
        return Ok(time);
    }
    if let Ok(span) = text.parse::<Span>()
        && let Ok(back) = now.to_zoned_datetime(TimeZone::UTC).checked_sub(span.abs())
    {
        return Ok(back.timestamp());
    }
    Err(BadTime(text.to_owned()))
}

/// A finding's time, read in the forms logs write it; zoneless times are UTC.
pub fn finding_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(time) = text.parse::<Timestamp>() {
        return Some(time);
    }
    // A comma before the fraction (`08:15:02,117`) is ISO 8601's other mark.
    let dotted = text.replacen(',', ".", 1);
    let civil = dotted
        .parse::<DateTime>()
        .ok()
        .or_else(|| DateTime::strptime("%m/%d/%Y %I:%M:%S %p", text).ok())
        .or_else(|| DateTime::strptime("%m/%d/%Y %H:%M:%S", text).ok())?;
    TimeZone::UTC.to_timestamp(civil).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb;
    use crate::model::{Class, Shape};

    fn finding(path: &str, code: &str) -> Finding {
        Finding { path: path.to_owned(), ..Finding::new(Shape::EwsResponse, code) }
    }

    fn at(time: &str) -> Timestamp {
        time.parse().expect("an RFC 3339 time")
    }

    #[test]
    fn an_empty_filter_admits_everything_and_leaves_nothing_out() {
        let mut gate = Gate::new(Filter::default());
        assert!(gate.admits(&finding("a", "ErrorServerBusy"), kb::knowledge_base()));
        assert_eq!(gate.take_left_out(), Stats::default());
    }

    #[test]
    fn a_code_matches_through_any_alias_the_knowledge_base_knows() {
        let base = kb::knowledge_base();
        let by_short_name = Filter::default().codes(&["nonexistentmailbox"], base);
        assert!(by_short_name.matches(&finding("a", "ErrorNonExistentMailbox"), base));
        assert!(!by_short_name.matches(&finding("a", "ErrorServerBusy"), base));
        // 363 is the ServiceError number of ErrorServerBusy, as an alert writes it.
        let by_name = Filter::default().codes(&["ErrorServerBusy"], base);
        assert!(by_name.matches(&finding("a", "363"), base));
        let by_number = Filter::default().codes(&["363"], base);
        assert!(by_number.matches(&finding("a", "ErrorServerBusy"), base));
    }

    #[test]
    fn a_code_matches_the_inner_code_too() {
        let base = kb::knowledge_base();
        let mut wrapped = finding("a", "ErrorInternalServerError");
        wrapped.inner_code = Some("ErrorMailboxMoveInProgress".to_owned());
        assert!(Filter::default().codes(&["ErrorMailboxMoveInProgress"], base).matches(&wrapped, base));
        assert!(Filter::default().codes(&["ErrorInternalServerError"], base).matches(&wrapped, base));
    }

    #[test]
    fn a_code_the_knowledge_base_does_not_know_matches_as_text_ignoring_case() {
        let base = kb::knowledge_base();
        let filter = Filter::default().codes(&["ErrorFabrikamSpecial"], base);
        assert!(filter.matches(&finding("a", "errorfabrikamspecial"), base));
        assert!(!filter.matches(&finding("a", "ErrorServerBusy"), base));
    }

    #[test]
    fn several_codes_or_mailboxes_match_any_of_them() {
        let base = kb::knowledge_base();
        let filter = Filter::default().codes(&["ErrorServerBusy", "ErrorAccessDenied"], base);
        assert!(filter.matches(&finding("a", "ErrorAccessDenied"), base));
        let mailboxes = Filter::default().mailboxes(&["Dana Okafor", "rosa lindqvist"]);
        let mut rosa = finding("a", "ErrorServerBusy");
        rosa.mailbox = Some("Rosa Lindqvist".to_owned());
        assert!(mailboxes.matches(&rosa, base));
        rosa.mailbox = Some("Kim Abercrombie".to_owned());
        assert!(!mailboxes.matches(&rosa, base));
        rosa.mailbox = None;
        assert!(!mailboxes.matches(&rosa, base), "no mailbox never matches a mailbox filter");
    }

    #[test]
    fn time_bounds_are_inclusive_and_a_finding_without_a_time_is_left_out() {
        let base = kb::knowledge_base();
        let filter =
            Filter::default().between(Some(at("2026-11-20T08:00:00Z")), Some(at("2026-11-20T09:00:00Z")));
        let mut f = finding("a", "ErrorServerBusy");
        for (time, inside) in [
            ("2026-11-20T08:00:00Z", true),
            ("2026-11-20 08:30:00,117", true),
            ("11/20/2026 9:00:00 AM", true),
            ("2026-11-20T10:30:00+02:00", true),
            ("2026-11-20T09:00:01Z", false),
            ("11/20/2026 7:59:59 AM", false),
            ("not a time", false),
        ] {
            f.time = Some(time.to_owned());
            assert_eq!(filter.matches(&f, base), inside, "{time}");
        }
        f.time = None;
        assert!(!filter.matches(&f, base));
    }

    #[test]
    fn finding_times_are_read_in_the_forms_logs_write() {
        let t = at("2026-11-23T10:02:31Z");
        for text in [
            "2026-11-23T10:02:31Z",
            "2026-11-23 10:02:31Z",
            "2026-11-23 10:02:31",
            "2026-11-23T11:02:31+01:00",
            "11/23/2026 10:02:31 AM",
            "11/23/2026 10:02:31",
        ] {
            assert_eq!(finding_time(text), Some(t), "{text}");
        }
        assert_eq!(finding_time("2026-11-23 10:02:31,250").map(|t| t.subsec_millisecond()), Some(250));
        assert_eq!(finding_time("11/23/2026 1:02:31 PM"), Some(at("2026-11-23T13:02:31Z")));
        assert_eq!(finding_time("yesterday"), None);
    }

    #[test]
    fn bounds_read_dates_times_and_spans_back_from_now() {
        let now = at("2026-11-30T12:00:00Z");
        assert_eq!(parse_bound("2026-11-20", now), Ok(at("2026-11-20T00:00:00Z")));
        assert_eq!(parse_bound("2026-11-20T08:15:00", now), Ok(at("2026-11-20T08:15:00Z")));
        assert_eq!(parse_bound("2026-11-20T08:15", now), Ok(at("2026-11-20T08:15:00Z")));
        assert_eq!(parse_bound("2026-11-20 08:15:00", now), Ok(at("2026-11-20T08:15:00Z")));
        assert_eq!(parse_bound("2026-11-20T08:15:00+01:00", now), Ok(at("2026-11-20T07:15:00Z")));
        assert_eq!(parse_bound("7d", now), Ok(at("2026-11-23T12:00:00Z")));
        assert_eq!(parse_bound("12h", now), Ok(at("2026-11-30T00:00:00Z")));
        assert_eq!(parse_bound("2w", now), Ok(at("2026-11-16T12:00:00Z")));
        let bad = parse_bound("last tuesday", now).expect_err("not a time");
        assert!(bad.to_string().contains("`last tuesday`") && bad.to_string().contains("7d"), "{bad}");
    }

    #[test]
    fn max_count_keeps_the_first_findings_of_each_input() {
        let base = kb::knowledge_base();
        let mut gate = Gate::new(Filter::default().max_count(Some(2)));
        let kept: Vec<bool> = ["a", "a", "a", "b", "b", "b", "b"]
            .iter()
            .map(|path| gate.admits(&finding(path, "ErrorServerBusy"), base))
            .collect();
        assert_eq!(kept, [true, true, false, true, true, false, false]);
        assert_eq!(gate.take_left_out().findings, 3);
        assert_eq!(gate.take_left_out(), Stats::default(), "taken once");
    }

    #[test]
    fn what_is_left_out_is_counted_by_class() {
        let base = kb::knowledge_base();
        let mut gate = Gate::new(Filter::default().codes(&["ErrorAccessDenied"], base));
        let mut error = finding("a", "ErrorServerBusy");
        error.class = Some(Class::Error);
        let alert = finding("a", "ErrorServerBusy");
        let mut kept = finding("a", "ErrorAccessDenied");
        kept.class = Some(Class::Error);
        for f in [&error, &alert, &kept] {
            gate.admits(f, base);
        }
        assert_eq!(gate.take_left_out(), Stats { findings: 2, errors: 1, unclassed: 1, ..Stats::default() });
    }

    #[test]
    fn max_count_counts_only_findings_that_pass_the_other_conditions() {
        let base = kb::knowledge_base();
        let filter = Filter::default().codes(&["ErrorAccessDenied"], base).max_count(Some(1));
        let mut gate = Gate::new(filter);
        assert!(!gate.admits(&finding("a", "ErrorServerBusy"), base));
        assert!(gate.admits(&finding("a", "ErrorAccessDenied"), base));
        assert!(!gate.admits(&finding("a", "ErrorAccessDenied"), base));
        assert_eq!(gate.take_left_out().findings, 2);
    }
}
