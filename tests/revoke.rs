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
