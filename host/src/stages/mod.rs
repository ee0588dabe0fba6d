//! The host side of each stage: its world's bindings (`bindgen!`), how it is
//! loaded from the embedded component with its grant, and typed calls that
//! check what comes back (docs/DESIGN.md rule 2: a stage is untrusted too).

pub mod account;
pub mod cert_parser;
pub mod challenge;
pub mod domain_key;
pub mod file_writer;
pub mod network;

use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed, StageState};
use wasmtime::component::{Component, Linker};
use wasmtime::Store;

/// Load the embedded component of `grant`'s stage with no acmebox imports.
fn load_plain<B>(
    rt: &Runtime,
    grant: &Grant,
    bind: impl FnOnce(
        &mut Store<StageState<()>>,
        &Component,
        &Linker<StageState<()>>,
    ) -> wasmtime::Result<B>,
) -> Result<Sandboxed<(), B>, Error> {
    let component = embedded(rt, grant)?;
    rt.load(grant, &component, (), |_| Ok(()), bind)
}

/// The embedded, precompiled component of `grant`'s stage.
fn embedded(rt: &Runtime, grant: &Grant) -> Result<Component, Error> {
    crate::embedded::component(rt.engine(), grant.name).map_err(|e| Error::Trap {
        stage: grant.name,
        step: "load",
        message: format!("embedded component does not load: {e:#}"),
    })
}

/// A value a stage returned that the host refuses.
fn refuse(step: &'static str, message: String) -> Error {
    Error::Protocol { step, message }
}

/// A key stage may say it created its key only when it was allowed to
/// (`-n`, `-N`): its grant was read-only otherwise, so the claim is false.
fn check_created(step: &'static str, created: bool, create: bool) -> Result<(), Error> {
    if created && !create {
        return Err(refuse(
            step,
            "the stage says it created the key file, but it was not asked to".into(),
        ));
    }
    Ok(())
}
