//! The command line, as clap types. Nothing here leaves the binary: `main.rs`
//! turns these into the library's configuration once.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use jiff::Timestamp;

const EXIT_STATUS: &str = "\
Exit status:
  0  at least one error, warning or alert was found
  1  nothing was found
  2  trouble: bad arguments, an unreadable input, an unknown code for explain";

/// The command, for the completions and the manual page.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The version line: the package version, the commit it was built from
/// (`unknown` when built without git) and the date of the knowledge base's
/// facts, which change by the month:
/// `0.1.0 (commit 444b837a1c2e, knowledge base 2026-11-27)`.
fn version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let commit = option_env!("EWSDIAG_COMMIT").unwrap_or("unknown");
        format!("{} (commit {commit}, knowledge base {})", env!("CARGO_PKG_VERSION"), ewsdiag::kb::date())
    });
    &VERSION
}

/// Finds Exchange Web Services errors and Dynamics 365 server-side
/// synchronization alerts in logs, and says what went wrong and how to fix it.
#[derive(Debug, Parser)]
#[command(name = "ewsdiag", version = version(), after_long_help = EXIT_STATUS)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Never page long output (`--format human`, `explain`).
    ///
    /// On a terminal, long output goes through $PAGER, or `less -FRX` when
    /// PAGER is unset (`-F` quits at once when the output fits one screen).
    /// PAGER set to an empty value or to `cat` also turns paging off.
    #[arg(long, global = true)]
    pub no_pager: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders for EWS errors and sync alerts.
    #[command(after_long_help = EXIT_STATUS)]
    Scan(ScanArgs),
    /// Parse one payload, from a file or pasted on standard input.
    #[command(after_long_help = EXIT_STATUS)]
    Inspect(InspectArgs),
    /// Explain an error code (EWS, Dynamics 365 sync, HTTP, Microsoft Graph, Entra) or a symptom.
    #[command(after_long_help = EXIT_STATUS)]
    Explain(ExplainArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_long_help = COMPLETIONS)]
    Completions {
        /// The shell to complete for.
        shell: Shell,
    },
    /// Print the manual page (roff), for `man`.
    #[command(after_long_help = MAN)]
    Man,
    /// Print the JSON Schema of the `--format ndjson` lines.
    Schema,
}

const COMPLETIONS: &str = "\
Install:
  bash        ewsdiag completions bash > ~/.local/share/bash-completion/completions/ewsdiag
  zsh         ewsdiag completions zsh > ~/.zfunc/_ewsdiag   (with fpath+=~/.zfunc before compinit)
  fish        ewsdiag completions fish > ~/.config/fish/completions/ewsdiag.fish
  powershell  ewsdiag completions powershell >> $PROFILE
  elvish      ewsdiag completions elvish >> ~/.config/elvish/rc.elv";

const MAN: &str = "\
Install:
  ewsdiag man > ~/.local/share/man/man1/ewsdiag.1   then: man ewsdiag";

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan; `-` reads standard input.
    ///
    /// With no PATH, standard input is read when it is a pipe or a file
    /// (`zcat logs.gz | ewsdiag scan`); on a terminal the current folder is
    /// scanned instead, as ripgrep does.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub summary: SummaryArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Worker threads (0: one per core).
    ///
    /// At most 4 per core: more only add overhead, and a larger number is
    /// lowered with a word on standard error.
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Print the CPU time of each phase to standard error at the end (for
    /// the benchmark).
    #[arg(long, hide = true)]
    pub timings: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Summary")]
pub struct SummaryArgs {
    /// Show the top N root causes [default: one screen].
    ///
    /// Root causes are ranked by the mailboxes they hit. By default as many
    /// are shown as fit the terminal's height (LINES, else 40 lines).
    #[arg(long, value_name = "N", conflicts_with = "all",
          value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub top: Option<usize>,
    /// Show every root cause.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Only findings with this code, any spelling (repeatable).
    ///
    /// Any alias the knowledge base knows matches: `--code 363` finds
    /// `ErrorServerBusy`, `--code -2147220891` finds the same HRESULT in hex
    /// or `Crm.` form. An unknown code matches its own text, ignoring case.
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub code: Vec<String>,
    /// Only findings about this mailbox, any case (repeatable).
    #[arg(long, value_name = "NAME")]
    pub mailbox: Vec<String>,
    /// Only findings from WHEN on: a date, a time or `7d`.
    ///
    /// WHEN is a date (`2026-11-20`), a date and time (`2026-11-20T08:15`,
    /// with `Z` or `+01:00` for a zone) or a span back from now (`7d`, `12h`,
    /// `2w`). Times without a zone, in the bound and in the logs, are taken
    /// as UTC. Findings with no time are left out.
    #[arg(long, value_name = "WHEN", value_parser = parse_time)]
    pub since: Option<Timestamp>,
    /// Only findings up to WHEN (same forms as --since).
    #[arg(long, value_name = "WHEN", value_parser = parse_time)]
    pub until: Option<Timestamp>,
    /// Report at most N findings per input.
    ///
    /// Counted after the other filters; the totals say how many were left out.
    #[arg(short = 'm', long, value_name = "N")]
    pub max_count: Option<u64>,
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    ewsdiag::filter::parse_bound(text, Timestamp::now()).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Walking folders")]
pub struct WalkArgs {
    /// Include paths matching GLOB, or exclude with `!GLOB`.
    ///
    /// `-g '*.log'` scans only logs, `-g '!*.gz'` leaves gzip files out.
    /// Repeatable.
    #[arg(short = 'g', long, value_name = "GLOB")]
    pub glob: Vec<String>,
    /// Scan hidden files and folders too.
    #[arg(long)]
    pub hidden: bool,
    /// Do not honour .gitignore, .ignore and git exclude files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(short = 'L', long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The file to read; `-` or nothing reads standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code: an EWS name (with or without `Error`), an HTTP status, an
    /// HRESULT (signed or hex), a `Crm.` code, a ServiceError number, a sync
    /// status name, an AADSTS code, `graph:NAME` for Microsoft Graph's reading,
    /// a symptom, or a pasted alert line.
    #[arg(
        value_name = "CODE",
        allow_negative_numbers = true,
        required_unless_present_any = ["list", "category", "transient"]
    )]
    pub code: Option<String>,
    /// List the known codes instead (implied by --category and --transient).
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
    /// List only codes of this category (e.g. `throttling/quota`, `symptom`) or folder (`graph`).
    #[arg(long, conflicts_with = "code")]
    pub category: Option<String>,
    /// List only codes whose errors clear by retrying (`yes`, `no`, `sometimes`).
    #[arg(long, conflicts_with = "code")]
    pub transient: Option<String>,
    /// Output format: a page for people, or the entry's data as JSON.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// How `explain` writes its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Markdown into a pipe, a wrapped page on a terminal.
    Human,
    /// The entry's data as one JSON object (an array with --list).
    Json,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format [default: summary; inspect: human].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// When to colour: auto, always, never.
    ///
    /// `auto` colours a terminal unless NO_COLOR is set or TERM=dumb
    /// (CLICOLOR_FORCE=1 forces it); `always` and `never` decide outright.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, hide_possible_values = true)]
    pub color: ColorChoice,
    /// Plain sentences instead of drawings (screen readers).
    #[arg(long)]
    pub narrate: bool,
    /// Also report successful responses (`NoError`).
    #[arg(long)]
    pub show_success: bool,
    /// Replace names, addresses, GUIDs, IPs with pseudonyms.
    ///
    /// Addresses, mailbox, profile, user and host names, GUIDs and IP
    /// addresses become stable pseudonyms (`mailbox-1`,
    /// `user-2@domain-1.example`) in every format, so the report can be
    /// shared.
    #[arg(long)]
    pub redact: bool,
    /// Pseudonyms derived from FILE (implies --redact).
    ///
    /// With --redact: derive pseudonyms from the contents of FILE, so they
    /// stay the same across runs that use the same file.
    #[arg(long, value_name = "FILE")]
    pub redact_key: Option<PathBuf>,
    /// Print nothing; the exit status tells what was found.
    ///
    /// Unreadable inputs are still named on standard error, but the status
    /// is 0 when something was found even if an input could not be read.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Start CSV output with a byte order mark (for Excel).
    ///
    /// Without it the CSV is plain RFC 4180 UTF-8, as scripts expect; Excel
    /// needs the mark to read accented names as UTF-8.
    #[arg(long)]
    pub csv_bom: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Largest payload read as one window, in bytes.
    ///
    /// A longer one is reported as oversized.
    /// At most 2 GiB: positions inside a decoded window are kept as 32-bit
    /// offsets, and the window also holds the text before the payload.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_PAYLOAD))]
    pub max_payload: usize,
}

/// The largest `--max-payload`: half the range of the `u32` positions a
/// decoded view keeps (`scan::view`), leaving the other half for the look-back
/// and the read that share its buffer.
pub const MAX_PAYLOAD: u64 = 1 << 31;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One screen: the root causes ranked by mailboxes hit, then totals.
    Summary,
    /// Every finding drawn with its payload, causes and fix, then the summary.
    Human,
    /// One JSON object per line, then a summary line.
    Ndjson,
    /// One JSON document.
    Json,
    /// One row per finding, for a spreadsheet.
    Csv,
    /// One self-contained web page to share: root causes first, then every finding.
    Html,
}
