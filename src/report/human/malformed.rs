//! Payloads that could not be read, and inputs that could not be opened, as
//! miette diagnostics.
//!
//! A [`Malformed`] record carries where the payload starts and where reading
//! broke and, when the scan kept payload text for drawing, the text around
//! the break: that window is shown. Nothing is read again, so a log that
//! rotated since, or standard input, shows what the scan saw.

use miette::{Diagnostic, LabeledSpan, MietteDiagnostic, Severity};

use super::source::{Label, PayloadSource};
use crate::model::{Excerpt, Malformed};
use crate::report::sanitize;

/// The label at the break.
const BROKE: &str = "reading broke here";

/// A malformed payload, with the text around its break when the scan kept it.
pub(crate) struct MalformedDiagnostic {
    inner: MietteDiagnostic,
    source: Option<PayloadSource>,
}

impl MalformedDiagnostic {
    /// The diagnostic for `m`; `width` is the room for payload lines.
    pub(super) fn new(m: &Malformed, width: usize) -> Self {
        // Read by its own path; shown with its texts made safe.
        let shown = sanitize::malformed(m);
        let heading = format!(
            "A payload starting at line {}, column {} could not be read: {}\nreading broke at byte {} of the input",
            m.span.line, m.span.column, shown.reason, m.error_offset
        );
        let help = "The text is not well-formed where it broke: often a payload cut off by a log's \
                    line limit, or edited by hand. Everything before it that could be read was \
                    reported. Copy the complete response (for a Dynamics 365 alert, the whole View \
                    Details text) and run ewsdiag inspect on it again.";
        let mut inner = MietteDiagnostic::new(heading)
            .with_code("ewsdiag::malformed")
            .with_severity(Severity::Warning)
            .with_help(help);
        let source = window(m).map(|(start, text)| {
            let position = (start == m.span.offset).then_some((m.span.line, m.span.column));
            // Point at the character where reading stopped, or at the end.
            let broke = usize::try_from(m.error_offset.saturating_sub(start)).unwrap_or(usize::MAX);
            let length = text.get(broke..).and_then(|t| t.chars().next()).map_or(0, char::len_utf8);
            let label =
                Label { offset: m.error_offset, length: length as u64, text: BROKE.into(), primary: true };
            let source =
                PayloadSource::new(&shown.path, start, position, &text, width, std::slice::from_ref(&label));
            if let Some(span) = source.label(&label) {
                inner.labels = Some(vec![span]);
            }
            source
        });
        MalformedDiagnostic { inner, source }
    }
}

/// The text around where `m` broke, cut at the end of that line: where it
/// starts, and the text. Only what the scan kept; nothing is read again.
fn window(m: &Malformed) -> Option<(u64, String)> {
    let Excerpt { offset: start, text } = m.source.as_ref()?;
    let broke = usize::try_from(m.error_offset.saturating_sub(*start)).unwrap_or(usize::MAX);
    let end = text.get(broke..).and_then(|rest| rest.find('\n')).map_or(text.len(), |eol| broke + eol);
    Some((*start, text[..end].to_owned()))
}

impl std::fmt::Debug for MalformedDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.inner, f)
    }
}

impl std::fmt::Display for MalformedDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.inner, f)
    }
}

impl std::error::Error for MalformedDiagnostic {}

impl Diagnostic for MalformedDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }
}

/// An input that could not be read: a program failure, for standard error.
pub(crate) fn unreadable(path: &str, reason: &str) -> MietteDiagnostic {
    MietteDiagnostic::new(format!("cannot read {path}: {reason}"))
        .with_code("ewsdiag::unreadable")
        // Whether other inputs were scanned is the totals' to say: a run may
        // have had only this one.
        .with_help("Check the path and its permissions; the run ends with status 2.")
}
