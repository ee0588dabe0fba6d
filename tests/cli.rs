//! The command line without a server: usage errors, bad input and
//! `--config FILE --check`. Bad input must exit 1 with a message naming what
//! was wrong, and leave existing keys and certificates untouched. (`grants`,
//! `components` and the manual page: tests/grants.rs.)

mod common;

use common::{acmebox, fails_with, offline_args, Client};

#[test]
fn missing_domain_is_a_usage_error() {
    fails_with(&acmebox::<&str>(&[]), "Usage");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    fails_with(&acmebox(&["-Z", "a.example"]), "-Z");
}

#[test]
fn reason_the_servers_refuse_is_a_usage_error() {
    let client = Client::new();
    let mut args = offline_args(&client, &["-r", "--reason", "cACompromise"]);
    args.push("a.example.com".into());
    fails_with(
        &acmebox(&args),
        "not a revocation reason ACME servers accept",
    );
}

#[test]
fn reason_and_domain_key_signing_need_r() {
    let client = Client::new();
    for flag in [&["--reason", "1"][..], &["--revoke-with-domain-key"]] {
        let mut args = offline_args(&client, flag);
        args.push("a.example.com".into());
        fails_with(&acmebox(&args), "-r");
    }
}

#[test]
fn revoke_of_an_unparsable_cert_pem_names_it_and_leaves_it() {
    let client = Client::new();
    let cert = client.certs.join("cert.pem");
    std::fs::write(&cert, b"not a certificate\n").expect("write");
    let mut args = offline_args(&client, &["-r", "-b", "-n"]);
    args.push("a.example.com".into());
    let before = common::snapshot(&client.certs);
    fails_with(
        &acmebox(&args),
        &format!("{}: -r: cannot parse", cert.display()),
    );
    assert_eq!(common::snapshot(&client.certs), before);
}

#[test]
fn plain_http_directory_is_refused() {
    let client = Client::new();
    let mut args = offline_args(&client, &[]);
    let d = args.iter().position(|a| a == "--directory").expect("flag") + 1;
    args[d] = "http://localhost:9/dir".into();
    args.push("a.example.com".into());
    fails_with(&acmebox(&args), "is not https");
}

#[test]
fn directory_url_with_a_control_character_is_refused() {
    // It is recorded as one line next to the certificates; the url crate
    // would drop the line break and accept it.
    let client = Client::new();
    for bad in ["https://localhost:9/d\nir", "https://localhost:9/dir\t"] {
        let mut args = offline_args(&client, &[]);
        let d = args.iter().position(|a| a == "--directory").expect("flag") + 1;
        args[d] = bad.into();
        args.push("a.example.com".into());
        fails_with(&acmebox(&args), "contains a control character");
    }
    assert!(client.snapshot().is_empty(), "{:?}", client.snapshot());
}

#[test]
fn invalid_domain_name_is_refused() {
    let client = Client::new();
    for bad in [
        "a..example",
        "a-.example",
        "a.example/x",
        "*.example.com",
        "ex ample.com",
    ] {
        let mut args = offline_args(&client, &[]);
        args.push(bad.into());
        fails_with(&acmebox(&args), bad);
    }
}

#[test]
fn missing_account_key_without_n_fails_and_creates_nothing() {
    let client = Client::new();
    let mut args = offline_args(&client, &[]);
    args.push("a.example.com".into());
    let run = acmebox(&args);
    fails_with(&run, &client.account_key().display().to_string());
    assert!(client.snapshot().is_empty(), "{:?}", client.snapshot());
}

#[test]
fn garbage_key_file_is_refused_and_left_untouched() {
    let client = Client::new();
    std::fs::write(client.account_key(), b"not a key\n").expect("write");
    std::fs::write(client.certs.join("cert.pem"), b"old cert\n").expect("write");
    let before = client.snapshot();
    let mut args = offline_args(&client, &["-nN", "-F"]);
    args.push("a.example.com".into());
    let run = acmebox(&args);
    fails_with(&run, "account stage");
    assert!(
        run.stderr
            .contains(&client.account_key().display().to_string()),
        "{}",
        run.stderr
    );
    assert_eq!(client.snapshot(), before);
}

#[test]
fn garbage_cert_file_is_refused_and_left_untouched() {
    let client = Client::new();
    std::fs::write(
        client.certs.join("cert.pem"),
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let mut args = offline_args(&client, &["-nN"]);
    args.push("a.example.com".into());
    let before = common::snapshot(&client.certs);
    let run = acmebox(&args);
    fails_with(&run, "cert-parser stage");
    assert_eq!(common::snapshot(&client.certs), before);
}

#[test]
fn garbage_cert_file_beside_a_chain_is_refused_and_left_untouched() {
    // cert.pem followed by chain.pem does not parse; neither does cert.pem
    // alone, so this is still cert.pem's error, not a reason to renew.
    let client = Client::new();
    let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    for name in ["cert.pem", "chain.pem"] {
        std::fs::write(client.certs.join(name), garbage).expect("write");
    }
    std::fs::write(client.certs.join("fullchain.pem"), garbage.repeat(2)).expect("write");
    let mut args = offline_args(&client, &["-nN"]);
    args.push("a.example.com".into());
    let before = common::snapshot(&client.certs);
    let run = acmebox(&args);
    fails_with(&run, "cert-parser stage");
    assert_eq!(common::snapshot(&client.certs), before);
}

// --config FILE --check (docs/CONFIG.md).

/// `text` written as acme.conf in a new temporary directory.
fn config_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("acme.conf");
    std::fs::write(&path, text).expect("write config");
    (dir, path)
}

const CONFIG: &str = "# pebble
api = \"https://localhost:14000/dir\"
authority pebble { api url $api; account key /etc/acme/pebble.pem ecdsa }
domain Example.com {
\talternative names { www.example.com,
\t\tmail.example.com }
\tdomain key \"/etc/ssl/private/example.com.key\"
\tdomain certificate /etc/ssl/example.com.crt
}
";

#[test]
fn check_prints_the_configuration_normalised() {
    let (_dir, path) = config_file(CONFIG);
    let run = acmebox(&["--config".as_ref(), path.as_os_str(), "--check".as_ref()]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "authority \"pebble\" {
\tapi url \"https://localhost:14000/dir\"
\taccount key \"/etc/acme/pebble.pem\" p384
}

domain \"Example.com\" {
\tdomain name \"example.com\"
\talternative names { \"www.example.com\" \"mail.example.com\" }
\tdomain key \"/etc/ssl/private/example.com.key\" p256
\tdomain certificate \"/etc/ssl/example.com.crt\"
\tsign with \"pebble\"
\tchallengedir \"/var/www/acme\"
}
"
    );
}

#[test]
fn check_error_names_file_line_and_column_and_prints_nothing() {
    let (_dir, path) = config_file(&CONFIG.replace(
        "\tdomain certificate",
        "\tsign with letsencrypt\n\tdomain certificate",
    ));
    let run = acmebox(&["--config".as_ref(), path.as_os_str(), "--check".as_ref()]);
    fails_with(
        &run,
        &format!(
            "{}:8:12: expected the name of an authority in the file (\"pebble\"), \
             found unknown authority \"letsencrypt\"",
            path.display()
        ),
    );
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn check_error_in_an_included_file_names_that_file() {
    let (dir, path) = config_file("");
    let inner = dir.path().join("inner.conf");
    std::fs::write(&inner, "\n  authority {\n").expect("write");
    std::fs::write(&path, format!("include \"{}\"\n", inner.display())).expect("write");
    let run = acmebox(&["--config".as_ref(), path.as_os_str(), "--check".as_ref()]);
    fails_with(
        &run,
        &format!(
            "{}:2:13: expected the authority's name after `authority`",
            inner.display()
        ),
    );
}

#[test]
fn check_refuses_a_handle_the_file_does_not_define() {
    let (_dir, path) = config_file(CONFIG);
    let run = acmebox(&[
        "--config".as_ref(),
        path.as_os_str(),
        "--check".as_ref(),
        "Example.com".as_ref(),
        "nope".as_ref(),
    ]);
    fails_with(
        &run,
        "no domain \"nope\" in the configuration (it has: Example.com)",
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn check_refuses_a_file_over_one_mebibyte_unread() {
    let (_dir, path) = config_file(&"#".repeat((1 << 20) + 1));
    let run = acmebox(&["--config".as_ref(), path.as_os_str(), "--check".as_ref()]);
    fails_with(
        &run,
        &format!(
            "{}: expected a readable configuration file of at most 1048576 bytes",
            path.display()
        ),
    );
    let missing = path.with_file_name("missing.conf");
    let run = acmebox(&["--config".as_ref(), missing.as_os_str(), "--check".as_ref()]);
    fails_with(&run, "missing.conf: expected a readable configuration file");
}

/// Without --check the configuration's certificates are processed; a
/// missing account key directory fails each (one summary line, exit 1),
/// and nothing is created. `--check` alone needs `--config`.
#[test]
fn config_run_with_a_missing_key_directory_fails_each_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display();
    let text = format!(
        "authority a {{ api url \"https://localhost:9/dir\"; account key {d}/missing/acct.pem }}\n\
         domain one.example.com {{ domain key {d}/one.key; domain certificate {d}/one.crt }}\n\
         domain two.example.com {{ domain key {d}/two.key; domain certificate {d}/two.crt }}\n"
    );
    let path = dir.path().join("acme.conf");
    std::fs::write(&path, text).expect("write config");
    let run = acmebox(&["--config".as_ref(), path.as_os_str()]);
    run.expect_code(1);
    for handle in ["one.example.com", "two.example.com"] {
        assert!(
            run.stderr
                .contains(&format!("{handle}: failed: account stage")),
            "{}",
            run.stderr
        );
    }
    assert!(!dir.path().join("missing").exists());
    assert!(
        run.stderr.contains(": failed: account stage"),
        "{}",
        run.stderr
    );
    let run = acmebox(&["--check", "example.com"]);
    fails_with(&run, "--config");
}

/// Every option's help in `--help` is a whole sentence: it starts with a capital letter or a
/// flag, never mid-sentence. A merge once kept only the last line of most multi-line doc
/// comments of host/src/options.rs, and `--help` and the manual page printed fragments.
#[test]
fn option_help_texts_are_not_cut_off() {
    let run = acmebox(&["--help"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let flag = line.trim_start();
        if !(line.starts_with("  -") || line.starts_with("      --")) || flag.is_empty() {
            continue;
        }
        let help = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty());
        let first = help.and_then(|h| h.chars().next()).unwrap_or(' ');
        assert!(
            first.is_uppercase() || first == '-',
            "the help of {flag} starts mid-sentence: {help:?}"
        );
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} options found in --help");
}
