//! `ewsdiag explain`: placeholder until the knowledge base lands.

use std::process::ExitCode;

use crate::cli::ExplainArgs;

pub(crate) fn run(_args: &ExplainArgs) -> ExitCode {
    eprintln!("error: explain is not built yet");
    ExitCode::from(2)
}
