//! `acmebox accountd` (the account key in a process of its own) and the
//! client options that sign through it, `--account-socket` and
//! `--account-command`: real issuances against pebble through the real
//! daemon, the daemon's refusals (its socket's path and directory,
//! `--keyid-only`), clients that send garbage or announce huge frames, what
//! the daemon logs (never the key), and its stop on SIGTERM.
//! docs/ACCOUNTD.md is the protocol these tests speak by hand.

#![cfg(unix)]

mod common;

use acmebox::accountd::protocol::{self, Hello, PublicKey, Reply, Request, Signature};
use acmebox::validate::base64url;
use common::accountd::{assert_no_key_in, socket_dir, Daemon, PATIENCE};
use common::{acmebox, assert_installed, fails_with, without, Client};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};
use testbed::{test_names, Testbed};

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// `-v`, `flags` (the accountd options among them), and the client's
/// arguments without `-f`.
fn remote_args(client: &Client, bed: &Testbed, flags: &[&str], names: &[String]) -> Vec<String> {
    let mut args: Vec<String> = vec!["-v".into()];
    args.extend(flags.iter().map(|a| a.to_string()));
    args.extend(without(&client.args(bed, &bed.directory_url()), "-f"));
    args.extend(names.iter().cloned());
    args
}

/// A connection speaking the protocol by hand.
struct Raw(UnixStream);

impl Raw {
    fn connect(socket: &Path) -> Raw {
        let stream = UnixStream::connect(socket).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        Raw(stream)
    }

    fn send(&mut self, request: &Request) {
        protocol::write_frame(&mut self.0, &protocol::encode(request)).expect("send");
    }

    /// The next frame, decoded as `Reply<T>`.
    fn reply<T: serde::de::DeserializeOwned>(&mut self) -> Reply<T> {
        let frame = protocol::read_frame(&mut self.0)
            .expect("read a frame")
            .expect("a frame, not the end");
        protocol::decode(&frame).expect("a reply")
    }

    /// After an error frame the daemon closes the connection (a reset when
    /// it closed with bytes of ours unread).
    fn assert_closed(&mut self) {
        let mut rest = Vec::new();
        match self.0.read_to_end(&mut rest) {
            Ok(_) => assert!(rest.is_empty(), "more after the error: {rest:?}"),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        }
    }

    fn hello(&mut self) -> Hello {
        self.send(&Request::Hello { version: 1 });
        match self.reply::<Hello>() {
            Reply::Ok(hello) => hello,
            Reply::Error(e) => panic!("hello refused: {e}"),
        }
    }
}

fn error_of<T: std::fmt::Debug>(reply: Reply<T>) -> String {
    match reply {
        Reply::Error(e) => e,
        Reply::Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// A newAccount signing input for the daemon's key (RFC 8555 §7.3),
/// registering with `payload`.
fn new_account_input(key: &PublicKey, url: &str, payload: &str) -> String {
    let header = format!(
        r#"{{"alg":"{}","jwk":{},"nonce":"bm9uY2U","url":"{url}"}}"#,
        key.alg, key.jwk
    );
    format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes())
    )
}

#[test]
fn issues_through_account_socket_and_logs_no_key() {
    let bed = testbed();
    let client = Client::new();
    let dir = socket_dir();
    let socket = dir.path().join("accountd.sock");
    let key = client.account_key();
    let daemon = Daemon::start(&socket, &["-n", "-f", &s(&key)]);
    assert_eq!(
        std::fs::symlink_metadata(&socket)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600,
        "socket mode"
    );
    let names = test_names(2);
    let run = acmebox(&remote_args(
        &client,
        &bed,
        &["-N", "--account-socket", &s(&socket)],
        &names,
    ));
    run.expect_code(0);
    assert!(
        run.stderr
            .contains(&format!("account key in accountd at {}", s(&socket))),
        "{}",
        run.stderr
    );
    assert_installed(&bed, &client, &names);

    // A second run finds the account (newAccount again, no registration).
    let again = acmebox(&remote_args(
        &client,
        &bed,
        &["-N", "-F", "--account-socket", &s(&socket)],
        &names,
    ));
    again.expect_code(0);

    let (status, log) = daemon.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    let acme = bed.directory_url();
    let origin = acme.trim_end_matches("/dir");
    for kind in [
        "newAccount",
        "newOrder",
        "POST-as-GET",
        "challenge",
        "finalize",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains(&format!(": sign {kind} {origin}/"))),
            "no {kind} with its URL in the log:\n{log}"
        );
    }
    assert_no_key_in(&log, &key);
}

#[test]
fn issues_through_account_command_over_stdio() {
    let bed = testbed();
    let client = Client::new();
    let key = client.account_key();
    let command = format!(
        "{} accountd --stdio -n -f {}",
        env!("CARGO_BIN_EXE_acmebox"),
        s(&key)
    );
    let names = test_names(1);
    let run = acmebox(&remote_args(
        &client,
        &bed,
        &["-N", "--account-command", &command],
        &names,
    ));
    run.expect_code(0);
    assert_installed(&bed, &client, &names);
    // The daemon's standard error is acmebox's.
    assert!(
        run.stderr
            .contains("accountd: stdio: sign newOrder https://"),
        "{}",
        run.stderr
    );
    assert_no_key_in(&run.stderr, &key);
}

/// Revocation (-r) with the account key signs through the daemon too.
#[test]
fn revokes_through_account_command() {
    let bed = testbed();
    let client = Client::new();
    let key = client.account_key();
    let command = format!(
        "{} accountd --stdio -n -f {}",
        env!("CARGO_BIN_EXE_acmebox"),
        s(&key)
    );
    let names = test_names(1);
    let signer = ["--account-command", command.as_str()];
    let issue = ["-N", signer[0], signer[1]];
    acmebox(&remote_args(&client, &bed, &issue, &names)).expect_code(0);
    let revoke = ["-r", signer[0], signer[1]];
    let run = acmebox(&remote_args(&client, &bed, &revoke, &names));
    run.expect_code(0);
    assert!(
        run.stderr.contains(": sign revokeCert https://"),
        "{}",
        run.stderr
    );
    assert!(!client.certs.join("cert.pem").exists());
}

#[test]
fn a_socket_path_that_exists_is_refused() {
    let dir = socket_dir();
    let key = dir.path().join("keys");
    std::fs::create_dir(&key).unwrap();
    let key = key.join("account.pem");
    let file = dir.path().join("file");
    std::fs::write(&file, "keep me").unwrap();
    let subdir = dir.path().join("subdir");
    std::fs::create_dir(&subdir).unwrap();
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    for (path, kind) in [
        (&file, "a file"),
        (&subdir, "a directory"),
        (&dangling, "a symbolic link"),
    ] {
        let run = acmebox(&["accountd", "--socket", &s(path), "-n", "-f", &s(&key)]);
        run.expect_code(1);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(&s(path))
                && run.stderr.contains(&format!("exists already ({kind})")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    assert!(!dir.path().join("nowhere").exists(), "followed the link");
    assert!(
        !key.exists(),
        "the key was made before the socket was refused"
    );
}

#[test]
fn a_socket_directory_writable_by_group_or_others_is_refused() {
    for (mode, who) in [
        (0o770, "its group"),
        (0o703, "others"),
        (0o1777, "group and others"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let sockets = dir.path().join("sockets");
        std::fs::create_dir(&sockets).unwrap();
        std::fs::set_permissions(&sockets, std::fs::Permissions::from_mode(mode)).unwrap();
        let socket = sockets.join("accountd.sock");
        let key = dir.path().join("account.pem");
        let run = acmebox(&["accountd", "--socket", &s(&socket), "-n", "-f", &s(&key)]);
        run.expect_code(1);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(&s(&sockets)) && run.stderr.contains(&format!("writable by {who}")),
            "{mode:o}: {}",
            run.stderr
        );
        assert!(!socket.exists());
    }
}

#[test]
fn keyid_only_refuses_registration_but_serves_an_existing_account() {
    let bed = testbed();
    let client = Client::new();
    let key = client.account_key();
    let dir = socket_dir();
    let strict = dir.path().join("strict.sock");
    let names = test_names(1);
    let daemon = Daemon::start(&strict, &["-n", "--keyid-only", "-f", &s(&key)]);

    // A first run: no account for this key, and none may be made.
    let run = acmebox(&remote_args(
        &client,
        &bed,
        &["-N", "--account-socket", &s(&strict)],
        &names,
    ));
    run.expect_code(1);
    assert!(run.stderr.contains("accountDoesNotExist"), "{}", run.stderr);
    assert!(!client.certs.join("cert.pem").exists());

    // A registration asked for by hand is refused by the daemon itself.
    let mut raw = Raw::connect(&strict);
    assert!(raw.hello().keyid_only);
    raw.send(&Request::PublicKey);
    let Reply::Ok(public) = raw.reply::<PublicKey>() else {
        panic!("no public key")
    };
    let acme = bed.directory_url();
    let new_acct = format!("{}/sign-me-up", acme.trim_end_matches("/dir"));
    raw.send(&Request::Sign {
        signing_input: new_account_input(&public, &new_acct, r#"{"termsOfServiceAgreed":true}"#),
    });
    let refused = error_of(raw.reply::<Signature>());
    assert!(
        refused.contains("--keyid-only") && refused.contains("newAccount"),
        "{refused}"
    );
    drop(raw);

    // Registered through a daemon without --keyid-only...
    let open = dir.path().join("open.sock");
    let registrar = Daemon::start(&open, &["-f", &s(&key)]);
    acmebox(&remote_args(
        &client,
        &bed,
        &["-N", "--account-socket", &s(&open)],
        &names,
    ))
    .expect_code(0);
    let (_, registrar_log) = registrar.stop();
    assert!(
        registrar_log.contains(": sign newAccount https://"),
        "{registrar_log}"
    );

    // ...the account exists, and the strict daemon serves a whole run.
    let run = acmebox(&remote_args(
        &client,
        &bed,
        &["-N", "-F", "--account-socket", &s(&strict)],
        &names,
    ));
    run.expect_code(0);
    assert_installed(&bed, &client, &names);
    let (_, log) = daemon.stop();
    assert!(log.contains(": refused newAccount https://"), "{log}");
    assert!(
        log.contains(": sign newAccount (onlyReturnExisting) https://"),
        "{log}"
    );
    assert!(log.contains(": sign finalize https://"), "{log}");
    assert!(!log.contains(": sign newAccount https://"), "{log}");
}

#[test]
fn garbage_and_huge_frames_get_an_error_and_the_daemon_serves_on() {
    let bed = testbed();
    let client = Client::new();
    let key = client.account_key();
    let dir = socket_dir();
    let socket = dir.path().join("accountd.sock");
    let daemon = Daemon::start(&socket, &["-n", "-f", &s(&key)]);

    // Not the protocol at all: "GET " read as a length.
    let mut raw = Raw::connect(&socket);
    raw.0
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let e = error_of(raw.reply::<()>());
    assert!(e.contains("frames are 1 to 65536 bytes"), "{e}");
    raw.assert_closed();

    // 100 MB announced (and a little sent): refused on the length.
    let mut raw = Raw::connect(&socket);
    raw.0.write_all(&100_000_000u32.to_be_bytes()).unwrap();
    raw.0.write_all(&[b'x'; 4096]).unwrap();
    let e = error_of(raw.reply::<()>());
    assert!(e.contains("100000000 bytes"), "{e}");
    raw.assert_closed();

    // A frame that is not a request.
    let mut raw = Raw::connect(&socket);
    protocol::write_frame(&mut raw.0, b"\x00\xffnot json").unwrap();
    let e = error_of(raw.reply::<()>());
    assert!(e.contains("not a valid message"), "{e}");
    raw.assert_closed();

    // A signature asked for before hello; a signing input that is no JWS.
    let mut raw = Raw::connect(&socket);
    raw.send(&Request::Sign {
        signing_input: "e30.e30".into(),
    });
    assert!(error_of(raw.reply::<Signature>()).contains("first request must be hello"));
    raw.assert_closed();
    let mut raw = Raw::connect(&socket);
    raw.hello();
    raw.send(&Request::Sign {
        signing_input: "bm90IGpzb24.e30".into(),
    });
    assert!(error_of(raw.reply::<Signature>()).contains("protected header"));
    drop(raw);

    // A client that says hello and then nothing holds no one up: a real
    // issuance runs beside it.
    let mut stuck = Raw::connect(&socket);
    stuck.hello();
    let names = test_names(1);
    acmebox(&remote_args(
        &client,
        &bed,
        &["-N", "--account-socket", &s(&socket)],
        &names,
    ))
    .expect_code(0);
    assert_installed(&bed, &client, &names);

    let (status, log) = daemon.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        log.contains("a frame of 100000000 bytes was announced"),
        "{log}"
    );
    assert!(
        log.contains("refused a signing input: protected header"),
        "{log}"
    );
    assert!(log.contains(": sign newOrder https://"), "{log}");
    assert_no_key_in(&log, &key);
}

/// At most four connections at once: a fifth is told so and closed; once
/// one ends, the next is served.
#[test]
fn connections_beyond_the_limit_are_told_the_daemon_is_busy() {
    let dir = socket_dir();
    let socket = dir.path().join("accountd.sock");
    let key = dir.path().join("account.pem");
    let daemon = Daemon::start(&socket, &["-n", "-f", &s(&key)]);
    let mut held: Vec<Raw> = (0..4)
        .map(|_| {
            let mut raw = Raw::connect(&socket);
            raw.hello();
            raw
        })
        .collect();
    let mut fifth = Raw::connect(&socket);
    assert!(error_of(fifth.reply::<()>()).starts_with("busy"));
    fifth.assert_closed();
    held.pop();
    // The daemon sees that connection end at once; ask until it has.
    let start = Instant::now();
    loop {
        let mut next = Raw::connect(&socket);
        // A busy answer may come, and the connection close, before this.
        let hello = protocol::encode(&Request::Hello { version: 1 });
        let _ = protocol::write_frame(&mut next.0, &hello);
        if let Reply::Ok(hello) = next.reply::<Hello>() {
            assert!(!hello.keyid_only);
            break;
        }
        assert!(start.elapsed() < PATIENCE, "never served again");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(held);
    daemon.stop();
}

/// A connection that sends nothing is closed after the idle bound (60 s),
/// so a stuck client cannot hold a slot forever.
#[test]
fn a_silent_connection_is_closed_after_the_idle_bound() {
    // `--idle 3` rather than the default 60 s (options/accountd.rs takes
    // its default from daemon::IDLE), so the test does not wait a minute.
    let dir = socket_dir();
    let socket = dir.path().join("accountd.sock");
    let key = dir.path().join("account.pem");
    let daemon = Daemon::start(&socket, &["-n", "-f", &s(&key), "--idle", "3"]);
    let mut silent = Raw::connect(&socket);
    silent
        .0
        .set_read_timeout(Some(Duration::from_secs(3) + PATIENCE))
        .unwrap();
    silent.hello();
    let start = Instant::now();
    silent.assert_closed();
    assert!(start.elapsed() >= Duration::from_secs(2), "closed early");
    let (_, log) = daemon.stop();
    assert!(log.contains("no complete request for 3 s"), "{log}");
}

#[test]
fn an_idle_bound_outside_1_to_3600_seconds_is_a_usage_error() {
    for idle in ["0", "3601", "soon"] {
        fails_with(
            &acmebox(&["accountd", "--stdio", "--idle", idle]),
            &format!("'{idle}' for '--idle <SECONDS>'"),
        );
    }
}

#[test]
fn sigterm_stops_the_daemon_and_removes_its_socket() {
    let dir = socket_dir();
    let socket = dir.path().join("accountd.sock");
    let key = dir.path().join("account.pem");
    let daemon = Daemon::start(&socket, &["-n", "-f", &s(&key)]);
    let (status, log) = daemon.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(!socket.exists(), "socket left behind");
    assert!(log.contains("stopped by SIGTERM; socket"), "{log}");
    assert!(UnixStream::connect(&socket).is_err());
    // And it can start again on the same path.
    let again = Daemon::start(&socket, &["-f", &s(&key)]);
    again.stop();
}

#[test]
fn a_remote_signer_conflicts_with_a_local_account_key() {
    let client = Client::new();
    let offline = client.args_offline("https://ca.test/dir");
    for extra in [
        &["-n"][..],
        &["--key-type", "rsa2048"],
        &["--account-command", "true"],
    ] {
        let mut args: Vec<String> = vec!["--account-socket".into(), "/run/x.sock".into()];
        args.extend(extra.iter().map(|a| a.to_string()));
        args.extend(without(&offline, "-f"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("cannot be used with"),
            "{extra:?}: {}",
            run.stderr
        );
    }
    let mut args: Vec<String> = vec!["--account-socket".into(), "/run/x.sock".into()];
    args.extend(offline.iter().cloned());
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(1);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

#[test]
fn grants_show_the_account_stage_running_elsewhere() {
    let client = Client::new();
    let mut args: Vec<String> = vec![
        "grants".into(),
        "--account-socket".into(),
        "/run/acct.sock".into(),
    ];
    args.extend(without(&client.args_offline("https://ca.test/dir"), "-f"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("runs elsewhere: accountd at /run/acct.sock (no grant here"),
        "{}",
        run.stdout
    );
    let account = run
        .stdout
        .split("\ndomain-key")
        .next()
        .expect("the account stage first");
    assert!(!account.contains("directory"), "{account}");

    args.insert(1, "--json".into());
    let json = acmebox(&args);
    json.expect_code(0);
    let stages: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    let account = &stages[0];
    assert_eq!(account["name"], "account");
    assert_eq!(account["runs_elsewhere"], "accountd at /run/acct.sock");
    assert_eq!(account["directories"], serde_json::json!([]));
    assert_eq!(account["wasi"], serde_json::json!([]));
    assert_eq!(stages[1]["runs_elsewhere"], serde_json::Value::Null);

    let command = [
        "--account-command",
        "ssh -T signer acmebox accountd --stdio",
    ];
    let mut args: Vec<String> = vec!["grants".into()];
    args.extend(command.iter().map(|a| a.to_string()));
    args.extend(without(&client.args_offline("https://ca.test/dir"), "-f"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains(r#"runs elsewhere: accountd via "ssh -T signer acmebox accountd --stdio""#),
        "{}",
        run.stdout
    );
}

/// `--config` with `--account-socket`: every certificate of the file signs
/// through the daemon, over one connection (one account session per
/// authority), with one newAccount; the file's `account key` is not read
/// (it does not exist here).
#[test]
fn a_config_batch_signs_through_one_connection() {
    let bed = testbed();
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    let dir = socket_dir();
    let socket = dir.path().join("accountd.sock");
    let key = dir.path().join("account.pem");
    let daemon = Daemon::start(&socket, &["-v", "-n", "-f", &s(&key)]);
    let conf = root.join("acme-client.conf");
    let text = format!(
        "{authority}domain one {{\n\
         \tdomain name acmebox-1.example.com\n\
         \tdomain key \"{root}/one.key\"\n\
         \tdomain full chain certificate \"{root}/one.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         }}\n\
         domain two {{\n\
         \tdomain name acmebox-2.example.com\n\
         \tdomain key \"{root}/two.key\"\n\
         \tdomain full chain certificate \"{root}/two.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         }}\n",
        authority = common::authority(&bed, &root.join("absent/account.pem")),
        root = s(root),
        chal = s(bed.challenge_dir()),
    );
    std::fs::write(&conf, text).unwrap();
    let run = acmebox(&["--config", &s(&conf), "-N", "--account-socket", &s(&socket)]);
    run.expect_code(0);
    for line in ["one: installed", "two: installed"] {
        assert!(run.stderr.contains(line), "{line:?} in {}", run.stderr);
    }
    assert!(!root.join("absent").exists());
    let (_, log) = daemon.stop();
    assert_eq!(log.matches(": connected").count(), 1, "{log}");
    assert_eq!(log.matches(": sign newAccount ").count(), 1, "{log}");
    assert_eq!(log.matches(": sign finalize ").count(), 2, "{log}");
}
