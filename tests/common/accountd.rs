//! A running `acmebox accountd --socket` for the tests that sign through
//! one (tests/accountd.rs, tests/lacme_style.rs), and the check that what
//! it logged never holds the account key.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bound on waiting for the daemon to start or stop (catches hangs only).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A running `acmebox accountd`, its standard error collected as it comes.
pub struct Daemon {
    child: Child,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Daemon {
    /// Start `acmebox accountd --socket SOCKET` with `args`; return once
    /// the socket exists (panicking with its log if it exits first).
    pub fn start(socket: &Path, args: &[&str]) -> Daemon {
        let mut child = Command::new(env!("CARGO_BIN_EXE_acmebox"))
            .arg("accountd")
            .arg("--socket")
            .arg(socket)
            .args(args)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start acmebox accountd");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut daemon = Daemon {
            child,
            log,
            reader: Some(reader),
        };
        let start = Instant::now();
        while !socket.exists() {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!(
                    "accountd exited ({status}) before listening:\n{}",
                    daemon.log()
                );
            }
            assert!(start.elapsed() < PATIENCE, "no socket:\n{}", daemon.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Send SIGTERM and wait for it to exit: its status and whole log.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(start.elapsed() < PATIENCE, "accountd ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stderr reader");
        }
        (status, self.log())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A directory only its owner can write to, for sockets.
pub fn socket_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("socket dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    dir
}

/// The private scalar of the EC key in `key`, as openssl prints it, in hex
/// and as the JWK's base64url `d`: neither may ever be logged.
pub fn private_parts(key: &Path) -> (String, String) {
    let text = super::openssl(&["pkey", "-in", &key.display().to_string(), "-noout", "-text"]);
    let hex: String = text
        .lines()
        .skip_while(|l| !l.starts_with("priv:"))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .flat_map(|l| l.trim().split(':'))
        .collect();
    assert!(hex.len() >= 64, "no private scalar in:\n{text}");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    // openssl may print a leading zero byte; the JWK's d is 32 bytes.
    let d = acmebox::validate::base64url(&bytes[bytes.len() - 32..]);
    (hex, d)
}

/// `log` (the daemon's, or a run's) never holds the key in `key`: no PEM
/// label, no private scalar, no line of the key file.
pub fn assert_no_key_in(log: &str, key: &Path) {
    let (hex, d) = private_parts(key);
    assert!(!log.contains("PRIVATE"), "{log}");
    assert!(!log.contains(&d), "the key's d was logged:\n{log}");
    assert!(!log.contains(&hex), "the private scalar was logged:\n{log}");
    let pem = std::fs::read_to_string(key).expect("key");
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !log.contains(line),
            "a line of the key file was logged:\n{log}"
        );
    }
}
