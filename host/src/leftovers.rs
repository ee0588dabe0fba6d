//! What a run must not leave behind when it is stopped from outside its
//! sequence — SIGINT (Ctrl-C), SIGTERM (systemd stop, CI cancellation,
//! timeout(1)) or the watchdog's hard stop — and the host's own clean-up
//! before the process ends.
//!
//! The sequence (flows/issue.rs) removes its token files itself, through the
//! challenge stage, however it ends. A stop from outside cannot wait for
//! that: a stage may be blocked in a host call for a minute. So the host
//! also records every token file the run created (the challenge directory
//! and the token, already validated as base64url) and, on a stop, removes
//! them itself by name — an unlink, which never follows a link, and nothing
//! parsed from the network.
//!
//! The install is never cut short by a signal: it holds [`installing`]'s
//! guard, and the signal handler takes the same lock before it acts, so a
//! signal arriving during the renames takes effect after the last one. The
//! watchdog does not wait for it (the run bound is disarmed before the
//! install, so only a blocked file system can stop it there).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Token files this run created and has not removed yet, each with its
/// challenge directory (a batch's jobs may each have their own -C).
struct Tokens {
    files: Vec<(PathBuf, String)>,
}

static TOKENS: Mutex<Tokens> = Mutex::new(Tokens { files: Vec::new() });

/// Held for the whole install (see the module documentation).
static INSTALL: Mutex<()> = Mutex::new(());

/// Whether the install finished: a stop after it has nothing left to undo.
/// In a batch (flows/batch.rs), whether any job's install finished: the
/// stop's line then says a new certificate was installed.
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn tokens() -> MutexGuard<'static, Tokens> {
    TOKENS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Record that this run created token file `token` in `dir`. Only a
/// base64url token (validate.rs, as the challenge stage's grant allows) is
/// recorded: the registry never holds a name that could reach outside
/// `dir`.
pub fn token_written(dir: &Path, token: &str) {
    if crate::validate::token(token).is_ok() {
        tokens().files.push((dir.to_path_buf(), token.to_string()));
    }
}

/// Record that token file `token` was removed (by the challenge stage).
pub fn token_removed(token: &str) {
    tokens().files.retain(|(_, n)| n != token);
}

/// Hold this while installing; see the module documentation.
pub fn installing() -> Installing {
    Installing(INSTALL.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The guard of [`installing`]. Dropping it after a successful install
/// should follow [`Installing::done`].
pub struct Installing(#[allow(dead_code)] MutexGuard<'static, ()>);

impl Installing {
    /// The new files are in place.
    pub fn done(self) {
        INSTALLED.store(true, Ordering::SeqCst);
    }
}

/// Wait for an install under way to finish (signals only).
#[cfg(unix)]
pub(crate) fn wait_for_install() {
    drop(INSTALL.lock().unwrap_or_else(|e| e.into_inner()));
}

/// Remove the recorded token files now; returns how many were removed.
/// Each is unlinked by its name in its challenge directory, as the
/// challenge stage's own cleanup does: a symbolic link planted under that
/// name is removed itself, never followed; nothing read from the network
/// is parsed (the names were recorded when the files were written).
pub fn remove_tokens() -> usize {
    let mut t = tokens();
    let mut removed = 0;
    t.files
        .retain(|(dir, name)| match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {
                removed += 1;
                false
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(_) => true,
        });
    removed
}

/// [`remove_tokens`] from a helper thread, waiting at most `wait` (the
/// watchdog must end the process even on a hung file system). `None` when
/// it did not finish in time.
pub(crate) fn remove_tokens_within(wait: Duration) -> Option<usize> {
    let (done, removed) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("acmebox-cleanup".into())
        .spawn(move || {
            let _ = done.send(remove_tokens());
        })
        .ok()?;
    removed.recv_timeout(wait).ok()
}

/// What a stop left: appended to its one line.
pub(crate) fn summary(removed: Option<usize>) -> String {
    let files = match removed {
        Some(0) => "no token file was left".to_string(),
        Some(1) => "1 token file removed".to_string(),
        Some(n) => format!("{n} token files removed"),
        None => "token files may be left in the challenge directory".to_string(),
    };
    let certs = if INSTALLED.load(Ordering::SeqCst) {
        "the new certificate was installed"
    } else {
        "no certificate file was changed"
    };
    format!("{files}; {certs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
    const OTHER: &str = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

    /// One test: the registry is the process's.
    #[test]
    fn recorded_tokens_are_removed_by_name_and_counted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let target = outside.path().join("keep.pem");
        std::fs::write(&target, b"not a token").expect("write");
        std::fs::write(dir.path().join(TOKEN), b"a.b").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, dir.path().join(OTHER)).expect("symlink");
        #[cfg(not(unix))]
        std::fs::write(dir.path().join(OTHER), b"a.b").expect("write");
        std::fs::write(dir.path().join("unrecorded"), b"x").expect("write");
        token_written(dir.path(), TOKEN);
        token_written(dir.path(), OTHER);
        // Names that are not tokens are never recorded.
        token_written(dir.path(), "../keep.pem");
        token_written(outside.path(), "keep.pem");

        let removed = remove_tokens();
        assert_eq!(removed, 2);
        assert!(!dir.path().join(TOKEN).exists());
        assert!(
            std::fs::symlink_metadata(dir.path().join(OTHER)).is_err(),
            "the link itself is removed"
        );
        assert_eq!(std::fs::read(&target).expect("kept"), b"not a token");
        assert!(dir.path().join("unrecorded").exists());
        assert_eq!(remove_tokens(), 0, "nothing recorded is left");

        // Removed by the challenge stage: no longer recorded.
        std::fs::write(dir.path().join(TOKEN), b"a.b").expect("write");
        token_written(dir.path(), TOKEN);
        token_removed(TOKEN);
        assert_eq!(remove_tokens_within(Duration::from_secs(5)), Some(0));
        assert!(dir.path().join(TOKEN).exists());
    }

    #[test]
    fn the_summary_says_how_many() {
        assert!(summary(Some(0)).starts_with("no token file was left; "));
        assert!(summary(Some(1)).starts_with("1 token file removed; "));
        assert!(summary(Some(3)).starts_with("3 token files removed; "));
        assert!(summary(None).starts_with("token files may be left"));
    }
}
