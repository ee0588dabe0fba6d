//! The responder stage (wit/responder.wit): the built-in http-01 server of
//! `--http-listen` (lacme's webserver). The host serves its one import,
//! `key-authorizations`, from the run's [`KeyAuthorizations`]; the stage
//! listens only where its grant says (listen.rs) and answers requests
//! itself, so the host never reads a byte a client sent (docs/DESIGN.md
//! rule 2). flows/respond.rs runs it on a thread of its own.

use super::embedded;
use crate::error::Error;
use crate::grant::Grant;
use crate::key_authorizations::KeyAuthorizations;
use crate::sandbox::{Runtime, Sandboxed, StageState};
use crate::stage::Stage;
use std::time::Duration;
use wasmtime::component::{Component, HasSelf, Linker};

#[allow(missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({
        world: "responder",
        path: "../wit",
        with: { "wasi": wasmtime_wasi::p2::bindings::sync },
    });
}

use bindings::acmebox::stages::key_authorizations;

/// The responder stage in its sandbox.
pub struct Responder {
    stage: Sandboxed<(), bindings::Responder>,
    addresses: Vec<String>,
    served: KeyAuthorizations,
}

/// Load the responder stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<Responder, Error> {
    load_component(rt, grant, &embedded(rt, grant.name)?)
}

/// Load `component` as the responder stage, with its grant and import: the
/// way [`load`] loads the embedded one (see [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
) -> Result<Responder, Error> {
    let stage = rt.load(
        grant,
        component,
        (),
        add_key_authorizations_to_linker,
        |s, c, l| bindings::Responder::instantiate(s, c, l),
    )?;
    let served = stage.key_authorizations().ok_or_else(|| Error::Grant {
        stage: Stage::Responder,
        message: format!("the grant lacks {}", crate::grant::KEY_AUTHORIZATIONS),
    })?;
    Ok(Responder {
        stage,
        addresses: grant.listen.iter().map(|a| a.to_string()).collect(),
        served,
    })
}

/// Add the responder's `acmebox:stages/key-authorizations` (the same
/// implementation [`load`] links) to a stage linker of any host state: for
/// loading test-only components into the responder's sandbox through
/// [`Runtime::load`] (tests/escape.rs).
pub fn add_key_authorizations_to_linker<T: Send + 'static>(
    linker: &mut Linker<StageState<T>>,
) -> wasmtime::Result<()> {
    key_authorizations::add_to_linker::<_, HasSelf<_>>(linker, |s| s)
}

// Generic over the host state only so that
// `add_key_authorizations_to_linker` can use it: the answer depends on
// nothing but the sandbox's key authorizations.
impl<T: Send> key_authorizations::Host for StageState<T> {
    fn key_authorization(&mut self, token: String) -> Option<String> {
        self.key_authorizations.as_ref()?.get(&token)
    }
}

impl Responder {
    /// Listen on the grant's addresses (`--http-listen`). An error names
    /// the address and why (in use, not permitted): nothing listens then.
    pub fn bind(&mut self) -> Result<(), Error> {
        let addresses = self.addresses.clone();
        self.stage.call("bind", |b, s| {
            b.acmebox_stages_http01().call_bind(s, &addresses)
        })
    }

    /// Serve for about `budget`, then return (the stage keeps the
    /// connections under way for the next call).
    pub fn serve(&mut self, budget: Duration) -> Result<(), Error> {
        let ms = u32::try_from(budget.as_millis()).unwrap_or(u32::MAX);
        self.stage
            .call("serve", |b, s| b.acmebox_stages_http01().call_serve(s, ms))
    }

    /// The key authorizations the stage answers from (a handle sharing
    /// them).
    pub fn key_authorizations(&self) -> KeyAuthorizations {
        self.served.clone()
    }
}
