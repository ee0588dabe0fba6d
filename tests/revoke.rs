//! `-r` against pebble: revocation signed with the account key and with the
//! certificate's own key (`--revoke-with-domain-key`), the reason code as
//! pebble records it (its management interface), the three files removed,
//! and a second revocation failing with the files left as they are.

mod common;

use common::{cert_serial, Client};
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// The serial of the installed cert.pem, hex as pebble's management
/// interface takes it.
fn serial(client: &Client) -> String {
    let printed = cert_serial(&client.certs.join("cert.pem"));
    printed
        .strip_prefix("serial=")
        .unwrap_or(&printed)
        .to_string()
}

/// pebble's record of the certificate `serial`, as JSON.
fn status(bed: &Testbed, serial: &str) -> serde_json::Value {
    let text = bed
        .cert_status(serial)
        .expect("pebble's cert-status-by-serial");
    serde_json::from_str(&text).expect("cert-status JSON")
}

/// Only the lock file is left of the certificates.
#[track_caller]
fn assert_certificates_removed(client: &Client) {
    let left = common::snapshot(&client.certs);
    assert!(left.is_empty(), "left after -r: {:?}", left.keys());
}

#[test]
fn revoke_with_the_account_key_removes_the_files() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let serial = serial(&client);
    assert_eq!(status(&bed, &serial)["Status"], "Valid");

    let run = client.issue(&bed, &["-r", "-v"], &names);
    run.expect_code(0);
    assert!(run.stderr.contains("revoked"), "{}", run.stderr);
    let revoked = status(&bed, &serial);
    assert_eq!(revoked["Status"], "Revoked", "{revoked}");
    assert_certificates_removed(&client);
}

#[test]
fn revoke_with_the_domain_key_and_a_reason_reaches_pebble() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let serial = serial(&client);

    // The account key is gone: only the certificate's own key can sign.
    std::fs::remove_file(client.account_key()).expect("remove the account key");
    let flags = [
        "-r",
        "--revoke-with-domain-key",
        "--reason",
        "keyCompromise",
    ];
    client.issue(&bed, &flags, &names).expect_code(0);
    let revoked = status(&bed, &serial);
    assert_eq!(revoked["Status"], "Revoked", "{revoked}");
    assert_eq!(revoked["Reason"], 1, "{revoked}");
    assert_certificates_removed(&client);
}

#[test]
fn reason_code_by_number_reaches_pebble() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let serial = serial(&client);
    client
        .issue(&bed, &["-r", "--reason", "4"], &names)
        .expect_code(0);
    let revoked = status(&bed, &serial);
    assert_eq!(
        (&revoked["Status"], &revoked["Reason"]),
        (&"Revoked".into(), &4.into()),
        "{revoked}"
    );
}

#[test]
fn revoking_twice_fails_with_the_servers_message_and_files_intact() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let installed = common::snapshot(&client.certs);
    // Put the revoked files back as they were and revoke again.
    client.issue(&bed, &["-r"], &names).expect_code(0);
    for (path, bytes) in &installed {
        std::fs::write(path, bytes).expect("restore");
    }
    let before = client.snapshot();
    let run = client.issue(&bed, &["-r"], &names);
    run.expect_code(1);
    assert!(run.stderr.contains("alreadyRevoked"), "{}", run.stderr);
    assert_eq!(client.snapshot(), before, "files changed by a failed -r");
}

#[test]
fn revoke_without_cert_pem_is_an_error_naming_it() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let run = client.issue(&bed, &["-r", "-n"], &names);
    run.expect_code(1);
    let path = client.certs.join("cert.pem");
    assert!(
        run.stderr
            .contains(&format!("{}: -r: no certificate to revoke", path.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn revoke_with_another_domain_key_is_refused_before_the_server() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let serial = serial(&client);
    let key = client.domain_key().display().to_string();
    std::fs::remove_file(&key).expect("remove the domain key");
    common::openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        &key,
    ]);
    let before = client.snapshot();
    let run = client.issue(&bed, &["-r", "--revoke-with-domain-key"], &names);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains(&format!("{key}: --revoke-with-domain-key: not the key")),
        "{}",
        run.stderr
    );
    assert_eq!(client.snapshot(), before);
    assert_eq!(status(&bed, &serial)["Status"], "Valid");
}

/// Every key type revokes too, with either signer: RSA and P-384 keys sign
/// RS256 and ES384 revocation requests, in the account stage (`kid`) and in
/// the domain-key stage (`jwk`).
#[test]
fn revoke_with_rsa_and_p384_keys_through_both_signers() {
    let bed = testbed();
    let names = test_names(1);
    for (key_type, with_domain_key) in [("rsa2048", true), ("p384", false), ("rsa2048", false)] {
        let client = Client::new();
        client
            .issue(&bed, &["-nN", "--key-type", key_type], &names)
            .expect_code(0);
        let serial = serial(&client);
        let mut flags = vec!["-r", "-v"];
        if with_domain_key {
            flags.push("--revoke-with-domain-key");
        }
        let run = client.issue(&bed, &flags, &names);
        run.expect_code(0);
        let alg = if key_type == "p384" { "ES384" } else { "RS256" };
        assert!(
            run.stderr.contains(alg),
            "{key_type}: the key is not {alg}: {}",
            run.stderr
        );
        let revoked = status(&bed, &serial);
        assert_eq!(revoked["Status"], "Revoked", "{key_type}: {revoked}");
        assert_certificates_removed(&client);
    }
}
