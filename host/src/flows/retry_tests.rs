//! The retry policy on a fake clock: counts, waits, the cap and the
//! deadline, without sleeping.

use super::*;
use crate::flows::deadline::fake::FakeClock;
use crate::stage::Stage;
use std::sync::Arc;

/// 2030-01-01 00:00:00 UTC.
const NOW: i64 = 1_893_456_000;

fn deadline(secs: u64) -> (Arc<FakeClock>, Deadline) {
    let clock = Arc::new(FakeClock::new(NOW));
    let deadline = Deadline::on(Duration::from_secs(secs), clock.clone());
    (clock, deadline)
}

fn failed(retry: Retry) -> Failed {
    Failed {
        error: Error::Stage {
            stage: Stage::Network,
            step: "new order",
            message: "newOrder: the cause".into(),
        },
        retry,
    }
}

/// Run [`retry`] on a call failing with `kinds` in turn, then succeeding;
/// returns the result and how many calls were made.
fn run(deadline: &Deadline, kinds: &[Retry]) -> (Result<(), String>, usize) {
    let mut calls = 0;
    let result = retry(deadline, &Log::default(), || {
        calls += 1;
        match kinds.get(calls - 1) {
            Some(kind) => Err(failed(*kind)),
            None => Ok(()),
        }
    });
    (result.map_err(|e| e.to_string()), calls)
}

fn secs(clock: &FakeClock) -> Vec<u64> {
    clock.sleeps().iter().map(Duration::as_secs).collect()
}

#[test]
fn never_is_not_retried() {
    let (clock, d) = deadline(120);
    let (result, calls) = run(&d, &[Retry::Never]);
    assert_eq!(
        result.unwrap_err(),
        "network stage, new order: newOrder: the cause"
    );
    assert_eq!(calls, 1);
    assert!(clock.sleeps().is_empty());
}

#[test]
fn transient_faults_are_retried_three_times_with_backoff() {
    let (clock, d) = deadline(120);
    let (result, calls) = run(&d, &[Retry::Transient; 3]);
    assert!(result.is_ok());
    assert_eq!(calls, 4);
    assert_eq!(secs(&clock), [1, 2, 4]);

    let (clock, d) = deadline(120);
    let (result, calls) = run(&d, &[Retry::Transient; 4]);
    assert_eq!(
        result.unwrap_err(),
        "network stage, new order: newOrder: the cause; gave up after 4 tries"
    );
    assert_eq!(calls, 4);
    assert_eq!(secs(&clock), [1, 2, 4]);
}

#[test]
fn no_retry_is_made_that_the_deadline_would_cut_short() {
    // 3 s: a request may take 1.5 s. The 1 s wait and a request fit; the
    // 2 s wait after it and a request would end past the deadline.
    let (clock, d) = deadline(3);
    let (result, calls) = run(&d, &[Retry::Transient; 4]);
    assert_eq!(
        result.unwrap_err(),
        "network stage, new order: newOrder: the cause; gave up: --timeout 3 s leaves no \
         time for another try (in 2 s, and a request may take 1.5 s)"
    );
    assert_eq!(calls, 2);
    assert_eq!(secs(&clock), [1]);
}

#[test]
fn retry_after_is_waited_for_within_cap_and_count() {
    let (clock, d) = deadline(600);
    let (result, calls) = run(&d, &[Retry::After(5), Retry::After(0), Retry::After(60)]);
    assert!(result.is_ok());
    assert_eq!(calls, 4);
    assert_eq!(secs(&clock), [5, 0, 60]);

    let (clock, d) = deadline(600);
    let (result, calls) = run(&d, &[Retry::After(1); 4]);
    assert_eq!(
        result.unwrap_err(),
        "network stage, new order: newOrder: the cause; the server said to come back at \
         2030-01-01 00:00:04 UTC (in 1 s), after 3 waits already"
    );
    assert_eq!(calls, 4);
    assert_eq!(secs(&clock), [1, 1, 1]);
}

#[test]
fn retry_after_beyond_the_cap_ends_the_run_saying_when() {
    let (clock, d) = deadline(600);
    let (result, calls) = run(&d, &[Retry::After(3600)]);
    assert_eq!(
        result.unwrap_err(),
        "network stage, new order: newOrder: the cause; the server said to come back at \
         2030-01-01 01:00:00 UTC (in 3600 s), later than the 60 s acmebox waits"
    );
    assert_eq!(calls, 1);
    assert!(clock.sleeps().is_empty());
}

#[test]
fn retry_after_beyond_the_deadline_ends_the_run_at_once() {
    let (clock, d) = deadline(30);
    let (result, calls) = run(&d, &[Retry::After(45)]);
    assert_eq!(
        result.unwrap_err(),
        "network stage, new order: newOrder: the cause; the server said to come back at \
         2030-01-01 00:00:45 UTC (in 45 s), after --timeout 30 s runs out"
    );
    assert_eq!(calls, 1);
    assert!(clock.sleeps().is_empty());
}

#[test]
fn kinds_are_counted_apart_and_both_bounded() {
    let (clock, d) = deadline(600);
    let kinds = [
        Retry::Transient,
        Retry::After(2),
        Retry::Transient,
        Retry::After(2),
        Retry::Transient,
        Retry::Transient,
    ];
    let (result, calls) = run(&d, &kinds);
    assert!(result.unwrap_err().ends_with("gave up after 4 tries"));
    assert_eq!(calls, 6);
    assert_eq!(secs(&clock), [1, 2, 2, 2, 4]);
}

#[test]
fn utc_dates() {
    assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(utc(NOW), "2030-01-01 00:00:00 UTC");
    assert_eq!(utc(1_835_481_599), "2028-02-29 23:59:59 UTC");
}
