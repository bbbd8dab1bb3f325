//! `--format csv`: one row per finding, for a spreadsheet. The file starts
//! with a UTF-8 byte order mark so Excel reads names with accents correctly;
//! `details` is `name=value` pairs joined by `; `, and the diagnosis is
//! flattened to its title, category, top cause and that cause's fix steps.

use std::io::{self, Write};

use super::Report;
use crate::model::{Finding, Malformed};
use crate::run::Summary;

const HEADER: &[&str] = &[
    "path",
    "line",
    "column",
    "offset",
    "length",
    "shape",
    "wrapping",
    "encoding",
    "class",
    "code",
    "inner_code",
    "message",
    "operation",
    "details",
    "mailbox",
    "profile",
    "time",
    "truncated",
    "title",
    "category",
    "transient",
    "likely_cause",
    "fix",
];

/// Puts a UTF-8 byte order mark before the first byte written.
struct Bom<W: Write> {
    inner: W,
    pending: bool,
}

impl<W: Write> Write for Bom<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending {
            self.inner.write_all("\u{feff}".as_bytes())?;
            self.pending = false;
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes CSV rows to `out`; read failures and malformed payloads go to `err`.
pub struct Csv<W: Write, E: Write> {
    out: csv::Writer<Bom<W>>,
    err: E,
    header: bool,
}

impl<W: Write, E: Write> Csv<W, E> {
    /// A renderer writing rows to `out`, with problems going to `err`.
    pub fn new(out: W, err: E) -> Self {
        Csv { out: csv::Writer::from_writer(Bom { inner: out, pending: true }), err, header: false }
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header {
            self.header = true;
            self.out.write_record(HEADER)?;
        }
        Ok(())
    }
}

/// A JSON value's plain string (`"ews-response"` → `ews-response`).
fn plain<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}

impl<W: Write, E: Write> Report for Csv<W, E> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.header()?;
        let details = f.details.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let diagnosis = f.diagnosis.as_ref();
        let top = diagnosis.and_then(|d| d.causes.first());
        let fix = top.map(|c| {
            c.fix.iter().enumerate().map(|(i, s)| format!("{}. {s}", i + 1)).collect::<Vec<_>>().join(" ")
        });
        let row = [
            f.path.clone(),
            f.span.line.to_string(),
            f.span.column.to_string(),
            f.span.offset.to_string(),
            f.span.length.to_string(),
            plain(&f.shape),
            plain(&f.wrapping),
            plain(&f.encoding),
            plain(&f.class),
            f.code.clone(),
            f.inner_code.clone().unwrap_or_default(),
            f.message.clone().unwrap_or_default(),
            f.operation.clone().unwrap_or_default(),
            details,
            f.mailbox.clone().unwrap_or_default(),
            f.profile.clone().unwrap_or_default(),
            f.time.clone().unwrap_or_default(),
            f.truncated.to_string(),
            diagnosis.map(|d| d.title.to_string()).unwrap_or_default(),
            diagnosis.map(|d| d.category.to_string()).unwrap_or_default(),
            diagnosis.map(|d| plain(&d.transient)).unwrap_or_default(),
            top.map(|c| c.summary.to_string()).unwrap_or_default(),
            fix.unwrap_or_default(),
        ];
        self.out.write_record(&row)?;
        Ok(())
    }

    fn malformed(&mut self, m: &Malformed) -> io::Result<()> {
        let _ = writeln!(
            self.err,
            "ewsdiag: {}:{}:{}: malformed payload: {}",
            m.path, m.span.line, m.span.column, m.reason
        );
        Ok(())
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        let _ = writeln!(self.err, "ewsdiag: {path}: skipped: {reason}");
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        let _ = writeln!(self.err, "ewsdiag: {path}: {reason}");
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}
