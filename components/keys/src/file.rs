//! Key files in the key directory: read, or create atomically.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::Path;

use crate::{Key, KeyError, KeyType};

/// A key [`load_or_create`] returned, and whether it made it.
pub struct Loaded {
    /// The key.
    pub key: Key,
    /// True when the file did not exist and was created by this call; false
    /// when an existing file was read.
    pub created: bool,
}

/// Read the PEM key `dir/name`. When it does not exist and `create` is
/// `Some(kind)`, generate a key of that type and write it there as PKCS#8 PEM, in a
/// file created exclusively (never replacing a file or following a link
/// that appeared meanwhile) and synced. An existing key file is never
/// overwritten.
///
/// `name` must be a plain file name: not empty, no '/', not "." or "..".
pub fn load_or_create(dir: &Path, name: &str, create: Option<KeyType>) -> Result<Loaded, KeyError> {
    check_name(name)?;
    let path = dir.join(name);
    match fs::read(&path) {
        Ok(pem) => Ok(Loaded {
            key: Key::from_pem(&zeroize::Zeroizing::new(pem))?,
            created: false,
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let kind = create.ok_or_else(|| KeyError::NotFound(name.to_owned()))?;
            let key = create_key(name, &path, kind)?;
            Ok(Loaded { key, created: true })
        }
        Err(source) => Err(io_error("read", name, source)),
    }
}

pub(crate) fn check_name(name: &str) -> Result<(), KeyError> {
    let bad = name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']);
    if bad {
        return Err(KeyError::InvalidName(name.to_owned()));
    }
    Ok(())
}

pub(crate) fn io_error(action: &'static str, name: &str, source: io::Error) -> KeyError {
    KeyError::Io {
        action,
        name: name.to_owned(),
        source,
    }
}

fn create_key(name: &str, path: &Path, kind: KeyType) -> Result<Key, KeyError> {
    let key = Key::generate(kind)?;
    // Created exclusively under its final name: never replaces a key that
    // another run created meanwhile (a rename would, silently), and never
    // follows a link planted at the name. WASI offers no rename that refuses
    // to replace, and link-at is denied to every stage, so there is no
    // temporary file: a crash in the middle of the write can leave a short
    // file, which the next run refuses to parse (nothing is lost: there was
    // no key before).
    if let Err(e) = write_new(path, key.to_pkcs8_pem().as_bytes()) {
        if e.kind() != io::ErrorKind::AlreadyExists {
            let _ = fs::remove_file(path);
        }
        return Err(io_error("create", name, e));
    }
    // The file itself is synced; its directory entry is synced by the host
    // (host/src/durable.rs), as the stage may open no directory.
    Ok(key)
}

/// Write `data` to a file that must not exist yet, readable only by its
/// owner where the platform has modes, and sync it to disk.
fn write_new(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(data)?;
    file.sync_all()
}
