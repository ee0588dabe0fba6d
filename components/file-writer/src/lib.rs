//! The file-writer stage (acme-client's fileproc): reads and atomically
//! replaces files in the certificate directory, preopened by the host at
//! `/certs`. It has no network and no keys.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({ world: "file-writer", path: "../../wit" });

    use super::FileWriter;
    export!(FileWriter with_types_in self);
}

use bindings::exports::acmebox::stages::files::Guest;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::PathBuf;

/// Where the host preopens the certificate directory.
const DIR: &str = "/certs";

/// Largest file `read` returns: a certificate chain is a few kilobytes.
const MAX_READ: u64 = 1 << 20;

/// Only plain file names inside the directory: no separators, no dot files.
fn path_of(name: &str) -> Result<PathBuf, String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(PathBuf::from(DIR).join(name))
    } else {
        Err(format!("{name:?} is not a plain file name"))
    }
}

/// The temporary name a file is written under before the rename.
fn temp_path(name: &str) -> PathBuf {
    PathBuf::from(DIR).join(format!(".{name}.acmebox-tmp"))
}

fn write_synced(path: &PathBuf, name: &str, bytes: &[u8]) -> Result<(), String> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| format!("cannot create temporary file for {name}: {e}"))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write temporary file for {name}: {e}"))
}

struct FileWriter;

impl Guest for FileWriter {
    fn read(name: String) -> Result<Option<Vec<u8>>, String> {
        use std::io::Read;
        let path = path_of(&name)?;
        let file = match fs::File::open(&path) {
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            other => other.map_err(|e| format!("cannot open {name}: {e}"))?,
        };
        let mut bytes = Vec::new();
        file.take(MAX_READ + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        if bytes.len() as u64 > MAX_READ {
            return Err(format!("{name} is larger than {MAX_READ} bytes"));
        }
        Ok(Some(bytes))
    }

    fn install(files: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let mut staged = Vec::with_capacity(files.len());
        for (name, bytes) in &files {
            let target = path_of(name)?;
            let temp = temp_path(name);
            if let Err(e) = write_synced(&temp, name, bytes) {
                let _ = fs::remove_file(&temp);
                for (temp, _, _) in &staged {
                    let _ = fs::remove_file(temp);
                }
                return Err(e);
            }
            staged.push((temp, target, name));
        }
        for (temp, target, name) in &staged {
            fs::rename(temp, target).map_err(|e| format!("cannot rename into {name}: {e}"))?;
        }
        Ok(())
    }
}
