//! `--key-type` and `-O` against pebble: every key type as account key and
//! as domain key, created by `-n -N` in its stage and used for a real
//! certificate; OCSP must-staple (RFC 7633) in the CSR and what pebble
//! makes of it. Keys and certificates are read with openssl.

mod common;

use common::{assert_installed, openssl, Client};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use testbed::{test_names, Testbed};

/// One issuance at a time in this file: RSA-4096 generation must finish
/// within the key stage's 20 s call deadline (docs/BENCHMARKS.md), and the
/// other tests' stages would compete with it for the CPU.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// What openssl says a private key is: "EC P-256", "EC P-384", "RSA 2048"...
fn key_kind(key: &Path) -> String {
    let text = openssl(&["pkey", "-in", &key.display().to_string(), "-noout", "-text"]);
    let bits = text
        .split("Private-Key: (")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or("?");
    if text.contains("NIST CURVE: P-256") {
        "EC P-256".into()
    } else if text.contains("NIST CURVE: P-384") {
        "EC P-384".into()
    } else if text.contains("publicExponent: 65537") {
        format!("RSA {bits}")
    } else {
        format!("unknown: {text}")
    }
}

/// Issue with `-n -N --key-type kind -v`: both keys are new keys of that
/// type (openssl: `want`), the account signs with `alg`, and the
/// certificate certifies the domain key.
fn issues_with(kind: &str, want: &str, alg: &str) {
    let _serial = serial();
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    // The whole run's --timeout (120 s by default) covers making both
    // keys: two RSA-4096 keys take 10 s to well over a minute of CPU (prime
    // search varies from key to key; a run of this test on the idle 2-core
    // development machine, 2026-12-03, spent more than 120 s on
    // them), so each key call is given its own 120 s deadline
    // (grant.rs `key_deadline`) and the run 600 s.
    let run = client.issue(
        &bed,
        &["-nN", "-v", "--key-type", kind, "--timeout", "600"],
        &names,
    );
    run.expect_code(0);
    assert!(
        run.stderr
            .contains(&format!("3. account key created: {alg} ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("5. domain key created"),
        "{}",
        run.stderr
    );
    assert_eq!(key_kind(&client.account_key()), want, "account key");
    assert_eq!(key_kind(&client.domain_key()), want, "domain key");
    assert_installed(&bed, &client, &names);
    // The keys made are used again as they are: read, not replaced.
    let keys = (
        std::fs::read(client.account_key()).expect("account key"),
        std::fs::read(client.domain_key()).expect("domain key"),
    );
    client
        .issue(&bed, &["-F", "--key-type", "p256"], &names)
        .expect_code(0);
    assert_installed(&bed, &client, &names);
    assert_eq!(
        std::fs::read(client.account_key()).expect("account key"),
        keys.0
    );
    assert_eq!(
        std::fs::read(client.domain_key()).expect("domain key"),
        keys.1
    );
}

#[test]
fn issues_with_p256_keys() {
    issues_with("p256", "EC P-256", "ES256");
}

#[test]
fn issues_with_p384_keys() {
    issues_with("p384", "EC P-384", "ES384");
}

#[test]
fn issues_with_rsa2048_keys() {
    issues_with("rsa2048", "RSA 2048", "RS256");
}

#[test]
fn issues_with_rsa3072_keys() {
    issues_with("rsa3072", "RSA 3072", "RS256");
}

#[test]
fn issues_with_rsa4096_keys() {
    issues_with("rsa4096", "RSA 4096", "RS256");
}

/// Without `--key-type`, new keys are ECDSA P-256.
#[test]
fn default_key_type_is_p256() {
    let _serial = serial();
    let bed = testbed();
    let client = Client::new();
    client.issue(&bed, &["-nN"], &test_names(1)).expect_code(0);
    assert_eq!(key_kind(&client.account_key()), "EC P-256");
    assert_eq!(key_kind(&client.domain_key()), "EC P-256");
}

/// `-O`: the CSR asks for OCSP must-staple. The run succeeding shows it:
/// at step 6 the host refuses a CSR whose TLS features (as cert-parser's
/// `inspect-csr` reads them) differ from those `-O` asks (the refusals themselves:
/// tests/lies/domain_key.rs). pebble 2.4 (the version scripts/setup
/// installs) does not copy the TLS Feature extension into the certificate;
/// this asserts that, so a pebble that starts copying it shows up here.
#[test]
fn must_staple_is_asked_and_pebble_2_4_does_not_copy_it() {
    let _serial = serial();
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let run = client.issue(&bed, &["-nN", "-O", "-v"], &names);
    run.expect_code(0);
    assert!(
        run.stderr.contains("6. CSR made and checked"),
        "{}",
        run.stderr
    );
    assert_installed(&bed, &client, &names);
    let cert = client.certs.join("cert.pem");
    let text = openssl(&[
        "x509",
        "-in",
        &cert.display().to_string(),
        "-noout",
        "-text",
    ]);
    assert!(
        !text.contains("TLS Feature"),
        "pebble copied it now:\n{text}"
    );
    assert!(!text.contains("1.3.6.1.5.5.7.1.24"), "{text}");
}
