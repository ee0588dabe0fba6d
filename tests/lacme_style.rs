//! The README's lacme-style set-up ("A lacme-style set-up"), run against
//! pebble as the README writes it: the account key held by `acmebox
//! accountd` on a socket in a 0700 directory, a configuration file whose
//! domain block has `notify` reloading the service that serves the
//! certificate, and the run with `--account-socket` and `--http-listen`.
//! What differs from the README: pebble connects to the responder's port
//! directly (the README's nginx would proxy /.well-known/acme-challenge/ to
//! it), the daemon runs as the test's user, and the "service" is a shell
//! that, on SIGHUP, copies the full chain it serves.

#![cfg(unix)]

mod common;

use common::accountd::{assert_no_key_in, socket_dir, Daemon, PATIENCE};
use common::acmebox;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testbed::{test_names, Testbed};

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// A stand-in for the web server: on SIGHUP (its reload) it copies the full
/// chain it serves into `served.pem` and adds a line to `reloads`.
struct Service {
    child: Child,
    dir: PathBuf,
}

impl Service {
    /// Start it in `dir`, serving `fullchain`; return once its trap is set.
    fn start(dir: &Path, fullchain: &Path) -> Service {
        let script = "trap 'cp \"$1\" served.pem; echo reloaded >> reloads' HUP; \
                      : > ready; while :; do sleep 1 & wait $!; done";
        let child = Command::new("sh")
            .args(["-c", script, "service", &s(fullchain)])
            .current_dir(dir)
            .stdin(Stdio::null())
            .spawn()
            .expect("start the service");
        let start = Instant::now();
        while !dir.join("ready").exists() {
            assert!(start.elapsed() < PATIENCE, "the service did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Service {
            child,
            dir: dir.to_path_buf(),
        }
    }

    /// How many times it reloaded: waits up to [`PATIENCE`] for `at_least`
    /// (a signal is delivered after `kill` returns), then counts.
    fn reloads(&self, at_least: usize) -> usize {
        let count = || {
            std::fs::read_to_string(self.dir.join("reloads"))
                .map(|t| t.lines().count())
                .unwrap_or(0)
        };
        let start = Instant::now();
        while count() < at_least && start.elapsed() < PATIENCE {
            std::thread::sleep(Duration::from_millis(20));
        }
        count()
    }

    /// What it serves since its last reload.
    fn served(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("served.pem")).expect("served.pem after a reload")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The README's configuration file for `bed`, in `root`: one authority and
/// one domain (two names) with `notify "kill -HUP PID"`.
fn config(bed: &Testbed, root: &Path, names: &[String], pid: u32) -> PathBuf {
    let text = format!(
        "{authority}domain www {{\n\
         \tdomain name {name}\n\
         \talternative names {{ {alt} }}\n\
         \tdomain key \"{root}/private/www.key\"\n\
         \tdomain full chain certificate \"{root}/www.fullchain.pem\"\n\
         \tsign with pebble\n\
         \tnotify \"kill -HUP {pid}\"\n\
         }}\n",
        authority = common::authority(bed, &root.join("unused/account.pem")),
        root = s(root),
        name = names[0],
        alt = names[1],
    );
    std::fs::create_dir_all(root.join("private")).expect("private dir");
    let path = root.join("acmebox.conf");
    std::fs::write(&path, text).expect("config");
    path
}

#[test]
fn accountd_on_a_socket_the_responder_on_a_port_and_notify_reloading_a_service() {
    let bed = Testbed::builder()
        .no_http01_server()
        .start()
        .expect("start pebble (run scripts/setup first)");
    let tree = tempfile::tempdir().expect("tempdir");
    let root = tree.path();
    let names = test_names(2);

    // 1. The account key, in the daemon's directory, never the client's.
    let run_dir = socket_dir();
    let socket = run_dir.path().join("accountd.sock");
    let key_dir = socket_dir();
    let key = key_dir.path().join("account.pem");
    let daemon = Daemon::start(&socket, &["-n", "-f", &s(&key)]);

    // 2. The service that serves the certificate, and the file naming it.
    let fullchain = root.join("www.fullchain.pem");
    let service = Service::start(root, &fullchain);
    let conf = config(&bed, root, &names, service.child.id());

    // 3. The run, as cron would start it (-N: the domain key is made once).
    let listen = format!("127.0.0.1:{}", bed.http01_port());
    let args = [
        "-N",
        "--config",
        &s(&conf),
        "--account-socket",
        &s(&socket),
        "--http-listen",
        &listen,
    ];
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(run.stderr.contains("www: installed"), "{}", run.stderr);
    assert!(
        !root.join("unused").exists(),
        "the file's account key was made"
    );

    // The chain verifies against pebble's root, for both names.
    let chain = s(&fullchain);
    let anchor = root.join("pebble-root.pem");
    std::fs::write(&anchor, bed.root_pem().expect("pebble's root")).expect("root file");
    let verified = common::openssl(&[
        "verify",
        "-CAfile",
        &s(&anchor),
        "-untrusted",
        &chain,
        &chain,
    ]);
    assert!(verified.contains(": OK"), "{verified}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(common::cert_names(&fullchain), sorted);

    // The service reloaded once, and serves what was installed.
    assert_eq!(service.reloads(1), 1);
    assert_eq!(
        service.served(),
        std::fs::read(&fullchain).expect("fullchain")
    );

    // The responder's port is free again.
    assert!(
        std::net::TcpListener::bind(&listen).is_ok(),
        "{listen} still taken"
    );

    // 4. The next run: up to date, exit 2, no reload.
    let again = acmebox(&args);
    again.expect_code(2);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(service.reloads(1), 1, "a reload without a new certificate");

    // The daemon signed the run's requests and logged no key.
    let (status, log) = daemon.stop();
    assert!(status.success(), "{status}: {log}");
    assert!(log.contains(": sign newOrder "), "{log}");
    assert!(log.contains(": sign finalize "), "{log}");
    assert_no_key_in(&log, &key);
    assert_no_key_in(&run.stderr, &key);
}
