//! Facts that several knowledge-base texts state (the EWS retirement's dates),
//! kept once in `kb/facts.toml` and written `{fact:<name>}` where they are used.
//!
//! The value is put into a file's text before the file is parsed, so an entry,
//! a rule's wording and a note all read the same date, and moving a date is a
//! one-line change.

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a reference to a fact looks like: `{fact:ews-shutdown}`.
const OPEN: &str = "{fact:";

static FACTS: LazyLock<Result<BTreeMap<String, String>, String>> =
    LazyLock::new(|| parse(include_str!("../../kb/facts.toml")));

/// Reads `kb/facts.toml`: names to plain values.
fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let facts: BTreeMap<String, String> =
        toml::from_str(text).map_err(|e| format!("kb/facts.toml: {}", e.message()))?;
    if let Some((name, _)) = facts.iter().find(|(_, v)| v.contains(['"', '\\']) || v.trim().is_empty()) {
        return Err(format!("kb/facts.toml: `{name}` must be plain text, without quotes or backslashes"));
    }
    Ok(facts)
}

/// Every fact, by name. An error when `kb/facts.toml` itself is broken.
pub fn facts() -> Result<&'static BTreeMap<String, String>, &'static str> {
    FACTS.as_ref().map_err(String::as_str)
}

/// `text` with every `{fact:<name>}` replaced by its value; an error naming the
/// first fact that is not known.
pub fn expand(text: &str) -> Result<String, String> {
    if !text.contains(OPEN) {
        return Ok(text.to_owned());
    }
    let facts = facts()?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let end = after.find('}').ok_or_else(|| format!("`{OPEN}` is not closed"))?;
        let name = &after[..end];
        let value =
            facts.get(name).ok_or_else(|| format!("`{OPEN}{name}}}` names no fact in kb/facts.toml"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_put_in_and_unknown_ones_refused() {
        let shutdown = facts().ok().and_then(|f| f.get("ews-shutdown")).cloned().unwrap_or_default();
        assert!(shutdown.ends_with("2027"), "{shutdown}");
        assert_eq!(
            expand("ends on {fact:ews-shutdown}.").as_deref(),
            Ok(format!("ends on {shutdown}.").as_str())
        );
        assert_eq!(expand("no facts {here}").as_deref(), Ok("no facts {here}"));
        assert!(expand("{fact:no-such-fact}").is_err_and(|e| e.contains("no-such-fact")));
        assert!(expand("{fact:ews-shutdown").is_err());
    }

    #[test]
    fn a_fact_with_quotes_is_refused() {
        assert!(parse("a = \"30 \\\"June\\\"\"").is_err());
        assert!(parse("a = \"30 June 2026\"").is_ok());
    }
}
