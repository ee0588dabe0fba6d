//! `-b` against pebble: before a renewal (-F) replaces, or `-r` removes,
//! cert.pem, chain.pem and fullchain.pem, they are kept as cert-EPOCH.pem,
//! chain-EPOCH.pem and fullchain-EPOCH.pem, one EPOCH for the three, with
//! the old bytes; with no certificates, nothing is written.

mod common;

use common::Client;
use std::collections::BTreeMap;
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

const FILES: [&str; 3] = ["cert", "chain", "fullchain"];

/// The bytes of cert.pem, chain.pem and fullchain.pem, by stem.
fn installed(client: &Client) -> BTreeMap<String, Vec<u8>> {
    FILES
        .iter()
        .map(|stem| {
            let bytes = std::fs::read(client.certs.join(format!("{stem}.pem"))).expect(stem);
            (stem.to_string(), bytes)
        })
        .collect()
}

/// The backups in the certificate directory: stem -> (epoch, bytes).
fn backups(client: &Client) -> BTreeMap<String, (u64, Vec<u8>)> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(&client.certs).expect("certs") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((stem, epoch)) = name
            .strip_suffix(".pem")
            .and_then(|n| n.rsplit_once('-'))
            .filter(|(_, e)| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let bytes = std::fs::read(entry.path()).expect("backup");
        let epoch = epoch.parse().expect("epoch");
        assert!(found.insert(stem.to_string(), (epoch, bytes)).is_none());
    }
    found
}

/// The three backups exist, with one epoch (close to now) and `old`'s bytes.
#[track_caller]
fn assert_backed_up(client: &Client, old: &BTreeMap<String, Vec<u8>>) {
    let found = backups(client);
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        ["cert", "chain", "fullchain"],
        "backups: {:?}",
        found.keys()
    );
    let epochs: std::collections::BTreeSet<u64> = found.values().map(|(e, _)| *e).collect();
    assert_eq!(epochs.len(), 1, "one epoch for the three: {epochs:?}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let epoch = *epochs.iter().next().expect("an epoch");
    assert!(
        epoch <= now && now - epoch < 300,
        "epoch {epoch}, now {now}"
    );
    for (stem, (_, bytes)) in &found {
        assert_eq!(
            Some(bytes),
            old.get(stem),
            "{stem}-{epoch}.pem holds other bytes"
        );
    }
}

#[test]
fn backup_on_renewal_keeps_the_replaced_files() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let old = installed(&client);
    client.issue(&bed, &["-F", "-b"], &names).expect_code(0);
    common::assert_installed(&bed, &client, &names);
    assert_ne!(installed(&client)["cert"], old["cert"], "-F did not renew");
    assert_backed_up(&client, &old);
}

#[test]
fn backup_on_revoke_keeps_the_removed_files() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let old = installed(&client);
    client.issue(&bed, &["-r", "-b"], &names).expect_code(0);
    assert_backed_up(&client, &old);
    for stem in FILES {
        let path = client.certs.join(format!("{stem}.pem"));
        assert!(!path.exists(), "{} not removed", path.display());
    }
}

#[test]
fn backup_with_no_certificates_writes_nothing() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    client.issue(&bed, &["-nN", "-b"], &names).expect_code(0);
    common::assert_installed(&bed, &client, &names);
    let found = backups(&client);
    assert!(found.is_empty(), "backups of nothing: {:?}", found.keys());
    let mut names: Vec<String> = common::snapshot(&client.certs)
        .keys()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".acmebox-ari",
            common::DIRECTORY_RECORD,
            "cert.pem",
            "chain.pem",
            "fullchain.pem"
        ]
    );
}
