//! Preflight for `--chown` (a domain's `chown`): whether this process may
//! give files in the certificate directory to the owner asked for, tried on
//! a probe file before any key is made or the CA contacted. Without it, a
//! user who may not (only root, or a process with CAP_CHOWN, may give a file
//! to another user) would learn it after the CA had issued, at install.

use super::{file_error, CertDir};
use crate::error::Error;
use crate::owner::Owner;
use cap_std::fs::OpenOptions;
use std::io::ErrorKind;

/// The probe's name in the certificate directory: created, given to the
/// owner and removed while the directory's lock is held (so no other run
/// meets it); one a crash left behind is removed first.
pub const PROBE: &str = ".acmebox-chown-probe";

impl CertDir {
    /// Try giving a new empty file in this directory to `owner`, then
    /// remove it. A refusal (EPERM) is an error naming the directory, the
    /// owner and that nothing was sent.
    pub fn probe_chown(&self, owner: Owner) -> Result<(), Error> {
        let path = self.path.join(PROBE);
        let fail = |what: &str, e: std::io::Error| {
            file_error(
                &path,
                format!(
                    "--chown {owner}: cannot {what}: {e}; checked before any key was made or \
                     the CA contacted"
                ),
            )
        };
        match self.dir.remove_file(PROBE) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                return Err(fail("remove an old probe", e))
            }
            _ => {}
        }
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        let file = self
            .dir
            .open_with(PROBE, &options)
            .map_err(|e| fail("create a probe file", e))?
            .into_std();
        let given = crate::owner::apply(&file, owner);
        drop(file);
        let removed = self.dir.remove_file(PROBE);
        given.map_err(|e| fail("give a file to this owner", e))?;
        removed.map_err(|e| fail("remove the probe file", e))
    }
}
