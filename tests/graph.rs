//! Graph-era inputs: Microsoft Graph errors as SDKs, PowerShell, Graph
//! Explorer and `$batch` responses print them, Entra ID sign-in errors
//! (AADSTS) and EWS requests refused by policy. One table row per sample under
//! `samples/graph/`; the samples without a finding prove that they hold none;
//! every sample with findings reads the same in a CSV field, a JSON string,
//! UTF-16, gzip and with CRLF line ends, and through tiny reads.

mod support;

use std::io::Write;

use ewsdiag::model::{Class, Finding, Shape};
use ewsdiag::scan::ScanConfig;
use support::{read, sample, scan_bytes_as_file, scan_file};

/// What one finding must be; unset parts are not checked.
#[derive(Debug, Clone)]
struct Want {
    shape: Shape,
    code: &'static str,
    /// The message starts with this.
    message: Option<&'static str>,
    /// The message ends with this (where the library's own text begins).
    message_end: Option<&'static str>,
    mailbox: Option<&'static str>,
    time: Option<&'static str>,
    details: Vec<(&'static str, &'static str)>,
}

fn want(shape: Shape, code: &'static str) -> Want {
    Want { shape, code, message: None, message_end: None, mailbox: None, time: None, details: Vec::new() }
}
fn graph(code: &'static str) -> Want {
    want(Shape::GraphError, code)
}
fn aadsts(code: &'static str) -> Want {
    want(Shape::Aadsts, code)
}

impl Want {
    fn says(mut self, start: &'static str, end: &'static str) -> Self {
        self.message = Some(start);
        self.message_end = Some(end);
        self
    }
    fn mailbox(mut self, mailbox: &'static str) -> Self {
        self.mailbox = Some(mailbox);
        self
    }
    fn at(mut self, time: &'static str) -> Self {
        self.time = Some(time);
        self
    }
    fn with(mut self, key: &'static str, value: &'static str) -> Self {
        self.details.push((key, value));
        self
    }
}

fn check(path: &str, wants: &[Want]) {
    let (found, malformed) = scan_file(&sample(path), &ScanConfig::default());
    let codes: Vec<_> = found.iter().map(|f| (f.shape, f.code.as_str())).collect();
    assert_eq!(found.len(), wants.len(), "{path}: {codes:?}");
    assert!(malformed.is_empty(), "{path}: {malformed:#?}");
    let text = support::decoded(&sample(path));
    for (f, w) in found.iter().zip(wants) {
        let context = format!("{path}: {f:#?}");
        assert_eq!((f.shape, f.code.as_str()), (w.shape, w.code), "{context}");
        assert_eq!(f.class, Some(Class::Error), "{context}");
        let message = f.message.as_deref().unwrap_or_default();
        if let Some(start) = w.message {
            assert!(message.starts_with(start), "{context}");
        }
        if let Some(end) = w.message_end {
            assert!(message.ends_with(end), "{context}");
        }
        assert_eq!(f.mailbox.as_deref(), w.mailbox, "{context}");
        if let Some(time) = w.time {
            assert_eq!(f.time.as_deref(), Some(time), "{context}");
        }
        for (key, value) in &w.details {
            assert_eq!(f.details.get(*key).map(String::as_str), Some(*value), "{context}: detail {key}");
        }
        let code = f.marks.code.clone().expect("every finding marks its code");
        let mark = String::from_utf8_lossy(&text[code.start as usize..code.end as usize]).into_owned();
        assert!(mark.ends_with(&f.code), "{context}: the code mark `{mark}` points at the code");
        assert!(f.span.length > 0 && f.span.offset + f.span.length <= text.len() as u64, "{context}");
    }
}

macro_rules! samples {
    ($($name:ident: $path:literal => [$($want:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                check(concat!("graph/", $path), &[$($want),*]);
            }
        )*
        /// Every sample of the table, for the wrapping tests.
        const TABLE: &[&str] = &[$(concat!("graph/", $path)),*];
    };
}

samples! {
    dotnet_service_exception_and_odata_error: "dotnet-service-exception.log" => [
        graph("ErrorAccessDenied")
            .says("Access is denied.", "Check credentials and try again.")
            .mailbox("ines.duarte@contoso.com")
            .at("2026-11-20T08:15:02")
            .with("HttpStatus", "403")
            .with("request-id", "4b1f7c20-9d3e-4a61-b2c5-7e8f9a0b1c2d")
            .with("client-request-id", "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b")
            .with("ExceptionType", "Microsoft.Graph.ServiceException"),
        graph("ErrorItemNotFound")
            .says("The specified object", "not found in the store.")
            .mailbox("kai.berg@contoso.com")
            .at("2026-11-20T08:15:03.412")
            .with("HttpStatus", "404"),
        graph("ErrorInvalidUser").says("The requested user", "is invalid.").with("HttpStatus", "404"),
    ];
    java_graph_service_exception_with_its_dump: "java-graph-service-exception.log" => [
        graph("ErrorItemNotFound")
            .says("The specified object", "not found in the store.")
            .mailbox("noah.schulz@fabrikam.com")
            .at("2026-11-20T08:31:44Z")
            .with("HttpStatus", "404")
            .with("request-id", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
            .with("client-request-id", "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b"),
    ];
    python_dict_repr_and_main_error: "python-errors.log" => [
        graph("ErrorAccessDenied")
            .says("Access is denied.", "try again.")
            .mailbox("amara.okafor@contoso.com")
            .at("2026-11-20T09:02:11")
            .with("request-id", "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f"),
        graph("ApplicationThrottled")
            .says("Application is over", "MailboxConcurrency limit.")
            .at("2026-11-20T09:03:40")
            .with("HttpStatus", "429")
            .with("request-id", "8e7d6c5b-4a39-4281-8f7e-6d5c4b3a2918")
            .with("client-request-id", "2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182"),
    ];
    go_odata_error_log_fields: "go-odataerror.log" => [
        graph("ErrorAccessDenied")
            .says("Access is denied.", "try again.")
            .mailbox("omar.haddad@contoso.com")
            .at("2026-11-20T10:12:07.902Z")
            .with("HttpStatus", "403")
            .with("request-id", "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"),
        graph("ErrorMoveCopyFailed").says("Cannot move", "the item.").mailbox("omar.haddad@contoso.com").with("HttpStatus", "400"),
    ];
    javascript_graph_error_dumps: "javascript-grapherror.log" => [
        graph("ErrorItemNotFound")
            .says("The specified object", "not found in the store.")
            .mailbox("priya.nair@contoso.com")
            .at("2026-11-20T11:05:33.000Z")
            .with("HttpStatus", "404")
            .with("request-id", "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"),
        graph("ApplicationThrottled")
            .says("Application is over", "MailboxConcurrency limit.")
            .with("HttpStatus", "429")
            .with("request-id", "7b6a5c4d-3e2f-4a1b-9c0d-8e7f6a5b4c3d"),
    ];
    powershell_error_records: "powershell-mg.txt" => [
        graph("ErrorItemNotFound")
            .says("The specified object", "not found in the store.")
            .mailbox("ines.duarte@contoso.com")
            .at("2026-11-20T12:01:15")
            .with("HttpStatus", "404")
            .with("request-id", "2f3e4d5c-6b7a-4819-8a7b-6c5d4e3f2a1b")
            .with("client-request-id", "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"),
        graph("Authorization_RequestDenied")
            .says("Insufficient privileges", "the operation.")
            .mailbox("kai.berg@contoso.com")
            .at("2026-11-20T12:02:40")
            .with("HttpStatus", "403")
            .with("request-id", "8a9b0c1d-2e3f-4a5b-9c6d-7e8f9a0b1c2d"),
        graph("ErrorAccessDenied")
            .says("Access is denied.", "try again.")
            .mailbox("sales@contoso.com")
            .at("2026-11-20T12:03:05")
            .with("HttpStatus", "403")
            .with("request-id", "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"),
    ];
    graph_explorer_response_pane: "graph-explorer.txt" => [
        graph("ErrorAccessDenied")
            .says("Access is denied.", "try again.")
            .mailbox("noah.schulz@fabrikam.com")
            .at("2026-11-20T13:10:44")
            .with("HttpStatus", "403")
            .with("request-id", "c0a8f1e2-3d4b-4c5a-9e6f-7a8b9c0d1e2f"),
    ];
    raw_http_response_with_json_body: "raw-http-response.txt" => [
        graph("ApplicationThrottled")
            .says("Application is over", "MailboxConcurrency limit.")
            .mailbox("4f1c2b7e-90aa-4e55-8d1c-3b2a19e0c6d4")
            .at("2026-11-20T08:17:33")
            .with("HttpStatus", "429")
            .with("Retry-After", "27")
            .with("request-id", "71c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e")
            .with("client-request-id", "2d6e1a90-4c55-4a3e-9f0b-7c1d2e3f4a5b"),
    ];
    bare_error_objects_next_to_graph_calls: "bare-error-object.log" => [
        graph("ErrorInvalidIdMalformed")
            .says("Id is malformed.", "Id is malformed.")
            .mailbox("ines.duarte@contoso.com")
            .at("2026-11-20T08:20:05")
            .with("request-id", "0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e"),
        graph("ErrorSendAsDenied").says("The user account", "the specified sending account.").mailbox("kai.berg@contoso.com"),
    ];
    batch_inner_responses_at_400_or_more: "batch-response.json" => [
        graph("ErrorItemNotFound").says("The specified object", "store.").at("2026-11-20T14:00:02").with("id", "2").with("HttpStatus", "404"),
        graph("ApplicationThrottled").with("id", "3").with("HttpStatus", "429").with("Retry-After", "12"),
        graph("403").with("id", "4").with("HttpStatus", "403"),
    ];
    token_endpoint_json: "entra-token-endpoint.log" => [
        aadsts("AADSTS7000215")
            .says("Invalid client secret provided.", "for a secret added to app '3f2a9c1e-5b7d-4e80-a1c2-d3e4f5a6b7c8'.")
            .at("2026-11-20T08:15:02Z")
            .with("error", "invalid_client")
            .with("trace_id", "0b7e6d5c-4b3a-4291-8e0f-1a2b3c4d5e6f")
            .with("correlation_id", "5c2d1e0f-9a8b-4c7d-b6e5-f4a3b2c1d0e9"),
        aadsts("AADSTS700016")
            .says("Application with identifier", "to the wrong tenant.")
            .at("2026-11-20T08:16:40Z")
            .with("error", "unauthorized_client")
            .with("trace_id", "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
    ];
    msal_exceptions: "msal-exceptions.log" => [
        aadsts("AADSTS65001")
            .says("The user or administrator has not consented", "for this user and resource.")
            .at("2026-11-20T08:22:09Z")
            .with("error", "invalid_grant")
            .with("trace_id", "8e0c1d2e-3f4a-4b5c-9d6e-7f8a9b0c1d2e"),
        aadsts("AADSTS7000222")
            .says("The provided client secret keys", "https://aka.ms/certCreds.")
            .at("2026-11-20T08:23:31Z")
            .with("correlation_id", "7f8e9d0c-1b2a-4398-8776-655443322110"),
        aadsts("AADSTS7000215").says("Invalid client secret provided.", "'3f2a9c1e-5b7d-4e80-a1c2-d3e4f5a6b7c8'.").with("error", "invalid_client"),
        aadsts("AADSTS7000215").says("Invalid client secret provided.", "'b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e'.").at("2026-11-20T08:25:12.400Z").with("error", "invalid_client"),
    ];
    broker_logs_that_wrap_the_message: "broker-wrapped.log" => [
        aadsts("AADSTS50173")
            .says("The provided grant has expired", "for this user is '2026-11-19T16:45:30.0000000Z'.")
            .at("2026-11-20T08:30:12Z")
            .with("error", "invalid_grant")
            .with("trace_id", "9c8b7a6f-5e4d-4c3b-a291-8f7e6d5c4b3a")
            .with("correlation_id", "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a"),
        aadsts("AADSTS50076")
            .says("Due to a configuration change", "to access '00000003-0000-0000-c000-000000000000'.")
            .with("error", "interaction_required"),
    ];
    ews_policy_header: "ews-policy-block.txt" => [
        want(Shape::EwsResponse, "Forbidden")
            .says("EWS is blocked by policy", "for this user or tenant")
            .mailbox("jonas.lindqvist@fabrikam.com")
            .at("2026-11-20T08:40:11Z")
            .with("X-EWS-Policy-Reason", "EWS is blocked by policy for this user or tenant")
            .with("HttpStatus", "403")
            .with("request-id", "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"),
    ];
    ews_client_403_lines: "ews-client-403.log" => [
        want(Shape::Exception, "Forbidden")
            .says("The request failed.", "(403) Forbidden.")
            .mailbox("mei.tanaka@fabrikam.com")
            .at("2026-11-20T08:41:03.512")
            .with("HttpStatus", "403"),
        want(Shape::Exception, "Forbidden").says("The request failed.", "(403) Forbidden.").at("2026-11-20T08:41:05.009").with("HttpStatus", "403"),
    ];
}

#[test]
fn plain_graph_json_errors_take_their_context_too() {
    let (found, _) = scan_file(&sample("json/graph-errors.log"), &ScanConfig::default());
    let seen: Vec<_> = found
        .iter()
        .map(|f| {
            (
                f.code.as_str(),
                f.mailbox.as_deref(),
                f.time.as_deref(),
                f.details.get("request-id").map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "ErrorNonExistentMailbox",
                Some("ines.duarte@contoso.com"),
                Some("2026-11-21T09:30:02"),
                Some("8f1e2d3c-0b9a-4877-a665-5443322110ff")
            ),
            ("ErrorAccessDenied", Some("sales@contoso.com"), Some("2026-11-21T09:31:15.007Z"), None),
        ]
    );
}

/// Samples that tempt the recognisers and hold no finding.
const NOTHING: &[&str] = &["graph/success-response.txt", "graph/docs-heading.md", "graph/empty-code.log"];

#[test]
fn a_success_a_documentation_heading_and_an_empty_code_are_no_findings() {
    for path in NOTHING {
        for config in [ScanConfig::default(), ScanConfig { show_success: true, ..ScanConfig::default() }] {
            let (found, malformed) = scan_file(&sample(path), &config);
            assert!(found.is_empty(), "{path}: {found:#?}");
            assert!(malformed.is_empty(), "{path}: {malformed:#?}");
        }
    }
}

#[test]
fn the_tempting_samples_do_name_codes_and_graph_calls() {
    // They would prove nothing if they held no code and no error field at all.
    let text = |path: &str| String::from_utf8(read(&sample(path))).expect("UTF-8 sample");
    assert!(text("graph/docs-heading.md").contains("## AADSTS7000215: Invalid client secret provided"));
    let empty = text("graph/empty-code.log");
    assert!(empty.contains(r#"{"error":{"code":"","message":""}}"#));
    assert!(empty.contains("ODataError code= message="));
    let success = text("graph/success-response.txt");
    assert!(success.contains("HTTP/1.1 200 OK") && success.contains("\"responses\""));
}

#[test]
fn every_graph_sample_is_in_the_table_or_holds_nothing() {
    let root = sample("graph");
    for entry in std::fs::read_dir(&root).expect("samples/graph").flatten() {
        let name = format!("graph/{}", entry.file_name().to_string_lossy());
        assert!(TABLE.contains(&name.as_str()) || NOTHING.contains(&name.as_str()), "{name} is not tested");
    }
}

fn csv_field(text: &str) -> String {
    format!("\"11/20/2026 8:15:02 AM\",\"Error\",\"{}\",\"end\"\r\n", text.replace('"', "\"\""))
}

fn json_string(text: &str) -> String {
    let quoted = serde_json::to_string(text).expect("a string serializes");
    format!("{{\"tracelogid\":\"1b6f0c2e\",\"errordetails\":{quoted},\"level\":2}}\n")
}

fn utf16(text: &str, little: bool) -> Vec<u8> {
    let mut out = if little { vec![0xff, 0xfe] } else { vec![0xfe, 0xff] };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip writes to memory");
    encoder.finish().expect("gzip finishes")
}

/// What must survive a wrapping. The time is left out: a wrapping's own
/// record (a CSV row's time) may stand in for a payload that has none.
#[derive(Debug, PartialEq)]
struct Essentials {
    shape: Shape,
    code: String,
    message: Option<String>,
    mailbox: Option<String>,
    details: Vec<(String, String)>,
}

fn essentials(f: &Finding) -> Essentials {
    Essentials {
        shape: f.shape,
        code: f.code.clone(),
        message: f.message.clone(),
        mailbox: f.mailbox.clone(),
        details: f.details.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

fn wrapped_forms(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("csv field", csv_field(text).into_bytes()),
        ("json string", json_string(text).into_bytes()),
        ("utf-16le", utf16(text, true)),
        ("utf-16be", utf16(text, false)),
        ("gzip", gzip(text.as_bytes())),
        ("crlf", text.replace('\n', "\r\n").into_bytes()),
    ]
}

#[test]
fn every_graph_sample_reads_the_same_however_it_is_wrapped() {
    let mut wrong = Vec::new();
    for path in TABLE {
        let text = String::from_utf8(read(&sample(path))).expect("UTF-8 sample");
        let (clean, _) = scan_bytes_as_file(text.as_bytes(), &ScanConfig::default());
        let want: Vec<_> = clean.iter().map(essentials).collect();
        for (name, bytes) in wrapped_forms(&text) {
            if name == "json string" && ESCAPED_BREAK_ENDS_MESSAGE.contains(path) {
                continue;
            }
            let (found, malformed) = scan_bytes_as_file(&bytes, &ScanConfig::default());
            assert!(malformed.is_empty(), "{path} in a {name}: {malformed:#?}");
            let got: Vec<_> = found.iter().map(essentials).collect();
            if got != want {
                wrong.push(format!("{path} in a {name}:\n  got  {got:?}\n  want {want:?}"));
                continue;
            }
            let decoded = support::decoded_bytes(&bytes);
            for f in &found {
                let code = f.marks.code.clone().expect("a code mark");
                let mark =
                    String::from_utf8_lossy(&decoded[code.start as usize..code.end as usize]).into_owned();
                assert!(mark.ends_with(&f.code), "{path} in a {name}: mark `{mark}` for {}", f.code);
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Samples whose AADSTS messages wrap over lines: inside a JSON string the
/// first escaped line break ends each message, as a token response's does.
const ESCAPED_BREAK_ENDS_MESSAGE: &[&str] = &["graph/broker-wrapped.log"];

#[test]
fn in_a_json_string_an_escaped_line_break_ends_an_aadsts_message() {
    let text = String::from_utf8(read(&sample("graph/broker-wrapped.log"))).expect("UTF-8 sample");
    let (found, _) = scan_bytes_as_file(json_string(&text).as_bytes(), &ScanConfig::default());
    let messages: Vec<_> = found.iter().map(|f| (f.code.as_str(), f.message.as_deref())).collect();
    assert_eq!(
        messages,
        [
            (
                "AADSTS50173",
                Some("The provided grant has expired due to it being revoked, a fresh auth token is needed.")
            ),
            (
                "AADSTS50076",
                Some("Due to a configuration change made by your administrator, or because you moved to a")
            ),
        ]
    );
    assert!(found.iter().all(|f| f.details.contains_key("trace_id") && f.details.contains_key("error")));
}

#[test]
fn wrapped_graph_samples_read_the_same_through_tiny_reads() {
    for path in ["graph/msal-exceptions.log", "graph/powershell-mg.txt", "graph/batch-response.json"] {
        let text = String::from_utf8(read(&sample(path))).expect("UTF-8 sample");
        for (name, bytes) in wrapped_forms(&text) {
            let whole = scan_bytes_as_file(&bytes, &ScanConfig::default());
            assert!(!whole.0.is_empty(), "{path} in a {name}");
            for read_size in 1..=16 {
                let config = ScanConfig { read_size, ..ScanConfig::default() };
                assert_eq!(
                    scan_bytes_as_file(&bytes, &config),
                    whole,
                    "{path} in a {name}, read {read_size}"
                );
            }
        }
    }
}
