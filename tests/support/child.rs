//! Tests that end their process: run in a child process.

use std::process::Command;
use std::time::Duration;

/// Set in a child process started by [`run_child`], to the test's name: that
/// test then makes its attack instead of starting a child.
pub const CHILD_ENV: &str = "ACMEBOX_ESCAPE_CHILD";

/// What a child prints to stderr just before it blocks, followed by the time
/// (milliseconds since the Unix epoch).
pub const BLOCKING_SINCE: &str = "escape child: blocking since ";

/// Whether this process is the child [`run_child`] started for `test`.
pub fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|v| v == test)
}

/// Milliseconds since the Unix epoch, the clock shared with a child.
pub fn unix_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_millis()
}

/// How a child test process ended.
#[derive(Debug)]
pub struct ChildExit {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// From [`BLOCKING_SINCE`] to its exit, if it printed that.
    pub blocked: Option<Duration>,
}

/// Run the test `test` (its full name, e.g. `challenge::cannot_...`) alone
/// in a new process of this test binary, with [`CHILD_ENV`] set so that it
/// makes the attack itself. `None` if it was still running after `limit`
/// (it is then killed).
pub fn run_child(test: &str, limit: Duration) -> Option<ChildExit> {
    use std::io::Read;
    use std::process::Stdio;
    let exe = std::env::current_exe().expect("the test binary's path");
    // The child's scene is never cleaned up (its process is ended): it goes
    // in a temporary directory of the parent's, removed when this returns.
    let tmp = tempfile::Builder::new()
        .prefix("acmebox-escape-child-")
        .tempdir()
        .expect("temporary directory");
    let mut child = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the test binary again");
    let mut pipe = child.stderr.take().expect("the child's stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let ended = unix_millis();
    let stderr = reader.join().expect("reading the child's stderr");
    let blocked = stderr.lines().find_map(|l| {
        let since: u128 = l.strip_prefix(BLOCKING_SINCE)?.trim().parse().ok()?;
        Some(Duration::from_millis(ended.saturating_sub(since) as u64))
    });
    Some(ChildExit {
        status,
        stderr,
        blocked,
    })
}
