//! `-m`: the directories it adds to default paths (acme-client's
//! `/etc/ssl/acme/DOMAIN`, `/etc/ssl/acme/private/DOMAIN`,
//! `/etc/acme/DOMAIN`), created when missing before any stage is given
//! them. Missing parents are created too, each with the same mode: 0700 for
//! key directories, 0755 for the certificate directory (set explicitly, as
//! the process umask is 077: modes.rs).

use crate::error::Error;
use crate::options::NewDir;
use std::path::Path;

/// Create each missing directory of `dirs` (and its missing parents);
/// returns one log line per directory created. An existing directory is
/// left as it is, whatever its mode; an existing non-directory is an error.
pub fn create(dirs: &[NewDir]) -> Result<Vec<String>, Error> {
    let mut made = Vec::new();
    for dir in dirs {
        create_one(&dir.path, dir.mode, &mut made)?;
    }
    Ok(made)
}

fn create_one(path: &Path, mode: u32, made: &mut Vec<String>) -> Result<(), Error> {
    let error = |message: String| Error::File {
        path: path.display().to_string(),
        message,
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        // A link to a directory is taken as the operator's choice, as for
        // any directory given with -c, -f or -k.
        Ok(meta) if meta.file_type().is_symlink() && path.is_dir() => return Ok(()),
        Ok(_) => return Err(error("exists and is not a directory (-m)".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(error(format!("cannot inspect (-m): {e}"))),
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_one(parent, mode, made)?;
    }
    match std::fs::create_dir(path) {
        Ok(()) => {}
        // Another run made it meanwhile: fine, it is a directory now.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => return Ok(()),
        Err(e) => return Err(error(format!("cannot create (-m): {e}"))),
    }
    set_mode(path, mode).map_err(|e| error(format!("cannot set mode {mode:o} (-m): {e}")))?;
    made.push(format!("-m: created {} (mode {mode:o})", path.display()));
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
    }

    #[test]
    fn missing_directories_and_parents_are_created_with_their_mode() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let key = tmp.path().join("private/example.com");
        let certs = tmp.path().join("example.com");
        let made = create(&[
            NewDir {
                path: certs.clone(),
                mode: 0o755,
            },
            NewDir {
                path: key.clone(),
                mode: 0o700,
            },
        ])
        .expect("created");
        assert_eq!(made.len(), 3, "{made:?}");
        assert_eq!(mode(&certs), 0o755);
        assert_eq!(mode(&key), 0o700);
        assert_eq!(mode(key.parent().expect("parent")), 0o700);
        // Existing directories are left alone.
        std::fs::set_permissions(&certs, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        assert!(create(&[NewDir {
            path: certs.clone(),
            mode: 0o755
        }])
        .expect("again")
        .is_empty());
        assert_eq!(mode(&certs), 0o750);
    }

    #[test]
    fn a_file_in_the_way_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("example.com");
        std::fs::write(&file, b"x").expect("write");
        let err = create(&[NewDir {
            path: file.clone(),
            mode: 0o700,
        }])
        .expect_err("refused");
        assert!(err.to_string().contains("not a directory"), "{err}");
        assert_eq!(std::fs::read(&file).expect("read"), b"x");
    }
}
