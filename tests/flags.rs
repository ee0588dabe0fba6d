//! acme-client(1)'s -e, -m, -a and -vv, and the renewal rule for short-lived
//! certificates, against real pebble (tests/testbed).

mod common;

use common::{acmebox, assert_installed, cert_names, cert_serial, Client};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use testbed::{test_names, Testbed};

const DAY: u64 = 24 * 3600;

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// Without -e, a requested name the installed certificate lacks is
/// acme-client's "domain not listed": exit 1 naming it and -e, nothing
/// changed, no new certificate.
#[test]
fn new_name_without_expand_is_refused_and_changes_nothing() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names[..1]).expect_code(0);
    let before = client.snapshot();
    let run = client.issue(&bed, &[], &names);
    run.expect_code(1);
    assert!(
        run.stderr.contains(&format!("does not list {}", names[1])) && run.stderr.contains("-e"),
        "{}",
        run.stderr
    );
    assert_eq!(client.snapshot(), before, "files changed");
}

/// With -e the same run renews (as if -F) to the new names.
#[test]
fn expand_renews_to_the_new_names() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names[..1]).expect_code(0);
    let first = cert_serial(&client.certs.join("cert.pem"));
    let run = client.issue(&bed, &["-e", "-v"], &names);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains(&format!("-e: expanding to {}", names[1])),
        "{}",
        run.stderr
    );
    assert_ne!(cert_serial(&client.certs.join("cert.pem")), first);
    assert_installed(&bed, &client, &names);
    // Up to date afterwards, -e or not.
    client.issue(&bed, &["-e"], &names).expect_code(2);
}

/// -e is a no-op without a certificate: a first issuance as usual.
#[test]
fn expand_without_a_certificate_issues_as_usual() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN", "-e"], &names).expect_code(0);
    assert_installed(&bed, &client, &names);
}

/// Dropping a name is not expanding: the certificate is renewed without
/// it (as OpenBSD's acme-client does when the domain list changes).
#[test]
fn dropping_a_name_renews_without_expand() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    client.issue(&bed, &[], &names[..1]).expect_code(0);
    assert_eq!(
        cert_names(&client.certs.join("cert.pem")),
        names[..1].to_vec()
    );
}

/// pebble's directory names its terms of service; -a must name exactly
/// them, or the run stops before the account request, printing both.
#[test]
fn agreement_must_match_the_directorys_terms() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let other = "https://ca.example/terms-2019.pdf";
    let run = client.issue(&bed, &["-nN", "-a", other], &names);
    run.expect_code(1);
    assert!(
        run.stderr.contains(other) && run.stderr.contains("data:text/plain,"),
        "both URLs should be named: {}",
        run.stderr
    );
    assert!(!client.certs.join("cert.pem").exists(), "issued despite -a");
    let terms = run
        .stderr
        .split("terms of service are ")
        .nth(1)
        .and_then(|rest| rest.split(", not ").next())
        .expect("the directory's terms in the message")
        .to_string();
    let run = client.issue(&bed, &["-v", "-a", &terms], &names);
    run.expect_code(0);
    assert!(run.stderr.contains("(as -a)"), "{}", run.stderr);
}

/// -vv traces each request: method, URL, status, nonce presence, problem
/// type; never a JWS, a key or a certificate. -v alone does not.
#[test]
fn double_verbose_traces_requests_without_secrets() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let run = client.issue(&bed, &["-nN", "-vv"], &names);
    run.expect_code(0);
    let trace: Vec<&str> = run.stderr.lines().filter(|l| l.contains("-vv: ")).collect();
    assert!(
        trace
            .iter()
            .any(|l| l.contains("GET ") && l.contains("-> 200")),
        "no directory GET traced: {trace:?}"
    );
    assert!(
        trace
            .iter()
            .any(|l| l.contains("POST ") && l.contains("-> 201, Replay-Nonce: yes")),
        "no POST traced: {trace:?}"
    );
    for secret in ["protected", "signature", "BEGIN", "\"payload\"", "PRIVATE"] {
        assert!(!run.stderr.contains(secret), "{secret} in the trace");
    }
    let run = client.issue(&bed, &["-v", "-F"], &names);
    run.expect_code(0);
    assert!(!run.stderr.contains("-vv: "), "traced with -v");
}

/// A 6-day certificate (Let's Encrypt's short-lived profile) always has
/// fewer than 30 days left; it is kept until less than half its lifetime is
/// left, not renewed on every run.
#[test]
fn keeps_a_fresh_six_day_certificate() {
    let bed = Testbed::builder()
        .certificate_validity(Duration::from_secs(6 * DAY))
        .start()
        .expect("start pebble");
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let first = cert_serial(&client.certs.join("cert.pem"));
    client.issue(&bed, &[], &names).expect_code(2);
    assert_eq!(cert_serial(&client.certs.join("cert.pem")), first);
}

/// -m puts the domain into the default paths of -c and -k (here -f is
/// given, and kept) and creates the missing directories, key directories
/// 0700. The defaults are under /etc/ssl, so the run happens in a private
/// mount namespace (unprivileged: `unshare -rm`) with a tmpfs on /etc/ssl;
/// what it made is listed from inside before the namespace goes.
#[test]
fn multidir_appends_the_domain_and_creates_directories() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let d = &names[0];
    let mut args: Vec<String> = vec!["-m".into(), "-n".into(), "-N".into()];
    let given = client.args(&bed, &bed.directory_url());
    // Keep --directory, --ca-file, -C and -f; drop -c and -k.
    let mut i = 0;
    while i < given.len() {
        if given[i] == "-c" || given[i] == "-k" {
            i += 2;
            continue;
        }
        args.push(given[i].clone());
        i += 1;
    }
    args.push(d.clone());
    let script = format!(
        "mount -t tmpfs tmpfs /etc/ssl && \"$0\" \"$@\" && \
         stat -c '%a %n' /etc/ssl/acme/{d} /etc/ssl/acme/private /etc/ssl/acme/private/{d} \
           /etc/ssl/acme/private/{d}/privkey.pem /etc/ssl/acme/{d}/cert.pem && \
         openssl x509 -noout -ext subjectAltName -in /etc/ssl/acme/{d}/cert.pem"
    );
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script, env!("CARGO_BIN_EXE_acmebox")])
        .args(&args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for line in [
        format!("755 /etc/ssl/acme/{d}"),
        "700 /etc/ssl/acme/private".to_string(),
        format!("700 /etc/ssl/acme/private/{d}"),
        format!("600 /etc/ssl/acme/private/{d}/privkey.pem"),
        format!("444 /etc/ssl/acme/{d}/cert.pem"),
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line:?} in\n{stdout}");
    }
    assert!(stdout.contains(&format!("DNS:{d}")), "{stdout}");
    assert!(client.account_key().exists(), "-f was not kept");
    assert!(
        !Path::new("/etc/ssl/acme").exists(),
        "wrote to the real /etc"
    );
}

/// `grants` shows -m's paths without creating anything.
#[test]
fn multidir_paths_show_in_grants_without_creating_them() {
    let run = acmebox(&["grants", "--json", "-m", "multidir.example.com"]);
    run.expect_code(0);
    for path in [
        "/etc/ssl/acme/multidir.example.com",
        "/etc/ssl/acme/private/multidir.example.com",
        "/etc/acme/multidir.example.com",
    ] {
        assert!(run.stdout.contains(path), "{path} in {}", run.stdout);
        assert!(!Path::new(path).exists(), "grants created {path}");
    }
}
