//! `--format summary`, the default of `scan`: one screen saying what to fix.
//!
//! A bulk scan of a folder of alerts can hold thousands of findings; an
//! administrator wants the few things behind them. So individual findings are
//! not printed at all. At the end come the root causes, ranked by how many
//! mailboxes they hit, each in a few lines (what, which mailboxes, which codes,
//! when, whether it clears by itself, how sure, and the first step of the
//! fix), as many as fit in about one screen, then the totals.

use std::io::{self, Write};

use super::human::text::{Paint, shorten, wrap};
use super::human::{Settings, render_unreadable};
use super::{Discard, FindingWriter, Report};
use crate::model::{Confidence, Finding, Malformed, Note, RootCause, Summary, Transient};

/// Lines the whole summary fits in by default: one terminal screen, when the
/// binary does not know the terminal's height.
pub const SCREEN: usize = 40;
/// Mailboxes named per root cause; the rest are counted.
const MAILBOXES_SHOWN: usize = 5;
/// Skipped or unreadable inputs named; the rest are counted.
const NOTES_SHOWN: usize = 3;
/// Columns root-cause lines are indented by (after ` 1. `).
const INDENT: usize = 4;

/// How many root causes the summary shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// As many as fit in this many lines, with the totals (at least one).
    Screen(usize),
    /// The first this many (`--top N`).
    Top(usize),
    /// Every one (`--all`).
    All,
}

impl Default for Shown {
    fn default() -> Self {
        Shown::Screen(SCREEN)
    }
}

/// Prints nothing per finding, then the one-screen root-cause summary.
pub struct Overview<W: Write, E: Write> {
    out: W,
    settings: Settings,
    err: E,
    err_settings: Settings,
    shown: Shown,
}

impl<W: Write, E: Write> Overview<W, E> {
    /// A renderer writing the summary to `out` as `settings` say, and
    /// unreadable inputs to `err` as `err_settings` say.
    pub fn new(out: W, settings: Settings, err: E, err_settings: Settings) -> Self {
        Overview { out, settings, err, err_settings, shown: Shown::default() }
    }

    /// How many root causes to show (default: one screen of 40 lines).
    pub fn with_shown(mut self, shown: Shown) -> Self {
        self.shown = shown;
        self
    }
}

impl<W: Write, E: Write> Report for Overview<W, E> {
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        // No finding is shown on its own: each is dropped where it is found.
        Some(Box::new(Discard))
    }

    fn finding(&mut self, _: &Finding) -> io::Result<()> {
        Ok(())
    }

    fn malformed(&mut self, _: &Malformed) -> io::Result<()> {
        Ok(())
    }

    fn skipped(&mut self, _: &str, _: &str) -> io::Result<()> {
        // Listed in the totals; a line per binary file would bury the summary.
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        let rendered = render_unreadable(&self.err_settings, path, reason);
        // Best effort: a closed standard error must not stop the scan.
        let _ = self.err.write_all(rendered.as_bytes());
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        write_shown(&mut self.out, summary, &self.settings, self.shown, true)?;
        self.out.flush()
    }
}

/// Writes the ranked root causes, as many as fit in `screen` lines (all of
/// them when `None`), then the totals.
pub(crate) fn write(
    out: &mut dyn Write,
    s: &Summary,
    settings: &Settings,
    screen: Option<usize>,
) -> io::Result<()> {
    let hint = screen.is_some();
    write_shown(out, s, settings, screen.map_or(Shown::All, Shown::Screen), hint)
}

/// Writes the ranked root causes `shown` asks for, then the totals; `hint`
/// says where to see the malformed payloads (the summary format shows none).
fn write_shown(
    out: &mut dyn Write,
    s: &Summary,
    settings: &Settings,
    shown: Shown,
    hint: bool,
) -> io::Result<()> {
    let s = &super::sanitize::summary(s);
    let paint = Paint { color: settings.color };
    let totals = totals(s, settings, hint);
    let causes = &s.root_causes;
    if !causes.is_empty() {
        let n = causes.len();
        let heading = match n {
            1 => "What went wrong: 1 root cause".to_owned(),
            _ => format!("What went wrong: {} root causes, most mailboxes first", thousands(n as u64)),
        };
        writeln!(out, "{}\n", paint.bold(&heading))?;
        // Room for the heading, the totals and the "more" line.
        let (mut room, top) = match shown {
            Shown::Screen(lines) => (lines.saturating_sub(totals.len() + 5), usize::MAX),
            Shown::Top(top) => (usize::MAX, top),
            Shown::All => (usize::MAX, usize::MAX),
        };
        let mut shown = 0;
        for (i, cause) in causes.iter().enumerate() {
            let block = block(i + 1, cause, settings);
            if shown >= top || (shown > 0 && block.len() + 1 > room) {
                break;
            }
            room = room.saturating_sub(block.len() + 1);
            for line in block {
                writeln!(out, "{line}")?;
            }
            writeln!(out)?;
            shown += 1;
        }
        if shown < n {
            let more = format!(
                "{} more root cause{} not shown: --all or --top N shows more, --format json \
                 gives every detail.",
                thousands((n - shown) as u64),
                if n - shown == 1 { "" } else { "s" }
            );
            for line in wrap(&more, settings.width) {
                writeln!(out, "{}", paint.dim(&line))?;
            }
            writeln!(out)?;
        }
    }
    for line in totals {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Writes only the totals (after `inspect`'s diagnostics).
pub(crate) fn write_totals(out: &mut dyn Write, s: &Summary, settings: &Settings) -> io::Result<()> {
    let s = &super::sanitize::summary(s);
    for line in totals(s, settings, false) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One root cause, numbered, in at most seven lines.
fn block(n: usize, c: &RootCause, settings: &Settings) -> Vec<String> {
    let paint = Paint { color: settings.color };
    let dot = if settings.unicode { " · " } else { "; " };
    let room = settings.width.saturating_sub(INDENT).max(20);
    let pad = " ".repeat(INDENT);
    let mut lines = Vec::new();
    let mut title = wrap(&c.title, room);
    if title.len() > 2 {
        let rest = title[1..].join(" ");
        title.truncate(1);
        title.push(shorten(&rest, room, settings.unicode));
    }
    for (i, line) in title.iter().enumerate() {
        let lead = if i == 0 { format!("{n:>2}. ") } else { pad.clone() };
        lines.push(format!("{lead}{}", paint.bold(line)));
    }
    let mailboxes = match c.mailboxes.len() {
        0 => "no mailbox named in the input".to_owned(),
        count => {
            let named = c.mailboxes.iter().take(MAILBOXES_SHOWN).cloned().collect::<Vec<_>>().join(", ");
            let more = count.saturating_sub(MAILBOXES_SHOWN);
            let more = if more > 0 { format!(" +{} more", thousands(more as u64)) } else { String::new() };
            format!(
                "{} mailbox{}: {named}{more}",
                thousands(count as u64),
                if count == 1 { "" } else { "es" }
            )
        }
    };
    lines.push(format!("{pad}{}", shorten(&mailboxes, room, settings.unicode)));
    let findings =
        format!("{} finding{}", thousands(c.findings as u64), if c.findings == 1 { "" } else { "s" });
    let (transient, painted) = match c.transient {
        Transient::Yes => ("transient", paint.yellow("transient")),
        Transient::No => ("permanent", paint.red("permanent")),
        Transient::Sometimes => ("may be transient", paint.yellow("may be transient")),
    };
    let tail = format!("{dot}{findings}{dot}{transient}").chars().count();
    let codes = shorten(&c.codes.join(", "), room.saturating_sub(tail), settings.unicode);
    lines.push(format!("{pad}{codes}{dot}{findings}{dot}{painted}"));
    let confidence = match c.confidence {
        Confidence::High => "high confidence",
        Confidence::Medium => "medium confidence",
        Confidence::Low => "low confidence",
    };
    let seen = match (&c.first_seen, &c.last_seen) {
        (Some(first), Some(last)) if first != last => format!("seen {first} to {}", same_day(first, last)),
        (Some(t), _) | (None, Some(t)) => format!("seen {t}"),
        (None, None) => String::new(),
    };
    if seen.is_empty() {
        lines.push(format!("{pad}{confidence}"));
    } else {
        let seen =
            shorten(&seen, room.saturating_sub(confidence.len() + dot.chars().count()), settings.unicode);
        lines.push(format!("{pad}{seen}{dot}{confidence}"));
    }
    if let Some(step) = c.fix.first() {
        // A command cut in the middle is worse than none: the step wraps.
        for (i, line) in wrap(step, room.saturating_sub(5)).iter().enumerate() {
            let lead = if i == 0 { paint.dim("fix:") } else { "    ".to_owned() };
            lines.push(format!("{pad}{lead} {}", paint.cyan(line)));
        }
    }
    lines
}

/// `last` without the date when it is the same day as `first`: ISO-8601
/// times that share their first ten characters.
fn same_day<'a>(first: &str, last: &'a str) -> &'a str {
    let date = |t: &str| t.get(..10).filter(|d| d.as_bytes().get(4) == Some(&b'-')).map(str::to_owned);
    match (date(first), date(last)) {
        (Some(a), Some(b)) if a == b => last[10..].trim_start_matches(['T', ' ']),
        _ => last,
    }
}

/// The closing counts: inputs, bytes, events, findings by class, malformed, and the
/// inputs left out with why. `hint` says how to see the malformed payloads.
fn totals(s: &Summary, settings: &Settings, hint: bool) -> Vec<String> {
    let st = &s.stats;
    let plural =
        |n: u64, one: &str, many: &str| format!("{} {}", thousands(n), if n == 1 { one } else { many });
    let inputs = plural(s.inputs, "input", "inputs");
    let bytes = plural(st.bytes, "byte", "bytes");
    let mut lines = vec![format!("Scanned {inputs}, {bytes}.")];
    if st.findings == 0 && s.inputs == 0 && !s.unreadable.is_empty() {
        // Nothing was read, so nothing can be said to be absent.
    } else if st.findings == 0 && !s.unreadable.is_empty() {
        lines.push("No EWS errors or sync alerts found in the inputs that could be read.".to_owned());
    } else if st.findings == 0 {
        lines.push("No EWS errors or sync alerts found.".to_owned());
    } else {
        let mut classes = Vec::new();
        for (n, one, many) in [
            (st.errors, "error", "errors"),
            (st.warnings, "warning", "warnings"),
            (st.successes, "success", "successes"),
            (st.unclassed, "alert or other", "alerts and other"),
        ] {
            if n > 0 {
                classes.push(plural(n, one, many));
            }
        }
        let events = plural(st.events, "event", "events");
        let findings = plural(st.findings, "finding", "findings");
        let text = format!("Found {events}, {findings}: {}.", classes.join(", "));
        lines.extend(wrap(&text, settings.width));
    }
    if st.filtered_out > 0 {
        let left = plural(st.filtered_out, "finding", "findings");
        lines.extend(wrap(&format!("The filters left out {left}."), settings.width));
    }
    if st.malformed > 0 {
        let m = plural(st.malformed, "payload", "payloads");
        let hint = if hint { "; --format human shows where" } else { "" };
        let text = format!("{m} could not be read (malformed or cut off){hint}.");
        lines.extend(wrap(&text, settings.width));
    }
    lines.extend(left_out(&s.left_out, settings));
    lines.extend(notes("Skipped", &s.skipped, settings));
    lines.extend(notes("Could not read", &s.unreadable, settings));
    lines
}

/// What the folder walk left out and the flag that takes it in: `Left out 3
/// files: 2 ignored by .gitignore or .ignore rules (--no-ignore includes
/// them), 1 hidden (--hidden includes it).`
fn left_out(left: &crate::model::LeftOut, settings: &Settings) -> Vec<String> {
    if !left.any() {
        return Vec::new();
    }
    let them = |n: u64| if n == 1 { "it" } else { "them" };
    let mut parts = Vec::new();
    if left.ignored > 0 {
        parts.push(format!(
            "{} ignored by .gitignore or .ignore rules (--no-ignore includes {})",
            thousands(left.ignored),
            them(left.ignored)
        ));
    }
    if left.hidden > 0 {
        parts.push(format!("{} hidden (--hidden includes {})", thousands(left.hidden), them(left.hidden)));
    }
    let total = left.ignored + left.hidden;
    let files = if total == 1 { "file" } else { "files" };
    wrap(&format!("Left out {} {files}: {}.", thousands(total), parts.join(", ")), settings.width)
}

/// `Skipped 2: a.bin (binary data), b.bin (binary data)` and a count of the rest.
fn notes(what: &str, notes: &[Note], settings: &Settings) -> Vec<String> {
    if notes.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!("{what} {}:", thousands(notes.len() as u64))];
    for note in notes.iter().take(NOTES_SHOWN) {
        let line = format!("{}: {}", note.path, note.reason);
        lines.push(format!("  {}", shorten(&line, settings.width.saturating_sub(2), settings.unicode)));
    }
    if notes.len() > NOTES_SHOWN {
        lines.push(format!("  and {} more", thousands((notes.len() - NOTES_SHOWN) as u64)));
    }
    lines
}

pub use crate::model::thousands;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(26_988), "26,988");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
