//! A finding's payload as miette source code: the text as it stands in the
//! input (reflowed when a line is too long for the terminal), named after the
//! input and the payload's position, and numbered with the input's own line
//! numbers whenever the text was left as it is.

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::reflow::{Reflowed, reflow};
use crate::model::Finding;
use crate::report::sanitize::escape_mapped;

/// How much of a payload past its last label is laid out for drawing.
const SHOWN_PAST_LABELS: usize = 4096;

/// A label to draw: an absolute `(offset, length)` in the input and its text.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    /// Absolute byte offset in the input.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// What the label says.
    pub text: String,
    /// The primary label (the code).
    pub primary: bool,
}

/// The text shown for one payload.
#[derive(Debug, Clone)]
pub(crate) struct PayloadSource {
    /// `path:line:column`, and a note when the text was reflowed.
    name: String,
    /// The payload's absolute offset in the input.
    start: u64,
    /// The payload's text as it stands in the input.
    original_len: usize,
    /// Where escaping controls made the text grow (see [`escape_mapped`]).
    grown: Vec<(usize, usize)>,
    /// The text shown, and how it maps to the escaped text.
    shown: Reflowed,
    /// Added to miette's 0-based line numbers (the payload's line in the
    /// input, less one), or 0 when reflowed text has lines of its own.
    line_base: usize,
    /// Added to columns on the first line: the payload need not start a line.
    column_base: usize,
}

impl PayloadSource {
    /// The source for `f`, or `None` when the scan did not keep its text.
    /// Lines longer than `width` are reflowed.
    pub(super) fn of(f: &Finding, width: usize, labels: &[Label]) -> Option<PayloadSource> {
        let text = f.source.as_deref()?;
        // A workbook cell is named by its place in the sheet (`Alerts!D2`).
        let (name, position) = match (&f.sheet, &f.cell) {
            (Some(sheet), Some(cell)) => (format!("{} {sheet}!{cell}", f.path), None),
            _ => (f.path.clone(), Some((f.span.line, f.span.column))),
        };
        Some(PayloadSource::new(&name, f.span.offset, position, text, width, labels))
    }

    /// The source for `text`, which stands at absolute offset `start` of the
    /// input `path`, at `position` (line and column) when known. Lines are
    /// broken to fit `width`, and so that each label's text fits too.
    pub(super) fn new(
        path: &str,
        start: u64,
        position: Option<(u64, u64)>,
        text: &str,
        width: usize,
        labels: &[Label],
    ) -> Self {
        let relative: Vec<(usize, usize, usize)> = labels
            .iter()
            .filter_map(|l| {
                let offset = usize::try_from(l.offset.checked_sub(start)?).ok()?;
                let length = usize::try_from(l.length).ok()?;
                // miette draws `╰── ` and the text from the underline's middle.
                Some((offset, length, l.text.chars().count() + 4))
            })
            .collect();
        // Only the lines around the labels are drawn: a payload cut off may
        // run a long way past them, and reflowing all of it for each finding
        // would take quadratic time.
        let last = relative.iter().map(|(at, len, _)| at + len).max().unwrap_or(0);
        let mut keep = text.len().min(last.saturating_add(SHOWN_PAST_LABELS));
        while !text.is_char_boundary(keep) {
            keep -= 1;
        }
        let text = &text[..keep];
        crate::scan::work::add(text.len());
        // Controls in the payload are shown as escapes, which moves the
        // labels after them along.
        let (clean, grown) = escape_mapped(text);
        let original_len = text.len();
        let relative: Vec<(usize, usize, usize)> = relative
            .into_iter()
            .map(|(at, len, room)| {
                let from = shifted(&grown, at, true);
                // An empty label just after an escape would end before it starts.
                (from, shifted(&grown, at + len, false).saturating_sub(from), room)
            })
            .collect();
        let shown = reflow(&clean, width, &relative);
        let base = |n: u64| usize::try_from(n.saturating_sub(1)).unwrap_or(0);
        let (name, line_base, column_base) = match position {
            Some((line, column)) if !shown.changed() => {
                (format!("{path}:{line}:{column}"), base(line), base(column))
            }
            Some((line, column)) => (format!("{path}:{line}:{column} (reflowed)"), 0, 0),
            None => (format!("{path}, from byte {start}"), 0, 0),
        };
        PayloadSource { name, start, original_len, grown, shown, line_base, column_base }
    }

    /// Where an absolute `(offset, length)` mark stands in the shown text, or
    /// `None` when it lies outside the payload or cuts a character in two.
    pub(super) fn map(&self, (offset, length): (u64, u64)) -> Option<SourceSpan> {
        let from = usize::try_from(offset.checked_sub(self.start)?).ok()?;
        let to = from.checked_add(usize::try_from(length).ok()?)?;
        if to > self.original_len {
            return None;
        }
        let (from, to) = (shifted(&self.grown, from, true), shifted(&self.grown, to, false));
        let (start, end) = (self.shown.start(from), self.shown.end(to));
        let text = &self.shown.text;
        if end < start || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return None;
        }
        Some(SourceSpan::new(start.into(), end - start))
    }

    /// `label` as miette draws it in the shown text, or `None` when it lies
    /// outside the payload.
    pub(super) fn label(&self, label: &Label) -> Option<LabeledSpan> {
        let span = self.map((label.offset, label.length))?;
        let text = (!label.text.is_empty()).then(|| label.text.clone());
        Some(if label.primary {
            LabeledSpan::new_primary_with_span(text, span)
        } else {
            LabeledSpan::new_with_span(text, span)
        })
    }

    /// The first line with anything on it, to show a payload nothing in it
    /// could be pointed at.
    pub(super) fn first_line(&self) -> SourceSpan {
        let text = &self.shown.text;
        let start = text.len() - text.trim_start().len();
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let end = text[start..end].trim_end().len() + start;
        SourceSpan::new(start.into(), end - start)
    }
}

/// Where `offset` in the original text stands after the growth in `grown`:
/// a span's start moves past growth at its offset, its end does not.
fn shifted(grown: &[(usize, usize)], offset: usize, start: bool) -> usize {
    offset
        + grown
            .iter()
            .take_while(|(at, _)| if start { *at <= offset } else { *at < offset })
            .map(|(_, n)| n)
            .sum::<usize>()
}

impl SourceCode for PayloadSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.shown.text.as_str().read_span(span, before, after)?;
        let column = if inner.line() == 0 { inner.column() + self.column_base } else { inner.column() };
        // Without its last line break, a snippet's last line is not taken for
        // the end of the file: the narratable handler would otherwise pin
        // every later label on that line.
        let data = inner.data();
        let kept = data.strip_suffix(b"\n").map_or(data, |d| d.strip_suffix(b"\r").unwrap_or(d));
        let kept = if kept.len() >= span.offset() + span.len() - inner.span().offset() { kept } else { data };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            kept,
            SourceSpan::new(inner.span().offset().into(), kept.len()),
            inner.line() + self.line_base,
            column,
            inner.line_count(),
        )))
    }
}
