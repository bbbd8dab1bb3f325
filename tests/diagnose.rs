//! Diagnosis and correlation: each sample under `samples/correlation/` is scanned
//! and must come out as the root cause its rule describes; hand-built findings
//! pin down the ranking (evidence raises, negated evidence lowers, the inner
//! code wins).

use ewsdiag::diagnose::{MailboxCodes, correlate, diagnose, diagnose_all};
use ewsdiag::kb::knowledge_base;
use ewsdiag::model::{Class, Clue, Encoding, Finding, Polarity, Shape, Transient};
use ewsdiag::model::{Confidence, RootCause};
use ewsdiag::scan::{Event, ScanConfig, SourceInfo, scan_bytes};

fn scan(name: &str) -> Vec<Finding> {
    let path = format!("{}/samples/correlation/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let source = SourceInfo { path, encoding: Encoding::Utf8 };
    let (events, _) = scan_bytes(&bytes, &source, &ScanConfig::default());
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some(*f),
            Event::Malformed(_) | Event::Context(_) => None,
        })
        .collect()
}

/// The single root cause a sample must produce.
fn only_root(name: &str) -> RootCause {
    let roots = correlate(&scan(name), knowledge_base());
    assert_eq!(roots.len(), 1, "{name}: {roots:#?}");
    roots.into_iter().next().unwrap()
}

fn has(list: &[String], needle: &str) -> bool {
    list.iter().any(|s| s.contains(needle))
}

/// Does some evidence for the cause mention `needle`?
fn shows(list: &[Clue], needle: &str) -> bool {
    list.iter().any(|c| c.polarity == Polarity::For && c.text.contains(needle))
}

/// Does some evidence against the cause mention `needle`?
fn has_against(list: &[Clue], needle: &str) -> bool {
    list.iter().any(|c| c.polarity == Polarity::Against && c.text.contains(needle))
}

fn finding(code: &str) -> Finding {
    Finding { path: "test".into(), class: Some(Class::Error), ..Finding::new(Shape::EwsResponse, code) }
}

fn with(code: &str, edit: impl FnOnce(&mut Finding)) -> Finding {
    let mut f = finding(code);
    edit(&mut f);
    f
}

const SEND_ONLY: &str = "SendOnly cannot be used by a user without a mailbox.  Use SendAndSaveCopy and specify a folder ID in a mailbox to send an item from an account that doesn't have a mailbox.";

// --- samples, one per rule ---

#[test]
fn sample_not_a_mailbox() {
    let r = only_root("not-a-mailbox.txt");
    assert_eq!(r.id, "not-a-mailbox");
    assert_eq!(r.mailboxes, ["Support Queue"]);
    assert_eq!(r.codes, ["ErrorInvalidOperation", "ErrorNonExistentMailbox"]);
    assert_eq!(r.findings, 3);
    assert_eq!(r.confidence, Confidence::High);
    assert_eq!(r.kb_code.as_deref(), Some("ErrorNonExistentMailbox"));
    assert!(shows(&r.evidence, "message mentions \"SendOnly cannot be used by a user without a mailbox\""));
    assert!(shows(&r.evidence, "ErrorNonExistentMailbox when receiving email"));
    // The profile is named for Exchange Online, so the on-premises case comes first.
    assert!(
        shows(&r.evidence, "most likely an on-premises mailbox on an Exchange Online profile"),
        "{:?}",
        r.evidence
    );
    assert!(r.fix[1].contains("Exchange Server (Hybrid)"), "{:?}", r.fix);
    assert_eq!(r.first_seen.as_deref(), Some("2026-11-20T08:15:02"));
    assert_eq!(r.last_seen.as_deref(), Some("2026-11-20T08:16:40"));
}

#[test]
fn sample_hybrid_profile_401() {
    let r = only_root("hybrid-profile-401.txt");
    assert_eq!(r.id, "hybrid-profile-for-online-mailbox");
    assert_eq!(r.mailboxes, ["Priya Raman"]);
    assert!(r.codes.contains(&"401 Unauthorized".to_owned()), "{:?}", r.codes);
    assert_eq!(r.confidence, Confidence::High);
    assert_eq!(r.kb_code.as_deref(), Some("Unauthorized"));
    assert!(shows(&r.evidence, "profile \"Fabrikam Exchange Server (Hybrid)\""));
    assert!(has(&r.fix, "Microsoft Exchange Online profile"));
}

#[test]
fn sample_invalid_license() {
    let r = only_root("invalid-license.txt");
    assert_eq!(r.id, "no-exchange-online-license");
    assert_eq!(r.mailboxes, ["Luis Ortega"]);
    assert_eq!(r.codes, ["ErrorInternalServerError", "ErrorInvalidLicense"]);
    assert_eq!(r.confidence, Confidence::High);
    assert_eq!(r.transient, Transient::No);
    assert!(shows(&r.evidence, "ErrorInternalServerError carries inner code ErrorInvalidLicense"));
    assert!(r.title.contains("not a server fault"));
}

#[test]
fn sample_throttled() {
    let r = only_root("throttled.txt");
    assert_eq!(r.id, "ews-throttled");
    assert!(r.mailboxes.is_empty(), "a client trace names no mailbox");
    assert_eq!(r.findings, 2);
    assert_eq!(r.confidence, Confidence::High);
    assert_eq!(r.transient, Transient::Yes);
    // 297749 ms, rounded up.
    assert!(r.title.contains("4 min 58 s"), "{}", r.title);
    assert!(shows(&r.evidence, "BackOffMilliseconds = 297749"));
    assert!(shows(&r.evidence, "throttled operations: FindItem"));
    assert_eq!(r.first_seen.as_deref(), Some("2026-11-23T10:02:31Z"));
}

#[test]
fn sample_transient_repeats() {
    let r = only_root("transient-repeats.txt");
    assert_eq!(r.id, "transient-repeats");
    assert_eq!(r.mailboxes, ["Omar Haddad"]);
    assert_eq!(r.codes, ["ErrorMailboxStoreUnavailable"]);
    assert_eq!(r.findings, 4);
    assert_eq!(r.confidence, Confidence::Medium);
    assert!(r.title.contains("4 of 10"), "{}", r.title);
    assert!(has(&r.fix, "up to 10 times, 5 minutes apart"));
    assert!(shows(&r.evidence, "4 attempts counted from their times"));
    assert_eq!(r.first_seen.as_deref(), Some("2026-11-24T06:00:04"));
    assert_eq!(r.last_seen.as_deref(), Some("2026-11-24T06:15:09"));
}

#[test]
fn sample_ews_retired_403() {
    let r = only_root("ews-retired-403.txt");
    assert_eq!(r.id, "ews-retirement-403");
    assert_eq!(r.mailboxes, ["Jonas Lindqvist", "Mei Tanaka"]);
    assert_eq!(r.findings, 3);
    assert_eq!(r.confidence, Confidence::Medium);
    assert_eq!(r.kb_code.as_deref(), Some("Forbidden"));
    assert!(shows(&r.evidence, "HTTP 403 Forbidden"));
    assert!(shows(&r.evidence, "profile \"Fabrikam Exchange Online\" is an Exchange Online profile"));
    assert!(shows(&r.evidence, "2 mailboxes are refused the same way"));
    assert!(has(
        &r.fix,
        "Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy | fl EwsEnabled,EwsAllowedAppIDs"
    ));
    assert!(has(&r.fix, "both levels are True or empty"));
    assert!(has(&r.fix, "Get-CASMailbox <address> | fl EwsEnabled"));
    assert!(has(&r.fix, "1 October 2026"));
    assert!(has(&r.fix, "Microsoft Graph"));
}

#[test]
fn diagnose_all_fills_every_known_finding_and_prefers_the_inner_code() {
    let mut findings = scan("invalid-license.txt");
    diagnose_all(&mut findings, knowledge_base());
    assert!(findings.iter().all(|f| f.diagnosis.is_some()));
    let wrapped = findings.iter().find(|f| f.code == "ErrorInternalServerError").unwrap();
    let d = wrapped.diagnosis.as_ref().unwrap();
    assert_eq!(d.code, "ErrorInvalidLicense");
    assert!(d.causes[0].evidence.contains(&Clue::for_("inner code is ErrorInvalidLicense")));
}

// --- ranking of one finding ---

#[test]
fn message_evidence_raises_the_matching_cause() {
    let kb = knowledge_base();
    let f = with("ErrorInvalidOperation", |f| f.message = Some(SEND_ONLY.into()));
    let d = diagnose(&f, kb, &MailboxCodes::default()).unwrap();
    let top = &d.causes[0];
    assert_ne!(top.id, "operation-not-allowed");
    assert!(shows(&top.evidence, "message mentions \"SendOnly cannot be used"));
    assert!(d.causes.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn negated_evidence_lowers_a_cause() {
    let kb = knowledge_base();
    let plain = diagnose(&finding("ErrorInvalidOperation"), kb, &MailboxCodes::default()).unwrap();
    let f = with("ErrorInvalidOperation", |f| f.message = Some(SEND_ONLY.into()));
    let d = diagnose(&f, kb, &MailboxCodes::default()).unwrap();
    let score = |d: &ewsdiag::model::Diagnosis| {
        d.causes.iter().find(|c| c.id == "operation-not-allowed").map(|c| (c.score, c.evidence.clone()))
    };
    let (before, _) = score(&plain).unwrap();
    let (after, evidence) = score(&d).unwrap();
    assert!(after < before, "{after} < {before}");
    assert!(evidence.iter().any(|e| e.polarity == Polarity::Against), "{evidence:?}");
    assert_eq!(d.causes.last().map(|c| c.id), Some("operation-not-allowed"));
}

#[test]
fn without_evidence_the_written_order_stands() {
    let kb = knowledge_base();
    let d = diagnose(&finding("ErrorNonExistentMailbox"), kb, &MailboxCodes::default()).unwrap();
    let entry = kb.lookup("ErrorNonExistentMailbox").unwrap();
    let ids: Vec<_> = d.causes.iter().map(|c| c.id).collect();
    let written: Vec<_> = entry.causes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, written);
}

#[test]
fn inner_code_is_preferred_when_known() {
    let kb = knowledge_base();
    let seen = MailboxCodes::default();
    let f = with("ErrorInternalServerError", |f| f.inner_code = Some("ErrorInvalidLicense".into()));
    assert_eq!(diagnose(&f, kb, &seen).unwrap().code, "ErrorInvalidLicense");
    let f = with("ErrorInternalServerError", |f| f.inner_code = Some("NotACodeAnyoneKnows".into()));
    assert_eq!(diagnose(&f, kb, &seen).unwrap().code, "ErrorInternalServerError");
}

#[test]
fn a_diagnosis_names_the_namespace_its_entry_comes_from() {
    let kb = knowledge_base();
    let seen = MailboxCodes::default();
    let d = diagnose(&finding("ErrorAccessDenied"), kb, &seen).unwrap();
    assert_eq!((d.code, d.namespace), ("ErrorAccessDenied", "ews"));
    let graph = Finding { class: None, ..Finding::new(Shape::GraphError, "ErrorAccessDenied") };
    let d = diagnose(&graph, kb, &seen).unwrap();
    assert_eq!((d.code, d.namespace), ("graph:ErrorAccessDenied", "graph"));
    let d = diagnose(&finding("Forbidden"), kb, &seen).unwrap();
    assert_eq!(d.namespace, "sss");
    assert_eq!(d.url, kb.lookup(d.code).and_then(|e| e.url()), "the link is the entry's own");
}

#[test]
fn the_namespace_and_link_stay_out_of_the_json_record() {
    let d = diagnose(&finding("ErrorAccessDenied"), knowledge_base(), &MailboxCodes::default()).unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert!(json.get("namespace").is_none() && json.get("url").is_none(), "{json}");
}

#[test]
fn http_status_finds_an_entry_when_the_code_does_not() {
    let kb = knowledge_base();
    let f = with("NotACodeAnyoneKnows", |f| {
        f.details.insert("HttpStatus".into(), "403".into());
    });
    assert_eq!(diagnose(&f, kb, &MailboxCodes::default()).unwrap().code, "Forbidden");
    assert!(diagnose(&finding("NotACodeAnyoneKnows"), kb, &MailboxCodes::default()).is_none());
}

#[test]
fn seen_with_looks_at_the_other_findings_of_the_mailbox_only() {
    let kb = knowledge_base();
    let mb = |code: &str, mailbox: &str| with(code, |f| f.mailbox = Some(mailbox.into()));
    let findings =
        [mb("ErrorNonExistentMailbox", "a@contoso.com"), mb("ErrorInvalidOperation", "A@contoso.com")];
    let seen = MailboxCodes::from_findings(&findings);
    let d = diagnose(&findings[0], kb, &seen).unwrap();
    let not_a_mailbox = d.causes.iter().find(|c| c.id == "not-a-mailbox").unwrap();
    assert!(
        not_a_mailbox.evidence.contains(&Clue::for_("the same mailbox also shows ErrorInvalidOperation"))
    );
    // A finding does not count as its own neighbour, nor does another mailbox's.
    assert!(!seen.seen_with(&findings[0], "ErrorNonExistentMailbox"));
    let other = mb("ErrorNonExistentMailbox", "b@contoso.com");
    assert!(!seen.seen_with(&other, "ErrorInvalidOperation"));
}

#[test]
fn direction_comes_from_alert_words_then_the_operation() {
    let kb = knowledge_base();
    let seen = MailboxCodes::default();
    let sending = with("ErrorInvalidOperation", |f| {
        f.message = Some("An error occurred while sending the email message \"Hi\".".into());
    });
    let d = diagnose(&sending, kb, &seen).unwrap();
    assert!(d.causes.iter().any(|c| c.evidence.contains(&Clue::for_("it concerns outgoing email"))));
    let find = with("ErrorNonExistentMailbox", |f| f.operation = Some("FindItem".into()));
    let d = diagnose(&find, kb, &seen).unwrap();
    assert!(d.causes.iter().any(|c| c.evidence.contains(&Clue::for_("it concerns incoming email"))));
}

// --- correlation rules on hand-built findings ---

#[test]
fn service_error_363_with_back_off_is_throttling() {
    let f = with("363", |f| {
        f.shape = Shape::Alert;
        f.inner_code = Some("ErrorServerBusy".into());
        f.mailbox = Some("Dana Okafor".into());
        f.details.insert("BackOffMilliseconds".into(), "45000".into());
    });
    let roots = correlate(&[f], knowledge_base());
    assert_eq!(roots[0].id, "ews-throttled");
    assert!(roots[0].title.contains("45 s"), "{}", roots[0].title);
    assert!(shows(&roots[0].evidence, "the log does not name the throttled operations"));
}

#[test]
fn a_401_on_a_profile_without_hybrid_in_its_name_is_medium() {
    let f = with("401 Unauthorized", |f| {
        f.mailbox = Some("kai.berg@fabrikam.com".into());
        f.profile = Some("Fabrikam Exchange Server 2019".into());
    });
    let roots = correlate(&[f], knowledge_base());
    assert_eq!(roots[0].id, "hybrid-profile-for-online-mailbox");
    assert_eq!(roots[0].confidence, Confidence::Medium);
}

#[test]
fn profile_kind_keeps_401_and_403_rules_apart() {
    let kb = knowledge_base();
    let online_401 = with("401 Unauthorized", |f| f.profile = Some("Contoso Exchange Online".into()));
    let hybrid_403 = with("Forbidden", |f| {
        f.mailbox = Some("x@contoso.com".into());
        f.profile = Some("Contoso Exchange Server (Hybrid)".into());
    });
    let roots = correlate(&[online_401, hybrid_403], kb);
    let ids: Vec<_> = roots.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.contains(&"code:Unauthorized"), "{ids:?}");
    assert!(ids.contains(&"code:Forbidden"), "{ids:?}");
}

#[test]
fn the_rest_is_grouped_by_code_and_ranked_by_mailboxes_hit() {
    let mb = |code: &str, mailbox: &str| with(code, |f| f.mailbox = Some(mailbox.into()));
    let findings = [
        mb("ErrorItemNotFound", "a@contoso.com"),
        mb("ErrorItemNotFound", "a@contoso.com"),
        mb("ErrorItemNotFound", "a@contoso.com"),
        mb("ErrorCorruptData", "b@contoso.com"),
        mb("ErrorCorruptData", "c@contoso.com"),
        with("NoError", |f| f.class = Some(Class::Success)),
    ];
    let roots = correlate(&findings, knowledge_base());
    assert_eq!(roots.len(), 2, "{roots:#?}");
    assert_eq!(roots[0].id, "code:ErrorCorruptData");
    assert_eq!(roots[0].mailboxes, ["b@contoso.com", "c@contoso.com"]);
    assert_eq!(roots[1].id, "code:ErrorItemNotFound");
    assert_eq!(roots[1].findings, 3);
    // No evidence held, so the first written cause stands, with its fix.
    let entry = knowledge_base().lookup("ErrorItemNotFound").unwrap();
    assert_eq!(roots[1].title, entry.causes[0].summary);
    assert_eq!(roots[1].fix, entry.causes[0].fix);
    assert_eq!(roots[1].confidence, Confidence::Low);
}

#[test]
fn unknown_codes_still_get_a_root_cause() {
    let roots = correlate(&[finding("NotACodeAnyoneKnows")], knowledge_base());
    assert_eq!(roots[0].id, "code:NotACodeAnyoneKnows");
    assert_eq!(roots[0].kb_code, None);
    assert_eq!(roots[0].confidence, Confidence::Low);
}

#[test]
fn times_that_are_not_iso_keep_input_order() {
    let at = |t: &str| with("ErrorItemNotFound", |f| f.time = Some(t.into()));
    let roots = correlate(&[at("11/20/2026 9:00 AM"), at("11/20/2026 8:00 AM")], knowledge_base());
    assert_eq!(roots[0].first_seen.as_deref(), Some("11/20/2026 9:00 AM"));
    assert_eq!(roots[0].last_seen.as_deref(), Some("11/20/2026 8:00 AM"));
    let roots = correlate(&[at("2026-11-20 09:00"), at("2026-11-20T08:00")], knowledge_base());
    assert_eq!(roots[0].first_seen.as_deref(), Some("2026-11-20T08:00"));
    assert_eq!(roots[0].last_seen.as_deref(), Some("2026-11-20 09:00"));
}

#[test]
fn root_causes_serialize_as_plain_data() {
    let r = only_root("throttled.txt");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["confidence"], "high");
    assert_eq!(json["transient"], "yes");
    assert_eq!(json["kb_code"], "ErrorServerBusy");
}

// --- Exchange Online's EWS blocks and Microsoft Graph's names ---

/// A bare HTTP 403 as Exchange Online sends it for an EWS block, with the
/// X-EWS-Policy-Reason header read into the details.
fn ews_block(reason: &str) -> Finding {
    let mut f = Finding { path: "test".into(), ..Finding::new(Shape::Exception, "Forbidden") };
    f.details.insert("HttpStatus".into(), "403".into());
    f.details.insert("X-EWS-Policy-Reason".into(), reason.into());
    f.profile = Some("Contoso Exchange Online".into());
    f
}

#[test]
fn blocked_by_policy_ranks_the_application_id_allow_list_first() {
    let f = ews_block("EWS is blocked by policy for this user or tenant");
    let d = diagnose(&f, knowledge_base(), &MailboxCodes::default()).unwrap();
    assert_eq!(d.code, "Forbidden");
    assert_eq!(d.causes[0].id, "app-id-not-allowed", "{:#?}", d.causes);
    assert!(shows(&d.causes[0].evidence, "X-EWS-Policy-Reason: EWS is blocked by policy"));
    let disabled = d.causes.iter().find(|c| c.id == "ews-disabled-for-organization").unwrap();
    assert!(has_against(&disabled.evidence, "X-EWS-Policy-Reason"), "{disabled:#?}");
}

#[test]
fn disabled_for_user_or_tenant_ranks_ews_enabled_first() {
    let f = ews_block("EWS is disabled for this user or tenant");
    let d = diagnose(&f, knowledge_base(), &MailboxCodes::default()).unwrap();
    assert_eq!(d.causes[0].id, "ews-disabled-for-organization", "{:#?}", d.causes);
    let app_id = d.causes.iter().position(|c| c.id == "app-id-not-allowed").unwrap();
    let mailbox = d.causes.iter().position(|c| c.id == "ews-disabled-on-mailbox").unwrap();
    assert!(mailbox < app_id, "{:#?}", d.causes);
}

#[test]
fn the_policy_header_is_read_from_a_message_line_too() {
    let mut f = Finding { path: "test".into(), ..Finding::new(Shape::Exception, "Forbidden") };
    f.message = Some(
        "The request failed with HTTP status 403: Forbidden.\nX-EWS-Policy-Reason: EWS is blocked by policy for this user or tenant".into(),
    );
    let d = diagnose(&f, knowledge_base(), &MailboxCodes::default()).unwrap();
    assert_eq!(d.causes[0].id, "app-id-not-allowed", "{:#?}", d.causes);
}

#[test]
fn a_graph_error_named_like_an_ews_code_gets_graph_causes() {
    let kb = knowledge_base();
    let seen = MailboxCodes::default();
    for (code, graph_cause) in
        [("ErrorAccessDenied", "mail-permission-not-consented"), ("ErrorItemNotFound", "id-changed-on-move")]
    {
        let mut graph = Finding { path: "test".into(), ..Finding::new(Shape::GraphError, code) };
        graph.message = Some("Access is denied. Check credentials and try again.".into());
        let d = diagnose(&graph, kb, &seen).unwrap();
        assert_eq!(d.code, format!("graph:{code}"));
        assert!(d.causes.iter().any(|c| c.id == graph_cause), "{code}: {:#?}", d.causes);
        let ews = diagnose(&finding(code), kb, &seen).unwrap();
        assert_eq!(ews.code, code, "an EWS response keeps the EWS entry");
        assert!(!ews.causes.iter().any(|c| c.id == graph_cause));
    }
}

#[test]
fn access_to_odata_is_disabled_points_at_the_application_scope() {
    let mut f = Finding { path: "test".into(), ..Finding::new(Shape::GraphError, "ErrorAccessDenied") };
    f.message = Some(
        "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."
            .into(),
    );
    let d = diagnose(&f, knowledge_base(), &MailboxCodes::default()).unwrap();
    assert_eq!(d.causes[0].id, "mailbox-outside-app-scope", "{:#?}", d.causes);
}

#[test]
fn a_graph_only_code_resolves_whatever_the_shape() {
    let kb = knowledge_base();
    let seen = MailboxCodes::default();
    let throttled = Finding { path: "test".into(), ..Finding::new(Shape::Mention, "ApplicationThrottled") };
    assert_eq!(diagnose(&throttled, kb, &seen).unwrap().code, "graph:ApplicationThrottled");
    let sign_in = Finding { path: "test".into(), ..Finding::new(Shape::Aadsts, "AADSTS7000222") };
    assert_eq!(diagnose(&sign_in, kb, &seen).unwrap().code, "AADSTS7000222");
}

#[test]
fn ews_and_graph_errors_of_one_name_stay_apart_in_the_summary() {
    let ews = finding("ErrorAccessDenied");
    let graph = Finding { path: "test".into(), ..Finding::new(Shape::GraphError, "ErrorAccessDenied") };
    let roots = correlate(&[ews, graph], knowledge_base());
    let mut codes: Vec<Option<String>> = roots.iter().map(|r| r.kb_code.clone()).collect();
    codes.sort();
    assert_eq!(codes, [Some("ErrorAccessDenied".to_owned()), Some("graph:ErrorAccessDenied".to_owned())]);
}

#[test]
fn a_whole_run_over_the_samples_names_each_root_cause_once() {
    use ewsdiag::report::Ndjson;
    use ewsdiag::run::{RunConfig, run};
    let samples = format!("{}/samples", env!("CARGO_MANIFEST_DIR"));
    let config = RunConfig { paths: vec![samples.into()], ..RunConfig::default() };
    let mut out = Vec::new();
    let summary = run(&config, &mut Ndjson::new(&mut out, std::io::sink())).unwrap();
    let mut ids: Vec<&str> = summary.root_causes.iter().map(|r| r.id.as_str()).collect();
    let listed = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), listed, "a root cause is listed twice: {:?}", summary.root_causes);
}

#[test]
fn a_cause_that_names_no_mailbox_ranks_by_its_findings_among_single_mailbox_causes() {
    let kb = knowledge_base();
    let busy = |i: usize| Finding {
        span: ewsdiag::model::Span { offset: i as u64, ..Default::default() },
        ..finding("ErrorServerBusy")
    };
    let mut findings: Vec<Finding> = (0..5).map(busy).collect();
    let mut one = finding("ErrorItemNotFound");
    one.mailbox = Some("Ana".into());
    findings.push(one);
    let roots = correlate(&findings, kb);
    assert_eq!(roots[0].kb_code.as_deref(), Some("ErrorServerBusy"), "{roots:#?}");
    assert!(roots[0].mailboxes.is_empty());
}

#[test]
fn a_number_with_two_readings_names_both_and_leads_with_the_one_its_words_support() {
    let kb = knowledge_base();
    let path = format!("{}/samples/alerts/http-readings.txt", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let source = SourceInfo { path, encoding: Encoding::Utf8 };
    let (events, _) = scan_bytes(&bytes, &source, &ScanConfig::default());
    let findings: Vec<Finding> =
        events.into_iter().filter_map(|e| if let Event::Finding(f) = e { Some(*f) } else { None }).collect();
    let seen = MailboxCodes::default();
    let both = findings.iter().find(|f| f.code == "403" && f.inner_code.is_some()).expect("a bare 403 alert");
    let d = diagnose(both, kb, &seen).unwrap();
    let also = d.also.expect("both readings are named");
    let codes = [d.code, also.code];
    assert!(codes.contains(&"Forbidden"), "the HTTP reading is one of them: {codes:?}");
    assert!(codes.iter().any(|c| c.starts_with("Error")), "the ServiceError reading is the other: {codes:?}");
    // With nothing in its words for either, the written reading leads.
    assert!(d.code.starts_with("Error") && also.code == "Forbidden", "{codes:?}");
    // Words that back the HTTP reading put it first.
    let mut blocked = both.clone();
    blocked.message = Some("X-EWS-Policy-Reason: EWS is blocked by policy for this user or tenant".into());
    let d = diagnose(&blocked, kb, &seen).unwrap();
    assert_eq!(d.code, "Forbidden");
    assert!(d.also.is_some_and(|a| a.code.starts_with("Error")));
    // 363 is no HTTP status: one reading only.
    let busy = findings.iter().find(|f| f.code == "363").expect("the 363 alert");
    let d = diagnose(busy, kb, &seen).unwrap();
    assert_eq!((d.code, d.also), ("ErrorServerBusy", None));
}

#[test]
fn the_graph_samples_group_into_the_root_causes_an_administrator_fixes() {
    use ewsdiag::report::Ndjson;
    use ewsdiag::run::{RunConfig, run};
    let samples = format!("{}/samples/graph", env!("CARGO_MANIFEST_DIR"));
    let config = RunConfig { paths: vec![samples.into()], ..RunConfig::default() };
    let summary = run(&config, &mut Ndjson::new(std::io::sink(), std::io::sink())).unwrap();
    let ids: Vec<&str> = summary.root_causes.iter().map(|r| r.id.as_str()).collect();
    for (want, what) in [
        ("code:graph:ApplicationThrottled", "a throttled app"),
        ("code:AADSTS65001", "missing admin consent"),
        ("code:AADSTS7000215", "an invalid client secret"),
        ("code:Forbidden", "EWS blocked by policy"),
    ] {
        let root = summary.root_causes.iter().find(|r| r.id == want);
        assert!(root.is_some_and(|r| !r.fix.is_empty()), "{what} ({want}) with its fix: {ids:?}");
    }
    let blocked = summary.root_causes.iter().find(|r| r.id == "code:Forbidden").unwrap();
    assert!(blocked.title.contains("EwsAllowedAppIDs"), "{}", blocked.title);
}

#[test]
fn counts_in_a_diagnosis_are_written_with_thousands_separators() {
    let findings: Vec<Finding> = (0..1200)
        .map(|_| with("ErrorMailboxStoreUnavailable", |f| f.mailbox = Some("Omar Haddad".into())))
        .collect();
    let roots = correlate(&findings, knowledge_base());
    let r = roots.iter().find(|r| r.id == "transient-repeats").expect("the repeats are seen");
    assert!(r.title.contains("repeated 1,200 times"), "{}", r.title);
    assert!(
        shows(&r.evidence, "1,200 findings of transient ErrorMailboxStoreUnavailable"),
        "{:?}",
        r.evidence
    );
    assert!(shows(&r.evidence, "1,200 attempts counted by findings"), "{:?}", r.evidence);
    assert!(has(&r.fix, "1,200 attempts are seen"), "{:?}", r.fix);
}
