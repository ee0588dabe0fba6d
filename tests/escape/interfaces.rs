//! The rows of the matrix about what the stage is given at all: the
//! environment and arguments, interfaces outside its grant, and the grants
//! themselves against docs/DESIGN.md's table.

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

/// Import interfaces docs/DESIGN.md does not give the stage: every WASI group
/// it lacks, the account stage's signer (the account key) unless it is
/// the network stage, and the domain-key stage's CSR maker (no stage).
pub fn import_interfaces_outside_grant(stage: Stage) {
    let scene = Scene::new();
    let e = expect(stage);
    let mut forbidden = vec![(Hostile::Csr, "acmebox:stages/csr@")];
    if e.dir.is_none() {
        forbidden.push((Hostile::Fs, "wasi:filesystem/"));
    }
    if !e.network {
        forbidden.push((Hostile::Net, "wasi:sockets/"));
    }
    if !e.clocks {
        forbidden.push((Hostile::Clocks, "wasi:clocks/"));
    }
    if !e.random {
        forbidden.push((Hostile::Random, "wasi:random/"));
    }
    if !e.signer {
        forbidden.push((Hostile::Signer, "acmebox:stages/signer@"));
    }
    for (kind, interface) in forbidden {
        assert_refused_at_load(&scene, stage, kind, interface);
    }
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
        assert_eq!(g.host_imports, imports, "{stage}: acmebox imports");
        assert_eq!(g.memory_bytes, e.memory_mib << 20, "{stage}: memory limit");
        assert_eq!(g.call_deadline, e.deadline, "{stage}: CPU deadline");
    }
}
