//! Times as logs write them, turned into RFC 3339: `2026-11-20 08:15:02,117`,
//! `2026-11-19 09:42:18Z`, `11/20/2026 8:16:40 AM`, `2026-11-20T08:15:02+02:00`.
//! A time that names its zone keeps it (`Z` or an offset); one that does not
//! gets none, rather than a guess.

use jiff::civil::{Date, DateTime, Time};

/// `text` (one of the forms the scanner reads) in RFC 3339, or `None` when it
/// is no valid time (the 31st of November, hour 25).
pub(crate) fn rfc3339(text: &str) -> Option<String> {
    plain_iso(text.trim().as_bytes()).or_else(|| rfc3339_general(text))
}

/// [`rfc3339`] for every form, through a parser.
fn rfc3339_general(text: &str) -> Option<String> {
    let text = text.trim();
    let (civil, zone) = if text.as_bytes().get(4) == Some(&b'-') {
        iso(text)?
    } else if text.contains('/') {
        us(text)?
    } else if text.contains(' ') && !text.split(' ').next()?.contains('-') {
        http_date(text)?
    } else {
        day_month_name(text)?
    };
    // Seconds' fractions keep the digits the input gave (`.000`, `.400`).
    let fraction = fraction_digits(text);
    let seconds = civil.strftime("%Y-%m-%dT%H:%M:%S");
    Some(match fraction {
        Some(digits) => format!("{seconds}.{digits}{zone}"),
        None => format!("{seconds}{zone}"),
    })
}

/// The commonest form, `2026-11-20[T ]08:15:02[.117|,117][Z]`, written
/// out without a parser; `None` sends anything else (an offset, a minute
/// without seconds, a leap second) to the general path, which this one must
/// agree with (a test holds them to it).
fn plain_iso(text: &[u8]) -> Option<String> {
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = text.get(from..from + n)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |v, b| v * 10 + u32::from(b - b'0')))
    };
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let punctuation = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !punctuation.iter().all(|&(at, b)| text[at] == b) || !matches!(text[10], b'T' | b' ') {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    let mut rest = &text[19..];
    let mut fraction: &[u8] = &[];
    if let [b'.' | b',', after @ ..] = rest {
        let n = after.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        (fraction, rest) = after.split_at(n);
    }
    let zone = match rest {
        [] => "",
        [b'Z' | b'z'] => "Z",
        _ => return None,
    };
    let mut out = String::with_capacity(32);
    out.push_str(std::str::from_utf8(&text[..10]).ok()?);
    out.push('T');
    out.push_str(std::str::from_utf8(&text[11..19]).ok()?);
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(std::str::from_utf8(fraction).ok()?);
    }
    out.push_str(zone);
    Some(out)
}

/// The first time in `text` in one of the forms logs start their lines with,
/// standing as a word of its own (not inside a longer number or name):
///
/// - `2026-11-20[T ]08:15[:02[.117|,117]][Z|±hh[:]mm]`
/// - `11/20/2026[,] 8:16[:40][ ][AM|PM]`
/// - `25-Nov-2026 10:04:40[ UTC]`
///
/// Run once per finding, so it is written out rather than left to a pattern.
pub(crate) fn find(text: &[u8]) -> Option<std::ops::Range<usize>> {
    (0..text.len())
        .filter(|&at| text[at].is_ascii_digit() && !word_before(text, at))
        .find_map(|at| Some(at..iso_at(text, at).or_else(|| us_at(text, at)).or_else(|| named_at(text, at))?))
}

/// Is the character before `at` a letter, a digit or `_`?
fn word_before(text: &[u8], at: usize) -> bool {
    let Some(&last) = at.checked_sub(1).and_then(|i| text.get(i)) else { return false };
    if last.is_ascii() {
        return last.is_ascii_alphanumeric() || last == b'_';
    }
    let start = (at.saturating_sub(4)..at).find(|&i| (text[i] & 0xC0) != 0x80).unwrap_or(at - 1);
    std::str::from_utf8(&text[start..at])
        .ok()
        .and_then(|s| s.chars().next_back())
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// How many ASCII digits stand at `at`, up to `most`.
fn digits_at(text: &[u8], at: usize, most: usize) -> usize {
    text.get(at..).map_or(0, |t| t.iter().take(most).take_while(|b| b.is_ascii_digit()).count())
}

fn byte_is(text: &[u8], at: usize, want: impl Fn(u8) -> bool) -> bool {
    text.get(at).is_some_and(|&b| want(b))
}

/// The end of an ISO date and time starting at `at`.
fn iso_at(text: &[u8], at: usize) -> Option<usize> {
    let fixed = [(4, None), (1, Some(b'-')), (2, None), (1, Some(b'-')), (2, None), (1, None), (2, None)];
    let mut i = at;
    for (n, sep) in fixed {
        match sep {
            Some(b) if byte_is(text, i, |x| x == b) => i += 1,
            Some(_) => return None,
            None if n == 1 && byte_is(text, i, |x| x == b'T' || x == b' ') => i += 1,
            None if n > 1 && digits_at(text, i, n) == n => i += n,
            None => return None,
        }
    }
    if !byte_is(text, i, |b| b == b':') || digits_at(text, i + 1, 2) != 2 {
        return None;
    }
    i += 3;
    if byte_is(text, i, |b| b == b':') && digits_at(text, i + 1, 2) == 2 {
        i += 3;
        if byte_is(text, i, |b| b == b'.' || b == b',') && digits_at(text, i + 1, 1) == 1 {
            i += 1 + text[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        }
    }
    if byte_is(text, i, |b| b == b'Z') {
        return Some(i + 1);
    }
    if byte_is(text, i, |b| b == b'+' || b == b'-') && digits_at(text, i + 1, 2) == 2 {
        let colon = usize::from(byte_is(text, i + 3, |b| b == b':'));
        if digits_at(text, i + 3 + colon, 2) == 2 {
            return Some(i + 5 + colon);
        }
    }
    Some(i)
}

/// The end of a US (or day-first) date and time starting at `at`.
fn us_at(text: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    for _ in 0..2 {
        let n = digits_at(text, i, 2);
        if n == 0 || !byte_is(text, i + n, |b| b == b'/') {
            return None;
        }
        i += n + 1;
    }
    if digits_at(text, i, 4) != 4 {
        return None;
    }
    i += 4;
    if byte_is(text, i, |b| b == b',') {
        i += 1;
    }
    if !byte_is(text, i, |b| b == b' ') {
        return None;
    }
    i += 1;
    let n = digits_at(text, i, 2);
    if n == 0 || !byte_is(text, i + n, |b| b == b':') || digits_at(text, i + n + 1, 2) != 2 {
        return None;
    }
    i += n + 3;
    if byte_is(text, i, |b| b == b':') && digits_at(text, i + 1, 2) == 2 {
        i += 3;
    }
    let space = usize::from(byte_is(text, i, |b| b == b' '));
    let meridiem = byte_is(text, i + space, |b| matches!(b, b'A' | b'a' | b'P' | b'p'))
        && byte_is(text, i + space + 1, |b| matches!(b, b'M' | b'm'));
    Some(if meridiem { i + space + 2 } else { i })
}

/// The end of a `25-Nov-2026 10:04:40[ UTC]` time starting at `at`.
fn named_at(text: &[u8], at: usize) -> Option<usize> {
    const MONTHS: [&[u8]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let n = digits_at(text, at, 2);
    let mut i = at + n;
    if n == 0 || !byte_is(text, i, |b| b == b'-') || !MONTHS.iter().any(|m| text[i + 1..].starts_with(m)) {
        return None;
    }
    i += 4;
    if !byte_is(text, i, |b| b == b'-')
        || digits_at(text, i + 1, 4) != 4
        || !byte_is(text, i + 5, |b| b == b' ')
    {
        return None;
    }
    i += 6;
    for k in 0..3 {
        if digits_at(text, i, 2) != 2 || (k < 2 && !byte_is(text, i + 2, |b| b == b':')) {
            return None;
        }
        i += if k < 2 { 3 } else { 2 };
    }
    Some(if text[i..].starts_with(b" UTC") { i + 4 } else { i })
}

/// The digits after the seconds' `.` or `,` (`117` in `08:15:02,117`).
fn fraction_digits(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let at = (2..bytes.len()).find(|&i| {
        matches!(bytes[i], b'.' | b',')
            && bytes[i - 1].is_ascii_digit()
            && bytes[i - 2].is_ascii_digit()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && i >= 3
            && bytes[i - 3] == b':'
    })?;
    let digits = bytes[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
    Some(&text[at + 1..at + 1 + digits])
}

/// `2026-11-20[T ]08:15[:02[.117|,117]][Z|±hh[:]mm]`.
fn iso(text: &str) -> Option<(DateTime, String)> {
    let (date, rest) = text.split_at_checked(10)?;
    let date: Date = date.parse().ok()?;
    let rest = rest.strip_prefix(['T', ' '])?;
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let time = clock_time(&clock.replace(',', "."))?;
    Some((date.to_datetime(time), offset(zone)?))
}

/// `11/20/2026 8:16[:40] [AM|PM]`, with a comma after the date or not. The
/// month comes first, unless the first number cannot be a month.
fn us(text: &str) -> Option<(DateTime, String)> {
    let (date, rest) = text.split_once(' ')?;
    let date = date.trim_end_matches(',');
    let mut parts = date.split('/').map(|p| p.parse::<i8>().ok());
    let (a, b) = (parts.next()??, parts.next()??);
    let year: i16 = date.rsplit('/').next()?.parse().ok()?;
    let (month, day) = if a > 12 { (b, a) } else { (a, b) };
    let date = Date::new(year, month, day).ok()?;
    let rest = rest.trim();
    let (clock, meridiem) = match rest.len().checked_sub(2).map(|at| rest.split_at(at)) {
        Some((clock, m)) if m.eq_ignore_ascii_case("am") || m.eq_ignore_ascii_case("pm") => {
            (clock.trim(), Some(m.eq_ignore_ascii_case("pm")))
        }
        _ => (rest, None),
    };
    let mut time = clock_time(clock)?;
    if let Some(pm) = meridiem {
        let hour = time.hour();
        if !(1..=12).contains(&hour) {
            return None;
        }
        let hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        time = time.with().hour(hour).build().ok()?;
    }
    Some((date.to_datetime(time), String::new()))
}

/// `25-Nov-2026 10:04:40 UTC`, as PHP writes its error log.
fn day_month_name(text: &str) -> Option<(DateTime, String)> {
    let (date, rest) = text.split_once(' ')?;
    let mut parts = date.split('-');
    let day: i8 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let year: i16 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
    let date = Date::new(year, i8::try_from(month + 1).ok()?, day).ok()?;
    let (clock, zone) = match rest.trim().strip_suffix("UTC") {
        Some(clock) => (clock, "Z"),
        None => (rest, ""),
    };
    Some((date.to_datetime(clock_time(clock)?), zone.to_string()))
}

/// `Fri, 20 Nov 2026 08:31:44 GMT`, as HTTP's `Date` header writes it.
fn http_date(text: &str) -> Option<(DateTime, String)> {
    let text = text.split_once(", ").map_or(text, |(_, rest)| rest);
    let mut words = text.split_whitespace();
    let (day, month, year, clock) = (words.next()?, words.next()?, words.next()?, words.next()?);
    let zone = match words.next() {
        Some("GMT" | "UTC" | "Z" | "+0000") => "Z".to_string(),
        Some(other) => offset(other)?,
        None => String::new(),
    };
    let (civil, _) = day_month_name(&format!("{day}-{month}-{year} {clock}"))?;
    Some((civil, zone))
}

/// `8:16`, `08:16:40`, `08:16:40.117`.
fn clock_time(text: &str) -> Option<Time> {
    let text = text.trim();
    let padded = if text.find(':') == Some(1) { format!("0{text}") } else { text.to_string() };
    let padded = if padded.len() == 5 { format!("{padded}:00") } else { padded };
    padded.parse().ok()
}

/// `Z` as is, `+0200` and `+02:00` as `+02:00`, nothing as nothing.
fn offset(zone: &str) -> Option<String> {
    match zone.trim() {
        "" => Some(String::new()),
        "Z" | "z" => Some("Z".to_string()),
        z => {
            let (sign, digits) = z.split_at_checked(1)?;
            if sign != "+" && sign != "-" {
                return None;
            }
            let digits: String = digits.chars().filter(|c| *c != ':').collect();
            let valid = digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit());
            let (h, m) = digits.split_at_checked(2)?;
            (valid && h < "15" && m < "60").then(|| format!("{sign}{h}:{m}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{find, plain_iso, rfc3339};

    /// The pattern the hand-written [`find`] replaced, kept as its oracle.
    fn pattern() -> regex::bytes::Regex {
        regex::bytes::Regex::new(concat!(
            r"\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
            r"|\d{1,2}/\d{1,2}/\d{4},? \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?",
            r"|\d{1,2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{4} \d{2}:\d{2}:\d{2}(?: UTC)?)"
        ))
        .expect("the oracle pattern is valid")
    }

    /// Texts built from the pieces times are made of, cut and joined at
    /// random (a seeded xorshift, so a failure reproduces).
    fn near_misses(count: usize) -> Vec<Vec<u8>> {
        const PIECES: &[&str] = &[
            "2026",
            "11",
            "-",
            "20",
            "T",
            " ",
            "08",
            ":",
            "15",
            "02",
            ".",
            "117",
            ",",
            "Z",
            "+",
            "02:00",
            "0200",
            "/",
            "8",
            "AM",
            "pm",
            "Nov",
            "UTC",
            "x",
            "_",
            "é",
            "1",
            "12026-11-20 08:15",
            "11/20/2026 8:16",
            "25-Nov-2026 10:04:40",
            "\n",
            "[",
            "\u{2026}",
            "2026-11-20T08:15:02",
            "2026-11-31 08:15:59",
            "2028-02-29 23:59:60",
            "2027-02-29T24:00:00",
            "2026-12-01 00:00:00",
            "0000-00-00T00:00:00",
        ];
        crate::scan::mixed::texts(PIECES, 0x9E37_79B9_7F4A_7C15, count, 14)
            .into_iter()
            .map(String::into_bytes)
            .collect()
    }

    #[test]
    fn the_time_scanner_finds_what_its_pattern_found() {
        let pattern = pattern();
        for text in near_misses(60_000) {
            let want = pattern.find(&text).map(|m| m.range());
            assert_eq!(find(&text), want, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn a_zone_that_is_no_offset_is_no_time_whatever_its_letters() {
        assert_eq!(super::offset("¿²«õ"), None);
        assert_eq!(super::offset("x0200"), None);
        assert_eq!(super::offset("+0200").as_deref(), Some("+02:00"));
        assert_eq!(rfc3339("20 Nov 2026 08:31:44 ¿²«õ"), None);
    }

    #[test]
    fn the_quick_path_writes_what_the_general_one_writes() {
        let pattern = pattern();
        let mut quick = 0;
        for text in near_misses(60_000) {
            let Some(found) = pattern.find(&text) else { continue };
            let Ok(time) = std::str::from_utf8(found.as_bytes()) else { continue };
            if let Some(fast) = plain_iso(time.as_bytes()) {
                quick += 1;
                let general = super::rfc3339_general(time);
                assert_eq!(Some(fast), general, "{time}");
            }
        }
        assert!(quick > 30, "the generator reaches the quick path ({quick} times)");
    }

    #[test]
    fn every_form_the_scanner_reads_becomes_rfc3339() {
        let cases = [
            ("2026-11-20T08:15:02.117Z", "2026-11-20T08:15:02.117Z"),
            ("2026-11-20 08:15:02,117", "2026-11-20T08:15:02.117"),
            ("2026-11-19 09:42:18Z", "2026-11-19T09:42:18Z"),
            ("2026-11-20 08:15:02", "2026-11-20T08:15:02"),
            ("2026-11-20T08:15:02+0200", "2026-11-20T08:15:02+02:00"),
            ("2026-11-20T08:15:02-05:00", "2026-11-20T08:15:02-05:00"),
            ("2026-11-20 08:15", "2026-11-20T08:15:00"),
            ("11/20/2026 8:16:40 AM", "2026-11-20T08:16:40"),
            ("11/20/2026 8:16 PM", "2026-11-20T20:16:00"),
            ("11/20/2026 12:05:00 AM", "2026-11-20T00:05:00"),
            ("11/20/2026, 12:05:00 PM", "2026-11-20T12:05:00"),
            ("20/11/2026 14:05:09", "2026-11-20T14:05:09"),
            ("25-Nov-2026 10:04:40 UTC", "2026-11-25T10:04:40Z"),
            ("25-Nov-2026 10:04:40", "2026-11-25T10:04:40"),
            ("Fri, 20 Nov 2026 08:31:44 GMT", "2026-11-20T08:31:44Z"),
            ("2026-11-20T11:05:33.000Z", "2026-11-20T11:05:33.000Z"),
            ("2026-11-20T08:25:12.400Z", "2026-11-20T08:25:12.400Z"),
        ];
        for (text, want) in cases {
            assert_eq!(rfc3339(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn impossible_times_are_not_guessed_at() {
        for text in
            ["2026-11-31 08:00:00", "2026-11-20 25:00:00", "13/13/2026 8:00 AM", "11/20/2026 13:00 PM"]
        {
            assert_eq!(rfc3339(text), None, "{text}");
        }
    }
}
