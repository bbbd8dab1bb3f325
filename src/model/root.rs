//! The outcome of correlation: one thing to fix per root cause, with the
//! findings it explains. `diagnose` fills these in; renderers read them.

use serde::Serialize;

use super::Transient;

/// How sure a root cause is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The findings fit the explanation and little else.
    High,
    /// The findings fit, but so might something else.
    Medium,
    /// A best guess from the knowledge base's usual order.
    Low,
}

/// One thing to fix, with the findings it explains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RootCause {
    /// Stable, kebab-case name of the rule (or `code:<kb code>` for a
    /// knowledge-base group).
    pub id: String,
    /// One line saying what went wrong.
    pub title: String,
    /// Every code and inner code of the findings involved, sorted, once each.
    pub codes: Vec<String>,
    /// Mailboxes affected, sorted, once each; findings with no mailbox add none.
    pub mailboxes: Vec<String>,
    /// How many findings it explains.
    pub findings: usize,
    /// The earliest time seen, as the input writes it.
    pub first_seen: Option<String>,
    /// The latest time seen, as the input writes it.
    pub last_seen: Option<String>,
    /// Whether waiting and retrying can clear it.
    pub transient: Transient,
    /// How sure the conclusion is.
    pub confidence: Confidence,
    /// What pointed to it, in words.
    pub evidence: Vec<super::Clue>,
    /// What to do, as steps.
    pub fix: Vec<String>,
    /// The knowledge-base code it explains, when there is one.
    pub kb_code: Option<String>,
}
