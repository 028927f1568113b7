//! Dates as the Debian formats write them: RFC 2822 in changelogs and Release files, and the
//! `2023-11-14 22:13` of `dpkg-deb --contents`, in UTC, from a Unix timestamp.
//!
//! Hand-written rather than chrono or time: three small pure functions, no time zone, and
//! nothing else of a date crate is needed.

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil(days: u64) -> (i64, i64, i64) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `Thu, 01 Jan 1970 00:00:00 +0000`.
pub(crate) fn rfc2822(timestamp: u64) -> String {
    let days = timestamp / 86_400;
    let secs = timestamp % 86_400;
    let (year, month, day) = civil(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `2023-11-14 22:13`, in UTC; dates before 1970 included.
pub(crate) fn date_minutes(t: i64) -> String {
    // 400 Gregorian years are exactly 146,097 days: a date is shifted by whole cycles into
    // the range `civil` takes, and the years shifted back.
    const CYCLE_DAYS: i64 = 146_097;
    let days = t.div_euclid(86_400);
    let s = t.rem_euclid(86_400);
    let cycles = if days < 0 {
        (-days + CYCLE_DAYS - 1) / CYCLE_DAYS
    } else {
        0
    };
    let (y, m, d) = civil((days + cycles * CYCLE_DAYS).unsigned_abs());
    let y = y - 400 * cycles;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", s / 3600, s / 60 % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 +0000");
        assert_eq!(rfc2822(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(date_minutes(1_700_000_000), "2023-11-14 22:13");
        assert_eq!(date_minutes(0), "1970-01-01 00:00");
        assert_eq!(date_minutes(-315_619_200), "1960-01-01 00:00");
        assert_eq!(date_minutes(-1), "1969-12-31 23:59");
    }
}
