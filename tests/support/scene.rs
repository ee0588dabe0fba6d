//! The scene: granted directories, a secret outside them, the grants.

use super::{Attacker, Hostile};
use acmebox::grant::Grant;
use acmebox::options::{IssueArgs, Options};
use acmebox::stage::Stage;
use acmebox::Error;
use clap::Parser;
use std::path::{Path, PathBuf};

/// What the file `names(stage).inside` holds in every granted directory.
pub const INSIDE: &str = "inside the grant\n";
/// What the domain key of acme-client's default layout,
/// `certs/private/privkey.pem`, and its copy in file-writer's staging
/// directory hold.
pub const PRIVKEY: &str = "not really a key\n";

/// The names the attacks use in one stage's directory, chosen inside the
/// names its grant allows (host/src/names.rs), so that each row still meets
/// the wall it is about (the preopen's boundary, links, read-only grants)
/// and not only the name check in front of it.
#[derive(Clone, Copy, Debug)]
pub struct Names {
    /// An existing file holding [`INSIDE`].
    pub inside: &'static str,
    /// A name to write through wasi:filesystem.
    pub mine: &'static str,
    /// A name to write through Rust's standard library.
    pub std: &'static str,
    /// The planted symlinks: to the secret by absolute path, by relative
    /// path, and to the directory `outside`. The key stages' set is the key
    /// file alone, so theirs are outside it and the name check refuses them
    /// first; challenge and file-writer show the link wall itself.
    pub links: [&'static str; 3],
}

/// The names of `stage`'s directory in every scene.
pub fn names(stage: Stage) -> Names {
    let key = |name| Names {
        inside: name,
        mine: name,
        std: name,
        links: ["link-abs", "link-rel", "link-dir"],
    };
    match stage {
        Stage::Account => key("account.pem"),
        Stage::DomainKey => key("domain.pem"),
        Stage::Challenge => Names {
            inside: "inside",
            mine: "mine",
            std: "std",
            links: ["link-abs", "link-rel", "link-dir"],
        },
        Stage::FileWriter => Names {
            inside: "cert.pem",
            mine: "chain.pem",
            std: "fullchain.pem",
            links: ["cert-1.pem", "cert-2.pem", "cert-3.pem"],
        },
        Stage::Network | Stage::CertParser | Stage::Responder => {
            panic!("{stage} has no directory")
        }
    }
}

/// A file, a symbolic link to it and a directory in every granted
/// directory, each named outside the stage's names: what the wasi:filesystem
/// calls would reach without the name check.
pub const STRAY_FILE: &str = "stray.txt";
/// See [`STRAY_FILE`].
pub const STRAY_LINK: &str = "stray.lnk";
/// See [`STRAY_FILE`].
pub const STRAY_DIR: &str = "stray.d";
/// What `outside/secret.txt` holds.
pub const SECRET: &str = "secret outside every grant\n";

/// file-writer's staging directory, relative to the scene's root.
const STAGING: &str = "certs/.acmebox-stage-escape";

/// A temporary directory laid out as
///
/// ```text
/// account/   account.pem, sub/, link-abs, link-rel, link-dir, stray.*
/// domain/    domain.pem,  (the same)
/// challenge/ inside, sub/, link-abs, link-rel, link-dir, stray.*
/// certs/     private/privkey.pem, cert.pem         (the certificate directory)
/// certs/.acmebox-stage-escape/                     (file-writer's staging directory)
///            cert.pem, sub/, cert-1.pem, cert-2.pem, cert-3.pem, stray.*,
///            private/privkey.pem
/// outside/   secret.txt, keep/
/// ```
///
/// where the file `names(stage).inside` holds [`INSIDE`], and the links
/// `names(stage).links` point to `<root>/outside/secret.txt`, to
/// `../outside/secret.txt` (`../../` from the staging directory) and to
/// `<root>/outside`: symlinks planted inside each grant, pointing out of it.
/// `stray.txt`, `stray.lnk` (→ stray.txt) and `stray.d/` are named outside
/// every stage's names. file-writer is granted the staging directory, as in a
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

    /// A scene of a run with `--http-listen` on each of `addresses`: the
    /// responder's grant lists them (and the challenge stage has no
    /// directory: -C is not used).
    pub fn listening(addresses: &[&str]) -> Scene {
        let flags: Vec<&str> = addresses
            .iter()
            .flat_map(|a| ["--http-listen", a])
            .collect();
        Scene::build("127.0.0.1", 443, &flags)
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
        std::fs::write(certs.join("private/privkey.pem"), PRIVKEY).expect("key");
        std::fs::write(certs.join("cert.pem"), "not really a certificate\n").expect("cert");
        for (sub, stage) in [
            ("account", Stage::Account),
            ("domain", Stage::DomainKey),
            ("challenge", Stage::Challenge),
            (STAGING, Stage::FileWriter),
        ] {
            let d = root.join(sub);
            let n = names(stage);
            std::fs::create_dir_all(d.join("sub")).expect("granted dir");
            std::fs::create_dir_all(d.join(STRAY_DIR)).expect("stray.d");
            std::fs::write(d.join(n.inside), INSIDE).expect("inside");
            std::fs::write(d.join(STRAY_FILE), INSIDE).expect("stray.txt");
            symlink(Path::new(STRAY_FILE), &d.join(STRAY_LINK));
            let up = "../".repeat(Path::new(sub).components().count());
            let [abs, rel, dir] = n.links;
            symlink(&outside.join("secret.txt"), &d.join(abs));
            symlink(Path::new(&format!("{up}outside/secret.txt")), &d.join(rel));
            symlink(&outside, &d.join(dir));
        }
        // A `private` directory inside file-writer's own directory, holding
        // a key (as if the staging directory were the certificate directory
        // of acme-client's default layout).
        let private = root.join(STAGING).join("private");
        std::fs::create_dir_all(&private).expect("staging/private");
        std::fs::write(private.join("privkey.pem"), PRIVKEY).expect("staging key");
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
            Stage::Network | Stage::CertParser | Stage::Responder => {
                panic!("{stage} has no directory")
            }
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
