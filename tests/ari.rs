//! ACME Renewal Information (RFC 9773) against pebble 2.10 (testbed's
//! `next_pebble`), through an `Interposer` that counts the renewalInfo
//! requests and, where a test says so, answers them itself: a certificate
//! the expiry rules keep is asked about once, the answer recorded beside it
//! (`.acmebox-ari`) so that the next run sends nothing; a window already
//! over renews it, the new order replacing it (pebble checks `replaces`
//! names a certificate of the account); a renewalInfo that fails keeps the
//! certificate with a warning. The record's format, the moment chosen in a
//! window and the identifier are unit-tested (flows/ari_tests.rs,
//! cert-parser, network's acme_ari_tests.rs).

mod common;

use common::{acmebox, cert_serial, Client, Run};
use testbed::{test_names, Action, Interposer, Rule, Testbed};

/// Where pebble 2.10 serves renewal information.
const ARI_PATH: &str = "/draft-ietf-acme-ari-03/renewalInfo/";

fn next_pebble() -> Testbed {
    Testbed::builder()
        .next_pebble()
        .start()
        .expect("start pebble 2.10 (run scripts/setup first)")
}

fn issue(
    bed: &Testbed,
    proxy: &Interposer,
    client: &Client,
    flags: &[&str],
    names: &[String],
) -> Run {
    let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    args.extend(client.args_via(&proxy.directory_url(), proxy.ca_file(), bed.challenge_dir()));
    args.extend(names.iter().cloned());
    acmebox(&args)
}

fn record(client: &Client) -> String {
    std::fs::read_to_string(client.certs.join(".acmebox-ari")).expect("the renewal record")
}

#[test]
fn a_kept_certificate_is_asked_about_once_and_the_answer_recorded() {
    let bed = next_pebble();
    let proxy = Interposer::start(&bed, Vec::new()).expect("interposer");
    let client = Client::new();
    let names = test_names(1);
    issue(&bed, &proxy, &client, &["-nN"], &names).expect_code(0);
    assert!(
        record(&client).starts_with("acmebox-ari 1 "),
        "{}",
        record(&client)
    );
    assert_eq!(proxy.count("GET", ARI_PATH), 0, "not asked at issuance");

    let run = issue(&bed, &proxy, &client, &["-v"], &names);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0. renewal information: window"),
        "{}",
        run.stderr
    );
    assert_eq!(proxy.count("GET", ARI_PATH), 1);
    let line = record(&client);
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[3], "1", "the directory has renewalInfo: {line}");
    assert_ne!(words[5], "-", "the window is recorded: {line}");

    // Asked again only after the server's Retry-After (or 6 hours): this
    // run sends nothing at all.
    let before = proxy.exchanges().len();
    issue(&bed, &proxy, &client, &[], &names).expect_code(2);
    assert_eq!(proxy.exchanges().len(), before, "the server was contacted");
}

#[test]
fn a_window_already_over_renews_replacing_the_certificate() {
    let bed = next_pebble();
    let past =
        br#"{"suggestedWindow":{"start":"2020-01-01T00:00:00Z","end":"2020-01-02T00:00:00Z"}}"#;
    let proxy = Interposer::start(
        &bed,
        vec![Rule::new(
            "GET",
            ARI_PATH,
            Action::ReplaceBody(past.to_vec()),
        )],
    )
    .expect("interposer");
    let client = Client::new();
    let names = test_names(1);
    issue(&bed, &proxy, &client, &["-nN"], &names).expect_code(0);
    let first = cert_serial(&client.certs.join("cert.pem"));
    let run = issue(&bed, &proxy, &client, &["-v"], &names);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("0. renewing: the CA's renewal window (RFC 9773) ended at"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(" replacing "), "{}", run.stderr);
    assert_ne!(cert_serial(&client.certs.join("cert.pem")), first);
    common::assert_installed_at(&bed, &client, &names, &proxy.directory_url());
}

#[test]
fn renewal_information_that_fails_keeps_the_certificate_with_a_warning() {
    let bed = next_pebble();
    let proxy = Interposer::start(
        &bed,
        vec![Rule::new(
            "GET",
            ARI_PATH,
            Action::problem(500, "serverInternal", "ARI is down", &[]),
        )],
    )
    .expect("interposer");
    let client = Client::new();
    let names = test_names(1);
    issue(&bed, &proxy, &client, &["-nN"], &names).expect_code(0);
    let run = issue(&bed, &proxy, &client, &[], &names);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("warning: renewal information not available")
            && run.stderr.contains("ARI is down"),
        "{}",
        run.stderr
    );
}
