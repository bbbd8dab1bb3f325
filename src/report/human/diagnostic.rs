//! Findings as miette diagnostics, implemented by hand because the code, the
//! help and the link come from the knowledge base at run time (STYLE point 8).
//!
//! One diagnostic says, top to bottom: the namespaced code (`ews::…`,
//! `sss::…`); what went wrong in one line, with the operation, mailbox and
//! time; the payload with the code, the message and the inner code labelled;
//! then, as help, the likely causes in order with their evidence and the fix
//! for the likeliest one.

use std::fmt;
use std::ops::Range;

use miette::{Diagnostic, LabeledSpan, Severity, SourceCode};

use super::source::{Label, PayloadSource};
use super::text::wrap;
use crate::kb;
use crate::model::{Class, Finding, Shape, Transient};

/// How many ranked causes the help lists; the rest are counted and left to
/// `ewsdiag explain`, so one finding still fits on one screen.
const CAUSES_SHOWN: usize = 3;

/// How many `MessageXml` values the heading names.
const DETAILS_SHOWN: usize = 3;

/// `MessageXml` values the heading leaves out (lower case): the payload and
/// the title already say them.
const NOT_SHOWN: &[&str] = &["date", "exceptiontype", "httpstatus"];

/// One finding, ready to render.
#[derive(Debug)]
pub(crate) struct FindingDiagnostic {
    code: String,
    severity: Severity,
    heading: String,
    help: Option<String>,
    url: Option<String>,
    source: Option<PayloadSource>,
    labels: Vec<LabeledSpan>,
    related: Vec<FindingDiagnostic>,
}

impl FindingDiagnostic {
    /// Builds the diagnostic for `f`. `help_width` is the room help lines get;
    /// `source_width` the room for payload lines; `shown` the codes of the
    /// finding whose help is shown just above (a related finding that repeats
    /// one of them only says so).
    pub(super) fn new(f: &Finding, help_width: usize, source_width: usize, shown: &[&str]) -> Self {
        let code = match &f.diagnosis {
            Some(d) => format!("{}::{}", d.namespace, kb::unqualified(d.code)),
            None => format!("{}::{}", namespace_of(f.shape), f.effective_code()),
        };
        let severity = match (f.class, f.shape) {
            (Some(Class::Success), _) => Severity::Advice,
            (Some(Class::Warning), _) | (None, Shape::Mention) => Severity::Warning,
            _ => Severity::Error,
        };
        let help = if repeats(f, shown) {
            Some("The same error as above, reported again: its causes and fix apply.".to_owned())
        } else {
            help(f, help_width)
        };
        let url = f.diagnosis.as_ref().and_then(|d| d.url).map(str::to_owned);
        let marks = labels(f);
        let source = PayloadSource::of(f, source_width, &marks);
        let labels = match &source {
            Some(source) => {
                let mut drawn: Vec<LabeledSpan> = marks.iter().filter_map(|l| source.label(l)).collect();
                if drawn.is_empty() {
                    drawn.push(LabeledSpan::new_primary_with_span(None, source.first_line()));
                }
                drawn
            }
            None => Vec::new(),
        };
        FindingDiagnostic {
            code,
            severity,
            heading: heading(f),
            help,
            url,
            source,
            labels,
            related: Vec::new(),
        }
    }

    /// Shows `other` under this one, as part of the same payload or event.
    pub(super) fn relate(&mut self, other: FindingDiagnostic) {
        self.related.push(other);
    }
}

/// Is `f` the error already explained above: its code, inner code or verdict
/// one of the `shown` codes (an alert naming only the outer code of a wrapped
/// error counts)?
fn repeats(f: &Finding, shown: &[&str]) -> bool {
    shown.contains(&explained(f))
}

/// What a finding's help explains: its verdict's entry, else its own code. Two
/// findings repeat each other only when this is the same (a wrapper code such
/// as UnknownIncomingEmailIntegrationError can carry different errors).
fn explained(f: &Finding) -> &str {
    f.diagnosis.as_ref().map_or_else(|| f.effective_code(), |d| d.code)
}

/// The codes a finding's help explains, for [`FindingDiagnostic::new`].
pub(crate) fn codes_of(f: &Finding) -> Vec<&str> {
    vec![explained(f)]
}

/// The namespace for a finding the knowledge base does not know.
fn namespace_of(shape: Shape) -> &'static str {
    match shape {
        Shape::EwsResponse | Shape::SoapFault | Shape::JsonResponse | Shape::Mention => "ews",
        Shape::Alert | Shape::DashboardToken | Shape::DataverseFault => "sss",
        Shape::Exception => "dotnet",
        Shape::GraphError => "graph",
        Shape::Aadsts => "entra",
    }
}

/// What went wrong, then where and when.
fn heading(f: &Finding) -> String {
    let what = match &f.diagnosis {
        Some(d) => d.title.to_string(),
        None => match &f.message {
            Some(m) => format!("{}: {m}", f.code),
            None => format!("{} (not in the knowledge base)", f.code),
        },
    };
    let mut context = Vec::new();
    if let Some(inner) = &f.inner_code {
        context.push(format!("{} wrapping {inner}", f.code));
    } else if f.diagnosis.as_ref().is_some_and(|d| kb::unqualified(d.code) != f.code) {
        context.push(format!("reported as {}", f.code));
    }
    if let Some(op) = &f.operation {
        context.push(op.clone());
    }
    if let Some(m) = &f.mailbox {
        context.push(format!("mailbox \"{m}\""));
    }
    if let Some(p) = &f.profile {
        context.push(format!("profile \"{p}\""));
    }
    if let Some(t) = &f.time {
        context.push(t.clone());
    }
    // The inner code and its text are shown already, under their label, and
    // request ids and dates say nothing about the cause.
    let details = f.details.iter().filter(|(name, _)| {
        let folded = name.to_ascii_lowercase();
        !(name.starts_with("InnerError") || folded.ends_with("id") || NOT_SHOWN.contains(&folded.as_str()))
    });
    for (name, value) in details.take(DETAILS_SHOWN) {
        context.push(format!("{name} = {value}"));
    }
    match f.diagnosis.as_ref().map(|d| d.transient) {
        Some(Transient::Yes) => context.push("transient: retrying later usually works".into()),
        Some(Transient::No) => context.push("permanent: something must change first".into()),
        Some(Transient::Sometimes) => context.push("may or may not clear by retrying".into()),
        None => {}
    }
    if f.truncated {
        context.push("the payload is cut off; what was complete is shown".into());
    }
    if let Some(also) = f.diagnosis.as_ref().and_then(|d| d.also) {
        context.push(format!("also readable as {}: {}", kb::unqualified(also.code), also.title));
    }
    if context.is_empty() { what } else { format!("{what}\n{}", context.join("; ")) }
}

/// The ranked causes with their evidence, the likeliest cause's fix, and where
/// to read more.
fn help(f: &Finding, width: usize) -> Option<String> {
    let d = f.diagnosis.as_ref()?;
    let mut out: Vec<String> = Vec::new();
    let numbered = |out: &mut Vec<String>, n: usize, text: &str| {
        for (i, line) in wrap(text, width.saturating_sub(3)).into_iter().enumerate() {
            out.push(if i == 0 { format!("{n}. {line}") } else { format!("   {line}") });
        }
    };
    let causes: Vec<_> = d.causes.iter().take(CAUSES_SHOWN).collect();
    out.push(if causes.len() == 1 {
        "Likely cause:".into()
    } else {
        "Likely causes, most likely first:".into()
    });
    for (i, cause) in causes.iter().enumerate() {
        numbered(&mut out, i + 1, cause.summary);
        let evidence: Vec<&str> =
            cause.evidence.iter().filter(|e| e.is_for()).map(|e| e.text.as_str()).collect();
        if !evidence.is_empty() {
            for line in wrap(&format!("because: {}", evidence.join("; ")), width.saturating_sub(5)) {
                out.push(format!("     {line}"));
            }
        }
    }
    let more = d.causes.len().saturating_sub(CAUSES_SHOWN);
    if let Some(top) = d.causes.first().filter(|c| !c.fix.is_empty()) {
        out.push(String::new());
        out.push(if causes.len() == 1 { "Fix:".into() } else { "Fix for cause 1:".into() });
        for (i, step) in top.fix.iter().enumerate() {
            numbered(&mut out, i + 1, step);
        }
    }
    out.push(String::new());
    let rest = match more {
        0 => String::new(),
        1 => " (1 more possible cause)".to_owned(),
        n => format!(" ({n} more possible causes)"),
    };
    out.push(format!("More: ewsdiag explain {}{rest}", d.code));
    Some(out.join("\n"))
}

/// Labels on the code, message and inner code. A message holding the code
/// (an alert sentence) is not labelled as well: the code says more.
fn labels(f: &Finding) -> Vec<Label> {
    let code_label = match (&f.inner_code, f.shape) {
        (Some(_), _) => "outer code: a wrapper",
        (None, Shape::Alert | Shape::DashboardToken) => "the code in the alert",
        (None, Shape::Exception) => "the exception",
        (None, _) => "the error code",
    };
    let message_label = match f.shape {
        Shape::Alert => "the alert",
        Shape::Exception => "what it says",
        _ => "the server's message",
    };
    let label = |mark: &Option<Range<u64>>, text: &str, primary: bool| {
        mark.as_ref().map(|m| Label {
            offset: m.start,
            length: m.end.saturating_sub(m.start),
            text: text.to_owned(),
            primary,
        })
    };
    let code = &f.marks.code;
    let holds_code = |m: &Range<u64>| code.as_ref().is_some_and(|c| m.start <= c.start && c.end <= m.end);
    let message = f.marks.message.clone().filter(|m| !holds_code(m));
    [
        label(&message, message_label, false),
        label(code, code_label, true),
        label(&f.marks.inner_code, "inner code: the real cause", false),
    ]
    .into_iter()
    .flatten()
    .collect()
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.heading)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url.as_ref().map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
}
