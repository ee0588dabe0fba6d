//! The rows of the matrix about what the stage is given at all: the
//! environment and arguments, whole interfaces outside its grant (one
//! load-time refusal each), and the grants themselves against
//! docs/DESIGN.md's table.

use crate::support::*;
use acmebox::stage::Stage;

/// Read the environment, arguments, working directory and stdin: the
/// host's are never passed on.
pub fn read_environment_and_arguments(stage: Stage) {
    assert!(
        std::env::vars_os().next().is_some() && std::env::args_os().next().is_some(),
        "this process has an environment and arguments to leak"
    );
    let scene = Scene::new();
    let mut a = scene.attacker(stage, Hostile::Bare);
    assert_eq!(
        assert_allowed(stage, "env", a.attack("env", "")),
        "",
        "environment"
    );
    assert_eq!(
        assert_allowed(stage, "args", a.attack("args", "")),
        "",
        "arguments"
    );
    assert_eq!(
        assert_allowed(stage, "cwd", a.attack("cwd", "")),
        "(none)",
        "cwd"
    );
    assert_host_refused(stage, "read stdin", a.attack("stdin", ""), "closed");
}

/// An interface a stage either has or lacks as a whole, with the hostile
/// component that imports it: lacking it, the stage refuses that component
/// at load, before any of its code runs, whatever the component would try.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Whole {
    /// wasi:filesystem (at 0.2.12, and at 0.2.6 through Rust's std).
    Filesystem,
    /// wasi:sockets, all of it (UDP and name lookup too).
    Sockets,
    /// wasi:sockets' TCP alone (the responder's group).
    Tcp,
    /// wasi:clocks.
    Clocks,
    /// wasi:random.
    Random,
    /// acmebox:stages/signer: the account key.
    Signer,
    /// acmebox:stages/external-account: the external account MAC key.
    ExternalAccount,
    /// acmebox:stages/rollover-signer: the new key of a key rollover.
    RolloverSigner,
    /// acmebox:stages/csr: the domain key (no stage may import it).
    Csr,
    /// acmebox:stages/resolver: the host's name resolver, imported alone.
    Resolver,
    /// acmebox:stages/trace: the network stage's `-vv` lines.
    Trace,
    /// acmebox:stages/key-authorizations: the responder's, imported alone.
    KeyAuthorizations,
}

impl Whole {
    /// Every such interface.
    pub const ALL: [Whole; 12] = [
        Whole::Filesystem,
        Whole::Sockets,
        Whole::Tcp,
        Whole::Clocks,
        Whole::Random,
        Whole::Signer,
        Whole::ExternalAccount,
        Whole::RolloverSigner,
        Whole::Csr,
        Whole::Resolver,
        Whole::Trace,
        Whole::KeyAuthorizations,
    ];

    /// Whether docs/DESIGN.md gives `stage` this interface.
    pub fn granted(self, stage: Stage) -> bool {
        let e = expect(stage);
        match self {
            Whole::Filesystem => e.dir.is_some(),
            Whole::Sockets | Whole::Resolver | Whole::Trace => e.network,
            Whole::Tcp => e.network || e.listen,
            Whole::KeyAuthorizations => e.listen,
            Whole::Clocks => e.clocks,
            Whole::Random => e.random,
            Whole::Signer | Whole::ExternalAccount | Whole::RolloverSigner => e.signer,
            Whole::Csr => false,
        }
    }

    /// The hostile components importing it, and the import the refusal names.
    fn components(self) -> (&'static [Hostile], &'static str) {
        match self {
            Whole::Filesystem => (&[Hostile::Fs, Hostile::StdFs], "wasi:filesystem/"),
            Whole::Sockets => (&[Hostile::Net], "wasi:sockets/"),
            Whole::Tcp => (&[Hostile::Listen], "wasi:sockets/"),
            Whole::Clocks => (&[Hostile::Clocks], "wasi:clocks/"),
            Whole::Random => (&[Hostile::Random], "wasi:random/"),
            Whole::Signer => (&[Hostile::Signer], "acmebox:stages/signer@"),
            Whole::ExternalAccount => (
                &[Hostile::ExternalAccount],
                "acmebox:stages/external-account@",
            ),
            Whole::RolloverSigner => (
                &[Hostile::RolloverSigner],
                "acmebox:stages/rollover-signer@",
            ),
            Whole::Csr => (&[Hostile::Csr], "acmebox:stages/csr@"),
            Whole::Resolver => (&[Hostile::Resolver], "acmebox:stages/resolver@"),
            Whole::Trace => (&[Hostile::Trace], "acmebox:stages/trace@"),
            Whole::KeyAuthorizations => (
                &[Hostile::KeyAuthorizations],
                "acmebox:stages/key-authorizations@",
            ),
        }
    }
}

/// One load-time refusal: `stage`, which docs/DESIGN.md does not give
/// `whole`, refuses every component importing it, naming the interface. The
/// host's resolver and the responder's key authorizations are checked on
/// their own: each component imports nothing else the stage lacks, so the
/// very first refusal names it (elsewhere the resolver would hide behind
/// wasi:sockets', which a component using it for anything also imports).
pub fn refused_at_load(stage: Stage, whole: Whole) {
    assert!(!whole.granted(stage), "{stage} is granted {whole:?}");
    let scene = Scene::new();
    let (kinds, interface) = whole.components();
    for kind in kinds {
        assert_refused_at_load(&scene, stage, *kind, interface);
    }
    if let [alone @ (Hostile::Resolver | Hostile::KeyAuthorizations)] = kinds {
        match Attacker::load(&scene.grant(stage), *alone) {
            Err(acmebox::Error::Refused { import, .. }) => assert!(
                import.starts_with(interface),
                "{stage} refused {import} first, not {interface}"
            ),
            Err(other) => panic!("{stage}: expected a load-time refusal, got: {other}"),
            Ok(_) => panic!("ESCAPE: {stage} loaded the {alone:?} component"),
        }
    }
}

/// The load-time refusal rows tests/escape.rs generates (`refused`) are
/// exactly one per stage and interface docs/DESIGN.md does not give it.
pub fn refusals_are_every_interface_a_stage_lacks(refused: &[(Stage, Whole)]) {
    let mut want = Vec::new();
    for stage in Stage::ALL {
        for whole in Whole::ALL {
            if !whole.granted(stage) {
                want.push((stage.name(), whole));
            }
        }
    }
    let mut have: Vec<_> = refused.iter().map(|(s, w)| (s.name(), *w)).collect();
    want.sort();
    have.sort();
    assert_eq!(have, want, "tests/escape.rs's refusal rows");
}

/// The body of the `grants_are_those_of_design` test (tests/escape.rs):
/// every stage's `Grant::all` grant against [`expect`].
pub fn grants_are_those_of_design() {
    let scene = Scene::new();
    for stage in Stage::ALL {
        let (e, g) = (expect(stage), scene.grant(stage));
        assert_eq!(g.name, stage);
        let dirs: Vec<_> = g.directories.iter().map(|d| (d.guest, d.write)).collect();
        assert_eq!(
            dirs,
            e.dir.into_iter().collect::<Vec<_>>(),
            "{stage}: directories"
        );
        if let Some(d) = g.directories.first() {
            assert_eq!(
                d.host,
                scene.dir_of(stage),
                "{stage}: directory on the host"
            );
        }
        // Before a run, file-writer's directory is only the pattern of the
        // staging directory the run creates inside the certificate directory.
        let design: Vec<_> = scene
            .design_grant(stage)
            .directories
            .iter()
            .map(|d| (d.host.clone(), d.staging))
            .collect();
        let want: Vec<_> = e
            .dir
            .map(|_| match stage {
                Stage::FileWriter => (scene.cert_dir().join(".acmebox-stage-*"), true),
                _ => (scene.dir_of(stage), false),
            })
            .into_iter()
            .collect();
        assert_eq!(design, want, "{stage}: directory before the run");
        for w in GROUPS {
            assert_eq!(g.wasi.contains(&w), e.has(w), "{stage}: WASI group {w:?}");
        }
        assert_eq!(g.network.is_some(), e.network, "{stage}: network grant");
        let mut imports = Vec::new();
        if e.network {
            imports.push("acmebox:stages/resolver");
        }
        if e.signer {
            imports.push("acmebox:stages/signer");
        }
        if e.network {
            // The account stage's MAC of an external account binding.
            imports.push("acmebox:stages/external-account");
            // The new key's account stage during a key rollover.
            imports.push("acmebox:stages/rollover-signer");
            imports.push("acmebox:stages/trace");
        }
        if e.listen {
            imports.push("acmebox:stages/key-authorizations");
        }
        assert_eq!(g.host_imports, imports, "{stage}: acmebox imports");
        assert!(
            g.listen.is_empty(),
            "{stage}: listens without --http-listen"
        );
        assert_eq!(g.memory_bytes, e.memory_mib << 20, "{stage}: memory limit");
        assert_eq!(g.call_deadline, e.deadline, "{stage}: CPU deadline");
    }
    // With --http-listen, the responder listens on exactly its addresses,
    // and no other stage on anything.
    let addresses = ["127.0.0.1:8080", "[::1]:8080"];
    let listening = Scene::listening(&addresses);
    for stage in Stage::ALL {
        let listen: Vec<String> = listening
            .grant(stage)
            .listen
            .iter()
            .map(|a| a.to_string())
            .collect();
        let want: &[&str] = if expect(stage).listen {
            &addresses
        } else {
            &[]
        };
        assert_eq!(listen, want, "{stage}: listen addresses");
    }
}
