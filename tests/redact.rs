//! `--redact`: nothing that names a person, mailbox or machine in the input
//! survives in any format, and the diagnosis is the same as without it.

use std::process::{Command, Output};

use serde_json::Value as Json;

const SAMPLE: &str = "samples/redact/share-before-redacting.log";

/// Every name, address, account, host, GUID and IP the sample holds.
const SECRETS: &[&str] = &[
    "Rosa",
    "Lindqvist",
    "Dana",
    "Okafor",
    "Tomas",
    "Varga",
    "contoso",
    "fabrikam",
    "svc-crmsync",
    "dokafor",
    "EXCH01",
    "EXCH02",
    "10.20.4.31",
    "10.20.4.32",
    "192.168.17.5",
    "5e9b1c47-08d2-4f6a-9b3e-c2a7d81f4e60",
    "Contoso Exchange Hybrid",
];

/// Every format a report can take.
const FORMATS: &[&str] = &["human", "summary", "ndjson", "json", "csv", "html"];

fn ewsdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ndjson(args: &[&str]) -> Vec<Json> {
    let output = ewsdiag(args);
    String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

#[test]
fn the_sample_holds_every_secret_the_test_looks_for() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/",
        "samples/redact/share-before-redacting.log"
    ))
    .unwrap();
    for secret in SECRETS {
        assert!(text.contains(secret), "{secret}");
    }
    // And without --redact, the report shows them.
    let plain = ewsdiag(&["scan", "--format", "ndjson", SAMPLE]);
    let plain = String::from_utf8_lossy(&plain.stdout);
    for secret in
        ["Rosa Lindqvist", "rosa.lindqvist@contoso.com", "Contoso Exchange Hybrid", "FABRIKAM\\\\dokafor"]
    {
        assert!(plain.contains(secret), "{secret} is in the unredacted report");
    }
}

#[test]
fn no_name_or_address_from_the_input_survives_in_any_format() {
    for format in FORMATS {
        let output = ewsdiag(&["scan", "--redact", "--format", format, SAMPLE]);
        assert_eq!(output.status.code(), Some(0), "{format}");
        let shown =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
                .to_lowercase();
        for secret in SECRETS {
            assert!(!shown.contains(&secret.to_lowercase()), "{format}: `{secret}` survived:\n{shown}");
        }
        assert!(shown.contains("mailbox-1"), "{format}: pseudonyms stand in their place");
    }
}

#[test]
fn the_payload_text_is_redacted_too() {
    // The human rendering shows part of each payload; the kept source is
    // redacted whole, marks moved with it.
    let output = ewsdiag(&["inspect", "--redact", "--format", "human", SAMPLE]);
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("user-1@domain-1.example") || shown.contains("domain-1"), "{shown}");
    assert!(shown.contains("ErrorAccessDenied") && shown.contains("the error code"), "{shown}");
    for secret in SECRETS {
        assert!(!shown.to_lowercase().contains(&secret.to_lowercase()), "`{secret}` survived:\n{shown}");
    }
}

/// What the diagnosis of a finding comes to, without the names.
fn verdict(f: &Json) -> (String, String, String, String, String, Vec<String>) {
    let s = |v: &Json| v.as_str().unwrap_or("").to_string();
    let causes =
        f["diagnosis"]["causes"].as_array().map_or(Vec::new(), |c| c.iter().map(|c| s(&c["id"])).collect());
    (s(&f["code"]), s(&f["inner_code"]), s(&f["shape"]), s(&f["operation"]), s(&f["time"]), causes)
}

fn roots(summary: &Json) -> Vec<(String, String, Json, usize, Json, Json)> {
    summary["root_causes"]
        .as_array()
        .expect("root causes")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["title"].as_str().unwrap().to_string(),
                r["codes"].clone(),
                r["mailboxes"].as_array().map_or(0, Vec::len),
                r["first_seen"].clone(),
                r["confidence"].clone(),
            )
        })
        .collect()
}

#[test]
fn findings_and_root_causes_are_the_same_as_without_redacting() {
    let plain = ndjson(&["scan", "--format", "ndjson", SAMPLE, "samples/correlation"]);
    let redacted = ndjson(&["scan", "--redact", "--format", "ndjson", SAMPLE, "samples/correlation"]);
    let findings =
        |lines: &[Json]| lines.iter().filter(|l| l["type"] == "finding").map(verdict).collect::<Vec<_>>();
    assert!(findings(&plain).len() > 5);
    assert_eq!(findings(&plain), findings(&redacted));
    let summary = |lines: &[Json]| lines.last().cloned().expect("a summary");
    assert_eq!(roots(&summary(&plain)), roots(&summary(&redacted)));
}

#[test]
fn the_same_value_gets_the_same_pseudonym_everywhere_in_a_run() {
    let lines = ndjson(&["scan", "--redact", "--format", "ndjson", SAMPLE]);
    let rosa: Vec<&Json> = lines.iter().filter(|l| l["code"] == "ErrorNonExistentMailbox").collect();
    assert_eq!(rosa.len(), 2, "the alert and its payload");
    assert_eq!(rosa[0]["mailbox"], rosa[1]["mailbox"]);
    let summary = lines.last().unwrap();
    let root = summary["root_causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["codes"].as_array().unwrap().contains(&"ErrorNonExistentMailbox".into()))
        .expect("a root cause for the missing mailbox");
    assert_eq!(root["mailboxes"][0], rosa[0]["mailbox"], "the summary names the same pseudonym");
    let address = rosa.iter().find_map(|f| f["details"]["SmtpAddress"].as_str()).expect("the address detail");
    assert!(address.starts_with("user-") && address.ends_with(".example"), "{address}");
}

#[test]
fn a_key_file_keeps_pseudonyms_the_same_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("team.key");
    std::fs::write(&key, "a secret only our team keeps").unwrap();
    let key = key.to_str().unwrap();
    let alone = ndjson(&["scan", "--redact-key", key, "--format", "ndjson", SAMPLE]);
    // Other inputs first: an unkeyed run would number differently.
    let after = ndjson(&["scan", "--redact-key", key, "--format", "ndjson", "samples/correlation", SAMPLE]);
    let mailboxes = |lines: &[Json]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["type"] == "finding" && l["path"] == SAMPLE)
            .map(|l| l["mailbox"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(mailboxes(&alone), mailboxes(&after));
    assert!(mailboxes(&alone).iter().all(|m| m.starts_with("mailbox-")), "{:?}", mailboxes(&alone));
    let missing = ewsdiag(&["scan", "--redact-key", "/nonexistent/key", SAMPLE]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--redact-key"));
}
