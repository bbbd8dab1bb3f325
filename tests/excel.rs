//! Workbooks as Dynamics 365's "Export to Excel" writes them: every text cell
//! scanned, findings placed at their cell, the row giving mailbox and time.

#[path = "support/xlsx.rs"]
mod xlsx;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value as Json;
use xlsx::{Sheet, Value, text};

const NONEXISTENT: &str = r#">Error : <ResponseMessageType xmlns:q1="http://schemas.microsoft.com/exchange/services/2006/messages" p2:type="q1:FindItemResponseMessageType" ResponseClass="Error" xmlns:p2="http://www.w3.org/2001/XMLSchema-instance"><q1:MessageText>Mailbox does not exist.</q1:MessageText><q1:ResponseCode>ErrorNonExistentMailbox</q1:ResponseCode><q1:DescriptiveLinkKey>0</q1:DescriptiveLinkKey></ResponseMessageType>"#;

const LICENSE_ESCAPED: &str = r#"&gt;Error : &lt;ResponseMessageType xmlns:q1=&quot;http://schemas.microsoft.com/exchange/services/2006/messages&quot; p2:type=&quot;q1:FindItemResponseMessageType&quot; ResponseClass=&quot;Error&quot; xmlns:p2=&quot;http://www.w3.org/2001/XMLSchema-instance&quot;&gt;&lt;q1:MessageText&gt;An internal server error occurred. The operation failed.&lt;/q1:MessageText&gt;&lt;q1:ResponseCode&gt;ErrorInternalServerError&lt;/q1:ResponseCode&gt;&lt;q1:DescriptiveLinkKey&gt;0&lt;/q1:DescriptiveLinkKey&gt;&lt;q1:MessageXml&gt;&lt;t:Value Name=&quot;InnerErrorResponseCode&quot; xmlns:t=&quot;http://schemas.microsoft.com/exchange/services/2006/types&quot;&gt;ErrorInvalidLicense&lt;/t:Value&gt;&lt;/q1:MessageXml&gt;&lt;/ResponseMessageType&gt;"#;

const BUSY_CSV: &str = r#""FindItem","<m:FindItemResponseMessage ResponseClass=""Error"" xmlns:m=""http://schemas.microsoft.com/exchange/services/2006/messages""><m:MessageText>The server cannot service this request right now. Try again later.</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:FindItemResponseMessage>""#;

/// The alert export kept under `samples/excel/`: what an administrator gets
/// from the Alerts view with "Export to Excel".
fn alert_export() -> Vec<u8> {
    let header = ["(Do Not Modify) Alert", "Created On", "Level", "Regarding", "Text", "Error Details"];
    let alerts = Sheet {
        name: "Alerts".into(),
        rows: vec![
            header.iter().map(|h| text(h)).collect(),
            vec![
                text("3b0e6f2c-9a41-4d5e-8c17-2f6a0d9e5b31"),
                Value::Date(46346.343773148146),
                text("Error"),
                text("Rosa Lindqvist"),
                text(
                    "Email can't be received for the mailbox \"Rosa Lindqvist\" because the mailbox record doesn't have a valid email address.",
                ),
                text(NONEXISTENT),
            ],
            vec![
                text("9d4c1a7e-5b2f-4e83-a0c6-71e8f3b2d954"),
                Value::Date(46346.34490740741),
                text("Error"),
                text("Support Queue (Fabrikam)"),
                text("Email Server Error Code: Exchange server returned ErrorInternalServerError exception."),
                text(LICENSE_ESCAPED),
            ],
            vec![
                text("c72a58e1-0f3d-4b96-9e2a-84d1b6c0f7a3"),
                Value::Date(46346.376747685186),
                text("Warning"),
                text("Tomas Varga"),
                text("The mailbox didn't synchronize because the server was busy; it will be tried again."),
                text(BUSY_CSV),
            ],
        ],
    };
    let notes = Sheet {
        name: "Notes".into(),
        rows: vec![
            vec![text("Note")],
            vec![text(
                "Exported from the Alerts view of Contoso Sales; the mailbox of Tomas Varga was retried the next day.",
            )],
        ],
    };
    xlsx::workbook(&[alerts, notes])
}

fn sample_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/excel/alert-export.xlsx")
}

fn ewsdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn lines(output: &Output) -> Vec<Json> {
    String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

fn findings(output: &Output) -> Vec<Json> {
    lines(output).into_iter().filter(|l| l["type"] == "finding").collect()
}

#[test]
fn the_alert_export_sample_is_what_its_generator_writes() {
    let bytes = alert_export();
    if std::env::var_os("EWSDIAG_WRITE_SAMPLES").is_some() {
        std::fs::create_dir_all(sample_path().parent().unwrap()).unwrap();
        std::fs::write(sample_path(), &bytes).unwrap();
    }
    let kept = std::fs::read(sample_path()).expect("the sample exists (EWSDIAG_WRITE_SAMPLES=1 writes it)");
    assert!(kept == bytes, "samples/excel/alert-export.xlsx is stale: rerun with EWSDIAG_WRITE_SAMPLES=1");
}

#[test]
fn every_cell_is_scanned_and_each_finding_names_its_sheet_and_cell() {
    let output = ewsdiag(&["scan", "--format", "ndjson", "samples/excel/alert-export.xlsx"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let found: Vec<(String, String, String, String)> = findings(&output)
        .iter()
        .map(|f| {
            let s = |key: &str| f[key].as_str().unwrap_or("").to_string();
            (s("sheet"), s("cell"), s("code"), s("wrapping"))
        })
        .collect();
    let want = |sheet: &str, cell: &str, code: &str, wrapping: &str| {
        (sheet.to_string(), cell.to_string(), code.to_string(), wrapping.to_string())
    };
    assert!(found.contains(&want("Alerts", "F2", "ErrorNonExistentMailbox", "raw")), "{found:?}");
    assert!(found.contains(&want("Alerts", "E3", "ErrorInternalServerError", "raw")), "{found:?}");
    assert!(found.contains(&want("Alerts", "F3", "ErrorInternalServerError", "html-escaped")), "{found:?}");
    assert!(found.contains(&want("Alerts", "F4", "ErrorServerBusy", "csv")), "{found:?}");
    for f in findings(&output) {
        assert_eq!(f["path"], "samples/excel/alert-export.xlsx");
    }
}

#[test]
fn the_row_gives_the_mailbox_and_the_created_on_time() {
    let output = ewsdiag(&["scan", "--format", "ndjson", "samples/excel/alert-export.xlsx"]);
    let all = findings(&output);
    let at =
        |cell: &str| all.iter().find(|f| f["cell"] == cell).unwrap_or_else(|| panic!("a finding at {cell}"));
    assert_eq!(at("F2")["mailbox"], "Rosa Lindqvist");
    assert_eq!(at("F2")["time"], "2026-11-20T08:15:02");
    assert_eq!(at("F3")["inner_code"], "ErrorInvalidLicense");
    assert_eq!(at("F3")["mailbox"], "Support Queue (Fabrikam)");
    assert_eq!(at("F4")["mailbox"], "Tomas Varga");
    assert!(
        !at("E3")["message"].as_str().unwrap_or("").contains("9d4c1a7e"),
        "an alert line takes no sentence from the cells beside it"
    );
    assert_eq!(at("F4")["time"], "2026-11-20T09:02:31");
}

#[test]
fn the_human_rendering_names_the_cell() {
    let output = ewsdiag(&["scan", "--format", "human", "samples/excel/alert-export.xlsx"]);
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("alert-export.xlsx Alerts!F2"), "{shown}");
    assert!(shown.contains("alert-export.xlsx Alerts!F4"), "{shown}");
}

#[test]
fn a_corrupt_workbook_is_a_clear_error_and_the_other_inputs_still_scan() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.xlsx");
    let mut bytes = alert_export();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&broken, &bytes).unwrap();
    let not_a_workbook = dir.path().join("notes.xlsx");
    std::fs::write(&not_a_workbook, "just some text, saved with the wrong name").unwrap();
    let log = dir.path().join("z.log");
    std::fs::write(
        &log,
        "<s:Fault><faultcode>a:ErrorServerBusy</faultcode><faultstring>Busy.</faultstring></s:Fault>\n",
    )
    .unwrap();
    let output = ewsdiag(&["scan", "--format", "ndjson", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "an unreadable input is trouble");
    let all = lines(&output);
    let errors: Vec<&Json> = all.iter().filter(|l| l["type"] == "error").collect();
    assert_eq!(errors.len(), 2, "{all:?}");
    for error in &errors {
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("not a readable Excel workbook"), "{message}");
    }
    assert!(
        all.iter().any(|l| l["type"] == "finding" && l["code"] == "ErrorServerBusy"),
        "z.log still scans"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.xlsx") && stderr.contains("notes.xlsx"), "{stderr}");
}

/// `samples/excel/alert-export.xls` (written by `tests/support/write_xls.py`):
/// an Excel 97–2003 workbook reads like its newer form, cell, row and all.
#[test]
fn a_legacy_xls_workbook_is_scanned_cell_by_cell() {
    let output = ewsdiag(&["scan", "--format", "ndjson", "samples/excel/alert-export.xls"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let found: Vec<[String; 6]> = findings(&output)
        .iter()
        .map(|f| {
            ["sheet", "cell", "code", "wrapping", "mailbox", "time"]
                .map(|k| f[k].as_str().unwrap_or("").to_string())
        })
        .collect();
    let want = |row: [&str; 6]| row.map(str::to_string);
    assert_eq!(
        found,
        [
            want(["Alerts", "F2", "ErrorNonExistentMailbox", "raw", "Rosa Lindqvist", "2026-11-20T08:15:02"]),
            want(["Alerts", "F3", "ErrorServerBusy", "csv", "Tomas Varga", "2026-11-20T09:02:31"]),
        ]
    );
}
