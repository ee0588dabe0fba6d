//! Where a run takes each stage's component from.

use super::embedded;
use crate::error::Error;
use crate::sandbox::Runtime;
use crate::stage::Stage;
use std::sync::Arc;
use wasmtime::component::Component;

/// The components a run loads, one per stage: the embedded ones unless
/// [`Source::replace`]d.
///
/// acmebox itself only ever uses [`Source::embedded`]: no command-line
/// option or environment variable reaches `replace`. It exists for the
/// library's callers, namely tests/liars.rs, which runs the issuance with one
/// stage replaced by a component that implements the same world and lies,
/// to show that the host refuses what it returns. A replacement is loaded
/// exactly like the stage: the stage's grant, linker, import check, limits
/// and the wrapper's checks.
#[derive(Clone, Default)]
pub struct Source {
    replaced: Vec<(Stage, Arc<[u8]>)>,
}

impl Source {
    /// The embedded components: what acmebox runs.
    pub fn embedded() -> Source {
        Source::default()
    }

    /// This source with `stage`'s component replaced by `wasm` (a component
    /// binary, compiled when it is loaded). For tests only; see [`Source`].
    pub fn replace(mut self, stage: Stage, wasm: &[u8]) -> Source {
        self.replaced.retain(|(s, _)| *s != stage);
        self.replaced.push((stage, Arc::from(wasm)));
        self
    }

    /// The component of `stage` for `rt`'s engine.
    pub fn component(&self, rt: &Runtime, stage: Stage) -> Result<Component, Error> {
        match self.replaced.iter().find(|(s, _)| *s == stage) {
            None => embedded(rt, stage),
            Some((_, wasm)) => compile(rt, wasm).map_err(|e| Error::Trap {
                stage,
                step: "load",
                message: format!("replacement component does not compile: {e:#}"),
            }),
        }
    }
}

/// Compile `wasm` as build.rs precompiles the stages, then load it into
/// `rt`'s engine, which cannot compile (see [`Runtime::new`]).
fn compile(rt: &Runtime, wasm: &[u8]) -> wasmtime::Result<Component> {
    let cwasm = crate::verify::engine()?.precompile_component(wasm)?;
    // SAFETY: `cwasm` was just produced by `precompile_component` of this
    // wasmtime with build.rs's settings; wasmtime checks them again.
    #[allow(unsafe_code)]
    unsafe {
        Component::deserialize(rt.engine(), &cwasm)
    }
}
