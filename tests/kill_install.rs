//! SIGKILL at every step of an installation (issue #12, "Atomic
//! installation"), against pebble. acmebox runs with
//! `ACMEBOX_TEST_STOP_AT=install:N` (host/src/stop_at.rs) and stops itself
//! with SIGSTOP at the N-th install step; the test waits until it is
//! stopped, kills it with SIGKILL and checks what is left:
//!
//! - every certificate file parses (openssl), and cert.pem, chain.pem,
//!   fullchain.pem and `.acmebox-directory`, as a set, are the old set or the
//!   new one; a mix only while the killed run's committed staging directory
//!   (`.acmebox-stage-*-committed`, host/src/certdir/commit.rs) holds the
//!   rest of the new set;
//! - the next ordinary run succeeds (exit 0 when it has to issue or finishes
//!   the killed run's install, 2 when the set was up to date), ends with the old set when the kill came before the
//!   commit and with the killed run's set when it came after (saying so when
//!   it had files left to rename), and leaves no staging directory,
//!   temporary file or stray backup.
//!
//! N runs from 1 until a run completes without stopping, so every install
//! step, including steps added later, is covered: for a first install (no
//! old files), a renewal (-F) and a renewal with backups (-F -b).

#![cfg(unix)]

mod common;

use common::{cert_names, cert_public_key, key_public_key, openssl, Client, Run};
use rustix::process::{kill_process, waitid, Pid, Signal, WaitId, WaitIdOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use testbed::{test_names, Testbed};

/// The files that must change together, in the order they are installed.
const SET: [&str; 4] = [
    "cert.pem",
    "chain.pem",
    "fullchain.pem",
    ".acmebox-directory",
];

/// Every staging directory's name starts with this.
const STAGE_PREFIX: &str = ".acmebox-stage-";

/// A committed staging directory's name ends with this.
const COMMITTED: &str = "-committed";

/// The list of files to install, in a staging directory.
const MANIFEST: &str = ".acmebox-stage-manifest";

/// How long a run may take to stop or end.
const PATIENCE: Duration = Duration::from_secs(60);

/// A set of files by name; `None` where the file is absent.
type Set = BTreeMap<&'static str, Option<Vec<u8>>>;

/// What a killed run left, as the certificate directory shows it.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Left {
    /// The old set, untouched.
    Old,
    /// The killed run's whole set, installed.
    New,
    /// Part of the killed run's set, the rest in its committed directory.
    Pending,
}

/// One kind of installation, killed at every step.
struct Scenario {
    /// Flags of the killed runs.
    killed: &'static [&'static str],
    /// Flags of the ordinary run after each kill.
    after: &'static [&'static str],
    /// Whether a certificate is installed before the first kill; else each
    /// step starts from an empty certificate directory.
    renewal: bool,
    /// Whether the installs keep backups (-b).
    backups: bool,
}

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

fn read_set(dir: &Path) -> Set {
    SET.iter()
        .map(|name| (*name, std::fs::read(dir.join(name)).ok()))
        .collect()
}

/// The entries of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `-b`'s backups in `dir` (`cert-EPOCH.pem` ...), by name.
fn backups(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    listing(dir)
        .into_iter()
        .filter(|n| {
            n.strip_suffix(".pem")
                .and_then(|n| n.rsplit_once('-'))
                .is_some_and(|(_, e)| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).expect("backup");
            (n, bytes)
        })
        .collect()
}

/// Every certificate in the PEM file `path` parses (openssl); panics
/// otherwise, naming `what`.
fn assert_parses(path: &Path, what: &str) {
    let p = path.display().to_string();
    let out = Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-certfile", &p])
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{what}: {p} does not parse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The files of a set, each where it lies (the certificate directory, or
/// the committed directory for files not yet renamed), are a whole
/// certificate for `names` and the client's domain key: cert.pem verifies
/// against pebble's root through chain.pem, fullchain.pem is cert.pem
/// followed by chain.pem, the record names pebble's directory.
fn assert_whole(
    bed: &Testbed,
    client: &Client,
    names: &[String],
    paths: &BTreeMap<&str, PathBuf>,
    what: &str,
) {
    let path = |name: &str| paths[name].display().to_string();
    for name in &SET[..3] {
        assert_parses(&paths[name], what);
    }
    let root = client.keys.parent().expect("scratch").join("root.pem");
    std::fs::write(&root, bed.root_pem().expect("pebble root")).expect("write root");
    let verified = openssl(&[
        "verify",
        "-CAfile",
        &root.display().to_string(),
        "-untrusted",
        &path("chain.pem"),
        &path("cert.pem"),
    ]);
    assert!(verified.trim_end().ends_with(": OK"), "{what}: {verified}");
    let mut want = names.to_vec();
    want.sort();
    assert_eq!(cert_names(&paths["cert.pem"]), want, "{what}");
    assert_eq!(
        cert_public_key(&paths["cert.pem"]),
        key_public_key(&client.domain_key()),
        "{what}"
    );
    let read = |name: &str| std::fs::read(&paths[name]).expect(name);
    assert!(
        read("fullchain.pem") == [read("cert.pem"), read("chain.pem")].concat(),
        "{what}: fullchain.pem is not cert.pem + chain.pem"
    );
    assert!(
        read(".acmebox-directory") == format!("{}\n", bed.directory_url()).into_bytes(),
        "{what}: .acmebox-directory does not name pebble's directory"
    );
}

/// How a run with a stopping point ended.
enum Stopped {
    /// Stopped and killed; the line it printed naming the step.
    Killed(String),
    /// It ran to its end without stopping.
    Completed(Run),
}

/// Run acmebox with `flags` and the client's options, stopping at install
/// step `n`; kill it there with SIGKILL.
fn run_stopping_at(
    bed: &Testbed,
    client: &Client,
    flags: &[&str],
    names: &[String],
    n: u32,
) -> Stopped {
    let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    args.extend(client.args(bed, &bed.directory_url()));
    args.extend(names.iter().cloned());
    let mut child = Command::new(env!("CARGO_BIN_EXE_acmebox"))
        .args(&args)
        .env_clear()
        .env("ACMEBOX_TEST_STOP_AT", format!("install:{n}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start acmebox");
    let pid = Pid::from_child(&child);
    let start = Instant::now();
    let watch = WaitIdOptions::STOPPED
        | WaitIdOptions::EXITED
        | WaitIdOptions::NOWAIT
        | WaitIdOptions::NOHANG;
    let stopped = loop {
        match waitid(WaitId::Pid(pid), watch).expect("waitid") {
            Some(status) if status.stopped() => break true,
            Some(_) => break false,
            None => {}
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("install:{n}: acmebox neither stopped nor ended within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if stopped {
        kill_process(pid, Signal::KILL).expect("SIGKILL");
    }
    let out = child.wait_with_output().expect("wait for acmebox");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !stopped {
        return Stopped::Completed(Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
        });
    }
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(9),
        "install:{n}: killed by SIGKILL"
    );
    let line = stderr
        .lines()
        .find(|l| l.contains(&format!("stopping at install:{n} (")))
        .unwrap_or_else(|| panic!("install:{n}: no line naming the step: {stderr}"))
        .to_string();
    Stopped::Killed(line)
}

/// What [`inspect`] found.
struct Found {
    /// The kind of state.
    left: Left,
    /// Unless old, the killed run's whole new set.
    new: Option<Set>,
    /// Whether the committed directory still holds a file to rename.
    unfinished: bool,
}

/// What the killed run left in the client's certificate directory, over the
/// `old` set: every file parses, and the set is old, new, or new in part
/// with the rest committed.
fn inspect(bed: &Testbed, client: &Client, names: &[String], old: &Set, step: &str) -> Found {
    let certs = &client.certs;
    let visible = read_set(certs);
    for name in &SET[..3] {
        if visible[name].is_some() {
            assert_parses(&certs.join(name), step);
        }
    }
    let staged: Vec<String> = listing(certs)
        .into_iter()
        .filter(|n| n.starts_with(STAGE_PREFIX))
        .collect();
    let committed: Vec<&String> = staged.iter().filter(|n| n.ends_with(COMMITTED)).collect();
    assert!(
        committed.len() <= 1,
        "{step}: several committed: {staged:?}"
    );
    let Some(committed) = committed.first().map(|c| certs.join(c)) else {
        if visible == *old {
            return Found {
                left: Left::Old,
                new: None,
                unfinished: false,
            };
        }
        let paths = SET.iter().map(|n| (*n, certs.join(n))).collect();
        assert!(
            SET.iter().all(|n| visible[n].is_some()),
            "{step}: a set neither old nor whole, and nothing committed: {:?}",
            SET.iter()
                .filter(|n| visible[*n].is_none())
                .collect::<Vec<_>>()
        );
        assert_whole(
            bed,
            client,
            names,
            &paths,
            &format!("{step}: mixed set, nothing committed"),
        );
        assert!(
            visible["cert.pem"] != old["cert.pem"],
            "{step}: cert.pem old, others new"
        );
        return Found {
            left: Left::New,
            new: Some(visible),
            unfinished: false,
        };
    };
    // Committed: the manifest lists the set (after any backups), and the
    // committed directory holds nothing it does not list.
    let manifest = std::fs::read_to_string(committed.join(MANIFEST)).expect("manifest");
    let listed: Vec<&str> = manifest.lines().collect();
    assert!(listed.ends_with(&SET), "{step}: manifest {listed:?}");
    let staged_files: Vec<String> = listing(&committed)
        .into_iter()
        .filter(|e| e != MANIFEST)
        .collect();
    for entry in &staged_files {
        assert!(
            listed.contains(&entry.as_str()),
            "{step}: {entry} not listed"
        );
    }
    let paths: BTreeMap<&str, PathBuf> = SET
        .iter()
        .map(|n| match committed.join(n) {
            staged if staged.exists() => (*n, staged),
            _ => (*n, certs.join(n)),
        })
        .collect();
    assert_whole(
        bed,
        client,
        names,
        &paths,
        &format!("{step}: the committed set"),
    );
    let new: Set = SET
        .iter()
        .map(|n| (*n, Some(std::fs::read(&paths[n]).expect("new file"))))
        .collect();
    assert!(
        new["cert.pem"] != old["cert.pem"],
        "{step}: no new certificate"
    );
    for name in SET {
        assert!(
            visible[name] == old[name] || visible[name] == new[name],
            "{step}: {name} is neither old nor new"
        );
    }
    Found {
        left: Left::Pending,
        new: Some(new),
        unfinished: !staged_files.is_empty(),
    }
}

/// Kill `scenario`'s installation at every step; see the module
/// documentation. Returns the kinds of state seen.
fn kill_at_every_step(scenario: &Scenario) -> Vec<Left> {
    let bed = testbed();
    let names = test_names(1);
    let mut client = Client::new();
    if scenario.renewal {
        client.issue(&bed, &["-nN"], &names).expect_code(0);
    }
    let mut seen = Vec::new();
    for n in 1.. {
        if !scenario.renewal {
            client = Client::new();
        }
        let old = read_set(&client.certs);
        let old_backups = backups(&client.certs);
        if let Some(last) = old_backups.keys().filter_map(|k| epoch_of(k)).max() {
            // A backup name taken is an error: the next run's EPOCH must differ.
            while now() <= last {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let killed_flags: Vec<&str> = if scenario.renewal {
            scenario.killed.to_vec()
        } else {
            [&["-nN"][..], scenario.killed].concat()
        };
        let step = match run_stopping_at(&bed, &client, &killed_flags, &names, n) {
            Stopped::Killed(line) => line,
            Stopped::Completed(run) => {
                run.expect_code(0);
                let steps = n - 1;
                let files = SET.len() as u32 + if scenario.backups { 3 } else { 0 };
                assert!(
                    steps >= files + 5,
                    "only {steps} install steps for {files} files"
                );
                return seen;
            }
        };
        assert!(
            listing(bed.challenge_dir()).is_empty(),
            "{step}: token files left"
        );
        let Found {
            left,
            new,
            unfinished,
        } = inspect(&bed, &client, &names, &old, &step);
        seen.push(left);

        let run = client.issue(&bed, scenario.after, &names);
        let issued = !scenario.renewal && left == Left::Old;
        // Finishing the killed run's install changes files: exit 0, as an issuance.
        run.expect_code(if issued || unfinished { 0 } else { 2 });
        assert_eq!(
            run.stderr
                .contains("finished the install an earlier run was stopped in"),
            unfinished,
            "{step}: the next run says it finished the install exactly when it had to: {}",
            run.stderr
        );
        let now_set = read_set(&client.certs);
        let paths = SET.iter().map(|n| (*n, client.certs.join(n))).collect();
        assert_whole(
            &bed,
            &client,
            &names,
            &paths,
            &format!("{step}, then a run"),
        );
        match (&new, issued) {
            (Some(new), _) => assert!(now_set == *new, "{step}: not the killed run's set"),
            (None, false) => assert!(now_set == old, "{step}: the old set changed"),
            (None, true) => {}
        }

        // Nothing but the set, the lock and backups: no staging directory,
        // no temporary file; the backups are those before, and with the
        // killed run's set, its three of the old set.
        let now_backups = backups(&client.certs);
        let mut expected: Vec<String> = SET.iter().map(|n| n.to_string()).collect();
        expected.push(common::LOCK_FILE.into());
        expected.extend(now_backups.keys().cloned());
        expected.sort();
        // The renewal information record (flows/ari.rs) is written after an
        // install completes, so whether it is there depends on where the
        // kill fell; its temporary (`.acmebox-ari.tmp`) never may be.
        let listed: Vec<String> = (listing(&client.certs).into_iter())
            .filter(|n| n != ".acmebox-ari")
            .collect();
        assert_eq!(listed, expected, "{step}: left behind");
        let added: Vec<&String> = now_backups
            .keys()
            .filter(|k| !old_backups.contains_key(*k))
            .collect();
        assert!(
            old_backups
                .iter()
                .all(|(k, v)| now_backups.get(k) == Some(v)),
            "{step}: a backup changed"
        );
        if scenario.backups && new.is_some() {
            assert_eq!(added.len(), 3, "{step}: backups {added:?}");
            for name in added {
                let stem = name.split('-').next().expect("stem");
                let file = format!("{stem}.pem");
                assert!(
                    Some(&now_backups[name]) == old[file.as_str()].as_ref(),
                    "{step}: {name} is not the old {file}"
                );
            }
        } else {
            assert!(added.is_empty(), "{step}: backups {added:?}");
        }
    }
    unreachable!("the loop returns when a run completes")
}

fn epoch_of(backup: &str) -> Option<u64> {
    backup
        .strip_suffix(".pem")?
        .rsplit_once('-')?
        .1
        .parse()
        .ok()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The kills straddled the commit: some left the old set, some a set to be
/// finished by the next run, the last ones the new set.
#[track_caller]
fn assert_every_kind(seen: &[Left]) {
    for kind in [Left::Old, Left::Pending, Left::New] {
        assert!(seen.contains(&kind), "no kill left {kind:?}: {seen:?}");
    }
    let first_pending = seen.iter().position(|l| *l == Left::Pending);
    let last_old = seen.iter().rposition(|l| *l == Left::Old);
    assert!(last_old < first_pending, "old after a commit: {seen:?}");
}

#[test]
fn killed_first_install_leaves_nothing_or_the_whole_new_set() {
    let seen = kill_at_every_step(&Scenario {
        killed: &[],
        after: &[],
        renewal: false,
        backups: false,
    });
    assert_every_kind(&seen);
}

#[test]
fn killed_renewal_leaves_the_old_or_the_new_set() {
    let seen = kill_at_every_step(&Scenario {
        killed: &["-F"],
        after: &[],
        renewal: true,
        backups: false,
    });
    assert_every_kind(&seen);
}

#[test]
fn killed_renewal_with_backups_leaves_the_old_or_the_new_set() {
    let seen = kill_at_every_step(&Scenario {
        killed: &["-F", "-b"],
        after: &["-b"],
        renewal: true,
        backups: true,
    });
    assert_every_kind(&seen);
}
