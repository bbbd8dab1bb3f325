//! `completions`, `man` and `schema`: text generated from the program itself
//! (the clap command and the wire types), so it cannot drift from it.

use std::io::{self, Write};
use std::process::ExitCode;

use clap_complete::Shell;
use ewsdiag::report::wire;

use crate::exit::Status;

/// `ewsdiag completions SHELL`.
pub(crate) fn completions(shell: Shell) -> ExitCode {
    let mut command = crate::cli::command();
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut command, "ewsdiag", &mut text);
    print(&text)
}

/// `ewsdiag man`: the manual page, in roff.
pub(crate) fn man() -> ExitCode {
    let mut text = Vec::new();
    match clap_mangen::Man::new(crate::cli::command()).render(&mut text) {
        Ok(()) => print(&text),
        Err(error) => {
            eprintln!("ewsdiag: cannot write the manual page: {error}");
            Status::Trouble.into()
        }
    }
}

/// `ewsdiag schema`: the JSON Schema of the ndjson lines.
pub(crate) fn schema() -> ExitCode {
    match serde_json::to_string_pretty(&wire::schema()) {
        Ok(text) => print(format!("{text}\n").as_bytes()),
        Err(error) => {
            eprintln!("ewsdiag: cannot write the schema: {error}");
            Status::Trouble.into()
        }
    }
}

/// Writes `text` to standard output; a reader that went away early
/// (`ewsdiag man | head`) is no failure.
fn print(text: &[u8]) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ewsdiag: cannot write to standard output: {e}");
            Status::Trouble.into()
        }
    }
}
