//! Line arithmetic: line and column of an offset, and blocks of lines that a
//! viewer cut at a fixed width.

use memchr::{memchr, memchr2_iter, memrchr};

use super::NeedMore;

/// Counts lines as the scan moves through the input, so that finding the line
/// of an offset costs only the bytes since the last one.
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    /// The absolute offset counted up to.
    at: u64,
    /// The 1-based line `at` stands on.
    line: u64,
    /// The absolute offset where that line starts.
    line_start: u64,
}

impl Default for Lines {
    fn default() -> Self {
        Lines { at: 0, line: 1, line_start: 0 }
    }
}

impl Lines {
    /// Counting from absolute offset `at`, taken as the start of line `line`.
    pub(super) fn at_line(at: u64, line: u64) -> Self {
        Lines { at, line: line.max(1), line_start: at }
    }

    /// The 1-based line and column of absolute offset `abs`, which must lie in
    /// `buf` (whose first byte is at absolute offset `base`).
    pub(super) fn locate(&mut self, buf: &[u8], base: u64, abs: u64) -> (u64, u64) {
        let rel = |x: u64| usize::try_from(x.saturating_sub(base)).unwrap_or(usize::MAX).min(buf.len());
        if abs >= self.at {
            let (from, to) = (rel(self.at), rel(abs));
            let (count, last) = breaks(buf, from, to);
            if let Some(end) = last {
                self.line_start = base + end as u64;
            }
            self.line += count;
        } else {
            let (from, to) = (rel(abs), rel(self.at));
            let (count, _) = breaks(buf, from, to);
            self.line = self.line.saturating_sub(count).max(1);
            if count > 0 || abs < self.line_start {
                let (_, last) = breaks(buf, 0, from);
                self.line_start = base + last.unwrap_or(0) as u64;
            }
        }
        self.at = abs;
        (self.line, abs - self.line_start + 1)
    }
}

/// The line breaks in `buf[from..to]`: how many, and where the line after
/// the last one starts. A break is `\n`, `\r\n` (counted once, at its `\n`)
/// or a lone `\r`, as old Mac tools and some log viewers write them.
fn breaks(buf: &[u8], from: usize, to: usize) -> (u64, Option<usize>) {
    super::work::add(to - from);
    let text = &buf[from..to];
    // Most logs hold no CR: then the breaks are the LFs, counted by one
    // vectorised pass instead of a stop at every line.
    if memchr(b'\r', text).is_none() {
        let count = memchr::memchr_iter(b'\n', text).count() as u64;
        return (count, memrchr(b'\n', text).map(|p| from + p + 1));
    }
    let mut count = 0;
    let mut last = None;
    for at in memchr2_iter(b'\n', b'\r', &buf[from..to]).map(|p| from + p) {
        // A CR is a break of its own only when no LF follows; a CR at the
        // end of the text waits for the next byte, which decides.
        if buf[at] == b'\r' && buf.get(at + 1).is_none_or(|b| *b == b'\n') {
            continue;
        }
        count += 1;
        last = Some(at + 1);
    }
    (count, last)
}

/// The start of the line holding `at`, not before `floor`, looking back no
/// further than [`LINE_LOOKBEHIND`].
pub(crate) fn line_start(buf: &[u8], at: usize, floor: usize) -> usize {
    let floor = floor.min(at).max(at.saturating_sub(LINE_LOOKBEHIND));
    super::work::add(at - floor);
    memrchr(b'\n', &buf[floor..at]).map_or(floor, |p| floor + p + 1)
}

/// How far back a recogniser looks for the start of a line. A longer line is
/// taken to start here, as [`LINE_LOOKAHEAD`] bounds its end: recognisers
/// look back from every anchor, and on a line of megabytes a walk to its
/// real start for each would take quadratic time. (The scanner always keeps
/// this much text behind the scan position, so the answer never depends on
/// how the input was read.)
pub(crate) const LINE_LOOKBEHIND: usize = super::recognise::LOOKBACK;

/// How far ahead a recogniser looks for the end of a line. A longer line (a
/// minified JSON log, a dump with no line breaks) is taken to end here: no
/// recogniser needs more of it, and waiting for its real end could outgrow
/// the payload cap and lose what stands at its start.
pub(crate) const LINE_LOOKAHEAD: usize = 4096;

/// The end of the line holding `at` (the position of its `\n`, or the end of
/// `buf`), looking no further than [`LINE_LOOKAHEAD`].
pub(crate) fn line_end(buf: &[u8], at: usize) -> usize {
    let limit = buf.len().min(at.saturating_add(LINE_LOOKAHEAD));
    super::work::add(limit - at);
    memchr(b'\n', &buf[at..limit]).map_or(limit, |p| at + p)
}

/// Is the line at `at` still being read, so that its end may yet come?
pub(crate) fn line_incomplete(buf: &[u8], at: usize, eof: bool) -> bool {
    !eof && line_end(buf, at) == buf.len()
}

/// The length of the line `[start, end)` without a trailing `\r`.
fn width(buf: &[u8], start: usize, end: usize) -> usize {
    let end = if end > start && buf[end - 1] == b'\r' { end - 1 } else { end };
    end - start
}

/// Widths a viewer wraps at are at least this.
const MIN_WRAP: usize = 40;
/// Widths a viewer wraps at are at most this.
const MAX_WRAP: usize = 400;
/// How many lines a wrapped block may span at the most.
const MAX_WRAP_LINES: usize = 64;

/// If the line holding `at` belongs to a run of lines of one fixed width (at
/// least two of them, then one shorter last line), the run's `[start, end)`.
/// `Err(NeedMore)` when the run may continue past the end of `buf` and more
/// input may come.
pub(crate) fn wrapped_block(
    buf: &[u8],
    at: usize,
    floor: usize,
    eof: bool,
) -> Result<Option<(usize, usize)>, NeedMore> {
    let start = line_start(buf, at, floor);
    let end = line_end(buf, at);
    let wide = width(buf, start, end);
    // No viewer wraps this wide: a line this long is a line.
    if wide > MAX_WRAP {
        return Ok(None);
    }
    if end == buf.len() && !eof {
        return Err(NeedMore);
    }
    if wide < MIN_WRAP || end == buf.len() {
        return Ok(None);
    }
    let mut first = start;
    let mut lines = 1;
    while first > floor && lines < MAX_WRAP_LINES {
        let prev_end = first - 1;
        let prev_start = line_start(buf, prev_end, floor);
        if width(buf, prev_start, prev_end) != wide {
            break;
        }
        first = prev_start;
        lines += 1;
    }
    let mut last_end = end;
    while last_end < buf.len() && lines < MAX_WRAP_LINES {
        let next_start = last_end + 1;
        let next_end = line_end(buf, next_start);
        if next_end == buf.len() && !eof {
            return Err(NeedMore);
        }
        let w = width(buf, next_start, next_end);
        last_end = next_end;
        lines += 1;
        if w != wide {
            if w > wide || w == 0 {
                // Not the tail of this block: it ends with the line before.
                last_end = next_start - 1;
                lines -= 1;
            }
            break;
        }
    }
    let full =
        lines - usize::from(last_end > end && width(buf, line_start(buf, last_end, floor), last_end) != wide);
    // One full-width line and a shorter tail is any long line; it counts as a
    // viewer's cut only when another line above was cut at the same width.
    if lines < 2 || (full < 2 && !width_seen_above(buf, first, floor, wide)) {
        return Ok(None);
    }
    Ok(Some((first, last_end)))
}

/// Does one of the few lines above `at` have exactly `wide` bytes?
fn width_seen_above(buf: &[u8], at: usize, floor: usize, wide: usize) -> bool {
    let mut end = at;
    for _ in 0..16 {
        if end <= floor {
            return false;
        }
        let start = line_start(buf, end - 1, floor);
        if width(buf, start, end - 1) == wide {
            return true;
        }
        end = start;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_move_both_ways() {
        let buf = b"ab\ncd\r\nef\n";
        let mut lines = Lines::default();
        assert_eq!(lines.locate(buf, 0, 7), (3, 1));
        assert_eq!(lines.locate(buf, 0, 4), (2, 2));
        assert_eq!(lines.locate(buf, 0, 1), (1, 2));
        assert_eq!(lines.locate(buf, 0, 8), (3, 2));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let buf = b"ab\rcd\r\nef\rgh";
        let mut lines = Lines::default();
        assert_eq!(lines.locate(buf, 0, 4), (2, 2));
        assert_eq!(lines.locate(buf, 0, 8), (3, 2));
        assert_eq!(lines.locate(buf, 0, 12), (4, 3));
        assert_eq!(lines.locate(buf, 0, 1), (1, 2));
        assert_eq!(lines.locate(buf, 0, 5), (2, 3));
    }

    #[test]
    fn fixed_width_runs_are_found() {
        let row = "x".repeat(50);
        let text = format!("short\n{row}\n{row}\r\n{row}\nend of it\nnext\n");
        let block = wrapped_block(text.as_bytes(), 60, 0, true).unwrap().unwrap();
        assert_eq!(&text[block.0..block.1], format!("{row}\n{row}\r\n{row}\nend of it"));
        assert_eq!(wrapped_block(b"short\nlines\n", 2, 0, true), Ok(None));
        let unfinished = format!("{row}\n{row}");
        assert_eq!(wrapped_block(unfinished.as_bytes(), 2, 0, false), Err(NeedMore), "the run may go on");
    }
}
