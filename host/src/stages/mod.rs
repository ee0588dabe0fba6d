//! The host side of each stage: its world's bindings (`bindgen!`), how it is
//! loaded with its grant, and typed calls that check what comes back
//! (docs/DESIGN.md rule 2: a stage is untrusted too).
//!
//! Each wrapper has `load` (the embedded component) and `load_component`
//! (a given component, through the very same linker, grant and checks);
//! `load` is `load_component` of the embedded one. [`Source`] says which a
//! run takes: acmebox itself only ever the embedded ones.

pub mod account;
pub mod cert_parser;
pub mod challenge;
pub mod domain_key;
pub mod file_writer;
pub mod network;
pub mod responder;
pub mod signer;
mod source;

pub use source::Source;

use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed, StageState};
use crate::stage::Stage;
use wasmtime::component::{Component, Linker};
use wasmtime::Store;

/// Load `component` for `grant`'s stage, with no acmebox imports.
fn load_plain<B>(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
    bind: impl FnOnce(
        &mut Store<StageState<()>>,
        &Component,
        &Linker<StageState<()>>,
    ) -> wasmtime::Result<B>,
) -> Result<Sandboxed<(), B>, Error> {
    rt.load(grant, component, (), |_| Ok(()), bind)
}

/// The embedded, precompiled component of `stage`.
fn embedded(rt: &Runtime, stage: Stage) -> Result<Component, Error> {
    crate::embedded::component(rt.engine(), stage).map_err(|e| Error::Trap {
        stage,
        step: "load",
        message: format!("embedded component does not load: {e:#}"),
    })
}

/// A value `stage` returned that the host refuses.
fn refuse(stage: Stage, step: &'static str, message: String) -> Error {
    Error::Rejected {
        stage,
        step,
        message,
    }
}

/// A key stage may say it created its key only when it was allowed to
/// (`-n`, `-N`): its grant was read-only otherwise, so the claim is false.
fn check_created(
    stage: Stage,
    step: &'static str,
    created: bool,
    create: bool,
) -> Result<(), Error> {
    if created && !create {
        return Err(refuse(
            stage,
            step,
            "the stage says it created the key file, but it was not asked to".into(),
        ));
    }
    Ok(())
}
