//! External account binding (RFC 8555 §7.3.4) against pebble with
//! `externalAccountBindingRequired` and a MAC key: a key without an account
//! is refused before any registration, naming the flags it needs; with
//! `--eab-kid` and `--eab-hmac-key-file` the account is registered and the
//! certificate issued; later runs of the same key need no binding; a wrong
//! MAC key is the server's refusal; a bad key file fails before the network
//! is used; and `grants` shows the account stage's read-only `/eab`.

mod common;

use common::{acmebox, fails_with, offline_args, Client, Run};
use testbed::{test_names, Testbed};

/// The key identifier and MAC key pebble is configured with (pebble's own
/// test key, base64url).
const KID: &str = "kid-acmebox";
const MAC_KEY: &str = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

fn testbed() -> Testbed {
    Testbed::builder()
        .external_account(KID, MAC_KEY)
        .start()
        .expect("start pebble (run scripts/setup first)")
}

/// A MAC key file holding `key` in its own directory under the client's.
fn mac_key_file(client: &Client, key: &str) -> std::path::PathBuf {
    let dir = client.keys.join("eab");
    std::fs::create_dir_all(&dir).expect("eab dir");
    let file = dir.join("eab.key");
    std::fs::write(&file, format!("{key}\n")).expect("eab key");
    file
}

fn eab_flags(file: &std::path::Path) -> Vec<String> {
    vec![
        "--eab-kid".into(),
        KID.into(),
        "--eab-hmac-key-file".into(),
        file.display().to_string(),
    ]
}

fn issue(bed: &Testbed, client: &Client, flags: &[String], names: &[String]) -> Run {
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    client.issue(bed, &flags, names)
}

#[test]
fn a_required_binding_is_asked_for_then_registers_and_later_runs_need_none() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);

    let run = issue(&bed, &client, &["-nN".into()], &names);
    fails_with(&run, "externalAccountRequired");
    assert!(run.stderr.contains("--eab-kid"), "{}", run.stderr);
    assert!(!client.certs.join("cert.pem").exists(), "nothing installed");

    let mut flags = vec!["-nN".to_string()];
    flags.extend(eab_flags(&mac_key_file(&client, MAC_KEY)));
    issue(&bed, &client, &flags, &names).expect_code(0);
    common::assert_installed(&bed, &client, &names);

    // The account exists now: a forced renewal without the binding finds it.
    issue(&bed, &client, &["-F".into()], &names).expect_code(0);
}

#[test]
fn a_wrong_mac_key_is_refused_by_the_server_and_nothing_is_installed() {
    let bed = testbed();
    let client = Client::new();
    let wrong = MAC_KEY.replace('z', "y");
    let mut flags = vec!["-nN".to_string()];
    flags.extend(eab_flags(&mac_key_file(&client, &wrong)));
    let run = issue(&bed, &client, &flags, &test_names(1));
    run.expect_code(1);
    assert!(run.stderr.contains("newAccount"), "{}", run.stderr);
    assert!(!client.certs.join("cert.pem").exists(), "nothing installed");
}

#[test]
fn account_register_with_a_binding_creates_the_account() {
    let bed = testbed();
    let client = Client::new();
    let account = |flags: &[String]| {
        let mut args: Vec<String> = vec!["account".into()];
        args.extend(flags.iter().cloned());
        args.extend(["-f".into(), client.account_key().display().to_string()]);
        common::against(&bed, &args)
    };
    let register = ["-n", "--register", "--tos-agreed"].map(String::from);
    fails_with(&account(&register), "--eab-kid");
    let mut flags = register.to_vec();
    flags.extend(eab_flags(&mac_key_file(&client, MAC_KEY)));
    account(&flags).expect_code(0);
    account(&[]).expect_code(2);
}

#[test]
fn a_mac_key_file_that_is_not_base64url_fails_before_the_network_naming_it() {
    let client = Client::new();
    let file = mac_key_file(&client, "not a key!");
    let mut extra = vec!["-nN".to_string()];
    extra.extend(eab_flags(&file));
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut args = offline_args(&client, &extra);
    args.push("a.example".into());
    let run = acmebox(&args);
    fails_with(&run, &file.display().to_string());
    assert!(run.stderr.contains("not base64url"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("localhost:9"),
        "the server was never contacted: {}",
        run.stderr
    );
}

#[test]
fn flags_come_in_pairs_and_not_with_an_accountd() {
    let client = Client::new();
    let args = offline_args(&client, &["--eab-kid", KID, "a.example"]);
    acmebox(&args).expect_code(1);
    let file = mac_key_file(&client, MAC_KEY);
    let file = file.display().to_string();
    let args = offline_args(
        &client,
        &[
            "--eab-kid",
            "a b",
            "--eab-hmac-key-file",
            &file,
            "a.example",
        ],
    );
    fails_with(&acmebox(&args), "--eab-kid \"a b\"");
    let mut args = vec!["--account-socket".to_string(), "/nonexistent/sock".into()];
    args.extend(["--eab-kid", KID, "--eab-hmac-key-file", &file].map(String::from));
    args.extend(["--directory", "https://localhost:9/dir", "a.example"].map(String::from));
    fails_with(&acmebox(&args), "accountd holds no MAC key");
}

#[test]
fn grants_show_the_mac_key_file_alone_read_only_to_the_account_stage() {
    let client = Client::new();
    let file = mac_key_file(&client, MAC_KEY);
    let file_arg = file.display().to_string();
    let mut args = vec!["grants".to_string(), "--json".into()];
    args.extend(offline_args(
        &client,
        &[
            "--eab-kid",
            KID,
            "--eab-hmac-key-file",
            &file_arg,
            "a.example",
        ],
    ));
    let run = acmebox(&args);
    run.expect_code(0);
    let stages: serde_json::Value = serde_json::from_str(&run.stdout).expect("grants JSON");
    let account = &stages[0];
    assert_eq!(account["name"], "account");
    let eab = (account["directories"]
        .as_array()
        .expect("directories")
        .iter())
    .find(|d| d["guest"] == "/eab")
    .expect("an /eab grant");
    assert_eq!(eab["access"], "read");
    assert_eq!(eab["host"], client.keys.join("eab").display().to_string());
    assert_eq!(eab["names"], serde_json::json!(["eab.key"]));
    let network = &stages[2];
    let imports = network["host_imports"].as_array().expect("imports");
    assert!(imports.contains(&"acmebox:stages/external-account".into()));
}

#[test]
fn a_mac_key_inside_another_stages_writable_directory_is_refused() {
    let client = Client::new();
    // offline_args grants the challenge stage the certificate directory.
    let file = client.certs.join("eab.key");
    std::fs::write(&file, MAC_KEY).expect("eab key");
    let file = file.display().to_string();
    let args = offline_args(
        &client,
        &[
            "-nN",
            "--eab-kid",
            KID,
            "--eab-hmac-key-file",
            &file,
            "a.example",
        ],
    );
    let run = acmebox(&args);
    fails_with(&run, "external account MAC key (--eab-hmac-key-file)");
    assert!(run.stderr.contains("challenge stage"), "{}", run.stderr);
    assert!(!client.account_key().exists(), "no key was made");
}
