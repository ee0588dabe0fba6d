//! Refusals made before anything runs, without a server: a key inside
//! another stage's writable grant (however the path is spelled) and a
//! `--ca-file` that is not a file of certificates. Each must exit 1 with
//! one line naming what is wrong, before any key is created.

mod common;

use common::{acmebox, Client, Run};
use std::path::Path;

/// Options for `client` against a server nobody runs (port 9), with `-nN`
/// so that a run getting as far as the key stages would create keys.
fn args(client: &Client, challenge: &Path, domain_key: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let path = |p: &Path| p.display().to_string();
    args.extend([
        "-nN".into(),
        "--directory".into(),
        "https://localhost:9/dir".into(),
        "-C".into(),
        path(challenge),
        "-c".into(),
        path(&client.certs),
        "-f".into(),
        path(&client.account_key()),
        "-k".into(),
        path(domain_key),
        "a.example.com".into(),
    ]);
    args
}

#[track_caller]
fn refused(run: &Run, needles: &[&str]) {
    run.expect_code(1);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "stderr should mention {needle:?}: {}",
            run.stderr
        );
    }
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
}

#[test]
fn key_inside_writable_challenge_directory_is_refused() {
    let client = Client::new();
    let challenge = client.keys.join("domain");
    let run = acmebox(&args(&client, &challenge, &client.domain_key(), &[]));
    refused(&run, &["domain key", "challenge stage", "writable"]);
    assert!(client.snapshot().is_empty(), "{:?}", client.snapshot());
}

#[test]
fn key_reached_through_dotdot_is_refused() {
    let client = Client::new();
    let challenge = client.keys.join("domain");
    let spelled = client.keys.join("account/../domain/domain.pem");
    let run = acmebox(&args(&client, &challenge, &spelled, &[]));
    refused(&run, &["domain key", "challenge stage"]);
    assert!(client.snapshot().is_empty(), "{:?}", client.snapshot());
}

#[cfg(unix)]
#[test]
fn key_reached_through_symlinked_directory_is_refused() {
    let client = Client::new();
    let link = client.keys.join("link-to-domain");
    std::os::unix::fs::symlink(client.keys.join("domain"), &link).expect("symlink");
    // -C names the link; the key is named through the real directory.
    let run = acmebox(&args(&client, &link, &client.domain_key(), &[]));
    refused(&run, &["domain key", "challenge stage"]);
    assert!(client.snapshot().is_empty(), "{:?}", client.snapshot());
}

#[test]
fn both_keys_in_one_directory_with_n_is_refused() {
    let client = Client::new();
    let shared = client.keys.join("account").join("domain.pem");
    let challenge = client.keys.join("elsewhere");
    std::fs::create_dir(&challenge).expect("challenge dir");
    let run = acmebox(&args(&client, &challenge, &shared, &[]));
    refused(
        &run,
        &["stage's writable directory", "keep each key in a directory"],
    );
    assert!(client.snapshot().is_empty(), "{:?}", client.snapshot());
}

/// Options with a good layout and `--ca-file FILE`.
fn with_ca_file(client: &Client, ca_file: &Path) -> Vec<String> {
    let challenge = client.keys.join("challenge");
    std::fs::create_dir_all(&challenge).expect("challenge dir");
    let file = ca_file.display().to_string();
    let extra = ["--ca-file", &file, "--timeout", "10"];
    args(client, &challenge, &client.domain_key(), &extra)
}

const CERT: &str = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";

#[test]
fn ca_file_with_private_key_is_refused_before_keys_are_made() {
    let client = Client::new();
    let ca = client.certs.join("combined.pem");
    let pem = format!("{CERT}-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n");
    std::fs::write(&ca, pem).expect("write");
    let run = acmebox(&with_ca_file(&client, &ca));
    refused(
        &run,
        &["--ca-file", &ca.display().to_string(), "private key"],
    );
    assert!(!client.account_key().exists() && !client.domain_key().exists());
}

#[test]
fn ca_file_without_certificate_is_refused_before_keys_are_made() {
    let client = Client::new();
    let ca = client.certs.join("empty.pem");
    std::fs::write(&ca, "nothing here\n").expect("write");
    let run = acmebox(&with_ca_file(&client, &ca));
    refused(
        &run,
        &["--ca-file", &ca.display().to_string(), "no PEM certificate"],
    );
    assert!(!client.account_key().exists() && !client.domain_key().exists());
}

#[test]
fn oversized_ca_file_is_refused() {
    let client = Client::new();
    let ca = client.certs.join("huge.pem");
    std::fs::write(&ca, CERT.repeat(30_000)).expect("write");
    let run = acmebox(&with_ca_file(&client, &ca));
    refused(&run, &["--ca-file", "larger than"]);
}

#[cfg(unix)]
#[test]
fn ca_file_that_is_a_fifo_is_refused_without_blocking() {
    let client = Client::new();
    let ca = client.certs.join("fifo.pem");
    let made = std::process::Command::new("mkfifo")
        .arg(&ca)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let run = acmebox(&with_ca_file(&client, &ca));
    refused(&run, &["--ca-file", "not a regular file"]);
}

/// `grants --json`: each stage's `warnings` carry what its grant reaches —
/// a refusal (exit 1) for a key in a writable grant, a warning for one it
/// can only read — and an issuance prints the warnings without -v.
#[test]
fn grants_json_carries_refusals_and_warnings() {
    let client = Client::new();
    let grants = |args: Vec<String>| {
        let mut all = vec!["grants".to_string(), "--json".to_string()];
        all.extend(args);
        let run = acmebox(&all);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        (run, json)
    };
    let warnings = |json: &serde_json::Value, stage: &str| -> Vec<String> {
        let entry = json
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == stage))
            .expect("stage entry");
        serde_json::from_value(entry["warnings"].clone()).expect("warnings array")
    };

    let challenge = client.keys.join("domain");
    let (run, json) = grants(args(&client, &challenge, &client.domain_key(), &[]));
    run.expect_code(1);
    let refusals = warnings(&json, "challenge");
    assert!(
        refusals
            .iter()
            .any(|w| w.starts_with("refused: the domain key")),
        "{refusals:?}"
    );

    // Both keys in one directory, neither created: each key stage can read
    // the other's key. Not refused, but said.
    let shared = client.keys.join("account").join("domain.pem");
    let elsewhere = client.keys.join("challenge");
    std::fs::create_dir_all(&elsewhere).expect("dir");
    let mut read_only = args(&client, &elsewhere, &shared, &[]);
    read_only.retain(|a| a != "-nN");
    let (run, json) = grants(read_only.clone());
    run.expect_code(0);
    let account = warnings(&json, "account");
    assert!(
        account
            .iter()
            .any(|w| w.starts_with("warning: the domain key")),
        "{account:?}"
    );
    let run = acmebox(&read_only);
    run.expect_code(1);
    assert!(
        run.stderr.contains("acmebox: warning: the domain key"),
        "warnings are printed without -v: {}",
        run.stderr
    );
}

/// The run's options against a tripwire (a server that only counts
/// connections), with `-C` and `-c` as given.
fn against_tripwire(
    client: &Client,
    tripwire: &testbed::Tripwire,
    challenge: &Path,
    certs: &Path,
) -> Vec<String> {
    let path = |p: &Path| p.display().to_string();
    vec![
        "-nN".into(),
        "--directory".into(),
        tripwire.url(),
        "-C".into(),
        path(challenge),
        "-c".into(),
        path(certs),
        "-f".into(),
        path(&client.account_key()),
        "-k".into(),
        path(&client.domain_key()),
        "a.example.com".into(),
    ]
}

/// Local problems are found before the CA is contacted and before any key
/// is made: a missing or unusable challenge or certificate directory.
#[test]
fn unusable_directories_fail_before_contacting_the_ca_or_making_keys() {
    let client = Client::new();
    let tripwire = testbed::Tripwire::start().expect("tripwire");
    let good_challenge = client.keys.join("challenge");
    std::fs::create_dir_all(&good_challenge).expect("dir");
    let a_file = client.keys.join("a-file");
    std::fs::write(&a_file, "not a directory\n").expect("write");
    let missing = client.keys.join("missing");
    let cases: [(&Path, &Path, &str); 4] = [
        (&missing, &client.certs, "-C"),
        (&a_file, &client.certs, "-C"),
        (&good_challenge, &missing, "-c"),
        (&good_challenge, &a_file, "-c"),
    ];
    for (challenge, certs, option) in cases {
        let run = acmebox(&against_tripwire(&client, &tripwire, challenge, certs));
        let dir = if option == "-C" { challenge } else { certs };
        refused(&run, &[option, &dir.display().to_string()]);
        assert!(
            !client.account_key().exists() && !client.domain_key().exists(),
            "{option} {}: a key was made: {}",
            dir.display(),
            run.stderr
        );
    }
    assert_eq!(tripwire.connections(), 0, "the CA was contacted");
    let left: Vec<_> = std::fs::read_dir(&good_challenge).expect("dir").collect();
    assert!(left.is_empty(), "the probe file was left: {left:?}");
}

/// A file error inside a stage reads as words naming the file, never as
/// "(os error N)" with N a WASI error number the user would take for the
/// host's (here: the account key is a directory).
#[test]
fn stage_file_errors_carry_no_wasi_error_numbers() {
    let client = Client::new();
    std::fs::create_dir(client.account_key()).expect("a directory where the key should be");
    let challenge = client.keys.join("challenge");
    std::fs::create_dir_all(&challenge).expect("dir");
    let run = acmebox(&args(&client, &challenge, &client.domain_key(), &[]));
    refused(&run, &["account stage", "account.pem"]);
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
}
