//! HTTP statuses and their reason phrases: the one table the scanner (reading
//! `403 Forbidden` or `Too Many Requests` in a log), the diagnosis (finding the
//! entry for a bare status) and the knowledge base's `http/` entries (checked
//! by `tests/kb.rs`) share.

/// The statuses email synchronization meets, each with the reason phrase it is
/// written with; a status with two phrases in use lists both, the current one
/// first.
pub const STATUSES: &[(u16, &str)] = &[
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (408, "Request Timeout"),
    (409, "Conflict"),
    (410, "Gone"),
    (412, "Precondition Failed"),
    (413, "Payload Too Large"),
    (413, "Request Entity Too Large"),
    (429, "Too Many Requests"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Gateway Timeout"),
    (507, "Insufficient Storage"),
];

/// The statuses a Dynamics 365 alert names with a token of its own
/// (`Http server returned Forbidden exception.`), each with that token, which
/// is also how the knowledge base's `sss/` entry for it is found.
pub const ALERT_TOKENS: &[(u16, &str)] =
    &[(401, "401 Unauthorized"), (403, "Forbidden"), (503, "ServiceUnavailable")];

/// The token a Dynamics 365 alert writes for `status`, when it has one.
pub fn alert_token(status: u16) -> Option<&'static str> {
    ALERT_TOKENS.iter().find(|&&(s, _)| s == status).map(|&(_, token)| token)
}

/// The status a reason phrase names, however it is spaced or cased
/// (`Forbidden`, `NotFound`, `too many requests`).
pub fn of_phrase(phrase: &str) -> Option<u16> {
    // Most phrases asked about are codes (`ErrorAccessDenied`): no reason
    // phrase starts with their first letter, and that ends the look.
    if !may_begin_a_phrase(phrase.bytes().find(u8::is_ascii_alphabetic)?) {
        return None;
    }
    let folded: String = phrase.chars().filter(char::is_ascii_alphabetic).collect();
    STATUSES.iter().find(|(_, p)| same_letters(p, &folded)).map(|&(status, _)| status)
}

/// Does a reason phrase start with `letter` (in either case)?
pub fn may_begin_a_phrase(letter: u8) -> bool {
    STATUSES.iter().any(|(_, p)| p.as_bytes()[0].eq_ignore_ascii_case(&letter))
}

/// The reason phrase of `status` (`Service Unavailable` for 503).
pub fn reason(status: u16) -> Option<&'static str> {
    STATUSES.iter().find(|&&(s, _)| s == status).map(|&(_, p)| p)
}

/// Do `phrase`'s letters, ignoring case and blanks, spell `folded`?
fn same_letters(phrase: &str, folded: &str) -> bool {
    let mut letters = phrase.chars().filter(char::is_ascii_alphabetic);
    let mut other = folded.chars();
    loop {
        match (letters.next(), other.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_name_their_status_however_spaced() {
        assert_eq!(of_phrase("Forbidden"), Some(403));
        assert_eq!(of_phrase("Too Many Requests"), Some(429));
        assert_eq!(of_phrase("NotFound"), Some(404));
        assert_eq!(of_phrase("serviceunavailable"), Some(503));
        assert_eq!(of_phrase("RequestEntityTooLarge"), Some(413));
        assert_eq!(of_phrase("Teapot"), None);
        assert_eq!(of_phrase("ErrorAccessDenied"), None, "no reason phrase starts with E");
        assert_eq!(of_phrase(""), None);
    }

    #[test]
    fn alert_tokens_name_statuses_of_the_table() {
        assert_eq!(alert_token(403), Some("Forbidden"));
        assert_eq!(alert_token(404), None);
        for &(status, token) in ALERT_TOKENS {
            assert!(reason(status).is_some(), "{status} is in the table");
            assert!(crate::kb::knowledge_base().lookup(token).is_some(), "{token} has an entry");
            assert_eq!(
                of_phrase(token.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ')),
                Some(status)
            );
        }
    }

    #[test]
    fn each_status_has_its_current_phrase_first() {
        assert_eq!(reason(503), Some("Service Unavailable"));
        assert_eq!(reason(413), Some("Payload Too Large"));
        assert_eq!(reason(418), None);
        let mut seen: Vec<u16> = STATUSES.iter().map(|s| s.0).collect();
        assert!(seen.is_sorted(), "the table is kept in status order");
        seen.dedup();
        assert!(seen.iter().all(|s| (100..600).contains(s)));
    }
}
