//! Reading one XML window: a SOAP envelope, a response message, a fault, or a
//! loose run of `MessageText`/`ResponseCode` elements.
//!
//! Elements are matched on their local names: prefixes (`q1`, `m`, `t`, `s`, `e`,
//! none) and namespace URIs (`http` or `https`) vary between sources, and pasted
//! fragments often use prefixes they never declare. The reader is forgiving on
//! purpose: end names are not checked (a pasted fragment may close what it never
//! opened), and where quick-xml cannot help (a tag without its `>`, an
//! unescaped `<` in a message) the raw text is read directly.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

use memchr::memmem;
use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use regex::bytes::Regex;
use rustc_hash::FxHashMap;

use super::view::decode_text;
use super::work;
use crate::model::{Class, Shape};

/// A piece of text read from the window and where it stood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub text: String,
    pub span: Range<usize>,
}

/// One message read from a window; positions are in the window's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    pub shape: Shape,
    pub span: Range<usize>,
    pub class: Option<Class>,
    pub code: Option<Field>,
    pub inner_code: Option<Field>,
    pub message: Option<Field>,
    pub operation: Option<String>,
    pub details: BTreeMap<String, String>,
    /// The details whose text is a number and nothing else (a back-off, a
    /// line number), by name, with where their digits stand.
    pub numbers: Vec<(String, Range<usize>)>,
    pub truncated: bool,
}

/// What reading a window gave.
#[derive(Debug, Default)]
pub(crate) struct Window {
    pub messages: Vec<Message>,
    /// Where the window ends: after its root element, or after the last
    /// complete element when it was cut off or broke.
    pub end: usize,
    /// Where and why the XML broke, if it did.
    pub error: Option<XmlBreak>,
    /// A response message or fault was met (read or not): without one, the
    /// window was some other XML, a request say, and is no payload at all.
    pub saw_message: bool,
    /// The root element closed at `end` and nothing after it was read: the
    /// reading depends on the window's own bytes alone. (Not so for a cut,
    /// a break, or a loose run of parts, which ends where no part follows.)
    pub whole: bool,
    /// The text ran out before the root element closed (rather than the root
    /// closing, however near the end of the text read so far).
    pub cut_off: bool,
}

/// Where and why an XML window broke.
#[derive(Debug, Clone)]
pub(crate) struct XmlBreak {
    /// Byte offset in the text where reading stopped.
    pub at: usize,
    /// What the reader said.
    pub error: XmlError,
}

impl Window {
    /// A window that ends at `end`, its messages still to be filled in.
    fn ended(end: usize) -> Window {
        Window { messages: Vec::new(), end, error: None, saw_message: false, whole: false, cut_off: false }
    }

    /// A window whose root closed at `end`; `whole` unless it was a loose run.
    fn closed(end: usize, loose: Option<&'static [&'static [u8]]>) -> Window {
        Window { whole: loose.is_none(), ..Window::ended(end) }
    }
}

/// The outcome of [`parse`].
pub(crate) enum Parse {
    Done(Window),
    /// The text ended before the root element did, and more may come.
    NeedMore,
}

/// What an open element collects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Capture {
    Code,
    FaultCode,
    Message,
    DetailMessage,
    ErrorCode,
    Detail(String),
}

struct Open<'a> {
    /// The local name, borrowed from the text (an element costs no allocation).
    name: Cow<'a, [u8]>,
    /// Index into `contexts` of the message this element opened.
    context: Option<usize>,
    capture: Option<(Capture, usize)>,
    /// This element or one around it is a `MessageXml`. (Kept per element, as
    /// is `operation_from`, so that deep nesting costs no walk up the stack.)
    in_message_xml: bool,
    /// Position in the stack of the nearest element (this one or one around
    /// it) whose name names an operation (`…Response`).
    operation_from: Option<usize>,
}

impl<'a> Open<'a> {
    fn new(
        name: Cow<'a, [u8]>,
        context: Option<usize>,
        capture: Option<(Capture, usize)>,
        parent: Option<&Open<'_>>,
    ) -> Open<'a> {
        let in_message_xml = parent.is_some_and(|p| p.in_message_xml || *p.name == *b"MessageXml");
        Open { name, context, capture, in_message_xml, operation_from: parent.and_then(|p| p.operation_from) }
    }
}

/// The elements open now, with a count of each name, so that an end tag
/// closing nothing open (a pasted fragment's, or a hostile run of them under
/// deep nesting) is known at once instead of by a walk down the stack.
#[derive(Default)]
struct Stack<'a> {
    items: Vec<Open<'a>>,
    names: FxHashMap<Cow<'a, [u8]>, usize>,
}

impl<'a> Stack<'a> {
    fn push(&mut self, open: Open<'a>) {
        *self.names.entry(open.name.clone()).or_default() += 1;
        self.items.push(open);
    }

    fn pop(&mut self) -> Option<Open<'a>> {
        let open = self.items.pop()?;
        if let Some(count) = self.names.get_mut(&*open.name) {
            *count -= 1;
            if *count == 0 {
                self.names.remove(&*open.name);
            }
        }
        Some(open)
    }

    fn clear(&mut self) {
        self.items.clear();
        self.names.clear();
    }

    fn last_mut(&mut self) -> Option<&mut Open<'a>> {
        self.items.last_mut()
    }

    /// The depth of the innermost open element called `name`. The walk down
    /// is paid for by the elements it passes, which the caller then closes.
    fn innermost(&self, name: &[u8]) -> Option<usize> {
        if !self.names.contains_key(name) {
            return None;
        }
        let depth = self.items.iter().rposition(|o| *o.name == *name)?;
        work::add(self.items.len() - depth);
        Some(depth)
    }
}

impl<'a> std::ops::Deref for Stack<'a> {
    type Target = [Open<'a>];

    fn deref(&self) -> &[Open<'a>] {
        &self.items
    }
}

struct Context {
    shape: Shape,
    start: usize,
    class: Option<Class>,
    operation: Option<String>,
    code: Option<Field>,
    fault_code: Option<Field>,
    inner_code: Option<Field>,
    message: Option<Field>,
    detail_message: Option<Field>,
    details: BTreeMap<String, String>,
    numbers: Vec<(String, Range<usize>)>,
}

/// The name of the pseudo-element that holds a loose run of message parts.
const LOOSE: &[u8] = b"#loose";

/// Local names that make up a message when they stand without a container.
const MESSAGE_PARTS: &[&[u8]] = &[b"MessageText", b"ResponseCode", b"DescriptiveLinkKey", b"MessageXml"];
const FAULT_PARTS: &[&[u8]] = &[b"faultcode", b"faultstring", b"faultactor", b"detail"];
/// The end of a `MessageText` tag, searched for by a searcher made once.
static MESSAGE_TEXT_END: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"MessageText>"));

/// Reads the window whose root element starts at `start` (a `<`).
pub(crate) fn parse(text: &[u8], start: usize, more_may_come: bool) -> Parse {
    let mut parser = Parser {
        text,
        more_may_come,
        open: Stack::default(),
        contexts: Vec::new(),
        done: Vec::new(),
        saw_message: false,
        org_faults: 0,
    };
    match parser.run(start) {
        Some(mut window) => {
            for context in std::mem::take(&mut parser.contexts) {
                parser.finish(context, window.end, true);
            }
            window.messages = parser.done;
            window.saw_message = parser.saw_message;
            window.messages.sort_by_key(|m| m.span.start);
            Parse::Done(window)
        }
        None => Parse::NeedMore,
    }
}

struct Parser<'a> {
    text: &'a [u8],
    more_may_come: bool,
    open: Stack<'a>,
    contexts: Vec<Context>,
    done: Vec<Message>,
    saw_message: bool,
    /// Organization faults open now (counted rather than searched for, so a
    /// deeply nested window stays linear).
    org_faults: usize,
}

fn reader_at(text: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(text);
    let config = reader.config_mut();
    // Pasted fragments close elements they never opened, and broken ones
    // leave elements open: the stack below does its own matching.
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    // A lone `&` in a message is common in logs and harmless.
    config.allow_dangling_amp = true;
    // Whitespace is trimmed per field, never globally (spans must stay exact).
    config.trim_text(false);
    reader
}

impl<'a> Parser<'a> {
    /// Runs to the end of the root element; `None` when more text is needed.
    fn run(&mut self, start: usize) -> Option<Window> {
        let text = self.text;
        let mut base = start;
        let mut reader = reader_at(&text[base..]);
        let mut loose = None;
        loop {
            let before = base + reader.buffer_position() as usize;
            let event = reader.read_event();
            let after = base + reader.buffer_position() as usize;
            work::add(after.saturating_sub(before) + 1);
            match event {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) if self.is_new_root(&e) => {
                    return Some(self.cut(before, None));
                }
                Ok(Event::Start(e)) => {
                    let name = borrowed(text, local_name(e.name().as_ref().as_bytes()));
                    if self.open.is_empty() && loose.is_none() {
                        loose = root_parts(&name);
                    }
                    let message_text = *name == *b"MessageText";
                    self.open_element(&e, name, before, after);
                    if message_text {
                        match self.read_raw_message(after) {
                            RawText::Closed { field, resume } => {
                                self.open.pop();
                                self.attach(Capture::Message, field);
                                base = resume;
                                reader = reader_at(&text[base..]);
                                if self.root_done(resume, loose)? {
                                    return Some(Window::closed(resume, loose));
                                }
                            }
                            RawText::NeedMore => return None,
                            // The text ends inside the message: all of it was read.
                            RawText::Cut => return Some(self.cut(text.len(), None)),
                        }
                    }
                }
                Ok(Event::Empty(e)) => {
                    let name = borrowed(text, local_name(e.name().as_ref().as_bytes()));
                    if self.open.is_empty() && loose.is_none() {
                        loose = root_parts(&name);
                    }
                    self.open_element(&e, name.clone(), before, after);
                    self.close_element(&name, after, after);
                    if self.root_done(after, loose)? {
                        return Some(Window::closed(after, loose));
                    }
                }
                Ok(Event::End(e)) => {
                    self.close_element(name_before_junk(e.name().as_ref().as_bytes()), before, after);
                    if self.root_done(after, loose)? {
                        return Some(Window::closed(after, loose));
                    }
                }
                Ok(Event::Eof) => {
                    if self.more_may_come {
                        return None;
                    }
                    return Some(self.cut(self.text.len(), None));
                }
                Ok(Event::Text(t)) if !self.open.is_empty() => {
                    if let Some(line) = new_log_record(t.as_bytes()) {
                        return Some(self.cut(before + line, None));
                    }
                }
                // A dangling `&` read up to a far `;` is text too: a log
                // record may start inside it (after the `&`).
                Ok(Event::GeneralRef(r)) if !self.open.is_empty() => {
                    if let Some(line) = new_log_record(r.as_bytes()) {
                        return Some(self.cut(before + 1 + line, None));
                    }
                }
                Ok(_) => {}
                Err(XmlError::IllFormed(_)) => {}
                Err(error) => {
                    let at = base + reader.error_position() as usize;
                    // quick-xml says a tag, attribute value, comment … is
                    // unclosed only when the text ends inside it: more text
                    // may close it, whatever `>` the rest holds.
                    let unclosed =
                        matches!(&error, XmlError::Syntax(s) if *s != SyntaxError::InvalidBangMarkup);
                    let no_end = memchr::memchr(b'>', &text[at.min(text.len())..]).is_none();
                    if self.more_may_come && (unclosed || no_end) {
                        return None;
                    }
                    return Some(self.cut(at, Some(error)));
                }
            }
        }
    }

    /// A second envelope or trace block opening inside the first means the first
    /// was cut off.
    fn is_new_root(&self, e: &BytesStart<'_>) -> bool {
        let qname = e.name();
        let name = local_name(qname.as_ref().as_bytes());
        !self.open.is_empty() && matches!(name, b"Envelope" | b"Trace")
    }

    /// The window ends early at `at`: open messages are cut off. Everything
    /// before `at` was read as part of this window, so the scan resumes there.
    fn cut(&mut self, at: usize, error: Option<XmlError>) -> Window {
        self.open.clear();
        Window {
            error: error.map(|error| XmlBreak { at, error }),
            cut_off: at >= self.text.len(),
            ..Window::ended(at)
        }
    }

    /// Has the root element closed? A loose run of parts ends when no other
    /// part follows; its pseudo-element then closes its message. `None` when
    /// what follows is not read yet.
    fn root_done(&mut self, at: usize, loose: Option<&'static [&'static [u8]]>) -> Option<bool> {
        let only_loose = self.open.len() == 1 && *self.open[0].name == *LOOSE;
        if !(self.open.is_empty() || only_loose) || self.loose_continues(at, loose)? {
            return Some(false);
        }
        self.open.clear();
        for context in std::mem::take(&mut self.contexts) {
            self.finish(context, at, false);
        }
        Some(true)
    }

    /// After a loose root part closes, does another part follow (blanks between)?
    fn loose_continues(&self, at: usize, loose: Option<&'static [&'static [u8]]>) -> Option<bool> {
        let Some(parts) = loose else { return Some(false) };
        let rest = &self.text[at..];
        let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &rest[skip..];
        // What follows is not read yet: whether the run goes on is not known.
        if rest.is_empty() && self.more_may_come {
            return None;
        }
        if rest.first() != Some(&b'<') {
            return Some(false);
        }
        let name_end = rest.iter().skip(1).position(|b| !is_name_byte(*b) && *b != b':').map(|p| p + 1);
        let name_end = name_end.or((!self.more_may_come).then_some(rest.len()))?;
        Some(parts.contains(&local_name(&rest[1..name_end])))
    }

    fn open_element(&mut self, e: &BytesStart<'_>, name: Cow<'a, [u8]>, before: usize, after: usize) {
        let in_message_xml = self.open.last().is_some_and(|o| o.in_message_xml || *o.name == *b"MessageXml");
        let context = self.context_for(e, &name, before);
        let capture = if context.is_some() {
            None
        } else if in_message_xml {
            let key = if *name == *b"Value" { attribute(e, b"Name") } else { None };
            let key = key.unwrap_or_else(|| String::from_utf8_lossy(&name).into_owned());
            Some(Capture::Detail(key))
        } else {
            match &*name {
                b"ResponseCode" => Some(Capture::Code),
                b"faultcode" => Some(Capture::FaultCode),
                b"Value" if self.open.last().is_some_and(|o| *o.name == *b"Code") => Some(Capture::FaultCode),
                b"faultstring" => Some(Capture::Message),
                b"Text" if self.open.last().is_some_and(|o| *o.name == *b"Reason") => Some(Capture::Message),
                b"Message" => Some(Capture::DetailMessage),
                b"ErrorCode" => Some(Capture::ErrorCode),
                _ => None,
            }
        };
        self.end_text_capture(before);
        let mut open = Open::new(name, context, capture.map(|c| (c, after)), self.open.last());
        if operation_stem(&open.name).is_some() {
            open.operation_from = Some(self.open.len());
        }
        self.open.push(open);
    }

    /// Only leaves are captured. An element starting inside a capture either
    /// cancels it (the capture was a container after all) or, when text came
    /// first, ends it: `<faultcode>a:ErrorX<faultstring>` never closed its code.
    fn end_text_capture(&mut self, before: usize) {
        let Some(parent) = self.open.last_mut() else { return };
        let Some((capture, content_start)) = parent.capture.take() else { return };
        let field = trimmed_field(&self.text[content_start..before], content_start);
        if field.text.is_empty() {
            return;
        }
        if let Some(unclosed) = self.open.pop()
            && unclosed.context.is_some()
        {
            self.open.push(unclosed);
        }
        self.attach(capture, field);
    }

    /// Starts a message context when this element is a response message, a
    /// fault, or a loose message part at the root.
    fn context_for(&mut self, e: &BytesStart<'_>, name: &[u8], before: usize) -> Option<usize> {
        let class = attribute(e, b"ResponseClass");
        // Inner faults join the organization fault around them.
        let in_org_fault = self.org_faults > 0;
        let shape = if name == b"OrganizationServiceFault" && !in_org_fault {
            Shape::DataverseFault
        } else if name == b"Fault" {
            Shape::SoapFault
        } else if class.is_some() || name.ends_with(b"ResponseMessage") || name == b"ResponseMessageType" {
            Shape::EwsResponse
        } else if self.open.is_empty() && self.contexts.is_empty() && root_parts(name).is_some() {
            if FAULT_PARTS.contains(&name) { Shape::SoapFault } else { Shape::EwsResponse }
        } else {
            return None;
        };
        // The operation: from `xsi:type`, the element's own name, or the
        // `…Response` element around it (`GetUserAvailabilityResponse`).
        let operation = attribute_by_local(e, b"type")
            .map(|t| local_name(t.as_bytes()).to_vec())
            .and_then(|t| operation_of(&t))
            .or_else(|| operation_of(name))
            .or_else(|| {
                let from = self.open.last()?.operation_from?;
                operation_of(&self.open.get(from)?.name)
            });
        self.contexts.push(Context {
            shape,
            start: before,
            class: class.as_deref().and_then(Class::parse),
            operation,
            code: None,
            fault_code: None,
            inner_code: None,
            message: None,
            detail_message: None,
            details: BTreeMap::new(),
            numbers: Vec::new(),
        });
        self.saw_message = true;
        if shape == Shape::DataverseFault {
            self.org_faults += 1;
        }
        let index = self.contexts.len() - 1;
        // Loose parts share one message, held by a pseudo-element around them;
        // the part itself is captured like any other.
        if root_parts(name).is_some() && self.open.is_empty() {
            self.open.push(Open::new(Cow::Borrowed(LOOSE), Some(index), None, None));
            return None;
        }
        Some(index)
    }

    fn close_element(&mut self, name: &[u8], before: usize, after: usize) {
        let Some(depth) = self.open.innermost(name) else {
            return;
        };
        while self.open.len() > depth {
            let Some(element) = self.open.pop() else {
                break;
            };
            let closed_here = self.open.len() == depth;
            if let (true, Some((capture, content_start))) = (closed_here, element.capture) {
                let raw = &self.text[content_start..before];
                let field = trimmed_field(raw, content_start);
                self.attach(capture, field);
            }
            if let Some(index) = element.context
                && index + 1 == self.contexts.len()
                && let Some(context) = self.contexts.pop()
            {
                self.finish(context, after, !closed_here);
            }
        }
    }

    fn attach(&mut self, capture: Capture, field: Field) {
        let Some(context) = self.contexts.last_mut() else {
            return;
        };
        let slot = match capture {
            Capture::Code => &mut context.code,
            Capture::FaultCode => &mut context.fault_code,
            Capture::Message => &mut context.message,
            Capture::DetailMessage => &mut context.detail_message,
            Capture::ErrorCode if context.code.is_none() => &mut context.code,
            Capture::ErrorCode => &mut context.inner_code,
            Capture::Detail(key) => {
                // This detail is read as the inner code too, so it is never a
                // number that other digits could stand in for.
                let inner = key == "InnerErrorResponseCode";
                if inner && !field.text.is_empty() {
                    context.inner_code = Some(field.clone());
                }
                context.numbers.retain(|(k, _)| *k != key);
                if !inner && is_number(&field.text) {
                    context.numbers.push((key.clone(), field.span.clone()));
                }
                context.details.insert(key, field.text);
                return;
            }
        };
        if slot.is_none() {
            *slot = Some(field);
        }
    }

    /// Turns a closed (or cut off) context into a message, salvaging a code
    /// from the raw text when the XML was too broken to give one.
    fn finish(&mut self, context: Context, end: usize, truncated: bool) {
        if context.shape == Shape::DataverseFault {
            self.org_faults = self.org_faults.saturating_sub(1);
        }
        // Broken XML can report its end before a message's start; a message
        // never ends before it starts.
        let end = end.min(self.text.len()).max(context.start);
        let raw = &self.text[context.start..end];
        let mut code = context.code.filter(|c| !c.text.is_empty());
        if code.is_none() && !truncated {
            code = salvage_code(raw, context.start);
        }
        let mut message = context.message.or(context.detail_message);
        if context.shape == Shape::SoapFault {
            code = code.or_else(|| {
                context.fault_code.map(|f| {
                    let local = f.text.rsplit(':').next().unwrap_or_default().to_string();
                    let skip = f.text.len() - local.len();
                    Field { text: local, span: f.span.start + skip..f.span.end }
                })
            });
        }
        let Some(code) = code.map(one_identifier) else { return };
        if message.as_ref().is_some_and(|m| m.text.is_empty()) {
            message = None;
        }
        let class = context.class.or(match context.shape {
            Shape::SoapFault | Shape::DataverseFault => Some(Class::Error),
            _ if code.text == "NoError" => Some(Class::Success),
            _ => Some(Class::Error),
        });
        self.done.push(Message {
            shape: context.shape,
            span: context.start..end,
            class,
            code: Some(code),
            inner_code: context.inner_code,
            message,
            operation: context.operation,
            details: context.details,
            numbers: context.numbers,
            truncated,
        });
    }

    /// Reads a `MessageText` body straight from the text, up to its closing
    /// tag: messages sometimes hold an unescaped `<` that no XML reader takes.
    fn read_raw_message(&self, content_start: usize) -> RawText {
        let rest = &self.text[content_start..];
        let mut from = 0;
        while let Some(found) = MESSAGE_TEXT_END.find(&rest[from..]) {
            let at = from + found;
            let name_start =
                rest[..at].iter().rposition(|b| !is_name_byte(*b) && *b != b':').map_or(0, |p| p + 1);
            if name_start >= 2 && &rest[name_start - 2..name_start] == b"</" {
                let close = content_start + name_start - 2;
                let field = trimmed_field(&self.text[content_start..close], content_start);
                return RawText::Closed { field, resume: content_start + at + b"MessageText>".len() };
            }
            from = at + 1;
        }
        if self.more_may_come { RawText::NeedMore } else { RawText::Cut }
    }
}

enum RawText {
    Closed { field: Field, resume: usize },
    NeedMore,
    Cut,
}

/// How much of a line [`new_log_record`] reads to tell a record's start,
/// with the line break before it.
pub const RECORD_HEAD: usize = 11;

/// Where a line that starts like a new log record (`2026-11-20…`) begins in
/// text between elements: an envelope cut off in a log ends there.
pub fn new_log_record(text: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'\n', text).map(|nl| nl + 1).find(|&start| {
        let line = &text[start..];
        line.len() >= RECORD_HEAD - 1
            && line[..4].iter().all(u8::is_ascii_digit)
            && line[4] == b'-'
            && line[5..7].iter().all(u8::is_ascii_digit)
            && line[7] == b'-'
    })
}

fn root_parts(name: &[u8]) -> Option<&'static [&'static [u8]]> {
    if MESSAGE_PARTS.contains(&name) {
        Some(MESSAGE_PARTS)
    } else if FAULT_PARTS.contains(&name) {
        Some(FAULT_PARTS)
    } else {
        None
    }
}

/// Digits and nothing else, few enough for any count or wait a payload gives.
fn is_number(text: &str) -> bool {
    (1..=NUMBER_DIGITS).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The most digits a detail read as a number has.
pub(crate) const NUMBER_DIGITS: usize = 20;

/// A field's text with the blanks around it trimmed, and the marks that text
/// copied out of a rendered article keeps: `**bold**` and the `\` that
/// escapes a following `<`.
fn trimmed_field(raw: &[u8], at: usize) -> Field {
    let lead = raw.iter().take_while(|b| b.is_ascii_whitespace() || **b == b'*').count();
    let trail = raw.iter().rev().take_while(|b| b.is_ascii_whitespace() || matches!(b, b'*' | b'\\')).count();
    let end = raw.len().saturating_sub(trail).max(lead);
    Field { text: decode_text(&raw[lead..end]), span: at + lead..at + end }
}

static SALVAGE_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<(?:[\w.-]+:)?ResponseCode(?:\s[^<>]*?)?[\s>]\s*((?:Error|NoError)[A-Za-z0-9]*)\s*<")
        .expect("SALVAGE_CODE is a valid pattern")
});

/// Finds `ResponseCode` followed by a code in broken markup, e.g. a start tag
/// that lost its `>`.
fn salvage_code(raw: &[u8], at: usize) -> Option<Field> {
    let captures = SALVAGE_CODE.captures(raw)?;
    let code = captures.get(1)?;
    Some(Field {
        text: String::from_utf8_lossy(code.as_bytes()).into_owned(),
        span: at + code.start()..at + code.end(),
    })
}

/// `FindItemResponseMessage`, `FindItemResponseMessageType` or
/// `FindItemResponse` → `FindItem`. The response types several operations
/// share (`ItemInfoResponseMessageType` answers CreateItem, SendItem, UpdateItem
/// …) name no operation.
fn operation_of(name: &[u8]) -> Option<String> {
    operation_stem(name).map(|stem| String::from_utf8_lossy(stem).into_owned())
}

/// The operation part of a response element's name, as [`operation_of`].
fn operation_stem(name: &[u8]) -> Option<&[u8]> {
    const SHARED: &[&[u8]] = &[b"", b"ItemInfo", b"FolderInfo", b"AttachmentInfo", b"Base"];
    let stem = [&b"ResponseMessageType"[..], b"ResponseMessage", b"Response"]
        .iter()
        .find_map(|suffix| name.strip_suffix(*suffix))?;
    (!SHARED.contains(&stem)).then_some(stem)
}

/// `part`, a slice of `text` that quick-xml handed out with a shorter
/// lifetime, as a slice of `text` itself; a copy when it is not one (never,
/// reading from a slice, but the reader's types do not promise it).
fn borrowed<'a>(text: &'a [u8], part: &[u8]) -> Cow<'a, [u8]> {
    let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    match text.get(start..start.wrapping_add(part.len())) {
        Some(same) if same.as_ptr() == part.as_ptr() => Cow::Borrowed(same),
        _ => Cow::Owned(part.to_vec()),
    }
}

/// The part of a qualified name after its last `:`.
pub(crate) fn local_name(name: &[u8]) -> &[u8] {
    name.iter().rposition(|b| *b == b':').map_or(name, |p| &name[p + 1..])
}

/// The local name of an end tag that may have lost its `>` and run into the
/// next tag (`</q1:MessageText<q1:ResponseCode`).
fn name_before_junk(name: &[u8]) -> &[u8] {
    let end = name.iter().position(|b| !is_name_byte(*b) && *b != b':').unwrap_or(name.len());
    local_name(&name[..end])
}

pub(crate) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn attribute(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    // Most elements carry no such attribute: a look at the raw bytes spares
    // them the attribute parser.
    memmem::find(e.attributes_raw().as_bytes(), name)?;
    e.html_attributes()
        .flatten()
        .find(|a| a.key.as_ref().as_bytes() == name)
        .map(|a| decode_text(a.value.as_bytes()))
}

fn attribute_by_local(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    memmem::find(e.attributes_raw().as_bytes(), name)?;
    e.html_attributes()
        .flatten()
        .find(|a| local_name(a.key.as_ref().as_bytes()) == name)
        .map(|a| decode_text(a.value.as_bytes()))
}

/// A code is one identifier: a namespace prefix (`a:ErrorX`) and what an
/// unclosed tag leaves after the name (`ErrorX>` in `<e:ResponseCode>a:ErrorX>`)
/// are not part of it. Numeric codes (`-2147220970`) are left as they are.
fn one_identifier(field: Field) -> Field {
    if !field.text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return field;
    }
    // The qualified name the text starts with; a `:` after it (in an end tag
    // that ran into the code, `a:ErrorX></e:Respo…`) is no prefix of the code.
    let qname =
        field.text.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':')).count();
    let local_at = field.text[..qname].rfind(':').map_or(0, |p| p + 1);
    let local = &field.text[local_at..];
    let len = local.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    if len == 0 || (local_at == 0 && len == field.text.len()) {
        return field;
    }
    let start = field.span.start + local_at;
    Field { text: local[..len].to_string(), span: start..(start + len).min(field.span.end) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert!(!LazyLock::force(&SALVAGE_CODE).as_str().is_empty());
    }

    fn window(text: &str) -> Window {
        match parse(text.as_bytes(), 0, false) {
            Parse::Done(w) => w,
            Parse::NeedMore => panic!("asked for more"),
        }
    }

    fn codes(w: &Window) -> Vec<&str> {
        w.messages.iter().filter_map(|m| m.code.as_ref()).map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn view_details_fragment() {
        let text = r#"<ResponseMessageType xmlns:q1="https://schemas.microsoft.com/exchange/services/2006/messages" p2:type="q1:FindItemResponseMessageType" ResponseClass="Error" xmlns:p2="https://www.w3.org/2001/XMLSchema-instance"><q1:MessageText>Mailbox does not exist.</q1:MessageText><q1:ResponseCode>ErrorNonExistentMailbox</q1:ResponseCode><q1:DescriptiveLinkKey>0</q1:DescriptiveLinkKey></ResponseMessageType> tail"#;
        let w = window(text);
        assert_eq!(codes(&w), ["ErrorNonExistentMailbox"]);
        let m = &w.messages[0];
        assert_eq!(m.operation.as_deref(), Some("FindItem"));
        assert_eq!(m.class, Some(Class::Error));
        assert_eq!(m.message.as_ref().map(|f| f.text.as_str()), Some("Mailbox does not exist."));
        assert_eq!(&text[w.end..], " tail");
        let code = m.code.as_ref().unwrap();
        assert_eq!(&text[code.span.clone()], "ErrorNonExistentMailbox");
    }

    #[test]
    fn unescaped_lt_in_message_text() {
        let w = window(
            "<m:MessageText>Value <5 is not allowed</m:MessageText><m:ResponseCode>ErrorInvalidRequest</m:ResponseCode>",
        );
        assert_eq!(codes(&w), ["ErrorInvalidRequest"]);
        assert_eq!(w.messages[0].message.as_ref().unwrap().text, "Value <5 is not allowed");
    }

    #[test]
    fn start_tag_without_its_closing_bracket() {
        let w = window(
            r#"<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>x</m:MessageText><m:ResponseCode ErrorItemNotFound</m:ResponseCode></m:GetItemResponseMessage>"#,
        );
        assert_eq!(codes(&w), ["ErrorItemNotFound"]);
    }
}
