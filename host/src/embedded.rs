//! The stages, compiled by build.rs and embedded in the binary: the `.wasm`
//! (hashed and shown to auditors) and its precompiled form (what runs).

use crate::stage::Stage;
use sha2::{Digest, Sha256};
use std::sync::{Mutex, PoisonError};
use wasmtime::component::Component;

/// Bytes starting on a page boundary (and padded to a whole number of
/// pages), so that a `.cwasm`'s code section can be made executable where it
/// lies in the binary (code_memory.rs).
#[repr(C, align(4096))]
struct PageAligned<B: ?Sized>(B);

macro_rules! artefacts {
    ($name:literal) => {{
        static CWASM: &PageAligned<[u8]> = &PageAligned(*include_bytes!(concat!(
            env!("OUT_DIR"),
            "/",
            $name,
            ".cwasm"
        )));
        (
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".wasm")).as_slice(),
            &CWASM.0,
        )
    }};
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
        Stage::Responder => artefacts!("responder"),
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

/// Give back the resident memory of `stage`'s native code once a run is
/// done with an instance of it ([`Sandboxed`](crate::sandbox::Sandboxed)
/// does on drop): with the code in place (code_memory.rs) its pages would
/// otherwise count for the rest of the run. Read again if used again.
pub fn release(stage: Stage) {
    crate::code_memory::release(cwasm(stage));
}

/// The stages loaded in place (see [`component`]), at most one per stage in
/// the process, each with the engine it was loaded into.
static IN_PLACE: Mutex<Vec<(Stage, Component)>> = Mutex::new(Vec::new());

/// Load the precompiled stage into `engine` without running Cranelift.
///
/// In place, without copying it, when the engine has code_memory.rs's hook
/// (the [`Runtime`](crate::sandbox::Runtime)'s engine). wasmtime registers
/// code by its address, so one embedded `.cwasm` can back only one live
/// component: the first one loaded in place is kept for the whole process
/// and handed out again (a clone) to every later load into the same engine,
/// which also spares deserializing it again. A load into another engine,
/// or a failed in-place load, gets a copy instead.
pub fn component(engine: &wasmtime::Engine, stage: Stage) -> wasmtime::Result<Component> {
    let cwasm = cwasm(stage);
    if crate::code_memory::AVAILABLE && cwasm.as_ptr().addr().is_multiple_of(4096) {
        let mut loaded = IN_PLACE.lock().unwrap_or_else(PoisonError::into_inner);
        match loaded.iter().find(|(s, _)| *s == stage) {
            Some((_, kept)) if wasmtime::Engine::same(kept.engine(), engine) => {
                return Ok(kept.clone());
            }
            Some(_) => {}
            None => {
                // SAFETY: as below; and the memory lent is a `'static` slice
                // of the binary's read-only segment, alive for as long as the
                // process and never written.
                #[allow(unsafe_code)]
                let in_place =
                    unsafe { Component::deserialize_raw(engine, std::ptr::NonNull::from(cwasm)) };
                if let Ok(component) = in_place {
                    loaded.push((stage, component.clone()));
                    return Ok(component);
                }
            }
        }
    }
    // SAFETY: these bytes were produced by `Engine::precompile_component` in
    // build.rs, with this wasmtime version and `engine_config()`, and are
    // embedded read-only in this binary; wasmtime checks version and settings.
    #[allow(unsafe_code)]
    unsafe {
        Component::deserialize(engine, cwasm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Runtime;

    #[test]
    fn each_cwasm_starts_on_a_page_boundary() {
        for stage in Stage::ALL {
            assert!(cwasm(stage).as_ptr().addr().is_multiple_of(4096), "{stage}");
        }
    }

    #[test]
    fn stages_run_in_place_not_from_a_copy() {
        let rt = Runtime::new().expect("runtime");
        for stage in Stage::ALL {
            component(rt.engine(), stage).expect("loads");
            if !crate::code_memory::AVAILABLE {
                continue;
            }
            // Tests run in parallel: the first engine to load it has it in
            // place, whichever that was.
            let loaded = IN_PLACE.lock().expect("lock");
            let (_, kept) = loaded
                .iter()
                .find(|(s, _)| *s == stage)
                .expect("loaded in place");
            let image = kept.image_range();
            let embedded = cwasm(stage).as_ptr_range();
            assert!(
                embedded.start <= image.start.cast() && image.end.cast() <= embedded.end,
                "{stage}: its code image is not the embedded .cwasm"
            );
        }
    }

    #[test]
    fn a_stage_loads_twice_at_once_and_into_two_engines() {
        // wasmtime panics if two live components share a code address.
        let first = Runtime::new().expect("runtime");
        let second = Runtime::new().expect("runtime");
        for stage in Stage::ALL {
            let a = component(first.engine(), stage).expect("loads");
            let b = component(first.engine(), stage).expect("loads again");
            let c = component(second.engine(), stage).expect("loads into another engine");
            drop((a, b, c));
        }
    }

    #[test]
    fn the_run_engine_compiles_nothing() {
        // The empty component: version 0x0d, layer 1.
        let empty = b"\0asm\x0d\0\x01\0";
        let run = Runtime::new().expect("runtime");
        assert!(
            Component::new(run.engine(), empty).is_err(),
            "the run's engine compiled a component"
        );
        let tests = Runtime::compiling().expect("runtime");
        Component::new(tests.engine(), empty).expect("a compiling engine compiles it");
    }
}
