//! Compiles the knowledge base in, and records the commit being built.
//!
//! Lists `kb/<folder>/*.toml` for each folder below, sorted, and writes
//! `$OUT_DIR/kb_files.rs`: one static array of `(folder, file stem, text)` where
//! the text is an `include_str!` of the file's absolute path. The entries are then
//! part of the binary (no files to ship or find at run time), and a file that
//! vanishes between listing and compiling is a compile error, not a silent gap.
//!
//! Nothing here panics on odd names: anything that is not a `.toml` file with a
//! UTF-8 name is skipped. Whether the skipped file should be there is for
//! `tests/kb.rs` to say, not for the build.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The folders read, in the order their entries are listed.
/// (`src/kb/entry.rs` keeps the same list as `FOLDERS`; `tests/kb.rs` checks
/// that every folder on disk is read.)
const FOLDERS: [&str; 6] = ["ews", "sss", "http", "graph", "entra", "symptom"];

fn main() -> io::Result<()> {
    let manifest = PathBuf::from(cargo_var("CARGO_MANIFEST_DIR")?);
    let kb = manifest.join("kb");
    println!("cargo:rerun-if-changed=build.rs");
    // A directory makes cargo look at every file under it, so a new entry
    // triggers a rebuild as well as an edited one.
    println!("cargo:rerun-if-changed={}", kb.display());

    let mut out = String::from(
        "/// Every knowledge-base file: (folder, file stem, contents), sorted.\n\
         pub(crate) static FILES: &[(&str, &str, &str)] = &[\n",
    );
    for folder in FOLDERS {
        let dir = kb.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        for (stem, path) in toml_files(&dir) {
            println!("cargo:rerun-if-changed={path}");
            // `{:?}` writes a Rust string literal with every odd character escaped.
            let _ = writeln!(out, "    ({folder:?}, {stem:?}, include_str!({path:?})),");
        }
    }
    out.push_str("];\n");

    // The correlation rules' wording: not entries, so a list of its own.
    out.push_str(
        "/// The correlation rules' wording: (rule id, contents), sorted.\n\
         pub(crate) static RULE_FILES: &[(&str, &str)] = &[\n",
    );
    let rules = kb.join("rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    for (stem, path) in toml_files(&rules) {
        println!("cargo:rerun-if-changed={path}");
        let _ = writeln!(out, "    ({stem:?}, include_str!({path:?})),");
    }
    out.push_str("];\n");
    println!("cargo:rerun-if-changed={}", kb.join("facts.toml").display());

    let out_dir = PathBuf::from(cargo_var("OUT_DIR")?);
    fs::write(out_dir.join("kb_files.rs"), out)?;
    commit(&manifest);
    Ok(())
}

/// Sets `EWSDIAG_COMMIT` to the commit being built, for `--version`. Built
/// from a source archive or without git, it is simply not set (and the
/// version line says `unknown`): no git is no error.
fn commit(manifest: &Path) {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git").args(args).current_dir(manifest).output().ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
    };
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return;
    };
    println!("cargo:rustc-env=EWSDIAG_COMMIT={commit}");
    // Build again when HEAD moves: HEAD itself, the branch it points to, and
    // packed refs. Only files that exist are named, as cargo would otherwise
    // rebuild every time.
    let git_dir = git(&["rev-parse", "--git-dir"]).map(|d| manifest.join(d));
    let common = git(&["rev-parse", "--git-common-dir"]).map(|d| manifest.join(d));
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let mut watch = Vec::new();
    if let Some(dir) = &git_dir {
        watch.push(dir.join("HEAD"));
    }
    if let Some(dir) = &common {
        watch.push(dir.join("packed-refs"));
        if let Some(branch) = &branch {
            watch.push(dir.join(branch));
        }
    }
    for path in watch.iter().filter(|p| p.is_file()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// A variable cargo always sets for a build script. Missing, it is an error:
/// falling back to the current folder would write the list, or read `kb/`,
/// somewhere else and fail later in a way that hides why.
fn cargo_var(name: &str) -> io::Result<std::ffi::OsString> {
    env::var_os(name).ok_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, format!("{name} is not set: build.rs must be run by cargo"))
    })
}

/// The `.toml` files directly in `dir` as (stem, absolute path), sorted by stem.
/// A missing folder yields nothing: the content may simply not be written yet.
fn toml_files(dir: &Path) -> Vec<(String, String)> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, String)> = read
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let path = e.path();
            if path.extension()? != "toml" {
                return None;
            }
            let stem = path.file_stem()?.to_str()?.to_owned();
            let path = path.to_str()?.to_owned();
            Some((stem, path))
        })
        .collect();
    files.sort();
    files
}
