//! `acmebox components verify`: is the native code acmebox runs what its
//! `.wasm` compiles to?
//!
//! `grants` hashes both the `.wasm` of each stage (what an auditor can rebuild
//! from source and inspect) and the precompiled `.cwasm` (native code, what
//! the host deserializes and runs). Nothing in the binary ties the two
//! together, so this recompiles each embedded `.wasm` exactly as build.rs
//! precompiled it — [`engine_config`](crate::engine_config::engine_config)
//! for the target acmebox was built for — and compares the result byte for
//! byte with the embedded `.cwasm`. Wasmtime's precompilation is
//! deterministic for a given wasmtime version, settings and target (with the
//! target given explicitly, no CPU features are inferred from the machine),
//! so a difference means the native code is not that `.wasm`'s.

use crate::embedded;
use crate::stage::Stage;

/// The target triple build.rs precompiled the stages for (its `TARGET`).
pub const TARGET: &str = env!("ACMEBOX_TARGET");

/// The engine build.rs precompiles with: [`engine_config`](crate::engine_config::engine_config)
/// for [`TARGET`].
pub fn engine() -> wasmtime::Result<wasmtime::Engine> {
    let mut config = crate::engine_config::engine_config();
    config.target(TARGET)?;
    wasmtime::Engine::new(&config)
}

/// Whether `cwasm` is, byte for byte, what `engine` precompiles `wasm` to.
/// An error if `wasm` does not compile.
pub fn matches(engine: &wasmtime::Engine, wasm: &[u8], cwasm: &[u8]) -> wasmtime::Result<bool> {
    Ok(engine.precompile_component(wasm)? == cwasm)
}

/// Whether the embedded `.cwasm` of `stage` is what its embedded `.wasm`
/// precompiles to.
pub fn stage(engine: &wasmtime::Engine, stage: Stage) -> wasmtime::Result<bool> {
    matches(engine, embedded::wasm(stage), embedded::cwasm(stage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precompiling_twice_gives_the_same_bytes() {
        let engine = engine().expect("the engine");
        let wasm = embedded::wasm(Stage::CertParser);
        let first = engine.precompile_component(wasm).expect("compiles");
        let second = engine.precompile_component(wasm).expect("compiles");
        assert!(first == second, "two precompilations differ");
    }

    #[test]
    fn embedded_stage_matches_its_wasm() {
        let engine = engine().expect("the engine");
        assert!(stage(&engine, Stage::CertParser).expect("compiles"));
    }

    #[test]
    fn cwasm_of_another_stage_is_a_mismatch() {
        let engine = engine().expect("the engine");
        let wasm = embedded::wasm(Stage::CertParser);
        let other = embedded::cwasm(Stage::Challenge);
        assert!(!matches(&engine, wasm, other).expect("compiles"));
    }
}
