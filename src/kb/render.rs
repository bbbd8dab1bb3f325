//! Entries as pages for `ewsdiag explain`, in the manner of `rustc --explain`:
//! plain Markdown for pipes and snapshots, and the same content wrapped and
//! lightly styled for a terminal.
//!
//! Both renderings walk one list of `Block`s built by `page`, so they cannot
//! drift apart in content. Whether stdout is a terminal, how wide it is and
//! whether colour is wanted are the binary's decisions; this module only takes
//! the answers as arguments.

use std::fmt::Write as _;

use super::entry::Entry;
use crate::model::Transient;

/// What the EWS retirement in Exchange Online means for an entry marked
/// `retirement = true`. Kept here rather than in each entry because it is one
/// note shared by all of them; its dates come from `kb/facts.toml`, where the
/// rules and entries that state them read them too.
const RETIREMENT_NOTE: &str = "EWS is being retired in Exchange Online. Mailboxes \
with only Kiosk, F1 or F3 licences have been refused since {fact:ews-licence-cutoff}; \
tenants that had not opted in to keep EWS have been blocked since \
{fact:ews-opt-in-cutoff}, and the others may use it only for the application IDs on \
EwsAllowedAppIDs; on {fact:ews-shutdown} EWS is switched off in Exchange Online for \
good. Exchange Server on premises is not affected.";

/// The retirement note with its dates put in (as written, should
/// `kb/facts.toml` be broken: `tests/kb.rs` reports that as a problem).
fn retirement_note() -> String {
    super::facts::expand(RETIREMENT_NOTE).unwrap_or_else(|_| RETIREMENT_NOTE.to_owned())
}

/// What a retired entry says about itself.
const RETIRED_NOTE: &str = "Exchange no longer sends this code. It is kept so that \
old logs can still be explained.";

/// The kinds of block a page is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Title,
    Heading,
    Text,
    Quote,
}

/// One paragraph, heading or list item.
#[derive(Debug)]
struct Block {
    kind: Kind,
    /// Spaces before the marker or text.
    indent: usize,
    /// A list marker (`1.`, `-`), if the block is a list item.
    marker: Option<String>,
    /// One paragraph, blanks folded.
    text: String,
    /// A blank line comes before it (off within a tight list).
    gap: bool,
}

impl Block {
    fn new(kind: Kind, text: &str) -> Block {
        Block {
            kind,
            indent: 0,
            marker: None,
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            gap: true,
        }
    }

    fn at(mut self, indent: usize) -> Block {
        self.indent = indent;
        self
    }

    fn item(mut self, marker: String, tight: bool) -> Block {
        self.marker = Some(marker);
        self.gap = !tight;
        self
    }
}

/// The page for `entry`, as blocks, with a note naming each of `others`: the
/// other entries the same query stands for.
fn page(entry: &Entry, others: &[&Entry]) -> Vec<Block> {
    let mut blocks = vec![Block::new(Kind::Title, &format!("{}: {}", entry.code, entry.title))];
    for para in entry.meaning.split("\n\n").filter(|p| !p.trim().is_empty()) {
        blocks.push(Block::new(Kind::Text, para));
    }
    blocks.push(Block::new(Kind::Text, &facts(entry)));
    for other in others {
        blocks.push(Block::new(Kind::Quote, &other_reading(other)));
    }
    if entry.retired {
        blocks.push(Block::new(Kind::Quote, RETIRED_NOTE));
    }
    if entry.retirement {
        blocks.push(Block::new(Kind::Quote, &retirement_note()));
    }

    blocks.push(Block::new(Kind::Heading, "Likely causes"));
    for (n, cause) in entry.causes.iter().enumerate() {
        let marker = format!("{}.", n + 1);
        let inner = marker.len() + 1;
        blocks.push(Block::new(Kind::Text, &cause.summary).item(marker, false));
        if let Some(detail) = &cause.detail {
            blocks.push(Block::new(Kind::Text, detail).at(inner));
        }
        for (negated, label) in [(false, "Points to it"), (true, "Points away from it")] {
            let signals: Vec<String> =
                cause.evidence.iter().filter(|e| e.negated == negated).map(|e| e.describe()).collect();
            if !signals.is_empty() {
                let text = format!("{label}: {}.", signals.join("; "));
                blocks.push(Block::new(Kind::Text, &text).at(inner));
            }
        }
        blocks.push(Block::new(Kind::Text, "Fix:").at(inner));
        for step in &cause.fix {
            blocks.push(Block::new(Kind::Text, step).at(inner).item("-".into(), true));
        }
    }

    blocks.push(Block::new(Kind::Heading, "References"));
    for (n, reference) in entry.references.iter().enumerate() {
        blocks.push(Block::new(Kind::Text, reference).item("-".into(), n > 0));
    }
    blocks
}

/// One line about another entry the query also stands for, with the command
/// that shows it.
fn other_reading(other: &Entry) -> String {
    let kind = match other.ordinal() {
        Some(n) => format!("Read as an EWS ServiceError number ({n})"),
        None => format!("Also a {}", other.source.kind()),
    };
    format!("{kind}: {} (“{}”). See `ewsdiag explain {}`.", other.code, other.title, other.id)
}

/// The one-line summary under the meaning: kind, category, retry behaviour,
/// ordinal and other spellings.
fn facts(entry: &Entry) -> String {
    let mut facts = vec![
        entry.source.kind().to_owned(),
        format!("Category: {}", entry.category),
        format!("Transient: {}", transient(entry.transient)),
    ];
    if let Some(n) = entry.ordinal() {
        facts.push(format!("ServiceError: {n}"));
    }
    if !entry.aliases.is_empty() {
        let aliases: Vec<String> = entry.aliases.iter().map(|a| format!("`{a}`")).collect();
        facts.push(format!("Also known as: {}", aliases.join(", ")));
    }
    facts.join(" · ")
}

/// `yes`, `no` or `sometimes`, as entries and `--transient` spell it.
pub fn transient(t: Transient) -> &'static str {
    match t {
        Transient::Yes => "yes",
        Transient::No => "no",
        Transient::Sometimes => "sometimes",
    }
}

/// The entry's page as Markdown: `# Code: title`, the meaning, a facts line,
/// `## Likely causes` and `## References`. Lines are not wrapped.
pub fn to_markdown(entry: &Entry) -> String {
    readings_to_markdown(&[entry])
}

/// The page for the first of `readings` as [`to_markdown`] writes it, with a
/// note for each of the others (as [`super::KnowledgeBase::readings`] gives
/// them). Empty when there are none.
pub fn readings_to_markdown(readings: &[&Entry]) -> String {
    let Some((entry, others)) = readings.split_first() else {
        return String::new();
    };
    let mut out = String::new();
    for (i, b) in page(entry, others).iter().enumerate() {
        if i > 0 && b.gap {
            out.push('\n');
        }
        let prefix = match b.kind {
            Kind::Title => "# ",
            Kind::Heading => "## ",
            Kind::Quote => "> ",
            Kind::Text => "",
        };
        let marker = b.marker.as_deref().map(|m| format!("{m} ")).unwrap_or_default();
        let _ = writeln!(out, "{:indent$}{prefix}{marker}{}", "", b.text, indent = b.indent);
    }
    out
}

/// The entry's page for a terminal `width` columns wide (at least 20 are used):
/// the same content as [`to_markdown`], wrapped, with headings in bold and notes
/// in colour when `color` is true (ANSI escapes only then).
pub fn to_terminal(entry: &Entry, width: usize, color: bool) -> String {
    readings_to_terminal(&[entry], width, color)
}

/// [`readings_to_markdown`] for a terminal, as [`to_terminal`] lays it out.
pub fn readings_to_terminal(readings: &[&Entry], width: usize, color: bool) -> String {
    let Some((entry, others)) = readings.split_first() else {
        return String::new();
    };
    let width = width.max(20);
    let style = |code: &str, text: &str| {
        if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    };
    let mut out = String::new();
    for (i, b) in page(entry, others).iter().enumerate() {
        if i > 0 && b.gap {
            out.push('\n');
        }
        let (lead, look) = match b.kind {
            Kind::Title => ("", "1"),
            Kind::Heading => ("", "1;4"),
            Kind::Quote => ("│ ", "33"),
            Kind::Text => ("", ""),
        };
        let marker = b.marker.as_deref().map(|m| format!("{m} ")).unwrap_or_default();
        let first = format!("{:indent$}{lead}{marker}", "", indent = b.indent);
        let rest =
            format!("{:indent$}{lead}{:pad$}", "", "", indent = b.indent, pad = marker.chars().count());
        let room = width.saturating_sub(first.chars().count()).max(10);
        for (n, line) in wrap(&b.text, room).iter().enumerate() {
            let head = if n == 0 { &first } else { &rest };
            let head = if b.marker.is_some() && n == 0 {
                style("1", head)
            } else if b.kind == Kind::Quote {
                style(look, head)
            } else {
                head.clone()
            };
            let body = if look.is_empty() { line.clone() } else { style(look, line) };
            let _ = writeln!(out, "{head}{body}");
        }
    }
    out
}

/// Greedy word wrap to `width` characters. A word longer than the line (a URL)
/// gets a line to itself rather than being cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `--list`: one entry per line as id (the code, `graph:`-prefixed for
/// Microsoft Graph's), category, transient and title, in aligned columns.
pub fn list(entries: &[&Entry]) -> String {
    let code_w = entries.iter().map(|e| e.id.chars().count()).max().unwrap_or(0);
    let cat_w = entries.iter().map(|e| e.category.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let _ = writeln!(
            out,
            "{:code_w$}  {:cat_w$}  {:9}  {}",
            e.id,
            e.category,
            transient(e.transient),
            e.title
        );
    }
    out
}

/// An entry as `explain --format json` prints it: every field of the file,
/// plus where it came from, its ServiceError number, and the other entries the
/// query stands for.
#[derive(serde::Serialize)]
struct JsonEntry<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    service_error: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    other_readings: Option<Vec<JsonReading<'a>>>,
}

/// Another entry a query stands for, by id.
#[derive(serde::Serialize)]
struct JsonReading<'a> {
    id: &'a str,
    title: &'a str,
    source: super::Source,
    service_error: Option<u32>,
}

/// The first of `readings` as one JSON object, with `other_readings` naming
/// the rest; `null` when there are none.
pub fn readings_to_json(readings: &[&Entry]) -> serde_json::Result<String> {
    let Some((entry, others)) = readings.split_first() else {
        return Ok("null\n".to_owned());
    };
    let others = others
        .iter()
        .map(|o| JsonReading { id: &o.id, title: &o.title, source: o.source, service_error: o.ordinal() })
        .collect();
    let page = JsonEntry { entry, service_error: entry.ordinal(), other_readings: Some(others) };
    serde_json::to_string_pretty(&page).map(|t| t + "\n")
}

/// `--list --format json`: an array of entries, each as [`readings_to_json`]
/// writes one (without `other_readings`).
pub fn list_to_json(entries: &[&Entry]) -> serde_json::Result<String> {
    let page: Vec<JsonEntry<'_>> = entries
        .iter()
        .map(|entry| JsonEntry { entry, service_error: entry.ordinal(), other_readings: None })
        .collect();
    serde_json::to_string_pretty(&page).map(|t| t + "\n")
}

#[cfg(test)]
mod tests;
