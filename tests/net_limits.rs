//! The network stage's limits, as `acmebox grants` prints them and as a hostile CA
//! (tests/testbed's `HostileCa`) meets them: a body one byte over the limit, a response slower
//! than the request timeout, a redirect (never followed: its target is a tripwire).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use acmebox::grant::{MAX_BODY_BYTES, REQUEST_TIMEOUT};
use common::{acmebox, snapshot, Client, Run};
use serde_json::{json, Value};
use testbed::{test_names, HostileCa, Script, Step, Tripwire};

/// acmebox -nN for one name against `ca`, with `flags`.
fn run(ca: &HostileCa, client: &Client, flags: &[&str]) -> Run {
    let challenges = tempfile::tempdir().expect("challenge directory");
    let path = |p: &Path| p.display().to_string();
    let mut args: Vec<String> = ["-nN"].iter().chain(flags).map(|f| f.to_string()).collect();
    args.extend([
        "--directory".into(),
        ca.directory_url(),
        "--ca-file".into(),
        path(ca.ca_file()),
        "-C".into(),
        path(challenges.path()),
        "-c".into(),
        path(&client.certs),
        "-f".into(),
        path(&client.account_key()),
        "-k".into(),
        path(&client.domain_key()),
    ]);
    args.extend(test_names(1));
    acmebox(&args)
}

/// Exit 1 with one line containing `want`, and no certificate.
#[track_caller]
fn fails_with(run: &Run, client: &Client, want: &str) {
    run.expect_code(1);
    assert!(
        run.stderr.lines().count() == 1 && run.stderr.contains(want),
        "expected one line containing {want:?}, got:\n{}",
        run.stderr
    );
    assert!(snapshot(&client.certs).is_empty(), "certificates written");
}

#[test]
fn a_body_one_byte_over_the_limit_fails_naming_the_limit() {
    let limit = MAX_BODY_BYTES as usize;
    let client = Client::new();
    let over = HostileCa::start(Script {
        directory_size: Some(limit + 1),
        ..Script::default()
    })
    .expect("start the hostile CA");
    let want = format!("response body exceeds the limit of {limit} bytes");
    fails_with(&run(&over, &client, &[]), &client, &want);

    // Control: exactly the limit is read, and the run goes on to newAccount.
    let problem = json!({"type": "urn:x:control", "detail": "stop here"}).to_string();
    let at = HostileCa::start(Script {
        directory_size: Some(limit),
        problem: Some((Step::NewAccount, 403, problem)),
        ..Script::default()
    })
    .expect("start the hostile CA");
    fails_with(&run(&at, &client, &[]), &client, "urn:x:control: stop here");
}

#[test]
fn a_response_slower_than_the_request_timeout_fails_naming_it() {
    let client = Client::new();
    let ca = HostileCa::start(Script {
        delay: Duration::from_secs(8),
        ..Script::default()
    })
    .expect("start the hostile CA");
    // --timeout 4: each request may take half, 2 s; the CA answers after 8.
    let started = Instant::now();
    let run = run(&ca, &client, &["--timeout", "4"]);
    let took = started.elapsed();
    fails_with(
        &run,
        &client,
        "timed out after 2000 ms (the limit of one request)",
    );
    assert!(
        run.stderr.contains("GET"),
        "names the request: {}",
        run.stderr
    );
    assert!(
        took < Duration::from_secs(4),
        "ended by the run's deadline ({took:?})"
    );
}

#[test]
fn a_redirect_is_not_followed() {
    let client = Client::new();
    let tripwire = Tripwire::start().expect("tripwire");
    let ca = HostileCa::start(Script {
        directory_redirect: Some(tripwire.url()),
        ..Script::default()
    })
    .expect("start the hostile CA");
    let run = run(&ca, &client, &[]);
    fails_with(&run, &client, "redirects are not followed");
    assert!(run.stderr.contains("302"), "{}", run.stderr);
    assert_eq!(tripwire.connections(), 0, "the redirect was followed");
}

/// The network stage's `network` object in `grants --json` with `extra` options.
fn network_grant(extra: &[&str]) -> Value {
    let client = Client::new();
    let mut args = vec!["grants".to_string(), "--json".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(client.args_offline("https://localhost:9/dir"));
    args.push("a.example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    let stages: Value = serde_json::from_str(&run.stdout).expect("grants JSON");
    stages[2]["network"].clone()
}

#[test]
fn grants_print_the_limits_the_stage_gets() {
    let net = network_grant(&[]);
    assert_eq!(net["max_body_bytes"], MAX_BODY_BYTES, "{net}");
    assert_eq!(
        net["request_timeout_ms"],
        REQUEST_TIMEOUT.as_millis() as u64
    );
    assert_eq!(net["follows_redirects"], false);
    assert!(net["proxy"].is_null());
    // --timeout shortens each request to half the run.
    let short = network_grant(&["--timeout", "10"]);
    assert_eq!(short["request_timeout_ms"], 5000, "{short}");

    let client = Client::new();
    let mut args = vec!["grants".to_string()];
    args.extend(client.args_offline("https://localhost:9/dir"));
    args.push("a.example.com".into());
    let text = acmebox(&args).stdout;
    let want = format!(
        "requests   {} ms each at most, response bodies up to {MAX_BODY_BYTES} bytes, \
         redirects not followed",
        REQUEST_TIMEOUT.as_millis()
    );
    assert!(text.contains(&want), "{text}");
    assert!(
        text.contains("proxy      none (no --proxy or HTTPS_PROXY)"),
        "{text}"
    );
}
