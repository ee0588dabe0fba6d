//! What each stage may have (docs/DESIGN.md, "The stages"; the memory limits and
//! deadlines, which docs/DESIGN.md leaves open, as grant.rs set them for issue #3),
//! written out here rather than read from grant.rs: a test compares the two,
//! so a widened grant fails.
//!
//! And the assertions, each naming the specific refusal.

use super::{Attacker, Hostile, Scene};
use acmebox::grant::Wasi;
use acmebox::stage::Stage;
use acmebox::Error;
use std::time::Duration;

/// What docs/DESIGN.md grants one stage.
pub struct Expect {
    /// Its one directory: where the stage sees it, and whether it may write.
    pub dir: Option<(&'static str, bool)>,
    /// wasi:sockets and the host's resolver.
    pub network: bool,
    /// Listening TCP on the addresses of `--http-listen` (wasi:sockets'
    /// TCP alone) and the host's key authorizations: the responder.
    pub listen: bool,
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
pub const GROUPS: [Wasi; 6] = [
    Wasi::Cli,
    Wasi::Clocks,
    Wasi::Random,
    Wasi::Filesystem,
    Wasi::Sockets,
    Wasi::Tcp,
];

impl Expect {
    /// Whether docs/DESIGN.md gives the stage the WASI group `w`.
    pub fn has(&self, w: Wasi) -> bool {
        match w {
            Wasi::Cli => true,
            Wasi::Clocks => self.clocks,
            Wasi::Random => self.random,
            Wasi::Filesystem => self.dir.is_some(),
            Wasi::Sockets => self.network,
            Wasi::Tcp => self.listen,
        }
    }
}

/// The grants of docs/DESIGN.md for a run without -n/-N (key directories are
/// read-only).
pub fn expect(stage: Stage) -> Expect {
    let e = |dir, network, clocks, random, signer, memory_mib, deadline_s| Expect {
        dir,
        network,
        listen: false,
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
        // A fresh staging directory inside the certificate directory, never
        // the certificate directory itself.
        Stage::FileWriter => e(Some(("/stage", true)), false, true, false, false, 16, 5),
        // Listening sockets on the addresses of --http-listen, nothing else:
        // no files, no outgoing connections, no name lookup.
        Stage::Responder => Expect {
            listen: true,
            ..e(None, false, true, false, false, 16, 5)
        },
    }
}

/// `stage` refuses `kind` at load (docs/DESIGN.md rule 5) with its real grant,
/// naming an import that starts with `interface`.
///
/// A component importing an interface also imports what that interface uses:
/// wasi:filesystem/types uses wasi:clocks' `datetime`, so the file-system
/// component imports wasi:clocks/wall-clock too, and cert-parser (no clocks)
/// names that first. Then the load is repeated with that group added to the
/// grant, after checking docs/DESIGN.md denies the stage that group as well, until
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
            "{stage} refused {import}, which docs/DESIGN.md grants it"
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
