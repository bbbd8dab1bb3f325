//! The wording of the correlation rules (`kb/rules/<rule id>.toml`): each rule's
//! titles, evidence phrases and fix steps, by name, with `{placeholders}` the
//! rule fills in (`{wait}`, `{profile}`, `{attempts}`).
//!
//! The rules decide *when* they hold and *which* phrases apply, in code; what
//! they say is data, like every other word the knowledge base gives an
//! administrator. `tests/kb.rs` checks the two agree: every rule has a file,
//! every file a rule, every phrase a rule says is written, every phrase written
//! is said, and every placeholder is one the rule fills.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::facts;

/// The parts of a rule's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// One line saying what went wrong.
    Title,
    /// What pointed to it.
    Evidence,
    /// What to do, one step each.
    Fix,
}

impl Part {
    /// The table the part is written in.
    pub fn table(self) -> &'static str {
        match self {
            Part::Title => "title",
            Part::Evidence => "evidence",
            Part::Fix => "fix",
        }
    }
}

/// One phrase a rule says: the part of its wording, the phrase's name there,
/// and the placeholders the rule fills in it.
pub type Says = (Part, &'static str, &'static [&'static str]);

/// One rule's wording.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleText {
    /// Titles by name.
    #[serde(default)]
    title: BTreeMap<String, String>,
    /// Evidence phrases by name.
    #[serde(default)]
    evidence: BTreeMap<String, String>,
    /// Fix steps by name.
    #[serde(default)]
    fix: BTreeMap<String, String>,
}

impl RuleText {
    /// Reads one rule file, facts put in.
    pub(crate) fn parse(text: &str) -> Result<RuleText, String> {
        let text = facts::expand(text)?;
        let rule: RuleText = toml::from_str(&text).map_err(|e| e.message().to_owned())?;
        if let Some((part, name, _)) = rule.phrases().find(|(_, _, t)| t.trim().is_empty()) {
            return Err(format!("{}.{name} is empty", part.table()));
        }
        Ok(rule)
    }

    /// Every phrase as (part, name, text with its placeholders).
    pub fn phrases(&self) -> impl Iterator<Item = (Part, &str, &str)> {
        [(Part::Title, &self.title), (Part::Evidence, &self.evidence), (Part::Fix, &self.fix)]
            .into_iter()
            .flat_map(|(part, map)| map.iter().map(move |(k, v)| (part, k.as_str(), v.as_str())))
    }

    /// The phrase `name` of `part` with `values` put in for its placeholders,
    /// or `None` when the file has no such phrase.
    pub fn say(&self, part: Part, name: &str, values: &[(&str, &str)]) -> Option<String> {
        let map = match part {
            Part::Title => &self.title,
            Part::Evidence => &self.evidence,
            Part::Fix => &self.fix,
        };
        map.get(name).map(|text| fill(text, values))
    }
}

/// The placeholders `text` uses, in order: the names between `{` and `}`.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

/// `text` with each `{name}` replaced by its value; a placeholder with no value
/// is left as it is, for the tidy test to catch.
fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_by_name() {
        let rule = RuleText::parse("[title]\nmain = \"wait {wait} for {ops}\"\n[fix]\na = \"no braces\"\n");
        let rule = rule.unwrap_or_default();
        assert_eq!(
            rule.say(Part::Title, "main", &[("ops", "FindItem"), ("wait", "5 s")]).as_deref(),
            Some("wait 5 s for FindItem")
        );
        assert_eq!(rule.say(Part::Fix, "a", &[]).as_deref(), Some("no braces"));
        assert_eq!(rule.say(Part::Fix, "missing", &[]), None);
        assert_eq!(fill("left {as} is", &[]), "left {as} is");
        assert_eq!(placeholders("{a} and {b-c}, not {"), ["a", "b-c"]);
    }

    #[test]
    fn unknown_tables_and_empty_phrases_are_refused() {
        assert!(RuleText::parse("[steps]\na = \"x\"\n").is_err());
        assert!(RuleText::parse("[fix]\na = \" \"\n").is_err_and(|e| e.contains("fix.a")));
        assert!(RuleText::parse("[fix]\na = \"since {fact:no-such-fact}\"\n").is_err());
    }
}
