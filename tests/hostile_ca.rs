//! Regression tests against a hostile ACME server (tests/testbed's `HostileCa`) for what pebble
//! cannot do: choose the http-01 token, flood an order with authorizations, and send text full
//! of control characters. Each runs the real acmebox binary.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{acmebox, Client, Run};
use serde_json::json;
use testbed::{test_names, AfterResponse, HostileCa, Script, Step};

/// A token the CA chooses: the name of a file already in the challenge directory.
const TOKEN: &str = "existing-file-named-like-the-token";

/// Text a CA may send, each piece with a character that must never reach a terminal: CR, LF,
/// OSC 52 (set the clipboard) ended by BEL, erase line, BEL, DEL, C1 CSI, TAB.
const CONTROL: &[&str] = &[
    "cr\rcr",
    "lf\nlf",
    "osc52\u{1b}]52;c;aGk=\u{7}",
    "erase\u{1b}[2K",
    "bel\u{7}",
    "del\u{7f}",
    "c1\u{9b}31m",
    "tab\ttab",
];

/// A hostile CA, one client's keys and certificates, and its own challenge directory.
struct Scene {
    ca: HostileCa,
    client: Client,
    challenges: tempfile::TempDir,
}

impl Scene {
    fn new(script: Script) -> Scene {
        Scene {
            ca: HostileCa::start(script).expect("start the hostile CA"),
            client: Client::new(),
            challenges: tempfile::tempdir().expect("challenge directory"),
        }
    }

    fn challenge_dir(&self) -> &Path {
        self.challenges.path()
    }

    /// Runs acmebox with `flags` for one name, creating keys as needed.
    fn run(&self, flags: &[&str]) -> Run {
        let path = |p: &Path| p.display().to_string();
        let mut args: Vec<String> = ["-nN"].iter().chain(flags).map(|f| f.to_string()).collect();
        args.extend([
            "--directory".into(),
            self.ca.directory_url(),
            "--ca-file".into(),
            path(self.ca.ca_file()),
            "-C".into(),
            path(self.challenge_dir()),
            "-c".into(),
            path(&self.client.certs),
            "-f".into(),
            path(&self.client.account_key()),
            "-k".into(),
            path(&self.client.domain_key()),
        ]);
        args.extend(test_names(1));
        acmebox(&args)
    }

    /// The files in the challenge directory.
    fn challenge_files(&self) -> Vec<PathBuf> {
        let entries = std::fs::read_dir(self.challenge_dir()).expect("read challenge dir");
        entries.map(|e| e.expect("dir entry").path()).collect()
    }
}

/// A problem document (RFC 8555 §6.7), compact.
fn problem(kind: &str, detail: &str) -> String {
    json!({"type": kind, "detail": detail, "status": 403}).to_string()
}

/// Why `stderr` could steer a terminal or fake output, if it could: a character below 0x20
/// other than the '\n' ending each line, DEL or C1 anywhere, or a line not written by acmebox
/// (a line break from the server). `one_line`: stderr must be exactly one line.
fn unsafe_stderr(stderr: &str, one_line: bool) -> Option<String> {
    let bad = |c: char| (c < ' ' && c != '\n') || ('\u{7f}'..='\u{9f}').contains(&c);
    if let Some(c) = stderr.chars().find(|&c| bad(c)) {
        return Some(format!("control character U+{:04X}", c as u32));
    }
    if !stderr.ends_with('\n') {
        return Some("no final line feed".into());
    }
    let lines: Vec<&str> = stderr.lines().collect();
    if one_line && lines.len() != 1 {
        return Some(format!("{} lines instead of one", lines.len()));
    }
    let stray = lines.iter().find(|l| !l.starts_with("acmebox: "));
    stray.map(|l| format!("a line acmebox did not start: {l:?}"))
}

/// Runs acmebox without and with -v against `scene`; every run must exit 1 with safe stderr.
/// Failures are added to `failures`, named by `case`.
fn check_runs(scene: &Scene, case: &str, failures: &mut Vec<String>) {
    for (flags, one_line) in [(&[][..], true), (&["-v"][..], false)] {
        let run = scene.run(flags);
        let why = match (run.code, unsafe_stderr(&run.stderr, one_line)) {
            (Some(1), None) => continue,
            (Some(1), Some(why)) => why,
            (code, _) => format!("exit status {code:?}"),
        };
        failures.push(format!(
            "{case} {flags:?}: {why}\n  stderr: {:?}",
            run.stderr
        ));
    }
}

/// The text a problem document must become in acmebox's one-line error. Change only this
/// when the format is refined.
fn problem_text(kind: &str, detail: &str) -> String {
    format!("{kind}: {detail}")
}

/// stderr is exactly one line and contains `want`.
#[track_caller]
fn assert_one_line_with(run: &Run, want: &str) {
    let one_line = run.stderr.ends_with('\n') && run.stderr.lines().count() == 1;
    assert!(
        one_line && run.stderr.contains(want),
        "expected one line containing {want:?}, got:\n{}",
        run.stderr
    );
}

#[test]
fn existing_file_named_like_token_survives() {
    let scene = Scene::new(Script {
        token: Some(TOKEN.into()),
        after_response: AfterResponse::Invalid(problem("urn:x:unauthorized", "no")),
        ..Script::default()
    });
    let file = scene.challenge_dir().join(TOKEN);
    let content = b"a file that was here before acmebox ran\n";
    std::fs::write(&file, content).expect("write the existing file");
    scene.run(&[]).expect_code(1);
    match std::fs::read(&file) {
        Ok(now) => assert_eq!(now, content, "the existing file was overwritten"),
        Err(e) => panic!("the existing file {} is gone: {e}", file.display()),
    }
}

#[test]
fn flood_of_authorizations_leaves_no_token_files() {
    let scene = Scene::new(Script {
        authorizations: Some(1000),
        // A slow CA: the run is still answering challenges when --timeout strikes.
        delay: Duration::from_millis(5),
        ..Script::default()
    });
    let started = Instant::now();
    let run = scene.run(&["--timeout", "5"]);
    let took = started.elapsed();
    run.expect_code(1);
    assert!(took < Duration::from_secs(30), "the run took {took:?}");
    let left = scene.challenge_files();
    assert!(
        left.is_empty(),
        "{} token files left behind ({} challenges answered); stderr:\n{}",
        left.len(),
        scene.ca.count("POST", "/chall/"),
        run.stderr
    );
}

#[test]
fn control_bytes_from_server_never_reach_stderr() {
    let mut failures = Vec::new();
    let all = CONTROL.concat();
    let document = problem(&format!("urn:ietf:params:acme:error:{all}"), &all);
    let fails_fast = AfterResponse::Invalid(problem("urn:x:unauthorized", "no"));

    let scene = Scene::new(Script {
        problem: Some((Step::NewOrder, 403, document.clone())),
        ..Script::default()
    });
    check_runs(&scene, "problem at newOrder", &mut failures);

    let scene = Scene::new(Script {
        after_response: AfterResponse::Invalid(document),
        ..Script::default()
    });
    check_runs(&scene, "problem of an invalid authorization", &mut failures);

    for control in CONTROL {
        let scene = Scene::new(Script {
            account_location: format!("{{origin}}/acct/{control}"),
            after_response: fails_fast.clone(),
            ..Script::default()
        });
        check_runs(&scene, &format!("kid {control:?}"), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn problem_document_is_one_line() {
    let kind = "urn:ietf:params:acme:error:rejectedIdentifier";
    let document = json!({
        "type": kind,
        "detail": "no",
        "status": 400,
        "subproblems": [
            {"type": "urn:ietf:params:acme:error:malformed", "detail": "bad name",
             "identifier": {"type": "dns", "value": "acmebox-1.example.com"}},
            {"type": "urn:ietf:params:acme:error:caa", "detail": "forbidden by CAA",
             "identifier": {"type": "dns", "value": "acmebox-2.example.com"}},
        ],
    });
    // Pretty-printed, as pebble and Boulder send problem documents.
    let document = serde_json::to_string_pretty(&document).expect("problem JSON");
    let want = problem_text(kind, "no");

    let at_new_order = Scene::new(Script {
        problem: Some((Step::NewOrder, 400, document.clone())),
        ..Script::default()
    });
    assert_one_line_with(at_new_order.run(&[]).expect_code(1), &want);

    let in_authorization = Scene::new(Script {
        after_response: AfterResponse::Invalid(document),
        ..Script::default()
    });
    assert_one_line_with(in_authorization.run(&[]).expect_code(1), &want);
}

/// `--timeout` running out between steps, while the run polls an authorization the CA keeps
/// pending: exit 1 soon after it, one line naming the step, the authorization's URL, its last
/// status and `--timeout`, and the token file (written: the challenge was answered) removed.
#[test]
fn timeout_between_steps_names_the_step_and_removes_the_token() {
    let scene = Scene::new(Script::default());
    let started = Instant::now();
    let run = scene.run(&["--timeout", "3"]);
    let took = started.elapsed();
    run.expect_code(1);
    let url = format!("{}/authz/0", scene.ca.origin());
    let want = format!(
        "authorization: gave up: authorization {url} is still pending and --timeout 3 s runs out"
    );
    assert_one_line_with(&run, &want);
    assert!(took < Duration::from_secs(5), "the run took {took:?}");
    assert_eq!(scene.ca.count("POST", "/chall/"), 1, "challenge answered");
    let left = scene.challenge_files();
    assert!(left.is_empty(), "token files left behind: {left:?}");
}
