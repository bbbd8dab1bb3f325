//! Looking for ASCII words in text, case aside: the scanner's and the
//! diagnosis's one way to do it.

/// Where `needle` first stands in `haystack`, ASCII case aside; `None` for
/// an empty needle.
pub(crate) fn find_ignoring_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    // Only where the needle's rarest letter stands, in either case, can the
    // rest stand around it: few places to compare.
    let rare = (0..needle.len()).min_by_key(|&i| COMMONNESS[usize::from(needle[i])])?;
    let b = needle[rare];
    memchr::memchr2_iter(b.to_ascii_lowercase(), b.to_ascii_uppercase(), haystack)
        .filter_map(|at| at.checked_sub(rare))
        .find(|&start| {
            haystack.get(start..start + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(needle))
        })
}

/// How common a byte is in the text of an alert or a log line, roughly: the
/// letters by their frequency in English (either case), blanks above them,
/// digits below.
static COMMONNESS: [u8; 256] = {
    let mut table = [0u8; 256];
    let by_frequency = b"zqjxkvbywgpfmucdlhrsnioate";
    let mut i = 0;
    while i < by_frequency.len() {
        let letter = by_frequency[i];
        table[letter as usize] = 10 + i as u8;
        table[letter.to_ascii_uppercase() as usize] = 10 + i as u8;
        i += 1;
    }
    let mut digit = b'0';
    while digit <= b'9' {
        table[digit as usize] = 5;
        digit += 1;
    }
    table[b' ' as usize] = 40;
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_found_first_where_it_first_stands_in_any_case() {
        let text = b"x-ms-diagnostics: 1; HTTP Status 503, then http status 404; X-MS-Diagnostics: 2";
        for word in ["http status", "x-ms-diagnostics", "503", ", then", "s", "Q", "diagnostics: 2"] {
            let by_lowercase =
                String::from_utf8_lossy(text).to_ascii_lowercase().find(&word.to_ascii_lowercase());
            assert_eq!(find_ignoring_case(text, word.as_bytes()), by_lowercase, "{word:?}");
        }
        assert_eq!(find_ignoring_case(text, b""), None, "an empty needle is found nowhere");
    }
}
