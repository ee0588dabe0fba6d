//! What an auditor reads without a server: `grants` (text and JSON),
//! `components export` and `components verify`, and the manual page
//! generated from the command line's definition.

mod common;

use common::{acmebox, fails_with, offline_args, Client};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn grants_json(client: &Client) -> Vec<Value> {
    let mut args = vec!["grants".to_string(), "--json".to_string()];
    args.extend(offline_args(client, &[]));
    args.push("a.example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    let value: Value = serde_json::from_str(&run.stdout).expect("grants --json is JSON");
    value.as_array().expect("a JSON array").clone()
}

#[test]
fn grants_json_describes_seven_stages_with_hashes_and_imports() {
    let client = Client::new();
    let stages = grants_json(&client);
    let names: Vec<&str> = stages.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "account",
            "domain-key",
            "network",
            "challenge",
            "cert-parser",
            "file-writer",
            "responder"
        ]
    );
    for stage in &stages {
        let sha = stage["sha256"].as_str().expect("sha256");
        assert_eq!(sha.len(), 64, "{stage}");
        let cwasm_sha = stage["cwasm_sha256"].as_str().expect("cwasm_sha256");
        assert_eq!(cwasm_sha.len(), 64, "{stage}");
        assert_ne!(cwasm_sha, sha, "{stage}");
        let imports = stage["imports"].as_array().expect("imports");
        assert!(!imports.is_empty(), "{stage}");
        assert!(stage["memory_bytes"].as_u64().expect("memory") > 0);
        assert!(stage["call_deadline_ms"].as_u64().expect("deadline") > 0);
    }
    let has = |stage: &Value, prefix: &str| {
        stage["imports"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i.as_str().is_some_and(|i| i.starts_with(prefix)))
    };
    // Read from the components: only the network stage and the responder
    // import sockets, only the network stage UDP and name lookup, and the
    // network, cert-parser and responder stages import no file system.
    for stage in &stages {
        let name = stage["name"].as_str().unwrap_or_default();
        let sockets = matches!(name, "network" | "responder");
        assert_eq!(has(stage, "wasi:sockets/tcp@"), sockets, "{name}");
        assert_eq!(has(stage, "wasi:sockets/udp@"), name == "network", "{name}");
        let files = !matches!(name, "network" | "cert-parser" | "responder");
        assert_eq!(has(stage, "wasi:filesystem/"), files, "{name}");
    }
    let net = &stages[2];
    assert_eq!(net["network"]["hosts"][0], "localhost");
    assert_eq!(net["network"]["port"], 9);
    assert_eq!(net["directories"].as_array().map(Vec::len), Some(0));
    let account = &stages[0];
    assert_eq!(account["directories"][0]["access"], "read");
    assert_eq!(
        account["directories"][0]["host"],
        client
            .account_key()
            .parent()
            .expect("key dir")
            .display()
            .to_string()
    );
}

/// `grants` shows the names each stage may use in its directory, as the
/// sandbox enforces them (host/src/names.rs), in JSON and in text.
#[test]
fn grants_show_each_directorys_names() {
    let client = Client::new();
    let stages = grants_json(&client);
    let names = |i: usize| stages[i]["directories"][0]["names"].clone();
    let key_name = |p: std::path::PathBuf| {
        let name = p.file_name().expect("a file name").to_string_lossy();
        serde_json::json!([name])
    };
    assert_eq!(names(0), key_name(client.account_key()));
    assert_eq!(names(1), key_name(client.domain_key()));
    assert_eq!(
        names(3),
        serde_json::json!(["<token: 1-256 of A-Z a-z 0-9 - _>"])
    );
    assert_eq!(
        names(5),
        serde_json::json!([
            "cert.pem",
            "chain.pem",
            "fullchain.pem",
            ".acmebox-directory",
            "cert-<digits>.pem",
            "chain-<digits>.pem",
            "fullchain-<digits>.pem"
        ])
    );
    let mut args = vec!["grants".to_string()];
    args.extend(offline_args(&client, &[]));
    args.push("a.example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    let line = "  names      cert.pem, chain.pem, fullchain.pem, .acmebox-directory, \
                cert-<digits>.pem, chain-<digits>.pem, fullchain-<digits>.pem only \
                (one name, no subdirectories)";
    assert!(run.stdout.lines().any(|l| l == line), "{}", run.stdout);
}

#[test]
fn new_key_flags_make_key_directories_writable() {
    let client = Client::new();
    let mut args = vec!["grants".to_string(), "--json".to_string()];
    args.extend(offline_args(&client, &["-n"]));
    args.push("a.example.com".into());
    let run = acmebox(&args);
    let stages: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(stages[0]["directories"][0]["access"], "read-write");
    assert_eq!(stages[1]["directories"][0]["access"], "read");
}

/// `-s` selects Let's Encrypt's staging directory, and without `--directory` the default is
/// production: seen in the network stage's grant (`grants` resolves and contacts nothing).
#[test]
fn staging_flag_grants_the_staging_server() {
    let client = Client::new();
    let network_grant = |flags: &[&str]| {
        let mut args: Vec<String> = ["grants", "--json"].map(String::from).to_vec();
        args.extend(flags.iter().map(|f| f.to_string()));
        let mut offline = offline_args(&client, &[]);
        // Drop `--directory URL`: -s conflicts with it.
        let d = offline
            .iter()
            .position(|a| a == "--directory")
            .expect("--directory");
        offline.drain(d..d + 2);
        args.extend(offline);
        args.push("a.example.com".into());
        let run = acmebox(&args);
        run.expect_code(0);
        let stages: Value = serde_json::from_str(&run.stdout).expect("grants --json is JSON");
        stages[2]["network"].clone()
    };
    let staging = network_grant(&["-s"]);
    assert_eq!(staging["hosts"][0], "acme-staging-v02.api.letsencrypt.org");
    assert_eq!(staging["hosts"].as_array().map(Vec::len), Some(1));
    assert_eq!(staging["port"], 443);
    let production = network_grant(&[]);
    assert_eq!(production["hosts"][0], "acme-v02.api.letsencrypt.org");
}

/// The seven stage files `components export` writes.
const EXPORTED: [&str; 7] = [
    "account.wasm",
    "cert-parser.wasm",
    "challenge.wasm",
    "domain-key.wasm",
    "file-writer.wasm",
    "network.wasm",
    "responder.wasm",
];

/// The names of the entries in `dir`, sorted.
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Each exported file is a component with the `sha256` of `grants --json`.
fn assert_exported_as_grants_says(dir: &std::path::Path) {
    assert_eq!(entries(dir), EXPORTED);
    for stage in grants_json(&Client::new()) {
        let name = stage["name"].as_str().expect("name");
        let wasm = std::fs::read(dir.join(format!("{name}.wasm"))).expect("exported");
        assert_eq!(&wasm[..4], b"\0asm", "{name}");
        let sha: String = Sha256::digest(&wasm)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(stage["sha256"], sha, "{name}");
    }
}

#[test]
fn export_creates_a_new_private_directory_with_the_hashes_of_grants() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("stages");
    acmebox(&["components", "export", &out.display().to_string()]).expect_code(0);
    #[cfg(unix)]
    assert_eq!(common::mode(&out), 0o700, "the new directory's mode");
    assert_exported_as_grants_says(&out);
}

#[test]
fn export_into_an_empty_directory_of_the_caller_works() {
    let out = tempfile::tempdir().expect("temp dir");
    acmebox(&["components", "export", &out.path().display().to_string()]).expect_code(0);
    assert_exported_as_grants_says(out.path());
}

#[cfg(unix)]
#[test]
fn export_refuses_a_planted_symlink_and_leaves_its_target() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("stages");
    std::fs::create_dir(&out).expect("mkdir");
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, b"precious\n").expect("write");
    std::os::unix::fs::symlink(&victim, out.join("account.wasm")).expect("symlink");
    let dir = out.display().to_string();
    let run = acmebox(&["components", "export", &dir]);
    fails_with(&run, &format!("cannot export into {dir}: it is not empty"));
    assert_eq!(std::fs::read(&victim).expect("read"), b"precious\n");
    assert_eq!(entries(&out), ["account.wasm"]);
}

#[test]
fn export_refuses_a_non_empty_directory() {
    let out = tempfile::tempdir().expect("temp dir");
    std::fs::write(out.path().join("notes.txt"), b"mine\n").expect("write");
    let dir = out.path().display().to_string();
    let run = acmebox(&["components", "export", &dir]);
    fails_with(&run, &format!("cannot export into {dir}: it is not empty"));
    assert_eq!(entries(out.path()), ["notes.txt"]);
    let kept = std::fs::read(out.path().join("notes.txt")).expect("read");
    assert_eq!(kept, b"mine\n");
}

#[cfg(unix)]
#[test]
fn export_refuses_a_symlink_as_the_directory() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).expect("mkdir");
    let link = tmp.path().join("stages");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let dir = link.display().to_string();
    let run = acmebox(&["components", "export", &dir]);
    fails_with(
        &run,
        &format!("cannot export into {dir}: it is a symbolic link"),
    );
    assert!(entries(&real).is_empty(), "{:?}", entries(&real));
}

/// Needs root, to give the directory away; skipped (passing) otherwise.
#[cfg(unix)]
#[test]
fn export_refuses_a_directory_owned_by_another_user() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: only root can make a directory owned by another user");
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("stages");
    std::fs::create_dir(&out).expect("mkdir");
    std::os::unix::fs::chown(&out, Some(65534), None).expect("chown");
    let dir = out.display().to_string();
    let run = acmebox(&["components", "export", &dir]);
    fails_with(
        &run,
        &format!("cannot export into {dir}: it is owned by uid 65534, not by you"),
    );
    assert!(entries(&out).is_empty(), "{:?}", entries(&out));
}

#[test]
fn components_verify_passes_on_the_built_binary() {
    let run = acmebox(&["components", "verify"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "account  ok",
            "domain-key  ok",
            "network  ok",
            "challenge  ok",
            "cert-parser  ok",
            "file-writer  ok",
            "responder  ok"
        ]
    );
}

/// docs/acmebox.1 is what the command line's definition generates (`just
/// man`): a flag added without regenerating the page fails here.
#[test]
fn committed_manual_page_is_current() {
    let run = acmebox(&["manpage"]);
    run.expect_code(0);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/acmebox.1"))
            .expect("docs/acmebox.1 (run `just man`)");
    assert!(
        committed == run.stdout,
        "docs/acmebox.1 is stale: run `just man`"
    );
    for needle in ["DIFFERENCES FROM ACME-CLIENT(1)", "\\-e", "\\-m", "\\-a"] {
        assert!(committed.contains(needle), "{needle} not in the page");
    }
}
