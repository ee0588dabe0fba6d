//! End to end: real certificates from pebble (tests/testbed) through the
//! sandboxed stages, checked with openssl against pebble's root. A CA's bad
//! days (rejected nonces, failed validation, a server down) are in
//! tests/pebble_faults.rs.

mod common;

use common::{assert_installed, cert_serial, expires_within, openssl, Client};
use std::time::Duration;
use testbed::{test_names, Testbed, Tripwire};

/// One day, in seconds.
const DAY: u64 = 24 * 3600;

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

/// A new name renews with -e (without it, an error: tests/flags.rs).
#[test]
fn different_names_are_not_up_to_date() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names[..1]).expect_code(0);
    client.issue(&bed, &["-e"], &names).expect_code(0);
    assert_installed(&bed, &client, &names);
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

/// Without -F, a certificate with fewer than 30 days left is renewed: pebble issues 20-day
/// certificates here (longer than 10 days, so not short-lived: tests/flags.rs), so the second run issues a new one (exit 0, a new serial) instead of
/// exiting 2 as for a fresh certificate.
#[test]
fn renews_when_fewer_than_30_days_remain() {
    let bed = Testbed::builder()
        .certificate_validity(Duration::from_secs(20 * DAY))
        .start()
        .expect("start pebble (run scripts/setup first)");
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let cert = client.certs.join("cert.pem");
    assert!(expires_within(&cert, 30 * DAY), "not a short certificate");
    assert!(!expires_within(&cert, 19 * DAY), "shorter than 20 days");
    let first = cert_serial(&cert);

    let run = client.issue(&bed, &["-v"], &names);
    run.expect_code(0);
    assert!(
        run.stderr.contains(" days left, not more than 30"),
        "{}",
        run.stderr
    );
    assert_ne!(cert_serial(&cert), first, "no new certificate");
    assert_installed(&bed, &client, &names);
}

/// A corrupt key beside a valid, up-to-date certificate: keys are read before the up-to-date
/// check, so the run exits 1 (not 2) with one line naming the key file, and changes nothing.
#[test]
fn corrupt_key_beside_valid_certificate_fails_naming_the_key() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    for (stage, key) in [
        ("account stage", client.account_key()),
        ("domain-key stage", client.domain_key()),
    ] {
        let good = std::fs::read(&key).expect("read the key");
        std::fs::write(&key, b"-----BEGIN PRIVATE KEY-----\ngarbage\n").expect("corrupt");
        let before = client.snapshot();
        let run = client.issue(&bed, &[], &names);
        run.expect_code(1);
        let line = run.stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "{}", run.stderr);
        assert!(
            line.contains(stage) && line.contains(&key.display().to_string()),
            "should name the {stage} and {}: {line}",
            key.display()
        );
        assert_eq!(client.snapshot(), before, "files changed");
        std::fs::write(&key, good).expect("restore the key");
    }
}

/// Writes a private key made by openssl with `args` (e.g. `genpkey ...`) to `path`, mode 0600.
fn openssl_key(path: &std::path::Path, args: &[&str]) {
    // `-out` right after the command: genrsa wants its bit count last.
    let out = path.display().to_string();
    let mut all = vec![args[0], "-out", &out];
    all.extend(&args[1..]);
    openssl(&all);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(path, private).expect("chmod 0600");
    }
}

/// Issues with the existing keys of `client`: exit 0, installed as asked; returns `-v`'s
/// standard error.
fn issue_with_existing_keys(bed: &Testbed, client: &Client) -> String {
    let names = test_names(2);
    let run = client.issue(bed, &["-v"], &names);
    run.expect_code(0);
    assert_installed(bed, client, &names);
    run.stderr.clone()
}

/// RSA 2048 keys made by openssl, the account key PKCS#1 and the domain key PKCS#8: issuance
/// succeeds, the account signs RS256, and the certificate is for the domain key.
#[test]
fn rsa_2048_keys_issue_end_to_end() {
    let bed = testbed();
    let client = Client::new();
    openssl_key(&client.account_key(), &["genrsa", "-traditional", "2048"]);
    let rsa = [
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
    ];
    openssl_key(&client.domain_key(), &rsa);
    let stderr = issue_with_existing_keys(&bed, &client);
    assert!(stderr.contains("3. account key read: RS256 "), "{stderr}");
}

/// EC P-384 keys made by openssl, the account key SEC1 and the domain key PKCS#8: issuance
/// succeeds and the account signs ES384.
#[test]
fn p384_keys_issue_end_to_end() {
    let bed = testbed();
    let client = Client::new();
    let sec1 = ["ecparam", "-name", "secp384r1", "-genkey", "-noout"];
    openssl_key(&client.account_key(), &sec1);
    let pkcs8 = [
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
    ];
    openssl_key(&client.domain_key(), &pkcs8);
    let stderr = issue_with_existing_keys(&bed, &client);
    assert!(stderr.contains("3. account key read: ES384 "), "{stderr}");
}
