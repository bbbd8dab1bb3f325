//! The knowledge base, checked the way rustc's tidy checks its error-code index.
//!
//! Each test states one rule `kb/README.md` sets for the data. Together they say:
//! the code list is clean, each listed code has exactly one well-formed entry,
//! every spelling an alert can print finds the right entry, and the codes the
//! diagnosis leans on most have evidence to rank their causes by.
//!
//! Exemptions are named constants with a reason, never silent skips.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use ewsdiag::diagnose;
use ewsdiag::kb::{self, FOLDERS, Part, Source, codes, render, rules};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The code names in `kb/ews-codes.tsv`, in file order.
fn listed_codes() -> Vec<String> {
    let text = fs::read_to_string(root().join("kb/ews-codes.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap().trim().to_owned())
        .collect()
}

/// The file stems in `kb/<folder>/` that end in `.toml`.
fn entry_files(folder: &str) -> BTreeSet<String> {
    let dir = root().join("kb").join(folder);
    let Ok(read) = fs::read_dir(&dir) else {
        return BTreeSet::new();
    };
    read.map(|e| PathBuf::from(e.unwrap().file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect()
}

fn lookup_code(query: &str) -> Option<&'static str> {
    kb::knowledge_base().lookup(query).map(|e| e.code.as_str())
}

#[test]
fn code_list_has_no_duplicates_and_is_sorted() {
    let codes = listed_codes();
    for pair in codes.windows(2) {
        assert!(
            pair[0] < pair[1],
            "kb/ews-codes.tsv: `{}` must come after `{}` (sorted, no duplicates)",
            pair[1],
            pair[0]
        );
    }
    let text = fs::read_to_string(root().join("kb/ews-codes.tsv")).unwrap();
    let mut ordinals = HashSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split('\t');
        let name = fields.next().unwrap();
        if let Some(ordinal) = fields.next().map(str::trim).filter(|o| !o.is_empty()) {
            let n: u32 = ordinal.parse().unwrap_or_else(|_| panic!("{name}: ordinal `{ordinal}`"));
            assert!(ordinals.insert(n), "{name}: ordinal {n} is used twice");
        }
    }
}

#[test]
fn every_listed_code_has_a_file_and_every_file_is_listed() {
    let listed: BTreeSet<String> = listed_codes().into_iter().collect();
    let files = entry_files("ews");
    let missing: Vec<_> = listed.difference(&files).collect();
    let unlisted: Vec<_> = files.difference(&listed).collect();
    assert!(unlisted.is_empty(), "kb/ews files not in kb/ews-codes.tsv: {unlisted:?}");
    assert!(
        missing.is_empty(),
        "{} listed codes have no kb/ews file, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
}

#[test]
fn knowledge_base_folders_hold_only_entries() {
    for folder in FOLDERS {
        let Ok(read) = fs::read_dir(root().join("kb").join(folder)) else {
            continue;
        };
        for file in read {
            let path = file.unwrap().path();
            assert!(
                path.extension().is_some_and(|x| x == "toml"),
                "{} is not an entry; build.rs would skip it",
                path.display()
            );
        }
    }
}

#[test]
fn every_entry_parses_and_validates() {
    let base = kb::knowledge_base();
    let problems: Vec<String> = base.problems().iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "knowledge-base problems:\n{}", problems.join("\n"));
    // build.rs's generated list, seen through what it loaded: the same files as
    // on disk, so a stale build or a skipped file shows up here.
    let compiled: BTreeSet<String> = base
        .entries()
        .iter()
        .map(|e| format!("kb/{}/{}.toml", e.source.folder(), e.file_stem))
        .chain(base.problems().iter().map(|p| p.file.clone()))
        .collect();
    let on_disk: BTreeSet<String> = FOLDERS
        .iter()
        .flat_map(|f| entry_files(f).into_iter().map(move |s| format!("kb/{f}/{s}.toml")))
        .collect();
    let unread: Vec<_> = on_disk.difference(&compiled).collect();
    let stale: Vec<_> = compiled.difference(&on_disk).collect();
    assert!(
        unread.is_empty() && stale.is_empty(),
        "not compiled in: {unread:?}; compiled but gone: {stale:?}"
    );
}

#[test]
fn every_folder_under_kb_is_read() {
    for dir in fs::read_dir(root().join("kb")).unwrap() {
        let path = dir.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            assert!(
                FOLDERS.contains(&name.as_str()) || name == RULES_FOLDER,
                "kb/{name}/ is not one of the folders build.rs reads"
            );
        }
    }
}

/// Short forms (an EWS name without `Error`) that another entry's own code
/// takes first, and why that is right.
const SHADOWED_SHORT_FORMS: &[(&str, &str)] = &[(
    "ServiceUnavailable",
    "alerts print the HTTP 503 status as `ServiceUnavailable`; ErrorServiceUnavailable still answers to its full name",
)];

#[test]
fn every_name_and_alias_finds_its_own_entry() {
    let base = kb::knowledge_base();
    for entry in base.entries() {
        let mut names = vec![entry.code.clone(), entry.file_stem.clone()];
        names.extend(entry.aliases.iter().cloned());
        if let Some(short) = entry.code.strip_prefix("Error")
            && !SHADOWED_SHORT_FORMS.iter().any(|(name, _)| *name == short)
        {
            names.push(short.to_owned());
        }
        names.push(entry.code.to_lowercase());
        for name in names {
            // Another entry answering here means the spelling is claimed twice,
            // or collides with that entry's own code.
            assert_eq!(lookup_code(&name), Some(entry.code.as_str()), "`{name}` should find {}", entry.code);
        }
    }
}

/// What a fixed lookup must reach.
enum Expect {
    /// This exact entry.
    Code(&'static str),
    /// Some entry of this category (the transport entries' names are the content
    /// writers' choice; what matters is that alerts' tokens find them).
    Category(&'static str),
}

#[test]
fn fixed_lookups_resolve() {
    use Expect::{Category, Code};
    let table = [
        ("363", Code("ErrorServerBusy")),
        ("ErrorServerBusy", Code("ErrorServerBusy")),
        ("serverbusy", Code("ErrorServerBusy")),
        ("nonexistentmailbox", Code("ErrorNonExistentMailbox")),
        ("NonExistentMailbox", Code("ErrorNonExistentMailbox")),
        ("-2147220891", Code("IsvAborted")),
        ("0x80040265", Code("IsvAborted")),
        ("0X80040265", Code("IsvAborted")),
        ("80040265", Code("IsvAborted")),
        ("2147746405", Code("IsvAborted")),
        ("Crm.80040265", Code("IsvAborted")),
        ("Crm.80040265.ISV code aborted the operation.", Code("IsvAborted")),
        ("IsvAborted", Code("IsvAborted")),
        ("MailboxDisabled", Code("MailboxDisabled")),
        ("401 Unauthorized", Category("transport")),
        ("Forbidden", Category("transport")),
        ("ServiceUnavailable", Category("transport")),
        ("ConnectFailure", Category("transport")),
        ("HostNotFound", Category("transport")),
        ("TimedOut", Category("transport")),
        ("SecureChannelFailure", Category("transport")),
    ];
    let mut failures = Vec::new();
    for (query, expect) in table {
        let found = kb::knowledge_base().lookup(query);
        let ok = match (&expect, found) {
            (Code(code), Some(e)) => e.code == *code,
            (Category(category), Some(e)) => e.category == *category,
            (_, None) => false,
        };
        if !ok {
            let want = match expect {
                Code(c) => c.to_owned(),
                Category(c) => format!("an entry of category {c}"),
            };
            let got = found.map_or("nothing", |e| e.code.as_str());
            failures.push(format!("`{query}` should find {want}, found {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(lookup_code("8004026 5"), None, "a split HRESULT is not a code");
}

/// Why the completeness check may fall back to our own list: the reference
/// table is research material kept beside the repository, not in it, so a
/// checkout on its own does not have it.
const REFERENCE_ABSENT: &str = "../shared/reference/ews-response-codes.tsv is not beside this \
checkout; checking kb/ews-codes.tsv alone";

#[test]
fn every_ews_code_is_explained() {
    let reference = root().join("../shared/reference/ews-response-codes.tsv");
    let listed: BTreeSet<String> = listed_codes().into_iter().collect();
    match fs::read_to_string(&reference) {
        Ok(text) => {
            let known: BTreeSet<String> = text
                .lines()
                .skip(1) // the header: code, category, transient, meaning, source
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.split('\t').next().unwrap().trim().to_owned())
                .collect();
            let absent: Vec<_> = known.difference(&listed).collect();
            let extra: Vec<_> = listed.difference(&known).collect();
            assert!(absent.is_empty(), "reference codes not in kb/ews-codes.tsv: {absent:?}");
            assert!(extra.is_empty(), "kb/ews-codes.tsv codes not in the reference: {extra:?}");
        }
        Err(_) => eprintln!("note: {REFERENCE_ABSENT}"),
    }
    let unexplained: Vec<&str> = codes::ews_codes()
        .iter()
        .copied()
        .filter(|code| {
            kb::knowledge_base()
                .lookup(code)
                .is_none_or(|e| !render::to_markdown(e).starts_with(&format!("# {code}: ")))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} codes have no page, e.g. {:?}",
        unexplained.len(),
        &unexplained[..unexplained.len().min(10)]
    );
}

#[test]
fn every_service_error_ordinal_finds_its_code() {
    for code in codes::ews_codes() {
        if let (Some(n), Some(_)) = (codes::ordinal_of(code), kb::knowledge_base().lookup(code)) {
            assert_eq!(lookup_code(&n.to_string()), Some(*code), "ordinal {n}");
        }
    }
}

/// The codes diagnosis meets most often: each must be able to rank its causes
/// on evidence, not only on their written order.
const DEEP_CODES: &[&str] = &[
    "ErrorNonExistentMailbox",
    "ErrorInvalidOperation",
    "ErrorAccessDenied",
    "ErrorImpersonateUserDenied",
    "ErrorImpersonationFailed",
    "ErrorServerBusy",
    "ErrorMailboxStoreUnavailable",
    "ErrorMailboxMoveInProgress",
    "ErrorInternalServerError",
    "ErrorInternalServerTransientError",
    "ErrorInvalidLicense",
    "ErrorQuotaExceeded",
    "ErrorSubmissionQuotaExceeded",
    "ErrorItemNotFound",
    "ErrorFolderNotFound",
    "ErrorInvalidIdMalformed",
    "ErrorSchemaValidation",
    "ErrorInvalidServerVersion",
    "ErrorInvalidSchemaVersionForMailboxVersion",
    "ErrorExceededConnectionCount",
    "ErrorTooManyObjectsOpened",
    "ErrorTimeoutExpired",
    "ErrorConnectionFailed",
    "ErrorNameResolutionNoResults",
    "ErrorNameResolutionMultipleResults",
    "ErrorMailRecipientNotFound",
    "ErrorAccountDisabled",
    "ErrorADUnavailable",
    "ErrorInvalidSyncStateData",
    "ErrorSubscriptionAccessDenied",
    "ErrorNoPublicFolderReplicaAvailable",
    "ErrorProxyRequestNotAllowed",
    "ErrorInvalidRequest",
    "ErrorInvalidPropertyRequest",
    "ErrorCannotOpenFileAttachment",
    "ErrorBatchProcessingStopped",
];

#[test]
fn the_common_codes_and_every_sync_error_are_deep() {
    let base = kb::knowledge_base();
    let missing: Vec<&str> = DEEP_CODES.iter().copied().filter(|code| base.lookup(code).is_none()).collect();
    let mut shallow: Vec<&str> = DEEP_CODES
        .iter()
        .filter_map(|code| base.lookup(code))
        .chain(base.entries().iter().filter(|e| e.source == Source::Sss))
        .filter(|e| !e.is_deep())
        .map(|e| e.code.as_str())
        .collect();
    shallow.dedup();
    assert!(
        missing.is_empty() && shallow.is_empty(),
        "deep codes with no entry: {missing:?}\n\
         entries needing two or more causes, each with evidence: {shallow:?}"
    );
}

// --- facts that change by the month ---

/// The knowledge base's date, as `kb/DATE` gives it.
fn kb_date() -> (u32, u32, u32) {
    let date = kb::date();
    let parts: Vec<u32> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    assert!(
        parts.len() == 3 && date.len() == 10 && (1..=12).contains(&parts[1]) && (1..=31).contains(&parts[2]),
        "kb/DATE must hold one date as YYYY-MM-DD, not `{date}`"
    );
    (parts[0], parts[1], parts[2])
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Every `D Month YYYY` date in `text`, with the words just before it.
fn dates_in(text: &str) -> Vec<((u32, u32, u32), String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut found = Vec::new();
    for i in 1..words.len().saturating_sub(1) {
        let Some(month) = MONTHS.iter().position(|m| *m == words[i]) else { continue };
        let day = words[i - 1].parse::<u32>();
        let year = words[i + 1].trim_end_matches(|c: char| !c.is_ascii_digit()).parse::<u32>();
        if let (Ok(day), Ok(year)) = (day, year) {
            let before = words[i.saturating_sub(6)..i - 1].join(" ");
            found.push(((year, u32::try_from(month).unwrap() + 1, day), before));
        }
    }
    found
}

/// Words that make a date a deadline still to come.
const FUTURE_WORDS: &[&str] = &["before", "until", "by", "will", "from", "starting", "upcoming", "ahead"];

#[test]
fn no_entry_names_a_past_date_as_still_to_come() {
    let today = kb_date();
    let mut stale = Vec::new();
    for entry in kb::knowledge_base().entries() {
        for quote in stale_dates(&render::to_markdown(entry), today) {
            stale.push(format!("{}: {quote}", entry.code));
        }
    }
    assert!(
        stale.is_empty(),
        "dates before the knowledge base's date ({}) written as still to come:\n{}",
        kb::date(),
        stale.join("\n")
    );
}

/// The dates in `text` earlier than `today` that the words before them
/// present as still to come, quoted.
fn stale_dates(text: &str, today: (u32, u32, u32)) -> Vec<String> {
    dates_in(text)
        .into_iter()
        .filter(|(date, before)| {
            *date < today
                && before.split_whitespace().any(|w| FUTURE_WORDS.contains(&w.to_lowercase().as_str()))
        })
        .map(|(date, before)| format!("\"… {before} {} …\"", format_date(date)))
        .collect()
}

fn format_date((y, m, d): (u32, u32, u32)) -> String {
    format!("{d} {} {y}", MONTHS[m as usize - 1])
}

#[test]
fn the_date_check_catches_a_stale_deadline() {
    let found = dates_in("opt in before 1 October 2026 to keep EWS; since 30 June 2026 they are refused.");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, (2026, 10, 1));
    assert!(found[0].1.ends_with("opt in before"));
    assert!(found[1].1.ends_with("since"));
    let text = "Opt in before 1 October 2026. Refused since 30 June 2026. Removed on 1 April 2027.";
    assert_eq!(stale_dates(text, (2026, 11, 30)), ["\"… Opt in before 1 October 2026 …\""]);
    assert!(stale_dates(text, (2026, 9, 1)).is_empty(), "a deadline still ahead is fine");
}

#[test]
fn every_entry_names_its_sources() {
    let vague: Vec<String> = kb::knowledge_base()
        .entries()
        .iter()
        .filter(|e| e.references.is_empty() || e.references.iter().any(|r| r.trim().len() < 8))
        .map(|e| e.code.clone())
        .collect();
    assert!(vague.is_empty(), "entries without a usable reference: {vague:?}");
}

/// Microsoft Graph codes the knowledge base must explain, as Graph answers
/// them: each must reach an entry in Graph's reading.
const GRAPH_CODES: &[&str] = &[
    "ApplicationThrottled",
    "InvalidAuthenticationToken",
    "Authorization_RequestDenied",
    "ErrorInvalidUser",
    "ResourceNotFound",
    "ErrorAccessDenied",
    "ErrorItemNotFound",
    "MailboxNotEnabledForRESTAPI",
];

/// Microsoft Entra sign-in errors met with app-registration and cross-tenant
/// email server profiles.
const AADSTS_CODES: &[&str] = &[
    "AADSTS700016",
    "AADSTS7000215",
    "AADSTS7000222",
    "AADSTS65001",
    "AADSTS53003",
    "AADSTS50076",
    "AADSTS90002",
];

/// HTTP statuses as email synchronization meets them.
const HTTP_STATUSES: &[u16] = &[400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504];

#[test]
fn every_listed_graph_and_aadsts_code_has_an_entry() {
    use ewsdiag::model::Shape;
    let base = kb::knowledge_base();
    let mut missing = Vec::new();
    for code in GRAPH_CODES {
        match base.lookup_as(code, Shape::GraphError) {
            Some(e) if matches!(e.source, Source::Graph | Source::Sss) => {}
            other => missing.push(format!("{code} (found {:?})", other.map(|e| &e.id))),
        }
    }
    for code in AADSTS_CODES {
        match base.lookup_as(code, Shape::Aadsts) {
            Some(e) if e.source == Source::Entra && e.code == *code => {}
            other => missing.push(format!("{code} (found {:?})", other.map(|e| &e.id))),
        }
    }
    assert!(missing.is_empty(), "no entry for: {missing:?}");
}

#[test]
fn graph_reuses_ews_names_with_its_own_entries() {
    let base = kb::knowledge_base();
    for code in ["ErrorAccessDenied", "ErrorItemNotFound"] {
        assert_eq!(lookup_code(code), Some(code), "the plain name stays EWS's");
        let graph = base.lookup(&format!("graph:{code}")).unwrap();
        assert_eq!((graph.source, graph.id.as_str()), (Source::Graph, format!("graph:{code}").as_str()));
        let ids: Vec<&str> = base.readings(code).iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, [code.to_owned(), format!("graph:{code}")]);
    }
}

#[test]
fn every_http_status_reads_as_http_first_and_keeps_its_ordinal() {
    let base = kb::knowledge_base();
    for status in HTTP_STATUSES {
        let readings = base.readings(&status.to_string());
        let first = readings.first().unwrap_or_else(|| panic!("{status}: no entry"));
        assert!(
            first.aliases.iter().any(|a| a == &format!("HTTP {status}"))
                || first.code == format!("HTTP {status}"),
            "{status} should lead with its HTTP entry, not {}",
            first.code
        );
        match codes::name_for_ordinal(u32::from(*status)) {
            Some(name) => {
                assert!(readings.iter().any(|e| e.code == name), "{status}: the {name} reading is lost")
            }
            None => assert_eq!(readings.len(), 1, "{status}"),
        }
    }
    // Numbers that are no HTTP status keep their one reading.
    assert_eq!(base.readings("363").iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["ErrorServerBusy"]);
    assert_eq!(lookup_code("363"), Some("ErrorServerBusy"));
    assert_eq!(lookup_code("401"), Some("ErrorUpdateDelegatesFailed"), "alerts' bare numbers stay ordinals");
    assert_eq!(lookup_code("500"), Some("HTTP 500"), "with no ordinal, the status answers");
}

#[test]
fn symptoms_are_found_by_name_and_listed_under_their_category() {
    let base = kb::knowledge_base();
    assert_eq!(lookup_code("emails not tracked"), Some("EmailsNotTracked"));
    assert_eq!(lookup_code("Cases not created"), Some("CasesNotCreated"));
    let listed: Vec<&str> = base
        .list(&kb::ListFilter { category: Some("symptom".into()), ..kb::ListFilter::default() })
        .iter()
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(listed, ["CasesNotCreated", "EmailsNotTracked"]);
    assert!(base.entries().iter().filter(|e| e.source == Source::Symptom).all(|e| e.category == "symptom"));
}

// --- the correlation rules' wording (`kb/rules/<rule id>.toml`) ---

/// The folder of the rules' wording: not entries, so not in `FOLDERS`.
const RULES_FOLDER: &str = "rules";

#[test]
fn every_rule_has_a_wording_file_and_every_file_a_rule() {
    let rules: BTreeSet<String> = diagnose::rule_wording().map(|(id, _)| id.to_owned()).collect();
    let files = entry_files(RULES_FOLDER);
    let loaded: BTreeSet<String> = kb::knowledge_base().rule_ids().map(str::to_owned).collect();
    assert_eq!(loaded, files, "every file in kb/rules/ is compiled in and parses");
    let no_file: Vec<_> = rules.difference(&files).collect();
    let no_rule: Vec<_> = files.difference(&rules).collect();
    assert!(no_file.is_empty(), "rules with no kb/rules/<id>.toml: {no_file:?}");
    assert!(no_rule.is_empty(), "kb/rules/ files no rule uses: {no_rule:?}");
}

#[test]
fn every_phrase_a_rule_says_is_written_and_every_written_phrase_is_said() {
    let base = kb::knowledge_base();
    for (id, says) in diagnose::rule_wording() {
        let Some(text) = base.rule_text(id) else { continue };
        let written: BTreeSet<(Part, &str)> = text.phrases().map(|(part, name, _)| (part, name)).collect();
        let said: BTreeSet<(Part, &str)> = says.iter().map(|&(part, name, _)| (part, name)).collect();
        let unwritten: Vec<_> = said.difference(&written).collect();
        let unsaid: Vec<_> = written.difference(&said).collect();
        assert!(unwritten.is_empty(), "kb/rules/{id}.toml lacks phrases its rule says: {unwritten:?}");
        assert!(unsaid.is_empty(), "kb/rules/{id}.toml has phrases its rule never says: {unsaid:?}");
        assert!(said.iter().any(|(p, _)| *p == Part::Title), "{id}: a rule needs a title");
        assert!(said.iter().any(|(p, _)| *p == Part::Fix), "{id}: a rule needs fix steps");
    }
}

#[test]
fn every_placeholder_in_a_rule_file_is_one_its_rule_fills() {
    let base = kb::knowledge_base();
    for (id, says) in diagnose::rule_wording() {
        let Some(text) = base.rule_text(id) else { continue };
        for (part, name, phrase) in text.phrases() {
            let fills = says.iter().find(|s| s.0 == part && s.1 == name).map_or(&[][..], |s| s.2);
            let used = rules::placeholders(phrase);
            let unknown: Vec<_> = used.iter().filter(|p| !fills.contains(p)).collect();
            assert!(
                unknown.is_empty(),
                "kb/rules/{id}.toml {}.{name}: {{{unknown:?}}} is not filled",
                part.table()
            );
            let unused: Vec<_> = fills.iter().filter(|f| !used.contains(f)).collect();
            assert!(unused.is_empty(), "kb/rules/{id}.toml {}.{name} leaves out {unused:?}", part.table());
        }
    }
}

#[test]
fn facts_are_written_once_and_used() {
    let facts = kb::facts::facts().unwrap();
    let mut texts: Vec<String> = Vec::new();
    for dir in FOLDERS.iter().chain([&RULES_FOLDER]) {
        for stem in entry_files(dir) {
            texts.push(fs::read_to_string(root().join(format!("kb/{dir}/{stem}.toml"))).unwrap());
        }
    }
    texts.push(fs::read_to_string(root().join("src/kb/render.rs")).unwrap());
    for (name, value) in facts {
        let reference = format!("{{fact:{name}}}");
        assert!(texts.iter().any(|t| t.contains(&reference)), "kb/facts.toml: `{name}` is never used");
        // The rules' wording states the fact only through its reference.
        for stem in entry_files(RULES_FOLDER) {
            let text = fs::read_to_string(root().join(format!("kb/rules/{stem}.toml"))).unwrap();
            assert!(
                !text.contains(value.as_str()),
                "kb/rules/{stem}.toml writes {value} instead of {reference}"
            );
        }
    }
}

// --- HTTP statuses: `kb::status` is the one table of reason phrases ---

#[test]
fn every_http_entry_is_a_status_the_table_knows() {
    for entry in kb::knowledge_base().entries().iter().filter(|e| e.source == Source::Http) {
        let status: Option<u16> = entry.code.strip_prefix("HTTP ").and_then(|n| n.parse().ok());
        let status = status.unwrap_or_else(|| panic!("{}: an http/ entry's code is `HTTP <N>`", entry.code));
        assert!(kb::status::reason(status).is_some(), "HTTP {status} is missing from kb::status::STATUSES");
    }
}

#[test]
fn a_status_written_with_its_reason_phrase_finds_the_same_entry_as_its_number() {
    let base = kb::knowledge_base();
    for &(status, phrase) in kb::status::STATUSES {
        let Some(by_number) = base.lookup(&format!("HTTP {status}")) else { continue };
        let spelled = format!("{status} {phrase}");
        assert_eq!(
            base.lookup(&spelled).map(|e| &e.code),
            Some(&by_number.code),
            "`{spelled}` should find {} (add it to the entry's aliases)",
            by_number.code
        );
    }
}
