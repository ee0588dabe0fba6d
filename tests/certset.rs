//! Per-certificate settings (lacme's certificate sections) against pebble:
//! `--min-days N` and a domain's `min-days N` decide when a certificate is
//! renewed; `--notify CMD` and a domain's `notify CMD` run after an install
//! only, see the certificate's paths in their environment, and their
//! failure is exit 1 with the new certificate kept; `--chmod MODE` and a
//! domain's `chmod MODE` set the installed files' mode, `--chown` and
//! `chown` their owner.

mod common;

use common::{acmebox, cert_serial, Client};
use std::path::Path;
use std::time::Duration;
use testbed::{test_names, Testbed};

const DAY: u64 = 86400;
/// The name of the configuration's domain `one`.
const ONE: &str = "one.example.com";

/// pebble issuing 60-day certificates.
fn testbed() -> Testbed {
    Testbed::builder()
        .certificate_validity(Duration::from_secs(60 * DAY))
        .start()
        .expect("start pebble (run scripts/setup first)")
}

/// A notify command writing its environment to `out` (shell builtins only:
/// acmebox's environment, cleared by the tests, has no PATH).
fn recorder(out: &Path) -> String {
    format!(
        "printf '%s\\n' \"$ACMEBOX_DOMAIN\" \"$ACMEBOX_CERT\" \"$ACMEBOX_CHAIN\" \
         \"$ACMEBOX_FULLCHAIN\" >> '{}'",
        out.display()
    )
}

/// What [`recorder`] wrote for one run in `certs`.
fn recorded(domain: &str, certs: &Path) -> String {
    let d = certs.display();
    format!("{domain}\n{d}/cert.pem\n{d}/chain.pem\n{d}/fullchain.pem\n")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn min_days_flag_decides_renewal() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    client.issue(&bed, &["-nN"], &names).expect_code(0);
    let first = cert_serial(&client.certs.join("cert.pem"));
    // Just under 60 days left: kept by the default 30 and by 59...
    client.issue(&bed, &[], &names).expect_code(2);
    client
        .issue(&bed, &["--min-days", "59"], &names)
        .expect_code(2);
    assert_eq!(cert_serial(&client.certs.join("cert.pem")), first);
    // ...renewed by 60.
    let run = client.issue(&bed, &["-v", "--min-days", "60"], &names);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("days left, not more than 60 (min-days)"),
        "{}",
        run.stderr
    );
    assert_ne!(cert_serial(&client.certs.join("cert.pem")), first);
}

#[test]
fn min_days_out_of_range_is_a_usage_error() {
    let client = Client::new();
    for bad in ["0", "367", "x"] {
        let mut args = vec!["--min-days".to_string(), bad.to_string()];
        args.extend(client.args_offline("https://acme.test/dir"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(1);
        assert!(run.stderr.contains("--min-days"), "{}", run.stderr);
    }
}

#[test]
fn notify_runs_after_an_install_only_with_the_paths() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    let out = client.keys.join("notified");
    let cmd = recorder(&out);
    client
        .issue(&bed, &["-nN", "--notify", &cmd], &names)
        .expect_code(0);
    assert_eq!(read(&out), recorded(&names[0], &client.certs));
    // Up to date (exit 2): not run.
    client
        .issue(&bed, &["--notify", &cmd], &names)
        .expect_code(2);
    assert_eq!(read(&out), recorded(&names[0], &client.certs));
    // A failed run (no account key, no -n): not run either.
    Client::new()
        .issue(&bed, &["--notify", &cmd], &names)
        .expect_code(1);
    assert_eq!(read(&out), recorded(&names[0], &client.certs));
}

#[test]
fn a_failing_notify_is_exit_1_and_keeps_the_new_certificate() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    let run = client.issue(&bed, &["-nN", "--notify", "echo reloading; exit 7"], &names);
    run.expect_code(1);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("notify"))
        .unwrap_or_default();
    assert!(
        line.contains("exited with status 7") && line.contains("stays installed"),
        "{}",
        run.stderr
    );
    // Its output goes to standard error, never to standard output (-t's channel).
    assert!(run.stderr.contains("reloading"), "{}", run.stderr);
    assert!(!run.stdout.contains("reloading"), "{}", run.stdout);
    common::assert_installed(&bed, &client, &names);
    // The certificate it kept is up to date on the next run.
    client.issue(&bed, &[], &names).expect_code(2);
}

#[test]
fn an_empty_notify_is_a_usage_error() {
    let client = Client::new();
    let mut args = vec!["--notify".to_string(), " ".to_string()];
    args.extend(client.args_offline("https://acme.test/dir"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(1);
    assert!(
        run.stderr.contains("--notify: an empty command"),
        "{}",
        run.stderr
    );
}

/// A configuration of two domains for `bed` in `root`: `one` with
/// `min-days 60` and a recording notify, `two` with neither.
fn config(bed: &Testbed, root: &Path, out: &Path) -> std::path::PathBuf {
    let s = |p: &Path| p.display().to_string();
    for sub in ["acme", "private", "one", "two"] {
        std::fs::create_dir_all(root.join(sub)).expect("dir");
    }
    let text = format!(
        "{authority}domain one {{\n\
         \tdomain name {one}\n\
         \tdomain key \"{root}/private/one.key\"\n\
         \tdomain certificate \"{root}/one/cert.pem\"\n\
         \tdomain chain certificate \"{root}/one/chain.pem\"\n\
         \tdomain full chain certificate \"{root}/one/fullchain.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         \tmin-days 60\n\
         \tchmod 0400\n\
         \tchown 4242:4243\n\
         \tnotify \"{notify}\"\n\
         }}\n\
         domain two {{\n\
         \tdomain name {two}\n\
         \tdomain key \"{root}/private/two.key\"\n\
         \tdomain full chain certificate \"{root}/two/fullchain.pem\"\n\
         \tchallengedir \"{chal}\"\n\
         }}\n",
        authority = common::authority(bed, &root.join("acme/account.pem")),
        root = s(root),
        chal = s(bed.challenge_dir()),
        one = ONE,
        two = "two.example.com",
        notify = recorder(out).replace('\\', "\\\\").replace('"', "\\\""),
    );
    let path = root.join("acmebox.conf");
    std::fs::write(&path, text).expect("config");
    path
}

#[test]
fn config_min_days_and_notify_apply_to_their_domain() {
    let bed = testbed();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let out = root.join("notified");
    let conf = config(&bed, root, &out);
    let conf = conf.display().to_string();
    let run = acmebox(&["--config", &conf, "-n", "-N"]);
    run.expect_code(0);
    // Only `one` has notify: one record, its paths.
    assert_eq!(read(&out), recorded(ONE, &root.join("one")));
    // Only `one` has chmod 0400; `two` has the default 0444.
    for name in ["cert.pem", "chain.pem", "fullchain.pem"] {
        assert_eq!(common::mode(&root.join("one").join(name)), 0o400, "{name}");
    }
    assert_eq!(common::mode(&root.join("two/fullchain.pem")), 0o444);
    assert_eq!(owner(&root.join("one/cert.pem")), (4242, 4243));
    // Next run: `one` (60 days left, min-days 60) renews and notifies
    // again; `two` (default 30) is up to date.
    let run = acmebox(&["--config", &conf]);
    run.expect_code(0);
    for line in ["one: installed", "two: up to date"] {
        assert!(run.stderr.contains(line), "{line:?} in {}", run.stderr);
    }
    assert_eq!(read(&out), recorded(ONE, &root.join("one")).repeat(2));
    // --min-days on the command line does not override the domain's.
    let run = acmebox(&["--config", &conf, "--min-days", "1"]);
    run.expect_code(0);
    assert!(run.stderr.contains("one: installed"), "{}", run.stderr);
}

#[test]
fn grants_shows_the_notify_command_and_the_mode() {
    let client = Client::new();
    let mut args = vec![
        "grants".to_string(),
        "--chmod".to_string(),
        "0440".to_string(),
        "--notify".to_string(),
        "systemctl reload nginx".to_string(),
        "--chown".to_string(),
        "0:0".to_string(),
    ];
    args.extend(client.args_offline("https://acme.test/dir"));
    args.push("example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("notify     after an install, /bin/sh -c \"systemctl reload nginx\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("chmod      0440 on the installed files"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("chown      0:0 on the installed files"),
        "{}",
        run.stdout
    );
    args.drain(1..7);
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(!run.stdout.contains("host (not a stage)"), "{}", run.stdout);
}

/// `grants --json` shows the same settings, on file-writer's object only.
#[test]
fn grants_json_shows_what_the_host_does_after_the_install() {
    let client = Client::new();
    let grants = |extra: &[&str]| -> Vec<serde_json::Value> {
        let mut args: Vec<String> = ["grants", "--json"].map(String::from).to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(client.args_offline("https://acme.test/dir"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(0);
        serde_json::from_str(&run.stdout).expect("grants --json is JSON")
    };
    let set = grants(&[
        "--chmod",
        "0440",
        "--chown",
        "0:0",
        "--notify",
        "systemctl reload nginx",
    ]);
    for stage in &set {
        let after = &stage["after_install"];
        if stage["name"] == "file-writer" {
            assert_eq!(after["mode"], "0440", "{after}");
            assert_eq!(after["owner"], "0:0", "{after}");
            assert_eq!(after["notify"], "systemctl reload nginx", "{after}");
        } else {
            assert!(after.is_null(), "{}: {after}", stage["name"]);
        }
    }
    let default = grants(&[]);
    let writer = default
        .iter()
        .find(|s| s["name"] == "file-writer")
        .expect("file-writer listed");
    assert_eq!(writer["after_install"]["mode"], "0444");
    assert!(writer["after_install"]["owner"].is_null());
    assert!(writer["after_install"]["notify"].is_null());
}

#[test]
fn chmod_sets_the_installed_files_mode() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    client
        .issue(&bed, &["-nN", "--chmod", "0440"], &names)
        .expect_code(0);
    for name in ["cert.pem", "chain.pem", "fullchain.pem"] {
        let mode = common::mode(&client.certs.join(name));
        assert_eq!(mode, 0o440, "{name}: {mode:o}");
    }
    // Read back by their owner: up to date.
    client
        .issue(&bed, &["--chmod", "0440"], &names)
        .expect_code(2);
    // Renewed without --chmod: 0444 again.
    client.issue(&bed, &["-F"], &names).expect_code(0);
    assert_eq!(common::mode(&client.certs.join("cert.pem")), 0o444);
}

#[test]
fn a_mode_that_is_not_read_only_is_a_usage_error_naming_it() {
    let client = Client::new();
    for (bad, why) in [
        ("0640", "only read bits"),
        ("0755", "never writable or executable"),
        ("0044", "the owner must keep read"),
        ("rw", "not an octal mode"),
    ] {
        let mut args = vec!["--chmod".to_string(), bad.to_string()];
        args.extend(client.args_offline("https://acme.test/dir"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("--chmod") && run.stderr.contains(bad) && run.stderr.contains(why),
            "{}",
            run.stderr
        );
    }
}

/// The uid and gid of `path`.
fn owner(path: &Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).expect("stat");
    (meta.uid(), meta.gid())
}

/// A user who may not give files away (only root or CAP_CHOWN may):
/// `--chown 0:0` fails in preflight, before any key is made or the CA
/// contacted (the directory is a tripwire that counts connections), exit 1
/// naming `--chown`, nothing made. When the tests run as root, the run is
/// made as nobody (65534, through setpriv) from a copy of the binary in a
/// directory nobody owns (the checkout may not be reachable by nobody).
#[cfg(unix)]
#[test]
fn chown_not_permitted_fails_before_the_ca_is_contacted() {
    use std::os::unix::fs::{chown, PermissionsExt};
    let tripwire = testbed::Tripwire::start().expect("tripwire");
    let client = Client::new();
    let root = client.keys.parent().expect("the client's directory");
    let binary = root.join("acmebox");
    std::fs::copy(env!("CARGO_BIN_EXE_acmebox"), &binary).expect("copy the binary");
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let me = rustix::process::geteuid().as_raw();
    let nobody = 65534;
    if me == 0 {
        let keys = &client.keys;
        for dir in [
            root,
            keys,
            &keys.join("account"),
            &keys.join("domain"),
            &client.certs,
        ] {
            chown(dir, Some(nobody), Some(nobody)).expect("chown to nobody");
        }
    }
    let mut command = if me == 0 {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary);
        c
    } else {
        std::process::Command::new(&binary)
    };
    command
        .args(["-nN", "--chown", "0:0"])
        .args(client.args_offline(&tripwire.url()))
        .args(test_names(1))
        .env_clear();
    let run = common::Run::from(command.output().expect("run acmebox"));
    run.expect_code(1);
    assert!(
        run.stderr.contains("--chown 0:0")
            && run
                .stderr
                .contains("before any key was made or the CA contacted"),
        "{}",
        run.stderr
    );
    assert_eq!(tripwire.connections(), 0, "the CA was contacted");
    assert!(!client.account_key().exists() && !client.domain_key().exists());
    assert!(!client.certs.join("cert.pem").exists());
    assert!(!client.certs.join(".acmebox-chown-probe").exists());
}

/// To the current user and group, by id (and by name where the ids are
/// root's, as when the tests run as root); to other ids when permitted.
#[test]
fn chown_sets_the_installed_files_owner() {
    let bed = testbed();
    let names = test_names(1);
    let client = Client::new();
    let probe = client.keys.join("probe");
    std::fs::write(&probe, b"").expect("probe");
    let (uid, gid) = owner(&probe);
    let me = format!("{uid}:{gid}");
    client
        .issue(&bed, &["-nN", "--chown", &me], &names)
        .expect_code(0);
    for name in ["cert.pem", "chain.pem", "fullchain.pem"] {
        assert_eq!(owner(&client.certs.join(name)), (uid, gid), "{name}");
    }
    if uid == 0 {
        client
            .issue(&bed, &["-F", "--chown", "root:root"], &names)
            .expect_code(0);
        assert_eq!(owner(&client.certs.join("cert.pem")), (0, 0));
        client
            .issue(
                &bed,
                &["-F", "--chown", "4242:4243", "--chmod", "0440"],
                &names,
            )
            .expect_code(0);
        assert_eq!(owner(&client.certs.join("fullchain.pem")), (4242, 4243));
        assert_eq!(common::mode(&client.certs.join("fullchain.pem")), 0o440);
    } else {
        // Not permitted: exit 1 naming the file and the operation, the
        // old set installed.
        let before = std::fs::read(client.certs.join("cert.pem")).expect("cert");
        let run = client.issue(&bed, &["-F", "--chown", "0:0"], &names);
        run.expect_code(1);
        assert!(
            run.stderr.contains("cert.pem: cannot chown it to 0:0")
                && run.stderr.contains("nothing was installed"),
            "{}",
            run.stderr
        );
        assert_eq!(
            std::fs::read(client.certs.join("cert.pem")).expect("cert"),
            before
        );
    }
}

#[test]
fn an_unknown_user_or_group_is_a_usage_error_naming_it() {
    let client = Client::new();
    for (bad, why) in [
        ("no-such-user-acmebox", "no user \"no-such-user-acmebox\""),
        (
            "0:no-such-group-acmebox",
            "no group \"no-such-group-acmebox\"",
        ),
        ("a b", "not USER[:GROUP]"),
    ] {
        let mut args = vec!["--chown".to_string(), bad.to_string()];
        args.extend(client.args_offline("https://acme.test/dir"));
        args.push("example.com".into());
        let run = acmebox(&args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("--chown") && run.stderr.contains(why),
            "{}",
            run.stderr
        );
    }
}
