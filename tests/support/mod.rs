//! Helpers of tests/escape.rs: building the hostile components of
//! tests/hostile, a scratch layout with a secret outside every grant, the
//! grants of DESIGN.md's table written out independently of grant.rs, and
//! loading a hostile component into a stage's sandbox exactly as acmebox
//! loads the stage itself (`Runtime::load`: same linker, WASI context,
//! limits and import check).

use acmebox::grant::{Grant, Wasi};
use acmebox::options::{IssueArgs, Options};
use acmebox::sandbox::{Runtime, Sandboxed};
use acmebox::stage::Stage;
use acmebox::Error;
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{mpsc, OnceLock};
use std::time::Duration;
use wasmtime::component::{Component, TypedFunc};

// ---------------------------------------------------------------------------
// What each stage may have (DESIGN.md, "The stages"; the memory limits and
// deadlines, which DESIGN.md leaves open, as grant.rs set them for issue #3),
// written out here rather than read from grant.rs: a test compares the two,
// so a widened grant fails.

/// What DESIGN.md grants one stage.
pub struct Expect {
    /// Its one directory: where the stage sees it, and whether it may write.
    pub dir: Option<(&'static str, bool)>,
    /// wasi:sockets and the host's resolver.
    pub network: bool,
    /// wasi:clocks.
    pub clocks: bool,
    /// wasi:random.
    pub random: bool,
    /// The account stage's signer, forwarded by the host.
    pub signer: bool,
    /// The memory limit, MiB.
    pub memory_mib: usize,
    /// The CPU deadline of one call.
    pub deadline: Duration,
}

/// Every WASI group a grant can hold.
pub const GROUPS: [Wasi; 5] = [
    Wasi::Cli,
    Wasi::Clocks,
    Wasi::Random,
    Wasi::Filesystem,
    Wasi::Sockets,
];

impl Expect {
    /// Whether DESIGN.md gives the stage the WASI group `w`.
    pub fn has(&self, w: Wasi) -> bool {
        match w {
            Wasi::Cli => true,
            Wasi::Clocks => self.clocks,
            Wasi::Random => self.random,
            Wasi::Filesystem => self.dir.is_some(),
            Wasi::Sockets => self.network,
        }
    }
}

/// The grants of DESIGN.md for a run without -n/-N (key directories are
/// read-only).
pub fn expect(stage: Stage) -> Expect {
    let e = |dir, network, clocks, random, signer, memory_mib, deadline_s| Expect {
        dir,
        network,
        clocks,
        random,
        signer,
        memory_mib,
        deadline: Duration::from_secs(deadline_s),
    };
    match stage {
        Stage::Account => e(Some(("/key", false)), false, true, true, false, 32, 20),
        Stage::DomainKey => e(Some(("/key", false)), false, true, true, false, 32, 20),
        Stage::Network => e(None, true, true, true, true, 64, 60),
        Stage::Challenge => e(Some(("/challenge", true)), false, true, false, false, 16, 5),
        Stage::CertParser => e(None, false, false, false, false, 32, 5),
        Stage::FileWriter => e(Some(("/certs", true)), false, true, false, false, 16, 5),
    }
}

// ---------------------------------------------------------------------------
// The hostile components.

/// One hostile component of tests/hostile (see wit/hostile.wit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// wasi:cli and wasi:io only: environment, arguments, stdin, memory, CPU.
    Bare,
    /// wasi:filesystem.
    Fs,
    /// wasi:filesystem through Rust's standard library, at the version the
    /// stages import (0.2.6).
    StdFs,
    /// wasi:sockets and the host's resolver.
    Net,
    /// wasi:clocks.
    Clocks,
    /// wasi:random.
    Random,
    /// acmebox:stages/signer (the account key).
    Signer,
    /// acmebox:stages/csr (the domain key).
    Csr,
    /// Like [`Hostile::Bare`], with a function table of 16 Mi elements.
    Table,
}

impl Hostile {
    const ALL: [Hostile; 9] = [
        Hostile::Bare,
        Hostile::Fs,
        Hostile::StdFs,
        Hostile::Net,
        Hostile::Clocks,
        Hostile::Random,
        Hostile::Signer,
        Hostile::Csr,
        Hostile::Table,
    ];

    /// The crate's artefact name.
    fn artefact(self) -> &'static str {
        match self {
            Hostile::Bare => "hostile_bare",
            Hostile::Fs => "hostile_fs",
            Hostile::StdFs => "hostile_std_fs",
            Hostile::Net => "hostile_net",
            Hostile::Clocks => "hostile_clocks",
            Hostile::Random => "hostile_random",
            Hostile::Signer => "hostile_signer",
            Hostile::Csr => "hostile_csr",
            Hostile::Table => "hostile_table",
        }
    }

    fn index(self) -> usize {
        Hostile::ALL
            .iter()
            .position(|h| *h == self)
            .expect("every kind is in ALL")
    }
}

/// tests/hostile.
fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hostile")
}

/// Build tests/hostile once per test binary run, as host/build.rs builds
/// components/: its own target dir, a cleared environment, `--locked`.
/// Returns the directory holding the `.wasm` files.
fn built() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let dir = hostile_dir();
        let target = dir.join("target");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.env_clear().current_dir(&dir);
        for var in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "TMPDIR",
        ] {
            if let Some(value) = std::env::var_os(var) {
                cmd.env(var, value);
            }
        }
        cmd.args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ]);
        cmd.arg(&target);
        let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo build in {} exited with {}:\n{}",
                dir.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(target.join("wasm32-wasip2").join("release"))
    });
    match built {
        Ok(path) => path,
        Err(e) => panic!("building the hostile components failed: {e}"),
    }
}

/// The one engine of the test binary, with acmebox's settings and epoch
/// thread (components are compiled for it once and shared by all tests).
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new().expect("the wasmtime engine starts"))
}

/// `kind`, compiled for [`runtime`] (once).
fn component(kind: Hostile) -> &'static Component {
    static COMPILED: [OnceLock<Component>; Hostile::ALL.len()] =
        [const { OnceLock::new() }; Hostile::ALL.len()];
    COMPILED[kind.index()].get_or_init(|| {
        let path = built().join(format!("{}.wasm", kind.artefact()));
        let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Component::from_binary(runtime().engine(), &wasm)
            .unwrap_or_else(|e| panic!("{kind:?} does not compile: {e:#}"))
    })
}

/// The imports of `kind`, read from the component as the host reads them.
pub fn imports(kind: Hostile) -> Vec<String> {
    acmebox::linker::imports(runtime().engine(), component(kind))
}

/// The export every hostile component has:
/// `attack: func(kind: string, arg: string) -> result<string, string>`.
pub struct Attack {
    func: TypedFunc<(String, String), (Result<String, String>,)>,
}

/// A hostile component loaded in a stage's sandbox.
pub struct Attacker {
    inner: Sandboxed<(), Attack>,
}

impl Attacker {
    /// Load `kind` into a sandbox built from `grant`, through the same
    /// `Runtime::load` as the stages. The host resolver is linked as
    /// `network::load` links it (for the one world that imports it); a stage
    /// without it refuses that world before linking.
    pub fn load(grant: &Grant, kind: Hostile) -> Result<Attacker, Error> {
        let inner = runtime().load(
            grant,
            component(kind),
            (),
            |linker| match kind {
                Hostile::Net => acmebox::stages::network::add_resolver_to_linker(linker),
                _ => Ok(()),
            },
            |store, component, linker| {
                let instance = linker.instantiate(&mut *store, component)?;
                let func = instance.get_typed_func(&mut *store, "attack")?;
                Ok(Attack { func })
            },
        )?;
        Ok(Attacker { inner })
    }

    /// Run one attack. `Ok` is what the attack obtained; the guest's `err`
    /// (the host's answer to it) comes back as [`Error::Stage`], a trap as
    /// [`Error::Trap`], both naming the stage and the step "attack".
    pub fn attack(&mut self, kind: &str, arg: &str) -> Result<String, Error> {
        let args = (kind.to_string(), arg.to_string());
        self.inner.call("attack", |b, store| {
            let (result,) = b.func.call(&mut *store, args)?;
            Ok(result)
        })
    }

    /// [`Attacker::attack`] on another thread, giving up after `limit` (so a
    /// sandbox that fails to stop a stage fails the test instead of hanging
    /// it). `None` when the limit passed; the attack then runs on unobserved.
    pub fn attack_within(
        mut self,
        kind: &'static str,
        arg: String,
        limit: Duration,
    ) -> Option<Result<String, Error>> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(self.attack(kind, &arg));
        });
        rx.recv_timeout(limit).ok()
    }
}

// ---------------------------------------------------------------------------
// The scene: granted directories, a secret outside them, the grants.

/// What `inside.txt` holds in every granted directory.
pub const INSIDE: &str = "inside the grant\n";
/// What `outside/secret.txt` holds.
pub const SECRET: &str = "secret outside every grant\n";

/// A temporary directory laid out as
///
/// ```text
/// account/   account.pem, inside.txt, sub/, link-abs, link-rel, link-dir
/// domain/    domain.pem,  (the same)
/// challenge/ (the same)
/// certs/     (the same)
/// outside/   secret.txt, keep/
/// ```
///
/// where `link-abs` → `<root>/outside/secret.txt`, `link-rel` →
/// `../outside/secret.txt` and `link-dir` → `<root>/outside`: symlinks
/// planted inside each grant, pointing out of it.
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
        for (sub, key) in [
            ("account", Some("account.pem")),
            ("domain", Some("domain.pem")),
            ("challenge", None),
            ("certs", None),
        ] {
            let d = root.join(sub);
            std::fs::create_dir_all(d.join("sub")).expect("granted dir");
            std::fs::write(d.join("inside.txt"), INSIDE).expect("inside.txt");
            if let Some(key) = key {
                std::fs::write(d.join(key), "not really a key\n").expect("key file");
            }
            symlink(&outside.join("secret.txt"), &d.join("link-abs"));
            symlink(Path::new("../outside/secret.txt"), &d.join("link-rel"));
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

    /// The host directory of `stage`'s grant in this scene.
    pub fn dir_of(&self, stage: Stage) -> PathBuf {
        let sub = match stage {
            Stage::Account => "account",
            Stage::DomainKey => "domain",
            Stage::Challenge => "challenge",
            Stage::FileWriter => "certs",
            Stage::Network | Stage::CertParser => panic!("{stage} has no directory"),
        };
        self.root().join(sub)
    }

    /// The real grant of `stage` for this scene's options (`Grant::all`).
    pub fn grant(&self, stage: Stage) -> Grant {
        Grant::all(&self.opts)
            .into_iter()
            .find(|g| g.name == stage)
            .unwrap_or_else(|| panic!("Grant::all has no grant for {stage}"))
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

// ---------------------------------------------------------------------------
// Assertions naming the specific refusal.

/// `stage` refuses `kind` at load (DESIGN.md rule 5) with its real grant,
/// naming an import that starts with `interface`.
///
/// A component importing an interface also imports what that interface uses:
/// wasi:filesystem/types uses wasi:clocks' `datetime`, so the file-system
/// component imports wasi:clocks/wall-clock too, and cert-parser (no clocks)
/// names that first. Then the load is repeated with that group added to the
/// grant, after checking DESIGN.md denies the stage that group as well, until
/// the refusal names `interface` itself.
pub fn assert_refused_at_load(scene: &Scene, stage: Stage, kind: Hostile, interface: &str) {
    let mut grant = scene.grant(stage);
    for _ in 0..GROUPS.len() {
        let import = match Attacker::load(&grant, kind) {
            Err(Error::Refused { stage: s, import }) => {
                assert_eq!(s, stage, "the refusal names the stage");
                import
            }
            Err(other) => {
                panic!("{stage}: expected a load-time refusal of {interface}, got: {other}")
            }
            Ok(_) => panic!("ESCAPE: {stage} loaded {kind:?}, which imports {interface}"),
        };
        if import.starts_with(interface) {
            return;
        }
        let group = GROUPS
            .into_iter()
            .find(|w| w.packages().iter().any(|p| import.starts_with(p)))
            .unwrap_or_else(|| panic!("{stage} refused {import}, expected {interface}"));
        assert!(
            !expect(stage).has(group),
            "{stage} refused {import}, which DESIGN.md grants it"
        );
        grant.wasi.push(group);
    }
    panic!("{stage} never named {interface} when refusing {kind:?}");
}

/// The attack was refused by the host with exactly `answer` (e.g.
/// "open-at: not-permitted"), which the guest reported back.
pub fn assert_host_refused(stage: Stage, what: &str, outcome: Result<String, Error>, answer: &str) {
    match outcome {
        Err(Error::Stage {
            stage: s,
            step: "attack",
            message,
        }) if s == stage => {
            assert_eq!(message, answer, "{stage}: {what}: the host's answer");
        }
        Err(other) => {
            panic!("{stage}: {what}: expected the host to answer {answer:?}, got: {other}")
        }
        Ok(got) => panic!("ESCAPE: {stage}: {what} succeeded: {got:?}"),
    }
}

/// A control: the same kind of operation, inside the grant, works (so a
/// refusal above is the rule at work, not a broken attack).
pub fn assert_allowed(stage: Stage, what: &str, outcome: Result<String, Error>) -> String {
    outcome.unwrap_or_else(|e| panic!("{stage}: control {what} should work: {e}"))
}

/// `step` ("load" or "attack") trapped with exactly `message` (the
/// sandbox's wording for its memory or table limit or CPU deadline).
pub fn assert_trapped(stage: Stage, step: &str, outcome: Result<String, Error>, message: &str) {
    match outcome {
        Err(Error::Trap {
            stage: s,
            step: st,
            message: m,
        }) if s == stage && st == step => assert_eq!(m, message, "{stage}: the trap"),
        Err(other) => panic!("{stage}: expected a trap at {step} ({message}), got: {other}"),
        Ok(got) => panic!("ESCAPE: {stage}: expected a trap ({message}), got {got:?}"),
    }
}

// ---------------------------------------------------------------------------
// Tests that end their process: run in a child process.

/// Set in a child process started by [`run_child`], to the test's name: that
/// test then makes its attack instead of starting a child.
pub const CHILD_ENV: &str = "ACMEBOX_ESCAPE_CHILD";

/// What a child prints to stderr just before it blocks, followed by the time
/// (milliseconds since the Unix epoch).
pub const BLOCKING_SINCE: &str = "escape child: blocking since ";

/// Whether this process is the child [`run_child`] started for `test`.
pub fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|v| v == test)
}

/// Milliseconds since the Unix epoch, the clock shared with a child.
pub fn unix_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_millis()
}

/// How a child test process ended.
#[derive(Debug)]
pub struct ChildExit {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// From [`BLOCKING_SINCE`] to its exit, if it printed that.
    pub blocked: Option<Duration>,
}

/// Run the test `test` (its full name, e.g. `challenge::cannot_...`) alone
/// in a new process of this test binary, with [`CHILD_ENV`] set so that it
/// makes the attack itself. `None` if it was still running after `limit`
/// (it is then killed).
pub fn run_child(test: &str, limit: Duration) -> Option<ChildExit> {
    use std::io::Read;
    use std::process::Stdio;
    let exe = std::env::current_exe().expect("the test binary's path");
    // The child's scene is never cleaned up (its process is ended): it goes
    // in a temporary directory of the parent's, removed when this returns.
    let tmp = tempfile::Builder::new()
        .prefix("acmebox-escape-child-")
        .tempdir()
        .expect("temporary directory");
    let mut child = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the test binary again");
    let mut pipe = child.stderr.take().expect("the child's stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let ended = unix_millis();
    let stderr = reader.join().expect("reading the child's stderr");
    let blocked = stderr.lines().find_map(|l| {
        let since: u128 = l.strip_prefix(BLOCKING_SINCE)?.trim().parse().ok()?;
        Some(Duration::from_millis(ended.saturating_sub(since) as u64))
    });
    Some(ChildExit {
        status,
        stderr,
        blocked,
    })
}
