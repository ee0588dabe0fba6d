//! Grants down to the file: wasi:filesystem as wasmtime-wasi implements it,
//! behind a check of every path against the granted directory's [`Names`]
//! (names.rs). The linker (linker.rs) links these implementations instead
//! of wasmtime-wasi's own; each function delegates to wasmtime-wasi after
//! the check.
//!
//! The rules, for every stage with a directory:
//!
//! - every path-taking function ([`PATH_FUNCTIONS`]) answers `not-permitted`
//!   unless its descriptor is a preopened directory and each path is one
//!   plain name of that directory's set;
//! - `open-at` never yields a directory (asked for with `directory`, or found
//!   to be one once opened: closed again, `not-permitted`), so the only
//!   directories a stage holds are its preopens and every name it uses lies
//!   directly in a granted directory;
//! - `create-directory-at` and `remove-directory-at` are refused whatever
//!   the name (no stage makes or removes directories), as are `link-at` and
//!   `symlink-at` (also shadowed by linker.rs's `DENIED`).
//!
//! `not-permitted` is the answer wasmtime-wasi gives for a path out of the
//! preopen, so a stage's error handling sees one refusal for both walls.
//!
//! Implementing the bindings' traits (rather than wrapping functions by
//! name) means the compiler requires every function of the interface here:
//! none can reach wasmtime-wasi unchecked by being forgotten.

use crate::names::Names;
use std::collections::HashMap;
use wasmtime::component::{HasData, Resource};
use wasmtime_wasi::filesystem::WasiFilesystemCtxView;
use wasmtime_wasi::p2::bindings::filesystem::preopens;
use wasmtime_wasi::p2::bindings::filesystem::types::ErrorCode;
use wasmtime_wasi::p2::bindings::sync::filesystem::types as fs;
use wasmtime_wasi::p2::bindings::sync::io::streams;
use wasmtime_wasi::p2::{FsError, FsResult};

/// The wasi:filesystem/types functions that take a path (their WIT names),
/// each checked here. tests/escape.rs checks that this is every such
/// function of the WIT the host implements, and calls each with a refused
/// path.
pub const PATH_FUNCTIONS: [&str; 11] = [
    "create-directory-at",
    "stat-at",
    "set-times-at",
    "link-at",
    "open-at",
    "readlink-at",
    "remove-directory-at",
    "rename-at",
    "symlink-at",
    "unlink-file-at",
    "metadata-hash-at",
];

/// The name sets of a stage's granted directories, and which of the
/// stage's descriptors are those directories.
#[derive(Default)]
pub struct Narrowing {
    /// Each granted directory.
    granted: Vec<Granted>,
    /// Resource representation of each preopen descriptor handed out ->
    /// index into `granted`.
    preopens: HashMap<u32, usize>,
}

/// One granted directory, as narrowing sees it.
struct Granted {
    /// Where the stage sees it.
    guest: String,
    /// The names it may use in it.
    names: Names,
    /// Windows: the directory on the host, when it holds a private key (the
    /// account and domain-key stages' directories): the host creates each
    /// new file in it itself, readable by its owner only (owner_only.rs).
    #[cfg_attr(not(windows), allow(dead_code))]
    private: Option<std::path::PathBuf>,
}

impl Narrowing {
    /// The sets of `grant`'s directories.
    pub fn of(grant: &crate::grant::Grant) -> Narrowing {
        use crate::stage::Stage;
        let private = matches!(grant.name, Stage::Account | Stage::DomainKey);
        Narrowing {
            granted: grant
                .directories
                .iter()
                .map(|d| Granted {
                    guest: d.guest.to_string(),
                    names: d.names.clone(),
                    private: private.then(|| d.host.clone()),
                })
                .collect(),
            preopens: HashMap::new(),
        }
    }
}

/// What the narrowed bindings work on: wasmtime-wasi's view, and the sets.
pub struct NarrowCtxView<'a> {
    /// wasmtime-wasi's file-system context and resource table.
    pub fs: WasiFilesystemCtxView<'a>,
    /// The stage's name sets.
    pub narrowing: &'a mut Narrowing,
}

/// Store data that can lend a [`NarrowCtxView`].
pub trait NarrowView: Send {
    /// The view of this store's file system and name sets.
    fn narrowed(&mut self) -> NarrowCtxView<'_>;
}

/// `HasData` for the narrowed wasi:filesystem bindings.
pub struct Narrowed;

impl HasData for Narrowed {
    type Data<'a> = NarrowCtxView<'a>;
}

fn refused<T>() -> FsResult<T> {
    Err(FsError::from(ErrorCode::NotPermitted))
}

impl NarrowCtxView<'_> {
    /// `path` must be one name of the set of the preopen `fd` is.
    fn check(&self, fd: &Resource<fs::Descriptor>, path: &str) -> FsResult<()> {
        match self.granted(fd) {
            Some(granted) if granted.names.allows(path) => Ok(()),
            _ => refused(),
        }
    }

    /// The granted directory the preopen `fd` is.
    fn granted(&self, fd: &Resource<fs::Descriptor>) -> Option<&Granted> {
        self.narrowing
            .preopens
            .get(&fd.rep())
            .and_then(|i| self.narrowing.granted.get(*i))
    }

    /// Windows: before an `open-at` that may create `path` (checked) in a
    /// private-key directory, create it here, empty and readable by its
    /// owner only (owner_only.rs), and return the flags that open it
    /// without creating it, so the stage's file is that one. A file already
    /// there is `exist` for an exclusive create, else opened as it is (as a
    /// umask only applies to new files). Elsewhere: `oflags` unchanged.
    #[cfg(windows)]
    fn create_private(
        &self,
        fd: &Resource<fs::Descriptor>,
        path: &str,
        oflags: fs::OpenFlags,
    ) -> FsResult<(fs::OpenFlags, Option<std::path::PathBuf>)> {
        let dir = self.granted(fd).and_then(|g| g.private.as_ref());
        let Some(dir) = dir.filter(|_| oflags.contains(fs::OpenFlags::CREATE)) else {
            return Ok((oflags, None));
        };
        let file = dir.join(path);
        match crate::owner_only::create(&file) {
            Ok(()) => Ok((
                oflags & !(fs::OpenFlags::CREATE | fs::OpenFlags::EXCLUSIVE),
                Some(file),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if oflags.contains(fs::OpenFlags::EXCLUSIVE) {
                    Err(FsError::from(ErrorCode::Exist))
                } else {
                    Ok((oflags, None))
                }
            }
            Err(_) => Err(FsError::from(ErrorCode::Access)),
        }
    }
}

impl preopens::Host for NarrowCtxView<'_> {
    fn get_directories(&mut self) -> wasmtime::Result<Vec<(Resource<fs::Descriptor>, String)>> {
        let dirs = preopens::Host::get_directories(&mut self.fs)?;
        for (dir, guest) in &dirs {
            let granted = self
                .narrowing
                .granted
                .iter()
                .position(|g| &g.guest == guest);
            if let Some(i) = granted {
                self.narrowing.preopens.insert(dir.rep(), i);
            }
        }
        Ok(dirs)
    }
}

impl fs::Host for NarrowCtxView<'_> {
    fn convert_error_code(&mut self, err: FsError) -> wasmtime::Result<fs::ErrorCode> {
        fs::Host::convert_error_code(&mut self.fs, err)
    }

    fn filesystem_error_code(
        &mut self,
        err: Resource<streams::Error>,
    ) -> wasmtime::Result<Option<fs::ErrorCode>> {
        fs::Host::filesystem_error_code(&mut self.fs, err)
    }
}

impl fs::HostDirectoryEntryStream for NarrowCtxView<'_> {
    fn read_directory_entry(
        &mut self,
        stream: Resource<fs::DirectoryEntryStream>,
    ) -> FsResult<Option<fs::DirectoryEntry>> {
        fs::HostDirectoryEntryStream::read_directory_entry(&mut self.fs, stream)
    }

    fn drop(&mut self, stream: Resource<fs::DirectoryEntryStream>) -> wasmtime::Result<()> {
        fs::HostDirectoryEntryStream::drop(&mut self.fs, stream)
    }
}

type Fd = Resource<fs::Descriptor>;

impl fs::HostDescriptor for NarrowCtxView<'_> {
    // Path-taking functions: checked.

    fn open_at(
        &mut self,
        fd: Fd,
        path_flags: fs::PathFlags,
        path: String,
        oflags: fs::OpenFlags,
        flags: fs::DescriptorFlags,
    ) -> FsResult<Fd> {
        self.check(&fd, &path)?;
        if oflags.contains(fs::OpenFlags::DIRECTORY) {
            return refused();
        }
        #[cfg(windows)]
        let (oflags, created) = self.create_private(&fd, &path, oflags)?;
        let opened = fs::HostDescriptor::open_at(&mut self.fs, fd, path_flags, path, oflags, flags);
        #[cfg(windows)]
        if let (Err(_), Some(created)) = (&opened, created) {
            // The empty file made for the stage, which could not open it.
            let _ = std::fs::remove_file(created);
        }
        let opened = opened?;
        let borrowed = Resource::new_borrow(opened.rep());
        match fs::HostDescriptor::get_type(&mut self.fs, borrowed) {
            Ok(fs::DescriptorType::Directory) | Err(_) => {
                fs::HostDescriptor::drop(&mut self.fs, opened).map_err(FsError::trap)?;
                refused()
            }
            Ok(_) => Ok(opened),
        }
    }

    fn stat_at(
        &mut self,
        fd: Fd,
        path_flags: fs::PathFlags,
        path: String,
    ) -> FsResult<fs::DescriptorStat> {
        self.check(&fd, &path)?;
        fs::HostDescriptor::stat_at(&mut self.fs, fd, path_flags, path)
    }

    fn set_times_at(
        &mut self,
        fd: Fd,
        path_flags: fs::PathFlags,
        path: String,
        atim: fs::NewTimestamp,
        mtim: fs::NewTimestamp,
    ) -> FsResult<()> {
        self.check(&fd, &path)?;
        fs::HostDescriptor::set_times_at(&mut self.fs, fd, path_flags, path, atim, mtim)
    }

    fn readlink_at(&mut self, fd: Fd, path: String) -> FsResult<String> {
        self.check(&fd, &path)?;
        fs::HostDescriptor::readlink_at(&mut self.fs, fd, path)
    }

    fn rename_at(
        &mut self,
        fd: Fd,
        old_path: String,
        new_fd: Fd,
        new_path: String,
    ) -> FsResult<()> {
        self.check(&fd, &old_path)?;
        self.check(&new_fd, &new_path)?;
        fs::HostDescriptor::rename_at(&mut self.fs, fd, old_path, new_fd, new_path)
    }

    fn unlink_file_at(&mut self, fd: Fd, path: String) -> FsResult<()> {
        self.check(&fd, &path)?;
        fs::HostDescriptor::unlink_file_at(&mut self.fs, fd, path)
    }

    fn metadata_hash_at(
        &mut self,
        fd: Fd,
        path_flags: fs::PathFlags,
        path: String,
    ) -> FsResult<fs::MetadataHashValue> {
        self.check(&fd, &path)?;
        fs::HostDescriptor::metadata_hash_at(&mut self.fs, fd, path_flags, path)
    }

    // Path-taking functions no stage may call: refused whatever the path.

    fn create_directory_at(&mut self, _fd: Fd, _path: String) -> FsResult<()> {
        refused()
    }

    fn remove_directory_at(&mut self, _fd: Fd, _path: String) -> FsResult<()> {
        refused()
    }

    fn link_at(
        &mut self,
        _fd: Fd,
        _old_path_flags: fs::PathFlags,
        _old_path: String,
        _new_fd: Fd,
        _new_path: String,
    ) -> FsResult<()> {
        refused()
    }

    fn symlink_at(&mut self, _fd: Fd, _old_path: String, _new_path: String) -> FsResult<()> {
        refused()
    }

    // The descriptor's own file or directory: delegated.

    fn drop(&mut self, fd: Fd) -> wasmtime::Result<()> {
        self.narrowing.preopens.remove(&fd.rep());
        fs::HostDescriptor::drop(&mut self.fs, fd)
    }

    fn advise(
        &mut self,
        fd: Fd,
        offset: fs::Filesize,
        len: fs::Filesize,
        advice: fs::Advice,
    ) -> FsResult<()> {
        fs::HostDescriptor::advise(&mut self.fs, fd, offset, len, advice)
    }

    fn sync_data(&mut self, fd: Fd) -> FsResult<()> {
        fs::HostDescriptor::sync_data(&mut self.fs, fd)
    }

    fn get_flags(&mut self, fd: Fd) -> FsResult<fs::DescriptorFlags> {
        fs::HostDescriptor::get_flags(&mut self.fs, fd)
    }

    fn get_type(&mut self, fd: Fd) -> FsResult<fs::DescriptorType> {
        fs::HostDescriptor::get_type(&mut self.fs, fd)
    }

    fn set_size(&mut self, fd: Fd, size: fs::Filesize) -> FsResult<()> {
        fs::HostDescriptor::set_size(&mut self.fs, fd, size)
    }

    fn set_times(
        &mut self,
        fd: Fd,
        atim: fs::NewTimestamp,
        mtim: fs::NewTimestamp,
    ) -> FsResult<()> {
        fs::HostDescriptor::set_times(&mut self.fs, fd, atim, mtim)
    }

    fn read(
        &mut self,
        fd: Fd,
        len: fs::Filesize,
        offset: fs::Filesize,
    ) -> FsResult<(Vec<u8>, bool)> {
        fs::HostDescriptor::read(&mut self.fs, fd, len, offset)
    }

    fn write(&mut self, fd: Fd, buf: Vec<u8>, offset: fs::Filesize) -> FsResult<fs::Filesize> {
        fs::HostDescriptor::write(&mut self.fs, fd, buf, offset)
    }

    fn read_directory(&mut self, fd: Fd) -> FsResult<Resource<fs::DirectoryEntryStream>> {
        fs::HostDescriptor::read_directory(&mut self.fs, fd)
    }

    fn sync(&mut self, fd: Fd) -> FsResult<()> {
        fs::HostDescriptor::sync(&mut self.fs, fd)
    }

    fn stat(&mut self, fd: Fd) -> FsResult<fs::DescriptorStat> {
        fs::HostDescriptor::stat(&mut self.fs, fd)
    }

    fn read_via_stream(
        &mut self,
        fd: Fd,
        offset: fs::Filesize,
    ) -> FsResult<Resource<streams::InputStream>> {
        fs::HostDescriptor::read_via_stream(&mut self.fs, fd, offset)
    }

    fn write_via_stream(
        &mut self,
        fd: Fd,
        offset: fs::Filesize,
    ) -> FsResult<Resource<streams::OutputStream>> {
        fs::HostDescriptor::write_via_stream(&mut self.fs, fd, offset)
    }

    fn append_via_stream(&mut self, fd: Fd) -> FsResult<Resource<streams::OutputStream>> {
        fs::HostDescriptor::append_via_stream(&mut self.fs, fd)
    }

    fn is_same_object(&mut self, a: Fd, b: Fd) -> wasmtime::Result<bool> {
        fs::HostDescriptor::is_same_object(&mut self.fs, a, b)
    }

    fn metadata_hash(&mut self, fd: Fd) -> FsResult<fs::MetadataHashValue> {
        fs::HostDescriptor::metadata_hash(&mut self.fs, fd)
    }
}
