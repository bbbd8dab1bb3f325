//! `--format csv`: one row per finding, for a spreadsheet or a script.
//!
//! Plain RFC 4180: a header row, fields quoted when they hold a comma, quote or
//! line break. No byte order mark unless asked for ([`Csv::with_bom`],
//! `--csv-bom`): scripts (Python's `csv`, `cut`, `mlr`) read a BOM as part of
//! the first column's name, while Excel needs one to read accents as UTF-8.
//!
//! A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! written with a leading `'`, as OWASP advises against CSV injection: log
//! text is the attacker's, and a spreadsheet would run such a cell as a
//! formula. A negative HRESULT therefore reads `'-2147220891`.
//!
//! `details` is `name=value` pairs joined by `; `, and the diagnosis is
//! flattened to its title, category, top cause and that cause's fix steps.

use std::io::{self, Write};

use super::Report;
use crate::model::Summary;
use crate::model::{Finding, Malformed};

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
    "time_text",
    "event",
    "sheet",
    "cell",
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
        Self::build(out, err, false)
    }

    /// A renderer whose output starts with a UTF-8 byte order mark, for Excel.
    pub fn with_bom(out: W, err: E) -> Self {
        Self::build(out, err, true)
    }

    fn build(out: W, err: E, bom: bool) -> Self {
        Csv { out: csv::Writer::from_writer(Bom { inner: out, pending: bom }), err, header: false }
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header {
            self.header = true;
            self.out.write_record(HEADER).map_err(into_io)?;
        }
        Ok(())
    }
}

/// The I/O error inside a CSV error, with its kind kept, so that a closed pipe
/// is still known as one (and ends the run quietly).
fn into_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// `cell`, with a leading `'` when a spreadsheet would read it as a formula.
fn defused(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell }
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
            f.time_text.clone().unwrap_or_default(),
            f.event.to_string(),
            f.sheet.clone().unwrap_or_default(),
            f.cell.clone().unwrap_or_default(),
            f.truncated.to_string(),
            diagnosis.map(|d| d.title.to_string()).unwrap_or_default(),
            diagnosis.map(|d| d.category.to_string()).unwrap_or_default(),
            diagnosis.map(|d| plain(&d.transient)).unwrap_or_default(),
            top.map(|c| c.summary.to_string()).unwrap_or_default(),
            fix.unwrap_or_default(),
        ];
        self.out.write_record(row.map(defused)).map_err(into_io)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Shape;

    fn rows(csv: Csv<Vec<u8>, io::Sink>) -> Vec<u8> {
        csv.out.into_inner().map(|bom| bom.inner).unwrap_or_default()
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote() {
        assert_eq!(defused("=HYPERLINK(\"http://x\")".to_owned()), "'=HYPERLINK(\"http://x\")");
        for lead in ["+1", "-2147220891", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defused(lead.to_owned()), format!("'{lead}"));
        }
        assert_eq!(defused("ErrorServerBusy".to_owned()), "ErrorServerBusy");
        assert_eq!(defused(String::new()), "");
    }

    #[test]
    fn a_formula_in_a_message_reaches_the_file_defused() {
        let mut csv = Csv::new(Vec::new(), io::sink());
        let mut finding = Finding::new(Shape::Exception, "=1+2");
        finding.message = Some("@cmd|' /c calc'!A0".to_owned());
        csv.finding(&finding).expect("writes to memory");
        let text = String::from_utf8(rows(csv)).expect("UTF-8");
        let row = text.lines().nth(1).expect("a row after the header");
        assert!(row.contains(",'=1+2,") && row.contains(",'@cmd|' /c calc'!A0,"), "{row}");
    }

    #[test]
    fn no_byte_order_mark_unless_asked_for() {
        let mut plain = Csv::new(Vec::new(), io::sink());
        plain.finish(&Summary::default()).expect("writes");
        assert!(rows(plain).starts_with(b"path,line,"));
        let mut excel = Csv::with_bom(Vec::new(), io::sink());
        excel.finish(&Summary::default()).expect("writes");
        assert!(rows(excel).starts_with("\u{feff}path,line,".as_bytes()));
    }

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        let mut csv = Csv::new(Closed, io::sink());
        let error = csv.finish(&Summary::default()).expect_err("nothing can be written");
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    }
}
