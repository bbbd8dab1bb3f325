//! Exit status, grep-style (documented in `--help` and the README).

use std::process::ExitCode;

use ewsdiag::model::Summary;

/// The exit statuses `scan` and `inspect` end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// 0: at least one error, warning or alert was found.
    Found = 0,
    /// 1: nothing was found.
    Nothing = 1,
    /// 2: trouble: bad arguments or an unreadable input (even if other inputs
    /// had findings).
    Trouble = 2,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// The status a finished run ends with. Under `--quiet` a match wins over an
/// unreadable input, as in grep and ripgrep: the question asked was "is it
/// there?", and the answer is yes.
pub(crate) fn status(summary: &Summary, quiet: bool) -> ExitCode {
    let status = if quiet && summary.has_problems() {
        Status::Found
    } else if !summary.unreadable.is_empty() {
        Status::Trouble
    } else if summary.has_problems() {
        Status::Found
    } else {
        Status::Nothing
    };
    status.into()
}
