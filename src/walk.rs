//! Turning the paths a user names into the inputs to scan, the way ripgrep
//! users expect: folders are walked recursively, hidden files and files that
//! `.ignore` rules (and, inside a git repository, `.gitignore` rules) exclude
//! are left out, symbolic links are not followed unless asked (and a link loop
//! is reported, never followed forever), and the order is by path so output is
//! the same on every run. What a walk leaves out is counted, so the totals can
//! say so and name the flag that brings it in.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use crate::input::Origin;
use crate::model::LeftOut;

/// How to walk folders.
#[derive(Debug, Clone, Default)]
pub struct WalkConfig {
    /// Also scan hidden files and folders (default false).
    pub hidden: bool,
    /// Ignore `.gitignore`, `.ignore` and git exclude rules (default false).
    pub no_ignore: bool,
    /// Follow symbolic links (default false).
    pub follow_links: bool,
    /// Glob patterns, ripgrep style: `*.log` includes, `!*.gz` excludes. Empty: all files.
    pub globs: Vec<String>,
}

/// One thing to scan, or a path that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An input to scan. `explicit` is true when the user named it rather than
    /// the walk finding it (binary files found by walking are skipped).
    Input {
        /// Where to read from.
        origin: Origin,
        /// Named on the command line.
        explicit: bool,
    },
    /// A path that could not be read while walking.
    Unreadable {
        /// The path as shown to the user.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// Lists the inputs under `paths`, in command-line order and, within a folder,
/// by path.
pub fn targets(paths: &[PathBuf], config: &WalkConfig) -> Vec<Target> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Target::Input { origin: Origin::Stdin, explicit: true });
        } else if path.is_dir() {
            walk_folder(path, config, &mut out);
        } else if path.exists() || path.symlink_metadata().is_ok() {
            match unreadable_format(path) {
                Some(reason) => out.push(Target::Unreadable { path: path.display().to_string(), reason }),
                None => out.push(Target::Input { origin: Origin::File(path.clone()), explicit: true }),
            }
        } else {
            out.push(Target::Unreadable {
                path: crate::input::display_path(path),
                reason: "no such file or folder".into(),
            });
        }
    }
    // One folder, links not followed: no file can come twice, and proving it
    // would cost a look-up of every path.
    let one_walk = paths.len() == 1 && !config.follow_links;
    if one_walk { out } else { without_repeats(out) }
}

/// The files under the folders of `paths` that a walk listing `listed` left
/// out (hidden, or ignored by a rule), counted by a second walk that takes
/// everything in. It needs nothing the scan makes, so a run does it while
/// the scan goes on.
pub fn left_out(paths: &[PathBuf], config: &WalkConfig, listed: &[Target]) -> LeftOut {
    let mut left_out = LeftOut::default();
    if config.hidden && config.no_ignore {
        return left_out;
    }
    let listed: HashSet<&Path> = listed
        .iter()
        .filter_map(|t| match t {
            Target::Input { origin: Origin::File(path), .. } => Some(path.as_path()),
            _ => None,
        })
        .collect();
    for path in paths.iter().filter(|p| p.as_os_str() != "-" && p.is_dir()) {
        left_out.add(&count_left_out(path, config, &listed));
    }
    left_out
}

/// The targets with each input kept only the first time it comes: the same
/// file named twice, or named and also found in a folder, is scanned once.
/// Files are the same when their canonical paths are.
fn without_repeats(targets: Vec<Target>) -> Vec<Target> {
    let mut seen = HashSet::new();
    targets
        .into_iter()
        .filter(|target| match target {
            Target::Input { origin: Origin::File(path), .. } => {
                seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
            }
            Target::Input { origin: Origin::Stdin, .. } => seen.insert(PathBuf::from("-")),
            Target::Unreadable { .. } => true,
        })
        .collect()
}

/// Why a named file is in a format the scanner cannot read (a PDF, a Word
/// document, a 7-Zip or RAR archive), known by its first bytes or its name.
/// Scanning one would find nothing and say so, which would be untrue.
fn unreadable_format(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    let head = &head[..read];
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = if head.starts_with(b"%PDF-") {
        "a PDF document"
    } else if head.starts_with(b"7z\xbc\xaf\x27\x1c") {
        "a 7-Zip archive"
    } else if head.starts_with(b"Rar!\x1a\x07") {
        "a RAR archive"
    } else if head.starts_with(b"PK") {
        // A zip container (a .docx too) is opened as an archive.
        return None;
    } else {
        match extension.as_deref() {
            Some("pdf") => "a PDF document",
            Some("docx" | "doc" | "docm" | "odt") => "a word-processor document",
            Some("pptx" | "ppt") => "a presentation",
            Some("7z") => "a 7-Zip archive",
            Some("rar") => "a RAR archive",
            Some("msg" | "pst" | "ost") => "an Outlook data file",
            _ => return None,
        }
    };
    Some(format!("cannot read {format}: save or export its text (or the alerts as CSV) and scan that"))
}

/// How many files under `root` the walk left out: a second walk that takes
/// everything in (except the insides of `.git` folders, which no one means to
/// scan) and counts what the first did not list.
fn count_left_out(root: &Path, config: &WalkConfig, listed: &HashSet<&Path>) -> LeftOut {
    let mut left_out = LeftOut::default();
    let mut builder = WalkBuilder::new(root);
    builder.standard_filters(false).follow_links(config.follow_links);
    builder.filter_entry(|entry| entry.file_name() != ".git");
    match globs(root, config) {
        Some(globs) => {
            builder.overrides(globs);
        }
        // A bad glob listed nothing, and is reported: nothing was left out.
        None if !config.globs.is_empty() => return left_out,
        None => {}
    }
    for entry in builder.build().flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) || listed.contains(entry.path()) {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let hidden = relative.components().any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if hidden && !config.hidden {
            left_out.hidden += 1;
        } else if !config.no_ignore {
            left_out.ignored += 1;
        }
    }
    left_out
}

/// The `--glob` patterns as the walker's overrides, when there are any and
/// they are valid (the main walk reports a bad one).
fn globs(root: &Path, config: &WalkConfig) -> Option<ignore::overrides::Override> {
    if config.globs.is_empty() {
        return None;
    }
    let mut globs = OverrideBuilder::new(root);
    for glob in &config.globs {
        globs.add(glob).ok()?;
    }
    globs.build().ok()
}

fn walk_folder(root: &Path, config: &WalkConfig, out: &mut Vec<Target>) {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(!config.hidden)
        .ignore(!config.no_ignore)
        .git_ignore(!config.no_ignore)
        .git_exclude(!config.no_ignore)
        .git_global(!config.no_ignore)
        .parents(!config.no_ignore)
        // As in ripgrep, .gitignore rules apply only inside a git repository:
        // a folder of logs that merely holds a .gitignore is scanned whole.
        .require_git(true)
        .follow_links(config.follow_links)
        .sort_by_file_path(|a, b| a.cmp(b));
    if !config.globs.is_empty() {
        let mut globs = OverrideBuilder::new(root);
        for glob in &config.globs {
            if let Err(error) = globs.add(glob) {
                out.push(Target::Unreadable { path: glob.clone(), reason: format!("bad glob: {error}") });
                return;
            }
        }
        match globs.build() {
            Ok(globs) => {
                builder.overrides(globs);
            }
            Err(error) => {
                out.push(Target::Unreadable {
                    path: crate::input::display_path(root),
                    reason: format!("bad glob: {error}"),
                });
                return;
            }
        }
    }
    for entry in builder.build() {
        match entry {
            Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                out.push(Target::Input { origin: Origin::File(entry.into_path()), explicit: false });
            }
            Ok(_) => {}
            Err(error) => {
                out.push(Target::Unreadable { path: error_path(&error, root), reason: error_reason(&error) })
            }
        }
    }
}

fn error_path(error: &ignore::Error, root: &Path) -> String {
    match error {
        ignore::Error::WithPath { path, .. } => crate::input::display_path(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root)
        }
        ignore::Error::Loop { child, .. } => crate::input::display_path(child),
        _ => crate::input::display_path(root),
    }
}

fn error_reason(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_reason(err),
        ignore::Error::Loop { ancestor, .. } => format!("symbolic link loop back to {}", ancestor.display()),
        ignore::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inputs under `paths`, and the files the walk left out, as a run finds them.
    fn walk(paths: &[PathBuf], config: &WalkConfig) -> (Vec<Target>, LeftOut) {
        let targets = targets(paths, config);
        let left_out = left_out(paths, config, &targets);
        (targets, left_out)
    }

    fn names(targets: &[Target], root: &Path) -> Vec<String> {
        targets
            .iter()
            .map(|t| match t {
                Target::Input { origin: Origin::File(p), .. } => {
                    p.strip_prefix(root).unwrap_or(p).display().to_string().replace('\\', "/")
                }
                Target::Input { origin: Origin::Stdin, .. } => "-".into(),
                Target::Unreadable { path, .. } => format!("!{path}"),
            })
            .collect()
    }

    #[test]
    fn walking_follows_ripgrep_rules() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["b.log", "a/z.log", "a/y.txt", ".hidden.log", "skip/me.log", "kept.gz"] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "skip/\n").unwrap();
        // Outside a git repository, as in ripgrep, .gitignore rules do not apply.
        let (found, left_out) = walk(&[root.to_path_buf()], &WalkConfig::default());
        assert_eq!(names(&found, root), ["a/y.txt", "a/z.log", "b.log", "kept.gz", "skip/me.log"]);
        assert_eq!(left_out, LeftOut { ignored: 0, hidden: 2 }, ".hidden.log and .gitignore");
        std::fs::create_dir(root.join(".git")).unwrap();
        let (found, left_out) = walk(&[root.to_path_buf()], &WalkConfig::default());
        assert_eq!(names(&found, root), ["a/y.txt", "a/z.log", "b.log", "kept.gz"]);
        assert_eq!(left_out, LeftOut { ignored: 1, hidden: 2 });
        let all = WalkConfig { hidden: true, no_ignore: true, ..Default::default() };
        let (found, left_out) = walk(&[root.to_path_buf()], &all);
        assert_eq!(names(&found, root).len(), 7, "the five files, the hidden one and .gitignore");
        assert!(!left_out.any());
        // As in ripgrep, a matching glob wins over the hidden-file rule, not
        // over an ignored folder (which is never entered).
        let logs = WalkConfig { globs: vec!["*.log".into()], ..Default::default() };
        assert_eq!(names(&targets(&[root.to_path_buf()], &logs), root), [".hidden.log", "a/z.log", "b.log"]);
        let not_gz = WalkConfig { globs: vec!["!*.gz".into()], ..Default::default() };
        assert_eq!(names(&targets(&[root.to_path_buf()], &not_gz), root), ["a/y.txt", "a/z.log", "b.log"]);
    }

    #[test]
    fn named_paths_keep_their_order_and_missing_ones_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("one.log");
        std::fs::write(&file, "x").unwrap();
        let found =
            targets(&[PathBuf::from("-"), dir.path().join("nope"), file.clone()], &WalkConfig::default());
        assert!(matches!(&found[0], Target::Input { origin: Origin::Stdin, explicit: true }));
        assert!(matches!(&found[1], Target::Unreadable { reason, .. } if reason.contains("no such")));
        assert_eq!(found[2], Target::Input { origin: Origin::File(file), explicit: true });
    }

    #[test]
    fn the_same_file_given_twice_is_scanned_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("one.log");
        std::fs::write(&file, "x").unwrap();
        let again = dir.path().join(".").join("one.log");
        let found = targets(
            &[file.clone(), again, dir.path().to_path_buf(), PathBuf::from("-"), PathBuf::from("-")],
            &WalkConfig::default(),
        );
        assert_eq!(names(&found, dir.path()), ["one.log", "-"], "named, then found in its folder");
        assert_eq!(found[0], Target::Input { origin: Origin::File(file), explicit: true });
    }

    #[test]
    fn a_named_file_in_a_format_that_cannot_be_read_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], &str); 4] = [
            ("report.pdf", b"%PDF-1.7\n", "PDF"),
            ("notes.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "word-processor"),
            ("logs.7z", b"7z\xbc\xaf\x27\x1c", "7-Zip"),
            ("renamed.log", b"Rar!\x1a\x07\x00", "RAR"),
        ];
        for (name, bytes, what) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let found = targets(&[path], &WalkConfig::default());
            assert!(
                matches!(&found[0], Target::Unreadable { reason, .. } if reason.contains(what)),
                "{name}: {found:?}"
            );
        }
        for name in ["alerts.zip", "alerts.xlsx", "notes.docx", "server.log"] {
            let path = dir.path().join(name);
            std::fs::write(&path, b"PK\x03\x04").unwrap();
            assert!(matches!(&targets(&[path], &WalkConfig::default())[0], Target::Input { .. }), "{name}");
        }
    }
}
