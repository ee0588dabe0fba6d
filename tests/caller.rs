//! `-t CHALLENGE` end to end against pebble: the caller (tests/caller/driver.rs)
//! reads acmebox's lines, publishes each challenge (a TXT record through
//! pebble-challtestsrv for dns-01, the token file for http-01) and answers.
//! Also wildcard names, and what a wrong line or the end of input does.

mod common;
#[path = "caller/driver.rs"]
mod driver;

use common::{acmebox, assert_installed, cert_names, openssl, without, Client};
use driver::{drive, Reply};
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// This client's arguments for `bed` with `-t kind`, and `-C` naming a
/// directory that does not exist: with -t it is ignored, never probed.
fn caller_args(
    client: &Client,
    bed: &Testbed,
    kind: &str,
    flags: &[&str],
    names: &[String],
) -> Vec<String> {
    let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    args.extend(["-t".to_string(), kind.to_string()]);
    args.extend(without(&client.args(bed, &bed.directory_url()), "-C"));
    args.push("-C".into());
    args.push(bed.temp_dir().join("no-such-dir").display().to_string());
    args.extend(names.iter().cloned());
    args
}

/// Both keys made by openssl beforehand, so that a failed run must leave
/// every file as it was.
fn make_keys(client: &Client) {
    for key in [client.account_key(), client.domain_key()] {
        let path = key.display().to_string();
        openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &path,
        ]);
    }
}

#[test]
fn dns01_issues_for_a_plain_name() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let args = caller_args(&client, &bed, "dns-01", &["-nN", "-v"], &names);
    let driven = drive(&bed, &args, |_, _| Reply::Same);
    driven.run.expect_code(0);
    assert_eq!(driven.lines.len(), 1, "{}", driven.run.stdout);
    let line = &driven.lines[0];
    assert_eq!(
        (line.kind.as_str(), line.domain.as_str()),
        ("dns-01", names[0].as_str())
    );
    assert!(line.key_authorization.len() > 44, "{line:?}");
    // Standard output is the protocol only; the log is on standard error.
    assert_eq!(driven.run.stdout, format!("{}\n", line.text));
    assert!(
        driven.run.stderr.contains("-C is not used"),
        "{}",
        driven.run.stderr
    );
    assert_installed(&bed, &client, &names);
}

#[test]
fn dns01_issues_for_a_wildcard_and_its_base_name() {
    let bed = testbed();
    let client = Client::new();
    let base = test_names(1).remove(0);
    let names = vec![format!("*.{base}"), base.clone()];
    let args = caller_args(&client, &bed, "dns-01", &["-nN"], &names);
    let driven = drive(&bed, &args, |_, _| Reply::Same);
    driven.run.expect_code(0);
    // Two authorizations, both for the base name's _acme-challenge TXT.
    assert_eq!(driven.lines.len(), 2, "{}", driven.run.stdout);
    for line in &driven.lines {
        assert_eq!(
            (line.kind.as_str(), line.domain.as_str()),
            ("dns-01", base.as_str())
        );
    }
    assert_ne!(
        driven.lines[0].key_authorization,
        driven.lines[1].key_authorization
    );
    assert_installed(&bed, &client, &names);
    assert!(cert_names(&client.certs.join("cert.pem")).contains(&format!("*.{base}")));
}

#[test]
fn http01_with_t_is_served_by_the_caller() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    let args = caller_args(&client, &bed, "http-01", &["-nN"], &names);
    let driven = drive(&bed, &args, |_, _| Reply::Same);
    driven.run.expect_code(0);
    assert_eq!(driven.lines.len(), 2, "{}", driven.run.stdout);
    let mut domains: Vec<_> = driven.lines.iter().map(|l| l.domain.clone()).collect();
    domains.sort();
    assert_eq!(domains, names);
    for line in &driven.lines {
        assert_eq!(line.kind, "http-01");
        assert!(line
            .key_authorization
            .starts_with(&format!("{}.", line.token())));
    }
    assert!(
        bed.http01_served() >= 2,
        "pebble fetched fewer than 2 tokens"
    );
    assert_installed(&bed, &client, &names);
}

#[test]
fn a_different_line_fails_naming_the_expected_one_and_changes_nothing() {
    let bed = testbed();
    let client = Client::new();
    make_keys(&client);
    let before = client.snapshot();
    let names = test_names(2);
    let args = caller_args(&client, &bed, "dns-01", &["-v"], &names);
    let driven = drive(&bed, &args, |_, line| {
        Reply::Other(line.text.replace("dns-01", "http-01"))
    });
    driven.run.expect_code(1);
    // Only the first line: acmebox stops at the wrong answer.
    assert_eq!(driven.lines.len(), 1, "{}", driven.run.stdout);
    let expected = &driven.lines[0].text;
    let wrong = expected.replace("dns-01", "http-01");
    let stderr = &driven.run.stderr;
    assert!(
        stderr.contains(&format!(
            "expected {expected:?} on standard input, got {wrong:?}"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("confirmed by the caller"), "{stderr}");
    assert_eq!(client.snapshot(), before);
    assert_eq!(
        std::fs::read_dir(bed.challenge_dir()).expect("dir").count(),
        0
    );
}

#[test]
fn end_of_input_fails_naming_the_expected_line() {
    let bed = testbed();
    let client = Client::new();
    make_keys(&client);
    let before = client.snapshot();
    let names = test_names(1);
    let args = caller_args(&client, &bed, "http-01", &[], &names);
    let driven = drive(&bed, &args, |_, _| Reply::Close);
    driven.run.expect_code(1);
    assert_eq!(driven.lines.len(), 1, "{}", driven.run.stdout);
    let expected = &driven.lines[0].text;
    assert!(
        driven.run.stderr.contains(&format!(
            "expected {expected:?} on standard input, got end of input"
        )),
        "{}",
        driven.run.stderr
    );
    assert_eq!(client.snapshot(), before);
    assert_eq!(
        std::fs::read_dir(bed.challenge_dir()).expect("dir").count(),
        0
    );
}

#[test]
fn wildcard_without_t_dns01_is_a_usage_error_naming_the_flag() {
    let client = Client::new();
    for flags in [&[][..], &["-t", "http-01"][..]] {
        let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        args.extend(client.args_offline("https://localhost:9/dir"));
        args.extend(["-nN".into(), "*.example.com".into(), "example.com".into()]);
        let run = acmebox(&args);
        run.expect_code(1);
        assert!(
            run.stderr
                .contains("\"*.example.com\": a wildcard name needs -t dns-01"),
            "{flags:?}: {}",
            run.stderr
        );
        assert!(client.snapshot().is_empty(), "{:?}", client.snapshot());
    }
}

#[test]
fn unknown_challenge_type_is_a_usage_error() {
    let client = Client::new();
    let mut args = vec!["-t".to_string(), "tls-alpn-01".to_string()];
    args.extend(client.args_offline("https://localhost:9/dir"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(1);
    assert!(
        run.stderr.contains("tls-alpn-01") && run.stderr.contains("-t"),
        "{}",
        run.stderr
    );
}

#[test]
fn grants_with_t_gives_the_challenge_stage_no_directory() {
    let client = Client::new();
    let grants = |flags: &[&str]| {
        let mut args = vec!["grants".to_string(), "--json".to_string()];
        args.extend(flags.iter().map(|f| f.to_string()));
        args.extend(client.args_offline("https://localhost:9/dir"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(0);
        let stages: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        let challenge = stages
            .as_array()
            .expect("array")
            .iter()
            .find(|s| s["name"] == "challenge")
            .expect("challenge stage")
            .clone();
        challenge["directories"]
            .as_array()
            .expect("directories")
            .len()
    };
    assert_eq!(grants(&[]), 1);
    assert_eq!(grants(&["-t", "dns-01"]), 0);
    assert_eq!(grants(&["-t", "http-01"]), 0);
}

/// With a configuration of several certificates, -t runs them one at a
/// time, in the file's order: one line out, one line in, and no job's log
/// interleaved with another's (lines carry no handle prefix, which only
/// concurrent jobs get), even with --jobs 4.
#[test]
fn several_certificates_of_a_configuration_take_turns_with_t() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(3);
    let dir = client.certs.display().to_string();
    let keys = client.keys.display().to_string();
    let mut text = format!(
        "authority pebble {{\n api url \"{}\"\n account key \"{}\"\n ca file \"{}\"\n}}\n",
        bed.directory_url(),
        client.account_key().display(),
        bed.ca_file().display()
    );
    for (i, name) in names.iter().enumerate() {
        text.push_str(&format!(
            "domain d{i} {{\n domain name {name}\n domain key \"{keys}/domain/d{i}.pem\"\n \
             domain certificate \"{dir}/d{i}.crt\"\n}}\n"
        ));
    }
    let conf = client.keys.join("acme.conf");
    std::fs::write(&conf, text).expect("config");
    let args: Vec<String> = [
        "--config",
        &conf.display().to_string(),
        "-t",
        "dns-01",
        "-n",
        "-N",
        "-v",
        "--jobs",
        "4",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let driven = drive(&bed, &args, |_, _| Reply::Same);
    driven.run.expect_code(0);
    let domains: Vec<&str> = driven.lines.iter().map(|l| l.domain.as_str()).collect();
    assert_eq!(
        domains,
        names.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let directory_steps: Vec<&str> = driven
        .run
        .stderr
        .lines()
        .filter(|l| l.contains("1. directory"))
        .collect();
    assert_eq!(directory_steps.len(), 3, "{}", driven.run.stderr);
    assert!(
        directory_steps
            .iter()
            .all(|l| l.starts_with("acmebox: 1. directory")),
        "a job's log prefixed, so jobs ran at once: {directory_steps:?}"
    );
    for i in 0..3 {
        assert!(client.certs.join(format!("d{i}.crt")).exists());
    }
}
