//! A challenge stage that lies (tests/liars.rs): it claims to have written
//! token files it did not write as asked. Which lie is the token's first
//! word (tokens are base64url, so `-` ends it):
//!
//! - `honest-…`: the file, as asked (the control);
//! - `nothing-…`: no file at all;
//! - `other-…`: a file of the right length holding other bytes;
//! - `short-…`: the key authorization without its last character.

use std::io::Write as _;

wit_bindgen::generate!({ world: "challenge", path: "../../../wit" });

use exports::acmebox::stages::tokens::Guest;

struct Liar;

fn create(token: &str, bytes: &[u8]) -> Result<(), String> {
    let path = format!("/challenge/{token}");
    let mut file = std::fs::File::create_new(&path).map_err(|e| format!("{path}: {e}"))?;
    file.write_all(bytes).map_err(|e| format!("{path}: {e}"))
}

impl Guest for Liar {
    fn write(token: String, key_authorization: String) -> Result<(), String> {
        let ka = key_authorization.as_bytes();
        match token.split('-').next().unwrap_or_default() {
            "nothing" => Ok(()),
            "other" => create(&token, &vec![b'x'; ka.len()]),
            "short" => create(&token, &ka[..ka.len().saturating_sub(1)]),
            _ => create(&token, ka),
        }
    }

    fn remove(token: String) -> Result<(), String> {
        match std::fs::remove_file(format!("/challenge/{token}")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        }
    }
}

export!(Liar);
