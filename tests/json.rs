//! `--json` (docs/JSON.md) against pebble: one JSON object per certificate
//! on standard output, one line each, and nothing else there; the human
//! lines stay on standard error. Issued (serial and notAfter as openssl
//! reads them), unchanged, failed (step and reason, also when the server
//! cannot be reached), revoked, a failed notify command, a batch with one
//! failing certificate, and `-t` refused with it.

mod common;

use common::{acmebox, cert_serial, openssl, Client, Run};
use serde_json::Value;
use std::path::Path;
use testbed::{test_names, unused_port, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// Every line of standard output, each a JSON object; panics if any line
/// is not one, or if the output does not end with a newline.
#[track_caller]
fn lines(run: &Run) -> Vec<Value> {
    assert!(
        run.stdout.is_empty() || run.stdout.ends_with('\n'),
        "{:?}",
        run.stdout
    );
    run.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}"));
            assert!(v.is_object(), "{l}");
            v
        })
        .collect()
}

/// The only line of standard output.
#[track_caller]
fn one(run: &Run) -> Value {
    let mut all = lines(run);
    assert_eq!(
        all.len(),
        1,
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    all.remove(0)
}

/// openssl's serial of `cert` (hex, as `-serial` prints it).
fn serial(cert: &Path) -> String {
    let printed = cert_serial(cert);
    printed
        .strip_prefix("serial=")
        .unwrap_or(&printed)
        .to_string()
}

/// openssl's notAfter of `cert`, as RFC 3339.
fn not_after(cert: &Path) -> String {
    let cert = cert.display().to_string();
    let printed = openssl(&[
        "x509", "-in", &cert, "-noout", "-enddate", "-dateopt", "iso_8601",
    ]);
    // notAfter=2026-12-05 11:30:18Z
    let date = printed.trim().strip_prefix("notAfter=").expect("notAfter=");
    date.replacen(' ', "T", 1)
}

fn path_of(client: &Client, name: &str) -> String {
    client.certs.join(name).display().to_string()
}

#[test]
fn issued_then_unchanged_carry_openssls_serial_and_not_after() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    let run = client.issue(&bed, &["-nN", "-v", "--json"], &names);
    run.expect_code(0);
    let issued = one(&run);
    let cert = client.certs.join("cert.pem");
    assert_eq!(issued["outcome"], "issued");
    assert_eq!(issued["domain"], names[0].as_str());
    assert_eq!(issued["names"], serde_json::json!(names));
    assert!(issued["handle"].is_null());
    assert_eq!(issued["serial"], serial(&cert).as_str());
    assert_eq!(issued["not_after"], not_after(&cert).as_str());
    assert_eq!(
        issued["paths"]["cert"],
        path_of(&client, "cert.pem").as_str()
    );
    assert_eq!(
        issued["paths"]["chain"],
        path_of(&client, "chain.pem").as_str()
    );
    assert_eq!(
        issued["paths"]["fullchain"],
        path_of(&client, "fullchain.pem").as_str()
    );
    for field in ["step", "reason", "notify"] {
        assert!(issued[field].is_null(), "{field}: {issued}");
    }
    // The human lines are still there, on standard error.
    assert!(
        run.stderr.contains("acmebox: 11. installed in"),
        "{}",
        run.stderr
    );

    let run = client.issue(&bed, &["--json"], &names);
    run.expect_code(2);
    let unchanged = one(&run);
    assert_eq!(unchanged["outcome"], "unchanged");
    assert_eq!(unchanged["serial"], issued["serial"]);
    assert_eq!(unchanged["not_after"], issued["not_after"]);
    assert_eq!(unchanged["paths"], issued["paths"]);
    assert_eq!(run.stderr, "", "nothing else to say");
}

#[test]
fn a_server_not_reached_is_one_failed_line_with_step_and_reason() {
    let client = Client::new();
    let port = unused_port().expect("a free port");
    let mut args: Vec<String> = ["--json", "-nN", "--timeout", "3"]
        .map(String::from)
        .to_vec();
    args.extend(client.args_offline(&format!("https://127.0.0.1:{port}/dir")));
    args.push("json-fail.example.com".into());
    let run = acmebox(&args);
    run.expect_code(1);
    let failed = one(&run);
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["step"], "fetch directory");
    assert_eq!(failed["domain"], "json-fail.example.com");
    assert!(failed["serial"].is_null() && failed["not_after"].is_null());
    let reason = failed["reason"].as_str().expect("a reason");
    let last = run.stderr.lines().last().unwrap_or_default();
    assert_eq!(last, format!("acmebox: {reason}"), "{}", run.stderr);
}

#[test]
fn revoked_names_the_certificate_it_revoked() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let before = serial(&client.certs.join("cert.pem"));
    let run = client.issue(&bed, &["-r", "--json"], &names);
    run.expect_code(0);
    let revoked = one(&run);
    assert_eq!(revoked["outcome"], "revoked");
    assert_eq!(revoked["serial"], before.as_str());
    assert!(revoked["not_after"].is_string());
    assert!(!client.certs.join("cert.pem").exists());

    // Nothing left to revoke: failed, no certificate read.
    let run = client.issue(&bed, &["-r", "--json"], &names);
    run.expect_code(1);
    let failed = one(&run);
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["step"], "files");
    assert!(failed["serial"].is_null());
}

#[test]
fn a_failed_notify_is_issued_with_its_notify_line() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let run = client.issue(&bed, &["-nN", "--json", "--notify", "exit 3"], &names);
    run.expect_code(1);
    let issued = one(&run);
    assert_eq!(issued["outcome"], "issued");
    assert_eq!(
        issued["serial"],
        serial(&client.certs.join("cert.pem")).as_str()
    );
    let notify = issued["notify"].as_str().expect("notify");
    assert!(notify.contains("exited with status 3"), "{notify}");
    assert!(run.stderr.contains(notify), "{}", run.stderr);
    assert!(issued["step"].is_null() && issued["reason"].is_null());
}

#[test]
fn a_batch_prints_a_line_per_certificate_one_failing() {
    let bed = testbed();
    let dir = tempfile::tempdir().expect("scratch");
    let root = dir.path();
    for sub in ["acme", "private", "ssl"] {
        std::fs::create_dir(root.join(sub)).expect("dir");
    }
    let s = |p: &Path| p.display().to_string();
    let text = format!(
        "{authority}domain good {{\n\
         \tdomain name good.example.com\n\
         \tdomain key \"{root}/private/good.key\"\n\
         \tdomain certificate \"{root}/ssl/good.crt\"\n\
         \tdomain full chain certificate \"{root}/ssl/good.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         }}\n\
         domain broken {{\n\
         \tdomain name broken.example.com\n\
         \tdomain key \"{root}/private/broken.key\"\n\
         \tdomain certificate \"{root}/ssl/missing/broken.crt\"\n\
         \tchallengedir \"{chal}\"\n\
         }}\n",
        authority = common::authority(&bed, &root.join("acme/account.pem")),
        root = s(root),
        chal = s(bed.challenge_dir()),
    );
    let conf = root.join("acmebox.conf");
    std::fs::write(&conf, text).expect("config");
    let run = acmebox(&["--config", &s(&conf), "-n", "-N", "--json"]);
    run.expect_code(1);
    let all = lines(&run);
    assert_eq!(all.len(), 2, "{}", run.stdout);
    let (good, broken) = (&all[0], &all[1]);
    assert_eq!(good["handle"], "good");
    assert_eq!(good["domain"], "good.example.com");
    assert_eq!(good["outcome"], "issued");
    let crt = root.join("ssl/good.crt");
    assert_eq!(good["serial"], serial(&crt).as_str());
    assert_eq!(good["not_after"], not_after(&crt).as_str());
    assert_eq!(good["paths"]["cert"], s(&crt).as_str());
    assert_eq!(
        good["paths"]["fullchain"],
        s(&root.join("ssl/good.pem")).as_str()
    );
    assert!(good["paths"]["chain"].is_null(), "not configured");

    assert_eq!(broken["handle"], "broken");
    assert_eq!(broken["outcome"], "failed");
    assert!(broken["serial"].is_null());
    let reason = broken["reason"].as_str().expect("reason");
    assert_eq!(broken["step"], "files", "its directory cannot be opened");
    // The summary on standard error says the same.
    assert!(
        run.stderr
            .contains(&format!("acmebox: broken: failed: {reason}")),
        "{reason:?} in {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("acmebox: good: installed"),
        "{}",
        run.stderr
    );

    let run = acmebox(&["--config", &s(&conf), "--json", "good"]);
    run.expect_code(2);
    let unchanged = one(&run);
    assert_eq!(unchanged["outcome"], "unchanged");
    assert_eq!(unchanged["serial"], good["serial"]);
}

#[test]
fn json_with_t_is_a_usage_error() {
    let client = Client::new();
    let mut args: Vec<String> = ["--json", "-t", "dns-01"].map(String::from).to_vec();
    args.extend(client.args_offline("https://acme.test/dir"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("--json and -t dns-01"),
        "{}",
        run.stderr
    );
    assert!(common::snapshot(&client.certs).is_empty());
}
