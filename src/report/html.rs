//! `--format html`: one self-contained page to send on: the ranked root causes
//! first (mailboxes, times, fix steps), then every finding with its payload,
//! the code marked, and its likely causes.
//!
//! The page needs nothing else: the style sheet is inline, there is no script
//! and no external resource, so it reads the same offline, in a mail client's
//! preview or printed. Colours follow the reader's light or dark preference.
//! Everything that comes from the input is escaped by the template engine
//! (maud); only the fixed style sheet is written as is.
//!
//! Each finding is turned into markup by [`finding`], a pure function, on the
//! thread that found it (the format's [`FindingWriter`]); the page is written
//! at the end, when the summary it opens on is known, so the markup of every
//! finding is held until then: in memory up to 8 MiB, then in an unnamed
//! temporary file.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::notes::Notes;
use super::{FindingWriter, Report};
use crate::model::{Class, Clue, Confidence, Finding, Malformed, Note, RootCause, Summary, Transient};

/// At most this many bytes of a payload are shown; the rest is named.
const PAYLOAD_SHOWN: usize = 16 * 1024;
/// At most this many mailboxes are listed under a root cause.
const MAILBOXES_SHOWN: usize = 24;

/// Writes one HTML page to `out`; read failures also go to `err`.
pub struct Html<W: Write, E: Write> {
    out: W,
    err: E,
    /// The findings' markup, in input order.
    findings: Spool,
    count: usize,
    notes: Notes,
}

impl<W: Write, E: Write> Html<W, E> {
    /// A renderer writing the page to `out`, with read failures also going to `err`.
    pub fn new(out: W, err: E) -> Self {
        Html { out, err, findings: Spool::default(), count: 0, notes: Notes::default() }
    }
}

/// Writes each finding's markup on the thread that found it.
struct Markups;

impl FindingWriter for Markups {
    fn write(&mut self, f: &Finding, out: &mut Vec<u8>) {
        out.extend_from_slice(finding(f).into_string().as_bytes());
    }
}

impl<W: Write, E: Write> Report for Html<W, E> {
    fn writer(&self) -> Option<Box<dyn FindingWriter>> {
        Some(Box::new(Markups))
    }

    fn written(&mut self, bytes: &[u8], findings: usize) -> io::Result<()> {
        self.count += findings;
        self.findings.push(bytes)
    }

    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.count += 1;
        self.findings.push(finding(f).into_string().as_bytes())
    }

    fn malformed(&mut self, malformed: &Malformed) -> io::Result<()> {
        self.notes.malformed(malformed);
        Ok(())
    }

    fn skipped(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.notes.skipped(path, reason);
        Ok(())
    }

    fn unreadable(&mut self, path: &str, reason: &str) -> io::Result<()> {
        self.notes.unreadable(&mut self.err, path, reason);
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let Notes { malformed, skipped, unreadable } = &self.notes;
        let page = page(summary, self.count, malformed, skipped, unreadable).into_string();
        // Input text is escaped, so the marker can only be the template's own.
        let (before, after) = page.split_once(FINDINGS_GO_HERE).unwrap_or((&page, ""));
        self.out.write_all(before.as_bytes())?;
        self.findings.copy_to(&mut self.out)?;
        self.out.write_all(after.as_bytes())?;
        self.out.flush()
    }
}

/// Where the findings' markup goes in the page.
const FINDINGS_GO_HERE: &str = "<!--ewsdiag:findings-->";

/// Markup waiting for the end of the run: in memory up to this many bytes,
/// then in an unnamed temporary file, so a run with many findings keeps its
/// memory small.
const SPOOL_MEMORY: usize = 8 << 20;

/// The findings' markup, in memory or, past [`SPOOL_MEMORY`], in a temporary file.
#[derive(Default)]
struct Spool {
    memory: Vec<u8>,
    file: Option<io::BufWriter<File>>,
}

impl Spool {
    fn push(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(file) = self.file.as_mut() {
            return file.write_all(bytes);
        }
        self.memory.extend_from_slice(bytes);
        if self.memory.len() > SPOOL_MEMORY {
            let mut file = io::BufWriter::new(tempfile::tempfile()?);
            file.write_all(&std::mem::take(&mut self.memory))?;
            self.file = Some(file);
        }
        Ok(())
    }

    fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.file.take() {
            Some(file) => {
                let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.seek(SeekFrom::Start(0))?;
                io::copy(&mut file, out).map(drop)
            }
            None => out.write_all(&self.memory),
        }
    }
}

/// The whole page, with a marker where the findings' markup goes.
fn page(
    summary: &Summary,
    count: usize,
    malformed: &[Malformed],
    skipped: &[Note],
    errors: &[Note],
) -> Markup {
    let stats = &summary.stats;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { "ewsdiag report: " (plural(summary.root_causes.len(), "root cause")) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.page {
                    h1 { "EWS and server-side sync diagnosis" }
                    p.totals {
                        (plural(summary.inputs as usize, "input")) " scanned, "
                        (thousands(stats.bytes)) " bytes · "
                        strong { (plural(stats.findings as usize, "finding")) } ": "
                        (plural(stats.errors as usize, "error")) ", " (plural(stats.warnings as usize, "warning")) ", "
                        (stats.unclassed) @if stats.unclassed == 1 { " alert or other" } @else { " alerts and other" }
                        @if stats.malformed > 0 { " · " (plural(stats.malformed as usize, "unreadable payload")) }
                    }
                    nav {
                        a href="#summary" { "What went wrong" }
                        a href="#findings" { "Every finding" }
                        @if !errors.is_empty() || !skipped.is_empty() || !malformed.is_empty() {
                            a href="#inputs" { "Inputs not read" }
                        }
                    }
                }
                main {
                    section #summary {
                        h2 { "What went wrong" }
                        @if summary.root_causes.is_empty() {
                            p.empty { "Nothing to fix: no error, warning or alert was found." }
                        } @else {
                            p.lead { (plural(summary.root_causes.len(), "root cause")) ", most mailboxes first." }
                            ol.roots {
                                @for root in &summary.root_causes { (root_cause(root)) }
                            }
                        }
                    }
                    section #findings {
                        h2 { "Every finding" }
                        @if count == 0 {
                            p.empty { "No findings." }
                        }
                        div.numbered { (PreEscaped(FINDINGS_GO_HERE)) }
                    }
                    @if !errors.is_empty() || !skipped.is_empty() || !malformed.is_empty() {
                        section #inputs {
                            h2 { "Inputs not read" }
                            ul.notes {
                                @for note in errors {
                                    li.error { span.path { (note.path) } " — " (note.reason) }
                                }
                                @for note in skipped {
                                    li { span.path { (note.path) } " — skipped: " (note.reason) }
                                }
                                @for m in malformed {
                                    li { span.path { (m.path) ":" (m.span.line) ":" (m.span.column) } " — " (m.reason) }
                                }
                            }
                        }
                    }
                }
                footer { "Written by ewsdiag " (env!("CARGO_PKG_VERSION")) ". "
                    "Run " code { "ewsdiag explain CODE" } " for every cause of a code." }
            }
        }
    }
}

/// One root cause: what, whom, when, how sure, and the fix.
fn root_cause(root: &RootCause) -> Markup {
    let hidden = root.mailboxes.len().saturating_sub(MAILBOXES_SHOWN);
    html! {
        li.root {
            h3 { (root.title) }
            p.badges {
                span class=(format!("badge {}", confidence_class(root.confidence))) { (confidence(root.confidence)) }
                span.badge.transient { (transient(root.transient)) }
                span.badge { (plural(root.findings, "finding")) }
            }
            dl.facts {
                dt { "Mailboxes" }
                dd {
                    @if root.mailboxes.is_empty() { span.none { "none named" } }
                    @for mailbox in root.mailboxes.iter().take(MAILBOXES_SHOWN) { span.mailbox { (mailbox) } " " }
                    @if hidden > 0 { span.none { "and " (hidden) " more" } }
                }
                dt { "Seen" }
                dd { (seen(root.first_seen.as_deref(), root.last_seen.as_deref())) }
                dt { "Codes" }
                dd { @for code in &root.codes { code.code { (code) } " " } }
                @if !root.evidence.is_empty() {
                    dt { "Because" }
                    dd { (joined(&root.evidence)) }
                }
            }
            @if !root.fix.is_empty() {
                div.fix {
                    h4 { "Fix" }
                    ol { @for step in &root.fix { li { (step) } } }
                }
            }
        }
    }
}

/// One finding as markup: where it is, what it says, its payload with the
/// code marked, and its likely causes. A pure function of the finding.
pub fn finding(f: &Finding) -> Markup {
    let class = match f.class {
        Some(Class::Error) => "error",
        Some(Class::Warning) => "warning",
        Some(Class::Success) => "success",
        None => "alert",
    };
    let title = f.diagnosis.as_ref().map(|d| d.title);
    html! {
        article class=(format!("finding {class}")) {
            header {
                code.code { (f.code) }
                @if let Some(inner) = &f.inner_code { " → " code.code.inner { (inner) } }
                @if let Some(title) = title { span.title { (title) } }
            }
            dl.facts {
                dt { "Where" }
                dd.path { (position(f)) }
                dt { "What" }
                dd {
                    (shape_words(f))
                    @if f.class.is_some() { " (" (class) ")" }
                    @if let Some(op) = &f.operation { " · " code { (op) } }
                    @if f.truncated { " · " strong { "cut off before its end" } }
                }
                @if let Some(mailbox) = &f.mailbox { dt { "Mailbox" } dd { span.mailbox { (mailbox) } } }
                @if let Some(profile) = &f.profile { dt { "Profile" } dd { (profile) } }
                @if let Some(time) = &f.time { dt { "Time" } dd { (time) } }
                @if let Some(message) = &f.message { dt { "Message" } dd.message { (message) } }
            }
            @if !f.details.is_empty() {
                h4 { "Details" }
                dl.details {
                    @for (name, value) in &f.details { dt { (name) } dd { code { (value) } } }
                }
            }
            @if let Some(source) = &f.source { (payload(f, source)) }
            @if let Some(diagnosis) = &f.diagnosis {
                @if !diagnosis.causes.is_empty() {
                    div.causes {
                        h4 { "Likely causes" }
                        ol {
                            @for cause in &diagnosis.causes {
                                li {
                                    (cause.summary)
                                    @if !cause.evidence.is_empty() {
                                        span.evidence { " — because " (joined(&cause.evidence)) }
                                    }
                                    @if !cause.fix.is_empty() {
                                        div.steps {
                                            span.fixlabel { "Fix" }
                                            ol { @for step in cause.fix { li { (step) } } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The payload text with the code, inner code and message marked.
fn payload(f: &Finding, source: &str) -> Markup {
    let start = f.span.offset;
    let mut marks: Vec<(usize, usize, &str)> =
        [(&f.marks.code, "code"), (&f.marks.inner_code, "inner"), (&f.marks.message, "message")]
            .into_iter()
            .filter_map(|(mark, kind)| {
                let mark = mark.as_ref()?;
                let from = usize::try_from(mark.start.checked_sub(start)?).ok()?;
                let to = usize::try_from(mark.end.checked_sub(start)?).ok()?;
                (to <= source.len()
                    && source.is_char_boundary(from)
                    && source.is_char_boundary(to)
                    && from < to)
                    .then_some((from, to, kind))
            })
            .collect();
    marks.sort_by_key(|&(from, to, _)| (from, std::cmp::Reverse(to)));
    let mut shown_len = source.len().min(PAYLOAD_SHOWN);
    while !source.is_char_boundary(shown_len) {
        shown_len -= 1;
    }
    // Pieces of plain text and marked text, in order, none overlapping.
    let mut pieces: Vec<(&str, Option<&str>)> = Vec::new();
    let mut at = 0;
    for (from, to, kind) in marks {
        if from < at || to > shown_len {
            continue;
        }
        pieces.push((&source[at..from], None));
        pieces.push((&source[from..to], Some(kind)));
        at = to;
    }
    pieces.push((&source[at..shown_len], None));
    let rest = source.len() - shown_len;
    html! {
        figure.payload {
            figcaption { "Payload" }
            pre {
                @for (text, kind) in &pieces {
                    @match kind {
                        Some(kind) => mark class=(*kind) { (text) },
                        None => (text),
                    }
                }
                @if rest > 0 { "\n" span.none { "… " (thousands(rest as u64)) " more bytes in the input" } }
            }
        }
    }
}

fn position(f: &Finding) -> String {
    match (&f.sheet, &f.cell) {
        (Some(sheet), Some(cell)) => format!("{} {sheet}!{cell}", f.path),
        _ => format!("{}:{}:{}", f.path, f.span.line, f.span.column),
    }
}

fn shape_words(f: &Finding) -> &'static str {
    use crate::model::Shape;
    match f.shape {
        Shape::EwsResponse => "EWS response",
        Shape::SoapFault => "SOAP fault",
        Shape::Alert => "Dynamics 365 alert",
        Shape::Exception => ".NET exception",
        Shape::DataverseFault => "Dataverse fault",
        Shape::JsonResponse => "JSON response",
        Shape::GraphError => "Graph error",
        Shape::Aadsts => "Entra sign-in error",
        Shape::DashboardToken => "sync dashboard token",
        Shape::Mention => "code named in text",
    }
}

/// Evidence in a line, evidence against marked as such.
fn joined(clues: &[Clue]) -> String {
    clues.iter().map(Clue::to_string).collect::<Vec<_>>().join("; ")
}

fn seen(first: Option<&str>, last: Option<&str>) -> String {
    match (first, last) {
        (Some(first), Some(last)) if first != last => format!("{first} to {last}"),
        (Some(one), _) | (None, Some(one)) => one.to_string(),
        (None, None) => "no time given".to_string(),
    }
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high confidence",
        Confidence::Medium => "medium confidence",
        Confidence::Low => "low confidence",
    }
}

fn confidence_class(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn transient(t: Transient) -> &'static str {
    match t {
        Transient::Yes => "transient: retrying clears it",
        Transient::No => "permanent: something must change",
        Transient::Sometimes => "may clear by retrying",
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{} {word}s", thousands(n as u64)) }
}

use crate::model::thousands;

/// The page's style: light by default, dark on request, clean on paper.
const STYLE: &str = r##"
:root {
  --bg: #f6f7f9; --card: #ffffff; --text: #1c2230; --muted: #5b6475; --line: #dde1e8;
  --accent: #2557c7; --error: #c4314b; --warning: #b7791f; --alert: #6b46c1; --success: #2f855a;
  --mark-code: #ffe08a; --mark-inner: #ffc2cc; --mark-message: #d8e6ff; --pre: #f1f3f6;
  --mark-text: #1c2230;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151c; --card: #1b1f29; --text: #e4e7ee; --muted: #9aa3b5; --line: #2e3443;
    --accent: #7ea6ff; --error: #ff7a90; --warning: #f6c15b; --alert: #b79cff; --success: #68d391;
    --mark-code: #7a5d00; --mark-inner: #7d2436; --mark-message: #23406f; --pre: #141821;
    --mark-text: #ffffff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.page, main, footer { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
header.page { padding-top: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 .4rem; }
h4 { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: .9rem 0 .3rem; }
p.totals, p.lead, .empty { color: var(--muted); margin: .25rem 0; }
nav { display: flex; gap: 1rem; margin: .75rem 0 0; }
nav a { color: var(--accent); text-decoration: none; font-weight: 600; }
code, pre, .path { font-family: ui-monospace, "Cascadia Mono", "SFMono-Regular", Consolas, "Liberation Mono", monospace; font-size: .88em; }
ol.roots { list-style: none; counter-reset: root; padding: 0; margin: 0; }
li.root, article.finding { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 1rem 1.25rem; margin: 0 0 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.05); break-inside: avoid; }
li.root { counter-increment: root; position: relative; padding-left: 3.5rem; border-left: 5px solid var(--accent); }
li.root::before { content: counter(root); position: absolute; left: 1rem; top: .9rem; width: 1.8rem; height: 1.8rem;
  border-radius: 50%; background: var(--accent); color: var(--card); font-weight: 700; text-align: center; line-height: 1.8rem; }
.badges { margin: 0 0 .5rem; display: flex; flex-wrap: wrap; gap: .4rem; }
.badge { display: inline-block; font-size: .78rem; padding: .1rem .55rem; border-radius: 999px;
  border: 1px solid var(--line); color: var(--muted); }
.badge.high { border-color: var(--success); color: var(--success); }
.badge.medium { border-color: var(--warning); color: var(--warning); }
.badge.low { border-color: var(--muted); }
dl.facts { display: grid; grid-template-columns: 6rem 1fr; gap: .2rem 1rem; margin: .25rem 0; }
dl.facts dt { color: var(--muted); font-size: .88rem; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.mailbox { display: inline-block; background: var(--pre); border: 1px solid var(--line); border-radius: 4px; padding: 0 .35rem; margin: 0 .1rem .15rem 0; }
.none { color: var(--muted); font-style: italic; }
code.code { font-weight: 700; }
.fix { border-left: 3px solid var(--success); padding-left: .75rem; margin-top: .6rem; }
.fix h4 { margin-top: 0; color: var(--success); }
.fix ol, .causes ol { margin: .2rem 0 0; padding-left: 1.4rem; }
.fix li, .causes li { margin: .15rem 0; }
div.steps { font-size: .92rem; margin: .3rem 0 .5rem; padding: .4rem .75rem; border-radius: 6px; background: var(--pre); }
.fixlabel { font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: var(--success); }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; font-size: .88rem; }
dl.details dt { color: var(--muted); }
dl.details dd { margin: 0; overflow-wrap: anywhere; }
.evidence { color: var(--muted); font-size: .9rem; }
article.finding { border-left: 5px solid var(--alert); }
article.finding.error { border-left-color: var(--error); }
article.finding.warning { border-left-color: var(--warning); }
article.finding.success { border-left-color: var(--success); }
article.finding header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .6rem; margin-bottom: .4rem; }
article.finding header code.code { font-size: 1rem; }
article.finding header .title { font-weight: 600; }
.numbered { counter-reset: finding; }
article.finding { position: relative; counter-increment: finding; }
article.finding::before { content: "#" counter(finding); position: absolute; right: 1rem; top: .8rem; color: var(--muted); font-size: .8rem; }
figure.payload { margin: .6rem 0 0; }
figcaption { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin-bottom: .2rem; }
pre { background: var(--pre); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .75rem; margin: 0;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; overflow: auto; }
mark { color: var(--mark-text); border-radius: 3px; padding: 0 .1rem; }
mark.code { background: var(--mark-code); font-weight: 700; outline: 1px solid var(--warning); }
mark.inner { background: var(--mark-inner); font-weight: 700; }
mark.message { background: var(--mark-message); }
ul.notes { padding-left: 1.2rem; }
ul.notes li.error .path { color: var(--error); }
footer { color: var(--muted); font-size: .85rem; padding-top: 1rem; padding-bottom: 2rem; }
@media print {
  :root { --bg: #ffffff; --card: #ffffff; --text: #000000; --muted: #444444; --line: #bbbbbb; --pre: #f4f4f4; --mark-text: #000000; }
  body { font-size: 11pt; }
  nav { display: none; }
  li.root, article.finding { box-shadow: none; }
  pre { max-height: none; overflow: visible; }
  h2 { break-after: avoid; }
  #findings { break-before: page; }
}
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Shape;

    #[test]
    fn text_from_the_input_is_escaped() {
        let mut f = Finding::new(Shape::EwsResponse, "ErrorAccessDenied");
        f.message = Some("<script>alert(1)</script> & \"quoted\"".into());
        f.mailbox = Some("<b>Rosa</b>".into());
        let markup = finding(&f).into_string();
        assert!(!markup.contains("<script>") && !markup.contains("<b>Rosa"), "{markup}");
        assert!(markup.contains("&lt;script&gt;") && markup.contains("&amp;"), "{markup}");
    }

    #[test]
    fn the_code_is_marked_in_the_payload() {
        let source = "<m:ResponseCode>ErrorServerBusy</m:ResponseCode>";
        let mut f = Finding::new(Shape::EwsResponse, "ErrorServerBusy");
        f.span.offset = 40;
        f.marks.code = Some(40 + 16..40 + 16 + 15);
        f.source = Some(source.into());
        let markup = finding(&f).into_string();
        assert!(markup.contains(r#"<mark class="code">ErrorServerBusy</mark>"#), "{markup}");
        assert!(markup.contains("&lt;m:ResponseCode&gt;"), "{markup}");
    }

    #[test]
    fn a_mark_outside_the_text_or_inside_a_character_is_left_out() {
        let mut f = Finding::new(Shape::Alert, "X");
        f.source = Some("é".into());
        f.marks.code = Some(1..2);
        f.marks.message = Some(0..9);
        let markup = finding(&f).into_string();
        assert!(!markup.contains("<mark"), "{markup}");
    }

    #[test]
    fn markup_past_the_memory_limit_waits_in_a_file_and_comes_back_whole() {
        let mut spool = Spool::default();
        let chunk: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
        for _ in 0..4 {
            spool.push(&chunk).unwrap();
        }
        spool.push(b"end").unwrap();
        assert!(spool.file.is_some() && spool.memory.is_empty(), "12 MiB went to a file");
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(out.len(), 4 * chunk.len() + 3);
        assert!(out.chunks(chunk.len()).take(4).all(|c| c == chunk.as_slice()) && out.ends_with(b"end"));
    }

    #[test]
    fn the_page_puts_the_findings_where_the_marker_stands_once() {
        let mut out = Vec::new();
        {
            let mut html = Html::new(&mut out, Vec::new());
            html.finding(&Finding::new(Shape::SoapFault, "ErrorServerBusy")).unwrap();
            html.finish(&Summary::default()).unwrap();
        }
        let page = String::from_utf8(out).unwrap();
        assert!(!page.contains(FINDINGS_GO_HERE));
        assert_eq!(page.matches("<article class=\"finding").count(), 1);
        assert!(page.find("ErrorServerBusy") > page.find(r#"id="findings""#));
    }

    #[test]
    fn numbers_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(plural(1, "finding"), "1 finding");
        assert_eq!(plural(2, "finding"), "2 findings");
    }
}
