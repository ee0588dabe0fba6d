//! Retries of failed network calls, one policy for every call of the
//! issuance, revocation and batch flows ([`retry`]).
//!
//! The network stage says whether a failure is worth repeating (wit/network.wit
//! `retry`, decided from the HTTP status, Retry-After and the kind of network
//! error: the host never parses the server's bytes); the host decides how
//! often and how long to wait, within the run's deadline (deadline.rs):
//!
//! - `transient` (5xx, a connection refused, reset, aborted or timed out): at
//!   most [`TRANSIENT_WAITS`]`.len()` retries, after 1 s, 2 s and 4 s;
//! - `after(n)` (429 or 503 with Retry-After, RFC 8555 §6.6, RFC 9110
//!   §10.2.3): wait n s if n is at most [`RETRY_AFTER_CAP`] and the wait ends
//!   before the deadline, at most [`AFTER_RETRIES`] times; otherwise exit 1
//!   with one line saying when the server said to come back (UTC, and "in N
//!   s");
//! - `never`: the error as it is.
//!
//! A retry is made only when its wait and then one whole request (the
//! request timeout, grant.rs `request_timeout`) fit before the deadline:
//! otherwise the run gives up at once, with the failure's own cause and a
//! note saying why it did not try again. A retry that the deadline would cut
//! short would end in the watchdog's hard stop, whose line cannot name the
//! cause. Each retry is one `-v` line: the step and cause, the wait, and
//! the try it leads to. A stage that lies about `retry` gains nothing: every
//! count and wait is bounded here.

use super::deadline::Deadline;
use crate::error::Error;
use crate::log::Log;
use std::time::Duration;

/// The longest Retry-After acmebox waits for (a longer one ends the run,
/// saying when to come back), and the longest pause between polls.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// The waits before each retry of a transient failure.
pub const TRANSIENT_WAITS: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// How many times a call is retried for the server's Retry-After.
pub const AFTER_RETRIES: u32 = 3;

/// Whether, and when, a failed network call is worth making again
/// (wit/network.wit `retry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// It would fail the same way.
    Never,
    /// A fault that may pass.
    Transient,
    /// The server asked to come back after this many seconds.
    After(u64),
}

/// A failed network call: the error, and whether it is worth repeating.
#[derive(Debug)]
pub struct Failed {
    /// The error, naming stage and step.
    pub error: Error,
    /// What the network stage said of it.
    pub retry: Retry,
}

impl From<Error> for Failed {
    /// The host's own refusals are never retried.
    fn from(error: Error) -> Failed {
        Failed {
            error,
            retry: Retry::Never,
        }
    }
}

impl From<Failed> for Error {
    fn from(failed: Failed) -> Error {
        failed.error
    }
}

/// What to do after a failure.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Wait this long, then try again: try `try_no` of `tries`.
    Again {
        wait: Duration,
        try_no: u32,
        tries: u32,
    },
    /// Give up: the error as it is, or with this note.
    Stop(Option<String>),
}

/// Retries made so far, by kind.
#[derive(Debug, Default)]
struct Made {
    transient: u32,
    after: u32,
}

/// The policy: what to do after a failure of kind `retry`, with `made`
/// retries behind and `deadline` ahead.
fn next(retry: Retry, made: &Made, deadline: &Deadline) -> Next {
    let remaining = deadline.remaining();
    let timeout = deadline.timeout_secs();
    // The time one more request may take: a retry must leave room for it.
    let request = crate::grant::request_timeout(Duration::from_secs(timeout));
    let fits = |wait: Duration| wait + request < remaining;
    match retry {
        Retry::Never => Next::Stop(None),
        Retry::Transient => {
            let tries = TRANSIENT_WAITS.len() as u32 + 1;
            let Some(&wait) = TRANSIENT_WAITS.get(made.transient as usize) else {
                return Next::Stop(Some(format!("gave up after {tries} tries")));
            };
            if !fits(wait) {
                return Next::Stop(Some(format!(
                    "gave up: --timeout {timeout} s leaves no time for another try \
                     (in {} s, and a request may take {} s)",
                    wait.as_secs(),
                    request.as_secs_f64()
                )));
            }
            Next::Again {
                wait,
                try_no: made.transient + 2,
                tries,
            }
        }
        Retry::After(secs) => {
            let when = come_back(deadline.clock().unix_now(), secs);
            let wait = Duration::from_secs(secs);
            if wait > RETRY_AFTER_CAP {
                Next::Stop(Some(format!(
                    "{when}, later than the {} s acmebox waits",
                    RETRY_AFTER_CAP.as_secs()
                )))
            } else if !fits(wait) {
                Next::Stop(Some(format!(
                    "{when}, after --timeout {timeout} s runs out"
                )))
            } else if made.after >= AFTER_RETRIES {
                Next::Stop(Some(format!("{when}, after {AFTER_RETRIES} waits already")))
            } else {
                Next::Again {
                    wait,
                    try_no: made.after + 2,
                    tries: AFTER_RETRIES + 1,
                }
            }
        }
    }
}

/// "the server said to come back at 2030-01-01 00:01:00 UTC (in 60 s)".
fn come_back(unix_now: i64, secs: u64) -> String {
    let at = unix_now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX));
    format!("the server said to come back at {} (in {secs} s)", utc(at))
}

/// Make `call`, and again as its failures allow (see the module
/// documentation), waiting on `deadline`'s clock; each retry is logged.
pub fn retry<T>(
    deadline: &Deadline,
    log: &Log,
    mut call: impl FnMut() -> Result<T, Failed>,
) -> Result<T, Error> {
    let mut made = Made::default();
    loop {
        let failed = match call() {
            Ok(value) => return Ok(value),
            Err(failed) => failed,
        };
        match next(failed.retry, &made, deadline) {
            Next::Stop(None) => return Err(failed.error),
            Next::Stop(Some(note)) => return Err(failed.error.noted(&note)),
            Next::Again {
                wait,
                try_no,
                tries,
            } => {
                log.step(&format!(
                    "retry: {}; again in {} s (try {try_no} of {tries})",
                    failed.error,
                    wait.as_secs()
                ));
                match failed.retry {
                    Retry::After(_) => made.after += 1,
                    _ => made.transient += 1,
                }
                deadline.clock().sleep(wait);
            }
        }
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC` (date.rs).
pub fn utc(secs: i64) -> String {
    crate::date::utc(secs)
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
