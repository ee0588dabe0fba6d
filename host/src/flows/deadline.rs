//! The run's deadline (`--timeout`) and every wait the host makes before
//! it: pauses between polls of an order or authorization (RFC 8555 §7.4,
//! §7.5.1, §8.2) and between retries of a failed network call (retry.rs).
//! No wait ever ends past the deadline: a pause that would is not made,
//! and the run ends at once with a line naming the step. Sleeping into the
//! deadline would leave the run to the watchdog's hard stop, whose line
//! cannot name the object waited for.
//!
//! Time is read and slept through a [`Clock`], so that unit tests run the
//! waits without sleeping.

use super::retry::RETRY_AFTER_CAP;
use crate::error::Error;
use crate::sandbox::Runtime;
use crate::watchdog::Armed;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the host reads the time and sleeps.
pub trait Clock: Send + Sync {
    /// Now, monotonic.
    fn now(&self) -> Instant;
    /// Now, in Unix seconds (for messages in UTC).
    fn unix_now(&self) -> i64;
    /// Sleep for `pause`.
    fn sleep(&self, pause: Duration);
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn unix_now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    fn sleep(&self, pause: Duration) {
        std::thread::sleep(pause);
    }
}

/// The start of a run on `rt` (`Runtime::new()`, or a batch's shared
/// engine): wasmtime's start checked; the hard bound armed, which ends the
/// process if anything (a stage blocked in the host, a hung file system)
/// keeps it past `timeout` (sandbox.rs `bound_run`; dropping the guard
/// disarms it); SIGINT and SIGTERM handled from here on (signals.rs). The
/// issue and account flows begin with it.
pub(crate) fn start_run(
    rt: wasmtime::Result<Runtime>,
    timeout: Duration,
) -> Result<(Runtime, Armed), Error> {
    let failed = |message: String| Error::Protocol {
        step: "start",
        message,
    };
    let rt = rt.map_err(|e| failed(format!("cannot start wasmtime: {e:#}")))?;
    let hard_deadline = rt.bound_run(timeout);
    rt.handle_signals()
        .map_err(|e| failed(format!("cannot handle signals: {e}")))?;
    Ok((rt, hard_deadline))
}

/// Time a poll's pause leaves before the deadline for the poll itself
/// ([`Deadline::poll_pause`]).
pub const POLL_MARGIN: Duration = Duration::from_secs(2);

/// The overall deadline of a run (`--timeout`).
pub struct Deadline {
    end: Instant,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl Deadline {
    /// `timeout` from now, on the system's clock.
    pub fn new(timeout: Duration) -> Deadline {
        Deadline::on(timeout, Arc::new(SystemClock))
    }

    /// `timeout` from now on `clock`.
    pub fn on(timeout: Duration, clock: Arc<dyn Clock>) -> Deadline {
        let now = clock.now();
        Deadline {
            end: now.checked_add(timeout).unwrap_or(now),
            timeout,
            clock,
        }
    }

    /// When the run must be over.
    pub fn end(&self) -> Instant {
        self.end
    }

    /// `--timeout`, in whole seconds, for messages.
    pub fn timeout_secs(&self) -> u64 {
        self.timeout.as_secs()
    }

    /// The clock this deadline is measured on.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The time left before the deadline (zero once past it).
    pub fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(self.clock.now())
    }

    /// An error naming `step` when the run is past --timeout.
    pub fn check(&self, step: &'static str) -> Result<(), Error> {
        if self.remaining() > Duration::ZERO {
            Ok(())
        } else {
            Err(Error::Protocol {
                step,
                message: format!("gave up after --timeout {} s", self.timeout_secs()),
            })
        }
    }

    /// Pause before polling `polled` again at `step`: for the server's
    /// Retry-After when it gave one (at most [`RETRY_AFTER_CAP`]), else for
    /// `backoff`'s next pause. When that pause would end less than
    /// [`POLL_MARGIN`] before the deadline, the run ends now: exit 1 naming
    /// the step, the object's URL and its last status (rather than a poll
    /// that the run's hard bound, sandbox.rs `bound_run`, cuts off at the
    /// deadline with a line that cannot say what was awaited).
    pub fn poll_pause(
        &self,
        step: &'static str,
        polled: &Polled<'_>,
        backoff: &mut Backoff,
    ) -> Result<(), Error> {
        let pause = match polled.retry_after {
            Some(secs) if secs > 0 => Duration::from_secs(secs).min(RETRY_AFTER_CAP),
            _ => backoff.next_pause(),
        };
        if pause.saturating_add(POLL_MARGIN) < self.remaining() {
            self.clock.sleep(pause);
            return Ok(());
        }
        Err(Error::Protocol {
            step,
            message: format!(
                "gave up: {} {} is still {} and --timeout {} s runs out before the next poll \
                 (in {} s)",
                polled.kind,
                polled.url,
                polled.status,
                self.timeout_secs(),
                pause.as_secs_f32()
            ),
        })
    }
}

/// An order or authorization being polled, as last seen.
pub struct Polled<'a> {
    /// `order` or `authorization`.
    pub kind: &'static str,
    /// Its URL.
    pub url: &'a str,
    /// Its last status.
    pub status: &'a str,
    /// The server's Retry-After with it, in seconds from now.
    pub retry_after: Option<u64>,
}

/// Pauses between polls of an authorization or order when the server gives
/// no Retry-After (RFC 8555 §7.5.1, §7.4): short at first, as a CA often
/// finishes within milliseconds, then doubling up to [`Backoff::MAX`] so a
/// slow CA is not hammered.
pub struct Backoff(Duration);

impl Backoff {
    /// The first pause.
    pub const FIRST: Duration = Duration::from_millis(50);
    /// The longest pause.
    pub const MAX: Duration = Duration::from_secs(2);

    /// Starting at [`Backoff::FIRST`].
    pub fn new() -> Backoff {
        Backoff(Backoff::FIRST)
    }

    /// The pause to make now; the next one is twice as long, up to the
    /// maximum.
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.0;
        self.0 = (pause * 2).min(Backoff::MAX);
        pause
    }
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff::new()
    }
}

/// A clock for tests: time moves only when slept on, and every sleep is
/// recorded.
#[cfg(test)]
pub(crate) mod fake {
    use super::Clock;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    /// Starts at the real now and at `unix` seconds.
    pub(crate) struct FakeClock {
        start: Instant,
        unix: i64,
        pub(crate) slept: Mutex<Vec<Duration>>,
    }

    impl FakeClock {
        pub(crate) fn new(unix: i64) -> FakeClock {
            FakeClock {
                start: Instant::now(),
                unix,
                slept: Mutex::new(Vec::new()),
            }
        }

        fn elapsed(&self) -> Duration {
            self.slept
                .lock()
                .map(|s| s.iter().sum())
                .unwrap_or_default()
        }

        pub(crate) fn sleeps(&self) -> Vec<Duration> {
            self.slept.lock().map(|s| s.clone()).unwrap_or_default()
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.elapsed()
        }

        fn unix_now(&self) -> i64 {
            self.unix + self.elapsed().as_secs() as i64
        }

        fn sleep(&self, pause: Duration) {
            if let Ok(mut s) = self.slept.lock() {
                s.push(pause);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeClock;
    use super::*;

    fn polled(retry_after: Option<u64>) -> Polled<'static> {
        Polled {
            kind: "order",
            url: "https://ca.test/order/1",
            status: "processing",
            retry_after,
        }
    }

    #[test]
    fn polls_back_off_without_retry_after() {
        let clock = Arc::new(FakeClock::new(0));
        let deadline = Deadline::on(Duration::from_secs(120), clock.clone());
        let mut backoff = Backoff::new();
        for _ in 0..8 {
            deadline
                .poll_pause("poll order", &polled(None), &mut backoff)
                .unwrap();
        }
        let ms: Vec<u128> = clock.sleeps().iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [50, 100, 200, 400, 800, 1600, 2000, 2000]);
    }

    #[test]
    fn polls_follow_retry_after_up_to_the_cap() {
        let clock = Arc::new(FakeClock::new(0));
        let deadline = Deadline::on(Duration::from_secs(300), clock.clone());
        let mut backoff = Backoff::new();
        for after in [Some(3), Some(0), Some(3600)] {
            deadline
                .poll_pause("poll order", &polled(after), &mut backoff)
                .unwrap();
        }
        let want = [Duration::from_secs(3), Backoff::FIRST, RETRY_AFTER_CAP];
        assert_eq!(clock.sleeps(), want);
    }

    #[test]
    fn a_poll_that_would_outlast_the_deadline_names_the_object() {
        let clock = Arc::new(FakeClock::new(0));
        let deadline = Deadline::on(Duration::from_secs(10), clock.clone());
        let mut backoff = Backoff::new();
        let err = deadline
            .poll_pause("poll order", &polled(Some(10)), &mut backoff)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "poll order: gave up: order https://ca.test/order/1 is still processing and \
             --timeout 10 s runs out before the next poll (in 10 s)"
        );
        assert!(clock.sleeps().is_empty(), "no sleep into the deadline");
        // Short pauses go on until the deadline is near, never past it.
        let mut polls = 0;
        while deadline
            .poll_pause("poll order", &polled(None), &mut backoff)
            .is_ok()
        {
            polls += 1;
        }
        let slept: Duration = clock.sleeps().iter().sum();
        assert!(polls > 5, "{polls} polls");
        // The last pause leaves the poll itself POLL_MARGIN.
        assert!(slept + POLL_MARGIN < Duration::from_secs(10), "{slept:?}");
    }

    #[test]
    fn check_fails_once_past_the_deadline() {
        let clock = Arc::new(FakeClock::new(0));
        let deadline = Deadline::on(Duration::from_secs(2), clock.clone());
        assert!(deadline.check("install").is_ok());
        clock.sleep(Duration::from_secs(2));
        let err = deadline.check("install").unwrap_err().to_string();
        assert_eq!(err, "install: gave up after --timeout 2 s");
    }
}
