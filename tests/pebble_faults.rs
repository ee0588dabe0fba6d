//! A CA's bad days against real pebble (issue #12, "Against pebble"): half
//! of all nonces rejected (issuance still succeeds), a validation that
//! fails (exit 1, one line, no token file left, no certificate file created
//! or changed), and the server down (exit 1 within a short --timeout, one
//! line naming the connection error with host and port). Faults pebble
//! cannot make are in tests/hostile_ca.rs and tests/net_limits.rs.

mod common;

use common::{assert_installed, Client, Run};
use std::time::{Duration, Instant};
use testbed::{test_names, unused_port, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// The run's last line of standard error (its error line with -v).
fn last_line(run: &Run) -> &str {
    run.stderr.trim_end().lines().last().unwrap_or_default()
}

/// pebble rejects half of all nonces (PEBBLE_WFE_NONCEREJECT=50): the
/// network stage sends each rejected request again with the nonce that came
/// with the rejection (RFC 8555 §6.5), and the issuance succeeds.
#[test]
fn half_of_all_nonces_rejected_still_issues() {
    let bed = Testbed::builder()
        .env("PEBBLE_WFE_NONCEREJECT", "50")
        .start()
        .expect("start pebble (run scripts/setup first)");
    let client = Client::new();
    let names = test_names(2);
    let run = client.issue(&bed, &["-nN", "-vv"], &names);
    run.expect_code(0);
    assert_installed(&bed, &client, &names);
    assert!(
        run.stderr
            .contains("problem urn:ietf:params:acme:error:badNonce"),
        "pebble rejected no nonce: {}",
        run.stderr
    );
}

/// A token file is written, and then removed although validation fails;
/// the error is one line (the problem document as `type: detail`, never
/// raw JSON), and no certificate file is created. The write is observed,
/// not assumed: `-v` reports it and the kernel (inotify on the `-C`
/// directory) saw the file created and written, then removed.
#[cfg(target_os = "linux")]
#[test]
fn failed_validation_leaves_no_token_and_no_certificate() {
    use common::watch::{Change, DirWatch};
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    // Tokens go to a directory pebble's http-01 server does not serve, so
    // validation fails; the token file must still be removed.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let watch = DirWatch::start(elsewhere.path());
    let run = issue_elsewhere(&bed, &client, elsewhere.path(), &["-v", "-nN"], &names);
    run.expect_code(1);
    let reported = format!("acmebox: 4.2 token for {} written", names[0]);
    assert!(run.stderr.contains(&reported), "{}", run.stderr);
    assert_validation_failed(&run, &names[0]);

    // The start-up probe (acmebox-probe-*) comes and goes too; the token is
    // the other name.
    let changes = watch.changes();
    let tokens: Vec<&String> = (changes.iter())
        .filter_map(|c| match c {
            Change::Created(name) if !name.starts_with("acmebox-probe-") => Some(name),
            _ => None,
        })
        .collect();
    assert_eq!(tokens.len(), 1, "one token file created: {changes:?}");
    let token = tokens[0].clone();
    let at = |change: Change| changes.iter().position(|c| *c == change);
    let created = at(Change::Created(token.clone())).expect("created");
    let written = at(Change::Written(token.clone()));
    let removed = at(Change::Removed(token.clone()));
    assert!(
        written.is_some_and(|w| w > created),
        "token {token} never written: {changes:?}"
    );
    assert!(
        removed.is_some_and(|r| Some(r) > written),
        "token {token} not removed after it was written: {changes:?}"
    );
    let left: Vec<_> = std::fs::read_dir(elsewhere.path()).expect("dir").collect();
    assert!(left.is_empty(), "token files left behind: {left:?}");
    assert!(common::snapshot(&client.certs).is_empty(), "a file created");
}

/// The same failure over an installed certificate (-F): the certificate
/// files and keys are byte for byte as before.
#[test]
fn failed_validation_changes_no_certificate_file() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let before = client.snapshot();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let run = issue_elsewhere(&bed, &client, elsewhere.path(), &["-F"], &names);
    run.expect_code(1);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert_validation_failed(&run, &names[0]);
    assert_eq!(client.snapshot(), before, "files changed");
    let left: Vec<_> = std::fs::read_dir(elsewhere.path()).expect("dir").collect();
    assert!(left.is_empty(), "token files left behind: {left:?}");
}

/// The server down (nothing listens on its port), --timeout 3: the
/// connection refused is retried once (after 1 s; the next wait, 2 s, would
/// end past the deadline), then exit 1 within 5 s with one line naming the
/// connection error, the host and the port, and no "os error" of the host's.
#[test]
fn server_down_fails_within_the_timeout_naming_host_and_port() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let before = client.snapshot();
    // Two keys, three certificate files, the directory record and the
    // renewal information record.
    assert_eq!(before.len(), 7, "{before:?}");

    let port = unused_port().expect("free port");
    let nowhere = format!("https://localhost:{port}/dir");
    let start = Instant::now();
    let run = client.issue_at(&bed, &nowhere, &["-F", "--timeout", "3"], &names);
    let took = start.elapsed();
    run.expect_code(1);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    let line = last_line(&run);
    assert!(
        line.starts_with("acmebox: network stage, fetch directory: "),
        "{line}"
    );
    // What happened, in words, with host and port; no WASI error number
    // dressed as the host's ("Socket not connected (os error 53)").
    let refused = format!("connection refused by localhost port {port}");
    assert!(line.contains(&refused), "{line}");
    assert!(!line.contains("os error"), "{line}");
    assert!(
        line.ends_with("gave up: --timeout 3 s leaves no time for another try (in 2 s, and a request may take 1.5 s)"),
        "{line}"
    );
    assert_eq!(client.snapshot(), before, "files changed");

    // With -v, the retry is one line: step, cause, wait, try.
    let run = client.issue_at(&bed, &nowhere, &["-Fv", "--timeout", "3"], &names);
    run.expect_code(1);
    let retry = (run.stderr.lines())
        .find(|l| l.starts_with("acmebox: retry: network stage, fetch directory: "))
        .unwrap_or_else(|| panic!("no retry line: {}", run.stderr));
    assert!(
        retry.contains(&refused) && retry.ends_with("; again in 1 s (try 2 of 4)"),
        "{retry}"
    );
}

/// Run acmebox with `flags` and the client's options, tokens going to
/// `challenges` (which pebble's http-01 server does not serve).
fn issue_elsewhere(
    bed: &Testbed,
    client: &Client,
    challenges: &std::path::Path,
    flags: &[&str],
    names: &[String],
) -> Run {
    let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    args.extend(client.args(bed, &bed.directory_url()));
    let c = args.iter().position(|a| a == "-C").expect("-C") + 1;
    args[c] = challenges.display().to_string();
    args.extend(names.iter().cloned());
    common::acmebox(&args)
}

/// The error line of a failed validation of `name`: the authorization step,
/// the name, its status and the server's problem as `type: detail`, on one
/// line.
#[track_caller]
fn assert_validation_failed(run: &Run, name: &str) {
    let line = last_line(run);
    let want = format!("acmebox: authorization: {name} is invalid: urn:ietf:params:acme:error:");
    assert!(line.starts_with(&want), "{}", run.stderr);
    assert!(!line.contains('{'), "raw JSON: {line}");
}
