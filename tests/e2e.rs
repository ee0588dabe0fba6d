//! End to end: real certificates from pebble (tests/testbed) through the six
//! sandboxed stages, checked with openssl against pebble's root.

mod common;

use common::{cert_names, cert_public_key, cert_serial, key_public_key, openssl, Client};
use testbed::{test_names, unused_port, Testbed, Tripwire};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// The installed certificate verifies against pebble's root through the
/// installed chain, carries exactly `names`, and certifies the domain key.
fn assert_installed(bed: &Testbed, client: &Client, names: &[String]) {
    let root = client.keys.parent().expect("scratch dir").join("root.pem");
    std::fs::write(&root, bed.root_pem().expect("pebble root")).expect("write root");
    let cert = client.certs.join("cert.pem");
    let chain = client.certs.join("chain.pem");
    let verified = openssl(&[
        "verify",
        "-CAfile",
        &root.display().to_string(),
        "-untrusted",
        &chain.display().to_string(),
        &cert.display().to_string(),
    ]);
    assert!(verified.trim_end().ends_with(": OK"), "{verified}");

    let mut want = names.to_vec();
    want.sort();
    assert_eq!(cert_names(&cert), want);
    assert_eq!(cert_public_key(&cert), key_public_key(&client.domain_key()));

    let read = |name: &str| std::fs::read_to_string(client.certs.join(name)).expect(name);
    assert_eq!(read("fullchain.pem"), read("cert.pem") + &read("chain.pem"));
    #[cfg(unix)]
    {
        for file in ["cert.pem", "chain.pem", "fullchain.pem"] {
            assert_eq!(common::mode(&client.certs.join(file)), 0o444, "{file}");
        }
        assert_eq!(common::mode(&client.account_key()), 0o600);
        assert_eq!(common::mode(&client.domain_key()), 0o600);
    }
    let left: Vec<_> = std::fs::read_dir(bed.challenge_dir())
        .expect("challenge dir")
        .collect();
    assert!(left.is_empty(), "token files left behind: {left:?}");
}

#[test]
fn issues_certificate_for_one_name() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    assert_installed(&bed, &client, &names);
    assert!(bed.http01_served() >= 1, "pebble never fetched the token");
}

#[test]
fn issues_certificate_for_five_names() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(5);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    assert_installed(&bed, &client, &names);
    assert!(
        bed.http01_served() >= 5,
        "pebble fetched fewer than 5 tokens"
    );
}

#[test]
fn up_to_date_exits_2_without_contacting_server_and_force_reissues() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let first = cert_serial(&client.certs.join("cert.pem"));
    let before = client.snapshot();

    // Pointed at a tripwire instead of pebble: any connection would count.
    let tripwire = Tripwire::start().expect("tripwire");
    let run = client.issue_at(&bed, &tripwire.url(), &["-v"], &names);
    run.expect_code(2);
    assert!(run.stderr.contains("up to date"), "{}", run.stderr);
    assert_eq!(tripwire.connections(), 0, "contacted the server");
    assert_eq!(client.snapshot(), before);

    client.issue(&bed, &["-F"], &names).expect_code(0);
    let second = cert_serial(&client.certs.join("cert.pem"));
    assert_ne!(first, second, "-F did not issue a new certificate");
    assert_installed(&bed, &client, &names);
}

#[test]
fn different_names_are_not_up_to_date() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names[..1]).expect_code(0);
    client.issue(&bed, &[], &names).expect_code(0);
    assert_installed(&bed, &client, &names);
}

#[test]
fn unreachable_server_fails_and_leaves_files_untouched() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let before = client.snapshot();
    assert_eq!(before.len(), 5, "{before:?}");

    let port = unused_port().expect("free port");
    let nowhere = format!("https://localhost:{port}/dir");
    let run = client.issue_at(&bed, &nowhere, &["-F"], &names);
    run.expect_code(1);
    assert!(
        run.stderr.contains("network stage") && run.stderr.contains(&port.to_string()),
        "message should name the stage and the server: {}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert_eq!(client.snapshot(), before, "files changed");
}

/// A token file is written, and then removed although validation fails. The
/// write is observed, not assumed: `-v` reports it and the kernel (inotify on
/// the `-C` directory) saw the file created and written, then removed.
#[cfg(target_os = "linux")]
#[test]
fn token_files_are_removed_when_validation_fails() {
    use common::watch::{Change, DirWatch};
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    // Tokens go to a directory pebble's http-01 server does not serve, so
    // validation fails; the token file must still be removed.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["-v".to_string(), "-nN".to_string()];
    args.extend(client.args(&bed, &bed.directory_url()));
    let c = args.iter().position(|a| a == "-C").expect("-C") + 1;
    args[c] = elsewhere.path().display().to_string();
    args.extend(names.iter().cloned());
    let watch = DirWatch::start(elsewhere.path());
    let run = common::acmebox(&args);
    run.expect_code(1);
    assert!(run.stderr.contains("invalid"), "{}", run.stderr);
    let reported = format!("acmebox: 4.2 token for {} written", names[0]);
    assert!(run.stderr.contains(&reported), "{}", run.stderr);

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
    assert!(common::snapshot(&client.certs).is_empty());
}

/// The modes of acme-client(1), on the files the real binary makes: keys it
/// creates (-nN) 0600, the three certificates 0444, and token files 0444
/// while pebble fetches them (as the testbed's http-01 server found them).
/// The stages cannot set modes (WASI has no permissions): the host's umask
/// and its sealing do, so only the binary shows them.
#[cfg(unix)]
#[test]
fn files_have_the_modes_of_acme_client() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let octal = |path: &std::path::Path| format!("{:o}", common::mode(path));
    assert_eq!(octal(&client.account_key()), "600", "account key");
    assert_eq!(octal(&client.domain_key()), "600", "domain key");
    for file in ["cert.pem", "chain.pem", "fullchain.pem"] {
        assert_eq!(octal(&client.certs.join(file)), "444", "{file}");
    }
    let tokens: Vec<String> = (bed.http01_modes().iter())
        .map(|m| format!("{m:o}"))
        .collect();
    assert!(tokens.len() >= 2, "pebble fetched fewer than 2 tokens");
    assert!(tokens.iter().all(|m| m == "444"), "token modes: {tokens:?}");
}
