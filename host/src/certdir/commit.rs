//! The commit point of an install, and how a later run finishes an install
//! that was stopped after it.
//!
//! Installing is several renames (the `-b` backups, cert.pem, chain.pem,
//! fullchain.pem, the directory record), and no file system replaces
//! several names in one operation: a process killed between two renames
//! (SIGKILL, a power loss, a crash) leaves some names new and the others
//! old. So, once every staged file has passed its check, the host first
//! writes the names to install, in order, into the staging directory
//! ([`MANIFEST`]), syncs it, and renames the staging directory to its name
//! followed by [`COMMITTED`]. That rename is the commit point:
//!
//! - stopped before it, nothing in the certificate directory has changed:
//!   the next run removes the staging directory, and the old files stay;
//! - stopped after it, the new files are to be installed: the next run for
//!   the directory, under its lock and before anything else, renames what is
//!   still in the committed directory into place, in order ([`finish`]),
//!   then removes it. Until then, each name holds a whole file, old or new.
//!
//! A committed directory is only ever made under the lock, by a run that
//! found none (a run that cannot finish one refuses to install:
//! [`CertDir::staging`]), so there is at most one.

use super::{file_error, not_plain, open_nofollow, remove_tree, CertDir, Staging, MAX_DEPTH};
use super::{INSTALL, STAGE_PREFIX};
use crate::error::Error;
use cap_fs_ext::{DirExt, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

/// What a staging directory's name ends in once committed.
pub const COMMITTED: &str = "-committed";

/// The host's list of the files to install, in a staging directory: one
/// plain file name per line, in the order they are renamed. Not a name
/// file-writer may use (certfiles.rs refuses names with
/// [`STAGE_PREFIX`](super::STAGE_PREFIX), and a backup or record name never
/// is this one).
pub const MANIFEST: &str = ".acmebox-stage-manifest";

/// Largest [`MANIFEST`] [`finish`] reads.
const MAX_MANIFEST: u64 = 64 * 1024;

/// Whether `name`, in a certificate directory, is a committed staging
/// directory's.
pub fn is_committed(name: &str) -> bool {
    name.starts_with(STAGE_PREFIX) && name.ends_with(COMMITTED)
}

/// Write [`MANIFEST`] listing `names` into `staging` (created exclusively,
/// synced), then sync the staging directory (best effort, as every
/// directory sync here).
pub(super) fn write_manifest(staging: &Staging<'_>, names: &[&str]) -> Result<(), Error> {
    let fail = |why: String| {
        file_error(
            &staging.path(),
            format!("cannot write the list of files to install: {why}; nothing was installed"),
        )
    };
    if let Some(bad) = names
        .iter()
        .find(|n| !crate::names::plain(n) || n.contains('\n') || **n == MANIFEST)
    {
        return Err(fail(format!("{bad:?} cannot be listed")));
    }
    let text: String = names.iter().map(|n| format!("{n}\n")).collect();
    let mut options = OpenOptions::new();
    options
        .write(true)
        .create_new(true)
        .follow(cap_fs_ext::FollowSymlinks::No);
    let dir = staging.dir().map_err(|e| fail(e.to_string()))?;
    let mut file = dir
        .open_with(MANIFEST, &options)
        .map_err(|e| fail(e.to_string()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| fail(e.to_string()))?;
    let _ = sync(dir);
    Ok(())
}

/// Commit: rename `staging` to its name followed by [`COMMITTED`], then sync
/// the certificate directory. From here on the files are installed, by
/// this run or, if it is stopped, by the next ([`finish`]). Returns the
/// committed directory, opened again (without following a link) for the
/// renames into place.
///
/// The staging directory's handle is closed before the rename, on every
/// target: Windows refuses to rename a directory while a handle on it is
/// open without `FILE_SHARE_DELETE`, which is how cap-std opens directories
/// there ("Sharing violation"). Doing the same on Unix keeps one code path,
/// the one the Linux tests run. Nothing is lost by it: the files were
/// sealed through that handle, the directory is under the lock, and the
/// reopened one is refused if it is a link; one swapped for another
/// directory by someone who may write the certificate directory (who can
/// replace the certificates anyway) has its files renamed into place only
/// by name, as [`finish`] does.
pub(super) fn commit(certdir: &CertDir, staging: &mut Staging<'_>) -> Result<Dir, Error> {
    let committed = format!("{}{COMMITTED}", staging.name);
    staging.dir = None;
    certdir
        .dir
        .rename(&staging.name, &certdir.dir, &committed)
        .map_err(|e| {
            file_error(
                &staging.path(),
                format!("cannot commit the install: {e}; nothing was installed"),
            )
        })?;
    staging.name = committed;
    staging.committed = true;
    // A power loss after this sync keeps the commit; before it, the old
    // files (nothing has been renamed yet).
    let _ = sync(&certdir.dir);
    certdir.dir.open_dir_nofollow(&staging.name).map_err(|e| {
        file_error(
            &staging.path(),
            format!(
                "cannot open the committed install: {e}; nothing replaced yet, the files left \
                 in it for the next run to install"
            ),
        )
    })
}

/// Finish the install committed in `name`, a directory in `certdir`: rename
/// each listed file still in it into `certdir` by name, in order (one
/// missing was renamed before the stop), sync, and remove the directory.
/// Returns the names renamed now. On an error (a listed entry that is not a
/// plain file, a rename that fails) the directory is left as it is, for
/// [`CertDir::staging`] to refuse to install over.
pub(super) fn finish(certdir: &CertDir, name: &str) -> Result<Vec<String>, String> {
    let dir = certdir
        .dir
        .open_dir_nofollow(name)
        .map_err(|e| format!("cannot open it: {e}"))?;
    let names = read_manifest(&dir)?;
    let mut renamed = Vec::new();
    for file in &names {
        let opened = match open_nofollow(&dir, file) {
            Ok(opened) => opened,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{file}: {e}")),
        };
        let meta = opened.metadata().map_err(|e| format!("{file}: {e}"))?;
        if let Some(why) = not_plain(&meta) {
            return Err(format!("{file} is {why}"));
        }
        drop(opened);
        dir.rename(file, &certdir.dir, file)
            .map_err(|e| format!("cannot rename {file} into place: {e}"))?;
        renamed.push(file.clone());
    }
    let _ = sync(&certdir.dir);
    drop(dir);
    remove_tree(&certdir.dir, Path::new(name), MAX_DEPTH)
        .map_err(|e| format!("its files are in place, but it cannot be removed: {e}"))?;
    Ok(renamed)
}

/// The names [`MANIFEST`] in `dir` lists: a plain file of at most
/// [`MAX_MANIFEST`] bytes, UTF-8, each line a plain file name.
fn read_manifest(dir: &Dir) -> Result<Vec<String>, String> {
    let file = open_nofollow(dir, MANIFEST).map_err(|e| format!("{MANIFEST}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("{MANIFEST}: {e}"))?;
    if let Some(why) = not_plain(&meta) {
        return Err(format!("{MANIFEST} is {why}"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{MANIFEST}: {e}"))?;
    let text = String::from_utf8(bytes)
        .ok()
        .filter(|t| t.len() as u64 <= MAX_MANIFEST && t.ends_with('\n'))
        .ok_or_else(|| format!("{MANIFEST} is not a list of file names"))?;
    let names: Vec<String> = text.split_terminator('\n').map(str::to_string).collect();
    match names
        .iter()
        .find(|n| !crate::names::plain(n) || *n == MANIFEST)
    {
        Some(bad) => Err(format!("{MANIFEST} lists {bad:?}, not a plain file name")),
        None => Ok(names),
    }
}

/// The error of [`CertDir::staging`] when an install is left unfinished in
/// `name`.
pub(super) fn unfinished(certdir: &CertDir, name: &str) -> Error {
    file_error(
        &certdir.path.join(name),
        format!(
            "cannot {INSTALL}: an earlier run's install is left unfinished here (the warning \
             at the start of this run says why); rename its files into place, or remove it"
        ),
    )
}

/// Sync a directory (best effort where directories cannot be synced).
fn sync(dir: &Dir) -> std::io::Result<()> {
    dir.try_clone()?.into_std_file().sync_all()
}
