//! Whether a failed request is worth repeating, decided here because only
//! this stage sees the server's bytes (the host never parses them): the
//! HTTP status, the Retry-After header (RFC 9110 §10.2.3) and the kind of a
//! network error become wit/network.wit's `retry`, which the host's retry
//! policy (host/src/flows/retry.rs) acts on.
//!
//! - 429 and 503 with a Retry-After: `after(n)`, n seconds from now (RFC
//!   8555 §6.6 rateLimited; RFC 9110 §15.6.4);
//! - 429 without one: `never` (a rate limit with no end in sight);
//! - 503 without one and every other 5xx: `transient`;
//! - connection refused, reset, aborted or timed out: `transient`;
//! - everything else (TLS failures, the grant's refusals, malformed bodies,
//!   other 4xx): `never`.

use std::io;

/// How the host may retry a failed call (wit/network.wit `retry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Repeating it would fail the same way.
    Never,
    /// A fault that may pass: the host retries a few times with backoff.
    Transient,
    /// The server asked to come back after this many seconds.
    After(u64),
}

/// A failed call: one line naming the step and the cause, and whether it
/// is worth repeating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The one line.
    pub message: String,
    /// What the host may do about it.
    pub retry: Retry,
}

impl Failure {
    /// A failure worth repeating as `retry` says.
    pub fn new(message: String, retry: Retry) -> Failure {
        Failure { message, retry }
    }

    /// The same failure, its message prefixed with `what: ` (the step).
    pub fn during(self, what: &str) -> Failure {
        Failure {
            message: format!("{what}: {}", self.message),
            retry: self.retry,
        }
    }
}

impl From<String> for Failure {
    /// Anything not said otherwise is not worth repeating.
    fn from(message: String) -> Failure {
        Failure::new(message, Retry::Never)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::from(message.to_string())
    }
}

/// What a non-2xx status means for a retry, with the response's raw
/// Retry-After header; `now` is the time in Unix seconds (for the
/// HTTP-date form).
pub fn of_status(status: u16, retry_after: Option<&str>, now: u64) -> Retry {
    let after = retry_after.and_then(|v| seconds_after(v, now));
    match (status, after) {
        (429 | 503, Some(n)) => Retry::After(n),
        (429, None) => Retry::Never,
        (500..=599, _) => Retry::Transient,
        _ => Retry::Never,
    }
}

/// What a network error of kind `kind` means for a retry.
pub fn of_io(kind: io::ErrorKind) -> Retry {
    use io::ErrorKind::*;
    match kind {
        ConnectionRefused | ConnectionReset | ConnectionAborted | TimedOut => Retry::Transient,
        _ => Retry::Never,
    }
}

/// A Retry-After value (RFC 9110 §10.2.3) as seconds from `now` (Unix
/// seconds): delay-seconds, or an HTTP-date (a date in the past is 0).
/// `None` for anything else.
pub fn seconds_after(value: &str, now: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A number too large for u64 is still "much later".
        return Some(value.parse().unwrap_or(u64::MAX));
    }
    let at = http_date(value)?;
    Some(at.saturating_sub(now))
}

/// An HTTP-date (RFC 9110 §5.6.7) in Unix seconds: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), and the obsolete RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37
/// 1994`) forms recipients must accept.
pub fn http_date(value: &str) -> Option<u64> {
    let words: Vec<&str> = value.split_ascii_whitespace().collect();
    let (day, month, year, time) = match words.as_slice() {
        // IMF-fixdate: day-name "," day month year time "GMT".
        [name, day, month, year, time, "GMT"] if name.ends_with(',') => {
            (*day, *month, year.parse::<u64>().ok()?, *time)
        }
        // RFC 850: day-name "," day-month-2digityear time "GMT".
        [name, date, time, "GMT"] if name.ends_with(',') => {
            let mut parts = date.split('-');
            let (day, month, yy) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || yy.len() != 2 {
                return None;
            }
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            let yy: u64 = yy.parse().ok()?;
            let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
            (day, month, year, *time)
        }
        // asctime: day-name month day time year.
        [_, month, day, time, year] => (*day, *month, year.parse::<u64>().ok()?, *time),
        _ => return None,
    };
    let day: u64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    // The grammar's years have four digits (RFC 9110 §5.6.7): a longer one
    // is not a date, and would overflow the arithmetic below.
    if hms.next().is_some() || h > 23 || m > 59 || s > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days from 1970-01-01 to a proleptic Gregorian date, year >= 1970
/// (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06 08:49:37 UTC, RFC 9110's example date.
    const EXAMPLE: u64 = 784_111_777;

    #[test]
    fn delay_seconds() {
        assert_eq!(seconds_after("120", 0), Some(120));
        assert_eq!(seconds_after(" 0 ", 5), Some(0));
        assert_eq!(seconds_after("99999999999999999999999", 0), Some(u64::MAX));
    }

    #[test]
    fn http_dates_in_all_three_forms() {
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(http_date(form), Some(EXAMPLE), "{form}");
        }
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            http_date("Tue, 29 Feb 2028 23:59:59 GMT"),
            Some(1_835_481_599)
        );
    }

    /// Found by fuzz/fuzz_targets/retry_after.rs: a year of many digits
    /// overflowed the day count (a trap in the stage).
    #[test]
    fn a_year_of_more_than_four_digits_is_not_a_date() {
        assert_eq!(http_date("Sun Nov  6 08:49:37 199400000000000089"), None);
        assert_eq!(http_date("Sun, 06 Nov 99999 08:49:37 GMT"), None);
        assert_eq!(
            http_date("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(253_402_300_799)
        );
    }

    #[test]
    fn a_date_is_seconds_from_now_and_a_past_one_is_zero() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(seconds_after(date, EXAMPLE - 90), Some(90));
        assert_eq!(seconds_after(date, EXAMPLE + 3600), Some(0));
    }

    #[test]
    fn garbage_is_no_retry_after() {
        for bad in [
            "",
            "-5",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "\u{1b}[31m",
        ] {
            assert_eq!(seconds_after(bad, EXAMPLE), None, "{bad:?}");
        }
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(of_status(429, Some("7"), 0), Retry::After(7));
        assert_eq!(of_status(503, Some("7"), 0), Retry::After(7));
        assert_eq!(of_status(429, None, 0), Retry::Never);
        assert_eq!(of_status(429, Some("later"), 0), Retry::Never);
        assert_eq!(of_status(503, None, 0), Retry::Transient);
        for status in [500, 502, 504, 599] {
            assert_eq!(of_status(status, None, 0), Retry::Transient, "{status}");
        }
        // Retry-After on another status changes nothing.
        assert_eq!(of_status(500, Some("7"), 0), Retry::Transient);
        for status in [400, 401, 403, 404, 409] {
            assert_eq!(of_status(status, Some("7"), 0), Retry::Never, "{status}");
        }
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(of_status(503, Some(date), EXAMPLE - 30), Retry::After(30));
    }

    #[test]
    fn connection_faults_are_transient_and_others_not() {
        use io::ErrorKind::*;
        for kind in [
            ConnectionRefused,
            ConnectionReset,
            ConnectionAborted,
            TimedOut,
        ] {
            assert_eq!(of_io(kind), Retry::Transient, "{kind:?}");
        }
        for kind in [
            PermissionDenied,
            InvalidData,
            NotFound,
            UnexpectedEof,
            Other,
        ] {
            assert_eq!(of_io(kind), Retry::Never, "{kind:?}");
        }
    }
}
