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
/// `retirement = true`. Kept here rather than in each entry because the dates are
/// one fact shared by all of them, and may move again.
const RETIREMENT_NOTE: &str = "EWS is being retired in Exchange Online. Mailboxes \
with only Kiosk, F1 or F3 licences are refused from 30 June 2026; on 1 October 2026 \
tenants that have not chosen to keep EWS are blocked; on 1 April 2027 EWS is removed \
from Exchange Online for good. Exchange Server on premises is not affected.";

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

/// The page for `entry`, as blocks.
fn page(entry: &Entry) -> Vec<Block> {
    let mut blocks = vec![Block::new(Kind::Title, &format!("{}: {}", entry.code, entry.title))];
    for para in entry.meaning.split("\n\n").filter(|p| !p.trim().is_empty()) {
        blocks.push(Block::new(Kind::Text, para));
    }
    blocks.push(Block::new(Kind::Text, &facts(entry)));
    if entry.retired {
        blocks.push(Block::new(Kind::Quote, RETIRED_NOTE));
    }
    if entry.retirement {
        blocks.push(Block::new(Kind::Quote, RETIREMENT_NOTE));
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
    let mut out = String::new();
    for (i, b) in page(entry).iter().enumerate() {
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
    let width = width.max(20);
    let style = |code: &str, text: &str| {
        if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    };
    let mut out = String::new();
    for (i, b) in page(entry).iter().enumerate() {
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

/// `--list`: one entry per line as code, category, transient and title, in
/// aligned columns.
pub fn list(entries: &[&Entry]) -> String {
    let code_w = entries.iter().map(|e| e.code.chars().count()).max().unwrap_or(0);
    let cat_w = entries.iter().map(|e| e.category.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let _ = writeln!(
            out,
            "{:code_w$}  {:cat_w$}  {:9}  {}",
            e.code,
            e.category,
            transient(e.transient),
            e.title
        );
    }
    out
}

#[cfg(test)]
mod tests;
