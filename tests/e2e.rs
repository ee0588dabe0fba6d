//! End to end: real certificates from pebble (tests/testbed) through the six
//! sandboxed stages, checked with openssl against pebble's root.

mod common;

use common::{assert_installed, cert_serial, Client};
use testbed::{test_names, unused_port, Testbed, Tripwire};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
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
    let mut bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let first = cert_serial(&client.certs.join("cert.pem"));

    client.issue(&bed, &["-F"], &names).expect_code(0);
    let second = cert_serial(&client.certs.join("cert.pem"));
    assert_ne!(first, second, "-F did not issue a new certificate");
    assert_installed(&bed, &client, &names);
    let before = client.snapshot();

    // Nothing changed, the same directory URL, but a tripwire where pebble
    // listened: any connection would count.
    bed.stop_pebble();
    let tripwire = Tripwire::start_on(bed.acme_port()).expect("tripwire on pebble's port");
    let run = client.issue(&bed, &["-v"], &names);
    run.expect_code(2);
    assert!(run.stderr.contains("up to date"), "{}", run.stderr);
    assert_eq!(tripwire.connections(), 0, "contacted the server");
    assert_eq!(client.snapshot(), before);
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
    // Two keys, three certificate files and the directory record.
    assert_eq!(before.len(), 6, "{before:?}");

    let port = unused_port().expect("free port");
    let nowhere = format!("https://localhost:{port}/dir");
    let run = client.issue_at(&bed, &nowhere, &["-F"], &names);
    run.expect_code(1);
    assert!(
        run.stderr.contains("network stage") && run.stderr.contains(&port.to_string()),
        "message should name the stage and the server: {}",
        run.stderr
    );
    // What happened, in words, with host and port; no WASI error number
    // dressed as the host's ("Socket not connected (os error 53)").
    let refused = format!("connection refused by localhost port {port}");
    assert!(run.stderr.contains(&refused), "{}", run.stderr);
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert_eq!(client.snapshot(), before, "files changed");
}

#[test]
fn token_files_are_removed_when_validation_fails() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    // Tokens go to a directory pebble's http-01 server does not serve, so
    // validation fails; the token file must still be removed.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["-nN".to_string()];
    args.extend(client.args(&bed, &bed.directory_url()));
    let c = args.iter().position(|a| a == "-C").expect("-C") + 1;
    args[c] = elsewhere.path().display().to_string();
    args.extend(names.iter().cloned());
    let run = common::acmebox(&args);
    run.expect_code(1);
    assert!(run.stderr.contains("invalid"), "{}", run.stderr);
    let left: Vec<_> = std::fs::read_dir(elsewhere.path()).expect("dir").collect();
    assert!(left.is_empty(), "token files left behind: {left:?}");
    assert!(common::snapshot(&client.certs).is_empty());
}
