//! The `ewsdiag` binary: parse the command line, run the command, map the
//! outcome to an exit status. Everything else lives in the library.

mod cli;
mod exit;
mod explain;
mod progress;
mod run;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Scan(args) => run::scan(&args),
        cli::Command::Inspect(args) => run::inspect(&args),
        cli::Command::Explain(args) => explain::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_app() {
        super::cli::Cli::command().debug_assert();
    }
}
