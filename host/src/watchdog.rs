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
//! s`, and ends the process with exit status 1. Nothing may keep it from
//! ending the process: not standard error (a full pipe nobody reads, or the
//! standard library's stderr lock held by a thread blocked writing to it) nor
//! its own lock. It releases the lock, writes the line without blocking
//! (on unix through a non-blocking duplicate of fd 2; elsewhere from a helper
//! thread it waits for at most [`WRITE_WAIT`]), and exits; a line that cannot
//! be written at once is lost.
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
//! What a hard stop means: the sequence's own cleanup does not run, as after
//! a crash, but the token files the challenge stage wrote are removed first:
//! the host recorded each one's name and challenge directory when it was
//! written (leftovers.rs), and unlinks them by name (a link is removed, never
//! followed; nothing from the network is parsed), waiting for that at most
//! [`WRITE_WAIT`] (a hung file system must not keep the process alive). The
//! line says how many were removed (`...; 1 token file removed; no
//! certificate file was changed`); on a hung file system, that token files may
//! be left (each holds only a key authorization, which the CA publishes
//! anyway). Keys
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
                let what = stopped(entry, &entries.armed);
                // Nothing may wait for this lock while the line is written.
                drop(entries);
                // Token files the run wrote are removed by name, waiting
                // for that no longer than for the line.
                let removed = crate::leftovers::remove_tokens_within(WRITE_WAIT);
                let line = format!("acmebox: {what}; {}\n", crate::leftovers::summary(removed));
                end(&line, 1);
            }
            Some((until, _)) => (until - now).min(IDLE),
            None => IDLE,
        };
        let waited = shared.changed.wait_timeout(entries, wait);
        drop(waited);
    }
}

/// The longest the watchdog waits for its line to be written before ending
/// the process anyway (where the write cannot be made non-blocking).
pub const WRITE_WAIT: Duration = Duration::from_millis(100);

/// Print `line` on standard error if that can be done without waiting, and
/// end the process with exit status `code` (1 for the watchdog; 130 and 143
/// for SIGINT and SIGTERM, see signals.rs).
///
/// Standard error may be a pipe nobody reads, already full, and another
/// thread may hold the standard library's stderr lock while blocked writing
/// to it (a `-v` progress line): the watchdog must end the process whatever
/// happens to its line, which is then lost. Not `eprintln!`, which panics if
/// stderr is closed (and would leave acmebox running), and which takes that
/// lock.
pub(crate) fn end(line: &str, code: i32) -> ! {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let _ = write_nonblocking(std::io::stderr().as_fd(), line.as_bytes());
    }
    #[cfg(not(unix))]
    {
        write_bounded(line.to_owned(), std::io::stderr(), WRITE_WAIT);
    }
    // exit flushes standard output only if its lock is free (try_lock), and
    // an issuance writes nothing there.
    std::process::exit(code)
}

/// Write `bytes` to `fd` without ever waiting: through a duplicate of it
/// set to O_NONBLOCK, bypassing the standard library's stderr lock. A full
/// pipe is `WouldBlock` (a line shorter than `PIPE_BUF` is written whole or
/// not at all). O_NONBLOCK belongs to the open file description, which `fd`
/// shares with every process it came from (a terminal's shell): the flags
/// are put back afterwards, so nothing is left non-blocking.
#[cfg(unix)]
fn write_nonblocking(fd: std::os::fd::BorrowedFd<'_>, bytes: &[u8]) -> std::io::Result<()> {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    let copy = rustix::io::dup(fd)?;
    let flags = fcntl_getfl(&copy)?;
    fcntl_setfl(&copy, flags | OFlags::NONBLOCK)?;
    let written = write_all(&copy, bytes);
    let restored = fcntl_setfl(&copy, flags);
    written.and(restored.map_err(Into::into))
}

/// Write all of `bytes` to `fd`, giving up at the first error.
#[cfg(unix)]
fn write_all(fd: &std::os::fd::OwnedFd, bytes: &[u8]) -> std::io::Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        match rustix::io::write(fd, rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Write `line` to `out` from a helper thread and wait for it at most
/// `wait`: where a non-blocking write is not available (Windows), a writer
/// blocked on a full pipe or on the stderr lock is left behind, and the
/// process ends without it.
#[cfg_attr(unix, allow(dead_code))]
fn write_bounded<W: std::io::Write + Send + 'static>(line: String, mut out: W, wait: Duration) {
    let (done, written) = std::sync::mpsc::channel();
    let writer = std::thread::Builder::new()
        .name("acmebox-watchdog-line".into())
        .spawn(move || {
            let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
            let _ = done.send(());
        });
    if writer.is_ok() {
        let _ = written.recv_timeout(wait);
    }
}

impl Watchdog {
    /// The innermost call under way, as `<stage> stage, <step>`, if any
    /// (signals only).
    #[cfg(unix)]
    pub(crate) fn current_call(&self) -> Option<String> {
        self.shared
            .lock()
            .armed
            .iter()
            .rev()
            .find_map(|e| match e.bound {
                Bound::Call { stage, step, .. } => Some(format!("{stage} stage, {step}")),
                Bound::Run { .. } => None,
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that never returns, like one blocked on a full pipe.
    struct Stuck;

    impl std::io::Write for Stuck {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            loop {
                std::thread::park();
            }
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn bounded_write_gives_up_on_a_stuck_writer() {
        let start = Instant::now();
        write_bounded("line\n".into(), Stuck, WRITE_WAIT);
        let took = start.elapsed();
        assert!(took >= WRITE_WAIT && took < WRITE_WAIT * 5, "{took:?}");
    }

    /// A writer that hands what it is given to the test.
    struct Sink(std::sync::mpsc::Sender<Vec<u8>>);

    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.send(b.to_vec());
            Ok(b.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn bounded_write_writes_to_a_writer_that_accepts() {
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        write_bounded("line\n".into(), Sink(tx), Duration::from_secs(10));
        assert_eq!(rx.try_recv().ok().as_deref(), Some(&b"line\n"[..]));
    }

    #[cfg(unix)]
    #[test]
    fn nonblocking_write_returns_at_once_on_a_full_pipe() {
        use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
        use std::io::{Read, Write};
        use std::os::fd::AsFd;
        let (mut reader, mut writer) = std::io::pipe().expect("a pipe");
        write_nonblocking(writer.as_fd(), b"first\n").expect("an empty pipe takes a line");
        let mut first = [0; 6];
        reader.read_exact(&mut first).expect("reading it back");
        assert_eq!(&first, b"first\n");
        let blocking = fcntl_getfl(&writer).expect("flags");
        assert!(!blocking.contains(OFlags::NONBLOCK), "left non-blocking");
        fcntl_setfl(&writer, blocking | OFlags::NONBLOCK).expect("O_NONBLOCK");
        let chunk = [b'x'; 4096];
        for size in [chunk.len(), 1] {
            while writer.write(&chunk[..size]).is_ok() {}
        }
        fcntl_setfl(&writer, blocking).expect("blocking again");
        let start = Instant::now();
        let result = write_nonblocking(writer.as_fd(), b"stopped\n");
        assert_eq!(
            result.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::WouldBlock)
        );
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(fcntl_getfl(&writer).expect("flags"), blocking);
    }
}
