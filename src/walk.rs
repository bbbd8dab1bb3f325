//! Turning the paths a user names into the inputs to scan, the way ripgrep
//! users expect: folders are walked recursively, hidden files and files that
//! `.gitignore`/`.ignore` rules exclude are left out, symbolic links are not
//! followed unless asked (and a link loop is reported, never followed forever),
//! and the order is by path so output is the same on every run.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use crate::input::Origin;

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
            out.push(Target::Input { origin: Origin::File(path.clone()), explicit: true });
        } else {
            out.push(Target::Unreadable {
                path: crate::input::display_path(path),
                reason: "no such file or folder".into(),
            });
        }
    }
    without_repeats(out)
}

/// The targets with each input kept only the first time it comes: the same
/// file named twice, or named and also found in a folder, is scanned once.
/// Files are the same when their canonical paths are.
fn without_repeats(targets: Vec<Target>) -> Vec<Target> {
    let mut seen = std::collections::HashSet::new();
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

fn walk_folder(root: &Path, config: &WalkConfig, out: &mut Vec<Target>) {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(!config.hidden)
        .ignore(!config.no_ignore)
        .git_ignore(!config.no_ignore)
        .git_exclude(!config.no_ignore)
        .git_global(!config.no_ignore)
        .parents(!config.no_ignore)
        // A folder of logs is rarely a git checkout; honour its .gitignore anyway.
        .require_git(false)
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
        let found = targets(&[root.to_path_buf()], &WalkConfig::default());
        assert_eq!(names(&found, root), ["a/y.txt", "a/z.log", "b.log", "kept.gz"]);
        let all = WalkConfig { hidden: true, no_ignore: true, ..Default::default() };
        assert_eq!(
            names(&targets(&[root.to_path_buf()], &all), root).len(),
            7,
            "the five files, the hidden one and .gitignore"
        );
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
}
