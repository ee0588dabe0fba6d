//! Where one certificate's files go: cert, chain and fullchain, each an
//! optional path of its own (at least cert or fullchain), in any directories
//! and under any names (acme-client.conf's `domain certificate`,
//! `domain chain certificate`, `domain full chain certificate`). The command
//! line's `-c DIR` is the layout [`CertFiles::in_dir`]: DIR/cert.pem,
//! DIR/chain.pem, DIR/fullchain.pem.
//!
//! The files are grouped by directory ([`CertFiles::dirs`]): each directory
//! is one [`CertDir`] (lock, stale cleanup, staging, publish) and gets one
//! file-writer instance whose staging grant names exactly that directory's
//! files and their `-b` backups (grant.rs). [`LockedDirs`] holds the locks.
//!
//! The directory record (fresh.rs) lies beside the primary file (cert, else
//! fullchain): `.acmebox-directory` for the command line's layout (as every
//! earlier version wrote it, so existing installs do not renew), and
//! `.<primary file name>.acmebox-directory` for any other layout, so two
//! certificates sharing a directory never share a record.

use crate::certdir::{CertDir, Existing, LOCK_FILE, STAGE_PREFIX};
use crate::error::Error;
use crate::fresh::DIRECTORY_RECORD;
use crate::names::Names;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The command line's file names in `-c DIR`.
pub const CLI_NAMES: [&str; 3] = ["cert.pem", "chain.pem", "fullchain.pem"];

/// What a certificate file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The leaf certificate alone (cert.pem).
    Cert,
    /// The issuer chain (chain.pem).
    Chain,
    /// The leaf followed by the chain (fullchain.pem).
    Fullchain,
}

/// One certificate's files; see the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFiles {
    /// The leaf certificate's file.
    pub cert: Option<PathBuf>,
    /// The chain's file.
    pub chain: Option<PathBuf>,
    /// The full chain's file.
    pub fullchain: Option<PathBuf>,
}

/// The files of one directory of a [`CertFiles`], by role and file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirFiles {
    /// The directory.
    pub dir: PathBuf,
    /// Its certificate files, in the order cert, chain, fullchain.
    pub files: Vec<(Role, String)>,
    /// The directory record's name, when it lies here.
    pub record: Option<String>,
}

impl DirFiles {
    /// The names file-writer may use in this directory's staging directory:
    /// the files, the record, then each file's backup pattern.
    pub fn names(&self) -> Names {
        let files: Vec<&str> = self.files.iter().map(|(_, n)| n.as_str()).collect();
        Names::file_writer_for(&files, self.record.as_deref())
    }

    /// The file names of [`DirFiles::files`].
    pub fn file_names(&self) -> Vec<&str> {
        self.files.iter().map(|(_, n)| n.as_str()).collect()
    }
}

/// The directory holding `file`: its parent, `.` for a bare name.
pub fn dir_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `file`'s name, as text (checked by [`CertFiles::new`]).
pub fn name_of(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl CertFiles {
    /// The command line's layout: `dir`/cert.pem, chain.pem, fullchain.pem.
    pub fn in_dir(dir: &Path) -> CertFiles {
        CertFiles {
            cert: Some(dir.join(CLI_NAMES[0])),
            chain: Some(dir.join(CLI_NAMES[1])),
            fullchain: Some(dir.join(CLI_NAMES[2])),
        }
    }

    /// Files configured one by one. At least `cert` or `fullchain` must be
    /// given (chain alone certifies nothing); each must end in a plain UTF-8
    /// file name that is none of acmebox's own (the lock, a staging
    /// directory, a directory record); no file may be given twice. The
    /// error says which path is wrong, and why.
    pub fn new(
        cert: Option<PathBuf>,
        chain: Option<PathBuf>,
        fullchain: Option<PathBuf>,
    ) -> Result<CertFiles, String> {
        if cert.is_none() && fullchain.is_none() {
            return Err("neither a certificate nor a full chain file is given".into());
        }
        let files = CertFiles {
            cert,
            chain,
            fullchain,
        };
        let all = files.files();
        for (i, (_, path)) in all.iter().enumerate() {
            let name = path.file_name().and_then(|n| n.to_str());
            let why = match name {
                None => Some("not a file path with a UTF-8 file name"),
                Some(n) if !crate::names::plain(n) => Some("not a plain file name"),
                Some(n) if n == LOCK_FILE => Some("acmebox's lock file"),
                Some(n) if n.starts_with(STAGE_PREFIX) => Some("acmebox's staging name"),
                Some(n) if n.ends_with(DIRECTORY_RECORD) => Some("acmebox's record name"),
                Some(_) if all[..i].iter().any(|(_, p)| p == path) => Some("given twice"),
                Some(_) => None,
            };
            if let Some(why) = why {
                return Err(format!("{}: {why}", path.display()));
            }
        }
        Ok(files)
    }

    /// The configured files, in the order cert, chain, fullchain.
    pub fn files(&self) -> Vec<(Role, &Path)> {
        [
            (Role::Cert, &self.cert),
            (Role::Chain, &self.chain),
            (Role::Fullchain, &self.fullchain),
        ]
        .into_iter()
        .filter_map(|(role, path)| path.as_deref().map(|p| (role, p)))
        .collect()
    }

    /// The file step 0 and `-r` read the leaf from: cert, else fullchain.
    pub fn primary(&self) -> (Role, &Path) {
        match (&self.cert, &self.fullchain) {
            (Some(cert), _) => (Role::Cert, cert),
            (None, Some(full)) => (Role::Fullchain, full),
            // CertFiles::new refuses neither; in_dir gives both.
            (None, None) => (Role::Cert, Path::new(CLI_NAMES[0])),
        }
    }

    /// The path of `role`'s file, if configured.
    pub fn path(&self, role: Role) -> Option<&Path> {
        match role {
            Role::Cert => self.cert.as_deref(),
            Role::Chain => self.chain.as_deref(),
            Role::Fullchain => self.fullchain.as_deref(),
        }
    }

    /// Whether this is `-c DIR`'s layout: all three files, named as the
    /// command line names them, in one directory.
    pub fn is_cli_layout(&self) -> bool {
        let all = self.files();
        all.len() == 3
            && all.iter().zip(CLI_NAMES).all(|((_, p), n)| name_of(p) == n)
            && all.iter().all(|(_, p)| dir_of(p) == dir_of(all[0].1))
    }

    /// The directory record's file name: `.acmebox-directory` for the
    /// command line's layout, else `.<primary file name>.acmebox-directory`.
    pub fn record_name(&self) -> String {
        if self.is_cli_layout() {
            DIRECTORY_RECORD.to_string()
        } else {
            format!(".{}{DIRECTORY_RECORD}", name_of(self.primary().1))
        }
    }

    /// The directory record's path, beside the primary file.
    pub fn record(&self) -> PathBuf {
        dir_of(self.primary().1).join(self.record_name())
    }

    /// The files grouped by directory, directories in sorted order (the
    /// order their locks are taken in).
    pub fn dirs(&self) -> Vec<DirFiles> {
        let record_dir = dir_of(self.primary().1);
        let mut dirs: Vec<DirFiles> = Vec::new();
        for (role, path) in self.files() {
            let dir = dir_of(path);
            let entry = match dirs.iter().position(|d| d.dir == dir) {
                Some(i) => &mut dirs[i],
                None => {
                    dirs.push(DirFiles {
                        record: (dir == record_dir).then(|| self.record_name()),
                        dir,
                        files: Vec::new(),
                    });
                    dirs.last_mut().expect("just pushed")
                }
            };
            entry.files.push((role, name_of(path)));
        }
        dirs.sort_by(|a, b| a.dir.cmp(&b.dir));
        dirs
    }

    /// [`CertFiles::dirs`] in the order they are installed: the record's
    /// directory last, so the record never names a directory beside
    /// certificate files an interrupted install has not yet replaced.
    pub fn install_order(&self) -> Vec<DirFiles> {
        let mut dirs = self.dirs();
        dirs.sort_by_key(|d| d.record.is_some());
        dirs
    }
}

/// The certificate directories of one or more certificates, each opened and
/// locked once (in sorted order, so two runs never lock in opposite orders);
/// shared between the jobs of a batch (flows/batch.rs).
#[derive(Clone)]
pub struct LockedDirs(Vec<Arc<CertDir>>);

impl LockedDirs {
    /// Lock every directory of `files`.
    pub fn lock(files: &CertFiles) -> Result<LockedDirs, Error> {
        let dirs: Vec<PathBuf> = files.dirs().into_iter().map(|d| d.dir).collect();
        LockedDirs::lock_all(&dirs)
    }

    /// Whether cleaning up finished an earlier run's install in any of
    /// these directories ([`CertDir::finished_an_install`]).
    pub fn finished_an_install(&self) -> bool {
        self.0.iter().any(|d| d.finished_an_install())
    }

    /// Lock `dirs` (sorted and deduplicated here), waiting for each as
    /// [`CertDir::lock`] does.
    pub fn lock_all(dirs: &[PathBuf]) -> Result<LockedDirs, Error> {
        let mut dirs = dirs.to_vec();
        dirs.sort();
        dirs.dedup();
        let locked = dirs
            .iter()
            .map(|d| CertDir::lock(d).map(Arc::new))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(LockedDirs(locked))
    }

    /// Preflight for `--chown`: each directory lets this process give a
    /// file to `owner` ([`CertDir::probe_chown`]). Nothing on other systems
    /// (options refuse `--chown` there).
    pub fn probe_chown(&self, owner: crate::owner::Owner) -> Result<(), Error> {
        #[cfg(unix)]
        for dir in &self.0 {
            dir.probe_chown(owner)?;
        }
        #[cfg(not(unix))]
        let _ = owner;
        Ok(())
    }

    /// Directories the caller has locked (a batch, one by one).
    pub fn from_locked(dirs: Vec<Arc<CertDir>>) -> LockedDirs {
        LockedDirs(dirs)
    }

    /// The directories among these that `files` uses (for one job).
    pub fn subset(&self, files: &CertFiles) -> LockedDirs {
        let wanted: Vec<PathBuf> = files.dirs().into_iter().map(|d| d.dir).collect();
        LockedDirs(
            self.0
                .iter()
                .filter(|d| wanted.iter().any(|w| w == d.path()))
                .cloned()
                .collect(),
        )
    }

    /// Remove earlier runs' leftovers in each directory
    /// ([`CertDir::remove_stale`]); one warning per entry left.
    pub fn remove_stale(&self) -> Vec<String> {
        self.0.iter().flat_map(|d| d.remove_stale()).collect()
    }

    /// The locked directory `dir`.
    pub fn dir(&self, dir: &Path) -> Result<&CertDir, Error> {
        self.0
            .iter()
            .find(|d| d.path() == dir)
            .map(|d| d.as_ref())
            .ok_or_else(|| Error::File {
                path: dir.display().to_string(),
                message: "not locked for this run".into(),
            })
    }

    /// What is at `file` ([`CertDir::read`] in its directory).
    pub fn read(&self, file: &Path) -> Result<Existing, Error> {
        self.dir(&dir_of(file))?.read(&name_of(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_layout_keeps_its_names_and_record() {
        let f = CertFiles::in_dir(Path::new("/etc/ssl/acme"));
        assert!(f.is_cli_layout());
        assert_eq!(f.record(), Path::new("/etc/ssl/acme/.acmebox-directory"));
        let dirs = f.dirs();
        assert_eq!(dirs.len(), 1);
        assert_eq!(
            dirs[0].file_names(),
            ["cert.pem", "chain.pem", "fullchain.pem"]
        );
        assert_eq!(dirs[0].record.as_deref(), Some(".acmebox-directory"));
    }

    #[test]
    fn other_layouts_group_by_directory_with_a_record_beside_the_primary() {
        let f = CertFiles::new(None, Some("/b/ca.crt".into()), Some("/a/site.crt".into()))
            .expect("valid");
        assert!(!f.is_cli_layout());
        assert_eq!(f.primary(), (Role::Fullchain, Path::new("/a/site.crt")));
        assert_eq!(f.record(), Path::new("/a/.site.crt.acmebox-directory"));
        let dirs = f.install_order();
        assert_eq!(dirs[0].dir, Path::new("/b"));
        assert_eq!(dirs[0].record, None);
        assert_eq!(dirs[1].file_names(), ["site.crt"]);
        assert_eq!(
            dirs[1].record.as_deref(),
            Some(".site.crt.acmebox-directory")
        );
        assert_eq!(f.dirs()[0].dir, Path::new("/a"));
    }

    #[test]
    fn bad_file_sets_are_refused() {
        assert!(CertFiles::new(None, Some("/a/c.pem".into()), None).is_err());
        for bad in [
            "/a/.acmebox.lock",
            "/a/.acmebox-stage-1",
            "/a/x.acmebox-directory",
            "/",
        ] {
            assert!(
                CertFiles::new(Some(bad.into()), None, None).is_err(),
                "{bad}"
            );
        }
        let twice = CertFiles::new(Some("/a/c.pem".into()), None, Some("/a/c.pem".into()));
        assert!(twice.expect_err("twice").contains("given twice"));
    }
}
