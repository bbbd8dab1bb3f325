//! `--redact`: stable pseudonyms for everything that names a person, a
//! mailbox or a machine, so that a report can be shared.
//!
//! Replaced: email addresses and UPNs (`user-2@domain-1.example`), mailbox
//! names (`mailbox-1`), email server profile names (`profile-1`),
//! `DOMAIN\user` accounts (`domain-1\user-3`), host names (`host-3`), GUIDs
//! (`00000000-0000-0000-0000-000000000004`) and IPv4 and IPv6 addresses (`ip-5`), in
//! every text a report shows: messages, details, payload text, paths, notes
//! and root causes. Kept: codes, operations, HTTP statuses, times, and the
//! names of public services and XML namespaces (`schemas.microsoft.com`,
//! `outlook.office365.com`), so the diagnosis reads the same.
//!
//! The same value always gets the same pseudonym within a run: without a key
//! pseudonyms are numbered in the order values are met (the report's order,
//! which is the same for any thread count); with a key (`--redact-key`) the
//! number is a keyed hash of the value, so it is the same in every run that
//! uses that key.
//!
//! [`Redacting`] applies all this in one place: it wraps any [`Report`] and
//! redacts what passes through it. It offers no `FindingWriter`, so findings
//! reach it whole on the reporting thread, in input order: that is what keeps
//! the numbering the same for any thread count (a redacted run writes its
//! findings on that one thread).

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use crate::model::{Broken, Clue, Finding, Malformed, Stats, Summary};
use crate::report::Report;

/// What a pseudonym stands for; each kind is numbered on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Mailbox,
    Profile,
    User,
    Domain,
    Host,
    Guid,
    Ip,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Mailbox => "mailbox",
            Kind::Profile => "profile",
            Kind::User => "user",
            Kind::Domain => "domain",
            Kind::Host => "host",
            Kind::Guid => "guid",
            Kind::Ip => "ip",
        }
    }
}

/// Hosts of public services and XML namespaces: naming them reveals nothing
/// about the organisation, and the diagnosis may rest on them.
const PUBLIC_HOSTS: &[&str] = &[
    "schemas.microsoft.com",
    "schemas.xmlsoap.org",
    "www.w3.org",
    "w3.org",
    "outlook.office365.com",
    "outlook.office.com",
    "outlook.com",
    "login.microsoftonline.com",
    "login.windows.net",
    "graph.microsoft.com",
    "learn.microsoft.com",
    "docs.microsoft.com",
    "go.microsoft.com",
    "admin.microsoft.com",
    "portal.azure.com",
    "aka.ms",
];

/// Last labels that make a dotted name a host name (and not a .NET type or a
/// file name).
const HOST_ENDINGS: &[&str] = &[
    "com", "net", "org", "local", "lan", "corp", "internal", "intra", "example", "test", "io", "co", "us",
    "uk", "de", "fr", "nl", "be", "ch", "at", "se", "no", "dk", "fi", "it", "es", "pl", "cz", "au", "nz",
    "ca", "jp", "in", "br", "eu", "edu", "gov", "mil", "info", "biz", "ms", "cloud", "ai",
];

/// Addresses, GUIDs, IPv4 addresses, `DOMAIN\user` accounts and dotted
/// names, in that order of preference. A NetBIOS domain must be written in
/// capitals: `text\nMore` in an escaped payload is no account.
static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    let email = r"(?P<email>[A-Za-z0-9._%+'-]+@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))";
    let guid = r"(?P<guid>\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)";
    let octet = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
    let ip = format!(r"(?P<ip>\b(?:{octet}\.){{3}}{octet}\b)");
    // IPv6, whole or with `::`, an IPv4 tail allowed; where it may stand is
    // checked where it is found (no look-around here).
    let group = r"[0-9A-Fa-f]{1,4}";
    let v4 = format!(r"(?:{octet}\.){{3}}{octet}");
    let ipv6 = format!(
        r"(?P<ipv6>(?:{group}:){{7}}{group}|(?:{group}(?::{group}){{0,6}})?::(?:(?:{group}:){{0,5}}{v4}|{group}(?::{group}){{0,6}})?)"
    );
    let account =
        r"(?P<account>\b(?P<netbios>[A-Z][A-Z0-9-]{1,14})\\(?P<login>[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]))";
    let host = r"(?P<host>\b[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\b)";
    Regex::new(&[email, guid, &ipv6, &ip, account, host].join("|")).expect("PATTERNS is a valid regex")
});

/// Is the IPv6-shaped text at `range` an address: standing alone (not part
/// of a longer word, number or `::` path such as `std::io`) and holding a
/// digit, which a real address all but always does and `a::b` does not.
fn is_ipv6(text: &str, range: std::ops::Range<usize>) -> bool {
    let joins = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_');
    let before = text[..range.start].chars().next_back().is_some_and(joins);
    let after = text[range.end..].chars().next().is_some_and(|c| joins(c) && c != '.');
    !before && !after && text[range].contains(|c: char| c.is_ascii_digit())
}

/// Pseudonyms handed out so far.
#[derive(Default)]
struct Table {
    given: HashMap<(Kind, String), String>,
    taken: BTreeSet<(&'static str, u64)>,
    next: HashMap<Kind, u64>,
    /// Mailbox and profile names met so far, replaced wherever they stand.
    names: Vec<(String, Kind)>,
    matcher: Option<AhoCorasick>,
}

/// Hands out pseudonyms; shared by everything one run redacts.
pub struct Redactor {
    key: Option<[u8; 32]>,
    table: Mutex<Table>,
}

impl Redactor {
    /// Pseudonyms numbered in the order values are met.
    pub fn new() -> Redactor {
        Redactor { key: None, table: Mutex::new(Table::default()) }
    }

    /// Pseudonyms derived from `key` (any bytes, such as a file's contents):
    /// the same value gets the same pseudonym in every run with this key.
    pub fn with_key(key: &[u8]) -> Redactor {
        Redactor {
            key: Some(blake3::derive_key("ewsdiag 2026-11 redaction pseudonyms", key)),
            table: Mutex::default(),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The number for `value` of `kind`.
    fn number(&self, table: &mut Table, kind: Kind, value: &str) -> u64 {
        let label = kind.label();
        let mut n = match self.key {
            None => {
                let next = table.next.entry(kind).or_insert(0);
                *next += 1;
                *next
            }
            Some(key) => {
                let mut hasher = blake3::Hasher::new_keyed(&key);
                hasher.update(label.as_bytes());
                hasher.update(&[0]);
                hasher.update(value.as_bytes());
                let bytes = hasher.finalize();
                let mut first = [0u8; 8];
                first.copy_from_slice(&bytes.as_bytes()[..8]);
                u64::from_le_bytes(first) % 900_000 + 100_000
            }
        };
        // Two values never share a pseudonym (a keyed hash may collide).
        while !table.taken.insert((label, n)) {
            n += 1;
        }
        n
    }

    fn pseudonym(&self, table: &mut Table, kind: Kind, value: &str) -> String {
        let key = match kind {
            Kind::Mailbox | Kind::Profile => value.to_string(),
            _ => value.to_ascii_lowercase(),
        };
        if let Some(given) = table.given.get(&(kind, key.clone())) {
            return given.clone();
        }
        let n = self.number(table, kind, &key);
        let made = match kind {
            Kind::Guid => format!("00000000-0000-0000-0000-{n:012}"),
            Kind::Domain => format!("domain-{n}.example"),
            other => format!("{}-{n}", other.label()),
        };
        table.given.insert((kind, key), made.clone());
        made
    }

    /// Remembers a mailbox or profile name, to be replaced wherever it stands
    /// from now on; returns its pseudonym. An address is treated as one.
    fn learn(&self, table: &mut Table, kind: Kind, name: &str) -> String {
        let name = name.trim();
        let whole = PATTERNS.find(name).is_some_and(|m| m.range() == (0..name.len()));
        if whole {
            return self.text_locked(table, name);
        }
        let made = self.pseudonym(table, kind, name);
        if name.chars().count() >= 3 && !table.names.iter().any(|(n, _)| n == name) {
            table.names.push((name.to_string(), kind));
            table.matcher = None;
        }
        made
    }

    /// `text` with every address, name, host, GUID and IP replaced.
    pub fn text(&self, text: &str) -> String {
        let mut table = self.table();
        self.text_locked(&mut table, text)
    }

    fn text_locked(&self, table: &mut Table, text: &str) -> String {
        let (redacted, _) = self.edits(table, text);
        redacted
    }

    /// `text` redacted, and the edits made: `(start, end, new length)` over
    /// the original, in order, for moving offsets that point into it.
    fn edits(&self, table: &mut Table, text: &str) -> (String, Vec<(usize, usize, usize)>) {
        let mut found: Vec<(usize, usize, String)> = Vec::new();
        if !table.names.is_empty() {
            if table.matcher.is_none() {
                let names: Vec<&str> = table.names.iter().map(|(n, _)| n.as_str()).collect();
                table.matcher =
                    AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(names).ok();
            }
            let hits: Vec<(usize, usize, usize)> = table
                .matcher
                .as_ref()
                .map(|m| m.find_iter(text).map(|h| (h.start(), h.end(), h.pattern().as_usize())).collect())
                .unwrap_or_default();
            for (start, end, which) in hits {
                let (name, kind) = table.names[which].clone();
                found.push((start, end, self.pseudonym(table, kind, &name)));
            }
        }
        let patterns = &*PATTERNS;
        for caps in patterns.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            if found.iter().any(|&(s, e, _)| s < whole.end() && whole.start() < e) {
                continue;
            }
            let made = if let (Some(email), Some(domain)) = (caps.name("email"), caps.name("domain")) {
                let user = self.pseudonym(table, Kind::User, email.as_str());
                let domain = self.pseudonym(table, Kind::Domain, domain.as_str());
                Some(format!("{user}@{domain}"))
            } else if let Some(guid) = caps.name("guid") {
                Some(self.pseudonym(table, Kind::Guid, guid.as_str()))
            } else if let Some(ipv6) = caps.name("ipv6") {
                is_ipv6(text, ipv6.range()).then(|| self.pseudonym(table, Kind::Ip, ipv6.as_str()))
            } else if let Some(ip) = caps.name("ip") {
                Some(self.pseudonym(table, Kind::Ip, ip.as_str()))
            } else if let (Some(account), Some(netbios)) = (caps.name("account"), caps.name("netbios")) {
                self.account(table, text, account.range(), netbios.as_str())
            } else if let Some(host) = caps.name("host") {
                self.host(table, host.as_str())
            } else {
                None
            };
            if let Some(made) = made {
                found.push((whole.start(), whole.end(), made));
            }
        }
        found.sort_by_key(|&(start, _, _)| start);
        let mut out = String::with_capacity(text.len());
        let mut edits = Vec::with_capacity(found.len());
        let mut at = 0;
        for (start, end, made) in found {
            if start < at {
                continue;
            }
            out.push_str(&text[at..start]);
            out.push_str(&made);
            edits.push((start, end, made.len()));
            at = end;
        }
        out.push_str(&text[at..]);
        (out, edits)
    }

    /// `DOMAIN\user`, unless it is part of a file path (`C:\logs\server`).
    fn account(
        &self,
        table: &mut Table,
        text: &str,
        at: std::ops::Range<usize>,
        netbios: &str,
    ) -> Option<String> {
        let before = text[..at.start].chars().next_back();
        let after = text[at.end..].chars().next();
        if matches!(before, Some('\\' | '/' | ':' | '.')) || matches!(after, Some('\\' | '/')) {
            return None;
        }
        let login = &text[at.start + netbios.len() + 1..at.end];
        let domain = self.pseudonym(table, Kind::Domain, netbios);
        let domain = domain.trim_end_matches(".example").to_string();
        let user = self.pseudonym(table, Kind::User, &format!("{netbios}\\{login}"));
        Some(format!("{domain}\\{user}"))
    }

    /// A dotted name that ends like a host name and is not a public service
    /// (nor a .NET name such as `System.IO`).
    fn host(&self, table: &mut Table, name: &str) -> Option<String> {
        let last = name.rsplit('.').next()?;
        if !HOST_ENDINGS.iter().any(|e| e.eq_ignore_ascii_case(last)) {
            return None;
        }
        let pascal = |label: &str| {
            label.chars().next().is_some_and(char::is_uppercase) && label.chars().any(char::is_lowercase)
        };
        if !last.chars().all(|c| c.is_ascii_lowercase()) && name.split('.').any(pascal) {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        if PUBLIC_HOSTS.contains(&lower.as_str()) {
            return None;
        }
        Some(self.pseudonym(table, Kind::Host, &lower))
    }

    /// Redacts a finding in place: its mailbox and profile learnt first, then
    /// every text it carries. Codes, operation, class, shape and times are kept.
    pub fn finding(&self, finding: &mut Finding) {
        let mut table = self.table();
        if let Some(mailbox) = finding.mailbox.as_mut() {
            *mailbox = self.learn(&mut table, Kind::Mailbox, mailbox);
        }
        if let Some(profile) = finding.profile.as_mut() {
            *profile = self.learn(&mut table, Kind::Profile, profile);
        }
        finding.path = self.text_locked(&mut table, &finding.path);
        if let Some(message) = finding.message.as_mut() {
            *message = self.text_locked(&mut table, message);
        }
        for value in finding.details.values_mut() {
            *value = self.text_locked(&mut table, value);
        }
        // A diagnosis is shared between findings of one kind: copied only
        // when its evidence names something.
        if let Some(diagnosis) = finding.diagnosis.as_mut() {
            let redacted: Vec<Vec<Clue>> = diagnosis
                .causes
                .iter()
                .map(|c| {
                    c.evidence
                        .iter()
                        .map(|e| Clue { text: self.text_locked(&mut table, &e.text), ..e.clone() })
                        .collect()
                })
                .collect();
            let same = diagnosis.causes.iter().zip(&redacted).all(|(c, r)| &c.evidence == r);
            if !same {
                for (cause, evidence) in std::sync::Arc::make_mut(diagnosis).causes.iter_mut().zip(redacted) {
                    cause.evidence = evidence;
                }
            }
        }
        if let Some(source) = finding.source.take() {
            let (redacted, edits) = self.edits(&mut table, &source);
            let start = finding.span.offset;
            let moved = |mark: &mut Option<std::ops::Range<u64>>| {
                let old = mark.take()?;
                let from = usize::try_from(old.start.checked_sub(start)?).ok()?;
                let to = from + usize::try_from(old.end.saturating_sub(old.start)).ok()?;
                let (from, to) = (shift(&edits, from), shift(&edits, to));
                *mark = Some(start + from as u64..start + to.max(from) as u64);
                Some(())
            };
            let marks = &mut finding.marks;
            for mark in [&mut marks.code, &mut marks.message, &mut marks.inner_code] {
                moved(mark);
            }
            finding.source = Some(redacted);
        }
    }

    /// Redacts a malformed payload's path and reason.
    pub fn malformed(&self, malformed: &mut Malformed) {
        malformed.path = self.text(&malformed.path);
        if let Broken::Xml(words) = &mut malformed.reason {
            *words = self.text(words);
        }
    }

    /// Redacts the root causes and notes of a run's summary.
    pub fn summary(&self, summary: &mut Summary) {
        let mut table = self.table();
        for root in &mut summary.root_causes {
            for mailbox in &mut root.mailboxes {
                *mailbox = self.learn(&mut table, Kind::Mailbox, mailbox);
            }
            root.mailboxes.sort();
            root.title = self.text_locked(&mut table, &root.title);
            for line in root.evidence.iter_mut().map(|e| &mut e.text).chain(root.fix.iter_mut()) {
                *line = self.text_locked(&mut table, line);
            }
        }
        for note in summary.skipped.iter_mut().chain(summary.unreadable.iter_mut()) {
            note.path = self.text_locked(&mut table, &note.path);
            note.reason = self.text_locked(&mut table, &note.reason);
        }
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

/// Where offset `at` of the original text lands after `edits`. An offset
/// inside a replaced stretch moves to the replacement's end.
fn shift(edits: &[(usize, usize, usize)], at: usize) -> usize {
    let mut delta: isize = 0;
    for &(start, end, made) in edits {
        if at <= start {
            break;
        }
        if at < end {
            return (start as isize + delta) as usize + made;
        }
        delta += made as isize - (end - start) as isize;
    }
    (at as isize + delta) as usize
}

/// A report that redacts everything before handing it to the report it wraps.
pub struct Redacting<'r> {
    inner: Box<dyn Report + 'r>,
    redactor: Redactor,
}

impl<'r> Redacting<'r> {
    /// Wraps `inner`, redacting with `redactor`.
    pub fn new(inner: Box<dyn Report + 'r>, redactor: Redactor) -> Self {
        Redacting { inner, redactor }
    }
}

impl Report for Redacting<'_> {
    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        let mut finding = finding.clone();
        self.redactor.finding(&mut finding);
        self.inner.finding(&finding)
    }

    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()> {
        let mut malformed = malformed.clone();
        self.redactor.malformed(&mut malformed);
        self.inner.malformed(&malformed)
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.inner.skipped(&self.redactor.text(path), &self.redactor.text(reason))
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.inner.unreadable(&self.redactor.text(path), &self.redactor.text(reason))
    }

    fn input_done(&mut self, path: &str, stats: &Stats) -> io::Result<()> {
        self.inner.input_done(&self.redactor.text(path), stats)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let mut summary = summary.clone();
        self.redactor.summary(&mut summary);
        self.inner.finish(&summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_regexes_compile() {
        LazyLock::force(&PATTERNS);
    }

    #[test]
    fn addresses_accounts_hosts_guids_and_ips_get_pseudonyms() {
        let r = Redactor::new();
        let text = "rosa.lindqvist@contoso.com via EXCH01.contoso.local (10.0.4.21) as CONTOSO\\rlindqvist, mailbox 7c1f92a4-33e0-4b8e-a6d1-0e5d2c9b41f7";
        assert_eq!(
            r.text(text),
            "user-1@domain-1.example via host-1 (ip-1) as domain-2\\user-2, mailbox 00000000-0000-0000-0000-000000000001"
        );
    }

    #[test]
    fn ipv6_addresses_get_pseudonyms_and_look_alikes_are_kept() {
        let r = Redactor::new();
        let text = "from 2001:db8:85a3::8a2e:370:7334, fe80::1%eth0, [::1]:443, ::ffff:10.0.4.21 and 2001:0db8:0000:0000:0000:ff00:0042:8329 at 08:16:40";
        assert_eq!(r.text(text), "from ip-1, ip-2%eth0, [ip-3]:443, ip-4 and ip-5 at 08:16:40");
        let kept = "std::io::Error in a::b, times 08:16:40 and 12:00, MAC 00:1a:2b:3c:4d:5e, s:Client";
        assert_eq!(r.text(kept), kept);
    }

    #[test]
    fn the_same_value_gets_the_same_pseudonym() {
        let r = Redactor::new();
        let first = r.text("From Rosa.Lindqvist@Contoso.com and tomas@contoso.com");
        let again = r.text("rosa.lindqvist@contoso.com wrote");
        assert_eq!(first, "From user-1@domain-1.example and user-2@domain-1.example");
        assert_eq!(again, "user-1@domain-1.example wrote");
    }

    #[test]
    fn codes_times_statuses_namespaces_and_type_names_are_kept() {
        let r = Redactor::new();
        let text = "2026-11-20 08:16:40 HTTP 503 ErrorServerBusy at System.Net.WebException in a.log, Version 15.20.8158.0, xmlns=\"http://schemas.microsoft.com/exchange/services/2006/types\", https://outlook.office365.com/EWS/Exchange.asmx, C:\\logs\\server\\a.log, Crm.80040265, System.IO.IOException, text\\nMore";
        assert_eq!(r.text(text), text);
    }

    #[test]
    fn a_key_makes_pseudonyms_the_same_in_every_run() {
        let one = Redactor::with_key(b"shared secret");
        let two = Redactor::with_key(b"shared secret");
        let other = Redactor::with_key(b"another secret");
        let _ = two.text("first someone@fabrikam.com");
        let a = one.text("rosa@contoso.com");
        let b = two.text("rosa@contoso.com");
        assert_eq!(a, b, "met in another order, still the same");
        assert_ne!(a, other.text("rosa@contoso.com"));
        assert!(!a.contains("rosa") && !a.contains("contoso"));
    }

    #[test]
    fn mailbox_names_are_replaced_wherever_they_stand_and_marks_follow_the_text() {
        let r = Redactor::new();
        let source = "<Text>Mailbox \"Rosa Lindqvist\" failed</Text><Code>ErrorAccessDenied</Code>";
        let mut f = Finding::new(crate::model::Shape::EwsResponse, "ErrorAccessDenied");
        f.span.offset = 100;
        f.mailbox = Some("Rosa Lindqvist".into());
        f.message = Some("Mailbox \"Rosa Lindqvist\" failed".into());
        let code_at = source.find("ErrorAccessDenied").unwrap() as u64;
        f.marks.code = Some(100 + code_at..100 + code_at + 17);
        f.source = Some(source.to_string());
        r.finding(&mut f);
        assert_eq!(f.mailbox.as_deref(), Some("mailbox-1"));
        assert_eq!(f.message.as_deref(), Some("Mailbox \"mailbox-1\" failed"));
        let redacted = f.source.as_deref().unwrap();
        let code = f.marks.code.clone().unwrap();
        assert_eq!(&redacted[(code.start - 100) as usize..(code.end - 100) as usize], "ErrorAccessDenied");
    }

    #[test]
    fn offsets_shift_past_edits() {
        let edits = [(2, 6, 1), (10, 12, 5)];
        assert_eq!(shift(&edits, 0), 0);
        assert_eq!(shift(&edits, 2), 2);
        assert_eq!(shift(&edits, 4), 3, "inside an edit: its end");
        assert_eq!(shift(&edits, 6), 3);
        assert_eq!(shift(&edits, 8), 5);
        assert_eq!(shift(&edits, 12), 12);
        assert_eq!(shift(&edits, 20), 20);
    }
}
