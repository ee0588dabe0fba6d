//! The watchdog: wall-clock bounds on every call into a stage and on the whole
//! run, for what the epoch deadline cannot stop.
//!
//! The epoch deadline stops a stage only while it runs wasm: wasmtime checks it
//! at function entries and loop back-edges. A stage blocked in a host call
//! (sleeping on a wasi:clocks pollable, reading from a server that sends
//! nothing) is not in wasm, and the run's `--timeout` is checked only between
//! steps, so without more such a stage could keep acmebox waiting forever.
//!
//! So [`Sandboxed::call`](crate::sandbox::Sandboxed::call) arms a watchdog for
//! the call's stage and step with the grant's `call_deadline` plus [`GRACE`] of
//! wall-clock time (the grace lets a busy loop end in the epoch trap, which
//! reports as an ordinary error), and disarms it when the call returns. Calls
//! nest (the network stage's signer import calls into the account stage from
//! inside a network call), so every call has its own entry. `issue::run` arms
//! it once more for the whole run with `--timeout`
//! ([`Runtime::bound_run`](crate::sandbox::Runtime::bound_run)). A thread
//! finding an entry past its limit prints one line, e.g. `acmebox: network
//! stage, fetch directory: stopped: blocked for more than its deadline of 60
//! s`, and ends the process with exit status 1.
//!
//! Ending the process is the only action available: wasmtime-wasi's sync
//! bindings run a host call to completion on the calling thread (`block_on` on
//! wasmtime-wasi's Tokio runtime), and nothing wasmtime offers another thread
//! interrupts that call or returns control to the store; the epoch and the
//! store's interrupts act only in wasm. The alternative is async wasmtime:
//! `Config::async_support`, wasmtime-wasi's async bindings, and every call into
//! a stage made with `call_async` under a timeout that drops the future
//! (cancelling the host call) at the deadline: a larger change to the host and
//! every stage's bindings, kept for later.
//!
//! What a hard stop means: the host's cleanup does not run, as after a crash.
//! Token files the challenge stage wrote may be left in the challenge directory
//! (each holds only a key authorization, which the CA publishes anyway). Keys
//! and certificates are never half-written: the key stages write a temporary
//! file in the same directory and rename it over the target, and file-writer
//! writes into a staging directory from which the host renames each checked,
//! already read-only file into place (certdir.rs), so each file is the old one
//! or the new one. `issue::run` disarms the `--timeout` bound before the
//! install, and a stop during file-writer's call leaves nothing renamed. A
//! key stage's temporary file (`.NAME.tmp-*`) or this run's staging directory
//! (`.acmebox-stage-*`, removed by the next run) may be left next to them.

use crate::grant::Grant;
use crate::stage::Stage;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// Wall-clock time a call gets beyond its grant's `call_deadline` before the
/// watchdog ends acmebox. A stage running wasm meets the epoch deadline first
/// (an ordinary trap); only a stage blocked in a host call reaches this.
pub const GRACE: Duration = Duration::from_secs(1);

/// What a watchdog entry bounds, for the line printed when it runs out.
#[derive(Clone, Copy)]
pub(crate) enum Bound {
    /// One call into a stage, bounded by its grant's deadline plus [`GRACE`].
    Call {
        stage: Stage,
        step: &'static str,
        deadline: Duration,
    },
    /// The whole run, bounded by `--timeout`.
    Run { timeout: Duration },
}

/// One armed bound: until when, and what.
struct Entry {
    id: u64,
    /// `None` when the limit is too far away to represent: never.
    until: Option<Instant>,
    bound: Bound,
}

#[derive(Default)]
struct Entries {
    next_id: u64,
    /// In the order armed: nested calls come after the calls they are in.
    armed: Vec<Entry>,
}

struct Shared {
    entries: Mutex<Entries>,
    /// Signalled when an entry is armed, so the thread waits for the
    /// earliest limit.
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        // The lists stay consistent whatever panicked while holding the lock.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The watchdog of a [`Runtime`](crate::sandbox::Runtime): armed bounds, and a thread ending acmebox
/// when one runs out (see the module documentation).
#[derive(Clone)]
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
}

/// An armed bound; dropping it disarms it.
#[must_use = "the bound is disarmed when this is dropped"]
pub struct Armed {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Armed {
    fn drop(&mut self) {
        self.shared.lock().armed.retain(|e| e.id != self.id);
    }
}

/// How long the watchdog thread sleeps with nothing armed before checking
/// whether its runtime is gone.
const IDLE: Duration = Duration::from_secs(1);

impl Watchdog {
    pub(crate) fn start() -> wasmtime::Result<Watchdog> {
        let shared = Arc::new(Shared {
            entries: Mutex::new(Entries::default()),
            changed: Condvar::new(),
        });
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("acmebox-watchdog".into())
            .spawn(move || watch(weak))?;
        Ok(Watchdog { shared })
    }

    pub(crate) fn arm(&self, limit: Duration, bound: Bound) -> Armed {
        let mut entries = self.shared.lock();
        let id = entries.next_id;
        entries.next_id += 1;
        entries.armed.push(Entry {
            id,
            until: Instant::now().checked_add(limit),
            bound,
        });
        drop(entries);
        self.shared.changed.notify_all();
        Armed {
            shared: self.shared.clone(),
            id,
        }
    }

    pub(crate) fn arm_call(&self, grant: &Grant, step: &'static str) -> Armed {
        let bound = Bound::Call {
            stage: grant.name,
            step,
            deadline: grant.call_deadline,
        };
        self.arm(grant.call_deadline.saturating_add(GRACE), bound)
    }
}

/// The watchdog thread: wait for the earliest limit; past it, print what ran
/// out and end the process. Returns when the runtime is gone.
fn watch(weak: Weak<Shared>) {
    while let Some(shared) = weak.upgrade() {
        let entries = shared.lock();
        let now = Instant::now();
        let earliest = entries
            .armed
            .iter()
            .filter_map(|e| e.until.map(|until| (until, e)))
            .min_by_key(|(until, _)| *until);
        let wait = match earliest {
            Some((until, entry)) if until <= now => {
                // Not eprintln!, which panics (and would leave acmebox
                // running) if stderr is closed.
                let line = format!("acmebox: {}\n", stopped(entry, &entries.armed));
                let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
                std::process::exit(1);
            }
            Some((until, _)) => (until - now).min(IDLE),
            None => IDLE,
        };
        let waited = shared.changed.wait_timeout(entries, wait);
        drop(waited);
    }
}

/// The line the watchdog prints for `entry`, which ran out while `armed`
/// were armed.
fn stopped(entry: &Entry, armed: &[Entry]) -> String {
    let call = |stage: Stage, step: &str| format!("{stage} stage, {step}: ");
    match entry.bound {
        Bound::Call {
            stage,
            step,
            deadline,
        } => format!(
            "{}stopped: blocked for more than its deadline of {} s",
            call(stage, step),
            deadline.as_secs_f32()
        ),
        Bound::Run { timeout } => {
            let innermost = armed.iter().rev().find_map(|e| match e.bound {
                Bound::Call { stage, step, .. } => Some(call(stage, step)),
                Bound::Run { .. } => None,
            });
            format!(
                "{}stopped: still running after --timeout {} s",
                innermost.unwrap_or_default(),
                timeout.as_secs()
            )
        }
    }
}
