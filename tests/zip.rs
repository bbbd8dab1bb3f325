//! Zip archives: members scanned as files, named `logs.zip!server/a.log`,
//! nested archives one level deep, and bad archives reported without
//! stopping the rest.

#[path = "support/xlsx.rs"]
mod xlsx;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ewsdiag::input::zip::{ArchiveLimits, Content, members};
use serde_json::Value as Json;

const FAULT: &str = "2026-11-20 07:58:03 ERROR EWS call failed\n<s:Fault xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/services/2006/types\">a:ErrorServerBusy</faultcode><faultstring>The server cannot service this request right now. Try again later.</faultstring></s:Fault>\n";

const ACCESS_DENIED: &str = "2026-11-20 08:02:11 WARN GetItem answered\n<m:GetItemResponseMessage ResponseClass=\"Error\" xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><m:MessageText>Access is denied. Check credentials and try again.</m:MessageText><m:ResponseCode>ErrorAccessDenied</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetItemResponseMessage>\n";

const ALERT: &str = "Email can't be received for the mailbox \"Rosa Lindqvist\" because the mailbox record doesn't have a valid email address.\n\nEmail Server Error Code: Exchange server returned ErrorNonExistentMailbox exception.\n";

const TIMEOUT: &str = "2026-11-19 22:40:09 ERROR System.Net.WebException: The operation has timed out\n";

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// The archive kept under `samples/archives/`: logs as they travel between
/// teams, a gzip and a UTF-16 member among them, and an older archive inside.
fn logs_zip() -> Vec<u8> {
    let older = xlsx::zip_of([("sync-2026-11-19.log", TIMEOUT.as_bytes())]);
    let gz = gzip(ACCESS_DENIED);
    let utf16 = utf16le(ALERT);
    xlsx::zip_of([
        ("server/a.log", FAULT.as_bytes()),
        ("server/b.log.gz", gz.as_slice()),
        ("alerts/view-details.txt", utf16.as_slice()),
        ("older.zip", older.as_slice()),
    ])
}

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/archives/logs.zip")
}

fn ewsdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn lines(output: &Output) -> Vec<Json> {
    String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

fn of_type<'a>(all: &'a [Json], kind: &str) -> Vec<&'a Json> {
    all.iter().filter(|l| l["type"] == kind).collect()
}

fn scan_dir(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let output = ewsdiag(&["scan", "--format", "ndjson", "-j1", dir.path().to_str().unwrap()]);
    (dir, output)
}

fn name_of(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

#[test]
fn the_logs_sample_is_what_its_generator_writes() {
    let bytes = logs_zip();
    if std::env::var_os("EWSDIAG_WRITE_SAMPLES").is_some() {
        std::fs::create_dir_all(sample_path().parent().unwrap()).unwrap();
        std::fs::write(sample_path(), &bytes).unwrap();
    }
    let kept = std::fs::read(sample_path()).expect("the sample exists (EWSDIAG_WRITE_SAMPLES=1 writes it)");
    assert!(kept == bytes, "samples/archives/logs.zip is stale: rerun with EWSDIAG_WRITE_SAMPLES=1");
}

#[test]
fn members_are_scanned_as_files_and_named_after_the_archive() {
    let output = ewsdiag(&["scan", "--format", "ndjson", "samples/archives/logs.zip"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let all = lines(&output);
    let found: Vec<(String, String, String)> = of_type(&all, "finding")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["code"].as_str().unwrap().into(),
                f["encoding"].to_string(),
            )
        })
        .collect();
    let has = |path: &str, code: &str| found.iter().any(|(p, c, _)| p == path && c == code);
    assert!(has("samples/archives/logs.zip!server/a.log", "ErrorServerBusy"), "{found:?}");
    assert!(
        has("samples/archives/logs.zip!server/b.log.gz", "ErrorAccessDenied"),
        "a gzip member: {found:?}"
    );
    assert!(has("samples/archives/logs.zip!alerts/view-details.txt", "ErrorNonExistentMailbox"), "{found:?}");
    assert!(
        found.iter().any(|(p, _, e)| p.ends_with("view-details.txt") && e == "\"utf-16le\""),
        "a UTF-16 member is transcoded: {found:?}"
    );
    assert!(
        found.iter().any(|(p, _, _)| p == "samples/archives/logs.zip!older.zip!sync-2026-11-19.log"),
        "a nested archive is opened: {found:?}"
    );
    assert!(of_type(&all, "error").is_empty(), "{all:?}");
}

#[test]
fn a_folder_walk_finds_archives_and_workbooks() {
    let output = ewsdiag(&["scan", "--format", "ndjson", "samples/archives", "samples/excel"]);
    let all = lines(&output);
    let paths: Vec<&str> = of_type(&all, "finding").iter().filter_map(|f| f["path"].as_str()).collect();
    assert!(paths.iter().any(|p| p.starts_with("samples/archives/logs.zip!")), "{paths:?}");
    assert!(paths.contains(&"samples/excel/alert-export.xlsx"), "{paths:?}");
}

#[test]
fn an_encrypted_archive_is_reported_as_such_and_the_rest_still_scans() {
    use zip::unstable::write::FileOptionsExt;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let locked =
        zip::write::SimpleFileOptions::default().with_deprecated_encryption(b"Fabrikam-2026").unwrap();
    writer.start_file("secret.log", locked).unwrap();
    writer.write_all(FAULT.as_bytes()).unwrap();
    writer.start_file("open.log", zip::write::SimpleFileOptions::default()).unwrap();
    writer.write_all(ACCESS_DENIED.as_bytes()).unwrap();
    let archive = writer.finish().unwrap().into_inner();
    let (dir, output) = scan_dir(&[("locked.zip", archive)]);
    assert_eq!(output.status.code(), Some(2), "an unreadable member is trouble");
    let all = lines(&output);
    let errors = of_type(&all, "error");
    assert_eq!(errors.len(), 1, "{all:?}");
    assert_eq!(errors[0]["path"], format!("{}!secret.log", name_of(&dir, "locked.zip")));
    assert!(errors[0]["message"].as_str().unwrap().contains("encrypted (password-protected)"), "{errors:?}");
    let findings = of_type(&all, "finding");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["path"], format!("{}!open.log", name_of(&dir, "locked.zip")));
}

#[test]
fn a_zip_bomb_is_stopped_with_a_clear_message_and_the_rest_still_scans() {
    // 24 MiB of one repeated line deflates to a few tens of KiB: far past any
    // real log's ratio.
    let bomb = "x".repeat(24 << 20);
    let archive = xlsx::zip_of([("bomb.log", bomb.as_bytes()), ("real.log", FAULT.as_bytes())]);
    assert!(archive.len() < 200_000);
    let (dir, output) = scan_dir(&[("bomb.zip", archive)]);
    let all = lines(&output);
    let errors = of_type(&all, "error");
    assert_eq!(errors.len(), 1, "{all:?}");
    assert_eq!(errors[0]["path"], format!("{}!bomb.log", name_of(&dir, "bomb.zip")));
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("a zip bomb?") && message.contains("past the limit of 500:1"), "{message}");
    assert!(
        of_type(&all, "finding")
            .iter()
            .any(|f| f["path"] == format!("{}!real.log", name_of(&dir, "bomb.zip"))),
        "{all:?}"
    );
}

#[test]
fn a_member_that_lies_about_its_size_is_stopped_while_it_inflates() {
    // The declared sizes pass the up-front check; the stream itself is cut
    // off once it inflates past the ratio.
    let bomb = "y".repeat(8 << 20);
    let mut archive = xlsx::zip_of([("bomb.log", bomb.as_bytes())]);
    shrink_declared_sizes(&mut archive, 1000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("liar.zip");
    std::fs::write(&path, &archive).unwrap();
    let limits = ArchiveLimits { max_ratio: 100, ratio_floor: 4096, ..ArchiveLimits::default() };
    let mut outcome = Vec::new();
    members(&path, "liar.zip", &limits, &mut |member| {
        let result = match member.content {
            Content::File(mut stream) => {
                std::io::copy(&mut stream, &mut std::io::sink()).map_err(|e| e.to_string())
            }
            Content::Unreadable(reason) => Err(reason),
            Content::Workbook(..) => Ok(0),
        };
        outcome.push((member.name, result));
    })
    .unwrap();
    assert_eq!(outcome.len(), 1);
    let (name, result) = &outcome[0];
    assert_eq!(name, "liar.zip!bomb.log");
    assert!(result.as_ref().is_err_and(|e| e.contains("a zip bomb?")), "{result:?}");
}

/// Rewrites the uncompressed size of every member, in the local headers and
/// the central directory, to `size`.
fn shrink_declared_sizes(archive: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 4 <= archive.len() {
        match &archive[i..i + 4] {
            b"PK\x03\x04" => archive[i + 22..i + 26].copy_from_slice(&size.to_le_bytes()),
            b"PK\x01\x02" => archive[i + 24..i + 28].copy_from_slice(&size.to_le_bytes()),
            _ => {}
        }
        i += 1;
    }
}

#[test]
fn all_members_together_are_capped() {
    let archive = xlsx::zip_of([("one.log", FAULT.as_bytes()), ("two.log", FAULT.as_bytes())]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.zip");
    std::fs::write(&path, &archive).unwrap();
    let limits = ArchiveLimits { max_total: FAULT.len() as u64 + 10, ..ArchiveLimits::default() };
    let mut outcome = Vec::new();
    members(&path, "two.zip", &limits, &mut |member| {
        let result = match member.content {
            Content::File(mut stream) => {
                std::io::copy(&mut stream, &mut std::io::sink()).map_err(|e| e.to_string())
            }
            Content::Unreadable(reason) => Err(reason),
            Content::Workbook(..) => Ok(0),
        };
        outcome.push((member.name, result));
    })
    .unwrap();
    assert_eq!(outcome[0], ("two.zip!one.log".to_string(), Ok(FAULT.len() as u64)));
    let (name, result) = &outcome[1];
    assert_eq!(name, "two.zip!two.log");
    assert!(result.as_ref().is_err_and(|e| e.contains("limit against zip bombs")), "{result:?}");
}

#[test]
fn a_damaged_member_is_reported_and_the_next_one_still_scans() {
    let noise: String = (0..4000u32).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
    let first = format!("{noise}\n{FAULT}");
    let mut archive =
        xlsx::zip_of([("damaged.log", first.as_bytes()), ("fine.log", ACCESS_DENIED.as_bytes())]);
    // Flip bytes in the middle of the first member's deflated data.
    for byte in &mut archive[200..240] {
        *byte ^= 0x5a;
    }
    let (dir, output) = scan_dir(&[("mixed.zip", archive)]);
    let all = lines(&output);
    let errors = of_type(&all, "error");
    assert_eq!(errors.len(), 1, "{all:?}");
    assert_eq!(errors[0]["path"], format!("{}!damaged.log", name_of(&dir, "mixed.zip")));
    assert!(
        of_type(&all, "finding")
            .iter()
            .any(|f| f["path"] == format!("{}!fine.log", name_of(&dir, "mixed.zip"))
                && f["code"] == "ErrorAccessDenied"),
        "{all:?}"
    );
}

#[test]
fn archives_nest_one_level_deep_only() {
    let innermost = xlsx::zip_of([("deep.log", FAULT.as_bytes())]);
    let middle = xlsx::zip_of([("inner.zip", innermost.as_slice()), ("mid.log", ACCESS_DENIED.as_bytes())]);
    let outer = xlsx::zip_of([("middle.zip", middle.as_slice())]);
    let (dir, output) = scan_dir(&[("outer.zip", outer)]);
    let all = lines(&output);
    let base = name_of(&dir, "outer.zip");
    assert!(
        of_type(&all, "finding").iter().any(|f| f["path"] == format!("{base}!middle.zip!mid.log")),
        "{all:?}"
    );
    let errors = of_type(&all, "error");
    assert_eq!(errors.len(), 1, "{all:?}");
    assert_eq!(errors[0]["path"], format!("{base}!middle.zip!inner.zip"));
    assert!(errors[0]["message"].as_str().unwrap().contains("only one level of nesting"));
}

#[test]
fn a_file_that_is_not_an_archive_is_a_clear_error() {
    let (dir, output) = scan_dir(&[("notes.zip", b"these are not the logs you want".to_vec())]);
    let all = lines(&output);
    let errors = of_type(&all, "error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["path"], name_of(&dir, "notes.zip"));
    assert!(errors[0]["message"].as_str().unwrap().contains("not a readable zip archive"), "{errors:?}");
}

#[test]
fn a_workbook_inside_an_archive_is_read_cell_by_cell() {
    let workbook =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/excel/alert-export.xlsx")).unwrap();
    let archive = xlsx::zip_of([("exports/alerts.xlsx", workbook.as_slice())]);
    let (dir, output) = scan_dir(&[("export.zip", archive)]);
    let all = lines(&output);
    let findings = of_type(&all, "finding");
    assert!(!findings.is_empty(), "{all:?}");
    for f in &findings {
        assert_eq!(f["path"], format!("{}!exports/alerts.xlsx", name_of(&dir, "export.zip")));
        assert_eq!(f["sheet"], "Alerts");
    }
    assert!(findings.iter().any(|f| f["cell"] == "F2" && f["mailbox"] == "Rosa Lindqvist"), "{findings:?}");
}

#[test]
fn a_zip_under_another_name_is_opened_when_named_and_left_alone_when_walked_past() {
    let archive = xlsx::zip_of([("word/document.xml", FAULT.as_bytes())]);
    let (dir, walked) = scan_dir(&[("notes.docx", archive)]);
    let all = lines(&walked);
    assert!(of_type(&all, "finding").is_empty(), "{all:?}");
    assert_eq!(of_type(&all, "skipped").len(), 1, "binary, as before: {all:?}");
    let named = ewsdiag(&["scan", "--format", "ndjson", &name_of(&dir, "notes.docx")]);
    let all = lines(&named);
    assert!(
        of_type(&all, "finding")
            .iter()
            .any(|f| f["path"] == format!("{}!word/document.xml", name_of(&dir, "notes.docx"))),
        "{all:?}"
    );
}

/// An archive or a workbook piped in is refused with what to do instead, on
/// standard error, and the run ends with status 2; plain and gzip text still
/// read from a pipe.
#[test]
fn an_archive_or_workbook_on_standard_input_is_refused_with_what_to_do() {
    let piped = |bytes: Vec<u8>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
            .args(["scan", "--format", "ndjson", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawns");
        let mut input = child.stdin.take().expect("a pipe");
        // The run may refuse before reading it all.
        let _ = input.write_all(&bytes);
        drop(input);
        child.wait_with_output().expect("the run ends")
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sample in
        ["samples/archives/logs.zip", "samples/excel/alert-export.xlsx", "samples/excel/alert-export.xls"]
    {
        let output = piped(std::fs::read(root.join(sample)).expect("sample"));
        assert_eq!(output.status.code(), Some(2), "{sample}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains("cannot be read from standard input: save it to a file"), "{sample}: {said}");
    }
    let text = piped(gzip("2026-11-20 08:00:00 <m:ResponseCode>ErrorServerBusy</m:ResponseCode>\n"));
    assert_eq!(text.status.code(), Some(0), "{}", String::from_utf8_lossy(&text.stderr));
}
