//! `scan` and `inspect`: build the run's configuration from the arguments,
//! pick the renderer, map the outcome to an exit status.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use ewsdiag::filter::Filter;
use ewsdiag::kb;
use ewsdiag::model::{Class, Finding, Malformed, Summary};
use ewsdiag::redact::{Redacting, Redactor};
use ewsdiag::report::human::{Human, Settings};
use ewsdiag::report::summary::{Overview, SCREEN, Shown};
use ewsdiag::report::{Csv, Html, Json, Ndjson, Report};
use ewsdiag::run::{self, RunConfig};
use ewsdiag::scan::ScanConfig;
use ewsdiag::walk::WalkConfig;

use crate::cli::{
    ColorChoice, FilterArgs, Format, InspectArgs, LimitArgs, OutputArgs, ScanArgs, SummaryArgs,
};
use crate::exit;
use crate::pager;
use crate::progress::Progress;

/// `-j` beyond this many threads per core only adds overhead (and a huge
/// number would take seconds to start, or never), so it is capped.
const THREADS_PER_CORE: usize = 4;

pub(crate) fn scan(args: &ScanArgs) -> ExitCode {
    let format = args.output.format.unwrap_or(Format::Summary);
    let config = RunConfig {
        paths: scan_paths(&args.paths),
        walk: WalkConfig {
            hidden: args.walk.hidden,
            no_ignore: args.walk.no_ignore,
            follow_links: args.walk.follow,
            globs: args.walk.glob.clone(),
        },
        scan: ScanConfig { filter: filter(&args.filter), ..scan_config(&args.output, format, &args.limits) },
        threads: threads(args.threads),
        timings: args.timings,
        ..RunConfig::default()
    };
    execute(&config, format, &args.output, Some(&args.summary))
}

/// The paths to scan: as given; with none, standard input when something is
/// piped in, else the current folder (as ripgrep does), so that a bare
/// `ewsdiag scan` on a terminal does not sit waiting for input.
fn scan_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    match paths {
        [] if io::stdin().is_terminal() => vec![PathBuf::from(".")],
        [] => vec![PathBuf::from("-")],
        given => given.to_vec(),
    }
}

/// `-j`, capped at a few threads per core, with a word when it is.
fn threads(asked: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let cap = cores * THREADS_PER_CORE;
    if asked > cap {
        eprintln!("ewsdiag: -j {asked} is more than {THREADS_PER_CORE} threads per core; using {cap}");
        return cap;
    }
    asked
}

/// The run's filter. A `--code` the knowledge base does not know still
/// matches its own text, but a typo would find nothing without a word, so
/// the nearest known codes are named.
fn filter(args: &FilterArgs) -> Filter {
    let base = kb::knowledge_base();
    for code in args.code.iter().filter(|c| base.lookup(c).is_none()) {
        let near = base.suggest(code);
        let hint =
            if near.is_empty() { String::new() } else { format!(" (did you mean {}?)", near.join(", ")) };
        eprintln!(
            "ewsdiag: --code {code} is no code the knowledge base knows; it matches its own text only{hint}"
        );
    }
    Filter::default()
        .codes(&args.code, base)
        .mailboxes(&args.mailbox)
        .between(args.since, args.until)
        .max_count(args.max_count)
}

pub(crate) fn inspect(args: &InspectArgs) -> ExitCode {
    if let Err(message) = inspectable(&args.file) {
        eprintln!("ewsdiag: cannot inspect {}: {message}", args.file.display());
        return exit::Status::Trouble.into();
    }
    if args.file.as_os_str() == "-" && io::stdin().is_terminal() {
        eprintln!("ewsdiag: paste the payload, then press Ctrl-D (Ctrl-Z, Enter on Windows)");
    }
    let format = args.output.format.unwrap_or(Format::Human);
    let config = RunConfig {
        paths: vec![args.file.clone()],
        scan: scan_config(&args.output, format, &args.limits),
        threads: 1,
        ..RunConfig::default()
    };
    execute(&config, format, &args.output, None)
}

/// Can `inspect` read `path`? It takes one payload, so a folder is refused
/// with a pointer to `scan`; a path that cannot be opened is said once, here,
/// rather than by the run and again by its totals.
fn inspectable(path: &Path) -> Result<(), String> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(format!(
            "it is a folder, and inspect reads one payload\nhelp: to scan every file in it, run: ewsdiag scan {}",
            path.display()
        )),
        Ok(_) => Ok(()),
        Err(error) => Err(match error.kind() {
            io::ErrorKind::NotFound => "no such file or folder".to_owned(),
            io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => error.to_string(),
        }),
    }
}

fn scan_config(output: &OutputArgs, format: Format, limits: &LimitArgs) -> ScanConfig {
    ScanConfig {
        max_payload: limits.max_payload,
        show_success: output.show_success,
        // Only the drawn diagnostics and the web page show the payload; a bulk scan in any
        // other format has no use for a copy of every payload's text.
        keep_source: matches!(format, Format::Human | Format::Html) && !output.quiet,
        ..ScanConfig::default()
    }
}

/// Scans with the renderer `format` names. `summary` (scan only) says how
/// many root causes the summary shows; a human rendering then ends with them
/// all, while `inspect`'s ends with the totals only.
fn execute(
    config: &RunConfig,
    format: Format,
    output: &OutputArgs,
    summary: Option<&SummaryArgs>,
) -> ExitCode {
    let stderr = io::stderr();
    if output.quiet {
        let mut report = Silent { err: stderr };
        return match run::run(config, &mut report) {
            Err(stop) if stop.get_ref().is_some_and(|e| e.is::<Answered>()) => exit::Status::Found.into(),
            outcome => finish(outcome, true),
        };
    }
    // The drawn findings run to thousands of lines: a terminal pages them,
    // unless the input is being typed or pasted at that terminal, where the
    // pager and the run would both read the keyboard.
    let typing = io::stdin().is_terminal() && config.paths.iter().any(|p| p.as_os_str() == "-");
    let out: Box<dyn Write> = if format == Format::Human && !typing {
        Box::new(pager::Output::start())
    } else {
        Box::new(io::stdout().lock())
    };
    let out = io::BufWriter::new(out);
    let look = settings(output, io::stdout().is_terminal());
    let err_look = settings(output, io::stderr().is_terminal());
    let ranked = summary.is_some();
    let mut report: Box<dyn Report> = match format {
        Format::Summary => Box::new(Overview::new(out, look, stderr, err_look).with_shown(shown(summary))),
        Format::Human => Box::new(Human::new(out, look, stderr, err_look).with_summary(ranked)),
        Format::Ndjson => Box::new(Ndjson::new(out, stderr)),
        Format::Json => Box::new(Json::new(out, stderr)),
        Format::Csv if output.csv_bom => Box::new(Csv::with_bom(out, stderr)),
        Format::Csv => Box::new(Csv::new(out, stderr)),
        Format::Html => Box::new(Html::new(out, stderr)),
    };
    // A progress line only where it cannot tangle with the findings: on a
    // terminal's stderr, while stdout goes elsewhere or waits for the summary.
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    let quiet_stdout = format == Format::Summary || !io::stdout().is_terminal();
    if ranked && io::stderr().is_terminal() && quiet_stdout && !dumb {
        // The sizes are added up beside the scan, so a large tree does not
        // delay its start; the percentage appears once they are known.
        let (send, total) = mpsc::channel();
        let (paths, walk) = (config.paths.clone(), config.walk.clone());
        std::thread::spawn(move || send.send(total_bytes(&paths, &walk)));
        report = Box::new(Progress::new(report, total));
    }
    match redactor(output) {
        Ok(Some(redactor)) => report = Box::new(Redacting::new(report, redactor)),
        Ok(None) => {}
        Err(status) => return status,
    }
    finish(run::run(config, report.as_mut()), false)
}

/// How many root causes the summary shows: `--all`, `--top N`, or as many as
/// fit the terminal's height (40 lines when it is not a terminal).
fn shown(args: Option<&SummaryArgs>) -> Shown {
    match args {
        Some(SummaryArgs { all: true, .. }) => Shown::All,
        Some(SummaryArgs { top: Some(n), .. }) => Shown::Top(*n),
        _ => Shown::Screen(screen_height()),
    }
}

/// Lines on one screen: `LINES` when set, else the terminal's height, else 40.
fn screen_height() -> usize {
    let lines = std::env::var("LINES").ok().and_then(|l| l.trim().parse::<usize>().ok());
    let terminal = || {
        io::stdout().is_terminal().then(terminal_size::terminal_size).flatten().map(|(_, h)| usize::from(h.0))
    };
    lines.filter(|&l| l >= 10).or_else(terminal).filter(|&l| l >= 10).unwrap_or(SCREEN)
}

/// The total size of the inputs, when every one is a file (standard input has
/// no size known in advance); for the progress line's percentage.
fn total_bytes(paths: &[PathBuf], walk: &WalkConfig) -> Option<u64> {
    let mut total = 0;
    for target in ewsdiag::walk::targets(paths, walk) {
        let ewsdiag::walk::Target::Input { origin: ewsdiag::input::Origin::File(path), .. } = target else {
            return None;
        };
        total += std::fs::metadata(path).ok()?.len();
    }
    Some(total)
}

/// `--quiet`: writes nothing but the unreadable inputs, one line each, on
/// standard error.
struct Silent<E: Write> {
    err: E,
}

/// Ends a `--quiet` run at its first problem: the answer is known then, as
/// with `grep -q`.
#[derive(Debug)]
struct Answered;

impl std::fmt::Display for Answered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a problem was found")
    }
}

impl std::error::Error for Answered {}

impl<E: Write> Report for Silent<E> {
    // No writer of its own: each finding comes here, so the run can stop at
    // the first that counts for the exit status.
    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        if finding.class == Some(Class::Success) { Ok(()) } else { Err(io::Error::other(Answered)) }
    }

    fn malformed(&mut self, _: &Malformed) -> io::Result<()> {
        Ok(())
    }

    fn skipped(&mut self, _: &str, _: &str) -> io::Result<()> {
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        // Best effort: a closed standard error must not stop the scan.
        let _ = writeln!(self.err, "ewsdiag: {path}: {reason}");
        Ok(())
    }

    fn finish(&mut self, _: &Summary) -> io::Result<()> {
        Ok(())
    }
}

/// The redactor `--redact` and `--redact-key` ask for, if any.
fn redactor(output: &OutputArgs) -> Result<Option<Redactor>, ExitCode> {
    match &output.redact_key {
        Some(file) => match std::fs::read(file) {
            Ok(key) if !key.is_empty() => Ok(Some(Redactor::with_key(&key))),
            Ok(_) => {
                eprintln!("ewsdiag: --redact-key {}: the file is empty; put a secret in it", file.display());
                Err(exit::Status::Trouble.into())
            }
            Err(error) => {
                eprintln!("ewsdiag: --redact-key {}: {error}", file.display());
                Err(exit::Status::Trouble.into())
            }
        },
        None if output.redact => Ok(Some(Redactor::new())),
        None => Ok(None),
    }
}

/// How output to a stream should look, from the flags, the environment and
/// whether the stream is a terminal. The library renderers only see the result.
fn settings(output: &OutputArgs, terminal: bool) -> Settings {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let dumb = var("TERM").is_some_and(|t| t == "dumb");
    let color = match output.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // NO_COLOR is a person's standing wish, so it beats CLICOLOR_FORCE,
        // which is usually set by a tool that captures output.
        ColorChoice::Auto if var("NO_COLOR").is_some() => false,
        ColorChoice::Auto if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorChoice::Auto => terminal && !dumb,
    };
    Settings { color, width: width(), narrate: output.narrate, unicode: !dumb }
}

/// Columns to fit output in: `COLUMNS` when set (it pins the width for tests
/// and scripts), else the terminal's width, else 80.
fn width() -> usize {
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok());
    columns
        .filter(|&c| c >= 20)
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .unwrap_or(80)
}

fn finish(outcome: io::Result<Summary>, quiet: bool) -> ExitCode {
    match outcome {
        Ok(summary) => {
            if let Some(t) = summary.timings {
                eprintln!(
                    "ewsdiag: CPU seconds by phase: scan {:.3}, diagnose {:.3}, tally {:.3}, render {:.3}, correlate {:.3}, report {:.3}",
                    t.scan, t.diagnose, t.tally, t.render, t.correlate, t.report
                );
            }
            exit::status(&summary, quiet)
        }
        // `ewsdiag scan … | head`: the reader has all it wants.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => exit::Status::Found.into(),
        Err(error) => {
            eprintln!("ewsdiag: cannot write the report: {error}");
            exit::Status::Trouble.into()
        }
    }
}
