//! The library's top-level modules form layers, and a module uses only the
//! layers below its own. That keeps the data flowing one way (DESIGN.md):
//! findings and summaries are plain data at the bottom, the knowledge base and
//! the readers of input above them, the scanner and the diagnosis above those,
//! the renderers next, and the run that drives them all on top. A renderer that
//! reached up into the run, or a scanner that reached into the renderers, would
//! make a cycle: neither could then change without the other.
//!
//! The check reads the source: every `crate::<module>` path in a file (in `use`
//! lines, in code and in doc links) and every `super::` chain that climbs out of
//! its top-level module is a dependency of that file's top-level module. A
//! `super::` chain inside an inline `mod tests` is read as if it were at file
//! level, which can only report a dependency too many, never one too few.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules, lowest layer first. A module may use the modules of the
/// layers below its own, and none of its own layer or above.
const LAYERS: &[&[&str]] = &[
    // Plain data: findings, diagnoses, summaries; and the bounded table the
    // scanning threads remember what they worked out in.
    &["model", "cache"],
    // The knowledge base (data compiled in), and opening and decoding input.
    &["kb", "input"],
    // Which inputs a run reads, and which findings it keeps.
    &["walk", "filter"],
    // Finding payloads, judging findings.
    &["scan", "diagnose"],
    // Writing it all out.
    &["report"],
    // Pseudonyms in place of names, wrapped around any report.
    &["redact"],
    // A whole run: walk, scan, diagnose, report.
    &["run"],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The layer of each top-level module.
fn layer_of() -> BTreeMap<&'static str, usize> {
    LAYERS.iter().enumerate().flat_map(|(i, mods)| mods.iter().map(move |m| (*m, i))).collect()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display())).path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The module path of a library file: `src/report/human/mod.rs` is
/// `["report", "human"]`, `src/model.rs` is `["model"]`; `None` for the crate
/// root and for the binary (a crate of its own).
fn module_path(file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src()).ok()?;
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.first().is_some_and(|p| p == "bin") || parts == ["lib.rs"] {
        return None;
    }
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if stem != "mod" {
        parts.push(stem.to_owned());
    }
    Some(parts)
}

/// The top-level modules that `text`, the source of the module at `path`, names.
fn uses(text: &str, path: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |rest: &str| -> String {
        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
    };
    for (at, _) in text.match_indices("crate::") {
        // `ewsdiag::` or `$crate::` would be another path; only a whole word counts.
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let name = ident(&text[at + "crate::".len()..]);
        if !name.is_empty() {
            found.insert(name);
        }
    }
    for (at, _) in text.match_indices("super::") {
        if text[..at].ends_with("super::") {
            continue; // counted from the start of its chain
        }
        let mut rest = &text[at..];
        let mut climbs = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = r;
        }
        if climbs >= path.len() {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// (module, module it uses) for every use of one top-level module by another.
fn edges() -> BTreeSet<(String, String)> {
    let tops: BTreeSet<String> = layer_of().keys().map(|m| (*m).to_owned()).collect();
    let mut out = BTreeSet::new();
    for file in rust_files(&src()) {
        let Some(path) = module_path(&file) else { continue };
        let text =
            fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for used in uses(&text, &path) {
            if used != path[0] && tops.contains(&used) {
                out.insert((path[0].clone(), used));
            }
        }
    }
    out
}

/// The uses that go sideways or upwards, as `from -> to` lines.
fn violations(edges: &BTreeSet<(String, String)>) -> Vec<String> {
    let layers = layer_of();
    edges
        .iter()
        .filter(|(from, to)| {
            let (Some(f), Some(t)) = (layers.get(from.as_str()), layers.get(to.as_str())) else {
                return true;
            };
            t >= f
        })
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect()
}

/// A cycle among `edges`, if there is one, as the modules along it.
fn cycle(edges: &BTreeSet<(String, String)>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeSet<(String, String)>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for (_, to) in edges.iter().filter(|(from, _)| from == node) {
            if let Some(found) = visit(to, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges.iter().find_map(|(from, _)| visit(from, edges, &mut Vec::new(), &mut done))
}

fn edge_set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap_or_else(|e| panic!("cannot read lib.rs: {e}"));
    let layers = layer_of();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|l| l.trim_end_matches(';').trim())
        .collect();
    assert!(declared.contains(&"model"), "lib.rs declares its modules as `pub mod name;`");
    let missing: Vec<&&str> = declared.iter().filter(|m| !layers.contains_key(*m)).collect();
    assert!(missing.is_empty(), "modules with no place in LAYERS: {missing:?}");
}

#[test]
fn modules_use_only_the_layers_below_their_own() {
    let edges = edges();
    assert!(
        edges.contains(&("run".to_owned(), "report".to_owned())),
        "the check reads the source: the run drives the renderers"
    );
    let bad = violations(&edges);
    assert!(bad.is_empty(), "uses against the layering (see LAYERS in tests/layers.rs): {bad:?}");
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let edges = edges();
    assert_eq!(cycle(&edges), None, "top-level modules in a cycle");
}

#[test]
fn the_check_catches_a_renderer_reaching_into_the_run() {
    let edges = edge_set(&[("run", "report"), ("report", "run"), ("report", "model")]);
    assert_eq!(cycle(&edges), Some(vec!["report".into(), "run".into(), "report".into()]));
    assert_eq!(violations(&edges), vec!["report -> run".to_owned()]);
    assert_eq!(violations(&edge_set(&[("scan", "diagnose")])), vec!["scan -> diagnose".to_owned()]);
    assert_eq!(violations(&edge_set(&[("novel", "model")])), vec!["novel -> model".to_owned()]);
}

#[test]
fn paths_and_super_chains_that_leave_the_module_are_read() {
    let path = ["report".to_owned(), "human".to_owned()];
    let text = "use crate::model::Finding;\nuse super::super::run::Summary;\nuse super::text;\n\
                let k = ewsdiag::kb::date(); // crate::diagnose in a comment counts too";
    let found: Vec<String> = uses(text, &path).into_iter().collect();
    assert_eq!(found, ["diagnose", "model", "run"]);
}

/// Inside the scanner, recognisers depend on their contract (`scan::recognise`),
/// never on the dispatch that calls them (`anchor`) nor the loop that feeds them
/// (`driver`); and the contract itself is a leaf that names no other part of
/// the scanner. Otherwise each new recogniser would have to change the hub.
#[test]
fn recognisers_depend_on_their_contract_not_on_the_dispatch_or_the_loop() {
    let scan = src().join("scan");
    let mut reaching = Vec::new();
    for file in rust_files(&scan) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if ["driver.rs", "mod.rs"].contains(&name.as_str()) {
            continue;
        }
        let text =
            fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        if reached_through_super(&text).iter().any(|m| m == "anchor" || m == "driver") {
            reaching.push(name);
        }
    }
    assert!(reaching.is_empty(), "scan modules that reach the dispatch or the loop: {reaching:?}");
    let contract = fs::read_to_string(scan.join("recognise.rs"))
        .unwrap_or_else(|e| panic!("cannot read scan/recognise.rs: {e}"));
    let named = reached_through_super(&contract);
    assert!(named.is_empty(), "scan/recognise.rs names other parts of the scanner: {named:?}");
}

/// The modules a file names right after `super::`: `super::anchor::Hit` names
/// `anchor`, `super::{anchor, view}` names both.
fn reached_through_super(text: &str) -> BTreeSet<String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("super::") {
        let rest = &text[at + "super::".len()..];
        let names = match rest.strip_prefix('{') {
            Some(group) => &group[..group.find('}').unwrap_or(group.len())],
            None => &rest[..rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len())],
        };
        for name in names.split(|c: char| !is_ident(c)).filter(|n| !n.is_empty()) {
            found.insert(name.to_owned());
        }
    }
    found
}

#[test]
fn the_scan_check_reads_paths_and_groups_after_super() {
    let text = "use super::anchor::Hit;\nuse super::{lines, driver};\nlet m = super::http_context::anchor_mailbox(t);";
    let found: Vec<String> = reached_through_super(text).into_iter().collect();
    assert_eq!(found, ["anchor", "driver", "http_context", "lines"]);
}
