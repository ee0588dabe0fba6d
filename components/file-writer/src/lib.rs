//! The file-writer stage (acme-client's fileproc): writes the new certificate
//! files into the staging directory the host preopens at `/stage`, a fresh
//! directory the host created for this run inside the certificate directory.
//! The host checks each file and renames it into place (host/src/certdir.rs).
//! It has no network, no keys, and never sees the certificate directory.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({ world: "file-writer", path: "../../wit" });

    use super::FileWriter;
    export!(FileWriter with_types_in self);
}

use bindings::exports::acmebox::stages::files::Guest;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the host preopens the staging directory.
const DIR: &str = "/stage";

/// Only plain file names inside the directory: no separators, not `.` or
/// `..`. A leading dot is allowed: the host's record of the ACME directory,
/// `.acmebox-directory`, is installed with the certificates.
fn path_of(name: &str) -> Result<PathBuf, String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(PathBuf::from(DIR).join(name))
    } else {
        Err(format!("{name:?} is not a plain file name"))
    }
}

/// Create `path` exclusively (`create_new` never follows or reuses an
/// existing entry, link or not), write `bytes` and sync. `created` is set as
/// soon as the file exists, so the caller removes it on failure.
fn write_new(path: &Path, name: &str, bytes: &[u8], created: &mut bool) -> Result<(), String> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot create {name}: {}", io_text::describe(&e)))?;
    *created = true;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {name}: {}", io_text::describe(&e)))
}

struct FileWriter;

impl Guest for FileWriter {
    fn write(files: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let mut created: Vec<PathBuf> = Vec::with_capacity(files.len());
        for (name, bytes) in &files {
            let written = path_of(name).and_then(|path| {
                let mut made = false;
                let result = write_new(&path, name, bytes, &mut made);
                if made {
                    created.push(path);
                }
                result
            });
            if let Err(e) = written {
                for path in &created {
                    let _ = fs::remove_file(path);
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn only_plain_names_are_accepted() {
        assert!(path_of("cert.pem").is_ok());
        assert!(path_of(".acmebox-directory").is_ok());
        for bad in ["", ".", "..", "../cert.pem", "a/b", "a\\b", "c\u{e9}rt"] {
            assert!(path_of(bad).is_err(), "{bad:?}");
        }
    }
}
