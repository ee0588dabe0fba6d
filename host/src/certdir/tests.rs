//! certdir.rs on a real directory: what `read` refuses to read through,
//! what `publish` refuses to install, and what `remove_stale` removes
//! without following.

use super::*;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

/// A scratch certificate directory, locked, and a file outside it standing
/// for the domain key.
struct Scratch {
    _tmp: tempfile::TempDir,
    key: PathBuf,
    certdir: CertDir,
}

const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n";

impl Scratch {
    fn new() -> Scratch {
        let tmp = tempfile::tempdir().expect("temp dir");
        let certs = tmp.path().join("certs");
        std::fs::create_dir_all(certs.join("private")).expect("certs/private");
        let key = certs.join("private").join("privkey.pem");
        std::fs::write(&key, KEY).expect("key");
        let certdir = CertDir::lock(&certs).expect("lock");
        Scratch {
            _tmp: tmp,
            key,
            certdir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.certdir.path().join(name)
    }

    fn read(&self, name: &str) -> Existing {
        self.certdir.read(name).expect("read")
    }

    #[track_caller]
    fn assert_key_intact(&self) {
        assert_eq!(std::fs::read(&self.key).expect("key"), KEY, "key bytes");
        let meta = std::fs::symlink_metadata(&self.key).expect("key");
        assert_eq!(meta.mode() & 0o777, 0o644, "key mode");
        assert_eq!(meta.nlink(), 1, "key links");
    }
}

#[track_caller]
fn assert_not_regular(found: Existing, why: &str) {
    match found {
        Existing::NotRegular(w) => assert!(w.contains(why), "{w:?} should say {why:?}"),
        other => panic!("expected NotRegular({why}), got {other:?}"),
    }
}

#[test]
fn read_returns_a_plain_file_and_absent() {
    let s = Scratch::new();
    std::fs::write(s.path("cert.pem"), b"pem").expect("write");
    assert_eq!(s.read("cert.pem"), Existing::Regular(b"pem".to_vec()));
    assert_eq!(s.read("chain.pem"), Existing::Absent);
}

#[test]
fn read_of_symlink_is_not_regular() {
    let s = Scratch::new();
    symlink("private/privkey.pem", s.path("cert.pem")).expect("symlink");
    assert_not_regular(s.read("cert.pem"), "symbolic link");
    symlink("nowhere", s.path("dangling.pem")).expect("symlink");
    assert_not_regular(s.read("dangling.pem"), "symbolic link");
}

#[test]
fn read_of_hard_link_is_not_regular() {
    let s = Scratch::new();
    std::fs::hard_link(&s.key, s.path("cert.pem")).expect("hard link");
    assert_not_regular(s.read("cert.pem"), "hard-linked (2 links)");
}

#[test]
fn read_of_fifo_is_not_regular_and_does_not_block() {
    let s = Scratch::new();
    let made = std::process::Command::new("mkfifo")
        .arg(s.path("cert.pem"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    assert_not_regular(s.read("cert.pem"), "not a regular file");
    std::fs::create_dir(s.path("chain.pem")).expect("mkdir");
    assert_not_regular(s.read("chain.pem"), "not a regular file");
}

#[test]
fn read_of_too_large_file_is_not_regular() {
    let s = Scratch::new();
    let big = vec![b'A'; MAX_READ as usize + 1];
    std::fs::write(s.path("cert.pem"), big).expect("write");
    assert_not_regular(s.read("cert.pem"), "too large");
}

/// Stage cert.pem and chain.pem as file-writer would, then let `spoil`
/// change the staging directory; publish must refuse with `why` and install
/// nothing.
#[track_caller]
fn publish_refuses(spoil: impl FnOnce(&Scratch, &Path), why: &str) {
    let s = Scratch::new();
    std::fs::write(s.path("cert.pem"), b"old cert").expect("old cert");
    let mut staging = s.certdir.staging().expect("staging");
    let stage = staging.path();
    std::fs::write(stage.join("cert.pem"), b"new cert").expect("stage cert");
    std::fs::write(stage.join("chain.pem"), b"new chain").expect("stage chain");
    spoil(&s, &stage);
    let err = s
        .certdir
        .publish(
            &mut staging,
            &[("cert.pem", &b"new cert"[..]), ("chain.pem", b"new chain")],
        )
        .expect_err("publish must refuse");
    let text = err.to_string();
    assert!(
        text.contains("file-writer did not write what was asked"),
        "{text}"
    );
    assert!(text.contains(why), "{text} should say {why:?}");
    assert!(text.contains("nothing was installed"), "{text}");
    assert_eq!(
        std::fs::read(s.path("cert.pem")).expect("cert"),
        b"old cert"
    );
    assert!(!s.path("chain.pem").exists(), "chain.pem was installed");
    drop(staging);
    assert!(!stage.exists(), "the staging directory is removed");
    s.assert_key_intact();
}

#[test]
fn publish_refuses_symlink() {
    publish_refuses(
        |_, stage| {
            std::fs::remove_file(stage.join("chain.pem")).expect("rm");
            symlink("../private/privkey.pem", stage.join("chain.pem")).expect("symlink");
        },
        "chain.pem: file-writer did not write what was asked (a symbolic link)",
    );
}

#[test]
fn publish_refuses_hard_link() {
    publish_refuses(
        |s, stage| {
            std::fs::remove_file(stage.join("chain.pem")).expect("rm");
            std::fs::hard_link(&s.key, stage.join("chain.pem")).expect("link");
        },
        "hard-linked (2 links)",
    );
}

#[test]
fn publish_refuses_wrong_size() {
    publish_refuses(
        |_, stage| std::fs::write(stage.join("chain.pem"), b"longer chain").expect("write"),
        "12 bytes, not 9",
    );
}

#[test]
fn publish_refuses_other_bytes_of_the_right_size() {
    publish_refuses(
        |_, stage| std::fs::write(stage.join("chain.pem"), b"old chain").expect("write"),
        "chain.pem: file-writer did not write what was asked (other bytes than those asked for)",
    );
}

#[test]
fn publish_refuses_missing_file() {
    publish_refuses(
        |_, stage| std::fs::remove_file(stage.join("chain.pem")).expect("rm"),
        "chain.pem: file-writer did not write what was asked (missing)",
    );
}

#[test]
fn publish_renames_over_links_without_following_them() {
    let s = Scratch::new();
    symlink("private/privkey.pem", s.path("cert.pem")).expect("symlink");
    std::fs::hard_link(&s.key, s.path("chain.pem")).expect("hard link");
    let mut staging = s.certdir.staging().expect("staging");
    let stage = staging.path();
    let meta = std::fs::symlink_metadata(&stage).expect("stage");
    assert_eq!(meta.mode() & 0o777, 0o700, "staging directory mode");
    std::fs::write(stage.join("cert.pem"), b"new cert").expect("stage cert");
    std::fs::write(stage.join("chain.pem"), b"new chain").expect("stage chain");
    s.certdir
        .publish(
            &mut staging,
            &[("cert.pem", &b"new cert"[..]), ("chain.pem", b"new chain")],
        )
        .expect("publish");
    let committed = staging.path();
    assert_eq!(
        committed.display().to_string(),
        format!("{}{COMMITTED}", stage.display()),
        "published from the committed directory"
    );
    staging.remove().expect("remove staging");
    assert!(!stage.exists());
    assert!(!committed.exists());
    for (name, bytes) in [("cert.pem", &b"new cert"[..]), ("chain.pem", b"new chain")] {
        let meta = std::fs::symlink_metadata(s.path(name)).expect(name);
        assert!(meta.file_type().is_file(), "{name} is a regular file");
        assert_eq!(meta.nlink(), 1, "{name} links");
        assert_eq!(meta.permissions().mode() & 0o777, 0o444, "{name} mode");
        assert_eq!(std::fs::read(s.path(name)).expect(name), bytes);
    }
    s.assert_key_intact();
}

#[test]
fn seal_makes_a_plain_file_read_only_and_refuses_links() {
    let s = Scratch::new();
    std::fs::write(s.path("token"), b"key-authz").expect("token");
    seal(&s.certdir.dir, "token", b"key-authz").expect("seal");
    let mode = std::fs::metadata(s.path("token")).expect("token").mode();
    assert_eq!(mode & 0o777, 0o444);
    symlink("private/privkey.pem", s.path("link")).expect("symlink");
    assert_eq!(
        seal(&s.certdir.dir, "link", KEY),
        Err("a symbolic link".into())
    );
    s.assert_key_intact();
}

#[test]
fn remove_stale_removes_staging_and_legacy_names_without_following() {
    let s = Scratch::new();
    let outside = s._tmp.path().join("outside");
    std::fs::create_dir(&outside).expect("outside");
    std::fs::write(outside.join("keep"), b"keep").expect("keep");
    let stale = s.path(".acmebox-stage-0123456789abcdef");
    std::fs::create_dir_all(stale.join("sub")).expect("stale stage");
    std::fs::write(stale.join("cert.pem"), b"x").expect("stale file");
    symlink(&outside, stale.join("out")).expect("symlink to a directory");
    symlink(&outside, s.path(".acmebox-stage-link")).expect("symlink as a stage");
    symlink("private/privkey.pem", s.path(".cert.pem.acmebox-tmp")).expect("legacy link");
    std::fs::hard_link(&s.key, s.path(".chain.pem.acmebox-tmp")).expect("legacy hard link");
    assert!(s.certdir.remove_stale().is_empty());
    let left: Vec<_> = std::fs::read_dir(s.certdir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        left.len(),
        2,
        "only private/ and the lock are left: {left:?}"
    );
    assert_eq!(std::fs::read(outside.join("keep")).expect("keep"), b"keep");
    s.assert_key_intact();
}

#[test]
fn a_second_lock_waits_then_fails_naming_the_lock() {
    let s = Scratch::new();
    let start = Instant::now();
    let err = match CertDir::lock_within(s.certdir.path(), Duration::from_millis(300)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a second lock was granted"),
    };
    assert!(start.elapsed() >= Duration::from_millis(300));
    let lock = s.path(LOCK_FILE).display().to_string();
    assert!(
        err.contains(&format!("another acmebox run holds {lock}")),
        "{err}"
    );
}

#[test]
fn lock_file_symlink_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("target"), b"t").expect("target");
    symlink("target", tmp.path().join(LOCK_FILE)).expect("symlink");
    let err = match CertDir::lock(tmp.path()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("locked through a symlink"),
    };
    assert!(err.contains("a symbolic link"), "{err}");
}

#[test]
fn remove_unlinks_by_name_without_following_links() {
    let s = Scratch::new();
    std::fs::write(s.path("cert.pem"), b"cert").expect("cert.pem");
    symlink(&s.key, s.path("fullchain.pem")).expect("symlink");
    std::fs::create_dir(s.path("chain.pem")).expect("a directory");
    assert_eq!(s.certdir.remove("cert.pem").ok(), Some(true));
    assert_eq!(s.read("cert.pem"), Existing::Absent);
    assert_eq!(s.certdir.remove("fullchain.pem").ok(), Some(true));
    assert!(std::fs::symlink_metadata(s.path("fullchain.pem")).is_err());
    s.assert_key_intact();
    assert_eq!(s.certdir.remove("cert.pem").ok(), Some(false), "absent");
    let err = s.certdir.remove("chain.pem").expect_err("a directory");
    assert!(err.to_string().contains("a directory"), "{err}");
    assert!(s.path("chain.pem").is_dir());
}

/// The entries of the certificate directory other than private/ and the
/// lock, sorted.
fn listing(s: &Scratch) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(s.certdir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "private" && n != LOCK_FILE)
        .collect();
    names.sort();
    names
}

/// Old cert.pem and chain.pem installed, new ones staged, listed and
/// committed, then cert.pem renamed into place: the state a run killed
/// between the two renames leaves. Returns the committed directory.
fn stopped_between_renames(s: &Scratch) -> PathBuf {
    std::fs::write(s.path("cert.pem"), b"old cert").expect("old cert");
    std::fs::write(s.path("chain.pem"), b"old chain").expect("old chain");
    let mut staging = s.certdir.staging().expect("staging");
    std::fs::write(staging.path().join("cert.pem"), b"new cert").expect("stage cert");
    std::fs::write(staging.path().join("chain.pem"), b"new chain").expect("stage chain");
    commit::write_manifest(&staging, &["cert.pem", "chain.pem"]).expect("manifest");
    commit::commit(&s.certdir, &mut staging).expect("commit");
    let committed = staging.path();
    std::fs::rename(committed.join("cert.pem"), s.path("cert.pem")).expect("first rename");
    drop(staging);
    assert!(committed.is_dir(), "a committed directory outlives its run");
    committed
}

#[test]
fn remove_stale_finishes_an_install_stopped_between_renames() {
    let s = Scratch::new();
    let committed = stopped_between_renames(&s);
    assert_eq!(
        std::fs::read(s.path("chain.pem")).expect("chain"),
        b"old chain"
    );
    let warnings = s.certdir.remove_stale();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "finished the install an earlier run was stopped in: chain.pem renamed into"
        ),
        "{}",
        warnings[0]
    );
    for (name, bytes) in [("cert.pem", &b"new cert"[..]), ("chain.pem", b"new chain")] {
        assert_eq!(std::fs::read(s.path(name)).expect(name), bytes, "{name}");
    }
    assert!(!committed.exists());
    assert_eq!(listing(&s), ["cert.pem", "chain.pem"]);
    assert!(s.certdir.remove_stale().is_empty(), "nothing left to do");
    s.assert_key_intact();
}

#[test]
fn remove_stale_discards_a_listed_but_uncommitted_stage() {
    let s = Scratch::new();
    std::fs::write(s.path("cert.pem"), b"old cert").expect("old cert");
    let staging = s.certdir.staging().expect("staging");
    std::fs::write(staging.path().join("cert.pem"), b"new cert").expect("stage cert");
    commit::write_manifest(&staging, &["cert.pem"]).expect("manifest");
    std::mem::forget(staging);
    assert!(s.certdir.remove_stale().is_empty());
    assert_eq!(listing(&s), ["cert.pem"]);
    assert_eq!(
        std::fs::read(s.path("cert.pem")).expect("cert"),
        b"old cert"
    );
}

#[test]
fn an_install_that_cannot_be_finished_blocks_the_next_install() {
    let s = Scratch::new();
    let committed = stopped_between_renames(&s);
    std::fs::remove_file(committed.join("chain.pem")).expect("rm");
    symlink("../private/privkey.pem", committed.join("chain.pem")).expect("symlink");
    let warnings = s.certdir.remove_stale();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("cannot finish the install an earlier run was stopped in")
            && warnings[0].contains("chain.pem"),
        "{}",
        warnings[0]
    );
    assert!(committed.is_dir(), "left for the user");
    let err = s.certdir.staging().err().expect("staging refused");
    assert!(err.to_string().contains("left unfinished here"), "{err}");
    s.assert_key_intact();
}

#[test]
fn a_rename_that_fails_after_the_commit_leaves_the_rest_for_the_next_run() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("chain.pem")).expect("a directory in the way");
    std::fs::write(s.path("chain.pem").join("x"), b"x").expect("not empty");
    let mut staging = s.certdir.staging().expect("staging");
    std::fs::write(staging.path().join("cert.pem"), b"new cert").expect("stage cert");
    std::fs::write(staging.path().join("chain.pem"), b"new chain").expect("stage chain");
    let err = s
        .certdir
        .publish(
            &mut staging,
            &[("cert.pem", &b"new cert"[..]), ("chain.pem", b"new chain")],
        )
        .expect_err("chain.pem is a directory");
    let committed = staging.path();
    drop(staging);
    let text = err.to_string();
    assert!(
        text.contains("cert.pem already replaced, the rest left in")
            && text.contains(COMMITTED)
            && text.contains("for the next run to install"),
        "{text}"
    );
    assert!(committed.is_dir());
    std::fs::remove_dir_all(s.path("chain.pem")).expect("clear the way");
    let warnings = s.certdir.remove_stale();
    assert!(
        warnings[0].contains("chain.pem renamed into"),
        "{warnings:?}"
    );
    assert_eq!(listing(&s), ["cert.pem", "chain.pem"]);
    assert_eq!(
        std::fs::read(s.path("chain.pem")).expect("chain"),
        b"new chain"
    );
}
