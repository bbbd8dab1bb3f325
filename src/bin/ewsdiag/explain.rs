//! `ewsdiag explain`: the knowledge base's page for one code, or `--list`.
//!
//! Behaves like `rustc --explain`: plain Markdown when stdout is a pipe or a
//! file (easy to snapshot, easy to paste into a ticket), a wrapped page with
//! light styling when it is a terminal. The terminal decisions (TTY, `NO_COLOR`,
//! `TERM=dumb`, `COLUMNS`) are made here and nowhere in the library.

use std::env;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use ewsdiag::kb::{self, ListFilter, render};

use crate::cli::ExplainArgs;

/// Width used when the terminal does not say (`COLUMNS` unset or unreadable).
const DEFAULT_WIDTH: usize = 80;

pub(crate) fn run(args: &ExplainArgs) -> ExitCode {
    let page = if args.list { list_page(args) } else { code_page(args.code.as_deref().unwrap_or_default()) };
    match page {
        Ok(text) => print(&text),
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// The page for one code, or the error and "did you mean" to print instead.
fn code_page(query: &str) -> Result<String, String> {
    let base = kb::knowledge_base();
    let Some(entry) = base.lookup(query) else {
        let mut message = format!("error: unknown code `{query}`");
        match base.suggest(query).as_slice() {
            [] => message.push_str("\nhelp: `ewsdiag explain --list` shows every known code"),
            [best, others @ ..] => {
                message.push_str(&format!("\nhelp: did you mean {best}?"));
                if !others.is_empty() {
                    message.push_str(&format!("\nhelp: also close: {}", others.join(", ")));
                }
            }
        }
        return Err(message);
    };
    let stdout = io::stdout();
    Ok(if stdout.is_terminal() {
        render::to_terminal(entry, terminal_width(), wants_color())
    } else {
        render::to_markdown(entry)
    })
}

/// `--list`, filtered by `--category` and `--transient`; a filter value that
/// could never match is refused, not answered with an empty list.
fn list_page(args: &ExplainArgs) -> Result<String, String> {
    if let Some(category) = args.category.as_deref()
        && !kb::is_category(category)
    {
        return Err(format!(
            "error: unknown category `{category}`\nhelp: the categories are: {}",
            kb::CATEGORIES.join(", ")
        ));
    }
    let transient = match args.transient.as_deref() {
        None => None,
        Some(text) => Some(
            kb::parse_transient(text)
                .ok_or_else(|| format!("error: --transient takes yes, no or sometimes, not `{text}`"))?,
        ),
    };
    let filter = ListFilter { category: args.category.clone(), transient };
    Ok(render::list(&kb::knowledge_base().list(&filter)))
}

/// Colour unless the user or the terminal says no (<https://no-color.org>).
fn wants_color() -> bool {
    env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && env::var_os("TERM").is_none_or(|t| t != "dumb")
}

fn terminal_width() -> usize {
    env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()).filter(|w| *w > 0).unwrap_or(DEFAULT_WIDTH)
}

/// Writes the page. A reader that went away (`explain --list | head`) is not a
/// failure of ours, so a broken pipe ends quietly with success.
fn print(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the page: {e}");
            ExitCode::from(2)
        }
    }
}
