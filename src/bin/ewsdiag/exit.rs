//! Exit status, grep-style (documented in `--help` and the README).

use std::process::ExitCode;

use ewsdiag::run::Summary;

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

/// The status a finished run ends with.
pub(crate) fn status(summary: &Summary) -> ExitCode {
    let status = if !summary.unreadable.is_empty() {
        Status::Trouble
    } else if summary.has_problems() {
        Status::Found
    } else {
        Status::Nothing
    };
    status.into()
}
