//! The file-writer stage (wit/file-writer.wit): writes the new files into a
//! fresh staging directory, the only directory it is granted; the host checks
//! them and renames them into the certificate directory (certdir.rs).

use super::{embedded, load_plain};
use crate::certdir::CertDir;
use crate::error::Error;
use crate::grant::Grant;
use crate::log::Log;
use crate::sandbox::{Runtime, Sandboxed};
use crate::stop_at;
use wasmtime::component::Component;

mod bindings {
    wasmtime::component::bindgen!({ world: "file-writer", path: "../wit" });
}

/// The file-writer stage in its sandbox.
pub type FileWriter = Sandboxed<(), bindings::FileWriter>;

/// Load the file-writer stage with its grant (whose staging directory must
/// already be put in: [`Grant::with_staging`]).
pub fn load(rt: &Runtime, grant: &Grant) -> Result<FileWriter, Error> {
    load_component(rt, grant, &embedded(rt, grant.name)?)
}

/// Load `component` as the file-writer stage, with its grant: the way
/// [`load`] loads the embedded one (see [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
) -> Result<FileWriter, Error> {
    load_plain(rt, grant, component, |s, c, l| {
        bindings::FileWriter::instantiate(s, c, l)
    })
}

impl FileWriter {
    /// Create the named files in the staging directory.
    pub fn write(&mut self, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
        self.call("install certificate", |b, s| {
            b.acmebox_stages_files().call_write(s, files)
        })
    }
}

/// Install `files` (name, bytes) in the certificate directory: create this
/// run's staging directory, load `component` as file-writer with it as its
/// one directory, have it write the files there, then check each, commit
/// and rename it into place ([`CertDir::publish_as`], each file made
/// `perms`: `--chmod`, else 0444, and `--chown`), in the order given. The
/// staging directory is removed whatever happens, unless the install was
/// committed and did not complete (then the next run completes it). Each
/// step is a stopping point for tests ([`stop_at`](crate::stop_at)).
pub fn install(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
    certdir: &CertDir,
    files: &[(String, Vec<u8>)],
    perms: crate::owner::Perms,
    log: &Log,
) -> Result<(), Error> {
    let mut staging = certdir.staging()?;
    stop_at::install_step("created the staging directory");
    let mut writer = load_component(
        rt,
        &grant.with_staging_in(certdir.path(), &staging.path()),
        component,
    )?;
    writer.write(files)?;
    // The stage has returned and runs no more; what it left is checked now.
    drop(writer);
    stop_at::install_step("file-writer wrote the files");
    let expected: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    certdir.publish_as(&mut staging, &expected, perms)?;
    if let Err(e) = staging.remove() {
        log.warn(&e);
    }
    stop_at::install_step("removed the staging directory");
    Ok(())
}
