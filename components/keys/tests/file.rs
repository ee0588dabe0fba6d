//! load_or_create: reading, creating atomically, refusing bad names.

use std::fs;
use std::path::PathBuf;

use keys::{load_or_create, Algorithm, KeyError, KeyType, Loaded};

/// A fresh empty directory under the target's tmp dir.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("keys-{test}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn err(result: Result<Loaded, KeyError>) -> KeyError {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn creates_once_then_reads() {
    let dir = scratch("create");
    let created = load_or_create(&dir, "privkey.pem", Some(KeyType::P256)).expect("create");
    assert!(created.created, "a new key is reported as created");
    let created = created.key;
    assert_eq!(created.algorithm(), Algorithm::Es256);
    let entries: Vec<_> = fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(entries, ["privkey.pem"], "no temporary file left behind");
    // What this covers: load_or_create's `cfg(unix)` branch, which creates
    // the file with mode 0600, in this native test build. What it does not:
    // the shipped stages are built for wasm32-wasip2, where that branch is
    // not compiled (WASI has no modes); there a new key is 0600 because the
    // host sets the umask to 077 before any stage runs. tests/e2e.rs
    // (`files_have_the_modes_of_acme_client`) checks the modes of the files
    // the real binary creates.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(dir.join("privkey.pem"))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = load_or_create(&dir, "privkey.pem", Some(KeyType::P256)).expect("read back");
    assert!(
        !again.created,
        "an existing key is reported as read, even with create"
    );
    assert_eq!(again.key.jwk(), created.jwk());
    let read_only = load_or_create(&dir, "privkey.pem", None).expect("read back");
    assert!(!read_only.created, "an existing key is reported as read");
    assert_eq!(read_only.key.jwk(), created.jwk());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn missing_without_create() {
    let dir = scratch("missing");
    let e = err(load_or_create(&dir, "privkey.pem", None));
    assert_eq!(
        e.to_string(),
        r#"key file "privkey.pem" not found (create it with -n/-N)"#
    );
    assert!(fs::read_dir(&dir).expect("list").next().is_none());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn existing_bad_key_is_not_replaced() {
    let dir = scratch("bad");
    fs::write(dir.join("privkey.pem"), "garbage").expect("write");
    let e = err(load_or_create(&dir, "privkey.pem", Some(KeyType::P256)));
    assert_eq!(e.to_string(), "not a PEM private key");
    assert_eq!(fs::read(dir.join("privkey.pem")).expect("read"), b"garbage");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn rejects_names_that_are_not_plain() {
    let dir = scratch("names");
    for name in ["", ".", "..", "../privkey.pem", "a/b", "/etc/passwd"] {
        let e = err(load_or_create(&dir, name, Some(KeyType::P256)));
        assert!(matches!(e, KeyError::InvalidName(_)), "{name:?}: {e}");
    }
    assert!(fs::read_dir(&dir).expect("list").next().is_none());
    let _ = fs::remove_dir_all(&dir);
}

/// Creating a key never follows a link planted at its name (a dangling one
/// reads as "not found"): the create fails and nothing appears at the
/// link's target.
#[cfg(unix)]
#[test]
fn create_never_follows_a_planted_link() {
    let dir = scratch("planted");
    let target = dir.join("elsewhere.pem");
    std::os::unix::fs::symlink(&target, dir.join("privkey.pem")).expect("symlink");
    let e = err(load_or_create(&dir, "privkey.pem", Some(KeyType::P256)));
    assert!(matches!(e, KeyError::Io { .. }), "{e}");
    assert!(!target.exists(), "the key was written through the link");
    let _ = fs::remove_dir_all(&dir);
}

/// `-n`/`-N` with `--key-type`: the file created holds a key of that type;
/// an existing key of another type is read, never replaced.
#[test]
fn creates_the_requested_key_type() {
    let dir = scratch("types");
    for (kind, alg) in [
        (KeyType::P256, Algorithm::Es256),
        (KeyType::P384, Algorithm::Es384),
        (KeyType::Rsa2048, Algorithm::Rs256),
    ] {
        let name = format!("{kind:?}.pem");
        let created = load_or_create(&dir, &name, Some(kind)).expect("create");
        assert!(created.created, "{kind:?}");
        assert_eq!(created.key.algorithm(), alg, "{kind:?}");
        let read = load_or_create(&dir, &name, None).expect("read back");
        assert_eq!(read.key.jwk(), created.key.jwk(), "{kind:?}");
    }
    let other = load_or_create(&dir, "P256.pem", Some(KeyType::Rsa2048)).expect("read");
    assert!(!other.created, "an existing key is kept");
    assert_eq!(other.key.algorithm(), Algorithm::Es256);
    let _ = fs::remove_dir_all(&dir);
}
