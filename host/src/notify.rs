//! `--notify CMD` and a domain's `notify CMD` (lacme's `notify`): after a
//! new certificate is installed (the run's outcome is Changed, exit 0), the
//! host runs CMD with `/bin/sh -c CMD`. This and `--account-command`'s
//! signer (accountd/client.rs, without a shell) are the only programs
//! acmebox runs (docs/SECURITY.md); stages never can (they have no such
//! import, docs/DESIGN.md).
//!
//! The command inherits acmebox's environment (stages never see it) plus
//! `ACMEBOX_DOMAIN` (the certificate's first name) and `ACMEBOX_CERT`,
//! `ACMEBOX_CHAIN`, `ACMEBOX_FULLCHAIN`: the absolute paths of the files
//! written (a variable is removed when its file is not configured). Its
//! standard input is /dev/null; its standard output and error both go to
//! acmebox's standard error. It is not bounded by `--timeout` (the certificate is
//! installed by then, and a service reload is not the ACME server's time):
//! it has [`NOTIFY_LIMIT`] of its own, after which `sh` is killed.
//!
//! The shell is started before the run restricts itself with Landlock
//! (landlock.rs), waiting on a pipe ([`Pending`]), so the command runs with
//! acmebox's rights from before the restriction, not the restricted
//! host's; it runs only when told to, after an install.
//!
//! It failing to start, exiting non-zero, being killed by a signal or
//! running out of time is an [`Error::Notify`]: exit status 1, one line,
//! and the install is kept (nothing is undone).

use crate::certfiles::CertFiles;
use crate::error::Error;
use crate::log::Log;
use std::io::Write;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long the notify command may run before it is killed: 5 minutes.
pub const NOTIFY_LIMIT: Duration = Duration::from_secs(300);

/// The shell that runs the command; an absolute path, so `PATH` cannot
/// choose it.
pub const SHELL: &str = "/bin/sh";

/// A usage error unless `cmd` can be a notify command: not blank, and no
/// NUL (which no argument can hold).
pub fn check(cmd: &str) -> Result<(), String> {
    if cmd.trim().is_empty() {
        return Err("--notify: an empty command".into());
    }
    if cmd.contains('\0') {
        return Err(format!("--notify {cmd:?}: contains a NUL character"));
    }
    Ok(())
}

/// Run `cmd` for the certificate of `domain` just installed in `files`
/// (module docs), waiting at most `limit`: [`Pending::start`] then
/// [`Pending::run`].
pub fn run(
    cmd: &str,
    domain: &str,
    files: &CertFiles,
    limit: Duration,
    log: &Log,
) -> Result<(), Error> {
    Pending::start(cmd, domain, files).run(limit, log)
}

/// What a waiting notify shell runs: nothing unless the host writes `run`
/// on its standard input; then CMD (`$1`) by `/bin/sh -c`, in its place
/// (the same process), with standard input /dev/null.
const LAUNCHER: &str =
    "IFS= read -r go || exit 0; [ \"$go\" = run ] || exit 0; exec /bin/sh -c \"$1\" </dev/null";

/// A notify command started before the run restricts itself (landlock.rs:
/// a restricted host can start no program, and a program it started would
/// inherit its restriction): `/bin/sh` with the command's environment,
/// waiting on a pipe. [`Pending::run`] tells it to run the command;
/// dropped without that (no certificate installed), the pipe closes and
/// it exits without running anything.
pub struct Pending {
    cmd: String,
    /// The waiting shell and its pipe, or why it could not be started
    /// (reported by [`Pending::run`], as a failure to start the command).
    child: Result<(Child, Option<ChildStdin>), String>,
}

impl Pending {
    /// Start the waiting shell for `cmd`, for the certificate of `domain`
    /// to be installed in `files`.
    pub fn start(cmd: &str, domain: &str, files: &CertFiles) -> Pending {
        Pending {
            cmd: cmd.to_string(),
            child: spawn(cmd, domain, files),
        }
    }

    /// Run the command now and wait at most `limit` for it.
    pub fn run(mut self, limit: Duration, log: &Log) -> Result<(), Error> {
        let fail = |message: String| Error::Notify {
            command: self.cmd.clone(),
            message,
        };
        let child = std::mem::replace(&mut self.child, Err(String::new()));
        let (mut child, stdin) = child.map_err(fail)?;
        log.step(&format!("notify: running {:?}", self.cmd));
        if let Some(mut stdin) = stdin {
            // A shell that is gone (killed) is seen by the wait below.
            let _ = stdin.write_all(b"run\n");
        }
        let status = wait(&mut child, limit).map_err(fail)?;
        if status.success() {
            log.step("notify: done");
            return Ok(());
        }
        Err(fail(describe(status)))
    }
}

impl Drop for Pending {
    /// Not told to run: close its pipe, and reap it (it exits at once).
    fn drop(&mut self) {
        if let Ok((child, stdin)) = &mut self.child {
            drop(stdin.take());
            let _ = child.wait();
        }
    }
}

/// The waiting shell of [`Pending::start`].
fn spawn(
    cmd: &str,
    domain: &str,
    files: &CertFiles,
) -> Result<(Child, Option<ChildStdin>), String> {
    let mut command = Command::new(SHELL);
    command
        .arg("-c")
        .arg(LAUNCHER)
        .arg("acmebox-notify")
        .arg(cmd)
        .stdin(Stdio::piped())
        // Its standard output goes to acmebox's standard error: acmebox's
        // own standard output is the -t protocol's channel (caller.rs), one
        // line out and one line in, which a command's output must not join.
        .stdout(Stdio::from(std::io::stderr()))
        .env("ACMEBOX_DOMAIN", domain);
    for (var, path) in [
        ("ACMEBOX_CERT", &files.cert),
        ("ACMEBOX_CHAIN", &files.chain),
        ("ACMEBOX_FULLCHAIN", &files.fullchain),
    ] {
        match path {
            Some(path) => {
                let path = std::path::absolute(path)
                    .map_err(|e| format!("{}: no absolute path: {e}", path.display()))?;
                command.env(var, path);
            }
            None => {
                command.env_remove(var);
            }
        }
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {SHELL}: {e}"))?;
    let stdin = child.stdin.take();
    Ok((child, stdin))
}

/// The child's exit status, or why there is none within `limit` (then it
/// is killed and reaped).
fn wait(child: &mut std::process::Child, limit: Duration) -> Result<ExitStatus, String> {
    let end = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() >= end => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {limit:?}, killed"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    }
}

/// "exited with status N" or "killed by signal N".
fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => format!("ended: {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files(dir: &Path) -> CertFiles {
        CertFiles::in_dir(dir)
    }

    #[test]
    fn the_command_sees_the_domain_and_absolute_paths() {
        let dir = std::env::temp_dir().join(format!("acmebox-notify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let out = dir.join("env");
        let cmd = format!(
            "echo \"$ACMEBOX_DOMAIN $ACMEBOX_CERT $ACMEBOX_CHAIN $ACMEBOX_FULLCHAIN\" > '{}'; \
             read x || echo eof >> '{}'",
            out.display(),
            out.display()
        );
        run(
            &cmd,
            "a.example",
            &files(&dir),
            NOTIFY_LIMIT,
            &Log::default(),
        )
        .expect("runs");
        let seen = std::fs::read_to_string(&out).expect("written");
        let d = dir.display();
        assert_eq!(
            seen,
            format!("a.example {d}/cert.pem {d}/chain.pem {d}/fullchain.pem\neof\n")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn failure_and_signal_and_time_are_errors_naming_the_command() {
        let dir = std::env::temp_dir();
        let err = |cmd: &str, limit: Duration| {
            run(cmd, "a.example", &files(&dir), limit, &Log::default())
                .expect_err("fails")
                .to_string()
        };
        let e = err("exit 3", NOTIFY_LIMIT);
        assert!(
            e.starts_with("notify \"exit 3\": exited with status 3"),
            "{e}"
        );
        assert!(e.ends_with("(the new certificate stays installed)"), "{e}");
        let e = err("kill -TERM $$", NOTIFY_LIMIT);
        assert!(e.contains("killed by signal 15"), "{e}");
        let started = Instant::now();
        let e = err("sleep 30", Duration::from_millis(300));
        assert!(e.contains("still running after 300ms, killed"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10), "bounded");
    }

    /// A run that installs nothing drops its waiting shell: the pipe
    /// closes and the command never runs (and the shell is reaped).
    #[test]
    fn a_pending_command_dropped_without_run_runs_nothing() {
        let dir = std::env::temp_dir().join(format!("acmebox-pending-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mark = dir.join("ran");
        let cmd = format!("echo ran > '{}'", mark.display());
        drop(Pending::start(&cmd, "a.example", &files(&dir)));
        assert!(!mark.exists(), "the command ran without being told to");
        Pending::start(&cmd, "a.example", &files(&dir))
            .run(NOTIFY_LIMIT, &Log::default())
            .expect("runs when told to");
        assert!(mark.exists(), "the command did not run when told to");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn blank_or_nul_commands_are_refused() {
        assert!(check(" ").is_err());
        assert!(check("a\0b").is_err());
        assert!(check("systemctl reload nginx").is_ok());
    }
}
