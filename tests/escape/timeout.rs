//! The whole run's `--timeout`, enforced on the acmebox binary itself while
//! its host is blocked where no epoch deadline reaches: in a WASI call that
//! never returns, and in writing to a standard error nobody reads.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The `--timeout` of these runs.
const TIMEOUT: Duration = Duration::from_secs(2);

/// How long a test waits for acmebox before calling it a hang.
const HANG: Duration = Duration::from_secs(30);

/// How late the run may end past `--timeout` while its standard error is
/// drained: the watchdog wakes at the limit, so this is scheduling and
/// process exit.
const SLACK: Duration = Duration::from_secs(3);

/// How late the run may end past `--timeout` with its standard error full:
/// the watchdog must not wait for the line it cannot write.
const SLACK_STDERR_FULL: Duration = Duration::from_secs(1);

/// A scratch layout: `account/`, `domain/`, `challenge/` and `certs/` under
/// a temporary directory. No directory lies inside another, so acmebox has no
/// note to print before its run starts.
fn layout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for sub in ["account", "domain", "challenge", "certs"] {
        std::fs::create_dir(dir.path().join(sub)).expect("a directory");
    }
    dir
}

/// Start acmebox in `root` against `directory` with `--timeout`, making
/// both keys (`-n -N`), with `extra` flags and `stderr`.
fn start(root: &Path, directory: &str, extra: &[&str], stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_acmebox"))
        .current_dir(root)
        .args(["-n", "-N", "-f", "account/key.pem", "-k", "domain/key.pem"])
        .args(["-C", "challenge", "-c", "certs", "--directory", directory])
        .args(["--timeout", &TIMEOUT.as_secs().to_string()])
        .args(extra)
        .arg("example.com")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("starting acmebox")
}

/// Wait for `child` without reading its output: how it ended and how long
/// after `start` it was gone. Panics, after killing it, if it is still
/// running after [`HANG`].
fn ended(child: &mut Child, start: Instant, what: &str) -> (ExitStatus, Duration) {
    loop {
        if let Some(status) = child.try_wait().expect("waiting for acmebox") {
            return (status, start.elapsed());
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ESCAPE: acmebox {what} still running {HANG:?} after starting with --timeout {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The body of the `run_cannot_outlast_timeout` test (tests/escape.rs): the
/// account key is a FIFO nobody writes to, so the account stage's WASI open
/// of it blocks inside a host call (whose own deadline, 20 s plus grace, is
/// far off). The watchdog must end acmebox at `--timeout`, exit status 1,
/// with the one line naming the stage and step, before the domain key is
/// made or the server contacted (a tripwire).
#[cfg(unix)]
pub fn run_cannot_outlast_timeout() {
    let server = testbed::Tripwire::start().expect("tripwire");
    let dir = layout();
    let root = dir.path();
    let made = Command::new("mkfifo")
        .arg(root.join("account/key.pem"))
        .status()
        .expect("running mkfifo");
    assert!(made.success(), "mkfifo failed");
    let start = Instant::now();
    let mut child = self::start(root, &server.url(), &[], Stdio::piped());
    let (status, took) = ended(&mut child, start, "with a FIFO as its account key");
    let out = child.wait_with_output().expect("acmebox's stderr");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "acmebox: account stage, read account key: stopped: still running after --timeout {} s; \
             no token file was left; no certificate file was changed\n",
            TIMEOUT.as_secs()
        )
    );
    assert_eq!(status.code(), Some(1), "the exit status");
    assert!(
        took >= TIMEOUT && took < TIMEOUT + SLACK,
        "acmebox stopped after {took:?}, --timeout {TIMEOUT:?}"
    );
    assert_eq!(server.connections(), 0, "the server was not contacted");
    assert!(
        !root.join("domain/key.pem").exists(),
        "the run did not get past the account key"
    );
}

/// The body of the `run_cannot_outlast_timeout_with_stderr_full` test
/// (tests/escape.rs): acmebox's standard error is a pipe that is already
/// full and that nobody reads, and `-v`, so the host itself blocks writing
/// its first progress line (holding the standard library's stderr lock).
/// The watchdog cannot print its line either; it must still end acmebox with
/// exit status 1 within a second of `--timeout`, without waiting to write.
#[cfg(unix)]
pub fn run_cannot_outlast_timeout_with_stderr_full() {
    let server = testbed::Tripwire::start().expect("tripwire");
    let dir = layout();
    let (_unread, stderr) = full_pipe();
    let start = Instant::now();
    let mut child = self::start(dir.path(), &server.url(), &["-v"], stderr.into());
    let (status, took) = ended(&mut child, start, "with its standard error full");
    assert!(
        took < TIMEOUT + SLACK_STDERR_FULL,
        "acmebox with its standard error full stopped after {took:?}, --timeout {TIMEOUT:?}"
    );
    assert!(took >= TIMEOUT, "acmebox stopped after {took:?}: {status}");
    assert_eq!(status.code(), Some(1), "the exit status");
    assert_eq!(server.connections(), 0, "the server was not contacted");
}

/// A pipe whose buffer is full: not one more byte fits. Its write end is
/// blocking again when returned, as a standard error normally is (the flag
/// belongs to the open file description, which the child's fd 2 shares).
/// The read end must be kept open and unread.
#[cfg(unix)]
fn full_pipe() -> (std::io::PipeReader, std::io::PipeWriter) {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    let (reader, mut writer) = std::io::pipe().expect("a pipe");
    let flags = fcntl_getfl(&writer).expect("the pipe's flags");
    fcntl_setfl(&writer, flags | OFlags::NONBLOCK).expect("setting O_NONBLOCK");
    let chunk = [b'x'; 4096];
    // Pages first, then single bytes until not even one fits.
    for size in [chunk.len(), 1] {
        loop {
            match writer.write(&chunk[..size]) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("filling the pipe: {e}"),
            }
        }
    }
    fcntl_setfl(&writer, flags).expect("clearing O_NONBLOCK");
    (reader, writer)
}
