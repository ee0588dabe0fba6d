//! [`load`]: a configuration file and its `include`s read from the file
//! system, each a regular file of at most [`MAX_FILE`] bytes of UTF-8.

use crate::error::ConfigError;
use crate::limits::MAX_FILE;
use crate::parser::{parse_with, Sources};
use crate::Config;
use std::io::Read;
use std::path::Path;

/// [`Sources`] that read files: regular files (a symbolic link is
/// followed) of at most [`MAX_FILE`] bytes, UTF-8.
pub struct FileSources;

impl Sources for FileSources {
    fn read(&mut self, path: &str) -> Result<String, String> {
        read_limited(Path::new(path))
    }
}

/// Read `path`: a regular file, at most [`MAX_FILE`] bytes (never more is
/// read), UTF-8; or why not, in words.
fn read_limited(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > MAX_FILE {
        return Err(format!("larger than {MAX_FILE} bytes"));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
}

/// Read and parse the configuration file at `path`, with its `include`s.
/// Its name in errors is `path` as given.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let name = path.display().to_string();
    let text = read_limited(path).map_err(|why| {
        ConfigError::whole(
            &name,
            format!("a readable configuration file of at most {MAX_FILE} bytes of UTF-8"),
            why,
        )
    })?;
    parse_with(&name, &text, &mut FileSources)
}
