//! The network stage's reading of a Retry-After header (RFC 9110 §10.2.3:
//! delay-seconds or an HTTP-date in any of its three forms), which decides
//! how long the host waits before asking again (host/src/flows/retry.rs).
//! The input is the current time (its first 8 bytes, little-endian Unix
//! seconds) and the header value (the rest). Properties: no panic (no
//! overflow) for any value and any time; a later `now` never gives a longer
//! wait; delay-seconds do not depend on `now`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use network::fuzzing::retry_after;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (now, value) = data.split_at(8);
    let now = u64::from_le_bytes(now.try_into().unwrap_or_default());
    let Ok(value) = std::str::from_utf8(value) else {
        return;
    };
    let wait = retry_after(value, now);
    let earlier = retry_after(value, now / 2);
    match (wait, earlier) {
        (Some(w), Some(e)) => assert!(w <= e, "{value:?}: waits {w} s at {now}, {e} s earlier"),
        (None, None) => {}
        _ => panic!("{value:?}: read at one time and not at another"),
    }
    let trimmed = value.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        assert_eq!(
            wait,
            retry_after(value, 0),
            "{value:?}: delay-seconds depend on now"
        );
    }
});
