//! Recognising inputs that hold other inputs: zip archives and workbooks.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// An input read as a whole container rather than as a stream of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A zip archive: its members are scanned as files.
    Zip,
    /// An Office Open XML workbook (`.xlsx`, `.xlsm`): every cell is scanned.
    Xlsx,
    /// A binary Excel 97–2003 workbook (`.xls`).
    Xls,
}

impl Container {
    /// The container a file name says, by its extension (any case).
    pub fn of_name(name: &str) -> Option<Container> {
        let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "zip" => Some(Container::Zip),
            "xlsx" | "xlsm" => Some(Container::Xlsx),
            "xls" => Some(Container::Xls),
            _ => None,
        }
    }

    /// The container `path` is: by its name, or else by its first bytes (a zip
    /// archive renamed `.bin` is still read as one). A workbook is only known
    /// by its name: it is a zip archive (or an OLE file) inside.
    pub fn of_path(path: &Path) -> Option<Container> {
        let name = path.file_name()?.to_string_lossy();
        if let Some(container) = Container::of_name(&name) {
            return Some(container);
        }
        let mut head = [0u8; 4];
        let mut file = File::open(path).ok()?;
        file.read_exact(&mut head).ok()?;
        (head == *b"PK\x03\x04").then_some(Container::Zip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_the_container_whatever_their_case() {
        assert_eq!(Container::of_name("logs.ZIP"), Some(Container::Zip));
        assert_eq!(Container::of_name("Alerts export.xlsx"), Some(Container::Xlsx));
        assert_eq!(Container::of_name("macros.xlsm"), Some(Container::Xlsx));
        assert_eq!(Container::of_name("old.xls"), Some(Container::Xls));
        assert_eq!(Container::of_name("server.log"), None);
        assert_eq!(Container::of_name("zip"), None);
    }

    #[test]
    fn a_zip_archive_is_known_by_its_magic_under_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let renamed = dir.path().join("upload.bin");
        std::fs::write(&renamed, b"PK\x03\x04rest").unwrap();
        assert_eq!(Container::of_path(&renamed), Some(Container::Zip));
        let text = dir.path().join("notes.bin");
        std::fs::write(&text, b"PKZIP is a program").unwrap();
        assert_eq!(Container::of_path(&text), None);
    }
}
