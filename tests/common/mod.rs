//! Helpers shared by the integration tests that run the `acmebox` binary:
//! a scratch layout of key and certificate directories, running the binary
//! against a testbed, snapshots of directories, and openssl checks made
//! independently of acmebox's own parsing.
#![allow(dead_code)]

#[cfg(unix)]
pub mod accountd;
#[cfg(target_os = "linux")]
pub mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testbed::Testbed;

/// The lock file every run creates in the certificate directory and keeps
/// (empty): [`snapshot`] leaves it out.
pub const LOCK_FILE: &str = ".acmebox.lock";

/// The record of the ACME directory the certificates came through,
/// installed with them: the directory URL and a newline.
pub const DIRECTORY_RECORD: &str = ".acmebox-directory";

/// A scratch place for one client: `keys/account/account.pem`,
/// `keys/domain/domain.pem` and `certs/`. Each key has a directory of its
/// own, so no stage's writable grant (`-n`, `-N`) reaches the other key.
pub struct Client {
    _dir: tempfile::TempDir,
    /// Holds `account/` and `domain/`, one directory per key.
    pub keys: PathBuf,
    /// Where cert.pem, chain.pem and fullchain.pem go.
    pub certs: PathBuf,
}

impl Client {
    /// Empty key and certificate directories.
    pub fn new() -> Client {
        let dir = tempfile::tempdir().expect("temporary directory");
        let keys = dir.path().join("keys");
        let certs = dir.path().join("certs");
        for d in [keys.join("account"), keys.join("domain"), certs.clone()] {
            std::fs::create_dir_all(&d).expect("scratch dir");
        }
        Client {
            _dir: dir,
            keys,
            certs,
        }
    }

    /// The account key file, alone in its directory.
    pub fn account_key(&self) -> PathBuf {
        self.keys.join("account").join("account.pem")
    }

    /// The domain key file, alone in its directory.
    pub fn domain_key(&self) -> PathBuf {
        self.keys.join("domain").join("domain.pem")
    }

    /// The options naming this client's files, the directory URL and the
    /// testbed's CA and challenge directory.
    pub fn args(&self, bed: &Testbed, directory: &str) -> Vec<String> {
        self.args_via(directory, bed.ca_file(), bed.challenge_dir())
    }

    /// The options naming this client's files, the directory URL, the
    /// trust anchors of the server at that URL (e.g. a testbed `Interposer`
    /// in front of pebble) and the challenge directory.
    pub fn args_via(&self, directory: &str, ca_file: &Path, challenge_dir: &Path) -> Vec<String> {
        let path = |p: &Path| p.display().to_string();
        vec![
            "--directory".into(),
            directory.into(),
            "--ca-file".into(),
            path(ca_file),
            "-C".into(),
            path(challenge_dir),
            "-c".into(),
            path(&self.certs),
            "-f".into(),
            path(&self.account_key()),
            "-k".into(),
            path(&self.domain_key()),
        ]
    }

    /// The options naming this client's files and `directory`, without a
    /// testbed: no `--ca-file`, the challenge directory is `certs/` (for runs
    /// that must stop before any stage writes, and for `grants`).
    pub fn args_offline(&self, directory: &str) -> Vec<String> {
        let path = |p: &Path| p.display().to_string();
        vec![
            "--directory".into(),
            directory.into(),
            "-C".into(),
            path(&self.certs),
            "-c".into(),
            path(&self.certs),
            "-f".into(),
            path(&self.account_key()),
            "-k".into(),
            path(&self.domain_key()),
        ]
    }

    /// Run acmebox with `flags`, this client's options against `bed`'s
    /// directory, and `names`.
    pub fn issue(&self, bed: &Testbed, flags: &[&str], names: &[String]) -> Run {
        self.issue_at(bed, &bed.directory_url(), flags, names)
    }

    /// As [`Client::issue`], with another directory URL.
    pub fn issue_at(
        &self,
        bed: &Testbed,
        directory: &str,
        flags: &[&str],
        names: &[String],
    ) -> Run {
        let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        args.extend(self.args(bed, directory));
        args.extend(names.iter().cloned());
        acmebox(&args)
    }

    /// Every file in both key directories and the certificate directory,
    /// with its bytes.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut all = snapshot(&self.keys.join("account"));
        all.extend(snapshot(&self.keys.join("domain")));
        all.extend(snapshot(&self.certs));
        all
    }
}

/// The installed certificate verifies against pebble's root through the
/// installed chain, carries exactly `names`, and certifies the domain key;
/// fullchain.pem is cert.pem + chain.pem; the directory record names `bed`'s
/// directory; all four are 0444; no token file is left.
pub fn assert_installed(bed: &Testbed, client: &Client, names: &[String]) {
    assert_installed_at(bed, client, names, &bed.directory_url());
}

/// As [`assert_installed`], for a certificate that came through the ACME
/// directory `directory` (e.g. a testbed `Interposer`'s, in front of `bed`).
pub fn assert_installed_at(bed: &Testbed, client: &Client, names: &[String], directory: &str) {
    let root = client.keys.parent().expect("scratch dir").join("root.pem");
    std::fs::write(&root, bed.root_pem().expect("pebble root")).expect("write root");
    let cert = client.certs.join("cert.pem");
    let chain = client.certs.join("chain.pem");
    let verified = openssl(&[
        "verify",
        "-CAfile",
        &root.display().to_string(),
        "-untrusted",
        &chain.display().to_string(),
        &cert.display().to_string(),
    ]);
    assert!(verified.trim_end().ends_with(": OK"), "{verified}");

    let mut want = names.to_vec();
    want.sort();
    assert_eq!(cert_names(&cert), want);
    assert_eq!(cert_public_key(&cert), key_public_key(&client.domain_key()));

    let read = |name: &str| std::fs::read_to_string(client.certs.join(name)).expect(name);
    assert_eq!(read("fullchain.pem"), read("cert.pem") + &read("chain.pem"));
    assert_eq!(read(DIRECTORY_RECORD), format!("{directory}\n"));
    #[cfg(unix)]
    {
        for file in ["cert.pem", "chain.pem", "fullchain.pem", DIRECTORY_RECORD] {
            assert_eq!(mode(&client.certs.join(file)), 0o444, "{file}");
        }
        assert_eq!(mode(&client.account_key()), 0o600);
        assert_eq!(mode(&client.domain_key()), 0o600);
    }
    let left: Vec<_> = std::fs::read_dir(bed.challenge_dir())
        .expect("challenge dir")
        .collect();
    assert!(left.is_empty(), "token files left behind: {left:?}");
}

/// The outcome of one run of the binary.
pub struct Run {
    /// Exit status (None if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panic with the output unless the exit status is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit status {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Run the acmebox binary with `args` (and `-v`, so failures show steps).
pub fn acmebox<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_acmebox"))
        .args(args)
        .env_clear()
        .output()
        .expect("run acmebox");
    Run::from(out)
}

/// Run the acmebox binary with `args` and only the environment variables
/// `env` (the rest is cleared, as in [`acmebox`]): for `HTTPS_PROXY`,
/// `NO_PROXY`, `SSL_CERT_FILE`.
pub fn acmebox_env<S: AsRef<std::ffi::OsStr>>(args: &[S], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_acmebox"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("run acmebox");
    Run::from(out)
}

/// `args` without the option `flag` and its value (e.g. `--ca-file FILE`).
pub fn without(args: &[String], flag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
        } else if arg == flag {
            skip = true;
        } else {
            out.push(arg.clone());
        }
    }
    out
}

/// Every regular file under `dir` (not recursing), with its bytes, except
/// the lock file ([`LOCK_FILE`]).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_file() && !path.ends_with(LOCK_FILE) {
            let bytes = std::fs::read(&path).expect("read file");
            files.insert(path, bytes);
        }
    }
    files
}

/// Run openssl with `args`; panic with its stderr if it fails.
pub fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("run openssl (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The DNS names of the certificate in `cert`, sorted, read by openssl.
pub fn cert_names(cert: &Path) -> Vec<String> {
    let text = openssl(&["x509", "-in", &s(cert), "-noout", "-ext", "subjectAltName"]);
    let mut names: Vec<String> = text
        .split([',', '\n'])
        .filter_map(|part| part.trim().strip_prefix("DNS:"))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

/// The serial number of the certificate in `cert`, read by openssl.
pub fn cert_serial(cert: &Path) -> String {
    openssl(&["x509", "-in", &s(cert), "-noout", "-serial"])
        .trim()
        .to_string()
}

/// Whether the certificate in `cert` expires within `seconds` from now, by openssl's
/// `-checkend`.
pub fn expires_within(cert: &Path, seconds: u64) -> bool {
    let out = Command::new("openssl")
        .args(["x509", "-in", &s(cert), "-noout", "-checkend"])
        .arg(seconds.to_string())
        .output()
        .expect("run openssl (scripts/setup installs it)");
    // 0: will not expire within `seconds`; 1: will.
    match out.status.code() {
        Some(0) => false,
        Some(1) => true,
        other => panic!(
            "openssl x509 -checkend exited with {other:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The public key of the certificate, PEM, read by openssl.
pub fn cert_public_key(cert: &Path) -> String {
    openssl(&["x509", "-in", &s(cert), "-noout", "-pubkey"])
}

/// The public half of the private key in `key`, PEM, read by openssl.
pub fn key_public_key(key: &Path) -> String {
    openssl(&["pkey", "-in", &s(key), "-pubout"])
}

/// The permission bits of `path`.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// An acme-client.conf(5) `authority pebble` block for `bed`: its directory
/// URL, its CA file, and `account_key`; a line each, for the configuration
/// files the tests write.
pub fn authority(bed: &Testbed, account_key: &Path) -> String {
    format!(
        "authority pebble {{\n\
         \tapi url \"{}\"\n\
         \taccount key \"{}\"\n\
         \tca file \"{}\"\n\
         }}\n",
        bed.directory_url(),
        account_key.display(),
        bed.ca_file().display()
    )
}

/// Run `f`, a whole run of the library's flows, on a thread of its own:
/// a run restricts the thread it runs on with Landlock before its first
/// request (host/src/landlock.rs), for good, so the test's own thread
/// keeps its rights for what it checks afterwards (openssl, other files).
pub fn on_own_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// acmebox with `args`, then `bed`'s directory URL and trust anchors
/// (`--directory`, `--ca-file`): for the commands that only talk to the
/// server (`account`, `directory`).
pub fn against(bed: &Testbed, args: &[String]) -> Run {
    let mut args = args.to_vec();
    args.extend([
        "--directory".into(),
        bed.directory_url(),
        "--ca-file".into(),
        bed.ca_file().display().to_string(),
    ]);
    acmebox(&args)
}

/// Options for `client` that never reach a server (none is running).
pub fn offline_args(client: &Client, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.extend(
        [
            "--directory",
            "https://localhost:9/dir",
            "-C",
            &client.certs.display().to_string(),
            "-c",
            &client.certs.display().to_string(),
            "-f",
            &client.account_key().display().to_string(),
            "-k",
            &client.domain_key().display().to_string(),
        ]
        .map(String::from),
    );
    args
}

/// Panic unless `run` exited 1 with `needle` in its standard error.
#[track_caller]
pub fn fails_with(run: &Run, needle: &str) {
    run.expect_code(1);
    assert!(
        run.stderr.contains(needle),
        "stderr should mention {needle:?}: {}",
        run.stderr
    );
}
