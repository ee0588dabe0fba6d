//! `--verify-with FILE` and a domain's `verify with FILE` (lacme's
//! `CAfile`) against pebble: the downloaded chain must lead to one of the
//! certificates in FILE or nothing is installed; an installed certificate
//! whose chain does not is renewed (and the renewal checked the same way);
//! a FILE that is not certificates is refused before anything is done.

mod common;

use common::{acmebox, cert_serial, openssl, Client};
use std::path::{Path, PathBuf};
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// `text` written to `name` beside `client`'s keys and certificates.
fn file(client: &Client, name: &str, text: &str) -> PathBuf {
    let path = client.keys.parent().expect("scratch dir").join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// A root CA made with openssl now, unrelated to pebble's, in `dir`.
fn unrelated_root(dir: &Path) -> PathBuf {
    let (key, cert) = (dir.join("other-root.key"), dir.join("other-root.pem"));
    let s = |p: &Path| p.display().to_string();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &s(&key),
        "-subj",
        "/O=acmebox test/CN=Unrelated Root",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-days",
        "30",
        "-out",
        &s(&cert),
    ]);
    cert
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn pebbles_root_is_accepted_and_installed() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    let root = file(&client, "root.pem", &bed.root_pem().expect("pebble root"));
    let run = client.issue(&bed, &["-nN", "-v", "--verify-with", &s(&root)], &names);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("10. the chain leads to CN=Pebble Root CA"),
        "{}",
        run.stderr
    );
    common::assert_installed(&bed, &client, &names);
    // Up to date: the installed chain leads to the root too.
    let run = client.issue(&bed, &["-v", "--verify-with", &s(&root)], &names);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("0. the chain leads to CN=Pebble Root CA"),
        "{}",
        run.stderr
    );
    // pebble's intermediate as the anchor: the walk ends there.
    let inter = file(
        &client,
        "inter.pem",
        &bed.intermediate_pem().expect("pebble intermediate"),
    );
    let run = client.issue(&bed, &["-F", "-v", "--verify-with", &s(&inter)], &names);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("10. the chain leads to CN=Pebble Intermediate CA"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unrelated_root_is_refused_and_nothing_is_installed() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    // A first certificate, then a fresh one issued with the wrong anchors.
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let before = client.snapshot();
    let serial = cert_serial(&client.certs.join("cert.pem"));
    let other = unrelated_root(client.keys.parent().expect("scratch"));
    let run = client.issue(&bed, &["-F", "--verify-with", &s(&other)], &names);
    run.expect_code(1);
    let line = run.stderr.lines().last().unwrap_or_default();
    assert!(
        line.contains(&format!("--verify-with {}: ", s(&other)))
            && line.contains("is issued by CN=Pebble Root CA")
            && line.contains("which is none of the trust anchors")
            && line.ends_with("nothing was installed"),
        "{}",
        run.stderr
    );
    assert_eq!(client.snapshot(), before, "files changed");
    assert_eq!(cert_serial(&client.certs.join("cert.pem")), serial);
}

#[test]
fn an_installed_certificate_that_does_not_lead_to_the_anchors_is_renewed() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let before = client.snapshot();
    let other = unrelated_root(client.keys.parent().expect("scratch"));
    // Up to date but for --verify-with: renewed (the server contacted, not
    // exit 2), and the new chain refused as well, nothing installed.
    let run = client.issue(&bed, &["-v", "--verify-with", &s(&other)], &names);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains(&format!("0. renewing: --verify-with {}: ", s(&other))),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("8. downloaded"), "{}", run.stderr);
    assert_eq!(client.snapshot(), before, "files changed");
}

#[test]
fn a_file_that_is_not_certificates_is_refused_naming_it_before_anything() {
    let client = Client::new();
    let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    for (name, text, why) in [
        ("empty.pem", "", "holds no PEM certificate"),
        (
            "text.pem",
            "not a certificate\n",
            "holds no PEM certificate",
        ),
        ("key.pem", key, "holds a private key"),
        (
            "broken.pem",
            cert,
            "trust anchor 1 is not a valid X.509 certificate",
        ),
    ] {
        let path = file(&client, name, text);
        let mut args = vec!["-nN".to_string(), "--verify-with".into(), s(&path)];
        args.extend(client.args_offline("https://acme.test/dir"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(1);
        let line = run.stderr.lines().last().unwrap_or_default();
        assert!(
            line.contains(&format!("--verify-with {}: ", s(&path))) && line.contains(why),
            "{name}: {}",
            run.stderr
        );
        // Refused before any key was made (-nN) or anything written.
        assert!(client.snapshot().is_empty(), "{name}: files were made");
    }
    let missing = client.keys.join("missing.pem");
    let mut args = vec!["--verify-with".to_string(), s(&missing)];
    args.extend(client.args_offline("https://acme.test/dir"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains(&format!("--verify-with {}: cannot open", s(&missing))),
        "{}",
        run.stderr
    );
}

#[test]
fn grants_shows_the_file_the_host_reads() {
    let client = Client::new();
    let mut args = vec![
        "grants".to_string(),
        "--verify-with".into(),
        "/etc/ssl/roots.pem".into(),
    ];
    args.extend(client.args_offline("https://acme.test/dir"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("verify     reads /etc/ssl/roots.pem (--verify-with)"),
        "{}",
        run.stdout
    );
}

/// A configuration of two domains for `bed` in `root`: `one` with `verify
/// with ROOT` (pebble's root), `two` without.
fn config(bed: &Testbed, root: &Path, anchors: &Path) -> PathBuf {
    for sub in ["acme", "private", "one", "two"] {
        std::fs::create_dir_all(root.join(sub)).expect("dir");
    }
    let text = format!(
        "{authority}domain one {{\n\
         \tdomain name acmebox-1.example.com\n\
         \tdomain key \"{root}/private/one.key\"\n\
         \tdomain full chain certificate \"{root}/one/fullchain.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         \tverify with \"{anchors}\"\n\
         }}\n\
         domain two {{\n\
         \tdomain name acmebox-2.example.com\n\
         \tdomain key \"{root}/private/two.key\"\n\
         \tdomain full chain certificate \"{root}/two/fullchain.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         }}\n",
        authority = common::authority(bed, &root.join("acme/account.pem")),
        root = s(root),
        chal = s(bed.challenge_dir()),
        anchors = s(anchors),
    );
    let path = root.join("acmebox.conf");
    std::fs::write(&path, text).expect("config");
    path
}

#[test]
fn a_domains_verify_with_wins_over_the_flag() {
    let bed = testbed();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let anchors = root.join("pebble-root.pem");
    std::fs::write(&anchors, bed.root_pem().expect("pebble root")).expect("root");
    let other = unrelated_root(root);
    let conf = s(&config(&bed, root, &anchors));
    let check = acmebox(&["--config", &conf, "--check"]);
    check.expect_code(0);
    assert!(
        check
            .stdout
            .contains(&format!("\tverify with \"{}\"\n", s(&anchors))),
        "{}",
        check.stdout
    );
    // --verify-with the unrelated root: `one` has its own (pebble's root)
    // and is installed; `two` takes the flag's and fails, nothing written.
    let run = acmebox(&["--config", &conf, "-n", "-N", "--verify-with", &s(&other)]);
    run.expect_code(1);
    assert!(run.stderr.contains("one: installed"), "{}", run.stderr);
    assert!(
        run.stderr.contains("two: failed: --verify-with"),
        "{}",
        run.stderr
    );
    assert!(root.join("one/fullchain.pem").exists());
    assert!(!root.join("two/fullchain.pem").exists());
    // Without the flag, `two` is issued unchecked; `one` is up to date.
    let run = acmebox(&["--config", &conf]);
    run.expect_code(0);
    for line in ["one: up to date", "two: installed"] {
        assert!(run.stderr.contains(line), "{line:?} in {}", run.stderr);
    }
}
