//! The list of EWS `ResponseCode` names, compiled in from `kb/ews-codes.tsv`.
//!
//! The scanner needs it to recognise a code name standing in free text, and the
//! alert reader to turn a `ServiceError` ordinal (`Exchange.server returned 363
//! error.`) into the name it stands for.

use std::sync::LazyLock;

const LIST: &str = include_str!("../../kb/ews-codes.tsv");

struct Codes {
    /// Every name, in file order.
    names: Vec<&'static str>,
    /// `by_ordinal[n]` is the name with ServiceError ordinal `n`, if any.
    by_ordinal: Vec<Option<&'static str>>,
}

static CODES: LazyLock<Codes> = LazyLock::new(|| {
    let mut names = Vec::new();
    let mut by_ordinal: Vec<Option<&'static str>> = Vec::new();
    for line in LIST.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split('\t');
        let name = fields.next().unwrap_or_default().trim();
        names.push(name);
        if let Some(n) = fields.next().and_then(|o| o.trim().parse::<usize>().ok()) {
            if by_ordinal.len() <= n {
                by_ordinal.resize(n + 1, None);
            }
            by_ordinal[n] = Some(name);
        }
    }
    Codes { names, by_ordinal }
});

/// Every EWS `ResponseCode` name ewsdiag knows.
pub fn ews_codes() -> &'static [&'static str] {
    &CODES.names
}

/// The EWS name a `ServiceError` ordinal stands for (`363` → `ErrorServerBusy`).
pub fn name_for_ordinal(ordinal: u32) -> Option<&'static str> {
    CODES.by_ordinal.get(ordinal as usize).copied().flatten()
}

/// The `ServiceError` ordinal of an EWS name, if it has one.
pub fn ordinal_of(name: &str) -> Option<u32> {
    CODES.by_ordinal.iter().position(|n| *n == Some(name)).and_then(|p| u32::try_from(p).ok())
}

/// Is `name` one of the EWS `ResponseCode` names?
pub fn is_ews_code(name: &str) -> bool {
    CODES.names.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_map_as_alerts_print_them() {
        assert_eq!(name_for_ordinal(363), Some("ErrorServerBusy"));
        assert_eq!(name_for_ordinal(203), Some("ErrorInvalidPropertySet"));
        assert_eq!(name_for_ordinal(383), Some("ErrorTimeZone"));
        assert_eq!(name_for_ordinal(0), Some("NoError"));
        assert_eq!(ordinal_of("ErrorServerBusy"), Some(363));
    }

    #[test]
    fn list_is_sorted_for_binary_search() {
        assert!(ews_codes().windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ews_codes().len(), 537);
        assert!(is_ews_code("ErrorNonExistentMailbox"));
        assert!(!is_ews_code("ErrorNonsense"));
    }
}
