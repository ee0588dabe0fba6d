//! ACME Renewal Information (RFC 9773): a certificate's renewalInfo
//! resource, fetched with an unauthenticated GET of
//! `<renewalInfo>/<certificate identifier>` (§4.2), and the `replaces` a
//! renewal's newOrder carries (§5). The identifier comes from cert-parser
//! (components/cert-parser ari.rs); this stage checks its shape and parses
//! the server's answer.

use serde::Deserialize;

use crate::retry::days_from_civil;

/// A renewalInfo object (§4.2).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RenewalInfo {
    suggested_window: Window,
    #[serde(default, rename = "explanationURL")]
    explanation_url: Option<String>,
}

/// `suggestedWindow`: RFC 3339 date-times.
#[derive(Deserialize)]
struct Window {
    start: String,
    end: String,
}

/// The server's suggestion: when to renew, in Unix seconds, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Suggested {
    pub start: i64,
    pub end: i64,
    /// `explanationURL`, as the server wrote it.
    pub explanation_url: Option<String>,
    /// The response's Retry-After, seconds from now: when to ask again.
    pub retry_after: Option<u64>,
}

/// The longest certificate identifier accepted: a key identifier and a
/// serial of at most 64 octets each, base64url.
const MAX_ID: usize = 2 * 86 + 1;

/// A certificate identifier (§4.1): two non-empty base64url parts joined
/// by a dot.
pub fn check_id(id: &str) -> Result<(), String> {
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match id.split_once('.') {
        Some((key, serial)) if id.len() <= MAX_ID && part(key) && part(serial) => Ok(()),
        _ => Err(format!(
            "renewalInfo: {:?} is not a certificate identifier (RFC 9773 §4.1)",
            id.chars().take(MAX_ID).collect::<String>()
        )),
    }
}

/// The suggested window and explanation of a renewalInfo body; the window
/// must end after it starts.
pub fn parse(body: &[u8]) -> Result<(i64, i64, Option<String>), String> {
    let info: RenewalInfo = serde_json::from_slice(body)
        .map_err(|e| format!("renewalInfo: malformed response: {e}"))?;
    let date = |text: &str| {
        rfc3339(text).ok_or_else(|| {
            format!(
                "renewalInfo: {:?} is not an RFC 3339 date-time",
                text.chars().take(64).collect::<String>()
            )
        })
    };
    let (start, end) = (
        date(&info.suggested_window.start)?,
        date(&info.suggested_window.end)?,
    );
    if end <= start {
        return Err("renewalInfo: the suggested window ends before it starts".into());
    }
    Ok((start, end, info.explanation_url))
}

/// An RFC 3339 date-time (`2025-01-02T03:04:05Z`, fractional seconds and a
/// numeric offset allowed) in Unix seconds; years 1970 to 9999.
pub fn rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |at: usize, len: usize| -> Option<u64> {
        let digits = b.get(at..at + len)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
    };
    let sep = |at: usize, c: u8| b.get(at).is_some_and(|x| *x == c);
    if !(sep(4, b'-') && sep(7, b'-') && matches!(b.get(10), Some(b'T' | b't' | b' '))) {
        return None;
    }
    if !(sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, m, s) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let valid = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && h < 24
        && m < 60
        && s <= 60;
    if !valid {
        return None;
    }
    let mut at = 19;
    if sep(at, b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return None;
        }
    }
    let offset = match b.get(at..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (num(at + 1, 2)?, num(at + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = (oh * 60 + om) as i64 * 60;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local = (days * 86_400 + h * 3600 + m * 60 + s) as i64;
    Some(local - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_utc_with_fractions_and_offsets() {
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339("2025-01-02T03:04:05Z"), Some(1_735_787_045));
        assert_eq!(
            rfc3339("2025-01-02T03:04:05.123456789Z"),
            Some(1_735_787_045)
        );
        assert_eq!(rfc3339("2025-01-02T05:04:05+02:00"), Some(1_735_787_045));
        assert_eq!(rfc3339("2025-01-01T23:04:05-04:00"), Some(1_735_787_045));
        for bad in [
            "",
            "2025-01-02",
            "2025-01-02T03:04:05",
            "2025-13-02T03:04:05Z",
            "2025-01-02T24:04:05Z",
            "2025-01-02T03:04:05.Z",
            "2025-01-02T03:04:05+0200",
            "1969-12-31T23:59:59Z",
            "2025-01-02T03:04:05Zjunk",
            "٢٠٢٥-01-02T03:04:05Z",
        ] {
            assert_eq!(rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_window_parses_and_a_backwards_one_is_refused() {
        let body =
            br#"{"suggestedWindow":{"start":"2025-01-02T00:00:00Z","end":"2025-01-03T00:00:00Z"},
            "explanationURL":"https://ca.test/why"}"#;
        let (start, end, why) = parse(body).unwrap();
        assert_eq!(end - start, 86_400);
        assert_eq!(why.as_deref(), Some("https://ca.test/why"));
        let backwards =
            br#"{"suggestedWindow":{"start":"2025-01-03T00:00:00Z","end":"2025-01-02T00:00:00Z"}}"#;
        assert!(parse(backwards).unwrap_err().contains("ends before"));
        assert!(parse(br#"{"suggestedWindow":{"start":"soon","end":"later"}}"#).is_err());
        assert!(parse(b"{}").is_err());
    }

    #[test]
    fn identifiers_are_two_base64url_parts() {
        assert!(check_id("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE").is_ok());
        for bad in [
            "",
            ".",
            "a.",
            ".b",
            "a.b.c",
            "a/b.c",
            "a b.c",
            &"a".repeat(200),
        ] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
    }
}
