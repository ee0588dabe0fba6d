//! "Up to date" (exit 2) must be true: a certificate with the requested names
//! and more than 30 days left is still renewed when it is not for the domain
//! key, when chain.pem or fullchain.pem are missing or disagree with it, or
//! when it came through another ACME directory (or none is recorded). And
//! `-v` says whether each key was created or read. Real pebble
//! (tests/testbed); the unchanged case, exit 2 without contacting the
//! server, is in tests/e2e.rs.

mod common;

use common::{assert_installed, cert_serial, Client, Run, DIRECTORY_RECORD};
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// Replace the installed file `name` (0444) with `bytes`.
fn replace(client: &Client, name: &str, bytes: &[u8]) {
    let path = client.certs.join(name);
    std::fs::remove_file(&path).expect(name);
    std::fs::write(&path, bytes).expect(name);
}

/// A pebble, one name, and a client with new keys holding a first
/// certificate for it: the scene of every renewal test.
struct Issued {
    bed: Testbed,
    names: Vec<String>,
    client: Client,
    /// The first certificate's serial.
    first: String,
}

impl Issued {
    fn new() -> Issued {
        let bed = testbed();
        let names = test_names(1);
        let client = Client::new();
        client.issue(&bed, &["-nN"], &names).expect_code(0);
        let first = cert_serial(&client.certs.join("cert.pem"));
        Issued {
            bed,
            names,
            client,
            first,
        }
    }

    /// The installed file `name`, as text.
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.client.certs.join(name)).expect(name)
    }

    /// Run again with `flags` against `bed`.
    fn rerun(&self, bed: &Testbed, flags: &[&str]) -> Run {
        self.client.issue(bed, flags, &self.names)
    }

    /// The run renewed (exit 0, a new serial, everything installed as it
    /// should be, checked against `bed`) and `-v` gave `why` as the reason.
    #[track_caller]
    fn assert_renewed(&self, bed: &Testbed, run: &Run, why: &str) {
        run.expect_code(0);
        let reason = run
            .stderr
            .lines()
            .find(|l| l.contains("0. renewing: "))
            .unwrap_or_else(|| panic!("-v gave no reason to renew:\n{}", run.stderr));
        assert!(reason.contains(why), "{reason:?} should say {why:?}");
        assert_ne!(
            cert_serial(&self.client.certs.join("cert.pem")),
            self.first,
            "no new certificate"
        );
        assert_installed(bed, &self.client, &self.names);
    }
}

#[test]
fn renews_when_the_domain_key_was_replaced() {
    let s = Issued::new();
    // A lost domain key: -N makes a new one, which cert.pem does not certify.
    std::fs::remove_file(s.client.domain_key()).expect("remove the domain key");
    let run = s.rerun(&s.bed, &["-N", "-v"]);
    assert!(run.stderr.contains("domain key created"), "{}", run.stderr);
    s.assert_renewed(&s.bed, &run, "not for the domain key");
}

#[test]
fn renews_when_chain_pem_is_missing() {
    let s = Issued::new();
    std::fs::remove_file(s.client.certs.join("chain.pem")).expect("remove chain.pem");
    let run = s.rerun(&s.bed, &["-v"]);
    s.assert_renewed(&s.bed, &run, "chain.pem is missing");
}

#[test]
fn renews_when_fullchain_pem_was_edited() {
    let s = Issued::new();
    // The leaf without its chain: what a server is often given by mistake.
    replace(&s.client, "fullchain.pem", s.read("cert.pem").as_bytes());
    let run = s.rerun(&s.bed, &["-v"]);
    s.assert_renewed(
        &s.bed,
        &run,
        "fullchain.pem is not cert.pem followed by chain.pem",
    );
}

#[test]
fn renews_when_chain_pem_does_not_parse() {
    let s = Issued::new();
    // fullchain.pem agrees byte for byte; cert.pem alone still parses.
    let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let cert = s.read("cert.pem");
    replace(&s.client, "chain.pem", garbage.as_bytes());
    replace(
        &s.client,
        "fullchain.pem",
        format!("{cert}{garbage}").as_bytes(),
    );
    let run = s.rerun(&s.bed, &["-v"]);
    s.assert_renewed(&s.bed, &run, "chain.pem does not parse after cert.pem");
}

#[test]
fn renews_when_chain_pem_does_not_hold_the_issuer() {
    let s = Issued::new();
    // chain.pem and fullchain.pem agree, but hold pebble's root, which did
    // not issue cert.pem (its intermediate did).
    let root = s.bed.root_pem().expect("pebble root");
    let cert = s.read("cert.pem");
    replace(&s.client, "chain.pem", root.as_bytes());
    replace(
        &s.client,
        "fullchain.pem",
        format!("{cert}{root}").as_bytes(),
    );
    let run = s.rerun(&s.bed, &["-v"]);
    s.assert_renewed(&s.bed, &run, "chain.pem does not hold cert.pem's issuer");
}

#[test]
fn renews_when_the_acme_directory_changed() {
    // Two CAs, as with -s (staging) then production: the certificate from
    // the first is fresh, but not from the directory now configured.
    let s = Issued::new();
    let second_ca = testbed();
    let run = s.rerun(&second_ca, &["-v"]);
    s.assert_renewed(&second_ca, &run, "issued through another ACME directory");
}

#[test]
fn renews_a_certificate_without_directory_record() {
    // As from an earlier acmebox or another client: where it came from is
    // unknown.
    let s = Issued::new();
    std::fs::remove_file(s.client.certs.join(DIRECTORY_RECORD)).expect("remove the record");
    let run = s.rerun(&s.bed, &["-v"]);
    s.assert_renewed(&s.bed, &run, "issuer unknown");
}

#[test]
fn verbose_says_whether_each_key_was_created_or_read() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    let run = client.issue(&bed, &["-nN", "-v"], &names);
    run.expect_code(0);
    for line in ["account key created", "domain key created"] {
        assert!(run.stderr.contains(line), "no {line:?}:\n{}", run.stderr);
    }
    assert!(!run.stderr.contains("key read"), "{}", run.stderr);

    // -n and -N allow creating, but the keys exist: they are read.
    let run = client.issue(&bed, &["-nN", "-v"], &names);
    run.expect_code(2);
    for line in ["account key read", "domain key read"] {
        assert!(run.stderr.contains(line), "no {line:?}:\n{}", run.stderr);
    }
    assert!(!run.stderr.contains("key created"), "{}", run.stderr);
}
