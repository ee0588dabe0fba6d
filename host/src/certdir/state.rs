//! Small records the host itself keeps in the certificate directory (the
//! renewal information state, flows/ari.rs), outside file-writer's
//! installs: written whole to a temporary name created exclusively, never
//! through a link, synced, and renamed over the record (a rename replaces a
//! link planted there, never follows it). Read back with [`CertDir::read`],
//! which never follows a link either.

use super::{file_error, CertDir};
use crate::error::Error;
use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::OpenOptions;
use std::io::{ErrorKind, Write as _};

/// The temporary name of record `name` while it is written.
pub fn temporary(name: &str) -> String {
    format!("{name}.tmp")
}

impl CertDir {
    /// Replace the record `name` with `bytes` (see the module's comment).
    /// A temporary left by a run stopped while writing is removed first.
    pub fn write_record(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let tmp = temporary(name);
        let fail = |what: &str, e: std::io::Error| {
            file_error(&self.path.join(name), format!("cannot {what}: {e}"))
        };
        match self.dir.remove_file(&tmp) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                return Err(fail("remove its temporary", e))
            }
            _ => {}
        }
        let mut options = OpenOptions::new();
        options
            .write(true)
            .create_new(true)
            .follow(FollowSymlinks::No);
        let mut file = (self.dir.open_with(&tmp, &options))
            .map_err(|e| fail("create its temporary", e))?
            .into_std();
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        drop(file);
        if let Err(e) = written.and_then(|()| self.dir.rename(&tmp, &self.dir, name)) {
            let _ = self.dir.remove_file(&tmp);
            return Err(fail("write it", e));
        }
        Ok(())
    }
}
