//! Windows read before. Exports and traces repeat the same payload thousands
//! of times (one error for every mailbox, every poll), and reading a window
//! is most of what scanning costs. A window whose reading rests on its own
//! bytes alone ([`Read::rests_on`]) reads the same wherever those bytes stand,
//! so a thread keeps its recent readings and hands out a copy, moved to the
//! new place, when the text at a window's start begins with the same bytes
//! read the same way.
//!
//! Many payloads of one kind differ only in a number (the back-off of each
//! throttled call). A detail that is a number and nothing else is all its
//! window takes from its digits, so a reading kept with its numbers marked
//! also stands for a window with other digits there: its findings move by
//! the digits gained or lost and take the new numbers (see [`handed_out`]).
//!
//! What is kept is bounded (windows up to [`LONGEST`] bytes, about [`HELD`] bytes
//! in all per thread; past that, the readings nobody asked for since the
//! last time go), and a reading is only ever the one the parser would give:
//! the cache can make a scan faster, never different.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::ops::Range;

use rustc_hash::{FxHashMap, FxHasher};

use super::recognise::{Item, Origin, Outcome};
use super::window::{self, Read, Route};
use super::xml::NUMBER_DIGITS;
use crate::model::Wrapping;

/// How many bytes at a window's start pick the readings to compare with: the
/// longest of these the window holds. Payloads of one kind share long
/// openings (an envelope's header, a namespace), so a short prefix alone
/// would put them all in one place.
const PREFIXES: [usize; 3] = [1024, 256, 64];
/// Longer windows are read each time: they are rare and costly to keep.
const LONGEST: usize = 16 << 10;
/// About the bytes a thread keeps (windows and their findings) before it makes room.
const HELD: usize = 4 << 20;
/// About what a kept finding costs besides its window's bytes.
const PER_ITEM: usize = 1 << 10;
/// Readings kept per prefix, the latest used first.
const PER_PREFIX: usize = 16;
/// Layouts of readings with numbers in them a thread looks for, the latest
/// used first.
const LAYOUTS: usize = 32;

/// A reading, its positions taken from the window's start.
struct Kept {
    text: Box<[u8]>,
    items: Vec<Item>,
    /// Where its findings' numbers stand, in order: the reading stands for
    /// any window that has other digits there and the same bytes elsewhere.
    numbers: Box<[Number]>,
    end: usize,
    /// What it counts against [`HELD`].
    size: usize,
    /// Handed out since the shelf last made room.
    used: bool,
}

/// A detail of a kept finding that is a number and nothing else: where its
/// digits stand in the window, and which finding's detail it is.
struct Number {
    at: Range<usize>,
    item: usize,
    key: String,
}

/// Where a reading with numbers has its first, and how many bytes follow
/// that number up to the next (or to the window's end): a window is looked
/// for by the bytes around its first number, whatever its digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    number: usize,
    after: usize,
}

/// The readings a thread keeps (its shelf), by how the window was read, the
/// payload cap it was read under, and its first bytes (or, for readings
/// with numbers, the bytes around their first).
#[derive(Default)]
struct Shelf {
    by_prefix: FxHashMap<(Route, usize, u64), Vec<Kept>>,
    layouts: Vec<Layout>,
    held: usize,
}

impl Shelf {
    /// Makes room for `size` more bytes. Readings not handed out since the
    /// last time go first: a log's busy payloads stay on the shelf while the
    /// one-off ones (a payload that carries its own time or number) pass
    /// through. When the busy ones alone leave too little room, all go.
    fn make_room(&mut self, size: usize) {
        if self.held + size <= HELD {
            return;
        }
        let mut held = 0;
        self.by_prefix.retain(|_, readings| {
            readings.retain_mut(|r| std::mem::take(&mut r.used));
            held += readings.iter().map(|r| r.size).sum::<usize>();
            !readings.is_empty()
        });
        self.held = held;
        if self.held + size > HELD {
            *self = Shelf::default();
        }
    }

    /// The reading kept under `key` that `text` begins with (numbers aside),
    /// brought to the front of its list, and where `text` has its numbers.
    fn take(&mut self, key: (Route, usize, u64), text: &[u8]) -> Option<(&Kept, Vec<Range<usize>>)> {
        let readings = self.by_prefix.get_mut(&key)?;
        let (at, fits) = readings.iter().enumerate().find_map(|(at, r)| Some((at, fit(r, text)?)))?;
        readings[..=at].rotate_right(1);
        let reading = &mut readings[0];
        reading.used = true;
        Some((reading, fits))
    }

    /// Keeps `reading`, read along `route` under `max_payload`: by its first
    /// bytes, or by the bytes around its first number (whose layout is then
    /// looked for).
    fn keep(&mut self, route: Route, max_payload: usize, reading: Kept) {
        let (text, numbers) = (&reading.text, &reading.numbers);
        let key = match numbers.first() {
            None => PREFIXES
                .into_iter()
                .find(|&p| p <= text.len())
                .map(|p| prefix_key(route, max_payload, text, p)),
            Some(first) => {
                let next = numbers.get(1).map_or(text.len(), |n| n.at.start);
                let layout = Layout { number: first.at.start, after: next - first.at.end };
                let key = layout_key(route, max_payload, layout, text);
                if key.is_some() && !self.layouts.contains(&layout) {
                    self.layouts.truncate(LAYOUTS - 1);
                    self.layouts.insert(0, layout);
                }
                key
            }
        };
        let Some(key) = key else { return };
        self.make_room(reading.size);
        let readings = self.by_prefix.entry(key).or_default();
        if readings.len() == PER_PREFIX {
            self.held -= readings.pop().map_or(0, |r| r.size);
        }
        self.held += reading.size;
        readings.insert(0, reading);
    }
}

thread_local! {
    static KEPT: RefCell<Shelf> = RefCell::default();
}

/// Empties this thread's shelf: the next windows are read for the first time.
pub(super) fn forget() {
    KEPT.with_borrow_mut(|kept| *kept = Shelf::default());
}

/// The key of the readings whose first `len` bytes `text` begins with.
fn prefix_key(route: Route, max_payload: usize, text: &[u8], len: usize) -> (Route, usize, u64) {
    let mut hasher = FxHasher::default();
    text[..len].hash(&mut hasher);
    (route, max_payload, hasher.finish())
}

/// The key of the readings laid out as `layout` that `text` may be one of:
/// by the bytes before its first number and those after it.
fn layout_key(route: Route, max_payload: usize, layout: Layout, text: &[u8]) -> Option<(Route, usize, u64)> {
    let Layout { number, after } = layout;
    if text.get(number.checked_sub(1)?)?.is_ascii_digit() {
        return None;
    }
    let from = number + digits(&text[number..])?;
    let rest = text.get(from..from.checked_add(after)?)?;
    let mut hasher = FxHasher::default();
    (number, after, &text[..number], rest).hash(&mut hasher);
    Some((route, max_payload, hasher.finish()))
}

/// How many digits `text` starts with, when they make a number a detail
/// may be (one digit at least, [`NUMBER_DIGITS`] at most).
fn digits(text: &[u8]) -> Option<usize> {
    let digits = text.iter().take(NUMBER_DIGITS + 1).take_while(|b| b.is_ascii_digit()).count();
    (1..=NUMBER_DIGITS).contains(&digits).then_some(digits)
}

/// Where `text` has the numbers of `reading`, when it begins with the
/// reading's bytes but for the digits of those numbers.
fn fit(reading: &Kept, text: &[u8]) -> Option<Vec<Range<usize>>> {
    let mut fits = Vec::new();
    let (mut kept_at, mut at) = (0, 0);
    for number in &reading.numbers {
        let same = &reading.text[kept_at..number.at.start];
        if !text.get(at..)?.starts_with(same) {
            return None;
        }
        at += same.len();
        let digits = digits(&text[at..])?;
        fits.push(at..at + digits);
        at += digits;
        kept_at = number.at.end;
    }
    text.get(at..)?.starts_with(&reading.text[kept_at..]).then_some(fits)
}

/// The reading of the window at `buf[start..]` along `route`: a kept one
/// when the same bytes (numbers aside) were read the same way before, else
/// `read()`'s, kept when it rests on the window's bytes alone.
pub(super) fn recall(
    buf: &[u8],
    start: usize,
    route: Route,
    max_payload: usize,
    read: impl FnOnce() -> Read,
) -> Outcome {
    let text = &buf[start..];
    let kept = KEPT.with_borrow_mut(|kept| {
        for len in PREFIXES.into_iter().filter(|&len| len <= text.len()) {
            if let Some((reading, fits)) = kept.take(prefix_key(route, max_payload, text, len), text) {
                return handed_out(reading, &fits, text, start, route, max_payload);
            }
        }
        for at in 0..kept.layouts.len() {
            let Some(key) = layout_key(route, max_payload, kept.layouts[at], text) else { continue };
            let Some((reading, fits)) = kept.take(key, text) else { continue };
            let outcome = handed_out(reading, &fits, text, start, route, max_payload);
            kept.layouts[..=at].rotate_right(1);
            return outcome;
        }
        None
    });
    if let Some(outcome) = kept {
        return outcome;
    }
    let Read { outcome, rests_on } = read();
    if let (Some(rests_on), Outcome::Found { items, end }) = (rests_on, &outcome) {
        let len = rests_on.saturating_sub(start);
        if len <= LONGEST && *end <= rests_on {
            let text = &text[..len];
            let reading = Kept {
                text: text.into(),
                items: items.iter().map(|i| i.clone().map(&Moved { from: start, to: 0 })).collect(),
                numbers: numbers(text, start, items).into(),
                end: end - start,
                size: len + items.len() * PER_ITEM,
                used: false,
            };
            KEPT.with_borrow_mut(|kept| kept.keep(route, max_payload, reading));
        }
    }
    outcome
}

/// The numbers of a reading of `text` (the window at `start`): the details
/// its findings read as numbers whose digits stand in the window as they
/// are, with no digit beside them. Those digits are all the reading takes
/// from there, so other digits in their place would read the same but for
/// those details. None when a payload broke: how a broken one reads may
/// hang on any byte.
fn numbers(text: &[u8], start: usize, items: &[Item]) -> Vec<Number> {
    let mut numbers = Vec::new();
    for (item, found) in items.iter().enumerate() {
        let Item::Finding(draft) = found else { return Vec::new() };
        for (key, at) in &draft.marks.numbers {
            let Some(at) = at.start.checked_sub(start).zip(at.end.checked_sub(start)).map(|(s, e)| s..e)
            else {
                continue;
            };
            let value = draft.finding.details.get(key).map(String::as_bytes);
            let stands = at.start > 0
                && text.get(at.clone()) == value
                && !text[at.start - 1].is_ascii_digit()
                && text.get(at.end).is_some_and(|b| !b.is_ascii_digit());
            if stands {
                numbers.push(Number { at, item, key: key.clone() });
            }
        }
    }
    numbers.sort_by_key(|n| n.at.start);
    if numbers.windows(2).any(|pair| pair[0].at.end >= pair[1].at.start) {
        return Vec::new();
    }
    numbers
}

/// A kept reading, as the window at `start` whose numbers stand at `fits`
/// reads: its positions moved, past each number by as many digits as that
/// number gained or lost, and each number's detail the new digits. None
/// when new digits could make the window read otherwise: longer than the
/// payload cap, or (read as it stands) cut into lines of one width that a
/// viewer may have made, which the reader would undo.
fn handed_out(
    reading: &Kept,
    fits: &[Range<usize>],
    text: &[u8],
    start: usize,
    route: Route,
    max_payload: usize,
) -> Option<Outcome> {
    if reading.numbers.is_empty() {
        super::work::add(reading.text.len() / 8);
        let items = reading.items.iter().map(|i| i.clone().map(&Moved { from: 0, to: start })).collect();
        return Some(Outcome::Found { items, end: start + reading.end });
    }
    let shifted = Shifted { to: start, numbers: &reading.numbers, fits, len: reading.text.len() };
    let len = shifted.source(reading.text.len()) - start;
    let end = shifted.source(reading.end) - start;
    if len > LONGEST
        || len >= max_payload
        || (route == Route::Plain && window::cut_width(&text[..end]).is_some())
    {
        return None;
    }
    let mut items: Vec<Item> = reading.items.iter().map(|i| i.clone().map(&shifted)).collect();
    for (number, fit) in reading.numbers.iter().zip(fits) {
        if let Some(Item::Finding(draft)) = items.get_mut(number.item) {
            let digits = text[fit.clone()].iter().map(|&b| char::from(b)).collect();
            draft.finding.details.insert(number.key.clone(), digits);
        }
    }
    super::work::add(len / 8);
    Some(Outcome::Found { items, end: start + end })
}

/// A window's text moved from `from` to `to`: the same bytes, standing elsewhere.
struct Moved {
    from: usize,
    to: usize,
}

impl Origin for Moved {
    fn source(&self, at: usize) -> usize {
        // Wrapping, so that a position before the window's start (none is
        // expected) still moves by exactly the same distance.
        at.wrapping_sub(self.from).wrapping_add(self.to)
    }

    fn wrapping(&self) -> Option<Wrapping> {
        None
    }
}

/// A kept window's text moved to `to`, with other digits in its numbers:
/// what stands past a number moves by as many bytes as its digits grew.
struct Shifted<'a> {
    to: usize,
    numbers: &'a [Number],
    fits: &'a [Range<usize>],
    len: usize,
}

impl Origin for Shifted<'_> {
    fn source(&self, at: usize) -> usize {
        let grown: isize = if at > self.len {
            0
        } else {
            let grew =
                |(n, fit): (&Number, &Range<usize>)| fit.len().cast_signed() - n.at.len().cast_signed();
            self.numbers.iter().zip(self.fits).filter(|(n, _)| n.at.end <= at).map(grew).sum()
        };
        at.wrapping_add(self.to).wrapping_add_signed(grown)
    }

    fn wrapping(&self) -> Option<Wrapping> {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::ops::Range;

    use crate::model::{Finding, Wrapping};
    use crate::scan::{Event, ScanConfig, SourceInfo, scan_bytes};

    /// The findings of `text`, scanned on a thread of its own: with nothing
    /// kept from before.
    fn fresh(text: &[u8]) -> Vec<Finding> {
        let text = text.to_vec();
        std::thread::spawn(move || {
            let source = SourceInfo { path: "t.log".into(), encoding: Default::default() };
            let (events, _) = scan_bytes(&text, &source, &ScanConfig::default());
            events
                .into_iter()
                .filter_map(|e| match e {
                    Event::Finding(f) => Some(*f),
                    _ => None,
                })
                .collect()
        })
        .join()
        .expect("the scan ran")
    }

    /// What a finding says, with its positions taken from `from`.
    #[derive(Debug, PartialEq)]
    struct Reading {
        code: String,
        message: Option<String>,
        inner_code: Option<String>,
        details: BTreeMap<String, String>,
        wrapping: Wrapping,
        at: Range<u64>,
        marks: [Option<Range<u64>>; 3],
    }

    fn reading(f: &Finding, from: u64) -> Reading {
        let mark = |m: &Option<Range<u64>>| m.as_ref().map(|m| m.start - from..m.end - from);
        let start = f.span.offset - from;
        Reading {
            code: f.code.clone(),
            message: f.message.clone(),
            inner_code: f.inner_code.clone(),
            details: f.details.clone(),
            wrapping: f.wrapping,
            at: start..start + f.span.length,
            marks: [mark(&f.marks.code), mark(&f.marks.message), mark(&f.marks.inner_code)],
        }
    }

    #[test]
    fn readings_used_since_the_last_room_made_stay_on_the_shelf() {
        use super::{HELD, Kept, Route, Shelf};
        let reading = |size: usize, used: bool| Kept {
            text: Box::new([]),
            items: Vec::new(),
            numbers: Box::new([]),
            end: 0,
            size,
            used,
        };
        let mut shelf = Shelf::default();
        let quarter = HELD / 4;
        for (key, used) in [(1, true), (2, false), (3, false)] {
            shelf.by_prefix.insert((Route::Plain, 0, key), vec![reading(quarter, used)]);
        }
        shelf.held = 3 * quarter;

        shelf.make_room(quarter);
        assert_eq!(shelf.held, 3 * quarter, "there was room: nothing goes");
        shelf.make_room(2 * quarter);
        assert_eq!(shelf.by_prefix.keys().map(|k| k.2).collect::<Vec<_>>(), [1], "the busy reading stays");
        assert_eq!(shelf.held, quarter);
        assert!(!shelf.by_prefix[&(Route::Plain, 0, 1)][0].used, "and must be used again to stay again");

        shelf.by_prefix.get_mut(&(Route::Plain, 0, 1)).expect("kept")[0].used = true;
        shelf.make_room(HELD);
        assert!(
            shelf.by_prefix.is_empty() && shelf.held == 0,
            "when the busy ones leave too little room, all go"
        );
    }

    #[test]
    fn a_payload_met_again_reads_as_it_did_alone() {
        let fragment = r#"<ResponseMessageType xmlns:q1="http://schemas.microsoft.com/exchange/services/2006/messages" ResponseClass="Error"><q1:MessageText>Mailbox does not exist.</q1:MessageText><q1:ResponseCode>ErrorNonExistentMailbox</q1:ResponseCode></ResponseMessageType>"#;
        // The same first bytes, then another message and code.
        let other = fragment
            .replace("Mailbox does not exist.", "Access is denied.")
            .replace("ErrorNonExistentMailbox", "ErrorAccessDenied");
        let forms = [
            format!("2026-11-20T08:15:02Z ERROR >Error : {fragment}"),
            format!("2026-11-20T08:15:03Z,\"x\",\">Error : {}\",Error", fragment.replace('"', "\"\"")),
            serde_json::json!({ "details": format!(">Error : {other}") }).to_string(),
            format!("2026-11-20T08:15:04Z ERROR >Error : {other}"),
        ];
        let mut text = String::new();
        let mut starts = Vec::new();
        for round in 0..3 {
            for form in &forms {
                text.push_str(&"noise line\n".repeat(round + 1));
                starts.push(text.len() as u64);
                text.push_str(form);
                text.push('\n');
            }
        }
        let all = fresh(text.as_bytes());
        assert_eq!(all.len(), starts.len(), "one finding per payload");
        for (f, (at, form)) in all.iter().zip(starts.iter().zip(forms.iter().cycle())) {
            let alone = fresh(form.as_bytes());
            assert_eq!(alone.len(), 1);
            assert_eq!(reading(f, *at), reading(&alone[0], 0), "{form}");
            let code_at = f.marks.code.clone().expect("a code mark");
            let code = &text.as_bytes()[code_at.start as usize..code_at.end as usize];
            assert_eq!(code, f.code.as_bytes(), "the mark points at this payload's own code");
        }
    }

    /// An envelope with a throttled message (its back-off `ms`) and a
    /// refused one, as a trace writes it: one line per element.
    fn throttled(ms: &str) -> String {
        [
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>"#,
            r#"<m:FindItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>"#,
            r#"<m:FindItemResponseMessage ResponseClass="Error">"#,
            r#"<m:MessageText>The server cannot service this request right now. Try again later.</m:MessageText>"#,
            r#"<m:ResponseCode>ErrorServerBusy</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"#,
            &format!(r#"<m:MessageXml><t:Value Name="BackOffMilliseconds">{ms}</t:Value></m:MessageXml>"#),
            r#"</m:FindItemResponseMessage><m:FindItemResponseMessage ResponseClass="Error">"#,
            r#"<m:MessageText>Access is denied. Check credentials and try again.</m:MessageText>"#,
            r#"<m:ResponseCode>ErrorAccessDenied</m:ResponseCode></m:FindItemResponseMessage>"#,
            r#"</m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>"#,
        ]
        .join("\n")
    }

    #[test]
    fn a_payload_met_again_with_other_numbers_reads_as_it_did_alone() {
        let forms = |ms: &str| {
            let envelope = throttled(ms);
            [
                format!("2026-11-20T08:15:02Z DEBUG Raw response:\n{envelope}"),
                format!("2026-11-20T08:15:03Z,\"x\",\"{}\",Error", envelope.replace('"', "\"\"")),
                serde_json::json!({ "response": envelope }).to_string(),
                // Two numbers in one message.
                format!(
                    "2026-11-20T08:15:04Z DEBUG Raw response:\n{}",
                    envelope.replace(
                        "</m:MessageXml>",
                        &format!(r#"<t:Value Name="Retries">{ms}</t:Value></m:MessageXml>"#)
                    )
                ),
            ]
        };
        // Longer, shorter and again the first: each number read in the
        // place of another one's.
        let numbers = ["30000", "7", "123456789012", "30000", "450"];
        let mut text = String::new();
        let mut payloads = Vec::new();
        for (round, ms) in numbers.iter().enumerate() {
            for form in forms(ms) {
                text.push_str(&"noise line\n".repeat(round + 1));
                payloads.push((text.len() as u64, form.clone()));
                text.push_str(&form);
                text.push('\n');
            }
        }
        let all = fresh(text.as_bytes());
        let mut alone = Vec::new();
        for (at, form) in &payloads {
            for f in fresh(form.as_bytes()) {
                alone.push((f, *at));
            }
        }
        assert_eq!(all.len(), alone.len(), "each payload gives its findings");
        for (f, (by_itself, at)) in all.iter().zip(&alone) {
            assert_eq!(reading(f, *at), reading(by_itself, 0));
        }
        let backoffs: Vec<&str> =
            all.iter().filter_map(|f| f.details.get("BackOffMilliseconds").map(String::as_str)).collect();
        assert_eq!(backoffs.len(), numbers.len() * 4, "every throttled message gives its back-off");
        let retries: Vec<&str> =
            all.iter().filter_map(|f| f.details.get("Retries").map(String::as_str)).collect();
        assert_eq!(retries, numbers, "and the second number of its message");
        for (i, ms) in backoffs.iter().enumerate() {
            assert_eq!(*ms, numbers[i / 4], "the back-off of payload {i} is its own");
        }
    }

    #[test]
    fn only_a_number_standing_alone_in_its_window_is_read_as_one() {
        use super::super::recognise::{Draft, Item};
        use super::numbers;
        use crate::model::Shape;
        let text = b"<a><b>30000</b><c>x30000</c><d>4500</d></a>";
        let draft = |key: &str, at: Range<usize>, value: &str| {
            let mut finding = Finding::new(Shape::EwsResponse, "ErrorServerBusy");
            finding.details.insert(key.into(), value.into());
            let mut draft = Draft::new(finding, 0..text.len(), None, None);
            draft.marks.numbers.push((key.into(), at));
            Item::from(draft)
        };
        // Where the digits stand as the detail says (positions in the input,
        // the window starting at 100).
        let kept = numbers(text, 100, &[draft("B", 106..111, "30000")]);
        assert_eq!(kept.iter().map(|n| (n.at.start, n.at.end)).collect::<Vec<_>>(), [(6, 11)]);
        // Beside a letter is fine; beside a digit, or not the detail's own
        // digits, is no number to read again.
        assert_eq!(numbers(text, 100, &[draft("C", 119..124, "30000")]).len(), 1);
        assert!(numbers(text, 100, &[draft("D", 132..135, "500")]).is_empty());
        assert!(numbers(text, 100, &[draft("B", 106..111, "30001")]).is_empty());
    }

    #[test]
    fn windows_read_again_read_as_they_did_the_first_time() {
        // Whole payloads with numbers in them, in the wrappings a log gives
        // them, halves of them, and the noise and breaks around them.
        let message = |ms: &str| {
            format!(
                r#"<m:FindItemResponseMessage xmlns:m="urn:m" xmlns:t="urn:t" ResponseClass="Error"><m:MessageText>The server cannot service this request right now.</m:MessageText>
<m:ResponseCode>ErrorServerBusy</m:ResponseCode><m:MessageXml><t:Value Name="BackOffMilliseconds">{ms}</t:Value><t:Value Name="LineNumber">{ms}0</t:Value></m:MessageXml></m:FindItemResponseMessage>"#
            )
        };
        let raw = message("30000");
        let (head, tail) = raw.split_at(raw.find("30000").expect("the number"));
        let pieces = [
            raw.clone(),
            message("7"),
            format!(
                "<s:Envelope xmlns:s=\"urn:s\"><s:Body>{}{}</s:Body></s:Envelope>",
                message("450"),
                message("9")
            ),
            format!("\"{}\",", message("123456789").replace('"', "\"\"")),
            serde_json::json!({ "response": message("88") }).to_string(),
            message("1200").replace('<', "&lt;").replace('>', "&gt;"),
            head.to_owned(),
            tail.to_owned(),
            "12345678901234567890123".to_owned(),
            "2026-11-20T08:15:02Z ERROR ".to_owned(),
            "\n".to_owned(),
            " ".to_owned(),
            "\"".to_owned(),
            "x".to_owned(),
        ];
        let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let config = ScanConfig { max_payload: 4 << 10, read_size: 1 << 10, ..ScanConfig::default() };
        for text in crate::scan::mixed::texts(&pieces, 0x2F6B_3C5D_9A17_E4C3, 1_500, 12) {
            crate::scan::fuzzing::check_recall(text.as_bytes(), &config);
        }
    }
}
