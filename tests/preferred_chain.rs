//! `--preferred-chain NAME` (RFC 8555 §7.4.2) against pebble offering two
//! alternate chains (`PEBBLE_ALTERNATE_ROOTS=2`), each under a root of its
//! own: the chain whose topmost certificate is issued by NAME is installed
//! (verified with openssl against that root); a name no chain has keeps the
//! served chain; a bad name is a usage error. How the network stage reads
//! the Link headers, and cert-parser the topmost issuer, is unit-tested in
//! the stages (components/network link.rs, cert-parser tests/inspect.rs).

mod common;

use common::{openssl, Client};
use std::path::Path;
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::builder()
        .env("PEBBLE_ALTERNATE_ROOTS", "2")
        .start()
        .expect("start pebble (run scripts/setup first)")
}

/// The common name of the subject of the certificate in `pem`.
fn common_name(pem: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("cert.pem");
    std::fs::write(&file, pem).expect("write");
    let text = openssl(&[
        "x509",
        "-in",
        &file.display().to_string(),
        "-noout",
        "-subject",
        "-nameopt",
        "multiline",
    ]);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("commonName").map(|v| v.trim()))
        .and_then(|v| v.strip_prefix('='))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no commonName in {text}"))
}

/// Whether the installed cert.pem verifies, through chain.pem, against
/// the root in `root_pem` (openssl).
fn installed_chain_leads_to(client: &Client, root_pem: &str) -> bool {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root.pem");
    std::fs::write(&root, root_pem).expect("write");
    let s = |p: &Path| p.display().to_string();
    let out = std::process::Command::new("openssl")
        .args(["verify", "-CAfile", &s(&root), "-untrusted"])
        .arg(client.certs.join("chain.pem"))
        .arg(client.certs.join("cert.pem"))
        .output()
        .expect("openssl");
    out.status.success()
}

#[test]
fn the_alternate_issued_by_the_name_is_installed() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let root0 = bed.root_pem().expect("root 0");
    let root2 = bed.root_pem_at(2).expect("root 2");
    let want = common_name(&root2);
    assert_ne!(want, common_name(&root0));
    let run = client.issue(&bed, &["-v", "-nN", "--preferred-chain", &want], &names);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains(&format!("is issued by {want:?} (--preferred-chain)")),
        "{}",
        run.stderr
    );
    assert!(
        installed_chain_leads_to(&client, &root2),
        "not under root 2"
    );
    assert!(
        !installed_chain_leads_to(&client, &root0),
        "still under root 0"
    );
    assert_eq!(common::cert_names(&client.certs.join("cert.pem")), names);
}

#[test]
fn a_name_no_chain_has_keeps_the_served_chain() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let run = client.issue(
        &bed,
        &["-v", "-nN", "--preferred-chain", "No Such Root"],
        &names,
    );
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("no chain offered is issued by \"No Such Root\": the served one"),
        "{}",
        run.stderr
    );
    let root0 = bed.root_pem().expect("root 0");
    assert!(
        installed_chain_leads_to(&client, &root0),
        "not the served chain"
    );
}

#[test]
fn a_bad_name_is_a_usage_error() {
    let client = Client::new();
    for (bad, why) in [
        ("", "an empty name"),
        ("Root\u{7}", "contains a control character"),
        (&"R".repeat(65), "longer than a common name may be"),
    ] {
        let mut args = vec!["--preferred-chain".to_string(), bad.to_string()];
        args.extend(client.args_offline("https://127.0.0.1:1/dir"));
        args.push("a.example".into());
        let run = common::acmebox(&args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("--preferred-chain") && run.stderr.contains(why),
            "{bad:?}: {}",
            run.stderr
        );
    }
}
