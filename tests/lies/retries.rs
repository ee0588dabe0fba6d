//! The network stage's `retry` verdicts (wit/network.wit) on whole runs:
//! the liar (tests/liars/network) fails newOrder as told, and the host's one
//! retry policy (host/src/flows/retry.rs) must retry what may pass, within
//! its counts, its cap and `--timeout`, whatever the stage says; and a stage
//! blocked in a host call until the hard `--timeout` stop must not leave its
//! token file behind (the watchdog removes it, host/src/leftovers.rs).

use super::{run_with_liars, Scene};
use acmebox::stage::Stage;
use acmebox::Error;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run with the network liar telling `lie` and `flags` before the name.
fn run(scene: &Scene, lie: &str, flags: &[&str]) -> (Result<(), String>, Duration) {
    let mut rest: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    rest.extend([
        "--directory".into(),
        format!("https://127.0.0.1/{lie}"),
        "retry.example".into(),
    ]);
    let opts = scene.options(&[], &rest);
    let start = Instant::now();
    let result = run_with_liars(&opts, &[Stage::Network]);
    (result.map(drop).map_err(|e| one_line(&e)), start.elapsed())
}

fn one_line(e: &Error) -> String {
    let text = e.to_string();
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    text
}

/// Two transient failures, then the liar's honest story: the run goes on
/// to cert-parser (which refuses the liar's download), after waiting 1 s
/// and 2 s.
#[test]
fn transient_failures_are_retried_and_the_run_goes_on() {
    let scene = Scene::new();
    let (result, took) = run(&scene, "flaky", &[]);
    let err = result.expect_err("the liar's download is no certificate");
    assert!(
        err.starts_with("cert-parser stage, check certificate: "),
        "{err}"
    );
    assert!(took >= Duration::from_secs(3), "waited only {took:?}");
}

/// A stage that always says `transient` gets three retries, no more.
#[test]
fn transient_failures_end_after_three_retries() {
    let scene = Scene::new();
    let (result, took) = run(&scene, "down", &[]);
    let err = result.expect_err("newOrder never succeeds");
    assert_eq!(
        err,
        "network stage, new order: newOrder: HTTP status 503 from the liar; gave up after 4 tries"
    );
    assert!(took >= Duration::from_secs(7), "waited only {took:?}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(scene.entries("certs").is_empty());
}

/// No retry waits past --timeout: the run gives up at once, naming the step.
#[test]
fn no_retry_waits_past_the_deadline() {
    let scene = Scene::new();
    let (result, took) = run(&scene, "down", &["--timeout", "3"]);
    let err = result.expect_err("newOrder never succeeds");
    assert!(
        err.starts_with("network stage, new order: newOrder: HTTP status 503 from the liar; ")
            && err.contains("--timeout 3 s leaves no time for another try"),
        "{err}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

/// A Retry-After beyond the cap ends the run at once, saying when to come
/// back.
#[test]
fn a_long_retry_after_ends_the_run_saying_when_to_come_back() {
    let scene = Scene::new();
    let (result, took) = run(&scene, "rate-limited", &[]);
    let err = result.expect_err("rate limited");
    assert!(
        err.starts_with("network stage, new order: newOrder: HTTP status 503 from the liar; the server said to come back at ")
            && err.ends_with(" UTC (in 3600 s), later than the 60 s acmebox waits"),
        "{err}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

/// Set in the child process of [`the_hard_stop_removes_the_token_file`]:
/// the challenge directory it writes its token into.
const CHILD_CHALLENGES: &str = "ACMEBOX_LIARS_CHILD_CHALLENGES";

/// The network stage blocks in a host call while the CA "validates": only
/// the watchdog's hard --timeout stop ends the run, which ends the process,
/// so the run is made by a child process of this test binary. The token
/// file the challenge stage wrote is removed before the process ends, and
/// the one line says so.
#[test]
fn the_hard_stop_removes_the_token_file() {
    if let Ok(challenges) = std::env::var(CHILD_CHALLENGES) {
        let scene = Scene::new();
        let rest: Vec<String> = [
            "--timeout",
            "3",
            "--directory",
            "https://127.0.0.1/respond-blocks",
            "retry.example",
        ]
        .map(String::from)
        .to_vec();
        let opts = scene.options(&[("-C", challenges)], &rest);
        let result = run_with_liars(&opts, &[Stage::Network]);
        panic!("the watchdog did not end the run: {result:?}");
    }
    let parent = tempfile::tempdir().expect("temporary directory");
    let challenges = parent.path().join("challenges");
    std::fs::create_dir(&challenges).expect("challenge dir");
    let test = "lies::retries::the_hard_stop_removes_the_token_file";
    let start = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_CHALLENGES, &challenges)
        .env("TMPDIR", parent.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the test binary again");
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the child was still running after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    let mut stderr = String::new();
    use std::io::Read;
    let _ = child
        .stderr
        .take()
        .map(|mut e| e.read_to_string(&mut stderr));
    assert_eq!(status.code(), Some(1), "{stderr}");
    let line = "acmebox: network stage, answer challenge: stopped: still running after \
                --timeout 3 s; 1 token file removed; no certificate file was changed";
    assert!(stderr.contains(line), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&challenges).expect("dir").collect();
    assert!(left.is_empty(), "token files left: {left:?}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}
