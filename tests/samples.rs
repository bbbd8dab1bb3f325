//! Every shipped sample yields exactly the findings a person reading it would
//! list: one table row per sample, one entry per finding, in input order.

mod support;

use ewsdiag::model::{Broken, Class, Shape};
use ewsdiag::scan::ScanConfig;
use support::{Seen, sample, scan_file};

/// What one finding must be; unset parts are not checked.
#[derive(Debug, Clone)]
struct Expect {
    shape: Shape,
    class: Option<Class>,
    code: &'static str,
    inner: Option<&'static str>,
    operation: Option<&'static str>,
    message: Option<&'static str>,
    mailbox: Option<&'static str>,
    truncated: bool,
}

fn finding(shape: Shape, class: Option<Class>, code: &'static str) -> Expect {
    Expect {
        shape,
        class,
        code,
        inner: None,
        operation: None,
        message: None,
        mailbox: None,
        truncated: false,
    }
}
fn ews(class: Class, code: &'static str) -> Expect {
    finding(Shape::EwsResponse, Some(class), code)
}
fn fault(code: &'static str) -> Expect {
    finding(Shape::SoapFault, Some(Class::Error), code)
}
fn alert(code: &'static str) -> Expect {
    finding(Shape::Alert, None, code)
}
fn exception(code: &'static str) -> Expect {
    finding(Shape::Exception, Some(Class::Error), code)
}
fn mention(code: &'static str) -> Expect {
    finding(Shape::Mention, None, code)
}
fn token(code: &'static str) -> Expect {
    finding(Shape::DashboardToken, None, code)
}

impl Expect {
    fn inner(mut self, inner: &'static str) -> Self {
        self.inner = Some(inner);
        self
    }
    fn op(mut self, operation: &'static str) -> Self {
        self.operation = Some(operation);
        self
    }
    /// The message starts with this.
    fn says(mut self, message: &'static str) -> Self {
        self.message = Some(message);
        self
    }
    fn truncated(mut self) -> Self {
        self.truncated = true;
        self
    }
    fn mailbox(mut self, mailbox: &'static str) -> Self {
        self.mailbox = Some(mailbox);
        self
    }
}

fn check(path: &str, expected: &[Expect]) {
    let (found, malformed) = scan_file(&sample(path), &ScanConfig::default());
    let seen: Vec<Seen> = found.iter().map(Seen::of).collect();
    assert_eq!(found.len(), expected.len(), "{path}: {seen:#?}");
    assert!(malformed.is_empty(), "{path}: unexpected malformed reports {malformed:#?}");
    for (f, e) in found.iter().zip(expected) {
        let context = format!("{path}: {f:#?}");
        assert_eq!((f.shape, f.class, f.code.as_str()), (e.shape, e.class, e.code), "{context}");
        assert_eq!(f.inner_code.as_deref(), e.inner, "{context}");
        assert_eq!(f.truncated, e.truncated, "{context}");
        if let Some(op) = e.operation {
            assert_eq!(f.operation.as_deref(), Some(op), "{context}");
        }
        if let Some(message) = e.message {
            assert!(f.message.as_deref().is_some_and(|m| m.starts_with(message)), "{context}");
        }
        if let Some(mailbox) = e.mailbox {
            assert_eq!(f.mailbox.as_deref(), Some(mailbox), "{context}");
        }
        let bytes = support::decoded(&sample(path));
        let span = &bytes[f.span.offset as usize..][..f.span.length as usize];
        assert!(!span.is_empty(), "{context}: empty span");
        let code = f.marks.code.clone().expect("every finding marks its code");
        let mark = String::from_utf8_lossy(&bytes[code.start as usize..code.end as usize]).into_owned();
        assert!(mark.ends_with(&f.code), "{context}: the code mark `{mark}` points at the code");
    }
}

macro_rules! samples {
    ($($name:ident: $path:literal => [$($expect:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                check($path, &[$($expect),*]);
            }
        )*
    };
}

samples! {
    view_details_nonexistent_mailbox: "view-details/nonexistent-mailbox.txt" => [
        alert("ErrorNonExistentMailbox").says("Email can't be received for the mailbox").mailbox("Rosa Lindqvist"),
        ews(Class::Error, "ErrorNonExistentMailbox").op("FindItem").says("Mailbox does not exist.").mailbox("Rosa Lindqvist"),
    ];
    view_details_sendonly: "view-details/sendonly-invalid-operation.txt" => [
        alert("ErrorInvalidOperation").says("A general mailbox access error occurred while sending"),
        ews(Class::Error, "ErrorInvalidOperation").says("SendOnly cannot be used by a user without a mailbox."),
    ];
    view_details_inner_license: "view-details/invalid-license.txt" => [
        alert("ErrorInternalServerError").mailbox("Support Queue (Fabrikam)"),
        ews(Class::Error, "ErrorInternalServerError").inner("ErrorInvalidLicense").op("FindItem"),
    ];
    envelope_mixed_classes: "soap/mixed-classes-envelope.xml" => [
        ews(Class::Warning, "ErrorItemPropertyRequestFailed").op("GetItem"),
        ews(Class::Error, "ErrorItemNotFound").op("GetItem").says("The specified object was not found in the store."),
    ];
    operation_level_response_class: "soap/operation-level-class.xml" => [
        ews(Class::Error, "ErrorNonExistentMailbox").op("GetPasswordExpirationDate"),
    ];
    fault_server_busy: "soap/fault-server-busy.xml" => [
        fault("ErrorServerBusy").says("The server cannot service this request right now."),
    ];
    fault_schema_validation: "soap/fault-schema-validation.xml" => [
        fault("ErrorSchemaValidation").says("The request failed schema validation: The element 'FindItem'"),
    ];
    fault_detail_code_wins: "soap/fault-code-disagrees.xml" => [
        fault("ErrorMailboxStoreUnavailable"),
    ];
    client_trace: "trace/ews-client-trace.log" => [
        fault("ErrorNonExistentMailbox").says("The SMTP address has no mailbox associated with it."),
    ];
    server_log: "logs/server-mixed.log" => [
        ews(Class::Error, "ErrorAccessDenied").op("GetItem"),
        finding(Shape::Exception, Some(Class::Error), "ServiceResponseException").inner("ErrorServerBusy").mailbox("kai.berg@fabrikam.com"),
        fault("ErrorServerBusy"),
        finding(Shape::Mention, None, "ErrorMailboxStoreUnavailable").says("The mailbox database is temporarily unavailable."),
    ];
    broken_missing_bracket: "broken/missing-bracket.txt" => [
        ews(Class::Error, "ErrorNonExistentMailbox").says("Mailbox does not exist."),
    ];
    broken_unclosed_faultcode: "broken/unclosed-faultcode.xml" => [
        fault("ErrorImpersonateUserDenied").says("The account does not have permission to impersonate"),
    ];
    broken_stray_ellipsis: "broken/stray-ellipsis.xml" => [
        ews(Class::Error, "ErrorInvalidSyncStateData").op("SyncFolderItems"),
    ];
    broken_undeclared_prefixes: "broken/undeclared-prefixes.xml" => [
        ews(Class::Error, "ErrorSendAsDenied").op("CreateItem"),
    ];
    broken_unescaped_lt: "broken/unescaped-lt.xml" => [
        ews(Class::Error, "ErrorInvalidRestriction").says("Restriction value <1> is not valid for property 'Size'."),
    ];
    broken_leading_blanks: "broken/leading-blanks.xml" => [
        ews(Class::Error, "ErrorQuotaExceeded").op("DeleteItem"),
    ];
    broken_padded_codes: "broken/padded-codes.xml" => [
        ews(Class::Error, "ErrorCrossMailboxMoveCopy").says("The move could not be completed"),
    ];
    broken_truncated_envelope_keeps_what_is_complete: "broken/truncated-envelope.log" => [
        ews(Class::Error, "ErrorMailboxMoveInProgress").op("GetItem"),
    ];
    seed_alert_pair_bare_and_bracketed_names: "correlation/seed-alert-pair.txt" => [
        alert("ErrorNonExistentMailbox").mailbox("Nadia Holm").says("Appointments, contacts, and tasks can't be synchronized"),
        alert("ErrorInvalidOperation").mailbox("Nadia Holm").says("A general mailbox access error occurred while sending"),
    ];
    alert_token_shapes: "alerts/alert-tokens.txt" => [
        alert("ErrorMailboxStoreUnavailable").mailbox("Aiko Sato").says("A general mailbox access error occurred while receiving"),
        alert("UnknownIncomingEmailIntegrationError").inner("-2147220891").mailbox("Sales Inbox"),
        alert("UnknownIncomingEmailIntegrationError").inner("-2147220192").mailbox("Claims Queue"),
        alert("UnknownOutgoingEmailIntegrationError").inner("ErrorSubmissionQuotaExceeded").mailbox("Marketing Sender"),
        alert("ErrorNonExistentMailbox").mailbox("Priya Nair"),
        alert("363").inner("ErrorServerBusy").mailbox("Priya Nair"),
        alert("383").inner("ErrorTimeZone").mailbox("Omar Haddad"),
        alert("ErrorQuotaExceeded").mailbox("Lena Vogel"),
        alert("MailboxNotEnabledForRESTAPI").mailbox("Jon Ek"),
        alert("401 Unauthorized").mailbox("Lena Vogel"),
        alert("Forbidden").mailbox("Jon Ek"),
        alert("ServiceUnavailable").mailbox("Help Desk"),
        alert("ConnectFailure").mailbox("Help Desk"),
        alert("SecureChannelFailure").mailbox("Help Desk"),
        alert("TimedOut").mailbox("Gmail Leads"),
        alert("InvalidIncomingEmailServerProfileConfiguration").inner("HostNotFound").mailbox("Gmail Leads"),
        alert("Crm.80040265").says("ISV code aborted the operation.").mailbox("Aiko Sato"),
        alert("MailboxDisabled").mailbox("Old Team Inbox"),
    ];
    alert_numbers_read_as_ordinals_and_statuses: "alerts/http-readings.txt" => [
        alert("403").inner("ErrorUserNotAllowedByPolicy").mailbox("Tomas Herrera"),
        alert("363").inner("ErrorServerBusy").mailbox("Tomas Herrera"),
        alert("503").mailbox("Ines Duarte"),
        alert("ErrorQuotaExceeded").mailbox("Ines Duarte"),
        alert("429 Too Many Requests").mailbox("Ines Duarte"),
    ];
    client_javascript_dump: "clients/javascript.log" => [
        mention("ErrorAccessDenied").says("Access is denied. Check credentials and try again."),
    ];
    client_rust_debug: "clients/rust-debug.log" => [
        mention("ErrorItemNotFound").says("The specified object was not found in the store."),
    ];
    client_php_soapfault: "clients/php-soapfault.log" => [
        mention("ErrorSchemaValidation").says("The request failed schema validation"),
    ];
    client_python_reprs: "clients/python-repr.log" => [
        mention("ErrorMailboxStoreUnavailable").says("The mailbox database is temporarily unavailable."),
        mention("ErrorServerBusy").says("The server cannot service this request right now."),
    ];
    client_gateway_error: "clients/gateway.log" => [
        mention("ErrorTimeoutExpired").says("The request timed out."),
    ];
    client_unclosed_tags: "clients/unclosed-tags.txt" => [
        fault("ErrorQuotaExceeded").says("The mailbox has exceeded its quota."),
    ];
    client_label_as_wide_as_a_line_above: "clients/wrapped-label.txt" => [
        alert("Forbidden").mailbox("Mei Tanaka"),
    ];
    dotnet_exceptions: "alerts/exceptions.log" => [
        exception("WebException").inner("401 Unauthorized").mailbox("Ravi Kumar"),
        exception("SoapException").inner("ErrorImpersonateUserDenied").says("The account does not have permission to impersonate"),
        exception("SocketException").inner("HostNotFound").says("No such host is known").mailbox("Gmail Leads"),
        exception("SmtpException").inner("SmtpSyntaxError"),
        exception("AuthenticationException").inner("OutgoingEmailAuthenticationError").says("535: 5.7.8"),
        exception("WebException").inner("401 Unauthorized").says("The remote server returned an error: (401) Unauthorized."),
    ];
    dataverse_hresult: "dataverse/hresult.txt" => [
        alert("Crm.80048306").mailbox("Hana Kim"),
        finding(Shape::DataverseFault, Some(Class::Error), "-2147187962"),
    ];
    dataverse_organization_service_fault: "dataverse/organization-service-fault.xml" => [
        finding(Shape::DataverseFault, Some(Class::Error), "-2147220970").inner("-2147220906").says("A failure occurred in CrmSecurity."),
    ];
    owa_json_response: "json/owa-responses.json" => [
        finding(Shape::JsonResponse, Some(Class::Error), "ErrorInternalServerError").inner("ErrorQuotaExceededOnDelete").op("DeleteItem"),
    ];
    graph_errors: "json/graph-errors.log" => [
        finding(Shape::GraphError, Some(Class::Error), "ErrorNonExistentMailbox").says("The SMTP address has no mailbox"),
        finding(Shape::GraphError, Some(Class::Error), "ErrorAccessDenied"),
    ];
    dashboard_tokens: "dashboard/item-monitoring.csv" => [
        token("NoCorrelationMatch"),
        token("NoRecipientMatch"),
        token("IsvAborted"),
        token("InternalEmailReject"),
        token("ExchangeSyncSchedulingConflictsError"),
    ];
    mentions_in_free_text: "mentions/imap-and-dumps.log" => [
        mention("ErrorServerBusy").says("The server cannot service this request right now."),
        mention("ErrorInvalidSyncStateData"),
        mention("ErrorItemNotFound").says("The specified object was not found in the store."),
    ];
    csv_export_with_a_record_cut_at_2048: "exports/trace-records.csv" => [
        ews(Class::Error, "ErrorNonExistentMailbox").op("FindItem").says("Mailbox does not exist.").mailbox("Rosa Lindqvist"),
        ews(Class::Error, "ErrorInvalidOperation").says("SendOnly cannot be used"),
        ews(Class::Error, "ErrorInternalServerError").op("FindItem").truncated(),
    ];
    json_tracelogs_export: "exports/tracelogs.json" => [
        ews(Class::Error, "ErrorNonExistentMailbox").op("FindItem"),
        ews(Class::Error, "ErrorInternalServerError").inner("ErrorInvalidLicense"),
    ];
    html_page_source: "exports/alert-page.html" => [
        ews(Class::Error, "ErrorInvalidOperation").says("SendOnly cannot be used by a user without a mailbox."),
    ];
    xml_escaped_once_and_twice: "exports/trace-records.xml" => [
        ews(Class::Error, "ErrorInternalServerError").inner("ErrorInvalidLicense"),
        fault("ErrorServerBusy"),
    ];
    wrapped_by_a_viewer: "exports/wrapped-76.txt" => [
        ews(Class::Error, "ErrorInternalServerError").inner("ErrorInvalidLicense").op("FindItem"),
    ];
    gzip: "encodings/server-log.gz" => [
        ews(Class::Error, "ErrorAccessDenied"),
        exception("ServiceResponseException").inner("ErrorServerBusy"),
        fault("ErrorServerBusy"),
        mention("ErrorMailboxStoreUnavailable"),
    ];
    utf8_bom_crlf: "encodings/utf8-bom-crlf.log" => [fault("ErrorServerBusy")];
    utf16le_bom: "encodings/windows-utf16le-bom.log" => [fault("ErrorServerBusy")];
    utf16be_bom: "encodings/windows-utf16be-bom.log" => [fault("ErrorServerBusy")];
    utf16le_without_bom: "encodings/windows-utf16le-nobom.log" => [fault("ErrorServerBusy")];
    invalid_utf8_bytes_cost_nothing: "encodings/windows-1252-bytes.log" => [
        ews(Class::Error, "ErrorInvalidSyncStateData").op("SyncFolderItems").says("Synchronization state data is corrupt"),
    ];
}

#[test]
fn a_window_that_cannot_be_read_is_reported_where_it_broke() {
    let path = sample("broken/unreadable.txt");
    let (found, malformed) = scan_file(&path, &ScanConfig::default());
    assert!(found.is_empty());
    assert_eq!(malformed.len(), 1, "{malformed:#?}");
    let m = &malformed[0];
    assert_eq!((m.span.line, m.span.column), (1, 31), "the envelope starts after the log prefix");
    assert!(matches!(&m.reason, Broken::Xml(words) if words.contains("comment")), "{:?}", m.reason);
}

#[test]
fn success_messages_are_findings_only_when_asked_for() {
    let config = ScanConfig { show_success: true, ..ScanConfig::default() };
    let (found, _) = scan_file(&sample("soap/mixed-classes-envelope.xml"), &config);
    let classes: Vec<_> = found.iter().map(|f| (f.class, f.code.as_str())).collect();
    assert_eq!(
        classes,
        [
            (Some(Class::Success), "NoError"),
            (Some(Class::Warning), "ErrorItemPropertyRequestFailed"),
            (Some(Class::Error), "ErrorItemNotFound")
        ]
    );
}
