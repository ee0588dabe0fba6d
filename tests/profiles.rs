//! `--profile NAME` (draft-ietf-acme-profiles) against the newer pebble
//! (2.10, testbed's `next_pebble`: profiles `default`, 90 days, and
//! `shortlived`, 6 days): a 6-day certificate through `shortlived`; a
//! profile the server does not offer ends the run naming the ones it does,
//! nothing installed; against Debian stable's pebble 2.4, which offers
//! none, the error says so. The payload and the directory's `meta.profiles`
//! are unit-tested in the network stage (acme_tests.rs).

mod common;

use common::Client;
use testbed::{test_names, Testbed, SHORT_LIVED};

fn next_pebble() -> Testbed {
    Testbed::builder()
        .next_pebble()
        .start()
        .expect("start pebble 2.10 (run scripts/setup first)")
}

/// notAfter - notBefore of `cert`, in seconds (openssl).
fn lifetime(cert: &std::path::Path) -> i64 {
    let text = common::openssl(&[
        "x509",
        "-in",
        &cert.display().to_string(),
        "-noout",
        "-startdate",
        "-enddate",
        "-dateopt",
        "iso_8601",
    ]);
    let date = |key: &str| {
        let value = text
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {text}"));
        let out = std::process::Command::new("date")
            .args(["-u", "-d", value.trim(), "+%s"])
            .output()
            .expect("date");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<i64>()
            .expect("epoch seconds")
    };
    date("notAfter=") - date("notBefore=")
}

#[test]
fn the_short_lived_profile_gives_a_six_day_certificate() {
    let bed = next_pebble();
    let names = test_names(1);
    let short = Client::new();
    short
        .issue(&bed, &["-nN", "--profile", SHORT_LIVED], &names)
        .expect_code(0);
    let days = lifetime(&short.certs.join("cert.pem")) as f64 / 86_400.0;
    assert!((5.0..=7.0).contains(&days), "{days} days");
    let default = Client::new();
    default
        .issue(&bed, &["-nN", "--profile", "default"], &names)
        .expect_code(0);
    let days = lifetime(&default.certs.join("cert.pem")) as f64 / 86_400.0;
    assert!(days > 80.0, "{days} days");
}

#[test]
fn a_profile_not_offered_names_those_that_are() {
    let bed = next_pebble();
    let client = Client::new();
    let run = client.issue(&bed, &["-nN", "--profile", "tlsclient"], &test_names(1));
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            r#"profile "tlsclient": not offered by the server: it offers "default" ("90 days"), "shortlived" ("6 days")"#
        ),
        "{}",
        run.stderr
    );
    assert!(!client.certs.join("cert.pem").exists());
}

#[test]
fn a_server_without_profiles_says_it_has_none() {
    let bed = Testbed::start().expect("start pebble");
    let client = Client::new();
    let run = client.issue(&bed, &["-nN", "--profile", "classic"], &test_names(1));
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("its directory lists no profiles (meta.profiles)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bad_profile_name_is_a_usage_error() {
    let client = Client::new();
    let mut args = vec!["--profile".to_string(), "short lived".to_string()];
    args.extend(client.args_offline("https://127.0.0.1:1/dir"));
    args.push("a.example".into());
    let run = common::acmebox(&args);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("--profile \"short lived\": not a profile name"),
        "{}",
        run.stderr
    );
}

/// A domain's `profile` wins over `--profile` for that domain only: with
/// `--profile default`, `short` (`profile shortlived`) gets a 6-day
/// certificate and `long` a 90-day one, in one `--config` run. (Without any
/// profile pebble 2.10 picks one of its own, so the flag is given.)
#[test]
fn a_domains_profile_applies_to_that_domain() {
    let bed = next_pebble();
    let tree = tempfile::tempdir().expect("tempdir");
    let root = tree.path();
    let s = |p: &std::path::Path| p.display().to_string();
    let text = format!(
        "{authority}domain short {{\n\
         \tdomain name short.example.com\n\
         \tdomain key \"{root}/private/short.key\"\n\
         \tdomain full chain certificate \"{root}/short.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         \tprofile {SHORT_LIVED}\n\
         }}\n\
         domain long {{\n\
         \tdomain name long.example.com\n\
         \tdomain key \"{root}/private/long.key\"\n\
         \tdomain full chain certificate \"{root}/long.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         }}\n",
        authority = common::authority(&bed, &root.join("acme/account.pem")),
        root = s(root),
        chal = s(bed.challenge_dir()),
    );
    for dir in ["acme", "private"] {
        std::fs::create_dir(root.join(dir)).expect("key directory");
    }
    let conf = root.join("acmebox.conf");
    std::fs::write(&conf, text).expect("config");
    common::acmebox(&["--config", &s(&conf), "-n", "-N", "--profile", "default"]).expect_code(0);
    let days = |name: &str| lifetime(&root.join(name)) as f64 / 86_400.0;
    assert!(
        (5.0..=7.0).contains(&days("short.pem")),
        "{}",
        days("short.pem")
    );
    assert!(days("long.pem") > 80.0, "{}", days("long.pem"));
}
