//! The knowledge base: what every code means, why it happens and how to fix it.
//!
//! The entries are data (`kb/ews/*.toml`, `kb/sss/*.toml`, described in
//! `kb/README.md`), compiled into the binary by `build.rs` so there is nothing to
//! install or find at run time, and parsed once, on first use, because most runs
//! of a scan never need more than a few of them.
//!
//! Loading never panics and never fails as a whole: an entry that does not parse
//! or breaks a rule is left out and recorded as a [`Problem`], and so is an alias
//! that two entries both claim. `tests/kb.rs` asserts there are none, so a broken
//! entry fails the build's tests rather than a user's run.

pub mod codes;
mod entry;
mod evidence;
pub mod facts;
mod keys;
pub mod render;
pub mod rules;
pub mod status;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;

pub use entry::{CATEGORIES, Cause, Entry, FOLDERS, Source, Space};
pub use evidence::{Direction, Evidence, Signal};
pub use rules::{Part, RuleText, Says};

use crate::model::{Shape, Transient};
use keys::Key;

/// The day the knowledge base's facts were last checked against their sources,
/// as `YYYY-MM-DD`. Kept in `kb/DATE`, the one place to change it; dates the
/// entries mention are judged against it (`tests/kb.rs`).
pub fn date() -> &'static str {
    include_str!("../../kb/DATE").trim()
}

mod files {
    include!(concat!(env!("OUT_DIR"), "/kb_files.rs"));
}

static KNOWLEDGE_BASE: LazyLock<KnowledgeBase> =
    LazyLock::new(|| KnowledgeBase::load(files::FILES).with_rules(files::RULE_FILES));

/// An entry's id without its space prefix: the code as payloads spell it
/// (`graph:ErrorAccessDenied` → `ErrorAccessDenied`).
pub fn unqualified(id: &str) -> &str {
    id.strip_prefix(Space::Graph.prefix()).unwrap_or(id)
}

/// The compiled-in knowledge base, parsed on first call.
pub fn knowledge_base() -> &'static KnowledgeBase {
    &KNOWLEDGE_BASE
}

/// Every entry, indexed by every spelling it answers to.
#[derive(Debug)]
pub struct KnowledgeBase {
    /// Sorted by folder (EWS first), then file name.
    entries: Vec<Entry>,
    /// (Name space, normalised code, file stem or alias) → position in `entries`.
    index: FxHashMap<(Space, Key), usize>,
    /// Each entry's id exactly as written → position: the scanner's codes are
    /// mostly spelled this way, and this lookup needs no normalising.
    exact: FxHashMap<String, usize>,
    /// The correlation rules' wording, by rule id.
    rules: BTreeMap<String, RuleText>,
    problems: Vec<Problem>,
}

/// Something wrong with the knowledge base's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the package (`kb/ews/ErrorServerBusy.toml`).
    pub file: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.reason)
    }
}

/// Which entries `--list` shows. The default shows all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// A category (`throttling/quota`), its family before the slash
    /// (`throttling`, `sss`), or a knowledge-base folder (`graph`, `entra`,
    /// `http`); any case. Default: every category.
    pub category: Option<String>,
    /// Only entries with this retry behaviour. Default: any.
    pub transient: Option<Transient>,
}

impl ListFilter {
    /// Does `entry` pass?
    pub fn matches(&self, entry: &Entry) -> bool {
        let category_ok = self.category.as_deref().is_none_or(|want| {
            let family = entry.category.split('/').next().unwrap_or_default();
            entry.category.eq_ignore_ascii_case(want)
                || family.eq_ignore_ascii_case(want)
                || entry.source.folder().eq_ignore_ascii_case(want)
        });
        category_ok && self.transient.is_none_or(|t| t == entry.transient)
    }
}

/// Is `text` a category, the family part of one, or a folder, that
/// [`ListFilter`] accepts?
pub fn is_category(text: &str) -> bool {
    CATEGORIES.iter().any(|c| {
        c.eq_ignore_ascii_case(text) || c.split('/').next().is_some_and(|f| f.eq_ignore_ascii_case(text))
    }) || FOLDERS.iter().any(|f| f.eq_ignore_ascii_case(text))
}

/// Reads `yes`, `no` or `sometimes` (any case), as entries write [`Transient`].
pub fn parse_transient(text: &str) -> Option<Transient> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" => Some(Transient::Yes),
        "no" => Some(Transient::No),
        "sometimes" => Some(Transient::Sometimes),
        _ => None,
    }
}

impl KnowledgeBase {
    /// Parses `(folder, file stem, text)` triples. Bad entries and clashing
    /// claims become problems, never a failure.
    pub(crate) fn load(files: &[(&str, &str, &str)]) -> KnowledgeBase {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for &(folder, stem, text) in files {
            let file = format!("kb/{folder}/{stem}.toml");
            let parsed = Source::from_folder(folder)
                .ok_or_else(|| format!("`{folder}` is not a knowledge-base folder"))
                .and_then(|source| entry::parse(source, stem, &facts::expand(text)?));
            match parsed {
                Ok(e) => entries.push(e),
                Err(reason) => problems.push(Problem { file, reason }),
            }
        }
        let exact = entries.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        let mut kb =
            KnowledgeBase { entries, index: FxHashMap::default(), exact, rules: BTreeMap::new(), problems };
        kb.build_index();
        kb
    }

    /// Adds the correlation rules' wording from `(rule id, text)` pairs; a file
    /// that does not parse is left out and recorded as a problem.
    pub(crate) fn with_rules(mut self, files: &[(&str, &str)]) -> KnowledgeBase {
        for &(id, text) in files {
            match RuleText::parse(text) {
                Ok(rule) => {
                    self.rules.insert(id.to_owned(), rule);
                }
                Err(reason) => self.problems.push(Problem { file: format!("kb/rules/{id}.toml"), reason }),
            }
        }
        self
    }

    /// The wording of the correlation rule `id`.
    pub fn rule_text(&self, id: &str) -> Option<&RuleText> {
        self.rules.get(id)
    }

    /// The ids of the rules whose wording was loaded, sorted.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.keys().map(String::as_str)
    }

    /// Indexes codes first, then file stems and aliases, so an alias can never
    /// shadow another entry's own code: it is reported instead. Each entry
    /// claims names in its own space only.
    fn build_index(&mut self) {
        let mut claims: Vec<((Space, Key), usize, &str)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            claims.push(((e.source.space(), keys::key(&e.code)), i, "code"));
        }
        for (i, e) in self.entries.iter().enumerate() {
            let space = e.source.space();
            claims.push(((space, keys::key(&e.file_stem)), i, "file name"));
            for a in &e.aliases {
                claims.push(((space, keys::key(a)), i, "alias"));
            }
        }
        for (key, i, what) in claims {
            match self.index.get(&key) {
                None => {
                    self.index.insert(key, i);
                }
                Some(&j) if j == i => {}
                Some(&j) => {
                    let e = &self.entries[i];
                    self.problems.push(Problem {
                        file: format!("kb/{}/{}.toml", e.source.folder(), e.file_stem),
                        reason: format!(
                            "{what} `{}` is already claimed by `{}`",
                            key.1, self.entries[j].code
                        ),
                    });
                }
            }
        }
    }

    /// Every entry, EWS codes first, each folder sorted by file name.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// What is wrong with the data: entries left out, aliases claimed twice.
    /// Empty when the knowledge base is sound.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The entries of one category (exact name, any case).
    pub fn by_category<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Entry> {
        self.entries.iter().filter(move |e| e.category.eq_ignore_ascii_case(category))
    }

    /// The entries `filter` lets through, in [`Self::entries`] order.
    pub fn list(&self, filter: &ListFilter) -> Vec<&Entry> {
        self.entries.iter().filter(|e| filter.matches(e)).collect()
    }

    /// Finds the entry for any spelling of a code, ignoring case: the code, an EWS
    /// name without `Error`, a `ServiceError` ordinal (`363`), an HRESULT signed,
    /// unsigned or hex with or without `0x`, the `Crm.80040265…` form, or any
    /// alias an entry lists. EWS and Dynamics 365 names come first, then
    /// Microsoft Graph's; `graph:NAME` asks for Graph's alone. A bare number is
    /// read as a `ServiceError` ordinal first, as alerts print it
    /// (`Exchange.server returned 363 error.`), and as an HTTP status only when
    /// no code has that ordinal.
    pub fn lookup(&self, query: &str) -> Option<&Entry> {
        if let Some(&i) = self.exact.get(query) {
            return self.entries.get(i);
        }
        if let Some(rest) = keys::strip_prefix_ci(query.trim(), Space::Graph.prefix()) {
            return self.lookup_in(Space::Graph, rest);
        }
        self.lookup_in(Space::Main, query).or_else(|| self.lookup_in(Space::Graph, query))
    }

    /// [`Self::lookup`] for a code a finding of `shape` carries: a Microsoft
    /// Graph error looks in Graph's space first, so a name Graph shares with
    /// EWS (`ErrorAccessDenied`, `ErrorItemNotFound`) gets Graph's causes.
    pub fn lookup_as(&self, query: &str, shape: Shape) -> Option<&Entry> {
        match shape {
            Shape::GraphError => self.lookup_in(Space::Graph, query).or_else(|| self.lookup(query)),
            _ => self.lookup(query),
        }
    }

    /// Every entry a query can stand for, the likeliest reading first, for
    /// `explain`. A number that is an HTTP status leads with the status (what an
    /// administrator pasting `401` most likely means) and keeps its
    /// `ServiceError` reading second; a name both EWS and Microsoft Graph use
    /// gives both entries.
    pub fn readings(&self, query: &str) -> Vec<&Entry> {
        let mut found: Vec<&Entry> = Vec::new();
        if let Key::Ordinal(n) = keys::key(query)
            && (100..600).contains(&n)
            && let Some(http) = self.get(Space::Main, &keys::key(&format!("HTTP {n}")))
        {
            found.push(http);
        }
        let graph_only = keys::strip_prefix_ci(query.trim(), Space::Graph.prefix()).is_some();
        let main = if graph_only { None } else { self.lookup_in(Space::Main, query) };
        let rest = keys::strip_prefix_ci(query.trim(), Space::Graph.prefix()).unwrap_or(query);
        for e in main.into_iter().chain(self.lookup_in(Space::Graph, rest)) {
            if !found.iter().any(|f| std::ptr::eq(*f, e)) {
                found.push(e);
            }
        }
        found
    }

    fn lookup_in(&self, space: Space, query: &str) -> Option<&Entry> {
        match keys::key(query) {
            key @ Key::Ordinal(n) => self.get(space, &key).or_else(|| {
                let by_ordinal = codes::name_for_ordinal(n).filter(|_| space == Space::Main);
                match by_ordinal {
                    Some(name) => self.get(space, &Key::Text(keys::fold(name))),
                    None => self.get(space, &keys::key(&format!("HTTP {n}"))),
                }
            }),
            Key::Text(text) => self.get(space, &Key::Text(text.clone())).or_else(|| {
                let prefixed = (!text.starts_with("error")).then(|| format!("error{text}"))?;
                self.get(space, &Key::Text(prefixed))
            }),
            key @ Key::Hresult(_) => self.get(space, &key),
        }
    }

    fn get(&self, space: Space, key: &Key) -> Option<&Entry> {
        self.index.get(&(space, key.clone())).and_then(|&i| self.entries.get(i))
    }

    /// Up to three known codes nearest to `query` by edit distance over every
    /// name and alias, nearest first, for "did you mean". Only close ones: a
    /// guess that far off would mislead more than help.
    pub fn suggest(&self, query: &str) -> Vec<&str> {
        let q = keys::fold(query);
        let length = q.chars().count();
        let limit = (length / 3).max(2);
        let mut scored: Vec<(usize, &str)> = self
            .entries
            .iter()
            .filter_map(|e| {
                let code = keys::fold(&e.code);
                let short = code.strip_prefix("error").map(str::to_owned);
                let names =
                    std::iter::once(code.clone()).chain(short).chain(e.aliases.iter().map(|a| keys::fold(a)));
                // Names whose length alone puts them out of reach are not
                // measured: a long query would cost a full table each.
                let best = names
                    .filter(|n| n.chars().count().abs_diff(length) <= limit)
                    .map(|n| strsim::levenshtein(&q, &n))
                    .min()?;
                (best <= limit).then_some((best, e.code.as_str()))
            })
            .collect();
        scored.sort_unstable();
        // A name EWS and Microsoft Graph share is one suggestion, not two.
        let mut codes: Vec<&str> = Vec::with_capacity(3);
        for (_, code) in scored {
            if codes.len() == 3 {
                break;
            }
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }
}

#[cfg(test)]
mod tests;
