//! Helpers of tests/liars.rs: building the lying stages of tests/liars,
//! loading one in place of its stage (with the stage's real grant, through
//! the wrapper's `load_component` or a whole run's `Source`), and a scratch
//! layout with its options. One file per stage holds that stage's rows.

pub mod account;
pub mod cert_parser;
pub mod challenge;
pub mod domain_key;
pub mod file_writer;
pub mod network;
pub mod retries;

use acmebox::grant::Grant;
use acmebox::log::Log;
use acmebox::options::{IssueArgs, Options};
use acmebox::sandbox::Runtime;
use acmebox::stage::Stage;
use acmebox::stages::Source;
use acmebox::Error;
use clap::Parser;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wasmtime::component::Component;

#[path = "../wasm_workspace.rs"]
mod wasm_workspace;

/// Build tests/liars once per test binary run (tests/wasm_workspace.rs).
/// Returns the directory holding the `.wasm` files.
fn built() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| wasm_workspace::build("liars"));
    match built {
        Ok(path) => path,
        Err(e) => panic!("building the lying stages failed: {e}"),
    }
}

/// The lying component of `stage`, as a component binary.
pub fn wasm(stage: Stage) -> Vec<u8> {
    let name = format!("liar_{}.wasm", stage.name().replace('-', "_"));
    let path = built().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The one engine of the test binary, with acmebox's settings.
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::compiling().expect("the wasmtime engine starts"))
}

/// The lying component of `stage`, compiled for [`runtime`].
pub fn component(stage: Stage) -> Component {
    Component::new(runtime().engine(), wasm(stage))
        .unwrap_or_else(|e| panic!("the {stage} liar does not compile: {e:#}"))
}

/// Assert that `result` is the host's refusal of what `stage` returned at
/// `step` (an [`Error::Rejected`]), and that its one line says `why`.
#[track_caller]
pub fn assert_rejected<T: std::fmt::Debug>(
    result: Result<T, Error>,
    stage: Stage,
    step: &str,
    why: &str,
) {
    let err = result.expect_err("the host must refuse the lie");
    let text = err.to_string();
    assert!(
        matches!(&err, Error::Rejected { stage: s, step: t, .. } if *s == stage && *t == step),
        "expected the host to refuse what the {stage} stage returned at {step:?}, got {err:?}"
    );
    assert!(
        text.starts_with(&format!("{stage} stage, {step}: ")),
        "{text}"
    );
    assert!(text.contains(why), "{text}\nshould say {why:?}");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
}

/// Parses acmebox's issuance flags, as `acmebox` does.
#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    issue: IssueArgs,
}

/// A scratch layout for one run, each key in a directory of its own:
///
/// ```text
/// account/  domain/  challenge/  certs/
/// ```
pub struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    /// Empty directories.
    pub fn new() -> Scene {
        let dir = tempfile::Builder::new()
            .prefix("acmebox-liars-")
            .tempdir()
            .expect("temporary directory");
        for sub in ["account", "domain", "challenge", "certs"] {
            std::fs::create_dir(dir.path().join(sub)).expect("scratch dir");
        }
        Scene { dir }
    }

    /// `sub` under the scene's root.
    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// The options of `acmebox -n -N` with this scene's directories (the
    /// keys `account/account.pem` and `domain/domain.pem`), except for the
    /// flags in `replaced` (`("-k", path)`), then `rest` (the directory URL,
    /// names, ...).
    pub fn options(&self, replaced: &[(&str, String)], rest: &[String]) -> Options {
        let path = |p: &str| self.path(p).display().to_string();
        let mut flags = vec![
            ("-f", path("account/account.pem")),
            ("-k", path("domain/domain.pem")),
            ("-C", path("challenge")),
            ("-c", path("certs")),
        ];
        for (flag, value) in replaced {
            match flags.iter_mut().find(|(f, _)| f == flag) {
                Some(entry) => entry.1.clone_from(value),
                None => flags.push((flag, value.clone())),
            }
        }
        let mut argv: Vec<String> = ["acmebox", "-n", "-N"].map(String::from).to_vec();
        for (flag, value) in flags {
            argv.extend([flag.to_string(), value]);
        }
        argv.extend(rest.iter().cloned());
        let cmd = Cmd::try_parse_from(argv).expect("acmebox's flags parse");
        Options::from_args(&cmd.issue).expect("valid options")
    }

    /// The grant `Grant::all` makes for `stage` with `opts`.
    pub fn grant(opts: &Options, stage: Stage) -> Grant {
        Grant::all(opts)
            .into_iter()
            .find(|g| g.name == stage)
            .unwrap_or_else(|| panic!("Grant::all has no grant for {stage}"))
    }

    /// The entries of `sub` (not recursing), sorted, leaving out the lock
    /// file every run creates.
    pub fn entries(&self, sub: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(sub))
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".acmebox.lock")
            .collect();
        names.sort();
        names
    }
}

/// A whole issuance (`acmebox::issue::run_from`) with `opts`, the stages
/// `liars` replaced by their liars and every other stage the embedded one.
pub fn run_with_liars(opts: &Options, liars: &[Stage]) -> Result<acmebox::issue::Outcome, Error> {
    let source = liars.iter().fold(Source::embedded(), |source, &stage| {
        source.replace(stage, &wasm(stage))
    });
    on_own_thread(|| acmebox::issue::run_from(opts, &Log { verbose: 0 }, &source))
}

/// Run `f`, a whole run of the library's flows, on a thread of its own:
/// a run restricts the thread it runs on with Landlock before its first
/// request (host/src/landlock.rs), for good, so the test's own thread
/// keeps its rights for what it checks afterwards (openssl, other files).
pub fn on_own_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
