//! Everything the host itself does in the certificate directory: a short list
//! of small operations on known names, none of which follows a link.
//!
//! The file-writer stage never gets the certificate directory (acme-client's
//! default layout keeps the domain key under it, and DESIGN.md rule 3 says a
//! directory grant must never reach a key): it gets a fresh, empty staging
//! directory that [`CertDir::staging`] creates inside it for the run, and
//! writes the new files there. The host then checks each staged file and
//! renames it into place by name ([`CertDir::publish`]). So:
//!
//! - [`CertDir::lock`]: an exclusive lock on `.acmebox.lock`, held for the
//!   whole run, so two runs for one directory never interleave;
//! - [`CertDir::read`]: `cert.pem` for the up-to-date check, as bytes, only
//!   if it is a regular file with one link (a link planted there is reported
//!   and replaced, never read through);
//! - [`CertDir::remove_stale`]: an install an earlier run committed and was
//!   stopped in, finished; its other staging directories and the temporary
//!   names older versions wrote under, removed without following;
//! - [`CertDir::staging`] and [`CertDir::publish`]: the install (with `-b`,
//!   the backups first: backup.rs), committed before the first rename so
//!   that a stop between renames is finished by the next run (commit.rs);
//! - [`CertDir::remove`]: after a revocation (`-r`), cert.pem, chain.pem,
//!   fullchain.pem and the directory record, by name.
//!
//! [`seal`] is the one check of a file a stage wrote: opened without
//! following links, a regular file with one link holding exactly the
//! expected bytes, then made 0444 through that same descriptor. publish and the challenge stage's
//! token files both use it.

use crate::error::Error;
use crate::stage::Stage;
use crate::stop_at;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsSyncExt};
use cap_std::fs::{Dir, OpenOptions};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock file in the certificate directory. It is created once (0600,
/// empty) and kept: removing it would let a waiting run lock a file that is
/// no longer there.
pub const LOCK_FILE: &str = ".acmebox.lock";

/// How long a run waits for another run's lock before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// How often the lock is tried while waiting.
const LOCK_POLL: Duration = Duration::from_millis(100);

/// The name of each run's staging directory is this, then 16 random hex
/// digits.
pub const STAGE_PREFIX: &str = ".acmebox-stage-";

/// The temporary names file-writer wrote under before staging directories
/// (`.NAME.acmebox-tmp`): removed, never opened.
pub const LEGACY_TEMPS: [&str; 3] = [
    ".cert.pem.acmebox-tmp",
    ".chain.pem.acmebox-tmp",
    ".fullchain.pem.acmebox-tmp",
];

/// Largest file [`CertDir::read`] returns: a certificate chain is a few
/// kilobytes.
pub const MAX_READ: u64 = 1 << 20;

/// How deep [`remove_tree`] goes into a staging directory: file-writer
/// writes plain files, so anything deeper is left (and reported).
const MAX_DEPTH: u32 = 8;

/// The step name of the install, in errors.
const INSTALL: &str = "install certificate";

/// What [`CertDir::read`] found under a name.
#[derive(Debug, PartialEq, Eq)]
pub enum Existing {
    /// Nothing.
    Absent,
    /// Something that is not a plain file of its own, and why: a symbolic
    /// link, hard-linked, not a regular file, or too large.
    NotRegular(String),
    /// A regular file with one link, and its bytes.
    Regular(Vec<u8>),
}

/// The certificate directory, locked for this run.
pub struct CertDir {
    path: PathBuf,
    dir: Dir,
    /// Holds the lock until dropped (the process's exit releases it too).
    _lock: std::fs::File,
    /// Whether [`CertDir::remove_stale`] finished an install an earlier run
    /// was stopped in: files of this directory changed in this run, so it
    /// exits 0 even when it then finds the certificate up to date.
    finished: std::sync::atomic::AtomicBool,
}

impl CertDir {
    /// Open the certificate directory and take its lock, waiting up to
    /// [`LOCK_WAIT`] for another run to finish.
    pub fn lock(path: &Path) -> Result<CertDir, Error> {
        CertDir::lock_within(path, LOCK_WAIT)
    }

    /// [`CertDir::lock`], waiting up to `wait`.
    pub fn lock_within(path: &Path, wait: Duration) -> Result<CertDir, Error> {
        let dir = Dir::open_ambient_dir(path, cap_std::ambient_authority())
            .map_err(|e| file_error(path, format!("-c: cannot open certificate directory: {e}")))?;
        let lock = take_lock(&dir, &path.join(LOCK_FILE), wait)?;
        Ok(CertDir {
            path: path.to_path_buf(),
            dir,
            _lock: lock,
            finished: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The directory, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is under `name`, without following a link (see [`Existing`]).
    pub fn read(&self, name: &str) -> Result<Existing, Error> {
        let fail =
            |e: std::io::Error| file_error(&self.path.join(name), format!("cannot read: {e}"));
        let file = match open_nofollow(&self.dir, name) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Existing::Absent),
            Err(e) => {
                return match what_is(&self.dir, name) {
                    Some(why) => Ok(Existing::NotRegular(why)),
                    None => Err(fail(e)),
                }
            }
        };
        let meta = file.metadata().map_err(fail)?;
        if let Some(why) = not_plain(&meta) {
            return Ok(Existing::NotRegular(why));
        }
        if meta.len() > MAX_READ {
            return Ok(Existing::NotRegular(too_large(meta.len())));
        }
        let mut bytes = Vec::new();
        file.take(MAX_READ + 1)
            .read_to_end(&mut bytes)
            .map_err(fail)?;
        if bytes.len() as u64 > MAX_READ {
            return Ok(Existing::NotRegular(too_large(bytes.len() as u64)));
        }
        Ok(Existing::Regular(bytes))
    }

    /// Clean up after earlier runs: finish the install one committed and
    /// was stopped in (commit.rs [`finish`](commit::finish)), and remove
    /// every other staging directory (their entries unlinked without
    /// following, then the directory) and the legacy temporary names
    /// (unlinked). Called under the lock, so no other run is using them.
    /// Returns one warning per install finished (naming what it renamed
    /// into place), per install that cannot be finished (this run will not
    /// install: [`CertDir::staging`]), and per entry that could not be
    /// removed (not in the way of this run).
    pub fn remove_stale(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let entries = match self.dir.entries() {
            Ok(entries) => entries,
            Err(e) => return vec![format!("cannot list {}: {e}", self.path.display())],
        };
        let mut committed = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(text) = name.to_str() else { continue };
            if commit::is_committed(text) {
                committed.push(text.to_string());
            } else if text.starts_with(STAGE_PREFIX) || LEGACY_TEMPS.contains(&text) {
                if let Err(e) = remove_tree(&self.dir, Path::new(&name), MAX_DEPTH) {
                    let path = self.path.join(&name);
                    warnings.push(format!("cannot remove {}: {e}", path.display()));
                }
            }
        }
        let several = committed.len() > 1;
        for name in committed {
            let path = self.path.join(&name);
            let finished = if several {
                Err("there are several, and which came last is unknown".to_string())
            } else {
                commit::finish(self, &name)
            };
            match finished {
                Ok(renamed) if renamed.is_empty() => {}
                Ok(renamed) => {
                    self.finished
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    warnings.push(format!(
                        "finished the install an earlier run was stopped in: {} renamed into {} \
                     from {}",
                        renamed.join(", "),
                        self.path.display(),
                        path.display()
                    ))
                }
                Err(why) => warnings.push(format!(
                    "cannot finish the install an earlier run was stopped in ({}): {why}",
                    path.display()
                )),
            }
        }
        warnings
    }

    /// Whether [`CertDir::remove_stale`] finished an earlier run's install
    /// here (renamed at least one file into place).
    pub fn finished_an_install(&self) -> bool {
        self.finished.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The name of a committed staging directory left here, if any.
    fn unfinished(&self) -> Option<String> {
        self.dir.entries().ok()?.flatten().find_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            commit::is_committed(&name).then_some(name)
        })
    }

    /// Create this run's staging directory, `.acmebox-stage-<16 hex>`:
    /// exclusively (never an existing directory or link), mode 0700. It is
    /// removed when the returned guard is dropped, unless committed. Refused
    /// while an earlier run's committed install is left unfinished here
    /// ([`CertDir::remove_stale`] could not finish it): installing now, and
    /// finishing that one later, would put older files over newer ones.
    pub fn staging(&self) -> Result<Staging<'_>, Error> {
        if let Some(name) = self.unfinished() {
            return Err(commit::unfinished(self, &name));
        }
        let mut last = None;
        for _ in 0..8 {
            let name = format!("{STAGE_PREFIX}{}", random_hex());
            #[cfg_attr(not(unix), allow(unused_mut))]
            let mut builder = cap_std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use cap_std::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            match self.dir.create_dir_with(&name, &builder) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    last = Some(e);
                    continue;
                }
                Err(e) => return Err(self.staging_error(&name, e)),
            }
            let dir = self
                .dir
                .open_dir_nofollow(&name)
                .map_err(|e| self.staging_error(&name, e))?;
            return Ok(Staging {
                certdir: self,
                name,
                dir: Some(dir),
                removed: false,
                committed: false,
            });
        }
        let e = last.unwrap_or_else(|| ErrorKind::AlreadyExists.into());
        Err(self.staging_error(&format!("{STAGE_PREFIX}*"), e))
    }

    fn staging_error(&self, name: &str, e: std::io::Error) -> Error {
        file_error(
            &self.path.join(name),
            format!("cannot create the staging directory: {e}"),
        )
    }

    /// Install the staged files `(name, expected bytes)` in this directory:
    /// every one is first [`seal`]ed (regular, one link, the expected bytes,
    /// then 0444) in the staging directory; only when all pass is the
    /// install committed (commit.rs: their names listed, the staging
    /// directory renamed to `...-committed`), and then each renamed by name
    /// into this directory, in the order given (backups, cert.pem, ..., the
    /// record last), replacing whatever entry was there without following
    /// it. Then the directory is synced (best effort). A failure after the
    /// commit leaves the rest in the committed directory for the next run
    /// to install.
    pub fn publish(&self, staging: &mut Staging<'_>, files: &[(&str, &[u8])]) -> Result<(), Error> {
        self.publish_as(staging, files, crate::owner::Perms::DEFAULT)
    }

    /// [`publish`](CertDir::publish), the files made `perms.mode`
    /// (`--chmod`, a domain's `chmod`: read bits only, validate::cert_mode)
    /// instead of 0444, and given to `perms.owner` (`--chown`), each on a
    /// descriptor opened without following links, all before the commit:
    /// the installed files never have another mode or owner, and a refusal
    /// (EPERM) is an error naming the file and the operation, with nothing
    /// installed (the old files stay).
    pub fn publish_as(
        &self,
        staging: &mut Staging<'_>,
        files: &[(&str, &[u8])],
        perms: crate::owner::Perms,
    ) -> Result<(), Error> {
        for (name, bytes) in files {
            let sealed = staging
                .dir()
                .map_err(|e| e.to_string())
                .and_then(|dir| seal_mode(dir, name, bytes, perms.mode));
            sealed.map_err(|why| Error::Rejected {
                stage: Stage::FileWriter,
                step: INSTALL,
                message: format!(
                    "{name}: file-writer did not write what was asked ({why}); nothing was installed"
                ),
            })?;
        }
        if let Some(owner) = perms.owner {
            for (name, _) in files {
                self.chown_staged(staging, name, owner)?;
            }
        }
        stop_at::install_step("checked the staged files");
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        commit::write_manifest(staging, &names)?;
        stop_at::install_step("listed the files to install");
        let committed = commit::commit(self, staging)?;
        stop_at::install_step("committed the install");
        for (i, name) in names.iter().enumerate() {
            committed.rename(name, &self.dir, name).map_err(|e| {
                let done = match i {
                    0 => "nothing replaced yet".to_string(),
                    _ => format!("{} already replaced", names[..i].join(", ")),
                };
                file_error(
                    &self.path.join(name),
                    format!(
                        "cannot install: {e}; {done}, the rest left in {} for the next run \
                         to install",
                        staging.path().display()
                    ),
                )
            })?;
            stop_at::install_step(&format!("renamed {name} into place"));
        }
        let _ = self
            .dir
            .try_clone()
            .and_then(|d| d.into_std_file().sync_all());
        Ok(())
    }
}

impl CertDir {
    /// Give the staged (and sealed) file `name` to `owner`, on a descriptor
    /// opened without following a link; the error names the file this
    /// install would have replaced and says nothing was installed.
    fn chown_staged(
        &self,
        staging: &Staging<'_>,
        name: &str,
        owner: crate::owner::Owner,
    ) -> Result<(), Error> {
        let fail = |e: std::io::Error| {
            file_error(
                &self.path.join(name),
                format!("cannot chown it to {owner}: {e}; nothing was installed"),
            )
        };
        let file = staging
            .dir()
            .and_then(|dir| open_nofollow(dir, name))
            .map_err(fail)?;
        #[cfg(unix)]
        crate::owner::apply(&file, owner).map_err(fail)?;
        #[cfg(not(unix))]
        let _ = file;
        Ok(())
    }

    /// Remove the entry `name` after a revocation: unlinked by name, a file
    /// or a symbolic link itself (never what a link points to); nothing
    /// there is not an error. Returns whether something was removed. A
    /// directory is refused. Then the directory is synced (best effort).
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        let path = self.path.join(name);
        let removed = match self.dir.symlink_metadata(name) {
            Err(e) if e.kind() == ErrorKind::NotFound => false,
            Err(e) => return Err(file_error(&path, format!("cannot remove: {e}"))),
            Ok(meta) if meta.is_dir() => {
                return Err(file_error(
                    &path,
                    "cannot remove: a directory, not a certificate".into(),
                ))
            }
            Ok(_) => match self.dir.remove_file_or_symlink(name) {
                Ok(()) => true,
                Err(e) if e.kind() == ErrorKind::NotFound => false,
                Err(e) => return Err(file_error(&path, format!("cannot remove: {e}"))),
            },
        };
        let _ = self
            .dir
            .try_clone()
            .and_then(|d| d.into_std_file().sync_all());
        Ok(removed)
    }
}

/// This run's staging directory inside the certificate directory; removed
/// (without following links) when dropped, unless committed (commit.rs):
/// then what is left in it is the next run's to install.
pub struct Staging<'a> {
    certdir: &'a CertDir,
    /// Its name in the certificate directory (`...-committed` once
    /// committed).
    name: String,
    /// The directory, opened when it was created; closed by the commit
    /// (commit.rs: Windows renames no directory with a handle open on it).
    dir: Option<Dir>,
    /// Set by [`Staging::remove`], so dropping does not try again.
    removed: bool,
    /// Set by the commit: dropping leaves it.
    committed: bool,
}

impl Staging<'_> {
    /// The directory as opened when it was created, until the commit.
    fn dir(&self) -> std::io::Result<&Dir> {
        self.dir
            .as_ref()
            .ok_or_else(|| std::io::Error::other("the staging directory is closed once committed"))
    }

    /// Its path on the host, to preopen for file-writer.
    pub fn path(&self) -> PathBuf {
        self.certdir.path.join(&self.name)
    }

    /// Remove it now, reporting what could not be removed (the next run
    /// removes it otherwise).
    pub fn remove(mut self) -> Result<(), String> {
        self.removed = true;
        remove_tree(&self.certdir.dir, Path::new(&self.name), MAX_DEPTH)
            .map_err(|e| format!("cannot remove {}: {e}", self.path().display()))
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.removed && !self.committed {
            let _ = remove_tree(&self.certdir.dir, Path::new(&self.name), MAX_DEPTH);
        }
    }
}

/// Check a file a stage wrote in `dir` and make it read-only: opened without
/// following a link, the open file must be a regular file with one link
/// (unix) holding exactly `expected` (a stage claiming success for bytes it
/// did not write is caught here); then it is made 0444 (unix) through the
/// same descriptor. The error says what was wrong.
pub fn seal(dir: &Dir, name: &str, expected: &[u8]) -> Result<(), String> {
    seal_mode(dir, name, expected, crate::validate::DEFAULT_CERT_MODE)
}

/// [`seal`], making the file `mode` rather than 0444 (a subset of 0444,
/// checked by the caller's options: validate::cert_mode).
pub fn seal_mode(dir: &Dir, name: &str, expected: &[u8], mode: u32) -> Result<(), String> {
    let file = open_nofollow(dir, name).map_err(|e| match e.kind() {
        ErrorKind::NotFound => "missing".to_string(),
        _ => what_is(dir, name).unwrap_or_else(|| format!("cannot open: {e}")),
    })?;
    let meta = file.metadata().map_err(|e| format!("cannot stat: {e}"))?;
    if let Some(why) = not_plain(&meta) {
        return Err(why);
    }
    let expected_len = expected.len() as u64;
    if meta.len() != expected_len {
        return Err(format!("{} bytes, not {expected_len}", meta.len()));
    }
    let mut written = Vec::with_capacity(expected.len());
    (&file)
        .take(expected_len + 1)
        .read_to_end(&mut written)
        .map_err(|e| format!("cannot read it back: {e}"))?;
    if written != expected {
        return Err("other bytes than those asked for".into());
    }
    #[cfg(not(unix))]
    let _ = mode;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("cannot make it read-only (mode {mode:04o}): {e}"))?;
    }
    Ok(())
}

/// Open `name` in `dir` for reading, never following a link (a symbolic link
/// fails to open) and without blocking on a FIFO.
fn open_nofollow(dir: &Dir, name: &str) -> std::io::Result<std::fs::File> {
    let mut options = OpenOptions::new();
    options.read(true).follow(FollowSymlinks::No).nonblock(true);
    dir.open_with(name, &options).map(|f| f.into_std())
}

/// Why an open file is not a plain file of its own, if it is not: not a
/// regular file, or (unix) more than one link.
fn not_plain(meta: &std::fs::Metadata) -> Option<String> {
    if !meta.is_file() {
        return Some("not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let links = meta.nlink();
        if links != 1 {
            return Some(format!("hard-linked ({links} links)"));
        }
    }
    None
}

/// What stands under `name` when it cannot be opened as a file: a symbolic
/// link or a directory; `None` for anything else (then the open error is
/// reported).
fn what_is(dir: &Dir, name: &str) -> Option<String> {
    let meta = dir.symlink_metadata(name).ok()?;
    if meta.is_symlink() {
        Some("a symbolic link".into())
    } else if !meta.is_file() {
        Some("not a regular file".into())
    } else {
        None
    }
}

fn too_large(len: u64) -> String {
    format!("too large ({len} bytes, at most {MAX_READ})")
}

/// Remove `name` in `parent` without following links: a directory (not a
/// link to one) has its entries removed the same way, down to `depth`
/// levels, then is removed; anything else is unlinked.
fn remove_tree(parent: &Dir, name: &Path, depth: u32) -> std::io::Result<()> {
    let meta = parent.symlink_metadata(name)?;
    if !meta.is_dir() {
        return parent.remove_file_or_symlink(name);
    }
    if depth == 0 {
        return Err(std::io::Error::other("directories nested too deep"));
    }
    let dir = parent.open_dir_nofollow(name)?;
    for entry in dir.entries()? {
        remove_tree(&dir, Path::new(&entry?.file_name()), depth - 1)?;
    }
    drop(dir);
    parent.remove_dir(name)
}

/// The lock file, opened without following a link (created 0600) and locked
/// exclusively, trying every [`LOCK_POLL`] for up to `wait`.
fn take_lock(dir: &Dir, path: &Path, wait: Duration) -> Result<std::fs::File, Error> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .follow(FollowSymlinks::No)
        .nonblock(true);
    #[cfg(unix)]
    {
        use cap_std::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = dir
        .open_with(LOCK_FILE, &options)
        .map(|f| f.into_std())
        .map_err(|e| {
            let why = what_is(dir, LOCK_FILE).unwrap_or_else(|| e.to_string());
            file_error(path, format!("cannot open the lock file: {why}"))
        })?;
    let meta = file
        .metadata()
        .map_err(|e| file_error(path, format!("cannot stat the lock file: {e}")))?;
    if !meta.is_file() {
        return Err(file_error(
            path,
            "the lock file is not a regular file".into(),
        ));
    }
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(LOCK_POLL);
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    path: path.display().to_string(),
                    waited: wait,
                })
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(file_error(path, format!("cannot lock: {e}")))
            }
        }
    }
}

/// 16 hex digits, from std's `RandomState`, whose keys come from the
/// operating system's random source. The staging directory is created
/// exclusively, so a guessed or colliding name fails and is retried; it is
/// never reused.
pub(crate) fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(now);
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

fn file_error(path: &Path, message: String) -> Error {
    Error::File {
        path: path.display().to_string(),
        message,
    }
}

mod commit;
pub use commit::{is_committed, COMMITTED, MANIFEST};
#[cfg(unix)]
mod probe;
mod state;
#[cfg(unix)]
pub use probe::PROBE;

#[cfg(all(test, unix))]
mod tests;
