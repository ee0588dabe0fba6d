//! Builds the stages under components/ for wasm32-wasip2 and precompiles them
//! with the host's engine settings, so that acmebox never runs Cranelift at
//! start-up. The outputs land in OUT_DIR as `<stage>.wasm` (for hashing and
//! export) and `<stage>.cwasm` (what runs).

use std::path::{Path, PathBuf};

include!("src/engine_config.rs");
include!("wasm_cargo.rs");

/// The crates under components/ that become stages, with their artefact names.
const STAGES: &[(&str, &str)] = &[
    ("account", "account"),
    ("domain-key", "domain_key"),
    ("network", "network"),
    ("challenge", "challenge"),
    ("cert-parser", "cert_parser"),
    ("file-writer", "file_writer"),
    ("responder", "responder"),
];

fn main() {
    if let Err(e) = run() {
        panic!("building the stages failed: {e}");
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest.parent().ok_or("host/ has no parent")?;
    let components = root.join("components");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    watch(root, &components)?;

    let target_dir = components.join("target");
    let mut cargo = wasm_cargo(root, &components, &target_dir)?;
    for (package, _) in STAGES {
        cargo.args(["-p", package]);
    }
    let status = cargo.status()?;
    if !status.success() {
        return Err(format!("cargo build of components/ exited with {status}").into());
    }

    // The host's `verify::engine` recompiles for the same target: with a
    // target given, wasmtime infers no CPU features from the build machine.
    let target = std::env::var("TARGET")?;
    println!("cargo:rustc-env=ACMEBOX_TARGET={target}");
    let engine = if type_check_only()? {
        None
    } else {
        let mut config = engine_config();
        config.target(&target)?;
        Some(wasmtime::Engine::new(&config)?)
    };
    let built = target_dir.join("wasm32-wasip2").join("release");
    for (_, artefact) in STAGES {
        let wasm = std::fs::read(built.join(format!("{artefact}.wasm")))?;
        let cwasm = match &engine {
            Some(engine) => engine.precompile_component(&wasm)?,
            None => Vec::new(),
        };
        std::fs::write(out.join(format!("{artefact}.wasm")), &wasm)?;
        std::fs::write(out.join(format!("{artefact}.cwasm")), &cwasm)?;
    }
    Ok(())
}

/// Whether `ACMEBOX_TYPE_CHECK_ONLY=1`: the stages are built but not
/// precompiled, their `.cwasm` left empty. Only for `cargo check` and
/// `cargo clippy` of a target whose binary is never linked here
/// (scripts/check-targets: windows-msvc and the two apple-darwin targets):
/// precompiling for aarch64 would need Cranelift's arm64 backend in this
/// script's wasmtime, a second build of it, and a type-check reads none of
/// the native code. A binary built so refuses to run (main.rs), and any
/// value but 1 is an error.
fn type_check_only() -> Result<bool, String> {
    println!("cargo:rerun-if-env-changed=ACMEBOX_TYPE_CHECK_ONLY");
    println!("cargo::rustc-check-cfg=cfg(acmebox_type_check_only)");
    match std::env::var("ACMEBOX_TYPE_CHECK_ONLY").as_deref() {
        Err(std::env::VarError::NotPresent) => Ok(false),
        Ok("1") => {
            // main.rs refuses to run such a binary, should one be linked.
            println!("cargo:rustc-cfg=acmebox_type_check_only");
            Ok(true)
        }
        _ => Err("ACMEBOX_TYPE_CHECK_ONLY must be 1 or unset".into()),
    }
}

/// Rebuild when a stage's sources, the WIT or this file change. Directories
/// are scanned recursively by cargo, so components/target is left out.
fn watch(root: &Path, components: &Path) -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/engine_config.rs");
    println!("cargo:rerun-if-changed=wasm_cargo.rs");
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    for file in ["Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", components.join(file).display());
    }
    for entry in std::fs::read_dir(components)? {
        let path = entry?.path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Ok(())
}
