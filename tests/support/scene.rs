//! The scene: granted directories, a secret outside them, the grants.

use super::{Attacker, Hostile};
use acmebox::grant::Grant;
use acmebox::options::{IssueArgs, Options};
use acmebox::stage::Stage;
use acmebox::Error;
use clap::Parser;
use std::path::{Path, PathBuf};

/// What `inside.txt` holds in every granted directory.
pub const INSIDE: &str = "inside the grant\n";
/// What `outside/secret.txt` holds.
pub const SECRET: &str = "secret outside every grant\n";

/// file-writer's staging directory, relative to the scene's root.
const STAGING: &str = "certs/.acmebox-stage-escape";

/// A temporary directory laid out as
///
/// ```text
/// account/   account.pem, inside.txt, sub/, link-abs, link-rel, link-dir
/// domain/    domain.pem,  (the same)
/// challenge/ (the same)
/// certs/     private/privkey.pem, cert.pem         (the certificate directory)
/// certs/.acmebox-stage-escape/  (as challenge/)    (file-writer's staging directory)
/// outside/   secret.txt, keep/
/// ```
///
/// where `link-abs` → `<root>/outside/secret.txt`, `link-rel` →
/// `../outside/secret.txt` (`../../` from the staging directory) and
/// `link-dir` → `<root>/outside`: symlinks planted inside each grant,
/// pointing out of it. file-writer is granted the staging directory, as in a
/// run (`Grant::with_staging`), never `certs/` with the key of acme-client's
/// default layout under it.
pub struct Scene {
    dir: tempfile::TempDir,
    opts: Options,
}

/// Parses acmebox's issuance flags, as `acmebox` does.
#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    issue: IssueArgs,
}

impl Scene {
    /// A scene whose network grant is `https://127.0.0.1:443/dir`.
    pub fn new() -> Scene {
        Scene::with_server("127.0.0.1", 443)
    }

    /// A scene whose network grant is host `host`, port `port`.
    pub fn with_server(host: &str, port: u16) -> Scene {
        Scene::build(host, port, &[])
    }

    /// A scene of a run with `-n -N`: the account and domain-key stages get
    /// their directories read-write, to create the keys.
    pub fn with_new_keys() -> Scene {
        Scene::build("127.0.0.1", 443, &["-n", "-N"])
    }

    fn build(host: &str, port: u16, flags: &[&str]) -> Scene {
        let dir = tempfile::Builder::new()
            .prefix("acmebox-escape-")
            .tempdir()
            .expect("temporary directory");
        // Canonical, so that absolute paths and symlink targets are exact.
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let outside = root.join("outside");
        std::fs::create_dir_all(outside.join("keep")).expect("outside/keep");
        std::fs::write(outside.join("secret.txt"), SECRET).expect("secret.txt");
        let certs = root.join("certs");
        std::fs::create_dir_all(certs.join("private")).expect("certs/private");
        std::fs::write(certs.join("private/privkey.pem"), "not really a key\n").expect("key");
        std::fs::write(certs.join("cert.pem"), "not really a certificate\n").expect("cert");
        for (sub, key) in [
            ("account", Some("account.pem")),
            ("domain", Some("domain.pem")),
            ("challenge", None),
            (STAGING, None),
        ] {
            let d = root.join(sub);
            std::fs::create_dir_all(d.join("sub")).expect("granted dir");
            std::fs::write(d.join("inside.txt"), INSIDE).expect("inside.txt");
            if let Some(key) = key {
                std::fs::write(d.join(key), "not really a key\n").expect("key file");
            }
            let up = "../".repeat(Path::new(sub).components().count());
            symlink(&outside.join("secret.txt"), &d.join("link-abs"));
            symlink(
                Path::new(&format!("{up}outside/secret.txt")),
                &d.join("link-rel"),
            );
            symlink(&outside, &d.join("link-dir"));
        }
        let path = |p: &str| root.join(p).display().to_string();
        let directory = if host.contains(':') {
            format!("https://[{host}]:{port}/dir")
        } else {
            format!("https://{host}:{port}/dir")
        };
        let mut argv = vec!["acmebox".to_string()];
        argv.extend(flags.iter().map(|f| f.to_string()));
        argv.extend([
            "-f".into(),
            path("account/account.pem"),
            "-k".into(),
            path("domain/domain.pem"),
            "-C".into(),
            path("challenge"),
            "-c".into(),
            path("certs"),
            "--directory".into(),
            directory,
            "example.com".into(),
        ]);
        let cmd = Cmd::try_parse_from(argv).expect("acmebox's flags parse");
        let opts = Options::from_args(&cmd.issue).expect("valid options");
        Scene { dir, opts }
    }

    /// The root of the scene.
    pub fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().expect("canonical temp dir")
    }

    /// The secret file outside every grant.
    pub fn secret(&self) -> PathBuf {
        self.root().join("outside").join("secret.txt")
    }

    /// The directory outside every grant.
    pub fn outside(&self) -> PathBuf {
        self.root().join("outside")
    }

    /// The host directory of `stage`'s grant in this scene (for file-writer,
    /// the staging directory a run would have created).
    pub fn dir_of(&self, stage: Stage) -> PathBuf {
        let sub = match stage {
            Stage::Account => "account",
            Stage::DomainKey => "domain",
            Stage::Challenge => "challenge",
            Stage::FileWriter => STAGING,
            Stage::Network | Stage::CertParser => panic!("{stage} has no directory"),
        };
        self.root().join(sub)
    }

    /// The certificate directory (`-c`).
    pub fn cert_dir(&self) -> PathBuf {
        self.root().join("certs")
    }

    /// The grant of `stage` as `Grant::all` makes it for this scene's
    /// options, before a run (file-writer's directory is still a pattern).
    pub fn design_grant(&self, stage: Stage) -> Grant {
        Grant::all(&self.opts)
            .into_iter()
            .find(|g| g.name == stage)
            .unwrap_or_else(|| panic!("Grant::all has no grant for {stage}"))
    }

    /// The real grant of `stage` as a run builds its sandbox: `Grant::all`,
    /// with file-writer's staging directory put in (`Grant::with_staging`).
    pub fn grant(&self, stage: Stage) -> Grant {
        self.design_grant(stage)
            .with_staging(&self.dir_of(Stage::FileWriter))
    }

    /// Load `kind` into `stage`'s sandbox with its real grant.
    pub fn load(&self, stage: Stage, kind: Hostile) -> Result<Attacker, Error> {
        Attacker::load(&self.grant(stage), kind)
    }

    /// Load `kind` into `stage`'s sandbox, which must accept it.
    pub fn attacker(&self, stage: Stage, kind: Hostile) -> Attacker {
        self.load(stage, kind)
            .unwrap_or_else(|e| panic!("{stage} should load the {kind:?} component: {e}"))
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("planting a symlink");
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path) {
    let planted = if target.is_dir() {
        std::os::windows::fs::symlink_dir(target, link)
    } else {
        std::os::windows::fs::symlink_file(target, link)
    };
    planted.expect("planting a symlink");
}

/// Every file and directory under `dir` (relative paths) with the contents of
/// the files, to show that an attack changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("dir entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let rel = path.strip_prefix(dir).expect("under dir").to_path_buf();
            if meta.is_dir() {
                stack.push(path);
                out.push((rel, None));
            } else if meta.is_symlink() {
                let target = std::fs::read_link(&path).expect("read_link");
                out.push((rel, Some(target.display().to_string().into_bytes())));
            } else {
                out.push((rel, Some(std::fs::read(&path).expect("read"))));
            }
        }
    }
    out.sort();
    out
}
