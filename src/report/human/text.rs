//! Small text helpers shared by the human and summary renderers: word wrapping
//! to a width, shortening to one line, and the few terminal styles we use.
//!
//! Widths are counted in `char`s. The text we print (knowledge-base prose,
//! codes, mailbox names, times) is almost all narrow; counting display cells
//! properly would need another dependency for a difference nobody would see.

/// Greedy word wrap of `text` to `width` columns. Words longer than the width
/// stand on a line of their own rather than being cut: they are codes, paths
/// or commands the reader may want to copy whole.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if used > 0 && used + 1 + n > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += n;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` on one line of at most `width` columns, cut at a word boundary
/// where one is near, with an ellipsis when anything was left out.
pub(crate) fn shorten(text: &str, width: usize, unicode: bool) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= width {
        return text;
    }
    let ellipsis = if unicode { "…" } else { "..." };
    let room = width.saturating_sub(ellipsis.chars().count()).max(1);
    let cut = text.char_indices().nth(room).map_or(text.len(), |(at, _)| at);
    let head = &text[..cut];
    // Prefer a word boundary, unless it throws away more than a third.
    let head = match head.rfind(' ') {
        Some(space) if head[..space].chars().count() * 3 >= room * 2 => &head[..space],
        _ => head,
    };
    format!("{}{ellipsis}", head.trim_end_matches([' ', ',', ';', ':']))
}

/// The styles the summary uses; each is a no-op when colour is off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paint {
    /// Colour is on.
    pub color: bool,
}

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    /// Bold, for what the eye should land on first.
    pub(crate) fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }
    /// Dimmed, for field names and other scaffolding.
    pub(crate) fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
    /// Red, for permanent errors.
    pub(crate) fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }
    /// Yellow, for errors that clear by themselves.
    pub(crate) fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }
    /// Cyan, for commands and fixes.
    pub(crate) fn cyan(self, text: &str) -> String {
        self.wrap("36", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_words_and_keeps_long_words_whole() {
        assert_eq!(wrap("one two three four", 10), ["one two", "three four"]);
        assert_eq!(
            wrap("a https://example.com/very/long/path b", 10),
            ["a", "https://example.com/very/long/path", "b"]
        );
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn shortens_at_a_word_with_an_ellipsis() {
        assert_eq!(shorten("short", 10, true), "short");
        assert_eq!(shorten("Check the mailbox state first please", 20, true), "Check the mailbox…");
        assert_eq!(shorten("Check the mailbox state first please", 20, false), "Check the mailbox...");
        assert_eq!(shorten("abcdefghijklmnopqrstuvwxyz", 10, true), "abcdefghi…");
    }
}
