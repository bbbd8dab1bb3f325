//! One knowledge-base entry: its typed form, and the parse and checks that turn a
//! TOML file into it.
//!
//! The checks are the ones a reader of `kb/README.md` would expect a careful
//! reviewer to make. They run on every load (cheap: a few hundred small files),
//! so an entry that breaks a rule is never shown half-right; it is left out and
//! reported instead, and `tests/kb.rs` fails until it is fixed.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::codes;
use super::evidence::Evidence;
use crate::model::Transient;

/// Every category an entry may have, as `kb/README.md` lists them: the EWS
/// families first, then the Dynamics 365 ones.
pub const CATEGORIES: &[&str] = &[
    "permissions/impersonation",
    "auth/account",
    "mailbox-addressing",
    "connectivity/server",
    "throttling/quota",
    "item/folder-id",
    "schema/request",
    "search/restriction",
    "calendar",
    "tasks",
    "delegates",
    "attachments/content",
    "archive/retention",
    "autodiscover/proxy",
    "subscription/notification",
    "sharing/federation",
    "groups/teams",
    "unified-messaging/IM",
    "other",
    "sss/configuration",
    "sss/privileges",
    "sss/licensing",
    "sss/customization",
    "sss/item",
    "transport",
    "symptom",
];

/// Which folder an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `kb/ews/`: an EWS `ResponseCode`.
    Ews,
    /// `kb/sss/`: a Dynamics 365 server-side synchronization error.
    Sss,
    /// `kb/http/`: an HTTP status as server-side synchronization meets it.
    Http,
    /// `kb/graph/`: a Microsoft Graph error code. Graph reuses some EWS names
    /// (`ErrorAccessDenied`), so these entries live in a [`Space`] of their own.
    Graph,
    /// `kb/entra/`: a Microsoft Entra sign-in error (`AADSTS…`).
    Entra,
    /// `kb/symptom/`: something that goes wrong without an error code.
    Symptom,
}

/// The folders, in the order their entries are listed.
pub const FOLDERS: &[&str] = &["ews", "sss", "http", "graph", "entra", "symptom"];

/// A name space for codes: the same name may mean one thing in EWS and another
/// in Microsoft Graph, and each space indexes its own entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Space {
    /// EWS, Dynamics 365, HTTP, Entra and symptom entries: one set of names.
    Main,
    /// Microsoft Graph's own causes for a code.
    Graph,
}

impl Space {
    /// The prefix that picks the space in a query (`graph:ErrorAccessDenied`),
    /// empty for the main space.
    pub fn prefix(self) -> &'static str {
        match self {
            Space::Main => "",
            Space::Graph => "graph:",
        }
    }
}

impl Source {
    /// The folder name under `kb/`.
    pub fn folder(self) -> &'static str {
        match self {
            Source::Ews => "ews",
            Source::Sss => "sss",
            Source::Http => "http",
            Source::Graph => "graph",
            Source::Entra => "entra",
            Source::Symptom => "symptom",
        }
    }

    /// The source for a folder name, if it is one of ours.
    pub fn from_folder(folder: &str) -> Option<Source> {
        match folder {
            "ews" => Some(Source::Ews),
            "sss" => Some(Source::Sss),
            "http" => Some(Source::Http),
            "graph" => Some(Source::Graph),
            "entra" => Some(Source::Entra),
            "symptom" => Some(Source::Symptom),
            _ => None,
        }
    }

    /// The name space the folder's codes live in.
    pub fn space(self) -> Space {
        match self {
            Source::Graph => Space::Graph,
            _ => Space::Main,
        }
    }

    /// What kind of code the folder holds, for the explain page.
    pub fn kind(self) -> &'static str {
        match self {
            Source::Ews => "EWS ResponseCode",
            Source::Sss => "Dynamics 365 server-side sync error",
            Source::Http => "HTTP status as email sync meets it",
            Source::Graph => "Microsoft Graph error",
            Source::Entra => "Microsoft Entra sign-in error",
            Source::Symptom => "Symptom without an error code",
        }
    }
}

/// What ewsdiag knows about one code. Serializes as `explain --format json`
/// prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The canonical name (for EWS codes, the `ResponseCode` itself).
    pub code: String,
    /// The name that finds this entry and no other: the code, prefixed with
    /// its space outside the main one (`graph:ErrorAccessDenied`).
    pub id: String,
    /// The file's name without `.toml`.
    #[serde(skip)]
    pub file_stem: String,
    /// Which folder the entry came from.
    pub source: Source,
    /// One line saying what went wrong, no final stop.
    pub title: String,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// Whether waiting and retrying can help.
    pub transient: Transient,
    /// The EWS retirement in Exchange Online can cause it.
    pub retirement: bool,
    /// Exchange no longer sends this code; kept so old logs still explain.
    pub retired: bool,
    /// Other spellings the error is known by, as the file lists them.
    pub aliases: Vec<String>,
    /// What the code says happened, in plain sentences.
    pub meaning: String,
    /// Where to read more.
    pub references: Vec<String>,
    /// Possible causes, most common first.
    pub causes: Vec<Cause>,
}

/// One way an error comes about.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    /// Kebab-case, unique within its entry.
    pub id: String,
    /// One line.
    pub summary: String,
    /// How the cause comes about, when it needs saying.
    #[serde(default)]
    pub detail: Option<String>,
    /// Signals that point to (or, negated, away from) this cause.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What to do, as steps.
    pub fix: Vec<String>,
}

impl Entry {
    /// The first web address among the references, for a diagnostic's link.
    pub fn url(&self) -> Option<&str> {
        self.references.iter().find_map(|r| url_in(r))
    }

    /// Has this entry enough to rank causes on evidence: two or more causes, each
    /// with at least one signal? Shallow entries still explain, but diagnosis can
    /// only fall back on their written order.
    pub fn is_deep(&self) -> bool {
        self.causes.len() >= 2 && self.causes.iter().all(|c| !c.evidence.is_empty())
    }

    /// The EWS Managed API `ServiceError` ordinal, for EWS codes that have one.
    pub fn ordinal(&self) -> Option<u32> {
        match self.source {
            Source::Ews => codes::ordinal_of(&self.code),
            _ => None,
        }
    }
}

/// The file as written. Kept apart from [`Entry`] because the file does not say
/// where it lives, and `Entry` does.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    code: String,
    title: String,
    category: String,
    transient: Transient,
    #[serde(default)]
    retirement: bool,
    #[serde(default)]
    retired: bool,
    #[serde(default)]
    aliases: Vec<String>,
    meaning: String,
    references: Vec<String>,
    causes: Vec<Cause>,
}

/// Parses and checks one file. The error is the reason, for
/// [`super::Problem::reason`].
pub(crate) fn parse(source: Source, stem: &str, text: &str) -> Result<Entry, String> {
    let file: EntryFile = toml::from_str(text).map_err(|e| e.to_string().trim().to_owned())?;
    let entry = Entry {
        id: format!("{}{}", source.space().prefix(), file.code),
        code: file.code,
        file_stem: stem.to_owned(),
        source,
        title: file.title,
        category: file.category,
        transient: file.transient,
        retirement: file.retirement,
        retired: file.retired,
        aliases: file.aliases,
        meaning: file.meaning,
        references: file.references,
        causes: file.causes,
    };
    check(&entry)?;
    Ok(entry)
}

/// The rules of `kb/README.md` that the types alone do not enforce.
fn check(e: &Entry) -> Result<(), String> {
    let blank = |s: &str| s.trim().is_empty();
    if blank(&e.code) {
        return Err("`code` is empty".into());
    }
    if e.source == Source::Ews {
        if e.code != e.file_stem {
            return Err(format!("`code` is `{}` but the file is named `{}`", e.code, e.file_stem));
        }
        if !codes::is_ews_code(&e.code) {
            return Err(format!("`{}` is not listed in kb/ews-codes.tsv", e.code));
        }
    }
    if blank(&e.title) || e.title.contains('\n') {
        return Err("`title` must be one non-empty line".into());
    }
    if !CATEGORIES.contains(&e.category.as_str()) {
        return Err(format!("category `{}` is not one kb/README.md lists", e.category));
    }
    if blank(&e.meaning) {
        return Err("`meaning` is empty".into());
    }
    if e.references.is_empty() || e.references.iter().any(|r| blank(r)) {
        return Err("`references` needs at least one non-empty reference".into());
    }
    if e.aliases.iter().any(|a| blank(a)) {
        return Err("an alias is empty".into());
    }
    if e.causes.is_empty() {
        return Err("there is no `[[causes]]`".into());
    }
    let mut ids = HashSet::new();
    for c in &e.causes {
        if !is_kebab(&c.id) {
            return Err(format!("cause id `{}` is not kebab-case", c.id));
        }
        if !ids.insert(c.id.as_str()) {
            return Err(format!("cause id `{}` is used twice", c.id));
        }
        if blank(&c.summary) {
            return Err(format!("cause `{}` has no summary", c.id));
        }
        if c.fix.is_empty() || c.fix.iter().any(|f| blank(f)) {
            return Err(format!("cause `{}` needs at least one non-empty fix step", c.id));
        }
    }
    Ok(())
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A web address standing in a reference, if there is one: from `https://`
/// (or `http://`) to the next blank, without a closing stop, comma or bracket.
fn url_in(reference: &str) -> Option<&str> {
    let start = reference.find("https://").or_else(|| reference.find("http://"))?;
    let url = reference[start..].split_whitespace().next()?;
    Some(url.trim_end_matches(['.', ',', ')', ';']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_link_is_read_up_to_the_blank_without_closing_marks() {
        assert_eq!(
            url_in("Learn: throttling (https://learn.example/ews/throttling)."),
            Some("https://learn.example/ews/throttling")
        );
        assert_eq!(url_in("see http://contoso.example/a, then b"), Some("http://contoso.example/a"));
        assert_eq!(url_in("Learn: EWS throttling"), None);
    }

    pub(crate) const GOOD: &str = r#"
code = "ErrorServerBusy"
title = "Exchange is too busy"
category = "throttling/quota"
transient = "yes"
aliases = ["0x8004FFFF"]
meaning = "Too busy."
references = ["EWS throttling"]

[[causes]]
id = "mailbox-throttled"
summary = "Over budget"
evidence = ["detail:BackOffMilliseconds", "!http=401"]
fix = ["Wait."]
"#;

    #[test]
    fn a_good_entry_parses() {
        let e = parse(Source::Ews, "ErrorServerBusy", GOOD).unwrap();
        assert_eq!(e.ordinal(), Some(363));
        assert_eq!(e.causes[0].evidence.len(), 2);
        assert!(!e.is_deep());
    }

    #[test]
    fn broken_entries_say_why() {
        let cases = [
            ("ErrorServerBusy", GOOD.replace("throttling/quota", "nope"), "category"),
            ("ErrorOther", GOOD.to_owned(), "named"),
            ("ErrorServerBusy", GOOD.replace("detail:Back", "details:Back"), "evidence"),
            ("ErrorServerBusy", format!("{GOOD}\nextra = 1\n"), "unknown field"),
            ("ErrorServerBusy", GOOD.replace("fix = [\"Wait.\"]", "fix = []"), "fix"),
            ("ErrorServerBusy", GOOD.replace("mailbox-throttled", "Mailbox"), "kebab"),
            ("ErrorServerBusy", GOOD.replace("transient = \"yes\"", ""), "transient"),
        ];
        for (stem, text, why) in cases {
            let err = parse(Source::Ews, stem, &text).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
    }
}
