//! `scan` and `inspect`: build the run's configuration from the arguments,
//! pick the renderer, map the outcome to an exit status.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use ewsdiag::report::{Csv, Json, Ndjson, Report, Text};
use ewsdiag::run::{self, RunConfig, Summary};
use ewsdiag::scan::ScanConfig;
use ewsdiag::walk::WalkConfig;

use crate::cli::{Format, InspectArgs, LimitArgs, OutputArgs, ScanArgs};
use crate::exit;

pub(crate) fn scan(args: &ScanArgs) -> ExitCode {
    let config = RunConfig {
        paths: args.paths.clone(),
        walk: WalkConfig {
            hidden: args.walk.hidden,
            no_ignore: args.walk.no_ignore,
            follow_links: args.walk.follow,
            globs: args.walk.glob.clone(),
        },
        scan: scan_config(&args.output, &args.limits),
        threads: args.threads,
    };
    execute(&config, args.output.format)
}

pub(crate) fn inspect(args: &InspectArgs) -> ExitCode {
    if args.file.as_os_str() == "-" && io::stdin().is_terminal() {
        eprintln!("ewsdiag: paste the payload, then press Ctrl-D (Ctrl-Z, Enter on Windows)");
    }
    let config = RunConfig {
        paths: vec![args.file.clone()],
        scan: scan_config(&args.output, &args.limits),
        threads: 1,
        ..RunConfig::default()
    };
    execute(&config, args.output.format)
}

fn scan_config(output: &OutputArgs, limits: &LimitArgs) -> ScanConfig {
    ScanConfig { max_payload: limits.max_payload, show_success: output.show_success, ..ScanConfig::default() }
}

fn execute(config: &RunConfig, format: Format) -> ExitCode {
    let stdout = io::stdout().lock();
    let stderr = io::stderr();
    let mut report: Box<dyn Report> = match format {
        Format::Human => Box::new(Text::new(io::BufWriter::new(stdout), stderr)),
        Format::Ndjson => Box::new(Ndjson::new(io::BufWriter::new(stdout), stderr)),
        Format::Json => Box::new(Json::new(io::BufWriter::new(stdout), stderr)),
        Format::Csv => Box::new(Csv::new(io::BufWriter::new(stdout), stderr)),
    };
    finish(run::run(config, report.as_mut()))
}

fn finish(outcome: io::Result<Summary>) -> ExitCode {
    match outcome {
        Ok(summary) => exit::status(&summary),
        // `ewsdiag scan … | head`: the reader has all it wants.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => exit::Status::Found.into(),
        Err(error) => {
            eprintln!("ewsdiag: cannot write the report: {error}");
            exit::Status::Trouble.into()
        }
    }
}
