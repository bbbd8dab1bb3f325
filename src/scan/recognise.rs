//! The contract between the scanner and its recognisers: what a recogniser
//! is given ([`Hit`], [`Input`]), and what it answers ([`Outcome`], made of
//! [`Item`]s). A recogniser depends on this module, never on the dispatch
//! (`anchor`) that calls it nor on the loop (`driver`) that feeds it.

use std::ops::Range;

use crate::model::{Broken, Finding, Wrapping};

/// How far back from the scan position the buffer always keeps text, and so
/// how far behind an anchor a recogniser may look for context that is no part
/// of a new payload: the start of the anchor's line, the quote opening the
/// JSON string or CSV field it stands in, the tag an escaped payload is
/// embedded in, an alert's sentence above its code line. Those stand within a
/// few lines of the anchor: 4 KiB holds them with room to spare, and keeps
/// what each refill of the buffer moves forward small next to a read (256 KiB
/// by default). Every look-back is capped at this, so what a recogniser
/// answers never depends on where the reads of the input fell.
pub const LOOKBACK: usize = 4096;

/// Where an anchor's word stands in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub at: usize,
    pub len: usize,
}

/// What a recogniser is given.
pub(crate) struct Input<'a> {
    pub buf: &'a [u8],
    /// No more input will come after `buf`.
    pub eof: bool,
    /// Nothing before this belongs to a new payload (the last one ended here).
    pub floor: usize,
    pub max_payload: usize,
}

/// Where the parts of a payload worth pointing at stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Marks {
    /// The code.
    pub code: Option<Range<usize>>,
    /// The message.
    pub message: Option<Range<usize>>,
    /// The inner code.
    pub inner_code: Option<Range<usize>>,
    /// The details that are a number and nothing else, by name: where their
    /// digits stand. A window read before stands for one that differs from
    /// it only there (see `windows`).
    pub numbers: Vec<(String, Range<usize>)>,
}

/// A finding as a recogniser makes it: what it read, and where that stands
/// in the text it read, the buffer or a view decoded from it. Positions leave
/// a view by one step, [`Item::map`], and become the input's offsets, lines
/// and columns by another, the driver's `place`.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    /// The payload.
    pub span: Range<usize>,
    /// Its parts.
    pub marks: Marks,
    /// What was read. Its own `span` and `marks` stay unset: `place` fills
    /// them from the draft's.
    pub finding: Finding,
}

impl Draft {
    /// `finding`, read from `span`, its code and message standing where said.
    pub(crate) fn new(
        finding: Finding,
        span: Range<usize>,
        code: Option<Range<usize>>,
        message: Option<Range<usize>>,
    ) -> Draft {
        Draft { span, marks: Marks { code, message, ..Marks::default() }, finding }
    }
}

/// A draft finding or a payload that broke, in the positions of the text read.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Finding(Box<Draft>),
    /// The payload standing at `span` could not be read: reading broke at
    /// `error_at`, for `reason`.
    Malformed {
        span: Range<usize>,
        error_at: usize,
        reason: Broken,
    },
}

impl From<Draft> for Item {
    fn from(draft: Draft) -> Item {
        Item::Finding(Box::new(draft))
    }
}

/// Where the text a recogniser read came from: a view decoded from the
/// buffer, or a stretch cut from it.
pub(crate) trait Origin {
    /// Where position `at` of the text stands in the text it came from
    /// (`at` may be the text's length).
    fn source(&self, at: usize) -> usize;

    /// The wrapping decoded to make the text, if one was.
    fn wrapping(&self) -> Option<Wrapping>;

    /// Where `span` of the text stands in the text it came from.
    fn span(&self, span: &Range<usize>) -> Range<usize> {
        let start = self.source(span.start);
        start..self.source(span.end).max(start)
    }
}

impl Item {
    /// Moves the item onto the text its text came from: the one step by
    /// which positions leave a view. A finding takes the view's wrapping,
    /// except that leaving a line-wrapped view keeps an escaping the finding
    /// was already named for.
    pub(crate) fn map(self, origin: &impl Origin) -> Item {
        match self {
            Item::Finding(mut d) => {
                d.span = origin.span(&d.span);
                let Marks { code, message, inner_code, numbers } = &mut d.marks;
                let numbers = numbers.iter_mut().map(|(_, at)| at);
                for mark in [code, message, inner_code].into_iter().flatten().chain(numbers) {
                    *mark = origin.span(mark);
                }
                if let Some(wrapping) = origin.wrapping()
                    && (d.finding.wrapping == Wrapping::Raw || wrapping != Wrapping::LineWrapped)
                {
                    d.finding.wrapping = wrapping;
                }
                Item::Finding(d)
            }
            Item::Malformed { span, error_at, reason } => {
                Item::Malformed { span: origin.span(&span), error_at: origin.source(error_at), reason }
            }
        }
    }
}

/// What a recogniser made of a hit.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Payloads read; scanning resumes at `end`.
    Found { items: Vec<Item>, end: usize },
    /// Nothing here.
    Skip,
    /// The payload starting at `from` runs past the buffer.
    NeedMore { from: usize },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Shape;

    /// A text that stood at `at` in the one around it, decoded from `wrapping`
    /// with every byte standing for two (as `""` stands for `"` in CSV).
    struct Doubled {
        at: usize,
        wrapping: Option<Wrapping>,
    }

    impl Origin for Doubled {
        fn source(&self, at: usize) -> usize {
            self.at + 2 * at
        }

        fn wrapping(&self) -> Option<Wrapping> {
            self.wrapping
        }
    }

    fn draft(wrapping: Wrapping) -> Item {
        let mut finding = Finding::new(Shape::EwsResponse, "ErrorServerBusy");
        finding.wrapping = wrapping;
        let mut draft = Draft::new(finding, 2..40, Some(10..25), Some(30..38));
        draft.marks.inner_code = Some(26..28);
        draft.marks.numbers.push(("BackOffMilliseconds".into(), 40..45));
        draft.into()
    }

    #[test]
    fn a_draft_leaves_a_view_with_every_position_moved_and_the_views_wrapping() {
        let Item::Finding(d) = draft(Wrapping::Raw).map(&Doubled { at: 100, wrapping: Some(Wrapping::Csv) })
        else {
            panic!("a finding stays a finding");
        };
        assert_eq!(d.span, 104..180);
        assert_eq!(
            d.marks,
            Marks {
                code: Some(120..150),
                message: Some(160..176),
                inner_code: Some(152..156),
                numbers: vec![("BackOffMilliseconds".into(), 180..190)],
            }
        );
        assert_eq!(d.finding.wrapping, Wrapping::Csv);
    }

    #[test]
    fn leaving_a_line_wrapped_view_keeps_the_escaping_already_named() {
        let cut = Doubled { at: 0, wrapping: Some(Wrapping::LineWrapped) };
        let Item::Finding(escaped) = draft(Wrapping::JsonString).map(&cut) else { panic!("a finding") };
        assert_eq!(escaped.finding.wrapping, Wrapping::JsonString);
        let Item::Finding(raw) = draft(Wrapping::Raw).map(&cut) else { panic!("a finding") };
        assert_eq!(raw.finding.wrapping, Wrapping::LineWrapped);
        let stretch = Doubled { at: 7, wrapping: None };
        let Item::Finding(kept) = draft(Wrapping::XmlEscaped).map(&stretch) else { panic!("a finding") };
        assert_eq!(kept.finding.wrapping, Wrapping::XmlEscaped);
    }

    #[test]
    fn a_broken_payload_moves_with_where_it_broke() {
        let broken = Item::Malformed { span: 0..10, error_at: 4, reason: Broken::CutOff };
        let Item::Malformed { span, error_at, .. } = broken.map(&Doubled { at: 5, wrapping: None }) else {
            panic!("a broken payload stays broken");
        };
        assert_eq!((span, error_at), (5..25, 13));
    }
}
