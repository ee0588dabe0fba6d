//! What the certificate request carries beyond its names — `--subject`,
//! `--key-usage`, `--tls-feature` (and `-O`), and a domain's `subject`,
//! `key usage`, `tls feature` (lacme's `subject`, `keyUsage`,
//! `tlsfeature`) — against pebble. pebble ignores most of it, and acmebox
//! cannot see the request it sent; but the host refuses, at step 6, a
//! request whose subject, key usage or TLS features are not exactly those
//! asked (tests/lies/domain_key.rs), so an issuance that succeeds carried
//! them. The request's bytes are checked in components/keys/tests/csr.rs.
//! Bad values are usage errors naming the option, with nothing touched.

mod common;

use common::{acmebox, Client};
use std::path::Path;
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

#[test]
fn subject_key_usage_and_tls_features_are_asked_and_issued() {
    let bed = testbed();
    let names = test_names(2);
    let client = Client::new();
    let subject = format!("/CN={}/O=Example Org/OU=Web \\/ Ops/C=DE/ST=Bayern/L=München/emailAddress=hostmaster@example.com/serialNumber=HRB 1", names[1]);
    let run = client.issue(
        &bed,
        &[
            "-nN",
            "-v",
            "--subject",
            &subject,
            "--key-usage",
            "digitalSignature, keyEncipherment",
            "--tls-feature",
            "status_request_v2",
            "-O",
        ],
        &names,
    );
    run.expect_code(0);
    assert!(
        run.stderr.contains("6. CSR made and checked"),
        "{}",
        run.stderr
    );
    common::assert_installed(&bed, &client, &names);
    // The empty subject.
    client
        .issue(&bed, &["-F", "--subject", "/"], &names)
        .expect_code(0);
}

#[test]
fn bad_values_are_usage_errors_naming_them_and_nothing_is_touched() {
    let client = Client::new();
    for (flag, value, why) in [
        ("--subject", "CN=example.com", "must start with '/'"),
        ("--subject", "/DC=example", "unknown attribute type \"DC\""),
        ("--subject", "/C=Germany", "is not a country"),
        ("--subject", "/O=a/O=b", "O is given twice"),
        ("--subject", "/O=a+CN=example.com", "multi-valued RDNs"),
        (
            "--subject",
            "/CN=other.example.com",
            "CN=\"other.example.com\" is not one of the certificate's names",
        ),
        (
            "--key-usage",
            "serverAuth",
            "unknown key usage \"serverAuth\"",
        ),
        ("--key-usage", "cRLSign,cRLSign", "cRLSign is given twice"),
        ("--tls-feature", "must-staple", "unknown TLS feature"),
        ("--tls-feature", "", "an empty item"),
    ] {
        let mut args = vec!["-nN".to_string(), flag.to_string(), value.to_string()];
        args.extend(client.args_offline("https://acme.test/dir"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(1);
        assert!(
            run.stderr.contains(flag) && run.stderr.contains(why),
            "{flag} {value:?}: {}",
            run.stderr
        );
        assert!(client.snapshot().is_empty(), "{flag} {value:?}: files made");
    }
}

/// A configuration with one domain asking for a subject, key usage and TLS
/// features.
fn config(bed: &Testbed, root: &Path, name: &str) -> std::path::PathBuf {
    let s = |p: &Path| p.display().to_string();
    for sub in ["acme", "private", "one"] {
        std::fs::create_dir_all(root.join(sub)).expect("dir");
    }
    let text = format!(
        "{authority}domain one {{\n\
         \tdomain name {name}\n\
         \tdomain key \"{root}/private/one.key\"\n\
         \tdomain full chain certificate \"{root}/one/fullchain.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         \tsubject \"/CN={name}/O=Example Org\"\n\
         \tkey usage digitalSignature, keyAgreement\n\
         \ttls feature status_request_v2\n\
         }}\n",
        authority = common::authority(bed, &root.join("acme/account.pem")),
        root = s(root),
        chal = s(bed.challenge_dir()),
    );
    let path = root.join("acmebox.conf");
    std::fs::write(&path, text).expect("config");
    path
}

#[test]
fn a_domains_subject_key_usage_and_tls_feature_are_asked_and_win() {
    let bed = testbed();
    let dir = tempfile::tempdir().expect("tempdir");
    let name = &test_names(1)[0];
    let conf = config(&bed, dir.path(), name);
    let conf = conf.display().to_string();
    let check = acmebox(&["--config", &conf, "--check"]);
    check.expect_code(0);
    for line in [
        format!("\tsubject \"/CN={name}/O=Example Org\"\n"),
        "\tkey usage digitalSignature, keyAgreement\n".to_string(),
        "\ttls feature status_request_v2\n".to_string(),
    ] {
        assert!(check.stdout.contains(&line), "{line:?} in {}", check.stdout);
    }
    // --subject's CN is no name of the domain: the domain's subject wins,
    // and so the flag's is not even checked against its names.
    let run = acmebox(&[
        "--config",
        &conf,
        "-n",
        "-N",
        "-O",
        "--subject",
        "/CN=elsewhere.example.com",
        "--key-usage",
        "cRLSign",
    ]);
    run.expect_code(0);
    assert!(run.stderr.contains("one: installed"), "{}", run.stderr);
}

#[test]
fn a_bad_directive_is_refused_at_its_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("bad.conf");
    std::fs::write(
        &conf,
        "authority a {\n\tapi url \"https://acme.test/dir\"\n\taccount key /a\n}\n\
         domain example.com {\n\tdomain key /k\n\tdomain certificate /c\n\
         \tkey usage digitalSignature, serverAuth\n}\n",
    )
    .expect("write");
    let run = acmebox(&["--config", &conf.display().to_string(), "--check"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains(":8:12: expected key usages after `key usage`")
            && run.stderr.contains("unknown key usage \"serverAuth\""),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}
