//! Every shipped sample yields exactly the findings a person reading it would
//! list: one table row per sample, one entry per finding, in input order.

mod support;

use ewsdiag::model::{Class, Shape};
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
        let bytes = std::fs::read(sample(path)).unwrap_or_default();
        let span = &bytes[f.span.offset as usize..][..f.span.length as usize];
        assert!(!span.is_empty(), "{context}: empty span");
        let (at, len) = f.marks.code.expect("every finding marks its code");
        let mark = String::from_utf8_lossy(&bytes[at as usize..][..len as usize]).into_owned();
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
}

#[test]
fn a_window_that_cannot_be_read_is_reported_where_it_broke() {
    let path = sample("broken/unreadable.txt");
    let (found, malformed) = scan_file(&path, &ScanConfig::default());
    assert!(found.is_empty());
    assert_eq!(malformed.len(), 1, "{malformed:#?}");
    let m = &malformed[0];
    assert_eq!((m.span.line, m.span.column), (1, 31), "the envelope starts after the log prefix");
    assert!(m.reason.contains("comment"), "{}", m.reason);
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
