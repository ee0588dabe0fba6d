//! `acmebox directory` against pebble: what the directory says (terms of
//! service, external account binding, profiles, renewal information, key
//! rollover, revocation) as text and as JSON, and an unreachable server as
//! exit 1 (with `--json`, a `failed` line).

mod common;

use common::{acmebox, Run};
use testbed::Testbed;

fn directory(bed: &Testbed, flags: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["directory".into()];
    args.extend(flags.iter().map(|f| f.to_string()));
    common::against(bed, &args)
}

#[test]
fn pebble_2_10_directory_lists_profiles_ari_and_the_binding_it_requires() {
    let bed = Testbed::builder()
        .next_pebble()
        .external_account(
            "kid-1",
            "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W",
        )
        .start()
        .expect("start pebble 2.10 (run scripts/setup first)");
    let run = directory(&bed, &[]);
    run.expect_code(0);
    let out = &run.stdout;
    for line in [
        "terms of service           data:text/plain,Do%20what%20thou%20wilt\n",
        "external account required  yes\n",
        "profile                    default: 90 days\n",
        "profile                    shortlived: 6 days\n",
        "renewal information (ARI)  yes\n",
        "key rollover               yes\n",
        "revocation                 yes\n",
    ] {
        assert!(out.contains(line), "{line:?} in {out}");
    }

    let run = directory(&bed, &["--json"]);
    run.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(v["outcome"], "read");
    assert_eq!(v["directory"], bed.directory_url());
    assert_eq!(v["external_account_required"], true);
    assert_eq!(v["renewal_info"], true);
    assert_eq!(v["profiles"][1]["name"], "shortlived");
    assert_eq!(v["profiles"][1]["description"], "6 days");
}

#[test]
fn stable_pebble_directory_has_no_profiles_and_no_binding() {
    let bed = Testbed::start().expect("start pebble (run scripts/setup first)");
    let run = directory(&bed, &[]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("profiles                   (none)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("external account required  no\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unreachable_server_is_exit_1_and_a_failed_json_line() {
    let run = acmebox(&[
        "directory",
        "--json",
        "--timeout",
        "5",
        "--directory",
        "https://127.0.0.1:9/dir",
    ]);
    run.expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(v["outcome"], "failed");
    assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()), "{v}");
}
