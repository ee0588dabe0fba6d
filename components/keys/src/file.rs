//! Key files in the key directory: read, or create atomically.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom as _, SystemRandom};

use crate::{Key, KeyError};

/// Read the PEM key `dir/name`. When it does not exist and `create` is
/// true, generate an ECDSA P-256 key and write it there as PKCS#8 PEM,
/// atomically: a new temporary file in `dir`, synced, then renamed into
/// place. An existing key file is never overwritten.
///
/// `name` must be a plain file name: not empty, no '/', not "." or "..".
pub fn load_or_create(dir: &Path, name: &str, create: bool) -> Result<Key, KeyError> {
    check_name(name)?;
    let path = dir.join(name);
    match fs::read(&path) {
        Ok(pem) => Key::from_pem(&zeroize::Zeroizing::new(pem)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if create {
                create_key(dir, name, &path)
            } else {
                Err(KeyError::NotFound(name.to_owned()))
            }
        }
        Err(source) => Err(io_error("read", name, source)),
    }
}

fn check_name(name: &str) -> Result<(), KeyError> {
    let bad = name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']);
    if bad {
        return Err(KeyError::InvalidName(name.to_owned()));
    }
    Ok(())
}

fn io_error(action: &'static str, name: &str, source: io::Error) -> KeyError {
    KeyError::Io {
        action,
        name: name.to_owned(),
        source,
    }
}

fn create_key(dir: &Path, name: &str, path: &Path) -> Result<Key, KeyError> {
    let key = Key::generate()?;
    let temp = temp_path(dir, name)?;
    let written = write_new(&temp, key.to_pkcs8_pem().as_bytes())
        .map_err(|e| io_error("write", name, e))
        .and_then(|()| {
            // rename replaces silently: refuse if a key appeared meanwhile.
            if fs::symlink_metadata(path).is_ok() {
                let exists = io::Error::from(io::ErrorKind::AlreadyExists);
                return Err(io_error("create", name, exists));
            }
            fs::rename(&temp, path).map_err(|e| io_error("create", name, e))
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    // Make the rename durable where the platform allows; best effort.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(key)
}

/// `dir/.NAME.tmp-RANDOM`, in the same directory so rename is atomic.
fn temp_path(dir: &Path, name: &str) -> Result<PathBuf, KeyError> {
    let mut bytes = [0u8; 8];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| KeyError::Random)?;
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(dir.join(format!(".{name}.tmp-{suffix}")))
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
