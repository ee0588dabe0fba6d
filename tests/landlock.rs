//! Landlock on Linux (host/src/landlock.rs, docs/SECURITY.md "Landlock"):
//! the host process itself, once restricted, can no longer open a file
//! outside its grants nor connect to another TCP port; a run against pebble
//! says with `-v` that it was applied, and keeps working with `--notify`
//! (started before the restriction, so not restricted) and
//! `--http-listen`; `ACMEBOX_NO_LANDLOCK=1` turns it off; `grants` shows it.
//! Each test skips, saying why, on a kernel without Landlock.
#![cfg(target_os = "linux")]

mod common;

use acmebox::landlock::{self, Access, PathRule, Plan, Status};
use common::{acmebox, acmebox_env, assert_installed, Client};
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use testbed::{test_names, Testbed};

/// Set in the child process of [`host_cannot_open_a_file_outside_the_grants_after_restricting`]:
/// `INSIDE_DIR OUTSIDE_FILE ALLOWED_PORT DENIED_PORT`.
const CHILD: &str = "ACMEBOX_TEST_LANDLOCK_CHILD";

/// The kernel's Landlock ABI, or None after printing why the test skips.
fn landlock_abi() -> Option<u8> {
    let abi = landlock::probe();
    if abi.is_none() {
        eprintln!("skipped: this kernel has no Landlock");
    }
    abi
}

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// Whether `result` failed with EACCES (what Landlock answers).
fn denied<T>(result: std::io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == ErrorKind::PermissionDenied)
}

/// The child's part: restrict this process's thread to a plan of one
/// directory and one port, as the flows do with a run's grants, then try
/// inside and outside both.
fn child(args: &str) {
    let parts: Vec<&str> = args.split(' ').collect();
    let [inside, outside, allowed, refused] = parts[..] else {
        panic!("bad {CHILD}: {args}");
    };
    let inside = Path::new(inside);
    let port = |p: &str| p.parse::<u16>().expect("a port");
    // Before: both files open, both ports connect.
    assert!(std::fs::read(outside).is_ok(), "readable before");
    let plan = Plan {
        paths: vec![PathRule {
            path: inside.to_path_buf(),
            access: Access::Install,
        }],
        tcp_connect: vec![port(allowed)],
        tcp_bind: vec![],
    };
    let status = landlock::restrict(&plan).expect("restrict");
    let Status::Applied { abi, .. } = status else {
        panic!("not applied: {status:?}");
    };
    println!("applied with ABI {abi}");
    // Outside the grant: neither read nor written nor created.
    assert!(denied(std::fs::read(outside)), "{outside} still readable");
    assert!(
        denied(std::fs::OpenOptions::new().append(true).open(outside)),
        "{outside} still writable"
    );
    let beside = Path::new(outside).with_file_name("new-file");
    assert!(denied(std::fs::write(&beside, b"x")), "created beside it");
    assert!(denied(std::fs::read("/etc/passwd")), "/etc/passwd readable");
    assert!(denied(std::fs::read_dir("/")), "/ listable");
    // Nothing can be executed.
    assert!(
        denied(Command::new("/bin/true").status()),
        "/bin/true still runs"
    );
    // Inside: what the certificate directory needs.
    let file = inside.join("cert.pem");
    std::fs::write(&file, b"inside").expect("write inside");
    assert_eq!(std::fs::read(&file).expect("read inside"), b"inside");
    let stage = inside.join(".acmebox-stage-0");
    std::fs::create_dir(&stage).expect("make a directory inside");
    std::fs::rename(&file, stage.join("cert.pem")).expect("move between directories inside");
    std::fs::remove_file(stage.join("cert.pem")).expect("remove inside");
    std::fs::remove_dir(&stage).expect("remove a directory inside");
    if abi >= 4 {
        assert!(
            denied(TcpStream::connect(("127.0.0.1", port(refused)))),
            "connected to the port not granted"
        );
        TcpStream::connect(("127.0.0.1", port(allowed))).expect("connect to the granted port");
        println!("TCP checked");
    }
    println!("child done");
}

/// The host process itself (not a stage) can no longer open a file outside
/// the grants once restricted, nor connect to a port other than the
/// server's (ABI 4); inside the grant everything the install does still
/// works. Run in a child process (this test binary again), since a
/// restriction cannot be undone.
#[test]
fn host_cannot_open_a_file_outside_the_grants_after_restricting() {
    if let Ok(args) = std::env::var(CHILD) {
        child(&args);
        return;
    }
    if landlock_abi().is_none() {
        return;
    }
    let inside = tempfile::tempdir().expect("temp dir");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let outside = elsewhere.path().join("secret");
    std::fs::write(&outside, b"secret").expect("write");
    let allowed = TcpListener::bind("127.0.0.1:0").expect("listen");
    let refused = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = |l: &TcpListener| l.local_addr().expect("address").port().to_string();
    let args = [
        inside.path().display().to_string(),
        outside.display().to_string(),
        port(&allowed),
        port(&refused),
    ]
    .join(" ");
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "host_cannot_open_a_file_outside_the_grants_after_restricting",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &args)
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("child done"),
        "child failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // The refused port never saw a connection.
    refused.set_nonblocking(true).expect("nonblocking");
    assert!(
        refused.accept().is_err(),
        "a connection reached the refused port"
    );
    assert_eq!(std::fs::read(&outside).expect("read"), b"secret");
}

/// The `-v` line of a restricted run.
fn applied_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.contains("landlock: applied (kernel ABI"))
        .unwrap_or_else(|| panic!("no landlock line:\n{stderr}"))
}

/// An issuance against pebble (the server named `localhost`: the host's
/// resolver reads /etc/hosts under the restriction) with `-v` says Landlock
/// was applied, with the grants' directories and the server's port; the
/// notify command, started before the restriction, can still write outside
/// the grants, which the host cannot.
#[test]
fn issuance_is_restricted_and_notify_is_not() {
    if landlock_abi().is_none() {
        return;
    }
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let mark = elsewhere.path().join("notified");
    let cmd = format!(
        "cat /etc/passwd >/dev/null && echo \"$ACMEBOX_CERT\" > '{}'",
        mark.display()
    );
    let run = client.issue(&bed, &["-nN", "-v", "--notify", &cmd], &names);
    run.expect_code(0);
    assert_installed(&bed, &client, &names);
    let line = applied_line(&run.stderr);
    assert!(
        line.contains(&format!("install {}", client.certs.display())),
        "{line}"
    );
    assert!(
        line.contains(&format!("read-write {}", bed.challenge_dir().display())),
        "{line}"
    );
    if landlock_abi() >= Some(4) {
        assert!(
            line.contains(&format!("TCP connect to port 53, {}", bed.acme_port()))
                || line.contains(&format!("TCP connect to port {}, 53", bed.acme_port())),
            "{line}"
        );
    }
    // Logged before the first request.
    let at = |s: &str| run.stderr.find(s).unwrap_or(usize::MAX);
    assert!(
        at("landlock: applied") < at("1. directory"),
        "{}",
        run.stderr
    );
    println!("{line}");
    let written = std::fs::read_to_string(&mark).expect("notify ran");
    assert_eq!(
        written.trim(),
        client.certs.join("cert.pem").display().to_string()
    );
}

/// With `--http-listen`, the responder (bound before the restriction) still
/// answers pebble, and the bind port is the one kept.
#[test]
fn issuance_with_the_responder_is_restricted() {
    if landlock_abi().is_none() {
        return;
    }
    let bed = Testbed::builder()
        .no_http01_server()
        .start()
        .expect("start pebble (run scripts/setup first)");
    let client = Client::new();
    let names = test_names(1);
    let listen = format!("127.0.0.1:{}", bed.http01_port());
    let run = client.issue(&bed, &["-nN", "-v", "--http-listen", &listen], &names);
    run.expect_code(0);
    assert_installed(&bed, &client, &names);
    let line = applied_line(&run.stderr);
    assert!(
        line.contains(&format!("TCP bind on port {}", bed.http01_port())),
        "{line}"
    );
}

/// `ACMEBOX_NO_LANDLOCK=1` turns it off, and `-v` says so.
#[test]
fn the_environment_can_turn_it_off() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let mut args: Vec<String> = ["-nN", "-v"].map(String::from).to_vec();
    args.extend(client.args(&bed, &bed.directory_url()));
    args.extend(names.iter().cloned());
    let run = acmebox_env(&args, &[("ACMEBOX_NO_LANDLOCK", "1")]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("landlock: off (ACMEBOX_NO_LANDLOCK=1)"),
        "{}",
        run.stderr
    );
}

/// `grants` says whether the kernel has Landlock and what a run keeps, in
/// text and in each stage's `landlock` object of `--json`.
#[test]
fn grants_show_what_landlock_keeps() {
    let client = Client::new();
    let mut args = vec!["grants".to_string()];
    args.extend(client.args_offline("https://acme.example:8443/dir"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(
        run.stdout.contains("host process (Landlock)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("install {}", client.certs.display())),
        "{}",
        run.stdout
    );
    args.insert(1, "--json".into());
    let run = acmebox(&args);
    run.expect_code(0);
    let stages: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let stages = stages.as_array().expect("an array");
    assert_eq!(stages.len(), 7);
    let first = &stages[0]["landlock"];
    for stage in stages {
        assert_eq!(&stage["landlock"], first, "the same object on every stage");
    }
    let want_state = if landlock::probe().is_some() {
        "on"
    } else {
        "unavailable"
    };
    assert_eq!(first["state"], want_state);
    assert_eq!(first["tcp_connect"], serde_json::json!([53, 8443]));
    assert_eq!(first["tcp_bind"], serde_json::json!([]));
    let paths = first["paths"].as_array().expect("paths");
    let has = |path: &PathBuf, access: &str| {
        paths
            .iter()
            .any(|p| p["path"] == path.display().to_string() && p["access"] == access)
    };
    assert!(has(&client.certs, "install"), "{paths:?}");
    assert!(has(&client.keys.join("account"), "read"), "{paths:?}");
    assert!(has(&client.keys.join("domain"), "read"), "{paths:?}");
}

/// `acmebox accountd` restricts itself too, once the key is read: no file,
/// no TCP (`-v` says so); it then serves as before (tests/accountd.rs).
#[test]
fn accountd_restricts_itself_once_the_key_is_read() {
    if landlock_abi().is_none() {
        return;
    }
    let client = Client::new();
    let key = client.account_key().display().to_string();
    let run = acmebox(&["accountd", "--stdio", "-f", &key, "-n", "-v"]);
    run.expect_code(0);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("landlock: applied (kernel ABI"))
        .unwrap_or_else(|| panic!("no landlock line:\n{}", run.stderr));
    assert!(
        line.contains("files: none; TCP connect to port none; TCP bind on port none"),
        "{line}"
    );
}
