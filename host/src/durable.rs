//! Making a new key file's directory entry durable. A key stage creates and
//! syncs the file, but may not open its directory (names.rs: no stage opens
//! a directory), so the host syncs the directory once the stage says it
//! created the key: a power loss right after registering an account must not
//! lose the account key's name.

use crate::error::Error;
use std::path::Path;

/// Sync the directory holding the key file `key` (Unix: fsync of the
/// directory; elsewhere a no-op, as directories cannot be opened for it).
pub fn sync_parent(key: &Path) -> Result<(), Error> {
    let dir = match key.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    sync_dir(dir).map_err(|e| Error::File {
        path: dir.display().to_string(),
        message: format!("cannot sync the directory of the new key: {e}"),
    })
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    Ok(())
}
