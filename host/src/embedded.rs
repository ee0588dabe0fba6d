//! The stages, compiled by build.rs and embedded in the binary: the `.wasm`
//! (hashed and shown to auditors) and its precompiled form (what runs).

use crate::stage::Stage;
use sha2::{Digest, Sha256};

macro_rules! artefacts {
    ($name:literal) => {
        (
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".wasm")).as_slice(),
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".cwasm")).as_slice(),
        )
    };
}

/// The embedded `.wasm` and precompiled bytes of a stage.
fn artefacts(stage: Stage) -> (&'static [u8], &'static [u8]) {
    match stage {
        Stage::Account => artefacts!("account"),
        Stage::DomainKey => artefacts!("domain_key"),
        Stage::Network => artefacts!("network"),
        Stage::Challenge => artefacts!("challenge"),
        Stage::CertParser => artefacts!("cert_parser"),
        Stage::FileWriter => artefacts!("file_writer"),
    }
}

/// The component as built for wasm32-wasip2, before precompilation.
pub fn wasm(stage: Stage) -> &'static [u8] {
    artefacts(stage).0
}

/// The precompiled component: native code, what acmebox runs.
/// `acmebox components verify` checks that it is what the host's engine
/// settings make of [`wasm`].
pub fn cwasm(stage: Stage) -> &'static [u8] {
    artefacts(stage).1
}

/// Hex SHA-256 of [`wasm`], as printed by `acmebox grants`.
pub fn sha256(stage: Stage) -> String {
    hex_sha256(wasm(stage))
}

/// Hex SHA-256 of [`cwasm`], as printed by `acmebox grants`.
pub fn cwasm_sha256(stage: Stage) -> String {
    hex_sha256(cwasm(stage))
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Load the precompiled stage into `engine` without running Cranelift.
pub fn component(
    engine: &wasmtime::Engine,
    stage: Stage,
) -> wasmtime::Result<wasmtime::component::Component> {
    let cwasm = cwasm(stage);
    // SAFETY: these bytes were produced by `Engine::precompile_component` in
    // build.rs, with this wasmtime version and `engine_config()`, and are
    // embedded read-only in this binary; wasmtime checks version and settings.
    #[allow(unsafe_code)]
    unsafe {
        wasmtime::component::Component::deserialize(engine, cwasm)
    }
}
