//! The file-writer stage (wit/file-writer.wit): the certificate directory.

use super::load_plain;
use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed};

mod bindings {
    wasmtime::component::bindgen!({ world: "file-writer", path: "../wit" });
}

/// The file-writer stage in its sandbox.
pub type FileWriter = Sandboxed<(), bindings::FileWriter>;

/// Load the file-writer stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<FileWriter, Error> {
    load_plain(rt, grant, |s, c, l| {
        bindings::FileWriter::instantiate(s, c, l)
    })
}

impl FileWriter {
    /// The bytes of `name` in the certificate directory, if it exists.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        self.call("read existing certificate", |b, s| {
            b.acmebox_stages_files().call_read(s, name)
        })
    }

    /// Replace the named files atomically.
    pub fn install(&mut self, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
        self.call("install certificate", |b, s| {
            b.acmebox_stages_files().call_install(s, files)
        })
    }
}
