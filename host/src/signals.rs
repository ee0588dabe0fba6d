//! SIGINT (Ctrl-C) and SIGTERM (systemd stop, CI cancellation, timeout(1))
//! during an issuance: let an install under way finish, remove the token
//! files the run wrote (leftovers.rs), print one line saying what was
//! interrupted and what was left, and exit with 130 (SIGINT) or 143
//! (SIGTERM), the shell's codes for death by those signals.
//!
//! Without this a signal ends the process at once: a stage may be in the
//! middle of a call, token files stay in the challenge directory. Nothing is
//! ever half-installed either way (files are replaced by rename), but the
//! tokens would stay.
//!
//! Unix only; on Windows, Ctrl-C ends the process as before (token files may
//! be left; nothing is half-installed).

use crate::watchdog::Watchdog;

/// How long the handler waits for the token files to be removed.
#[cfg(unix)]
const CLEANUP_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the handler runs already: a batch (flows/batch.rs) starts a
/// runtime per job, and one handler serves them all (the first job's
/// watchdog names the call under way), so a signal prints one line.
#[cfg(unix)]
static HANDLING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Start the thread that handles SIGINT and SIGTERM for the rest of the
/// process's life, once per process.
#[cfg(unix)]
pub(crate) fn handle(watchdog: Watchdog) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    if HANDLING.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("acmebox-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let (name, code) = if signal == SIGINT {
                    ("SIGINT", 130)
                } else {
                    ("SIGTERM", 143)
                };
                // The call under way, else the last step (between calls,
                // e.g. waiting to poll an authorization again).
                let during = match (watchdog.current_call(), crate::log::last_step()) {
                    (Some(call), _) => format!(" during {call}"),
                    (None, Some(step)) => format!(" after step {step}"),
                    (None, None) => String::new(),
                };
                crate::leftovers::wait_for_install();
                let removed = crate::leftovers::remove_tokens_within(CLEANUP_WAIT);
                let line = format!(
                    "acmebox: interrupted by {name}{during}: {}\n",
                    crate::leftovers::summary(removed)
                );
                crate::watchdog::end(&line, code);
            }
        })?;
    Ok(())
}

/// Not available here: signals keep their default action.
#[cfg(not(unix))]
pub(crate) fn handle(_watchdog: Watchdog) -> std::io::Result<()> {
    Ok(())
}
