//! `acmebox accountd`: the account stage alone, with its usual grant (the
//! key file's directory, read-only unless `-n` may create the key),
//! answering the protocol of protocol.rs on a Unix socket (`--socket PATH`)
//! or for one session on standard input and output (`--stdio`).
//!
//! The daemon reveals the key's public half and signatures, nothing else:
//! the key stays in its stage, and the host answers only the three
//! requests. Each signing input is decoded (inspect.rs) so the log names
//! the request's kind and URL (never the payload, never the key), and so
//! `--keyid-only` can refuse what would create, change or re-key the
//! account. Logs go to standard error (standard output is `--stdio`'s
//! channel).
//!
//! The socket: refused if its path exists (of any kind: a stale socket is
//! removed by hand, never replaced) or if its directory is writable by
//! group or others (another user could swap it); created mode 0600 (umask
//! 0177 while it is bound); removed on SIGINT and SIGTERM, which stop the
//! daemon with exit status 0. At most [`MAX_CONNECTIONS`] connections are
//! served at once, each on its own thread, the signatures one at a time
//! (the stage is one store); one more is told it is busy and closed. A
//! connection that has not sent a complete request for `--idle` ([`IDLE`]) is closed,
//! so a stuck client holds a slot for at most that long. A frame announced
//! larger than 64 KiB, or one that is not a request, gets an error frame
//! and the connection is closed; the daemon goes on serving the others.

use super::inspect::{self, BadInput};
use super::protocol::{self, FrameError, Hello, PublicKey, Reply, Request, Signature, VERSION};
use crate::error::Error;
use crate::grant::Grant;
use crate::key_type::KeyType;
use crate::log;
use crate::sandbox::Runtime;
use crate::stages::account::{self, Account, AccountKey};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

/// Connections served at once on the socket.
pub const MAX_CONNECTIONS: usize = 4;

/// How long a connection may take to send its next complete request
/// (from the end of the last answer) before it is closed, unless `--idle`
/// says otherwise.
pub const IDLE: Duration = Duration::from_secs(60);

/// How long writing one answer may block (a client that does not read).
#[cfg(unix)]
const WRITE_WAIT: Duration = Duration::from_secs(10);

/// Where the daemon answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    /// A Unix socket it creates (`--socket PATH`).
    Socket(PathBuf),
    /// One session on standard input and output (`--stdio`).
    Stdio,
}

/// `acmebox accountd`'s options.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--socket` or `--stdio`.
    pub listen: Listen,
    /// `-f`: the account key file.
    pub key: PathBuf,
    /// `-n` with `--key-type`: create the key if it does not exist.
    pub create: Option<KeyType>,
    /// `--keyid-only`.
    pub keyid_only: bool,
    /// `-v` count: with it, connections opening and closing are logged too.
    pub verbose: u8,
    /// `--idle`: how long a socket connection may go without a complete
    /// request ([`IDLE`] by default).
    pub idle: Duration,
}

/// The loaded account stage and what every session answers with.
struct Daemon {
    account: Mutex<Account>,
    key: AccountKey,
    keyid_only: bool,
    verbose: u8,
    idle: Duration,
}

/// Run the daemon until SIGINT or SIGTERM (`--socket`) or the end of
/// standard input (`--stdio`). An error before it serves (a refused socket
/// path, a key that cannot be read) is one line, exit status 1.
pub fn run(settings: &Settings) -> Result<(), Error> {
    crate::modes::private_umask();
    if let Listen::Socket(path) = &settings.listen {
        check_socket_path(path)?;
    }
    let rt = Runtime::new().map_err(|e| Error::Protocol {
        step: "start",
        message: format!("cannot start wasmtime: {e:#}"),
    })?;
    let grant = Grant::account(&settings.key, settings.create);
    for dir in &grant.directories {
        say(&format!(
            "account stage granted {} as {} ({}), {} only",
            dir.host.display(),
            dir.guest,
            if dir.write { "read-write" } else { "read" },
            dir.names.shown().join(", ")
        ));
    }
    let mut account = account::load(&rt, &grant)?;
    let loaded = account.load_key_file(&settings.key, settings.create)?;
    say(&format!(
        "account key {} {}: {} {}{}",
        settings.key.display(),
        crate::issue::created_or_read(loaded.created),
        loaded.key.alg,
        loaded.key.thumbprint,
        if settings.keyid_only {
            " (--keyid-only)"
        } else {
            ""
        }
    ));
    let daemon = Daemon {
        account: Mutex::new(account),
        key: loaded.key,
        keyid_only: settings.keyid_only,
        verbose: settings.verbose,
        idle: settings.idle,
    };
    let served = match &settings.listen {
        Listen::Stdio => {
            daemon.verbose("stdio", "serving one session on standard input and output");
            daemon.restrict()?;
            let mut link = StdioLink {
                stdin: std::io::stdin().lock(),
                stdout: std::io::stdout().lock(),
            };
            daemon.serve(&mut link, "stdio");
            Ok(())
        }
        Listen::Socket(path) => listen(path, daemon),
    };
    // The stage's store belongs to this runtime's engine: kept until here.
    drop(rt);
    served
}

/// `accountd: MESSAGE` on standard error.
fn say(message: &str) {
    log::line(&format!("accountd: {message}"));
}

/// At most 200 characters of a client's value, for the log.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(200).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}

/// Both ends of one session: a connection, or standard input and output.
trait Link: Read + Write {
    /// A new request is awaited from now on (a connection's idle bound).
    fn await_request(&mut self) {}
}

/// `--stdio`: no idle bound (the session is the process's; a client that
/// hangs holds only it).
struct StdioLink<'a> {
    stdin: std::io::StdinLock<'a>,
    stdout: std::io::StdoutLock<'a>,
}

impl Read for StdioLink<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.stdin.read(buf)
    }
}

impl Write for StdioLink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stdout.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.stdout.flush()
    }
}

impl Link for StdioLink<'_> {}

impl Daemon {
    /// Log `message` about session `id` with `-v`.
    fn verbose(&self, id: &str, message: &str) {
        if self.verbose > 0 {
            say(&format!("{id}: {message}"));
        }
    }

    /// Answer `link` until it ends, breaks the protocol or stays idle.
    /// Once the key is read and the socket listens (or before serving
    /// standard input): the daemon keeps no file and no TCP at all
    /// (landlock.rs; best effort). The signal thread, started before,
    /// can still remove the socket; connection threads, started after,
    /// are restricted. `-v` says what was applied.
    fn restrict(&self) -> Result<(), Error> {
        let plan = crate::landlock::Plan::default();
        let status = crate::landlock::restrict(&plan)?;
        if self.verbose > 0 {
            say(&status.describe(&plan));
        }
        Ok(())
    }

    fn serve(&self, link: &mut impl Link, id: &str) {
        let mut greeted = false;
        loop {
            link.await_request();
            let frame = match protocol::read_frame(link) {
                Ok(Some(frame)) => frame,
                Ok(None) => return self.verbose(id, "closed by the client"),
                Err(e) if e.timed_out() => {
                    return say(&format!(
                        "{id}: no complete request for {} s: connection closed",
                        self.idle.as_secs()
                    ))
                }
                Err(e @ FrameError::Size(_)) => return self.refuse(link, id, &e.to_string()),
                Err(e) => return say(&format!("{id}: {e}: connection closed")),
            };
            let request = match protocol::decode::<Request>(&frame) {
                Ok(request) => request,
                Err(why) => return self.refuse(link, id, &why),
            };
            let answer = match (request, greeted) {
                (Request::Hello { version }, false) if version == VERSION => {
                    greeted = true;
                    self.verbose(id, &format!("hello, protocol version {version}"));
                    protocol::encode(&Reply::Ok(Hello {
                        version,
                        keyid_only: self.keyid_only,
                    }))
                }
                (Request::Hello { version }, false) => {
                    let why = format!(
                        "protocol version {version} is not spoken here (this accountd speaks {VERSION})"
                    );
                    return self.refuse(link, id, &why);
                }
                (Request::Hello { .. }, true) => {
                    return self.refuse(link, id, "hello was already said")
                }
                (_, false) => return self.refuse(link, id, "the first request must be hello"),
                (Request::PublicKey, true) => {
                    self.verbose(id, "public key");
                    protocol::encode(&Reply::Ok(PublicKey {
                        alg: self.key.alg.clone(),
                        jwk: self.key.jwk.clone(),
                        thumbprint: self.key.thumbprint.clone(),
                    }))
                }
                (Request::Sign { signing_input }, true) => match self.sign(id, &signing_input) {
                    Ok(signature) => protocol::encode(&Reply::Ok(Signature { signature })),
                    Err(why) => protocol::encode(&Reply::<Signature>::Error(why)),
                },
            };
            if let Err(e) = protocol::write_frame(link, &answer) {
                return say(&format!("{id}: cannot answer: {e}: connection closed"));
            }
        }
    }

    /// Answer `why` as an error frame, log it, and end the session: after a
    /// frame that was not a request the stream cannot be trusted to be in
    /// step.
    fn refuse(&self, link: &mut impl Link, id: &str, why: &str) {
        let sent = protocol::write_frame(link, &protocol::encode(&Reply::<()>::Error(why.into())));
        say(&format!(
            "{id}: {why}: {}connection closed",
            if sent.is_ok() { "error sent, " } else { "" }
        ));
    }

    /// Sign `input` if it is an ACME request this daemon signs, logging
    /// its kind and URL; else the error to answer. The session goes on
    /// either way.
    fn sign(&self, id: &str, input: &str) -> Result<String, String> {
        let seen =
            inspect::inspect(input, &self.key.alg, &self.key.jwk).map_err(|e: BadInput| {
                say(&format!("{id}: refused a signing input: {e}"));
                format!("refused a signing input: {e}")
            })?;
        let url = excerpt(&seen.url);
        if self.keyid_only && !seen.keyid_only_signs() {
            say(&format!("{id}: refused {} {url}: --keyid-only", seen.kind));
            return Err(format!(
                "refused {} {url}: this accountd runs with --keyid-only and signs no request \
                 that creates, updates, deactivates or re-keys an account",
                seen.kind
            ));
        }
        say(&format!("{id}: sign {} {url}", seen.kind));
        let mut account = self
            .account
            .lock()
            .map_err(|_| "the account stage failed during another connection's request")?;
        account.sign(input).map_err(|e| {
            say(&format!("{id}: {e}"));
            e.to_string()
        })
    }
}

/// `--socket PATH` must not exist, in any form, and its directory must be
/// writable by its owner only: else another user could have planted or
/// could replace what clients connect to. Errors name the path.
fn check_socket_path(path: &Path) -> Result<(), Error> {
    let refuse = |at: &Path, message: String| Error::File {
        path: at.display().to_string(),
        message: format!("--socket: {message}"),
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) => {
            return Err(refuse(
                path,
                format!(
                    "exists already ({}); accountd creates its socket itself and never \
                     replaces anything: remove it if no accountd is using it",
                    kind_of(&meta)
                ),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(refuse(path, format!("cannot check it: {e}"))),
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let meta = std::fs::metadata(parent)
        .map_err(|e| refuse(parent, format!("its directory cannot be read: {e}")))?;
    if !meta.is_dir() {
        return Err(refuse(parent, "its directory is not a directory".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o022 != 0 {
            let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                (true, true) => "group and others",
                (true, false) => "its group",
                _ => "others",
            };
            return Err(refuse(
                parent,
                format!(
                    "its directory is writable by {who} (mode {mode:04o}), who could replace \
                     the socket; use a directory only its owner can write to"
                ),
            ));
        }
    }
    Ok(())
}

/// What a file is, for the "exists already" error.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_fifo() {
            return "a FIFO";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_file() {
        "a file"
    } else {
        "a special file"
    }
}

/// Serve the socket at `path` until a signal stops the process.
#[cfg(unix)]
fn listen(path: &Path, daemon: Daemon) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::net::UnixListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};

    let file_err = |message: String| Error::File {
        path: path.display().to_string(),
        message,
    };
    // The handler first, so a signal from here on removes the socket.
    let made: Arc<OnceLock<(u64, u64)>> = Arc::new(OnceLock::new());
    stop_on_signals(path.to_path_buf(), Arc::clone(&made))
        .map_err(|e| file_err(format!("cannot handle signals: {e}")))?;
    // Born 0600: no moment at which another user could connect.
    let umask = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
    let bound = UnixListener::bind(path);
    rustix::process::umask(umask);
    let listener = bound.map_err(|e| file_err(format!("--socket: cannot listen there: {e}")))?;
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| file_err(format!("--socket: gone right after it was made: {e}")))?;
    let _ = made.set((meta.dev(), meta.ino()));
    say(&format!(
        "listening on {} (mode {:04o}), {MAX_CONNECTIONS} connections at most",
        path.display(),
        meta.mode() & 0o7777
    ));

    daemon.restrict()?;
    let daemon = Arc::new(daemon);
    let active = Arc::new(AtomicUsize::new(0));
    let mut count: u64 = 0;
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                say(&format!("cannot accept a connection: {e}"));
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        count += 1;
        let id = format!("#{count}");
        let _ = stream.set_write_timeout(Some(WRITE_WAIT));
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let busy = format!("busy: {MAX_CONNECTIONS} connections are being served; try again");
            let mut link = Conn::new(stream, daemon.idle);
            daemon.refuse(&mut link, &id, &busy);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        daemon.verbose(&id, "connected");
        let (daemon_ref, active_ref) = (Arc::clone(&daemon), Arc::clone(&active));
        let spawned = std::thread::Builder::new()
            .name(format!("accountd-{id}"))
            .spawn(move || {
                let idle = daemon_ref.idle;
                daemon_ref.serve(&mut Conn::new(stream, idle), &id);
                active_ref.fetch_sub(1, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            active.fetch_sub(1, Ordering::SeqCst);
            say(&format!("cannot start a thread for a connection: {e}"));
        }
    }
    Ok(())
}

/// Not available: `--socket` needs Unix sockets.
#[cfg(not(unix))]
fn listen(path: &Path, _daemon: Daemon) -> Result<(), Error> {
    Err(Error::Usage(format!(
        "--socket {}: Unix sockets need a Unix system; use --stdio",
        path.display()
    )))
}

/// On SIGINT or SIGTERM: remove the socket at `path` if it is still the
/// one this daemon made (`made`: its device and inode), say so, and exit
/// with status 0.
#[cfg(unix)]
fn stop_on_signals(
    path: PathBuf,
    made: std::sync::Arc<std::sync::OnceLock<(u64, u64)>>,
) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use std::os::unix::fs::MetadataExt;
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("accountd-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let name = if signal == SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                let ours = std::fs::symlink_metadata(&path)
                    .ok()
                    .is_some_and(|m| made.get() == Some(&(m.dev(), m.ino())));
                let what = match (made.get(), ours) {
                    (None, _) => "no socket was made".to_string(),
                    (Some(_), true) => match std::fs::remove_file(&path) {
                        Ok(()) => format!("socket {} removed", path.display()),
                        Err(e) => format!("socket {} not removed: {e}", path.display()),
                    },
                    (Some(_), false) => format!(
                        "{} is no longer the socket it made: left alone",
                        path.display()
                    ),
                };
                say(&format!("stopped by {name}; {what}"));
                std::process::exit(0);
            }
        })?;
    Ok(())
}

/// A socket connection whose next request must be complete within `idle`
/// (`--idle`, [`IDLE`] by default).
#[cfg(unix)]
struct Conn {
    stream: std::os::unix::net::UnixStream,
    idle: Duration,
    until: Instant,
}

#[cfg(unix)]
impl Conn {
    fn new(stream: std::os::unix::net::UnixStream, idle: Duration) -> Conn {
        Conn {
            stream,
            idle,
            until: Instant::now() + idle,
        }
    }
}

#[cfg(unix)]
impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

#[cfg(unix)]
impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

#[cfg(unix)]
impl Link for Conn {
    fn await_request(&mut self) {
        self.until = Instant::now() + self.idle;
    }
}
