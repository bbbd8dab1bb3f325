//! A finding's payload as miette source code: the text as it stands in the
//! input (reflowed when a line is too long for the terminal), named after the
//! input and the payload's position, and numbered with the input's own line
//! numbers whenever the text was left as it is.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::reflow::{Reflowed, reflow};
use crate::model::Finding;

/// The text shown for one payload.
#[derive(Debug, Clone)]
pub(crate) struct PayloadSource {
    /// `path:line:column`, and a note when the text was reflowed.
    name: String,
    /// The payload's absolute offset in the input.
    start: u64,
    /// The payload's text as it stands in the input.
    original_len: usize,
    /// The text shown, and how it maps to the original.
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
    pub fn of(f: &Finding, width: usize) -> Option<PayloadSource> {
        let text = f.source.as_deref()?;
        Some(PayloadSource::new(&f.path, f.span.offset, Some((f.span.line, f.span.column)), text, width))
    }

    /// The source for `text`, which stands at absolute offset `start` of the
    /// input `path`, at `position` (line and column) when known.
    pub fn new(path: &str, start: u64, position: Option<(u64, u64)>, text: &str, width: usize) -> Self {
        let shown = reflow(text, width);
        let base = |n: u64| usize::try_from(n.saturating_sub(1)).unwrap_or(0);
        let (name, line_base, column_base) = match position {
            Some((line, column)) if !shown.changed() => {
                (format!("{path}:{line}:{column}"), base(line), base(column))
            }
            Some((line, column)) => (format!("{path}:{line}:{column}, reflowed to fit"), 0, 0),
            None => (format!("{path}, from byte {start}"), 0, 0),
        };
        PayloadSource { name, start, original_len: text.len(), shown, line_base, column_base }
    }

    /// Where an absolute `(offset, length)` mark stands in the shown text, or
    /// `None` when it lies outside the payload or cuts a character in two.
    pub fn map(&self, (offset, length): (u64, u64)) -> Option<SourceSpan> {
        let from = usize::try_from(offset.checked_sub(self.start)?).ok()?;
        let to = from.checked_add(usize::try_from(length).ok()?)?;
        if to > self.original_len {
            return None;
        }
        let (start, end) = (self.shown.start(from), self.shown.end(to));
        let text = &self.shown.text;
        if end < start || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return None;
        }
        Some(SourceSpan::new(start.into(), end - start))
    }

    /// The first line with anything on it, to show a payload nothing in it
    /// could be pointed at.
    pub fn first_line(&self) -> SourceSpan {
        let text = &self.shown.text;
        let start = text.len() - text.trim_start().len();
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let end = text[start..end].trim_end().len() + start;
        SourceSpan::new(start.into(), end - start)
    }
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
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.line_base,
            column,
            inner.line_count(),
        )))
    }
}
