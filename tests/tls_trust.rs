//! TLS cannot be switched off unnoticed: against real pebble, a server the trust anchors do not
//! vouch for (no `--ca-file`, an unrelated CA, a certificate for another name) ends the run with
//! exit 1, one line naming the TLS failure, and nothing in the certificate directory. And the
//! trust anchors come from where the user said: `--ca-file`, `--system-roots`, `SSL_CERT_FILE`.

mod common;

use common::{acmebox, acmebox_env, snapshot, without, Client, Run};
use serde_json::Value;
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// acmebox -nN for one name against `directory`, with `bed`'s challenge directory and this
/// client's files, `trust` (e.g. `["--ca-file", FILE]`) instead of the testbed's CA.
fn run(
    bed: &Testbed,
    client: &Client,
    directory: &str,
    trust: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut args: Vec<String> = ["-nN"].iter().chain(trust).map(|s| s.to_string()).collect();
    args.extend(without(&client.args(bed, directory), "--ca-file"));
    args.extend(test_names(1));
    acmebox_env(&args, env)
}

/// Exit 1, one line containing every piece of `want`, no certificate written.
#[track_caller]
fn refused(run: &Run, client: &Client, want: &[&str]) {
    run.expect_code(1);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    for piece in want {
        assert!(
            run.stderr.contains(piece),
            "{piece:?} missing: {}",
            run.stderr
        );
    }
    assert!(
        snapshot(&client.certs).is_empty(),
        "the certificate directory is not empty"
    );
}

#[test]
fn without_ca_file_the_built_in_roots_refuse_pebble() {
    let bed = testbed();
    let client = Client::new();
    let run = run(&bed, &client, &bed.directory_url(), &[], &[]);
    let server = format!("TLS failure with localhost port {}", bed.acme_port());
    refused(&run, &client, &[&server, "UnknownIssuer", "--ca-file"]);
}

#[test]
fn an_unrelated_ca_is_refused() {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let bed = testbed();
    let client = Client::new();
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "an unrelated CA");
    let key = KeyPair::generate().expect("CA key");
    let ca = params.self_signed(&key).expect("CA certificate");
    let file = client
        .keys
        .parent()
        .expect("scratch")
        .join("unrelated-ca.pem");
    std::fs::write(&file, ca.pem()).expect("write the CA");
    let file = file.display().to_string();
    let run = run(
        &bed,
        &client,
        &bed.directory_url(),
        &["--ca-file", &file],
        &[],
    );
    refused(
        &run,
        &client,
        &["TLS failure with localhost", "UnknownIssuer"],
    );
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let bed = Testbed::builder()
        .tls_names(&["acme.example.invalid"])
        .start()
        .expect("start pebble");
    let client = Client::new();
    let ca = bed.ca_file().display().to_string();
    // Trusted CA, right server, but the certificate does not name `localhost`.
    let run = run(
        &bed,
        &client,
        &bed.directory_url(),
        &["--ca-file", &ca],
        &[],
    );
    refused(
        &run,
        &client,
        &[
            "TLS failure with localhost",
            "not valid for that name",
            "acme.example.invalid",
        ],
    );
}

#[test]
fn ssl_cert_file_is_trusted_as_ca_file_is() {
    let bed = testbed();
    let client = Client::new();
    let ca = bed.ca_file().display().to_string();
    let run = run(
        &bed,
        &client,
        &bed.directory_url(),
        &[],
        &[("SSL_CERT_FILE", &ca)],
    );
    run.expect_code(0);
    assert!(client.certs.join("cert.pem").is_file());
}

#[test]
fn system_roots_replace_the_others_and_do_not_know_pebble() {
    let Some(bundle) = acmebox::trust::SYSTEM_BUNDLES
        .iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("no system CA bundle on this machine: nothing to test");
        return;
    };
    let bed = testbed();
    let client = Client::new();
    let ca = bed.ca_file().display().to_string();
    // --system-roots wins over SSL_CERT_FILE, which would have trusted pebble.
    let env = [("SSL_CERT_FILE", ca.as_str())];
    let run = run(
        &bed,
        &client,
        &bed.directory_url(),
        &["--system-roots"],
        &env,
    );
    refused(
        &run,
        &client,
        &["TLS failure with localhost", "UnknownIssuer"],
    );

    let net = trust_grant(&["--system-roots"], &env);
    assert_eq!(net["anchors"], "--system-roots", "{net}");
    assert_eq!(net["file"], *bundle, "{net}");
}

#[test]
fn ca_file_and_system_roots_conflict() {
    let client = Client::new();
    let mut args = vec![
        "--system-roots".to_string(),
        "--ca-file".into(),
        "/x.pem".into(),
    ];
    args.extend(client.args_offline("https://localhost:9/dir"));
    args.push("a.example.com".into());
    let run = acmebox(&args);
    run.expect_code(1);
    assert!(
        run.stderr.contains("--system-roots") && run.stderr.contains("cannot be used with"),
        "{}",
        run.stderr
    );
    assert!(snapshot(&client.certs).is_empty());
}

/// The `trust` of the network grant `grants --json` prints.
fn trust_grant(extra: &[&str], env: &[(&str, &str)]) -> Value {
    let client = Client::new();
    let mut args = vec!["grants".to_string(), "--json".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(client.args_offline("https://localhost:9/dir"));
    args.push("a.example.com".into());
    let run = acmebox_env(&args, env);
    run.expect_code(0);
    let stages: Value = serde_json::from_str(&run.stdout).expect("grants JSON");
    stages[2]["network"]["trust"].clone()
}

#[test]
fn grants_say_which_trust_anchors_are_used() {
    let built_in = trust_grant(&[], &[]);
    assert_eq!(built_in["anchors"], "built-in");
    assert!(built_in["file"].is_null());
    let env = trust_grant(&[], &[("SSL_CERT_FILE", "/env/ca.pem")]);
    assert_eq!(
        (env["anchors"].as_str(), env["file"].as_str()),
        (Some("SSL_CERT_FILE"), Some("/env/ca.pem"))
    );
    let flag = trust_grant(
        &["--ca-file", "/flag/ca.pem"],
        &[("SSL_CERT_FILE", "/env/ca.pem")],
    );
    assert_eq!(
        (flag["anchors"].as_str(), flag["file"].as_str()),
        (Some("--ca-file"), Some("/flag/ca.pem"))
    );

    let client = Client::new();
    let mut args = vec!["grants".to_string()];
    args.extend(client.args_offline("https://localhost:9/dir"));
    args.push("a.example.com".into());
    let text = acmebox(&args);
    assert!(
        text.stdout
            .contains("trust      the built-in web PKI roots"),
        "{}",
        text.stdout
    );
}
