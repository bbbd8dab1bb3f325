//! Long output on a terminal goes through a pager, as git and gh do: `$PAGER`,
//! else `less -FRX` (`-F` quits at once when the text fits one screen, `-R`
//! passes colours, `-X` leaves the text on the screen afterwards).
//!
//! Only when standard output is a terminal, never when `--no-pager` is given,
//! and not when `PAGER` is empty or `cat`. A pager that cannot be started is
//! no failure: the text goes straight to standard output. As git does, `LESS`
//! is set to `FRX` when unset, so a `PAGER=less` passes colours too.

use std::env;
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

/// `--no-pager`, set once from the command line before any output.
static DISABLED: AtomicBool = AtomicBool::new(false);

/// Turns paging off for this run (`--no-pager`).
pub(crate) fn disable() {
    DISABLED.store(true, Ordering::Relaxed);
}

/// Where long output goes: a pager's input, or standard output.
pub(crate) struct Output {
    pager: Option<(Child, ChildStdin)>,
}

impl Output {
    /// A pager when the rules above allow one, else standard output.
    pub(crate) fn start() -> Output {
        let wanted = !DISABLED.load(Ordering::Relaxed) && io::stdout().is_terminal();
        let pager = wanted.then(|| command(env::var_os("PAGER"))).flatten().and_then(|mut command| {
            if env::var_os("LESS").is_none() {
                command.env("LESS", "FRX");
            }
            let mut child = command.stdin(Stdio::piped()).spawn().ok()?;
            let stdin = child.stdin.take()?;
            Some((child, stdin))
        });
        Output { pager }
    }
}

impl Drop for Output {
    /// Closes the pager's input and waits until the reader quits it, so the
    /// shell prompt does not come back under the pager.
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.pager.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.pager {
            Some((_, stdin)) => stdin.write(buf),
            None => io::stdout().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.pager {
            Some((_, stdin)) => stdin.flush(),
            None => io::stdout().flush(),
        }
    }
}

/// The pager to run for the value of `PAGER`, or `None` when it asks for none.
fn command(pager: Option<OsString>) -> Option<Command> {
    let text = pager.as_ref().map(|p| p.to_string_lossy().trim().to_owned());
    match text.as_deref() {
        Some("" | "cat") => None,
        Some(_) => pager.map(shell),
        None => {
            let mut less = Command::new("less");
            less.arg("-FRX");
            Some(less)
        }
    }
}

/// `PAGER` may hold options (`less -S`), so it runs through the shell, as git
/// runs it.
#[cfg(unix)]
fn shell(pager: OsString) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(pager);
    sh
}

#[cfg(not(unix))]
fn shell(pager: OsString) -> Command {
    let text = pager.to_string_lossy().into_owned();
    let mut words = text.split_whitespace();
    let mut command = Command::new(words.next().unwrap_or("more"));
    command.args(words);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(pager: Option<&str>) -> Option<(String, Vec<String>)> {
        let command = command(pager.map(OsString::from))?;
        let args = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        Some((command.get_program().to_string_lossy().into_owned(), args))
    }

    #[test]
    fn less_with_quit_if_one_screen_when_pager_is_unset() {
        assert_eq!(program(None), Some(("less".to_owned(), vec!["-FRX".to_owned()])));
    }

    #[test]
    fn an_empty_pager_or_cat_means_no_pager() {
        assert_eq!(program(Some("")), None);
        assert_eq!(program(Some(" cat ")), None);
    }

    #[cfg(unix)]
    #[test]
    fn pager_runs_through_the_shell_so_it_may_carry_options() {
        assert_eq!(
            program(Some("less -S")),
            Some(("sh".to_owned(), vec!["-c".to_owned(), "less -S".to_owned()]))
        );
    }
}
