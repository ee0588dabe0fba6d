//! A file-writer stage that lies (tests/liars.rs): it claims to have written
//! files it did not write as asked. Which lie is the first line of the first
//! file's bytes (the host passes them through; the test chooses them):
//!
//! - `honest`: every file, as asked (the control);
//! - `nothing`: no file at all;
//! - `other-bytes`: every file the right length, holding other bytes;
//! - `short`: every file without its last byte;
//! - `only-first`: the first file only.

use std::io::Write as _;

wit_bindgen::generate!({ world: "file-writer", path: "../../../wit" });

use exports::acmebox::stages::files::Guest;

struct Liar;

fn create(name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = format!("/stage/{name}");
    let mut file = std::fs::File::create_new(&path).map_err(|e| format!("{path}: {e}"))?;
    file.write_all(bytes).map_err(|e| format!("{path}: {e}"))
}

impl Guest for Liar {
    fn write(files: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let lie = files
            .first()
            .and_then(|(_, bytes)| bytes.split(|b| *b == b'\n').next())
            .unwrap_or_default()
            .to_vec();
        for (i, (name, bytes)) in files.iter().enumerate() {
            match lie.as_slice() {
                b"nothing" => {}
                b"other-bytes" => create(name, &vec![b'x'; bytes.len()])?,
                b"short" => create(name, &bytes[..bytes.len().saturating_sub(1)])?,
                b"only-first" if i > 0 => {}
                _ => create(name, bytes)?,
            }
        }
        Ok(())
    }
}

export!(Liar);
