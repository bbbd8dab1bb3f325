//! Snapshot tests of what a person reads: every sample drawn as miette
//! diagnostics (colour off, 80 columns), the one-screen summary of the
//! correlation samples, a narrated rendering, and the colour switches of the
//! binary.
//!
//! Update with `INSTA_UPDATE=always cargo test --test render`, then read the
//! changed files under `tests/snapshots/`: they must read well, not just pass.
//! A new sample under `samples/` fails here until its snapshot is reviewed.

mod support;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;

use ewsdiag::diagnose;
use ewsdiag::input::{self, Origin};
use ewsdiag::kb;
use ewsdiag::model::Finding;
use ewsdiag::model::Summary;
use ewsdiag::report::Report;
use ewsdiag::report::human::{Human, Settings};
use ewsdiag::report::summary::Overview;
use ewsdiag::run::{self, RunConfig};
use ewsdiag::scan::{self, Event, ScanConfig, SourceInfo};

const WIDTH: usize = 80;

fn plain() -> Settings {
    Settings { color: false, width: WIDTH, narrate: false, unicode: true }
}

/// The path of a sample as the binary would show it when run from the
/// repository: relative, so snapshots hold no absolute paths. Tests run in the
/// package root, so the renderer can open it again to show a malformed payload.
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Scans one file the way `inspect` does (payload text kept), diagnoses the
/// findings and renders everything with `settings`.
fn render_file(path: &Path, settings: Settings) -> String {
    let shown = relative(path);
    let opened = input::open(&Origin::File(PathBuf::from(&shown))).expect("sample opens");
    let source = SourceInfo { path: shown, encoding: opened.encoding };
    let config = ScanConfig { keep_source: true, ..ScanConfig::default() };
    let mut events = Vec::new();
    let mut keep = |e| {
        events.push(e);
        ControlFlow::Continue(())
    };
    let stats = scan::scan_reader(opened.reader, &source, &config, &mut keep)
        .map_err(|e| e.error)
        .expect("sample reads");

    let mut findings: Vec<Finding> = events
        .iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some((**f).clone()),
            Event::Malformed(_) | Event::Context(_) => None,
        })
        .collect();
    diagnose::diagnose_all(&mut findings, kb::knowledge_base());
    let summary = Summary {
        inputs: 1,
        stats,
        root_causes: diagnose::correlate(&findings, kb::knowledge_base()),
        ..Summary::default()
    };

    let mut out = Vec::new();
    let mut err = Vec::new();
    {
        let mut human = Human::new(&mut out, settings, &mut err, settings).with_summary(false);
        let mut diagnosed = findings.iter();
        for event in &events {
            match event {
                Event::Finding(_) => human.finding(diagnosed.next().expect("one finding per event")),
                Event::Malformed(m) => human.malformed(m),
                Event::Context(_) => unreachable!("a whole file has no segments"),
            }
            .expect("rendering to memory");
        }
        human.finish(&summary).expect("rendering to memory");
    }
    assert!(err.is_empty(), "nothing goes to standard error for a readable sample");
    String::from_utf8(out).expect("rendering is UTF-8")
}

/// A line wider than the width is only allowed for a token that cannot be
/// broken (a namespace URI, a long code).
fn assert_fits(name: &str, text: &str) {
    for line in text.lines() {
        let width = line.chars().count();
        let longest = line.split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0);
        assert!(width <= WIDTH || longest > 50, "{name}: a line of {width} columns:\n{line}");
    }
}

/// Snapshot name for a sample: its path under `samples/`, `/` as `__`.
fn snapshot_name(path: &Path) -> String {
    let under = relative(path);
    under.trim_start_matches("samples/").replace('/', "__")
}

#[test]
fn every_sample_renders_as_diagnostics() {
    let samples = support::all_samples();
    assert!(!samples.is_empty());
    for path in samples {
        let name = snapshot_name(&path);
        let rendered = render_file(&path, plain());
        assert_fits(&name, &rendered);
        assert!(!rendered.contains('\u{1b}'), "{name}: colour off means no escapes");
        insta::assert_snapshot!(format!("human__{name}"), rendered);
    }
}

#[test]
fn narrated_rendering_reads_as_sentences() {
    let path = support::sample("view-details/invalid-license.txt");
    let rendered = render_file(&path, Settings { narrate: true, ..plain() });
    assert!(!rendered.contains('│'), "no drawing characters when narrated");
    insta::assert_snapshot!("narrated__view-details__invalid-license.txt", rendered);
}

#[test]
fn ascii_rendering_uses_no_box_drawing() {
    let path = support::sample("soap/fault-server-busy.xml");
    let rendered = render_file(&path, Settings { unicode: false, ..plain() });
    assert!(rendered.is_ascii(), "{rendered}");
}

#[test]
fn summary_of_the_correlation_samples_fits_one_screen() {
    let root = Path::new("samples/correlation");
    let config = RunConfig { paths: vec![root.to_path_buf()], threads: 1, ..RunConfig::default() };
    let mut out = Vec::new();
    let mut err = Vec::new();
    {
        let mut overview = Overview::new(&mut out, plain(), &mut err, plain());
        run::run(&config, &mut overview).expect("scan of the samples");
    }
    let rendered = String::from_utf8(out).expect("UTF-8");
    assert!(err.is_empty());
    assert!(rendered.lines().count() <= 40, "one screen:\n{rendered}");
    assert_fits("summary", &rendered);
    insta::assert_snapshot!("summary__correlation", rendered);
}

#[test]
fn the_summary_names_unreadable_inputs_and_errors_go_to_stderr() {
    let config = RunConfig {
        paths: vec![PathBuf::from("samples/correlation/throttled.txt"), PathBuf::from("no/such/file.log")],
        threads: 1,
        ..RunConfig::default()
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    {
        let mut overview = Overview::new(&mut out, plain(), &mut err, plain());
        run::run(&config, &mut overview).expect("scan");
    }
    let (out, err) = (String::from_utf8(out).expect("UTF-8"), String::from_utf8(err).expect("UTF-8"));
    assert!(out.contains("Could not read 1:") && out.contains("no/such/file.log"), "{out}");
    assert!(err.contains("ewsdiag::unreadable") && err.contains("no/such/file.log"), "{err}");
}

/// Runs the binary on a sample with a clean colour environment plus `env`.
fn ewsdiag(args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ewsdiag"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "80");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("the binary runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    const ESC: u8 = 0x1b;
    let sample = "samples/view-details/nonexistent-mailbox.txt";
    for format in ["human", "summary"] {
        let args = |color: &'static str| ["inspect", "--format", format, "--color", color, sample];
        let has_esc = |out: Vec<u8>| out.contains(&ESC);
        assert!(!has_esc(ewsdiag(&args("never"), &[])), "{format}: --color never");
        assert!(!has_esc(ewsdiag(&args("never"), &[("CLICOLOR_FORCE", "1")])), "{format}: never beats force");
        assert!(has_esc(ewsdiag(&args("always"), &[])), "{format}: --color always");
        // Standard output is a pipe here, so auto means no colour...
        assert!(!has_esc(ewsdiag(&args("auto"), &[])), "{format}: auto on a pipe");
        // ...unless forced, and NO_COLOR wins over the force.
        assert!(has_esc(ewsdiag(&args("auto"), &[("CLICOLOR_FORCE", "1")])), "{format}: CLICOLOR_FORCE");
        let both = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
        assert!(!has_esc(ewsdiag(&args("auto"), &both)), "{format}: NO_COLOR");
    }
}

#[test]
fn narrate_flag_reaches_the_renderer() {
    let out = ewsdiag(&["inspect", "--narrate", "samples/view-details/nonexistent-mailbox.txt"], &[]);
    let out = String::from_utf8(out).expect("UTF-8");
    assert!(out.contains("Begin snippet"), "{out}");
    assert!(!out.contains('╭'), "{out}");
}
