//! The cert-parser stage lies: tests/liars/cert-parser loaded with the
//! cert-parser stage's real grant through `cert_parser::load_component`, the
//! lie named by the PEM bytes the host passes it.

use super::{assert_rejected, component, runtime, Scene};
use acmebox::stage::Stage;
use acmebox::stages::cert_parser::{self, CertParser};

/// The names every check here asks for.
fn names() -> Vec<String> {
    vec!["liar.example".to_string()]
}

fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.expect("a clock after 1970").as_secs() as i64
}

/// The cert-parser liar in the cert-parser stage's sandbox.
fn liar() -> CertParser {
    let opts = Scene::new().options(&[], &["liar.example".into()]);
    let grant = Scene::grant(&opts, Stage::CertParser);
    cert_parser::load_component(runtime(), &grant, &component(Stage::CertParser))
        .expect("the cert-parser liar loads with the cert-parser stage's grant")
}

/// `check` of the downloaded chain with the liar telling `lie`: refused
/// saying `why`.
#[track_caller]
fn check_refused(lie: &str, why: &str) {
    let result = liar().check(lie.as_bytes(), &names(), b"spki", now());
    assert_rejected(result, Stage::CertParser, "check certificate", why);
}

/// The control: the liar's honest answers are accepted by `check` and by
/// `inspect`; so each refusal below is for its lie alone.
#[test]
fn honest_answers_are_accepted() {
    let info = liar()
        .check(b"honest", &names(), b"spki", now())
        .expect("check");
    assert_eq!(info.names, names());
    liar().inspect(b"honest", now()).expect("inspect");
    liar()
        .inspect_for_revocation(b"honest", now())
        .expect("inspect for revocation");
}

/// `-r` would send the server another certificate than cert.pem's.
#[test]
fn leaf_der_other_than_cert_pem_is_refused() {
    let result = liar().inspect_for_revocation(b"leaf-der", now());
    assert_rejected(
        result,
        Stage::CertParser,
        "parse existing certificate",
        "returned a leaf DER that is not the certificate its cert.pem encodes",
    );
}

#[test]
fn names_not_requested_are_refused() {
    check_refused(
        "names",
        "returned names [\"evil.example\"], not [\"liar.example\"]",
    );
}

#[test]
fn not_after_of_i64_max_is_refused() {
    check_refused(
        "not-after-max",
        "returned notAfter 9223372036854775807, more than ten years after now",
    );
}

/// A cert.pem that looks valid forever would never be renewed.
#[test]
fn not_after_of_i64_max_in_the_installed_certificate_is_refused() {
    let result = liar().inspect(b"not-after-max", now());
    assert_rejected(
        result,
        Stage::CertParser,
        "parse existing certificate",
        "returned notAfter 9223372036854775807, more than ten years after now",
    );
}

#[test]
fn not_after_in_the_past_is_refused() {
    check_refused("not-after-past", "returned an expired certificate");
}

/// A validity that ends before it begins would make the short-lived
/// renewal rule (half the lifetime) meaningless.
#[test]
fn not_before_after_not_after_is_refused() {
    check_refused("not-before-after-not-after", "notBefore");
}

#[test]
fn not_after_more_than_ten_years_ahead_is_refused() {
    check_refused("not-after-11-years", "more than ten years after now");
}

#[test]
fn text_outside_the_armour_is_refused() {
    check_refused(
        "text-outside",
        "returned a cert.pem that is not certificates in PEM: line 1 is \"hello\"",
    );
}

#[test]
fn private_key_block_is_refused() {
    check_refused(
        "private-key",
        "returned a chain.pem that is not certificates in PEM: line 10 is \"-----BEGIN PRIVATE KEY-----\"",
    );
}

/// The row of the `fresh` change: cert-parser's answer carries the leaf's
/// key, which the host compares with the domain key.
#[test]
fn spki_that_does_not_match_is_refused() {
    check_refused(
        "spki",
        "passed a certificate whose key or chain it reports as wrong",
    );
}

#[test]
fn chain_reported_unlinked_is_refused() {
    check_refused(
        "chain-unlinked",
        "passed a certificate whose key or chain it reports as wrong",
    );
}

#[test]
fn two_certificates_in_cert_pem_are_refused() {
    check_refused("two-certs", "returned a cert.pem of 2 certificates");
}
