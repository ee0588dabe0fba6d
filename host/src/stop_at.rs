//! A test-only stopping point in the install: with
//! `ACMEBOX_TEST_STOP_AT=install:N` in its environment, the process stops
//! itself with SIGSTOP at the N-th step of the installation
//! ([`install_step`]: the staging directory made, the files written, checked,
//! listed, committed, each renamed into place, the staging directory
//! removed), and prints one line naming the step. tests/kill_install.rs
//! waits until it is stopped, kills it with SIGKILL and inspects what a kill
//! at that point leaves.
//!
//! It can do nothing but stop the process, which anyone able to set its
//! environment can do with `kill -STOP` anyway (docs/SECURITY.md). The
//! variable is read once, at the first step; without it a step costs one
//! load. Steps are counted across the process (every directory of a
//! certificate, every job of a batch). Unix only: elsewhere nothing stops.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The variable, read by the host only (stages get an empty environment).
pub const VARIABLE: &str = "ACMEBOX_TEST_STOP_AT";

/// The step to stop at, from [`VARIABLE`]; `None` without it.
static STOP_AT: OnceLock<Option<u32>> = OnceLock::new();

/// Install steps reached so far.
static STEPS: AtomicU32 = AtomicU32::new(0);

/// The step number `install:N` names (N from 1); `None` for anything else.
pub fn parse(value: &str) -> Option<u32> {
    value
        .strip_prefix("install:")
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
}

/// A step of installing the certificate downloaded at RFC 8555 §7.4.2,
/// `what` saying which. Stops the process here if [`VARIABLE`] names this
/// step.
pub fn install_step(what: &str) {
    let Some(stop_at) =
        *STOP_AT.get_or_init(|| std::env::var(VARIABLE).ok().and_then(|value| parse(&value)))
    else {
        return;
    };
    let step = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if step == stop_at {
        crate::log::line(&format!("{VARIABLE}: stopping at install:{step} ({what})"));
        stop();
    }
}

/// SIGSTOP to this process: every thread stops until SIGCONT or SIGKILL.
#[cfg(unix)]
fn stop() {
    use rustix::process::{getpid, kill_process, Signal};
    // Only a failed kill(2) to itself returns an error; there is nothing
    // to do about it but go on.
    let _ = kill_process(getpid(), Signal::STOP);
}

#[cfg(not(unix))]
fn stop() {}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn only_install_and_a_positive_step_are_understood() {
        assert_eq!(parse("install:1"), Some(1));
        assert_eq!(parse("install:17"), Some(17));
        for other in [
            "",
            "install:",
            "install:0",
            "install:-1",
            "install:x",
            "issue:3",
            "3",
        ] {
            assert_eq!(parse(other), None, "{other:?}");
        }
    }
}
