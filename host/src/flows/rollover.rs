//! `acmebox account --rollover NEWKEY` (RFC 8555 §7.3.5): a second account
//! stage reads (with `-n` makes) the new key, and signs the inner JWS
//! through the network stage's `rollover-signer` import while the first
//! signs the request; once the CA has answered, the host renames NEWKEY
//! over `-f` in their one directory (options/rollover.rs requires it), so
//! no key byte is read or copied outside the stages, and with `-b` first
//! hard-links the old key to `<stem>-EPOCH.pem` beside it. A rename is
//! atomic: `-f` holds the old key or the new one, never a mix. NEWKEY must
//! be a plain file readable by its owner only (a key made by `-n` is 0600).

use crate::certfiles::{dir_of, name_of};
use crate::error::Error;
use crate::grant::Grant;
use crate::log::Log;
use crate::options::AccountOptions;
use std::path::Path;

/// The new key's account stage's grant: NEWKEY's name in the directory it
/// shares with `-f`, writable only with `-n`.
pub fn grant(opts: &AccountOptions) -> Option<Grant> {
    let new = opts.rollover.as_ref()?;
    Some(Grant::account(
        new,
        opts.new_account_key.then_some(opts.key_type),
    ))
}

/// Before anything is read or sent: an existing NEWKEY is a plain file (a
/// link would be renamed over `-f` as a link) that only its owner may read.
pub fn preflight(new: &Path) -> Result<(), Error> {
    let meta = match std::fs::symlink_metadata(new) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(file_error(new, format!("cannot read: {e}"))),
    };
    if !meta.file_type().is_file() {
        return Err(file_error(
            new,
            "--rollover: not a plain file (a link, a directory?)".into(),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(file_error(
                new,
                format!(
                    "--rollover: readable by others than its owner (mode {mode:04o}): it would \
                     become the account key; chmod 600 it first"
                ),
            ));
        }
    }
    Ok(())
}

/// After the CA moved the account to NEWKEY: with `backup`, link the old
/// key to its backup name; rename NEWKEY over `-f`; sync the directory. An
/// error says that the CA knows the account by NEWKEY now.
pub fn install(account_key: &Path, new: &Path, backup: bool, log: &Log) -> Result<(), Error> {
    let dir_path = dir_of(account_key);
    let (old_name, new_name) = (name_of(account_key), name_of(new));
    let after = |what: String| {
        file_error(
            new,
            format!(
                "the CA now knows the account by this key, but {what}; put it in place of {} \
                 yourself",
                account_key.display()
            ),
        )
    };
    let dir = cap_std::fs::Dir::open_ambient_dir(&dir_path, cap_std::ambient_authority())
        .map_err(|e| after(format!("its directory does not open: {e}")))?;
    if backup {
        let name = crate::backup::name(&old_name, crate::backup::epoch());
        dir.hard_link(&old_name, &dir, &name)
            .map_err(|e| after(format!("the old key could not be kept as {name}: {e}")))?;
        log.step(&format!("A4. old account key kept as {name}"));
    }
    dir.rename(&new_name, &dir, &old_name)
        .map_err(|e| after(format!("it could not be renamed over -f: {e}")))?;
    crate::durable::sync_parent(account_key)?;
    log.step(&format!(
        "A4. {} renamed over {}",
        new.display(),
        account_key.display()
    ));
    Ok(())
}

fn file_error(path: &Path, message: String) -> Error {
    Error::File {
        path: path.display().to_string(),
        message,
    }
}
