//! `acmebox account --rollover NEWKEY`'s checks, before anything is read or
//! sent: NEWKEY lies in -f's directory (acmebox puts it in place of -f by a
//! rename there, never reading or copying key bytes) and is not -f.

use crate::error::Error;
use std::path::Path;

/// Refuse a NEWKEY that is not a file in `-f`'s directory, or is `-f`.
pub fn check(new: &Path, account_key: &Path) -> Result<(), Error> {
    let dir = |p: &Path| crate::certfiles::dir_of(p);
    let usage = |why: String| Err(Error::Usage(format!("--rollover {}: {why}", new.display())));
    if new.file_name().is_none() {
        return usage("not a file path".into());
    }
    if dir(new) != dir(account_key) {
        return usage(format!(
            "must be in the account key's directory, {} (it is renamed over -f there)",
            dir(account_key).display()
        ));
    }
    if new.file_name() == account_key.file_name() {
        return usage("is the account key (-f) itself".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_key_is_another_file_beside_the_old() {
        let f = Path::new("/etc/acme/privkey.pem");
        assert!(check(Path::new("/etc/acme/new.pem"), f).is_ok());
        for (new, why) in [
            ("/etc/acme/privkey.pem", "itself"),
            ("/tmp/new.pem", "directory"),
            ("new.pem", "directory"),
            ("/etc/acme/", "directory"),
        ] {
            let err = check(Path::new(new), f).unwrap_err().to_string();
            assert!(err.contains(why), "{new}: {err}");
        }
    }
}
