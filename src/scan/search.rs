//! Finding a set of words fast, by a rarer part of each.
//!
//! A multi-literal searcher tells candidates apart by the first bytes of
//! each word: with many words, or one as short as three bytes, those
//! fingerprints match ordinary text all the time and every match is
//! checked. So each word is looked for by a part of it that is at least
//! four bytes long and rare in logs (its *gate*: `espons` for
//! `ResponseCode`, `Error` for every word that holds it), and a gate
//! found is checked against every word that holds it there. A word too
//! short for a gate is looked for on its own, by a search of its own.
//!
//! What comes out is exactly what one leftmost-first search over the words
//! would give: the word that starts first, and of words starting at one
//! place the first listed. A later gate can name a word that starts earlier
//! only where one word holds another and the inner word's gate comes first;
//! [`Words::new`] refuses such a table (see
//! `a_word_that_could_hide_behind_another_is_refused`).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind, Span, packed};

/// Gates shorter than this would make the searcher's fingerprints short
/// for every word.
const GATE_MIN: usize = 4;

/// The search for gates: the vector searcher itself where the processor
/// has one (a gate found costs no more than the search), else an automaton.
#[derive(Debug)]
enum Gates {
    Simd(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Gates {
    /// Where the first gate at or after `from` starts.
    fn find(&self, buf: &[u8], from: usize) -> Option<usize> {
        if from > buf.len() {
            return None;
        }
        match self {
            Gates::Simd(simd) => simd.find_in(buf, Span::from(from..buf.len())).map(|m| m.start()),
            Gates::Automaton(automaton) => automaton.find(Input::new(buf).range(from..)).map(|m| m.start()),
        }
    }
}

/// A word found: where it starts in the buffer, and its place in the table.
type Found = (usize, usize);

/// A word a gate may stand in.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Its place in the table.
    word: usize,
    /// How far into the word the gate stands.
    offset: usize,
    /// Its first eight bytes (fewer in a shorter word, the rest masked off),
    /// compared at once.
    head: u64,
    mask: u64,
}

impl Candidate {
    fn new(word: usize, text: &[u8], offset: usize) -> Candidate {
        let mut head = [0; 8];
        let n = text.len().min(8);
        head[..n].copy_from_slice(&text[..n]);
        let mask = if n == 8 { u64::MAX } else { (1 << (8 * n)) - 1 };
        Candidate { word, offset, head: u64::from_le_bytes(head), mask }
    }

    /// Whether `text` (the word) stands at `at` in `buf`.
    fn stands_at(&self, buf: &[u8], at: usize, text: &[u8]) -> bool {
        match buf.get(at..at + 8) {
            Some(eight) => {
                let eight = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
                eight & self.mask == self.head && (text.len() <= 8 || buf[at + 8..].starts_with(&text[8..]))
            }
            None => buf[at..].starts_with(text),
        }
    }
}

/// A set of words, each looked for by its gate or on its own.
#[derive(Debug)]
pub(super) struct Words {
    words: Vec<&'static [u8]>,
    /// Every gate, each once.
    gates: Gates,
    /// For the first byte of a gate: the words it may be part of, in the
    /// order listed.
    by_first: Vec<Vec<Candidate>>,
    /// The words without a gate, and their places in `words`.
    alone: Option<(AhoCorasick, Vec<usize>)>,
    /// The longest word's length.
    longest: usize,
}

impl Words {
    /// Builds the search for `table`, a list of words each with its gate
    /// (empty for a word searched on its own).
    ///
    /// # Panics
    /// When a gate is not part of its word, is shorter than [`GATE_MIN`],
    /// or lets one word hide behind another: a fixed table is wrong, and
    /// the tests build every table there is.
    ///
    /// The gates go to the vector searcher in the order `order` lists them,
    /// any it does not list after (the anchors give `GATES_IN_ORDER`):
    /// the order changes nothing found, only how fast.
    pub(super) fn new(table: &[(&'static str, &'static str)], order: &[&str]) -> Words {
        let words: Vec<&'static [u8]> = table.iter().map(|(w, _)| w.as_bytes()).collect();
        let mut gates: Vec<&'static str> = Vec::new();
        let mut offsets = Vec::with_capacity(table.len());
        let mut by_first = vec![Vec::new(); 256];
        let mut alone = Vec::new();
        for (i, &(word, gate)) in table.iter().enumerate() {
            if gate.is_empty() {
                alone.push(i);
                offsets.push(None);
                continue;
            }
            assert!(gate.len() >= GATE_MIN, "the gate {gate:?} of {word:?} is too short");
            let offset = word.find(gate).unwrap_or_else(|| panic!("{gate:?} is not part of {word:?}"));
            if !gates.contains(&gate) {
                gates.push(gate);
            }
            by_first[usize::from(gate.as_bytes()[0])].push(Candidate::new(i, word.as_bytes(), offset));
            offsets.push(Some(offset));
        }
        gates.sort_by_key(|gate| order.iter().position(|listed| listed == gate).unwrap_or(order.len()));
        if let Some((outer, inner)) = hidden(&words, &offsets) {
            panic!("{inner:?} can stand inside {outer:?} with its gate first: give them gates at one place");
        }
        let build = |patterns: &[&[u8]]| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(patterns)
                .expect("a few literal words build one automaton")
        };
        let gate_bytes: Vec<&[u8]> = gates.iter().map(|g| g.as_bytes()).collect();
        let alone = (!alone.is_empty()).then(|| {
            let patterns: Vec<&[u8]> = alone.iter().map(|&i| words[i]).collect();
            (build(&patterns), alone)
        });
        let longest = words.iter().map(|w| w.len()).max().unwrap_or(0);
        let gates = match packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&gate_bytes)
            .build()
        {
            Some(simd) => Gates::Simd(simd),
            None => Gates::Automaton(build(&gate_bytes)),
        };
        Words { gates, by_first, alone, longest, words }
    }

    /// The word that starts first at or after `from` and ends within
    /// `buf`, as (start, index in the table).
    fn gated(&self, buf: &[u8], from: usize) -> Option<Found> {
        let mut at = from;
        loop {
            let gate = self.gates.find(buf, at)?;
            let mut best: Option<Found> = None;
            for candidate in &self.by_first[usize::from(buf[gate])] {
                let Some(start) = gate.checked_sub(candidate.offset).filter(|&s| s >= from) else { continue };
                let word = candidate.word;
                if candidate.stands_at(buf, start, self.words[word]) && best.is_none_or(|b| (start, word) < b)
                {
                    best = Some((start, word));
                }
            }
            if best.is_some() {
                return best;
            }
            at = gate + 1;
        }
    }

    /// The same for the words searched on their own.
    fn alone(&self, buf: &[u8], from: usize) -> Option<Found> {
        let (search, index) = self.alone.as_ref()?;
        let found = search.find(buf.get(from..)?)?;
        Some((from + found.start(), index[found.pattern().as_usize()]))
    }
}

/// Whether some word can stand inside another with its gate before the
/// outer word's: then the inner word's gate would be found first and the
/// outer word, which starts earlier (or at the same place, listed first),
/// missed. Words with no gate are found apart and never hide. Returns
/// (outer, inner).
fn hidden(words: &[&'static [u8]], offsets: &[Option<usize>]) -> Option<(String, String)> {
    for (o, (outer, &outer_gate)) in words.iter().zip(offsets).enumerate() {
        for (i, (inner, &inner_gate)) in words.iter().zip(offsets).enumerate() {
            let (Some(og), Some(ig)) = (outer_gate, inner_gate) else { continue };
            // The inner word `shift` bytes after the outer one's start; at
            // the same start the one listed first is the one found.
            let first_shift = if i > o { 0 } else { 1 };
            for shift in first_shift..outer.len() {
                let overlap = (outer.len() - shift).min(inner.len());
                if outer[shift..shift + overlap] == inner[..overlap] && shift + ig < og {
                    let text = |w: &[u8]| String::from_utf8_lossy(w).into_owned();
                    return Some((text(outer), text(inner)));
                }
            }
        }
    }
    None
}

/// Where a search ahead last stopped: it looked from `from` (a place in the
/// input, not in the buffer) to `end`, the end of what was read then, and
/// found `hit` (where in the input, which word) or nothing.
#[derive(Debug, Clone, Copy)]
struct Ahead {
    from: u64,
    end: u64,
    hit: Option<(u64, usize)>,
}

/// One input's searches: each remembers how far it looked ahead, so that
/// asking again before its hit (after a hit of the other search, or one
/// that led nowhere) or after more input arrived does not look again at
/// what it has passed. The text at a place in the input never changes, so
/// what was found holds while the buffer moves on.
#[derive(Debug, Default)]
pub(super) struct Searches {
    gated: Option<Ahead>,
    alone: Option<Ahead>,
}

impl Searches {
    /// The first word at or after `from` in `buf`, whose first byte stands
    /// at `base` in the input: (start in `buf`, index in the table).
    pub(super) fn next(&mut self, words: &Words, buf: &[u8], base: u64, from: usize) -> Option<Found> {
        let gated = ahead(&mut self.gated, words, buf, base, from, Words::gated);
        let alone = ahead(&mut self.alone, words, buf, base, from, Words::alone);
        match (gated, alone) {
            (Some(g), Some(a)) => Some(g.min(a)),
            (g, a) => g.or(a),
        }
    }
}

/// One search's next hit, from what it remembers when that still answers.
fn ahead(
    memory: &mut Option<Ahead>,
    words: &Words,
    buf: &[u8],
    base: u64,
    from: usize,
    search: fn(&Words, &[u8], usize) -> Option<Found>,
) -> Option<Found> {
    let asked = base + from as u64;
    let end = base + buf.len() as u64;
    // A word that ran past the end of what was read could not be found then;
    // one that starts this far before that end was whole.
    let whole_before = |then: u64| then.saturating_sub((words.longest as u64).saturating_sub(1));
    let mut look_from = from;
    if let Some(seen) = *memory
        && seen.from <= asked
    {
        match seen.hit {
            Some((at, word)) if at >= asked && (seen.end == end || at <= whole_before(seen.end)) => {
                return Some(((at - base) as usize, word));
            }
            None if seen.end == end => return None,
            None => {
                look_from =
                    from.max(usize::try_from(whole_before(seen.end).saturating_sub(base)).unwrap_or(0));
            }
            Some(_) => {}
        }
    }
    let hit = search(words, buf, look_from);
    *memory = Some(Ahead { from: asked, end, hit: hit.map(|(at, word)| (base + at as u64, word)) });
    hit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the words would give searched all together, leftmost first.
    fn oracle(table: &[(&'static str, &'static str)], buf: &[u8], from: usize) -> Option<Found> {
        let all = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(table.iter().map(|(w, _)| w))
            .expect("builds");
        all.find(&buf[from..]).map(|m| (from + m.start(), m.pattern().as_usize()))
    }

    const TABLE: &[(&str, &str)] = &[
        ("Email Server Error Code", "rror"),
        ("ResponseCode", "espons"),
        ("Error", "rror"),
        ("ErrorTimeout", "rror"),
        ("MessageText", "eText"),
        ("-Mg", ""),
        ("X-Ms", ""),
    ];

    /// A little deterministic text of the words' pieces and noise.
    fn texts() -> impl Iterator<Item = Vec<u8>> {
        let pieces: &[&str] = &[
            "Email Server ",
            "Error",
            " Code",
            "Response",
            "Code",
            "Message",
            "Text",
            "-M",
            "g",
            "X-",
            "Ms",
            "rror",
            "eText",
            "espons",
            "e",
            "r",
            " ",
            "Timeout",
            "ErrorT",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..3000).map(move |_| {
            let mut text = Vec::new();
            for _ in 0..(state % 17) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.extend_from_slice(pieces[(state % pieces.len() as u64) as usize].as_bytes());
            }
            text
        })
    }

    #[test]
    fn finds_what_one_search_over_all_the_words_finds_in_any_order_of_gates() {
        let mut gates: Vec<&str> = TABLE.iter().map(|(_, gate)| *gate).collect();
        gates.reverse();
        let orders: [&[&str]; 2] = [&[], &gates];
        let searchers = orders.map(|order| Words::new(TABLE, order));
        for text in texts() {
            for from in 0..=text.len() {
                for words in &searchers {
                    let mut fresh = Searches::default();
                    assert_eq!(
                        fresh.next(words, &text, 0, from),
                        oracle(TABLE, &text, from),
                        "from {from} in {:?}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
    }

    #[test]
    fn remembers_without_changing_the_answer() {
        let words = Words::new(TABLE, &[]);
        for text in texts() {
            // Read in three parts, asked at every place as a scan would.
            let mut searches = Searches::default();
            for upto in [text.len() / 3, 2 * text.len() / 3, text.len()] {
                for from in 0..=upto {
                    assert_eq!(
                        searches.next(&words, &text[..upto], 0, from),
                        oracle(TABLE, &text[..upto], from),
                        "from {from} of {upto} in {:?}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
            // The same, with the buffer's start dropped as the scan goes.
            let mut searches = Searches::default();
            let mut hits = Vec::new();
            let mut from = 0;
            while let Some((at, word)) = searches.next(&words, &text[from..], from as u64, 0) {
                hits.push((from + at, word));
                from += at + 1;
            }
            let mut expected = Vec::new();
            let mut from = 0;
            while let Some((at, word)) = oracle(TABLE, &text, from) {
                expected.push((at, word));
                from = at + 1;
            }
            assert_eq!(hits, expected);
        }
    }

    #[test]
    fn a_word_that_could_hide_behind_another_is_refused() {
        // `Sync` would be found by its gate before `Sync Error` by `rror`.
        let hidden =
            std::panic::catch_unwind(|| Words::new(&[("Sync Error", "rror"), ("Sync", "Sync")], &[]));
        assert!(hidden.is_err());
        // With `Sync` at one place with the outer word's gate, it is fine.
        Words::new(&[("Sync Error", "Sync"), ("Sync", "Sync")], &[]);
    }

    #[test]
    fn the_automaton_finds_the_gates_the_vector_searcher_finds() {
        let gates: &[&[u8]] = &[b"espons", b"Error", b"eText"];
        let simd = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(gates)
            .build();
        let Some(simd) = simd.map(Gates::Simd) else { return };
        let automaton = Gates::Automaton(
            AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostFirst).build(gates).expect("builds"),
        );
        for text in texts() {
            for from in 0..=text.len() + 1 {
                assert_eq!(simd.find(&text, from), automaton.find(&text, from), "from {from}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "too short")]
    fn a_gate_shorter_than_four_bytes_is_refused() {
        Words::new(&[("-Mg", "-Mg")], &[]);
    }
}
