//! Interruption leaves nothing behind: SIGTERM and SIGINT sent to a running
//! acmebox while it waits for validation (a hostile CA that keeps the
//! authorization pending forever) remove the token file the run wrote,
//! change no certificate file, and end the run with 143 or 130 and one line
//! naming the signal and the call under way.

#![cfg(unix)]

mod common;

use common::Client;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testbed::{test_names, HostileCa, Script};

/// How long to wait for the token file to appear, and for acmebox to end.
const PATIENCE: Duration = Duration::from_secs(20);

/// Start acmebox (-nN, one name) against `ca`, writing tokens into
/// `challenges`, standard error piped.
fn start(ca: &HostileCa, client: &Client, challenges: &Path) -> Child {
    let path = |p: &Path| p.display().to_string();
    let mut args: Vec<String> = vec![
        "-nN".into(),
        "--directory".into(),
        ca.directory_url(),
        "--ca-file".into(),
        path(ca.ca_file()),
        "-C".into(),
        path(challenges),
        "-c".into(),
        path(&client.certs),
        "-f".into(),
        path(&client.account_key()),
        "-k".into(),
        path(&client.domain_key()),
    ];
    args.extend(test_names(1));
    Command::new(env!("CARGO_BIN_EXE_acmebox"))
        .args(&args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start acmebox")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.ends_with(common::LOCK_FILE))
        .collect()
}

/// Wait until the run has written its token file (observed, not assumed).
fn wait_for_token(child: &mut Child, challenges: &Path) -> PathBuf {
    let start = Instant::now();
    loop {
        if let Some(token) = files_in(challenges).into_iter().next() {
            return token;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("acmebox ended ({status}) before writing a token");
        }
        assert!(start.elapsed() < PATIENCE, "no token file appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn interrupt(signal: rustix::process::Signal, name: &str, code: i32) {
    let ca = HostileCa::start(Script::default()).expect("start the hostile CA");
    let client = Client::new();
    let challenges = tempfile::tempdir().expect("challenge dir");
    let mut child = start(&ca, &client, challenges.path());
    let token = wait_for_token(&mut child, challenges.path());
    // Let the run reach its polling of the authorization.
    std::thread::sleep(Duration::from_millis(300));
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, signal).expect("send the signal");

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "acmebox did not end after {name}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("stderr");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        status.code(),
        Some(code),
        "exit status after {name}: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        (stderr.starts_with(&format!(
            "acmebox: interrupted by {name} during network stage, "
        )) || stderr.starts_with(&format!("acmebox: interrupted by {name} after step 4.2 ")))
            && stderr.contains("1 token file removed")
            && stderr.contains("no certificate file was changed"),
        "{stderr}"
    );
    assert!(
        !token.exists(),
        "the token file {} was left",
        token.display()
    );
    assert!(files_in(challenges.path()).is_empty());
    assert!(
        files_in(&client.certs).is_empty(),
        "{:?}",
        files_in(&client.certs)
    );
}

#[test]
fn sigterm_during_validation_removes_tokens_and_exits_143() {
    interrupt(rustix::process::Signal::TERM, "SIGTERM", 143);
}

#[test]
fn sigint_during_validation_removes_tokens_and_exits_130() {
    interrupt(rustix::process::Signal::INT, "SIGINT", 130);
}
