//! `ewsdiag explain`: the knowledge base's page for one code, or `--list`.
//!
//! Behaves like `rustc --explain`: plain Markdown when stdout is a pipe or a
//! file (easy to snapshot, easy to paste into a ticket), a wrapped page with
//! light styling when it is a terminal, or the entry's data with `--format
//! json`. The terminal decisions (TTY, `NO_COLOR`, `TERM=dumb`, `COLUMNS`) are
//! made here and nowhere in the library.

use std::env;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use ewsdiag::diagnose::{MailboxCodes, diagnose};
use ewsdiag::kb::{self, Entry, KnowledgeBase, ListFilter, render};
use ewsdiag::model::Encoding;
use ewsdiag::scan::{Event, ScanConfig, SourceInfo, scan_bytes};

use crate::cli::{ExplainArgs, ExplainFormat};

/// Width used when the terminal does not say (`COLUMNS` unset or unreadable).
const DEFAULT_WIDTH: usize = 80;

pub(crate) fn run(args: &ExplainArgs) -> ExitCode {
    let page = match args.code.as_deref() {
        Some(code) => code_page(code, args.format),
        None => list_page(args),
    };
    match page {
        Ok(text) => print(&text),
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// The page for one code, or the error and "did you mean" to print instead.
fn code_page(query: &str, format: ExplainFormat) -> Result<String, String> {
    let base = kb::knowledge_base();
    let mut readings = base.readings(query);
    if readings.is_empty() {
        readings = found_in_text(query, base);
    }
    if readings.is_empty() {
        return Err(unknown(query, base));
    }
    if format == ExplainFormat::Json {
        return render::readings_to_json(&readings).map_err(|e| format!("error: cannot write JSON: {e}"));
    }
    Ok(if io::stdout().is_terminal() {
        render::readings_to_terminal(&readings, terminal_width(), wants_color())
    } else {
        render::readings_to_markdown(&readings)
    })
}

/// A query that is no code may be a pasted line (`Exchange.server returned 363
/// error.`): the scanner reads it as it would a log, and the first finding's
/// entry answers; failing that, the first word that is a code's own name
/// (`AADSTS50076:`, `IsvAborted`). Says on stderr what it found, so the answer
/// is not a surprise.
fn found_in_text(text: &str, base: &'static KnowledgeBase) -> Vec<&'static Entry> {
    if !text.contains(|c: char| c.is_whitespace() || c == '<' || c == '{') {
        return Vec::new();
    }
    let source = SourceInfo { path: "-".to_owned(), encoding: Encoding::Utf8 };
    let (events, _) = scan_bytes(text.as_bytes(), &source, &ScanConfig::default());
    let seen = MailboxCodes::default();
    for event in events {
        let Event::Finding(finding) = event else { continue };
        if let Some(d) = diagnose(&finding, base, &seen) {
            let inner = finding.inner_code.as_deref().filter(|i| *i != kb::unqualified(d.code));
            let with = inner.map(|i| format!(" with `{i}`")).unwrap_or_default();
            eprintln!("note: the text carries `{}`{with}, read as {}", finding.code, d.code);
            return base.lookup(d.code).into_iter().collect();
        }
    }
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    for word in words.filter(|w| looks_like_a_code(w)) {
        if let Some(entry) = base.lookup(word) {
            eprintln!("note: the text carries `{word}`, read as {}", entry.id);
            return vec![entry];
        }
    }
    Vec::new()
}

/// A word written like a code rather than like prose: an `AADSTS` number, or a
/// name of six or more letters with a capital after its first (`IsvAborted`).
/// Ordinary words (`Forbidden`, `Duplicate`) are left to the scanner, which
/// knows the sentences they stand in.
fn looks_like_a_code(word: &str) -> bool {
    let aadsts = word.len() > 6
        && word[..6].eq_ignore_ascii_case("aadsts")
        && word[6..].bytes().all(|b| b.is_ascii_digit());
    let camel = word.len() >= 6 && word.chars().skip(1).any(|c| c.is_ascii_uppercase());
    aadsts || camel
}

/// The error for a query nothing answers: the nearest names, or where to look.
fn unknown(query: &str, base: &KnowledgeBase) -> String {
    let mut message = format!("error: unknown code `{query}`");
    if query.contains(char::is_whitespace) {
        message.push_str(
            "\nhelp: no known code was found in that text; `ewsdiag inspect` reads a whole payload (paste it on standard input)",
        );
        return message;
    }
    match base.suggest(query).as_slice() {
        [] => message.push_str("\nhelp: `ewsdiag explain --list` shows every known code"),
        [best, others @ ..] => {
            message.push_str(&format!("\nhelp: did you mean {best}?"));
            if !others.is_empty() {
                message.push_str(&format!("\nhelp: also close: {}", others.join(", ")));
            }
        }
    }
    message
}

/// `--list`, filtered by `--category` and `--transient`; a filter value that
/// could never match is refused, not answered with an empty list.
fn list_page(args: &ExplainArgs) -> Result<String, String> {
    if let Some(category) = args.category.as_deref()
        && !kb::is_category(category)
    {
        return Err(format!(
            "error: unknown category `{category}`\nhelp: the categories are: {}; the folders: {}",
            kb::CATEGORIES.join(", "),
            kb::FOLDERS.join(", ")
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
    let entries = kb::knowledge_base().list(&filter);
    match args.format {
        ExplainFormat::Json => {
            render::list_to_json(&entries).map_err(|e| format!("error: cannot write JSON: {e}"))
        }
        ExplainFormat::Human => Ok(render::list(&entries)),
    }
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
    let mut out = crate::pager::Output::start();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the page: {e}");
            ExitCode::from(2)
        }
    }
}
