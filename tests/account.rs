//! `acmebox account` against pebble: an account looked up (none: exit 1),
//! registered (exit 0, then 2), its contact replaced (exit 0), refused
//! without agreeing to the terms, deactivated only with the confirmation
//! (without it, a usage error and nothing sent), and an issuance with a
//! deactivated account's key failing with the server's word for it.

mod common;

use common::{acmebox, Client, Run};
use testbed::{test_names, Testbed, Tripwire};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// pebble's terms of service (its directory's meta.termsOfService).
const PEBBLE_TERMS: &str = "data:text/plain,Do%20what%20thou%20wilt";

/// `acmebox account` with `flags`, the client's account key, and `bed`'s
/// directory and trust anchors.
fn account(bed: &Testbed, client: &Client, flags: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["account".into()];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.extend(["-f".into(), client.account_key().display().to_string()]);
    common::against(bed, &args)
}

/// The value of each `field value` line of the text output, in order.
fn fields(stdout: &str, field: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(field))
        .filter(|rest| rest.starts_with(' '))
        .map(|rest| rest.trim().to_string())
        .collect()
}

#[test]
fn an_account_not_registered_is_not_found_and_register_creates_it() {
    let bed = testbed();
    let client = Client::new();
    let run = account(&bed, &client, &["-n"]);
    run.expect_code(1);
    assert!(run.stderr.contains("has no account"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--register creates one"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "", "nothing printed on standard output");
    assert!(client.account_key().exists(), "-n made the key");

    let contact = "mailto:ops@example.com";
    let run = account(
        &bed,
        &client,
        &["--register", "--tos-agreed", "--contact", contact],
    );
    run.expect_code(0);
    assert_eq!(fields(&run.stdout, "status"), ["valid"], "{}", run.stdout);
    assert_eq!(fields(&run.stdout, "contact"), [contact]);
    let url = fields(&run.stdout, "url");
    assert!(
        url[0].starts_with(&bed.directory_url().replace("/dir", "/")),
        "{url:?}"
    );
    assert_eq!(fields(&run.stdout, "orders").len(), 1);

    // Found now, with or without --register; nothing to change: exit 2.
    let again = account(
        &bed,
        &client,
        &["--register", "--tos-agreed", "--contact", contact],
    );
    again.expect_code(2);
    assert_eq!(fields(&again.stdout, "url"), url);
    let found = account(&bed, &client, &[]);
    found.expect_code(2);
    assert_eq!(found.stdout, again.stdout);
}

#[test]
fn a_different_contact_replaces_the_accounts() {
    let bed = testbed();
    let client = Client::new();
    account(&bed, &client, &["-n", "--register", "--tos-agreed"]).expect_code(0);
    let none = account(&bed, &client, &[]);
    none.expect_code(2);
    assert_eq!(fields(&none.stdout, "contact"), ["(none)"]);

    let (a, b) = ("mailto:a@example.com", "mailto:b@example.com");
    let run = account(&bed, &client, &["--contact", a, "--contact", b]);
    run.expect_code(0);
    assert_eq!(fields(&run.stdout, "contact"), [a, b], "{}", run.stdout);
    // The same set in another order changes nothing.
    account(&bed, &client, &["--contact", b, "--contact", a]).expect_code(2);
    let run = account(&bed, &client, &["--contact", b]);
    run.expect_code(0);
    assert_eq!(fields(&run.stdout, "contact"), [b]);
    // Without --contact, the contact is left as it is.
    let run = account(&bed, &client, &[]);
    run.expect_code(2);
    assert_eq!(fields(&run.stdout, "contact"), [b]);
}

#[test]
fn registering_without_agreeing_to_the_terms_is_refused_naming_them() {
    let bed = testbed();
    let client = Client::new();
    let run = account(&bed, &client, &["-n", "--register"]);
    run.expect_code(1);
    assert!(run.stderr.contains(PEBBLE_TERMS), "{}", run.stderr);
    assert!(run.stderr.contains("--tos-agreed"), "{}", run.stderr);
    // Other terms than the directory's: refused too, naming both.
    let run = account(
        &bed,
        &client,
        &["--register", "-a", "https://other.test/tos"],
    );
    run.expect_code(1);
    assert!(run.stderr.contains(PEBBLE_TERMS), "{}", run.stderr);
    assert!(
        run.stderr.contains("https://other.test/tos"),
        "{}",
        run.stderr
    );
    // Nothing was registered.
    account(&bed, &client, &[]).expect_code(1);
    // -a naming the directory's terms registers.
    account(&bed, &client, &["--register", "-a", PEBBLE_TERMS]).expect_code(0);
}

#[test]
fn deactivate_without_confirmation_is_a_usage_error_and_sends_nothing() {
    let client = Client::new();
    let tripwire = Tripwire::start().expect("tripwire");
    let directory = format!("https://127.0.0.1:{}/dir", tripwire.port());
    let args = [
        "account",
        "--deactivate",
        "-n",
        "--directory",
        &directory,
        "-f",
        &client.account_key().display().to_string(),
    ];
    let run = acmebox(&args);
    run.expect_code(1);
    assert!(run.stderr.contains("cannot be undone"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--confirm-deactivate"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(tripwire.connections(), 0, "contacted the server");
    assert!(!client.account_key().exists(), "the key was made");
}

#[test]
fn a_deactivated_account_is_printed_and_its_key_no_longer_issues() {
    let bed = testbed();
    let client = Client::new();
    account(&bed, &client, &["-n", "--register", "--tos-agreed"]).expect_code(0);
    let names = test_names(1);
    client.issue(&bed, &["-N"], &names).expect_code(0);

    let run = account(&bed, &client, &["--deactivate", "--confirm-deactivate"]);
    run.expect_code(0);
    assert_eq!(
        fields(&run.stdout, "status"),
        ["deactivated"],
        "{}",
        run.stdout
    );

    let run = client.issue(&bed, &["-F"], &names);
    run.expect_code(1);
    assert!(
        run.stderr.contains("register account") && run.stderr.contains("deactivated"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    // The account itself cannot be found any more either.
    let run = account(&bed, &client, &[]);
    run.expect_code(1);
    assert!(run.stderr.contains("deactivated"), "{}", run.stderr);
}

#[test]
fn json_prints_the_account_as_one_object_also_on_failure() {
    let bed = testbed();
    let client = Client::new();
    let run = account(&bed, &client, &["-n", "--json"]);
    run.expect_code(1);
    let failed: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["step"], "find account");
    let reason = failed["reason"].as_str().expect("reason");
    assert!(
        run.stderr.contains(reason),
        "{reason:?} not in {}",
        run.stderr
    );
    assert!(failed["url"].is_null());

    let contact = "mailto:ops@example.com";
    let run = account(
        &bed,
        &client,
        &["--json", "--register", "--tos-agreed", "--contact", contact],
    );
    run.expect_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let registered: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(registered["outcome"], "registered");
    assert_eq!(registered["status"], "valid");
    assert_eq!(registered["contact"], serde_json::json!([contact]));
    assert!(registered["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    assert!(registered["orders"].is_string());
    assert!(registered["step"].is_null() && registered["reason"].is_null());

    let run = account(&bed, &client, &["--json"]);
    run.expect_code(2);
    let found: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(found["outcome"], "unchanged");
    assert_eq!(found["url"], registered["url"]);
}
