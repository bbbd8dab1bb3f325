//! Turning the many spellings of a code into one lookup key.
//!
//! Alerts print the same Dataverse error as `-2147220891`, `0x80040265`,
//! `80040265`, `2147746405` or `Crm.80040265.ISV code aborted the operation.`, and
//! an entry lists whichever of them its author met. Bringing every HRESULT form
//! to one canonical key (`0x80040265`) lets any of them find the entry, and lets
//! the checks see that two entries claim the same error in different spellings.
//! Everything else is matched case-insensitively with runs of blanks folded.

/// A normalised lookup key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Key {
    /// An HRESULT, whatever its spelling.
    Hresult(u32),
    /// A small bare number: a `ServiceError` ordinal (`363`).
    Ordinal(u32),
    /// Any other text, lower-cased, blanks folded.
    Text(String),
}

/// Writes the key as a person would: `0x80040265`, `363`, `serverbusy`.
impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Hresult(hr) => write!(f, "0x{hr:08X}"),
            Key::Ordinal(n) => write!(f, "{n}"),
            Key::Text(t) => f.write_str(t),
        }
    }
}

/// The key a query or alias stands for.
pub(crate) fn key(text: &str) -> Key {
    let text = text.trim();
    if let Some(hr) = hresult(text) {
        return Key::Hresult(hr);
    }
    if text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = text.parse::<u32>()
    {
        return Key::Ordinal(n);
    }
    Key::Text(fold(text))
}

/// Lower-cases and folds each run of blanks into one space.
pub(crate) fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Reads an HRESULT in any of the forms alerts print. Only failure codes (top bit
/// set) count when the form is ambiguous: a bare `80040265` is hex, but a bare
/// `363` is an ordinal and so is `12345678`.
fn hresult(text: &str) -> Option<u32> {
    // `Crm.80040265` and `Crm.80040265.Text after it`: the hex part only.
    if let Some(rest) = strip_prefix_ci(text, "crm.") {
        let hex = rest.split('.').next().unwrap_or_default();
        return hex_digits(hex, 8);
    }
    // `0x80040265`, any case; with the prefix the intent is plain, so any length.
    if let Some(hex) = strip_prefix_ci(text, "0x") {
        return hex_digits(hex, 1);
    }
    // A signed decimal, as Dataverse logs print: `-2147220891`. Real failure
    // codes have nine or ten digits this way; `-12` is not one.
    if let Some(digits) = text.strip_prefix('-') {
        if (9..=10).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            return digits
                .parse::<i64>()
                .ok()
                .and_then(|n| i32::try_from(-n).ok())
                .filter(|n| *n < 0)
                .map(i32::cast_unsigned);
        }
        return None;
    }
    // Eight hex digits with the top bit set: `80040265`, `8004026F`.
    if text.len() == 8
        && text.bytes().next().is_some_and(|b| b"89abcdefABCDEF".contains(&b))
        && let Some(hr) = hex_digits(text, 8)
    {
        return Some(hr);
    }
    // The unsigned decimal form: `2147746405`.
    if text.len() == 10 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u32>().ok().filter(|n| *n >= 0x8000_0000);
    }
    None
}

/// `text` as hex, when it is `min..=8` hex digits and nothing else.
fn hex_digits(text: &str, min: usize) -> Option<u32> {
    let ok = (min..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| u32::from_str_radix(text, 16).ok()).flatten()
}

pub(crate) fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hresult_spelling_meets() {
        for text in [
            "-2147220891",
            "0x80040265",
            "0X80040265",
            "80040265",
            "2147746405",
            "Crm.80040265",
            "crm.80040265.ISV code aborted the operation.",
        ] {
            assert_eq!(key(text), Key::Hresult(0x8004_0265), "{text}");
        }
        assert_eq!(key("0x8004026f"), key("8004026F"));
    }

    #[test]
    fn near_misses_stay_text() {
        assert_eq!(key("8004026 5"), Key::Text("8004026 5".into()));
        assert_eq!(key("363"), Key::Ordinal(363));
        assert_eq!(key("12345678"), Key::Ordinal(12_345_678));
        assert_eq!(key("-12"), Key::Text("-12".into()));
        assert_eq!(key("Crm.PrivilegeDenied"), Key::Text("crm.privilegedenied".into()));
        assert_eq!(key(" 401   Unauthorized "), Key::Text("401 unauthorized".into()));
    }
}
