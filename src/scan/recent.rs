//! "A mention repeats a recent code": the rule that keeps a bare code name in
//! the text around a payload (a log line that says `ErrorServerBusy` again
//! after the response that carried it) from counting as a second error.
//!
//! A repeat carries its code on: a run of mentions each within reach of the
//! one before is one telling, however long it runs. So whether a mention
//! repeats depends only on the findings just before it, never on where the
//! scan started, and a segment that reads the text before it judges alike.
//!
//! One scan applies it as it goes; a file scanned in segments applies it again
//! where two segments meet (`run::split`), with the codes the earlier segment
//! ended on. Both use this type, so the reach and the memory are one rule.

use std::collections::VecDeque;

use crate::model::{Finding, Shape};

/// A bare mention of a code this close after a finding with that code is the
/// same error told again.
pub const REPEAT_REACH: u64 = 8192;

/// The last codes reported (codes and inner codes) and where their payloads
/// ended, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recent {
    codes: VecDeque<(String, u64)>,
}

impl Recent {
    /// How many codes are remembered: enough for the payloads of one burst of
    /// log lines, few enough that looking them up costs nothing.
    pub const KEPT: usize = 16;

    /// Is `f` a bare mention of a code reported just before `offset`?
    pub fn repeats(&self, f: &Finding, offset: u64) -> bool {
        f.shape == Shape::Mention
            && self
                .codes
                .iter()
                .any(|(code, end)| *code == f.code && offset.saturating_sub(*end) < REPEAT_REACH)
    }

    /// Remembers `f`'s code and inner code, its payload ending at `end`.
    pub fn remember(&mut self, f: &Finding, end: u64) {
        for code in std::iter::once(&f.code).chain(f.inner_code.as_ref()) {
            self.push(code.clone(), end);
        }
    }

    /// Remembers what `later` remembers, after what this one does: the codes a
    /// following stretch of the input ended on.
    pub fn extend(&mut self, later: Recent) {
        for (code, end) in later.codes {
            self.push(code, end);
        }
    }

    /// Remembers `code` as told last, ending at `end` (once, however often
    /// it is told).
    fn push(&mut self, code: String, end: u64) {
        if let Some(at) = self.codes.iter().position(|(c, _)| *c == code) {
            self.codes.remove(at);
        }
        if self.codes.len() == Self::KEPT {
            self.codes.pop_front();
        }
        self.codes.push_back((code, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(code: &str) -> Finding {
        Finding::new(Shape::Mention, code)
    }

    #[test]
    fn a_mention_repeats_a_code_reported_just_before() {
        let mut recent = Recent::default();
        let mut f = Finding::new(Shape::EwsResponse, "ErrorInternalServerError");
        f.inner_code = Some("ErrorInvalidLicense".into());
        recent.remember(&f, 100);
        assert!(recent.repeats(&mention("ErrorInvalidLicense"), 150), "inner codes count");
        assert!(recent.repeats(&mention("ErrorInternalServerError"), 100 + REPEAT_REACH - 1));
        assert!(!recent.repeats(&mention("ErrorInternalServerError"), 100 + REPEAT_REACH), "too far");
        assert!(!recent.repeats(&mention("ErrorServerBusy"), 150), "another code");
        assert!(!recent.repeats(&f, 150), "only a bare mention can repeat");
    }

    #[test]
    fn a_run_of_repeats_carries_its_code_on() {
        let mut recent = Recent::default();
        recent.remember(&mention("ErrorServerBusy"), 0);
        // Each repeat within reach of the one before, the last far past the first.
        for step in 1..=10 {
            let at = step * (REPEAT_REACH - 1);
            assert!(recent.repeats(&mention("ErrorServerBusy"), at), "step {step}");
            recent.remember(&mention("ErrorServerBusy"), at);
        }
        assert_eq!(recent.codes.len(), 1, "a code is remembered once");
    }

    #[test]
    fn only_the_latest_codes_are_kept() {
        let mut recent = Recent::default();
        recent.remember(&mention("ErrorServerBusy"), 0);
        for i in 0..Recent::KEPT {
            recent.remember(&mention(&format!("Code{i}")), 10);
        }
        assert!(!recent.repeats(&mention("ErrorServerBusy"), 20), "pushed out by newer codes");
        assert!(recent.repeats(&mention("Code0"), 20));
        let mut earlier = Recent::default();
        earlier.remember(&mention("ErrorServerBusy"), 0);
        earlier.extend(recent);
        assert!(!earlier.repeats(&mention("ErrorServerBusy"), 20), "a later stretch's codes come after");
        assert_eq!(earlier.codes.len(), Recent::KEPT);
    }
}
