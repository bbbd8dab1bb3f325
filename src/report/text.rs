//! Plain readable text: one block per finding, then the totals. This is the
//! form for logs and pipes; terminals get the richer rendering.

use std::io::{self, Write};

use super::Report;
use crate::model::{Class, Finding, Malformed};
use crate::run::Summary;

/// Writes findings as text to `out`, and read failures to `err`.
pub struct Text<W: Write, E: Write> {
    out: W,
    err: E,
}

impl<W: Write, E: Write> Text<W, E> {
    /// A renderer writing to `out`, with read failures going to `err`.
    pub fn new(out: W, err: E) -> Self {
        Text { out, err }
    }
}

fn severity(f: &Finding) -> &'static str {
    match f.class {
        Some(Class::Error) => "error",
        Some(Class::Warning) => "warning",
        Some(Class::Success) => "success",
        None => "alert",
    }
}

impl<W: Write, E: Write> Report for Text<W, E> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        let out = &mut self.out;
        let operation = f.operation.as_deref().map(|o| format!(" in {o}")).unwrap_or_default();
        writeln!(
            out,
            "{}:{}:{}: {}[{}]{operation}",
            f.path,
            f.span.line,
            f.span.column,
            severity(f),
            f.code
        )?;
        if let Some(inner) = &f.inner_code {
            writeln!(out, "  inner code: {inner}")?;
        }
        if let Some(message) = &f.message {
            writeln!(out, "  message: {message}")?;
        }
        for (label, value) in [("mailbox", &f.mailbox), ("profile", &f.profile), ("time", &f.time)] {
            if let Some(value) = value {
                writeln!(out, "  {label}: {value}")?;
            }
        }
        for (name, value) in &f.details {
            writeln!(out, "  {name}: {value}")?;
        }
        if f.truncated {
            writeln!(out, "  (the payload is cut off; this is what was complete)")?;
        }
        if let Some(d) = &f.diagnosis {
            writeln!(out, "  what it means: {}", d.title)?;
            if let Some(cause) = d.causes.first() {
                writeln!(out, "  likely cause: {}", cause.summary)?;
                for (i, step) in cause.fix.iter().enumerate() {
                    writeln!(out, "    {}. {step}", i + 1)?;
                }
            }
        }
        writeln!(out)
    }

    fn malformed(&mut self, m: &Malformed) -> io::Result<()> {
        writeln!(self.out, "{}:{}:{}: malformed payload: {}\n", m.path, m.span.line, m.span.column, m.reason)
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        let _ = writeln!(self.err, "ewsdiag: {path}: skipped: {reason}");
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        let _ = writeln!(self.err, "ewsdiag: {path}: {reason}");
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let st = &s.stats;
        writeln!(
            self.out,
            "{} findings ({} errors, {} warnings, {} alerts and other), {} malformed, in {} inputs ({} bytes); {} skipped, {} unreadable",
            st.findings,
            st.errors,
            st.warnings,
            st.unclassed,
            st.malformed,
            s.inputs,
            st.bytes,
            s.skipped.len(),
            s.unreadable.len()
        )?;
        self.out.flush()
    }
}
