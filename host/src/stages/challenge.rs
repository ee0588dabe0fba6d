//! The challenge stage (wit/challenge.wit): http-01 token files.

use super::load_plain;
use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed};

mod bindings {
    wasmtime::component::bindgen!({ world: "challenge", path: "../wit" });
}

/// The challenge stage in its sandbox.
pub type Challenge = Sandboxed<(), bindings::Challenge>;

/// Load the challenge stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<Challenge, Error> {
    load_plain(rt, grant, |s, c, l| {
        bindings::Challenge::instantiate(s, c, l)
    })
}

impl Challenge {
    /// Create the token file (the token is validated by the caller).
    pub fn write(&mut self, token: &str, key_authorization: &str) -> Result<(), Error> {
        self.call("write challenge file", |b, s| {
            b.acmebox_stages_tokens()
                .call_write(s, token, key_authorization)
        })
    }

    /// Remove the token file.
    pub fn remove(&mut self, token: &str) -> Result<(), Error> {
        self.call("remove challenge file", |b, s| {
            b.acmebox_stages_tokens().call_remove(s, token)
        })
    }
}
