//! `-b`: before cert.pem, chain.pem and fullchain.pem are replaced (an
//! issuance) or removed (`-r`), their bytes are kept as cert-EPOCH.pem,
//! chain-EPOCH.pem and fullchain-EPOCH.pem, one EPOCH (Unix seconds) for
//! the three. Any other file name is backed up as `<stem>-EPOCH.<ext>`
//! (`site.crt` -> `site-EPOCH.crt`; without an extension, `<name>-EPOCH`). The host reads each only through [`CertDir::read`] (a plain
//! file of its own, never through a link); file-writer writes the copies in
//! its staging directory and the host checks and renames them by name
//! ([`CertDir::publish`]), before anything else is renamed or removed.
//! Nothing is backed up when none of the three is there.

use crate::certdir::{CertDir, Existing};
use crate::error::Error;
use crate::log::Log;

/// The files `-b` backs up, in the order they are published.
pub const FILES: [&str; 3] = ["cert.pem", "chain.pem", "fullchain.pem"];

/// The backup name of `file` for `epoch`: `cert.pem` -> `cert-EPOCH.pem`.
pub fn name(file: &str, epoch: u64) -> String {
    let (prefix, suffix) = pattern(file);
    format!("{prefix}{epoch}{suffix}")
}

/// What comes before and after the EPOCH in `file`'s backup name:
/// (`<stem>-`, `.<ext>`), the extension after the last dot that is not the
/// first character; (`<name>-`, ``) without one.
pub fn pattern(file: &str) -> (String, String) {
    match file.rfind('.') {
        Some(dot) if dot > 0 => (format!("{}-", &file[..dot]), file[dot..].to_string()),
        _ => (format!("{file}-"), String::new()),
    }
}

/// The backups to install at `epoch`: (backup name, bytes) for each of
/// `names` in `certdir` that is a plain file; none when none is. Something there that
/// is not a plain file (a link, hard-linked, too large) is not read, and is
/// warned about. A backup name already taken (a run in the same second) is
/// an error naming it: a backup is never replaced.
pub fn files(
    certdir: &CertDir,
    names: &[&str],
    epoch: u64,
    log: &Log,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut backups = Vec::new();
    for &file in names {
        match certdir.read(file)? {
            Existing::Absent => {}
            Existing::NotRegular(why) => log.warn(&format!(
                "{}: {why}: not backed up",
                certdir.path().join(file).display()
            )),
            Existing::Regular(bytes) => backups.push((name(file, epoch), bytes)),
        }
    }
    for (backup, _) in &backups {
        if certdir.read(backup)? != Existing::Absent {
            return Err(Error::File {
                path: certdir.path().join(backup).display().to_string(),
                message: "-b: a backup of that name exists already; not replaced".into(),
            });
        }
    }
    Ok(backups)
}

/// Now, in Unix seconds: the EPOCH of a run's backups.
pub fn epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn backup_names_match_file_writers_patterns() {
        assert_eq!(name("cert.pem", 1_700_000_000), "cert-1700000000.pem");
        assert_eq!(name("chain.pem", 7), "chain-7.pem");
        assert_eq!(name("fullchain.pem", 0), "fullchain-0.pem");
    }

    #[test]
    fn other_names_back_up_as_stem_epoch_ext() {
        assert_eq!(name("site.example.crt", 5), "site.example-5.crt");
        assert_eq!(name("bundle", 5), "bundle-5");
        assert_eq!(name(".hidden", 5), ".hidden-5");
    }
}
