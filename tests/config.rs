//! `acmebox --config FILE` against pebble: the example of docs/CONFIG.md with
//! only its paths changed issues every certificate; one certificate failing
//! leaves the others processed (exit 1, a summary line each); one account
//! session per authority (newAccount sent once); `grants --config`.

mod common;

use common::{cert_names, Run};
use std::path::{Path, PathBuf};
use std::process::Command;
use testbed::Testbed;

fn testbed() -> Testbed {
    Testbed::start().expect("start pebble (run scripts/setup first)")
}

/// Run acmebox with `args` (environment cleared, as common::acmebox).
fn acmebox(args: &[&str]) -> Run {
    common::acmebox(args)
}

/// The `conf` block of docs/CONFIG.md's "Example" section.
fn documented_example() -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/CONFIG.md"))
        .expect("docs/CONFIG.md");
    let example = doc.split("## Example").nth(1).expect("an Example section");
    let block = example.split("```conf\n").nth(1).expect("a conf block");
    block.split("```").next().expect("its end").to_string()
}

/// A scratch tree for the example's paths: acme/ (account key, CA file),
/// private/ (domain keys), ssl/ (certificates).
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        for sub in ["acme", "private", "ssl"] {
            std::fs::create_dir_all(root.join(sub)).expect("dir");
        }
        Tree { _dir: dir, root }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.root.join(sub)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.root.join(name);
        std::fs::write(&path, text).expect("write config");
        path
    }
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// The example with its paths (and only they) pointed at `tree` and `bed`.
fn example_for(bed: &Testbed, tree: &Tree) -> String {
    std::fs::copy(bed.ca_file(), tree.path("acme/pebble.minica.pem")).expect("CA file");
    documented_example()
        .replace("https://localhost:14000/dir", &bed.directory_url())
        .replace("/etc/acme/", &format!("{}/", s(&tree.path("acme"))))
        .replace(
            "/etc/ssl/private/",
            &format!("{}/", s(&tree.path("private"))),
        )
        .replace("/etc/ssl/", &format!("{}/", s(&tree.path("ssl"))))
        .replace("/srv/www/acme", &s(bed.challenge_dir()))
}

/// The documented example issues both its certificates in one run: the
/// first domain has no `challengedir`, so acme-client's default
/// /var/www/acme is used; the run happens in a private mount namespace
/// (`unshare -rm`) where the testbed's served directory is mounted there.
#[test]
fn documented_example_issues_every_certificate() {
    let bed = testbed();
    let tree = Tree::new();
    let conf = tree.write("acme-client.conf", &example_for(&bed, &tree));
    let script = "mount -t tmpfs tmpfs /var && mkdir -p /var/www/acme && \
                  mount --bind \"$1\" /var/www/acme && shift && exec \"$@\"";
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(bed.challenge_dir())
        .arg(env!("CARGO_BIN_EXE_acmebox"))
        .args(["--config", &s(&conf), "-n", "-N", "-v"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("run unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("example.com: installed") && stderr.contains("mail: installed"),
        "a summary line per certificate: {stderr}"
    );
    // The batch restricted itself once, before the certificates' runs
    // (host/src/landlock.rs), keeping /var/www/acme (a bind mount here).
    if acmebox::landlock::probe().is_some() {
        let line = stderr
            .lines()
            .find(|l| l.contains("landlock: applied (kernel ABI"))
            .unwrap_or_else(|| panic!("the batch did not restrict itself: {stderr}"));
        assert!(line.contains("read-write /var/www/acme"), "{line}");
    }
    assert_eq!(
        cert_names(&tree.path("ssl/example.com.fullchain.pem")),
        ["example.com", "secure.example.com", "www.example.com"]
    );
    assert_eq!(
        cert_names(&tree.path("ssl/mail.example.com.crt")),
        ["mail.example.com"]
    );
    assert!(tree.path("ssl/mail.example.com.chain.pem").exists());
    // `ecdsa` is P-384, as in OpenBSD; no type is acmebox's P-256.
    let key =
        |name: &str| common::openssl(&["pkey", "-noout", "-text", "-in", &s(&tree.path(name))]);
    assert!(key("private/example.com.key").contains("P-384"));
    assert!(key("private/mail.example.com.key").contains("P-256"));

    // Everything up to date now: exit 2, the server not needed.
    let again = Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(bed.challenge_dir())
        .arg(env!("CARGO_BIN_EXE_acmebox"))
        .args(["--config", &s(&conf)])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("run unshare");
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// A configuration of three certificates, one of them in a directory that
/// does not exist: that one fails, the other two are installed, exit 1, a
/// summary line each. The next run keeps the two (and still fails the one).
fn three_domains(bed: &Testbed, tree: &Tree) -> PathBuf {
    let ssl = s(&tree.path("ssl"));
    let private = s(&tree.path("private"));
    let text = format!(
        "{authority}chal = \"{chal}\"\n\
         domain one {{\n\
         \tdomain name one.example.com\n\
         \tdomain key \"{private}/one.key\"\n\
         \tdomain full chain certificate \"{ssl}/one.pem\"\n\
         \tchallengedir $chal\n\
         }}\n\
         domain two {{\n\
         \tdomain name two.example.com\n\
         \tdomain key \"{private}/two.key\"\n\
         \tdomain certificate \"{ssl}/two.crt\"\n\
         \tchallengedir $chal\n\
         }}\n\
         domain broken {{\n\
         \tdomain name broken.example.com\n\
         \tdomain key \"{private}/broken.key\"\n\
         \tdomain certificate \"{ssl}/missing/broken.crt\"\n\
         \tchallengedir $chal\n\
         }}\n",
        authority = common::authority(bed, &tree.path("acme").join("account.pem")),
        chal = s(bed.challenge_dir()),
    );
    tree.write("three.conf", &text)
}

#[test]
fn one_failing_certificate_leaves_the_others_processed() {
    let bed = testbed();
    let tree = Tree::new();
    let conf = three_domains(&bed, &tree);
    let run = acmebox(&["--config", &s(&conf), "-n", "-N"]);
    run.expect_code(1);
    for line in ["one: installed", "two: installed", "broken: failed"] {
        assert!(run.stderr.contains(line), "{line:?} in {}", run.stderr);
    }
    assert!(tree.path("ssl/one.pem").exists() && tree.path("ssl/two.crt").exists());
    let run = acmebox(&["--config", &s(&conf)]);
    run.expect_code(1);
    for line in ["one: up to date", "two: up to date", "broken: failed"] {
        assert!(run.stderr.contains(line), "{line:?} in {}", run.stderr);
    }
    // The handles named: only those.
    let run = acmebox(&["--config", &s(&conf), "one", "two"]);
    run.expect_code(2);
    assert!(!run.stderr.contains("broken"), "{}", run.stderr);
}

/// One account session per authority: the account key is read once, and
/// newAccount is sent once for all the certificates (-vv traces it).
#[test]
fn certificates_of_one_authority_share_one_account_session() {
    let bed = testbed();
    let tree = Tree::new();
    let conf = three_domains(&bed, &tree);
    let run = acmebox(&["--config", &s(&conf), "-n", "-N", "-vv", "one", "two"]);
    run.expect_code(0);
    let new_account = run
        .stderr
        .lines()
        .filter(|l| l.contains("-vv: POST") && l.contains("sign-me-up"))
        .count();
    assert_eq!(new_account, 1, "newAccount requests:\n{}", run.stderr);
    let keys_read = run
        .stderr
        .lines()
        .filter(|l| l.contains("3. account key"))
        .count();
    assert_eq!(keys_read, 1, "{}", run.stderr);
}

/// `grants --config` prints each certificate's grants under its handle,
/// file-writer's names being exactly its files.
#[test]
fn grants_of_every_certificate() {
    let bed = testbed();
    let tree = Tree::new();
    let conf = three_domains(&bed, &tree);
    let run = acmebox(&["grants", "--config", &s(&conf), "--json", "one", "two"]);
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let handles: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["handle"].as_str().expect("handle"))
        .collect();
    assert_eq!(handles, ["one", "two"]);
    assert!(run.stdout.contains("one.pem") && run.stdout.contains("two.crt"));
    assert!(!run.stdout.contains("broken"));
}
