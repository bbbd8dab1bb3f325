//! Windows read before. Exports and traces repeat the same payload thousands
//! of times (one error for every mailbox, every poll), and reading a window
//! is most of what scanning costs. A window whose reading rests on its own
//! bytes alone ([`Read::rests_on`]) reads the same wherever those bytes stand,
//! so a thread keeps its recent readings and hands out a copy, moved to the
//! new place, when the text at a window's start begins with the same bytes
//! read the same way.
//!
//! What is kept is bounded (windows up to [`LONGEST`] bytes, about [`HELD`] bytes
//! in all per thread; past that, the readings nobody asked for since the
//! last time go), and a reading is only ever the one the parser would give:
//! the cache can make a scan faster, never different.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use super::recognise::{Item, Origin, Outcome};
use super::window::{Read, Route};
use crate::model::Wrapping;

/// How many bytes at a window's start pick the readings to compare with: the
/// longest of these the window holds. Payloads of one kind share long
/// openings (an envelope's header, a namespace), so a short prefix alone
/// would put them all in one place.
const PREFIXES: [usize; 3] = [1024, 256, 64];
/// Longer windows are read each time: they are rare and costly to keep.
const LONGEST: usize = 16 << 10;
/// About the bytes a thread keeps (windows and their findings) before it makes room.
const HELD: usize = 1 << 20;
/// About what a kept finding costs besides its window's bytes.
const PER_ITEM: usize = 1 << 10;
/// Readings kept per prefix, the latest used first.
const PER_PREFIX: usize = 16;

/// A reading, its positions taken from the window's start.
struct Kept {
    text: Box<[u8]>,
    items: Vec<Item>,
    end: usize,
    /// What it counts against [`HELD`].
    size: usize,
    /// Handed out since the shelf last made room.
    used: bool,
}

/// The readings a thread keeps (its shelf), by how the window was read, the
/// payload cap it was read under, and its first bytes.
#[derive(Default)]
struct Shelf {
    by_prefix: FxHashMap<(Route, usize, u64), Vec<Kept>>,
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
}

thread_local! {
    static KEPT: RefCell<Shelf> = RefCell::default();
}

/// The reading of the window at `buf[start..]` along `route`: a kept one
/// when the same bytes were read the same way before, else `read()`'s,
/// kept when it rests on the window's bytes alone.
pub(super) fn recall(
    buf: &[u8],
    start: usize,
    route: Route,
    max_payload: usize,
    read: impl FnOnce() -> Read,
) -> Outcome {
    let text = &buf[start..];
    let key = |len: usize| {
        let mut hasher = FxHasher::default();
        text[..len].hash(&mut hasher);
        (route, max_payload, hasher.finish())
    };
    let kept = KEPT.with_borrow_mut(|kept| {
        let readings = PREFIXES.iter().filter(|&&len| len <= text.len()).find_map(|&len| {
            let key = key(len);
            let at = kept.by_prefix.get(&key)?.iter().position(|r| text.starts_with(&r.text))?;
            Some((key, at))
        });
        let (key, at) = readings?;
        let readings = kept.by_prefix.get_mut(&key)?;
        readings[..=at].rotate_right(1);
        let reading = &mut readings[0];
        reading.used = true;
        super::work::add(reading.text.len() / 8);
        Some(Outcome::Found {
            items: reading.items.iter().map(|i| moved(i, 0, start)).collect(),
            end: start + reading.end,
        })
    });
    if let Some(outcome) = kept {
        return outcome;
    }
    let Read { outcome, rests_on } = read();
    if let (Some(rests_on), Outcome::Found { items, end }) = (rests_on, &outcome) {
        let len = rests_on.saturating_sub(start);
        let prefix = PREFIXES.iter().copied().find(|&p| p <= len);
        if let Some(prefix) = prefix.filter(|_| len <= LONGEST && *end <= rests_on) {
            let key = key(prefix);
            let size = len + items.len() * PER_ITEM;
            KEPT.with_borrow_mut(|kept| {
                kept.make_room(size);
                let readings = kept.by_prefix.entry(key).or_default();
                if readings.len() == PER_PREFIX {
                    kept.held -= readings.pop().map_or(0, |r| r.size);
                }
                kept.held += size;
                let items = items.iter().map(|i| moved(i, start, 0)).collect();
                let reading = Kept { text: text[..len].into(), items, end: end - start, size, used: false };
                readings.insert(0, reading);
            });
        }
    }
    outcome
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

/// A copy of `item` with its positions moved from a window at `from` to one at `to`.
fn moved(item: &Item, from: usize, to: usize) -> Item {
    item.clone().map(&Moved { from, to })
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use crate::model::Finding;
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
    type Reading = (String, Option<String>, Option<String>, u64, [Option<Range<u64>>; 3]);

    fn reading(f: &Finding, from: u64) -> Reading {
        let mark = |m: &Option<Range<u64>>| m.as_ref().map(|m| m.start - from..m.end - from);
        (
            f.code.clone(),
            f.message.clone(),
            f.inner_code.clone(),
            f.span.offset - from,
            [mark(&f.marks.code), mark(&f.marks.message), mark(&f.marks.inner_code)],
        )
    }

    #[test]
    fn readings_used_since_the_last_room_made_stay_on_the_shelf() {
        use super::{HELD, Kept, Route, Shelf};
        let reading =
            |size: usize, used: bool| Kept { text: Box::new([]), items: Vec::new(), end: 0, size, used };
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
}
