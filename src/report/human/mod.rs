//! `--format human`: every finding as a miette diagnostic, for a person at a
//! terminal (and the default of `inspect`).
//!
//! Findings are not program failures, so they are rendered explicitly to
//! standard output through a handler configured from [`Settings`], never
//! through miette's global hook; only unreadable inputs go to standard error,
//! as miette errors. The renderer takes plain settings: whether standard
//! output is a terminal, `NO_COLOR` and the like are the binary's business.
//!
//! Findings that belong together (the messages of one SOAP envelope, or an
//! alert and the View Details payload printed under it) are shown as one
//! diagnostic with the others as related diagnostics, so the same causes and
//! fix are not printed twice.

mod diagnostic;
mod malformed;
mod reflow;
mod source;
pub(crate) mod text;

use std::io::{self, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NarratableReportHandler};

use self::diagnostic::FindingDiagnostic;
use self::malformed::MalformedDiagnostic;
use super::Report;
use super::sanitize::{self, for_terminal};
use super::summary;
use crate::model::Summary;
use crate::model::{Class, Finding, Malformed, Shape};

/// How output should look; decided by the binary from flags, the environment
/// and the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Use colour (ANSI escapes). Default false.
    pub color: bool,
    /// Columns to fit the output in. Default 80.
    pub width: usize,
    /// Plain sentences for screen readers instead of drawings (miette's
    /// narratable handler). Default false.
    pub narrate: bool,
    /// Draw with Unicode box characters rather than ASCII. Default true.
    pub unicode: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { color: false, width: 80, narrate: false, unicode: true }
    }
}

impl Settings {
    /// Renders `diagnostic` to a string, graphical or narrated.
    pub(crate) fn render(&self, diagnostic: &dyn Diagnostic) -> String {
        let mut out = String::new();
        let result = if self.narrate {
            NarratableReportHandler::new()
                .with_context_lines(CONTEXT_LINES)
                .render_report(&mut out, diagnostic)
        } else {
            let theme = match (self.color, self.unicode) {
                (true, true) => GraphicalTheme::unicode(),
                (true, false) => GraphicalTheme::ascii(),
                (false, true) => GraphicalTheme::unicode_nocolor(),
                (false, false) => GraphicalTheme::none(),
            };
            GraphicalReportHandler::new_themed(theme)
                .with_width(self.width)
                // Terminal hyperlinks are escape sequences many terminals print raw.
                .with_links(false)
                // The source is named with the payload's own position instead.
                .without_primary_span_start()
                .with_context_lines(CONTEXT_LINES)
                .render_report(&mut out, diagnostic)
        };
        // textwrap indents blank lines too; trailing blanks help nobody.
        let mut out: String = out.lines().map(|l| format!("{}\n", l.trim_end())).collect();
        if result.is_err() {
            // miette only fails when a label cannot be read back from its
            // source, which the spans are checked against; say so rather than
            // print half a diagnostic.
            out = format!("{diagnostic} (this finding could not be drawn)\n");
        }
        out
    }

    /// Room for a line of payload: the width less miette's gutter.
    fn source_width(&self) -> usize {
        self.width.saturating_sub(SOURCE_GUTTER).max(30)
    }

    /// Room for a line of help: the width less the `help: ` indent.
    fn help_width(&self) -> usize {
        self.width.saturating_sub(HELP_INDENT).max(30)
    }
}

/// Lines of payload shown around each label.
const CONTEXT_LINES: usize = 1;
/// Columns miette puts before a payload line: the line number (` 12 │ `)
/// and, beside a label over several lines, its own gutter (`╭─▶ `).
const SOURCE_GUTTER: usize = 10;
/// Columns miette puts before help lines (`  help: `), plus the two it keeps
/// free at the right edge.
const HELP_INDENT: usize = 10;
/// Findings of one input this close together (in bytes, end to start) and with
/// the same mailbox and time are one event, shown together.
const RELATED_GAP: u64 = 256;

/// Renders findings as miette diagnostics, then the run summary.
pub struct Human<W: Write, E: Write> {
    out: W,
    settings: Settings,
    err: E,
    err_settings: Settings,
    summary: bool,
    group: Vec<Finding>,
    shown: usize,
}

impl<W: Write, E: Write> Human<W, E> {
    /// A renderer writing diagnostics to `out` as `settings` say, and
    /// unreadable inputs to `err` as `err_settings` say (standard error may be
    /// a terminal when standard output is not).
    pub fn new(out: W, settings: Settings, err: E, err_settings: Settings) -> Self {
        Human { out, settings, err, err_settings, summary: true, group: Vec::new(), shown: 0 }
    }

    /// Whether to end with the ranked root causes (default true). `inspect`
    /// turns it off: for one payload the diagnostics already say it all, and
    /// only the totals follow.
    pub fn with_summary(mut self, summary: bool) -> Self {
        self.summary = summary;
        self
    }

    fn write(&mut self, rendered: &str) -> io::Result<()> {
        if self.shown > 0 {
            writeln!(self.out)?;
        }
        self.shown += 1;
        self.out.write_all(rendered.trim_end_matches('\n').as_bytes())?;
        writeln!(self.out)
    }

    /// Renders the findings waiting to be shown together.
    fn flush(&mut self) -> io::Result<()> {
        let group = std::mem::take(&mut self.group);
        let Some(lead) = (0..group.len()).max_by_key(|&i| (richness(&group[i]), std::cmp::Reverse(i))) else {
            return Ok(());
        };
        let (help_width, source_width) = (self.settings.help_width(), self.settings.source_width());
        let shown = diagnostic::codes_of(&group[lead]);
        let mut top = FindingDiagnostic::new(&group[lead], help_width, source_width, &[]);
        for f in group.iter().enumerate().filter(|&(i, _)| i != lead).map(|(_, f)| f) {
            // Related diagnostics are drawn inside the lead one, indented.
            top.relate(FindingDiagnostic::new(f, help_width, source_width.saturating_sub(4), &shown));
        }
        let rendered = self.settings.render(&top);
        self.write(&rendered)
    }
}

/// An input that could not be read, as a miette error for standard error.
pub(crate) fn render_unreadable(settings: &Settings, path: &str, reason: &str) -> String {
    settings.render(&malformed::unreadable(&for_terminal(path), &for_terminal(reason)))
}

/// How much a finding tells, to pick the one a group is shown under: an inner
/// code (the real reason) beats a structured response beats an alert line.
fn richness(f: &Finding) -> u8 {
    let structured = matches!(f.shape, Shape::EwsResponse | Shape::SoapFault | Shape::JsonResponse);
    u8::from(f.inner_code.is_some()) * 4
        + u8::from(structured) * 2
        + u8::from(f.diagnosis.is_some())
        + u8::from(f.class == Some(Class::Error))
}

/// Does `next` belong with `last`: the same input, right after it, about the
/// same mailbox at the same time?
fn together(last: &Finding, next: &Finding) -> bool {
    let end = last.span.offset + last.span.length;
    last.path == next.path
        && next.span.offset >= end
        && next.span.offset - end <= RELATED_GAP
        && last.mailbox == next.mailbox
        && last.time == next.time
}

impl<W: Write, E: Write> Report for Human<W, E> {
    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        if self.group.last().is_some_and(|last| !together(last, finding)) {
            self.flush()?;
        }
        self.group.push(sanitize::finding(finding));
        Ok(())
    }

    fn malformed(&mut self, m: &Malformed) -> io::Result<()> {
        self.flush()?;
        let diagnostic = MalformedDiagnostic::new(m, self.settings.source_width());
        let rendered = self.settings.render(&diagnostic);
        self.write(&rendered)
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.flush()?;
        // Not a failure: one line, and the summary lists it again.
        let _ = writeln!(self.err, "ewsdiag: skipped {}: {}", for_terminal(path), for_terminal(reason));
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.flush()?;
        self.out.flush()?;
        let rendered = render_unreadable(&self.err_settings, path, reason);
        // Best effort: a closed standard error must not stop the scan.
        let _ = self.err.write_all(rendered.as_bytes()).and_then(|()| self.err.flush());
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        self.flush()?;
        if self.shown > 0 {
            writeln!(self.out)?;
        }
        if self.summary {
            // The findings were long already; list every root cause.
            summary::write(&mut self.out, s, &self.settings, None)?;
        } else {
            summary::write_totals(&mut self.out, s, &self.settings)?;
        }
        self.out.flush()
    }
}
