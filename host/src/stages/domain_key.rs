//! The domain-key stage (wit/domain-key.wit): the certificate key and the CSR.

use super::load_plain;
use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed};

mod bindings {
    wasmtime::component::bindgen!({ world: "domain-key", path: "../wit" });
}

pub use bindings::exports::acmebox::stages::csr::LoadedKey;

/// The domain-key stage in its sandbox.
pub type DomainKey = Sandboxed<(), bindings::DomainKey>;

/// Load the domain-key stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<DomainKey, Error> {
    load_plain(rt, grant, |s, c, l| {
        bindings::DomainKey::instantiate(s, c, l)
    })
}

impl DomainKey {
    /// Read (or, with `create`, make) the key file `name` in `/key`: its DER
    /// SubjectPublicKeyInfo, and whether it was created.
    pub fn load_key(&mut self, name: &str, create: bool) -> Result<LoadedKey, Error> {
        let loaded = self.call("read domain key", |b, s| {
            b.acmebox_stages_csr().call_load(s, name, create)
        })?;
        super::check_created("read domain key", loaded.created, create)?;
        Ok(loaded)
    }

    /// A DER CSR for `names`.
    pub fn make_csr(&mut self, names: &[String]) -> Result<Vec<u8>, Error> {
        self.call("make CSR", |b, s| {
            b.acmebox_stages_csr().call_make_csr(s, names)
        })
    }
}
