//! File modes of acme-client(1): private keys 0600, certificates 0444.
//!
//! WASI cannot set permissions, so the host does it: the process umask is
//! 077 before any stage runs, so every file a stage creates (keys, temporary
//! files) is born 0600; after the file-writer's renames, the host makes the
//! certificates 0444. On Windows these modes do not apply.

use crate::error::Error;
use std::path::Path;

/// Make new files private to the user: called once at start-up.
pub fn private_umask() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Give the installed certificates mode 0444.
pub fn make_read_only(dir: &Path, names: &[&str]) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use cap_std::fs::{Dir, Permissions};
        use std::os::unix::fs::PermissionsExt;
        let fail = |e: std::io::Error| Error::File {
            path: dir.display().to_string(),
            message: format!("cannot make certificates read-only: {e}"),
        };
        let dir = Dir::open_ambient_dir(dir, cap_std::ambient_authority()).map_err(fail)?;
        for name in names {
            let mode = Permissions::from_std(std::fs::Permissions::from_mode(0o444));
            dir.set_permissions(name, mode).map_err(fail)?;
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, names);
    Ok(())
}
