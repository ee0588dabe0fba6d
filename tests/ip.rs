//! IP address identifiers (RFC 8738) against pebble: an address is ordered
//! as an `ip` identifier, validated with http-01 (pebble connects to the
//! address itself), and lands in the certificate as an iPAddress
//! subjectAltName, never as the common name; a second run finds the
//! certificate up to date. Addresses in brackets, with dns-01, or that no
//! CA can reach are usage errors before anything is read or sent. The
//! order's identifiers, the CSR and cert-parser's reading are unit-tested
//! in their stages (acme_ip_tests.rs, keys/tests/csr.rs, cert-parser's
//! tests/csr.rs).

mod common;

use common::{acmebox, fails_with, offline_args, Client};
use testbed::{test_names, Testbed};

/// The subjectAltName entries of the certificate in `cert` (openssl's
/// words: `DNS:name`, `IP Address:addr`), sorted.
fn alt_names(cert: &std::path::Path) -> Vec<String> {
    let text = common::openssl(&[
        "x509",
        "-in",
        &cert.display().to_string(),
        "-noout",
        "-ext",
        "subjectAltName",
    ]);
    let mut names: Vec<String> = (text.split([',', '\n']).map(str::trim))
        .filter(|p| p.starts_with("DNS:") || p.starts_with("IP Address:"))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

fn subject(cert: &std::path::Path) -> String {
    common::openssl(&[
        "x509",
        "-in",
        &cert.display().to_string(),
        "-noout",
        "-subject",
    ])
}

#[test]
fn an_address_and_a_name_are_issued_with_an_ip_address_alt_name() {
    let bed = Testbed::start().expect("start pebble (run scripts/setup first)");
    let client = Client::new();
    let dns = test_names(1).remove(0);
    let names = vec!["127.0.0.1".to_string(), dns.clone()];
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let cert = client.certs.join("cert.pem");
    assert_eq!(
        alt_names(&cert),
        [format!("DNS:{dns}"), "IP Address:127.0.0.1".to_string()]
    );
    let subject = subject(&cert);
    assert!(!subject.contains("127.0.0.1"), "{subject}");
    // Up to date: the installed names are the requested ones.
    client.issue(&bed, &[], &names).expect_code(2);
}

#[test]
fn an_address_alone_gets_a_certificate_without_a_common_name() {
    let bed = Testbed::start().expect("start pebble (run scripts/setup first)");
    let client = Client::new();
    let names = vec!["127.0.0.1".to_string()];
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let cert = client.certs.join("cert.pem");
    assert_eq!(alt_names(&cert), ["IP Address:127.0.0.1"]);
}

#[test]
fn addresses_that_cannot_be_ordered_are_usage_errors_naming_them() {
    let client = Client::new();
    let run = |extra: &[&str]| acmebox(&offline_args(&client, extra));
    fails_with(&run(&["[::1]"]), "without brackets");
    fails_with(&run(&["0.0.0.0"]), "no CA can validate");
    fails_with(&run(&["fe80::1%eth0"]), "invalid IP address");
    fails_with(&run(&["-t", "dns-01", "192.0.2.1"]), "never dns-01");
    // The same address twice, in two spellings, is one name given twice.
    fails_with(&run(&["2001:db8::1", "2001:DB8:0::1"]), "given twice");
    assert!(
        !client.account_key().exists() && !client.domain_key().exists(),
        "nothing was made"
    );
}
