//! `scan` and `inspect`: build the run's configuration from the arguments,
//! pick the renderer, map the outcome to an exit status.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use ewsdiag::redact::{Redacting, Redactor};
use ewsdiag::report::human::{Human, Settings};
use ewsdiag::report::summary::Overview;
use ewsdiag::report::{Csv, Html, Json, Ndjson, Report};
use ewsdiag::run::{self, RunConfig, Summary};
use ewsdiag::scan::ScanConfig;
use ewsdiag::walk::WalkConfig;

use crate::cli::{ColorChoice, Format, InspectArgs, LimitArgs, OutputArgs, ScanArgs};
use crate::exit;
use crate::progress::Progress;

pub(crate) fn scan(args: &ScanArgs) -> ExitCode {
    let format = args.output.format.unwrap_or(Format::Summary);
    let config = RunConfig {
        paths: args.paths.clone(),
        walk: WalkConfig {
            hidden: args.walk.hidden,
            no_ignore: args.walk.no_ignore,
            follow_links: args.walk.follow,
            globs: args.walk.glob.clone(),
        },
        scan: scan_config(&args.output, format, &args.limits),
        threads: args.threads,
        timings: args.timings,
        ..RunConfig::default()
    };
    execute(&config, format, &args.output, true)
}

pub(crate) fn inspect(args: &InspectArgs) -> ExitCode {
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
    execute(&config, format, &args.output, false)
}

fn scan_config(output: &OutputArgs, format: Format, limits: &LimitArgs) -> ScanConfig {
    ScanConfig {
        max_payload: limits.max_payload,
        show_success: output.show_success,
        // Only the drawn diagnostics and the web page show the payload; a bulk scan in any
        // other format has no use for a copy of every payload's text.
        keep_source: matches!(format, Format::Human | Format::Html),
        ..ScanConfig::default()
    }
}

/// Scans with the renderer `format` names. `ranked` ends a human rendering
/// with the ranked root causes (scan) rather than only the totals (inspect).
fn execute(config: &RunConfig, format: Format, output: &OutputArgs, ranked: bool) -> ExitCode {
    let stdout = io::stdout().lock();
    let out = io::BufWriter::new(stdout);
    let stderr = io::stderr();
    let look = settings(output, io::stdout().is_terminal());
    let err_look = settings(output, io::stderr().is_terminal());
    let mut report: Box<dyn Report> = match format {
        Format::Summary => Box::new(Overview::new(out, look, stderr, err_look)),
        Format::Human => Box::new(Human::new(out, look, stderr, err_look).with_summary(ranked)),
        Format::Ndjson => Box::new(Ndjson::new(out, stderr)),
        Format::Json => Box::new(Json::new(out, stderr)),
        Format::Csv => Box::new(Csv::new(out, stderr)),
        Format::Html => Box::new(Html::new(out, stderr)),
    };
    // A progress line only where it cannot tangle with the findings: on a
    // terminal's stderr, while stdout goes elsewhere or waits for the summary.
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    let quiet_stdout = format == Format::Summary || !io::stdout().is_terminal();
    if ranked && io::stderr().is_terminal() && quiet_stdout && !dumb {
        report = Box::new(Progress::new(report));
    }
    match redactor(output) {
        Ok(Some(redactor)) => report = Box::new(Redacting::new(report, redactor)),
        Ok(None) => {}
        Err(status) => return status,
    }
    finish(run::run(config, report.as_mut()))
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

fn finish(outcome: io::Result<Summary>) -> ExitCode {
    match outcome {
        Ok(summary) => {
            if let Some(t) = summary.timings {
                eprintln!(
                    "ewsdiag: CPU seconds by phase: scan {:.3}, diagnose {:.3}, tally {:.3}, render {:.3}, correlate {:.3}, report {:.3}",
                    t.scan, t.diagnose, t.tally, t.render, t.correlate, t.report
                );
            }
            exit::status(&summary)
        }
        // `ewsdiag scan … | head`: the reader has all it wants.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => exit::Status::Found.into(),
        Err(error) => {
            eprintln!("ewsdiag: cannot write the report: {error}");
            exit::Status::Trouble.into()
        }
    }
}
