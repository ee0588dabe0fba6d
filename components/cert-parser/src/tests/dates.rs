//! Dates: UTC arithmetic and formatting.

use super::*;

#[test]
fn formats_utc_dates() {
    assert_eq!(utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
    assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    assert_eq!(utc(4_102_444_800), "2100-01-01T00:00:00Z");
    // Extremes do not overflow.
    let _ = utc(i64::MIN);
    let _ = utc(i64::MAX);
}
