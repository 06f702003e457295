//! The proleptic Gregorian calendar in UTC, without a time-zone database:
//! what podplay needs to read Kubernetes timestamps (Go's
//! `time.Parse(time.RFC3339, …)`, with Go's error texts) and to print dates
//! the way `date`, nginx and Tomcat do (a `strftime` subset).
//!
//! Kept here rather than through jiff's parser and formatter: those carry
//! jiff's time-zone and error machinery, which the playground's WebAssembly
//! would download for timestamps that are always UTC.

use std::fmt::Write;

/// A UTC date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanosecond: u32,
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Days from 1970-01-01 to the given date (negative before it).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Counted from 0000-03-01 so that the leap day ends each 400-year era's
    // years; eras make the arithmetic exact for any year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` days after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = era * 400 + year_of_era + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Civil {
    /// The UTC date and time `unix_ms` milliseconds after the Unix epoch.
    pub fn from_unix_millis(unix_ms: i64) -> Civil {
        let secs = unix_ms.div_euclid(1000);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let of_day = secs.rem_euclid(86_400) as u32;
        Civil {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
            nanosecond: unix_ms.rem_euclid(1000) as u32 * 1_000_000,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
    }

    /// 0 = Sunday.
    fn weekday(&self) -> usize {
        (days_from_civil(self.year, self.month, self.day) + 4).rem_euclid(7) as usize
    }

    fn day_of_year(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) - days_from_civil(self.year, 1, 1) + 1
    }

    /// C's `strftime` for the conversions `date`, nginx and Tomcat use (in
    /// UTC, the only zone of the simulated machines), plus `%.3f`/`%.6f`/
    /// `%.9f` for a dot and that many digits of the fraction. An unknown
    /// conversion is printed as written, as glibc does.
    pub fn strftime(&self, format: &str) -> String {
        let mut out = String::new();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(spec) = chars.next() else {
                out.push('%');
                break;
            };
            let _ = match spec {
                'Y' => write!(out, "{}", self.year),
                'y' => write!(out, "{:02}", self.year.rem_euclid(100)),
                'C' => write!(out, "{:02}", self.year.div_euclid(100)),
                'm' => write!(out, "{:02}", self.month),
                'd' => write!(out, "{:02}", self.day),
                'e' => write!(out, "{:2}", self.day),
                'j' => write!(out, "{:03}", self.day_of_year()),
                'H' => write!(out, "{:02}", self.hour),
                'I' => write!(out, "{:02}", (self.hour + 11) % 12 + 1),
                'M' => write!(out, "{:02}", self.minute),
                'S' => write!(out, "{:02}", self.second),
                'p' => out.write_str(if self.hour < 12 { "AM" } else { "PM" }),
                'b' | 'h' => out.write_str(MONTHS[self.month as usize - 1]),
                'a' => out.write_str(WEEKDAYS[self.weekday()]),
                'u' => write!(out, "{}", (self.weekday() + 6) % 7 + 1),
                'w' => write!(out, "{}", self.weekday()),
                's' => write!(out, "{}", self.unix_seconds()),
                'Z' => out.write_str("UTC"),
                'z' => out.write_str("+0000"),
                'F' => write!(out, "{}-{:02}-{:02}", self.year, self.month, self.day),
                'T' => write!(out, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second),
                'R' => write!(out, "{:02}:{:02}", self.hour, self.minute),
                'D' => write!(out, "{:02}/{:02}/{:02}", self.month, self.day, self.year.rem_euclid(100)),
                'n' => out.write_str("\n"),
                't' => out.write_str("\t"),
                '%' => out.write_str("%"),
                '.' if chars.peek().is_some_and(|d| matches!(d, '3' | '6' | '9')) => {
                    let digits = chars.next().and_then(|d| d.to_digit(10)).unwrap_or(3);
                    if chars.peek() == Some(&'f') {
                        chars.next();
                        let frac = format!("{:09}", self.nanosecond);
                        write!(out, ".{}", &frac[..digits as usize])
                    } else {
                        write!(out, "%.{digits}")
                    }
                }
                other => write!(out, "%{other}"),
            };
        }
        out
    }
}

/// Go's `time.RFC3339` layout, named in its parse errors.
const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// `time.Parse(time.RFC3339, value)`, as `metav1.Time` reads JSON: Unix
/// seconds and nanoseconds, or Go's error text
/// (`parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`).
/// Go's `time.RFC1123Z` in UTC (`Mon, 07 Dec 2026 04:40:05 +0000`), as
/// `kubectl describe` prints times.
pub fn rfc1123z(time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> String {
    Civil::from_unix_millis(time.0.as_millisecond()).strftime("%a, %d %b %Y %H:%M:%S +0000")
}

pub fn parse_rfc3339(value: &str) -> Result<(i64, u32), String> {
    RfcParser { whole: value, rest: value }.parse()
}

struct RfcParser<'a> {
    whole: &'a str,
    rest: &'a str,
}

impl RfcParser<'_> {
    fn parse(mut self) -> Result<(i64, u32), String> {
        let year = self.year()?;
        self.literal("-")?;
        let month = self.number("01", true, 1..=12, "month")?;
        self.literal("-")?;
        let day = self.number("02", true, 0..=99, "")?;
        self.literal("T")?;
        let hour = self.number("15", false, 0..=23, "hour")?;
        self.literal(":")?;
        let minute = self.number("04", true, 0..=59, "minute")?;
        self.literal(":")?;
        let second = self.number("05", true, 0..=59, "second")?;
        let nanosecond = self.fraction();
        let offset = self.zone()?;
        if !self.rest.is_empty() {
            return Err(format!("parsing time {}: extra text: {}", quote(self.whole), quote(self.rest)));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(format!("parsing time {}: day out of range", quote(self.whole)));
        }
        let civil = Civil { year, month, day, hour, minute, second, nanosecond };
        Ok((civil.unix_seconds() - offset, nanosecond))
    }

    fn bad(&self, element: &str, at: &str) -> String {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(self.whole),
            quote(RFC3339),
            quote(at),
            quote(element)
        )
    }

    fn out_of_range(&self, what: &str) -> String {
        format!("parsing time {}: {what} out of range", quote(self.whole))
    }

    fn year(&mut self) -> Result<i64, String> {
        let digits = self.rest.get(..4).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
        let Some(digits) = digits else { return Err(self.bad("2006", self.rest)) };
        self.rest = &self.rest[4..];
        Ok(digits.parse().unwrap_or_default())
    }

    fn literal(&mut self, text: &str) -> Result<(), String> {
        match self.rest.strip_prefix(text) {
            Some(rest) => {
                self.rest = rest;
                Ok(())
            }
            None => Err(self.bad(text, self.rest)),
        }
    }

    /// Go's `getnum`: one or two digits, exactly two when `fixed`.
    fn number(
        &mut self,
        element: &str,
        fixed: bool,
        range: std::ops::RangeInclusive<u32>,
        name: &str,
    ) -> Result<u32, String> {
        let bytes = self.rest.as_bytes();
        let digit = |i: usize| bytes.get(i).filter(|b| b.is_ascii_digit()).map(|b| u32::from(b - b'0'));
        let (value, len) = match (digit(0), digit(1)) {
            (Some(a), Some(b)) => (a * 10 + b, 2),
            (Some(a), None) if !fixed => (a, 1),
            _ => return Err(self.bad(element, self.rest)),
        };
        self.rest = &self.rest[len..];
        if !range.contains(&value) {
            return Err(self.out_of_range(name));
        }
        Ok(value)
    }

    /// A fraction after the seconds (`.5`, `,123456789`), which Go accepts
    /// even though the layout has none.
    fn fraction(&mut self) -> u32 {
        let bytes = self.rest.as_bytes();
        if bytes.len() < 2 || !matches!(bytes[0], b'.' | b',') || !bytes[1].is_ascii_digit() {
            return 0;
        }
        let len = 1 + bytes[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        let mut nanos = 0u32;
        for (i, b) in bytes[1..len].iter().enumerate() {
            if i < 9 {
                nanos = nanos * 10 + u32::from(b - b'0');
            }
        }
        for _ in len - 1..9 {
            nanos *= 10;
        }
        self.rest = &self.rest[len..];
        nanos
    }

    /// `Z07:00`: `Z`, or `±hh:mm`. Returns the offset in seconds east of UTC.
    /// Checked in Go's order: the shape, the digits, the ranges (a minute
    /// error wins over an hour error), then the sign.
    fn zone(&mut self) -> Result<i64, String> {
        if let Some(rest) = self.rest.strip_prefix('Z') {
            self.rest = rest;
            return Ok(0);
        }
        let b = self.rest.as_bytes();
        if b.len() < 6 || b[3] != b':' {
            return Err(self.bad("Z07:00", self.rest));
        }
        let two = |i: usize| match (b[i], b[i + 1]) {
            (x, y) if x.is_ascii_digit() && y.is_ascii_digit() => Some(i64::from((x - b'0') * 10 + (y - b'0'))),
            _ => None,
        };
        let (Some(hours), Some(minutes)) = (two(1), two(4)) else { return Err(self.bad("Z07:00", self.rest)) };
        if minutes > 60 {
            return Err(self.out_of_range("time zone offset minute"));
        }
        if hours > 24 {
            return Err(self.out_of_range("time zone offset hour"));
        }
        let sign = match b[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(self.bad("Z07:00", self.rest)),
        };
        // Six ASCII bytes: the slice ends on a character boundary.
        self.rest = &self.rest[6..];
        Ok(sign * (hours * 3600 + minutes * 60))
    }
}

/// The time package's own `quote` for its parse errors: `"` and `\` get a
/// backslash, and every byte of a non-ASCII or control character is written
/// `\xNN` (`明天` → `\xe6\x98\x8e\xe5\xa4\xa9`), unlike `strconv.Quote`.
fn quote(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut utf8 = [0u8; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                let _ = write!(out, "\\x{byte:02x}");
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_across_eras_and_leap_days() {
        for days in (-800_000..800_000).step_by(997).chain([-1, 0, 1, 59, 60, 365, 10_956, 11_016]) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2026, 1, 1) * 86_400, 1_767_225_600);
    }

    #[test]
    fn strftime_like_date_nginx_and_tomcat() {
        // 2026-01-01T00:01:30.250Z, a Thursday.
        let t = Civil::from_unix_millis(1_767_225_690_250);
        assert_eq!(t.strftime("%a %b %e %H:%M:%S %Z %Y"), "Thu Jan  1 00:01:30 UTC 2026");
        assert_eq!(t.strftime("%d/%b/%Y:%H:%M:%S %z"), "01/Jan/2026:00:01:30 +0000");
        assert_eq!(t.strftime("%d-%b-%Y %H:%M:%S%.3f"), "01-Jan-2026 00:01:30.250");
        assert_eq!(t.strftime("%F %T %j %s %y%%"), "2026-01-01 00:01:30 001 1767225690 26%");
        assert_eq!(t.strftime("%Q %"), "%Q %");
    }

    #[test]
    fn rfc3339_reads_what_go_reads() {
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Ok((1_767_225_600, 0)));
        assert_eq!(parse_rfc3339("2026-01-01T01:00:00+01:00"), Ok((1_767_225_600, 0)));
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00.5Z"), Ok((1_767_225_600, 500_000_000)));
        // Go's ranges use `>`: an offset of 24:60 is read.
        assert!(parse_rfc3339("2026-01-01T00:00:00+24:60").is_ok());
        assert_eq!(parse_rfc3339("2024-02-29T23:59:59-00:30"), Ok((1_709_251_199 + 1800, 0)));
    }

    #[test]
    fn rfc3339_errors_are_go_s() {
        let cases = [
            ("x", r#"parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006""#),
            (
                "2026-1-01T00:00:00Z",
                r#"parsing time "2026-1-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "1-01T00:00:00Z" as "01""#,
            ),
            (
                "2026-01-01 00:00:00Z",
                r#"parsing time "2026-01-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T""#,
            ),
            (
                "2026-01-01T00:00:00",
                r#"parsing time "2026-01-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00""#,
            ),
            ("2026-13-01T00:00:00Z", r#"parsing time "2026-13-01T00:00:00Z": month out of range"#),
            ("2026-02-30T00:00:00Z", r#"parsing time "2026-02-30T00:00:00Z": day out of range"#),
            ("2026-01-01T24:00:00Z", r#"parsing time "2026-01-01T24:00:00Z": hour out of range"#),
            ("2026-01-01T00:00:00Zabc", r#"parsing time "2026-01-01T00:00:00Zabc": extra text: "abc""#),
            ("2026-01-01T00:00:00Z\t", r#"parsing time "2026-01-01T00:00:00Z\x09": extra text: "\x09""#),
            (
                "明天",
                r#"parsing time "\xe6\x98\x8e\xe5\xa4\xa9" as "2006-01-02T15:04:05Z07:00": cannot parse "\xe6\x98\x8e\xe5\xa4\xa9" as "2006""#,
            ),
            (
                "2026-01-01T00:00:00x25:00",
                r#"parsing time "2026-01-01T00:00:00x25:00": time zone offset hour out of range"#,
            ),
            (
                "2026-01-01T00:00:00+25:61",
                r#"parsing time "2026-01-01T00:00:00+25:61": time zone offset minute out of range"#,
            ),
            (
                "2026-01-01T00:00:00+0100",
                r#"parsing time "2026-01-01T00:00:00+0100" as "2006-01-02T15:04:05Z07:00": cannot parse "+0100" as "Z07:00""#,
            ),
        ];
        for (input, message) in cases {
            assert_eq!(parse_rfc3339(input), Err(message.to_string()), "{input}");
        }
    }
}
