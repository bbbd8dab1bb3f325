//! What a run adds up to: counts per input, the inputs left out, the root
//! causes correlation found and, when measured, where the time went.
//!
//! These live with the findings rather than with the run that fills them in,
//! so that renderers can read a summary without depending on the run that
//! drives them (the run depends on the renderers, never the other way).

use serde::Serialize;

use super::{Class, RootCause};

/// Counts for one input, or summed over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Bytes of decoded text scanned.
    pub bytes: u64,
    /// Events reported: findings that one record of the input (an alert with
    /// its details, a log record, a CSV row) reported together count once.
    pub events: u64,
    /// Findings reported.
    pub findings: u64,
    /// Of those, class Error.
    pub errors: u64,
    /// Of those, class Warning.
    pub warnings: u64,
    /// Of those, class Success (only when asked for).
    pub successes: u64,
    /// Of those, with no class (alerts, exceptions, mentions).
    pub unclassed: u64,
    /// Malformed payloads.
    pub malformed: u64,
    /// Findings the run's filter left out (not counted above).
    pub filtered_out: u64,
}

impl Stats {
    /// Did anything count for the exit status (an error, warning or alert)?
    pub fn has_problems(&self) -> bool {
        self.errors + self.warnings + self.unclassed > 0
    }

    /// Counts one finding of `class`: in `findings` and in its class's counter.
    pub fn count(&mut self, class: Option<Class>) {
        self.findings += 1;
        *self.class_counter(class) += 1;
    }

    /// Adds another input's counts.
    pub fn add(&mut self, other: &Stats) {
        self.bytes += other.bytes;
        self.events += other.events;
        self.findings += other.findings;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.successes += other.successes;
        self.unclassed += other.unclassed;
        self.malformed += other.malformed;
        self.filtered_out += other.filtered_out;
    }

    /// Takes `other`'s findings and malformed payloads back out (findings
    /// counted twice where two scans overlapped), never below zero. Bytes are
    /// left alone (they are measured, not counted), and so are events (the
    /// scan counts an event once, by the segment it belongs to).
    pub fn take_out(&mut self, other: &Stats) {
        self.findings = self.findings.saturating_sub(other.findings);
        self.errors = self.errors.saturating_sub(other.errors);
        self.warnings = self.warnings.saturating_sub(other.warnings);
        self.successes = self.successes.saturating_sub(other.successes);
        self.unclassed = self.unclassed.saturating_sub(other.unclassed);
        self.malformed = self.malformed.saturating_sub(other.malformed);
    }

    /// Takes findings a filter left out (counted as [`Stats::count`] counts)
    /// off the counts, and counts them as left out.
    pub fn leave_out(&mut self, left: &Stats) {
        self.take_out(left);
        self.filtered_out += left.findings;
    }

    fn class_counter(&mut self, class: Option<Class>) -> &mut u64 {
        match class {
            Some(Class::Error) => &mut self.errors,
            Some(Class::Warning) => &mut self.warnings,
            Some(Class::Success) => &mut self.successes,
            None => &mut self.unclassed,
        }
    }
}

/// A path and why it was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The path as shown to the user.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Files a walk left out, by the rule that left them out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// Files that `.gitignore`, `.ignore` or git exclude rules leave out
    /// (`--no-ignore` includes them).
    pub ignored: u64,
    /// Hidden files, and files in hidden folders (`--hidden` includes them).
    pub hidden: u64,
}

impl LeftOut {
    /// Adds another walk's counts.
    pub fn add(&mut self, other: &LeftOut) {
        self.ignored += other.ignored;
        self.hidden += other.hidden;
    }

    /// Did the walk leave anything out?
    pub fn any(&self) -> bool {
        self.ignored + self.hidden > 0
    }
}

/// Where a run's time went, in CPU seconds summed over threads (see
/// `scan --timings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Reading and recognising payloads.
    pub scan: f64,
    /// Ranking causes.
    pub diagnose: f64,
    /// Counting for correlation.
    pub tally: f64,
    /// Writing findings as bytes.
    pub render: f64,
    /// The closing correlation.
    pub correlate: f64,
    /// Copying output out in order.
    pub report: f64,
}

/// What a run did, for the exit status and the closing summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Inputs scanned.
    pub inputs: u64,
    /// Counts over all inputs.
    #[serde(flatten)]
    pub stats: Stats,
    /// Inputs left out on purpose (binary files found while walking).
    pub skipped: Vec<Note>,
    /// Inputs that could not be read.
    pub unreadable: Vec<Note>,
    /// Files the walk left out by its rules (hidden, ignored).
    pub left_out: LeftOut,
    /// What went wrong, ranked: the mailboxes each cause hits and its fix.
    pub root_causes: Vec<RootCause>,
    /// Where the time went, when measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
}

impl Summary {
    /// Did anything count for the exit status (an error, warning or alert)?
    pub fn has_problems(&self) -> bool {
        self.stats.has_problems()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_a_finding_then_taking_it_out_leaves_the_counts_as_they_were() {
        let mut stats = Stats { bytes: 10, ..Stats::default() };
        stats.count(Some(Class::Warning));
        stats.count(None);
        assert_eq!((stats.findings, stats.warnings, stats.unclassed), (2, 1, 1));
        assert!(stats.has_problems());
        let mut twice = Stats::default();
        twice.count(None);
        stats.take_out(&twice);
        assert_eq!((stats.findings, stats.warnings, stats.unclassed, stats.bytes), (1, 1, 0, 10));
        stats.take_out(&twice);
        stats.take_out(&twice);
        assert_eq!(stats.findings, 0, "counts never go below zero");
    }

    #[test]
    fn successes_alone_are_no_problem() {
        let mut stats = Stats::default();
        stats.count(Some(Class::Success));
        assert!(!stats.has_problems());
        assert!(!Summary { stats, ..Summary::default() }.has_problems());
    }
}
