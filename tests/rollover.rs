//! `acmebox account --rollover NEWKEY` (RFC 8555 §7.3.5) against pebble:
//! the account moves to the new key, which is renamed over -f (the old key
//! kept only with -b); the old key then has no account and the new one
//! finds it; a NEWKEY elsewhere than -f's directory, or readable by others,
//! fails before anything is sent; a NEWKEY the server already knows leaves
//! both files as they were. The nested JWS is unit-tested in the network
//! stage (acme_keychange_tests.rs).

mod common;

use common::{acmebox, fails_with, key_public_key, Client, Run};
use std::path::{Path, PathBuf};
use testbed::Testbed;

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// `acmebox account` with `flags` and `key` as -f against `bed`.
fn account(bed: &Testbed, key: &Path, flags: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["account".into()];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.extend(["-f".into(), key.display().to_string()]);
    common::against(bed, &args)
}

fn url_of(run: &Run) -> String {
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("url"))
        .map(|rest| rest.trim().to_string())
        .unwrap_or_else(|| panic!("no url line in {}", run.stdout))
}

/// A registered account's key, and its URL.
fn registered(bed: &Testbed, client: &Client) -> String {
    let run = account(
        bed,
        &client.account_key(),
        &["-n", "--register", "--tos-agreed"],
    );
    run.expect_code(0);
    url_of(&run)
}

fn beside(client: &Client, name: &str) -> PathBuf {
    client.account_key().with_file_name(name)
}

#[test]
fn the_account_moves_to_the_new_key_which_takes_the_old_ones_place() {
    let bed = testbed();
    let client = Client::new();
    let url = registered(&bed, &client);
    let old_public = key_public_key(&client.account_key());
    let saved_old = client.keys.join("old-copy.pem");
    std::fs::copy(client.account_key(), &saved_old).expect("copy the old key");
    let new = beside(&client, "new.pem");

    let new_arg = new.display().to_string();
    let run = account(&bed, &client.account_key(), &["-n", "--rollover", &new_arg]);
    run.expect_code(0);
    assert_eq!(url_of(&run), url, "the same account");
    assert!(!new.exists(), "NEWKEY was renamed over -f");
    assert_ne!(key_public_key(&client.account_key()), old_public);
    #[cfg(unix)]
    assert_eq!(common::mode(&client.account_key()), 0o600);
    let dir: Vec<_> = std::fs::read_dir(client.account_key().parent().expect("dir"))
        .expect("read dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(dir.len(), 1, "no backup without -b: {dir:?}");

    // The new key finds the account; the old one has none any more.
    let found = account(&bed, &client.account_key(), &[]);
    found.expect_code(2);
    assert_eq!(url_of(&found), url);
    let std_old_dir = client.keys.join("old");
    std::fs::create_dir_all(&std_old_dir).expect("dir");
    let old_alone = std_old_dir.join("old.pem");
    std::fs::rename(&saved_old, &old_alone).expect("move");
    fails_with(&account(&bed, &old_alone, &[]), "has no account");
}

#[test]
fn with_b_the_old_key_is_kept_beside() {
    let bed = testbed();
    let client = Client::new();
    registered(&bed, &client);
    let old_public = key_public_key(&client.account_key());
    let new = beside(&client, "new.pem").display().to_string();
    account(
        &bed,
        &client.account_key(),
        &["-n", "-b", "--rollover", &new],
    )
    .expect_code(0);
    let backups: Vec<PathBuf> = std::fs::read_dir(client.account_key().parent().expect("dir"))
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("account-"))
        })
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(key_public_key(&backups[0]), old_public);
}

#[test]
fn a_new_key_the_server_knows_leaves_both_files_as_they_were() {
    let bed = testbed();
    let client = Client::new();
    registered(&bed, &client);
    let other = Client::new();
    registered(&bed, &other);
    let taken = beside(&client, "taken.pem");
    std::fs::copy(other.account_key(), &taken).expect("copy");
    let before = client.snapshot();
    let arg = taken.display().to_string();
    let run = account(&bed, &client.account_key(), &["--rollover", &arg]);
    run.expect_code(1);
    assert!(run.stderr.contains("keyChange"), "{}", run.stderr);
    assert_eq!(client.snapshot(), before, "files changed");
}

#[test]
fn a_new_key_elsewhere_or_readable_by_others_fails_before_anything_is_sent() {
    let client = Client::new();
    let offline = |flags: &[&str]| {
        let mut args: Vec<String> = vec!["account".into()];
        args.extend(flags.iter().map(|f| f.to_string()));
        args.extend([
            "--directory".to_string(),
            "https://localhost:9/dir".into(),
            "-f".into(),
            client.account_key().display().to_string(),
        ]);
        acmebox(&args)
    };
    let elsewhere = client.keys.join("domain").join("new.pem");
    fails_with(
        &offline(&["--rollover", &elsewhere.display().to_string()]),
        "must be in the account key's directory",
    );
    fails_with(
        &offline(&["--rollover", &client.account_key().display().to_string()]),
        "is the account key (-f) itself",
    );
    fails_with(
        &offline(&["--rollover", "x.pem", "--register"]),
        "cannot be used with",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let loose = beside(&client, "loose.pem");
        std::fs::write(&loose, "not even a key").expect("write");
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let run = offline(&["--rollover", &loose.display().to_string()]);
        fails_with(&run, "readable by others than its owner (mode 0644)");
        assert!(!run.stderr.contains("localhost:9"), "{}", run.stderr);
    }
}
