//! Reading workbooks (`.xlsx`, `.xlsm`, `.xls`) row by row, with calamine.
//!
//! Dynamics 365's "Export to Excel" writes one record per row under a header
//! row. Every cell that holds text is handed on to be scanned; the header
//! names the columns that give the row's context: a "Regarding" or "Mailbox"
//! column names the mailbox, a "Created On" column the time. A sheet is held
//! in memory while it is read (calamine reads sheets whole).

use std::io::{Read, Seek};

use calamine::{Data, Reader, Sheets, open_workbook_auto_from_rs};

use super::Container;

/// One row of a sheet: its text cells and the context its other cells give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The sheet's name.
    pub sheet: String,
    /// The cells that hold text, left to right.
    pub cells: Vec<Cell>,
    /// The row's mailbox, from a "Regarding" or "Mailbox" column.
    pub mailbox: Option<String>,
    /// The row's time, from a "Created On" column: RFC 3339 without an offset
    /// for a date cell (a workbook keeps no time zone), else as written.
    pub time: Option<String>,
}

/// One cell's text and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The cell's reference, `D2`.
    pub reference: String,
    /// Its text.
    pub text: String,
}

/// What went wrong reading a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The sheet, or `None` for the workbook as a whole.
    pub sheet: Option<String>,
    /// Why.
    pub reason: String,
}

/// Reads the workbook in `data` and hands `visit` each row that holds text,
/// sheet by sheet. A sheet that cannot be read is reported and the others
/// are still read; the error is for a workbook that cannot be opened at all.
pub fn rows<RS: Read + Seek + Clone>(
    data: RS,
    container: Container,
    visit: &mut dyn FnMut(Row),
) -> Result<Vec<Unreadable>, Unreadable> {
    let whole = |reason: String| Unreadable { sheet: None, reason };
    let mut workbook = match container {
        Container::Xls => calamine::open_workbook_from_rs::<calamine::Xls<RS>, RS>(data)
            .map(Sheets::Xls)
            .map_err(|e| whole(format!("not a readable Excel 97-2003 workbook: {e}")))?,
        Container::Xlsx | Container::Zip => {
            calamine::open_workbook_from_rs::<calamine::Xlsx<RS>, RS>(data.clone())
                .map(Sheets::Xlsx)
                .or_else(|_| open_workbook_auto_from_rs(data))
                .map_err(|e| whole(format!("not a readable Excel workbook: {e}")))?
        }
    };
    let mut problems = Vec::new();
    for sheet in workbook.sheet_names() {
        match workbook.worksheet_range(&sheet) {
            Ok(range) => {
                let (first_row, first_column) = range.start().unwrap_or((0, 0));
                let mut columns = Columns::default();
                for (i, cells) in range.rows().enumerate() {
                    let number = first_row as usize + i + 1;
                    if i == 0 {
                        columns = Columns::from_header(cells);
                    }
                    let row = Row {
                        sheet: sheet.clone(),
                        cells: cells
                            .iter()
                            .enumerate()
                            .filter_map(|(c, data)| {
                                let text = text(data)?;
                                Some(Cell { reference: reference(first_column as usize + c, number), text })
                            })
                            .collect(),
                        mailbox: if i == 0 {
                            None
                        } else {
                            columns.mailbox.and_then(|c| value(cells.get(c)?))
                        },
                        time: if i == 0 { None } else { columns.time.and_then(|c| time(cells.get(c)?)) },
                    };
                    if !row.cells.is_empty() {
                        visit(row);
                    }
                }
            }
            Err(error) => problems.push(Unreadable { sheet: Some(sheet), reason: error.to_string() }),
        }
    }
    Ok(problems)
}

/// Which columns give a row's context, from the header row.
#[derive(Debug, Default)]
struct Columns {
    mailbox: Option<usize>,
    time: Option<usize>,
}

impl Columns {
    fn from_header(cells: &[Data]) -> Columns {
        let mut columns = Columns::default();
        for (i, cell) in cells.iter().enumerate() {
            let Data::String(title) = cell else { continue };
            let key: String =
                title.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
            if columns.mailbox.is_none() && (key == "mailbox" || key.starts_with("regarding")) {
                columns.mailbox = Some(i);
            } else if columns.time.is_none() && key == "createdon" {
                columns.time = Some(i);
            }
        }
        columns
    }
}

/// The text a cell holds, for scanning: strings as they are, numbers written
/// out; empty cells, booleans, errors and dates hold no payload.
fn text(data: &Data) -> Option<String> {
    match data {
        Data::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Data::Int(n) => Some(n.to_string()),
        Data::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// A context cell's value, trimmed; `None` when it is empty.
fn value(data: &Data) -> Option<String> {
    match data {
        Data::String(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
        Data::Empty => None,
        other => Some(other.to_string()),
    }
}

/// A "Created On" cell as a time: a date cell in RFC 3339 (no offset: a
/// workbook keeps none), text as written.
fn time(data: &Data) -> Option<String> {
    match data {
        Data::DateTime(when) if when.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = when.to_ymd_hms_milli();
            Some(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"))
        }
        other => value(other),
    }
}

/// The A1-style reference of the cell at 0-based `column` in 1-based `row`.
pub fn reference(column: usize, row: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8_lossy(&letters))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_count_columns_in_letters() {
        assert_eq!(reference(0, 1), "A1");
        assert_eq!(reference(3, 2), "D2");
        assert_eq!(reference(25, 10), "Z10");
        assert_eq!(reference(26, 3), "AA3");
        assert_eq!(reference(701, 4), "ZZ4");
        assert_eq!(reference(702, 5), "AAA5");
    }

    #[test]
    fn header_titles_name_the_context_columns_whatever_their_spelling() {
        let header = [
            Data::String("(Do Not Modify) Alert".into()),
            Data::String("Regarding".into()),
            Data::String("Description".into()),
            Data::String("Created On".into()),
        ];
        let columns = Columns::from_header(&header);
        assert_eq!((columns.mailbox, columns.time), (Some(1), Some(3)));
        let other =
            Columns::from_header(&[Data::String("createdon".into()), Data::String(" Mailbox ".into())]);
        assert_eq!((other.mailbox, other.time), (Some(1), Some(0)));
    }
}
