//! Payloads that could not be read, and inputs that could not be opened, as
//! miette diagnostics.
//!
//! A [`Malformed`] record carries where the payload starts and where reading
//! broke, but not the text (a bulk scan has no use for it). To show the place,
//! the input is opened again and decoded the same way, and only a window
//! around the break is read; standard input cannot be read twice, so there the
//! position is given in words only.

use std::io::{self, Read};
use std::path::PathBuf;

use miette::{Diagnostic, LabeledSpan, MietteDiagnostic, Severity};

use super::source::{Label, PayloadSource};
use crate::input::{self, Origin};
use crate::model::Malformed;
use crate::report::sanitize;

/// Bytes shown before the break, at most: enough for the element that broke.
const BEFORE: u64 = 1536;
/// The label at the break.
const BROKE: &str = "reading broke here";
/// Bytes shown after the break, at most.
const AFTER: u64 = 256;

/// A malformed payload, with its text when the input can be read again.
pub(crate) struct MalformedDiagnostic {
    inner: MietteDiagnostic,
    source: Option<PayloadSource>,
}

impl MalformedDiagnostic {
    /// The diagnostic for `m`; `width` is the room for payload lines.
    pub(super) fn new(m: &Malformed, width: usize, inputs: &mut Reopened) -> Self {
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
        let source = window(m, inputs).ok().flatten().map(|(start, text)| {
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

/// Inputs opened again to show where payloads broke. The malformed payloads
/// of one input come in input order, so one reader going forward serves them
/// all: reopening and skipping to each break would read the input once per
/// break.
#[derive(Default)]
pub(crate) struct Reopened {
    path: String,
    reader: Option<Box<dyn Read + Send>>,
    /// How far `reader` has read.
    at: u64,
}

impl Reopened {
    /// `len` decoded bytes of `path` from offset `start` (fewer at its end).
    fn read(&mut self, path: &str, start: u64, len: u64) -> io::Result<Vec<u8>> {
        if self.reader.is_none() || self.path != path || start < self.at {
            self.reader = Some(input::open(&Origin::File(PathBuf::from(path)))?.reader);
            path.clone_into(&mut self.path);
            self.at = 0;
        }
        let Some(reader) = self.reader.as_mut() else { return Ok(Vec::new()) };
        let skipped = io::copy(&mut reader.take(start - self.at), &mut io::sink())?;
        self.at += skipped;
        let mut bytes = Vec::new();
        reader.take(len).read_to_end(&mut bytes)?;
        self.at += bytes.len() as u64;
        crate::scan::work::add(skipped as usize + bytes.len());
        Ok(bytes)
    }
}

/// The decoded text around the break, and its absolute start offset, or
/// `None` for standard input.
fn window(m: &Malformed, inputs: &mut Reopened) -> io::Result<Option<(u64, String)>> {
    if m.path == "-" {
        return Ok(None);
    }
    let start = m.span.offset.max(m.error_offset.saturating_sub(BEFORE));
    // Past the break too: what follows is often what went wrong (a comment
    // never closed, a stray `<`), up to the end of its line.
    let end = m.error_offset + AFTER;
    let mut bytes = inputs.read(&m.path, start, end - start)?;
    // The window may cut a character in two at either end: drop the pieces,
    // so offsets in the text stay offsets in the input.
    let lead = bytes.iter().take_while(|b| (0x80..0xC0).contains(*b)).count();
    let mut text = bytes.split_off(lead);
    if let Err(e) = std::str::from_utf8(&text)
        && e.error_len().is_none()
    {
        text.truncate(e.valid_up_to());
    }
    let mut text = String::from_utf8_lossy(&text).into_owned();
    let broke =
        usize::try_from(m.error_offset.saturating_sub(start)).unwrap_or(usize::MAX).saturating_sub(lead);
    if let Some(eol) = text.get(broke..).and_then(|rest| rest.find('\n')) {
        text.truncate(broke + eol);
    }
    Ok(Some((start + lead as u64, text)))
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
        .with_help("Check the path and its permissions. The other inputs were still scanned; the run ends with status 2.")
}
