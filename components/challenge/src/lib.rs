//! The challenge stage (acme-client's chngproc): creates and removes http-01
//! token files (RFC 8555 §8.3) in the one directory it is granted, preopened by
//! the host at `/challenge`. It has no network and no keys.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({ world: "challenge", path: "../../wit" });

    use super::Challenge;
    export!(Challenge with_types_in self);
}

use bindings::exports::acmebox::stages::tokens::Guest;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::PathBuf;

/// Where the host preopens the challenge directory.
const DIR: &str = "/challenge";

/// A token is base64url (RFC 8555 §8.3), so it is a safe file name; anything
/// else is refused before it reaches the file system.
fn token_path(token: &str) -> Result<PathBuf, String> {
    let ok = !token.is_empty()
        && token.len() <= 256
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(PathBuf::from(DIR).join(token))
    } else {
        Err(format!("token {token:?} is not base64url"))
    }
}

struct Challenge;

impl Guest for Challenge {
    /// Created exclusively: an existing file (or link) named like the token
    /// is never truncated, followed or reused. A file this call created and
    /// could not write is removed.
    fn write(token: String, key_authorization: String) -> Result<(), String> {
        let path = token_path(&token)?;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| match e.kind() {
                ErrorKind::AlreadyExists => format!("challenge file {token} already exists"),
                _ => format!(
                    "cannot create challenge file {token}: {}",
                    io_text::describe(&e)
                ),
            })?;
        let written = file
            .write_all(key_authorization.as_bytes())
            .and_then(|()| file.sync_all());
        written.map_err(|e| {
            let _ = fs::remove_file(&path);
            format!(
                "cannot write challenge file {token}: {}",
                io_text::describe(&e)
            )
        })
    }

    fn remove(token: String) -> Result<(), String> {
        let path = token_path(&token)?;
        match fs::remove_file(&path) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(format!(
                "cannot remove challenge file {token}: {}",
                io_text::describe(&e)
            )),
            _ => Ok(()),
        }
    }
}
