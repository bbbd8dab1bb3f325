//! Times as logs write them, turned into RFC 3339: `2026-11-20 08:15:02,117`,
//! `2026-11-19 09:42:18Z`, `11/20/2026 8:16:40 AM`, `2026-11-20T08:15:02+02:00`.
//! A time that names its zone keeps it (`Z` or an offset); one that does not
//! gets none, rather than a guess.

use jiff::civil::{Date, DateTime, Time};

/// `text` (one of the forms the scanner reads) in RFC 3339, or `None` when it
/// is no valid time (the 31st of November, hour 25).
pub(crate) fn rfc3339(text: &str) -> Option<String> {
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
            let (sign, digits) = z.split_at(1);
            let digits: String = digits.chars().filter(|c| *c != ':').collect();
            let valid = digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit());
            let (h, m) = digits.split_at_checked(2)?;
            (valid && h < "15" && m < "60").then(|| format!("{sign}{h}:{m}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

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
