//! Texts made of given pieces, cut and joined at random, for the tests that
//! hold a hand-written scanner to the pattern it replaced. The generator is a
//! seeded xorshift, so a failing text comes back on every run.

/// `count` texts, each of 1 to `most` pieces drawn from `pieces`.
pub(crate) fn texts(pieces: &[&str], seed: u64, count: usize, most: u64) -> Vec<String> {
    let mut state = seed.max(1);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let n = 1 + next() % most;
            (0..n).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect()
        })
        .collect()
}
