//! Installing into the certificate directory with acme-client's default
//! layout, where the domain key lies under it (`certdir/private/privkey.pem`,
//! `-k`): links planted at the names the host and file-writer use must never
//! be followed or reused, file-writer must not reach the key at all, two runs
//! for one directory must not interleave, and token files must be readable by
//! a web server running as another user. Real pebble (tests/testbed).

mod common;

use common::{acmebox, Client, Run, LOCK_FILE};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use testbed::{test_names, Testbed};

/// The names file-writer wrote its temporary files under before staging
/// directories, which a planted link could redirect.
const LEGACY_TEMPS: [&str; 3] = [
    ".cert.pem.acmebox-tmp",
    ".chain.pem.acmebox-tmp",
    ".fullchain.pem.acmebox-tmp",
];

const INSTALLED: [&str; 3] = ["cert.pem", "chain.pem", "fullchain.pem"];

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// A client whose domain key is `certs/private/privkey.pem`, as with
/// acme-client's defaults; the account key has a directory of its own.
struct DefaultLayout {
    client: Client,
}

impl DefaultLayout {
    fn new() -> DefaultLayout {
        let client = Client::new();
        std::fs::create_dir(client.certs.join("private")).expect("certs/private");
        DefaultLayout { client }
    }

    fn certs(&self) -> &Path {
        &self.client.certs
    }

    fn key(&self) -> PathBuf {
        self.certs().join("private").join("privkey.pem")
    }

    /// The client's options with `-k` naming [`DefaultLayout::key`].
    fn args(&self, bed: &Testbed) -> Vec<String> {
        let mut args = self.client.args(bed, &bed.directory_url());
        let k = args.iter().position(|a| a == "-k").expect("-k") + 1;
        args[k] = self.key().display().to_string();
        args
    }

    fn issue(&self, bed: &Testbed, flags: &[&str], names: &[String]) -> Run {
        let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        args.extend(self.args(bed));
        args.extend(names.iter().cloned());
        acmebox(&args)
    }

    /// A first certificate, with new keys.
    fn issued(bed: &Testbed, names: &[String]) -> DefaultLayout {
        let layout = DefaultLayout::new();
        layout.issue(bed, &["-nN"], names).expect_code(0);
        layout
    }

    /// The domain key's bytes and mode.
    fn key_state(&self) -> (Vec<u8>, u32) {
        let bytes = std::fs::read(self.key()).expect("read the domain key");
        (bytes, mode(&self.key()))
    }

    /// The three installed files are regular files (not links), with one
    /// link each, mode 0444, and the key is unchanged; no staging
    /// directory and no legacy temporary name is left.
    #[track_caller]
    fn assert_installed_safely(&self, key_before: &(Vec<u8>, u32)) {
        let (bytes, key_mode) = self.key_state();
        assert!(bytes == key_before.0, "the domain key's contents changed");
        assert_eq!(
            key_mode, key_before.1,
            "the domain key's mode changed (octal)"
        );
        assert_eq!(nlink(&self.key()), 1, "the domain key's link count");
        for name in INSTALLED {
            let path = self.certs().join(name);
            let meta = std::fs::symlink_metadata(&path).expect(name);
            assert!(meta.file_type().is_file(), "{name} is a regular file");
            assert_eq!(nlink(&path), 1, "{name} has one link");
            assert_eq!(mode(&path), 0o444, "{name} mode");
            let text = std::fs::read_to_string(&path).expect(name);
            assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{name}");
        }
        let left: Vec<String> = entries(self.certs())
            .into_iter()
            .filter(|n| n.starts_with(".acmebox-stage-") || LEGACY_TEMPS.contains(&n.as_str()))
            .collect();
        assert!(
            left.is_empty(),
            "left in the certificate directory: {left:?}"
        );
    }
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .expect("lstat")
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
fn nlink(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).expect("lstat").nlink()
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("planting a symlink");
}

#[cfg(unix)]
#[test]
fn planted_symlink_at_temporary_name_cannot_overwrite_key() {
    let bed = testbed();
    let names = test_names(1);
    let layout = DefaultLayout::issued(&bed, &names);
    let key = layout.key_state();
    for temp in LEGACY_TEMPS {
        symlink("private/privkey.pem", &layout.certs().join(temp));
    }
    layout.issue(&bed, &["-F"], &names).expect_code(0);
    layout.assert_installed_safely(&key);
}

#[cfg(unix)]
#[test]
fn planted_hard_link_at_temporary_name_cannot_overwrite_key() {
    let bed = testbed();
    let names = test_names(1);
    let layout = DefaultLayout::issued(&bed, &names);
    let key = layout.key_state();
    for temp in LEGACY_TEMPS {
        std::fs::hard_link(layout.key(), layout.certs().join(temp)).expect("hard link");
    }
    layout.issue(&bed, &["-F"], &names).expect_code(0);
    layout.assert_installed_safely(&key);
}

/// Without -F the host reads cert.pem for the up-to-date check: a link is
/// reported (naming cert.pem) and replaced by a new certificate, never read
/// through or written through.
#[cfg(unix)]
#[track_caller]
fn cert_pem_link_is_replaced(plant: impl FnOnce(&DefaultLayout, &Path), why: &str) {
    let bed = testbed();
    let names = test_names(1);
    let layout = DefaultLayout::issued(&bed, &names);
    let key = layout.key_state();
    let cert = layout.certs().join("cert.pem");
    std::fs::remove_file(&cert).expect("remove cert.pem");
    plant(&layout, &cert);
    let run = layout.issue(&bed, &[], &names);
    run.expect_code(0);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("warning") && l.contains("cert.pem"))
        .unwrap_or_else(|| panic!("no warning naming cert.pem: {}", run.stderr));
    assert!(warning.contains(why), "the warning says why: {warning}");
    layout.assert_installed_safely(&key);
}

#[cfg(unix)]
#[test]
fn cert_pem_symlinked_to_key_is_replaced_not_followed() {
    cert_pem_link_is_replaced(
        |_, cert| symlink("private/privkey.pem", cert),
        "symbolic link",
    );
}

#[cfg(unix)]
#[test]
fn cert_pem_hard_linked_to_key_is_replaced() {
    cert_pem_link_is_replaced(
        |layout, cert| std::fs::hard_link(layout.key(), cert).expect("hard link"),
        "hard-linked",
    );
}

/// `acmebox grants` shows what runs: file-writer gets a fresh staging
/// directory inside the certificate directory, never the directory itself,
/// so the key under it is out of reach, and no overlap is reported.
#[test]
fn default_layout_key_under_certdir_is_unreachable_by_file_writer() {
    let layout = DefaultLayout::new();
    let challenges = tempfile::tempdir().expect("challenge dir");
    let path = |p: &Path| p.display().to_string();
    let grants = |json: bool| {
        let mut args = vec!["grants".to_string()];
        if json {
            args.push("--json".into());
        }
        args.extend([
            "--directory".into(),
            "https://localhost:9/dir".into(),
            "-C".into(),
            path(challenges.path()),
            "-c".into(),
            path(layout.certs()),
            "-f".into(),
            path(&layout.client.account_key()),
            "-k".into(),
            path(&layout.key()),
        ]);
        args.push("a.example.com".into());
        let run = acmebox(&args);
        run.expect_code(0);
        run.stdout
    };
    let stages: serde_json::Value = serde_json::from_str(&grants(true)).expect("JSON");
    let writer = stages
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "file-writer"))
        .expect("a file-writer stage");
    let dirs = writer["directories"].as_array().expect("directories");
    assert_eq!(dirs.len(), 1, "{writer}");
    let pattern = layout.certs().join(".acmebox-stage-*");
    assert_eq!(dirs[0]["host"], pattern.display().to_string());
    assert_eq!(dirs[0]["guest"], "/stage");
    assert_eq!(dirs[0]["access"], "read-write");
    let text = grants(false);
    assert!(
        !text.lines().any(|l| l.starts_with("note:")),
        "no stage reaches another's directory: {text}"
    );
}

/// A second run for the same certificate directory waits for the first
/// (here the test holds the lock) for 10 s, then fails naming the lock and
/// changes nothing.
#[test]
fn second_run_waits_for_lock_then_fails() {
    let bed = testbed();
    let names = test_names(1);
    let layout = DefaultLayout::issued(&bed, &names);
    let before = layout.client.snapshot();
    let lock_path = layout.certs().join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .expect("open the lock file");
    lock.lock().expect("take the lock");
    let start = Instant::now();
    let run = layout.issue(&bed, &["-F"], &names);
    let waited = start.elapsed();
    drop(lock);
    run.expect_code(1);
    let expected = format!("another acmebox run holds {}", lock_path.display());
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        waited >= Duration::from_secs(10),
        "gave up after {waited:?}, not 10 s"
    );
    assert_eq!(layout.client.snapshot(), before, "files changed");
}

/// Token files are 0444 while the CA fetches them (as acme-client makes
/// them), so a web server running as another user can serve them; they
/// are gone afterwards.
#[cfg(unix)]
#[test]
fn token_files_are_world_readable_while_served() {
    let bed = testbed();
    let names = test_names(2);
    DefaultLayout::issued(&bed, &names);
    let modes = bed.http01_modes();
    assert!(modes.len() >= 2, "pebble fetched fewer than 2 tokens");
    let octal: Vec<String> = modes.iter().map(|m| format!("{m:o}")).collect();
    assert!(modes.iter().all(|m| *m == 0o444), "token modes: {octal:?}");
    assert!(
        entries(bed.challenge_dir()).is_empty(),
        "token files left behind"
    );
}
