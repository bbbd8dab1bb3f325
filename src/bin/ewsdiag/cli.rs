//! The command line, as clap types. Nothing here leaves the binary: `main.rs`
//! turns these into the library's configuration once.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_STATUS: &str = "\
Exit status:
  0  at least one error, warning or alert was found
  1  nothing was found
  2  trouble: bad arguments, an unreadable input, an unknown code for explain";

/// The version line: the package version and the date of the knowledge base's
/// facts, which change by the month.
fn version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{} (knowledge base {})", env!("CARGO_PKG_VERSION"), ewsdiag::kb::date())
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
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan; `-` reads standard input.
    #[arg(value_name = "PATH", default_value = "-")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Print the CPU time of each phase to standard error at the end (for
    /// the benchmark).
    #[arg(long, hide = true)]
    pub timings: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Walking folders")]
pub struct WalkArgs {
    /// Include or exclude files whose path matches GLOB (`*.log`; `!*.gz` excludes). Repeatable.
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
    /// Output format [default: summary for scan, human for inspect].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// When to use colour: `auto` colours a terminal unless NO_COLOR is set or
    /// TERM=dumb (CLICOLOR_FORCE=1 forces it).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Plain sentences instead of drawings, for screen readers.
    #[arg(long)]
    pub narrate: bool,
    /// Also report successful responses (`NoError`).
    #[arg(long)]
    pub show_success: bool,
    /// Replace addresses, mailbox, profile, user and host names, GUIDs and IP
    /// addresses with stable pseudonyms (`mailbox-1`, `user-2@domain-1.example`)
    /// in every format, so the report can be shared.
    #[arg(long)]
    pub redact: bool,
    /// With --redact: derive pseudonyms from the contents of FILE, so they stay
    /// the same across runs that use the same file (implies --redact).
    #[arg(long, value_name = "FILE")]
    pub redact_key: Option<PathBuf>,
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
    /// Largest payload read as one window, in bytes; a longer one is reported
    /// as oversized.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_payload: usize,
}

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
