//! The domain-key stage lies: whole runs against pebble with the domain-key
//! stage replaced by tests/liars/domain-key (real keys and CSRs, made with
//! the stages' own key code), the lie named by the domain key file's name.
//! The host checks the CSR after step 6, through cert-parser, before it goes
//! to the CA.

use super::{assert_rejected, run_with_liars, Scene};
use acmebox::issue::Outcome;
use acmebox::stage::Stage;
use acmebox::Error;
use testbed::{test_names, Testbed};

/// A run against pebble with the domain-key liar telling `lie`.
fn run_lie(lie: &str) -> (Scene, Result<Outcome, Error>) {
    run_lie_with(lie, &[])
}

/// [`run_lie`] with more command-line `flags`.
fn run_lie_with(lie: &str, flags: &[&str]) -> (Scene, Result<Outcome, Error>) {
    let bed = Testbed::start().expect("start pebble (run scripts/setup first)");
    let scene = Scene::new();
    let names = test_names(1);
    let mut rest: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    rest.extend([
        "--directory".to_string(),
        bed.directory_url(),
        "--ca-file".into(),
        bed.ca_file().display().to_string(),
    ]);
    rest.extend(names.iter().cloned());
    let key = scene
        .path(&format!("domain/{lie}.pem"))
        .display()
        .to_string();
    let challenge = bed.challenge_dir().display().to_string();
    let opts = scene.options(&[("-k", key), ("-C", challenge)], &rest);
    let result = run_with_liars(&opts, &[Stage::DomainKey]);
    (scene, result)
}

/// A run with the domain-key liar telling `lie`: refused at step 6 saying
/// `why`, nothing installed.
#[track_caller]
fn refused(lie: &str, why: &str) {
    let (scene, result) = run_lie(lie);
    assert_rejected(result, Stage::DomainKey, "make CSR", why);
    assert_eq!(scene.entries("certs"), Vec::<String>::new());
}

/// The control: the liar's honest CSR (what the real stage makes) passes
/// the check and pebble issues; so each refusal below is for its lie alone.
#[test]
fn honest_csr_is_accepted_and_issued() {
    let (scene, result) = run_lie("honest");
    assert_eq!(result.expect("issued"), Outcome::Changed);
    assert_eq!(
        scene.entries("certs"),
        [
            ".acmebox-ari",
            ".acmebox-directory",
            "cert.pem",
            "chain.pem",
            "fullchain.pem"
        ]
    );
}

#[test]
fn csr_for_other_names_is_refused() {
    let names = test_names(1);
    refused(
        "other-names",
        &format!(
            "the CSR is for [\"{}\", \"evil.example\"], not the requested [\"{}\"]",
            names[0], names[0]
        ),
    );
}

#[test]
fn csr_for_another_key_is_refused() {
    refused(
        "other-key",
        "the CSR's public key is not the domain key the stage read (step 5)",
    );
}

#[test]
fn csr_whose_signature_does_not_verify_is_refused() {
    refused(
        "bad-signature",
        "the CSR does not check: the CSR's self-signature does not verify with its key",
    );
}

/// `-O` given, and the stage's CSR does not ask for OCSP must-staple: the
/// host's step-6 check (through cert-parser's `inspect-csr`) refuses it.
#[test]
fn csr_without_must_staple_asked_by_o_is_refused() {
    let (scene, result) = run_lie_with("must-staple-flipped", &["-O"]);
    assert_rejected(
        result,
        Stage::DomainKey,
        "make CSR",
        "the CSR asks for TLS features none (RFC 7633), not the requested status_request \
         (-O, --tls-feature)",
    );
    assert_eq!(scene.entries("certs"), Vec::<String>::new());
}

/// No `-O`, and the stage's CSR asks for OCSP must-staple anyway: refused.
#[test]
fn csr_with_must_staple_not_asked_is_refused() {
    refused(
        "must-staple-flipped",
        "the CSR asks for TLS features status_request (RFC 7633), not the requested none \
         (-O, --tls-feature)",
    );
}

/// The control for the two above: with `-O`, the honest CSR asks for
/// must-staple, passes the check and pebble issues.
#[test]
fn honest_csr_with_must_staple_is_accepted() {
    let (_scene, result) = run_lie_with("honest", &["-O"]);
    assert_eq!(result.expect("issued"), Outcome::Changed);
}

/// `--subject` asks for an organization, and the stage's CSR has the
/// default subject: refused at step 6, naming both subjects.
#[test]
fn csr_without_the_subject_asked_is_refused() {
    let name = &test_names(1)[0];
    let subject = format!("/CN={name}/O=Example Org");
    let (scene, result) = run_lie_with("names-only", &["--subject", &subject]);
    assert_rejected(
        result,
        Stage::DomainKey,
        "make CSR",
        &format!(
            "the CSR's subject is /CN={name}, not the requested /CN={name}/O=Example Org \
             (--subject)"
        ),
    );
    assert_eq!(scene.entries("certs"), Vec::<String>::new());
}

/// `--key-usage` and `--tls-feature`, and the stage's CSR has neither:
/// refused at step 6 (key usage is checked first).
#[test]
fn csr_without_the_key_usage_asked_is_refused() {
    let (scene, result) = run_lie_with(
        "names-only",
        &[
            "--key-usage",
            "digitalSignature,keyEncipherment",
            "--tls-feature",
            "status_request_v2",
        ],
    );
    assert_rejected(
        result,
        Stage::DomainKey,
        "make CSR",
        "the CSR asks for key usage none, not the requested \
         digitalSignature,keyEncipherment (--key-usage)",
    );
    assert_eq!(scene.entries("certs"), Vec::<String>::new());
}

/// `--tls-feature status_request_v2` alone, and the stage's CSR has no TLS
/// Feature extension: refused.
#[test]
fn csr_without_the_tls_feature_asked_is_refused() {
    let (_scene, result) = run_lie_with("names-only", &["--tls-feature", "status_request_v2"]);
    assert_rejected(
        result,
        Stage::DomainKey,
        "make CSR",
        "the CSR asks for TLS features none (RFC 7633), not the requested status_request_v2 \
         (-O, --tls-feature)",
    );
}

/// The control for the three above: the honest CSR carries the subject,
/// key usage and TLS features asked for, passes the check, and pebble
/// issues.
#[test]
fn honest_csr_with_subject_key_usage_and_tls_features_is_accepted() {
    let name = &test_names(1)[0];
    let subject = format!("/CN={name}/O=Example Org/C=DE");
    let (_scene, result) = run_lie_with(
        "honest",
        &[
            "--subject",
            &subject,
            "--key-usage",
            "digitalSignature",
            "--tls-feature",
            "status_request_v2",
            "-O",
        ],
    );
    assert_eq!(result.expect("issued"), Outcome::Changed);
}
