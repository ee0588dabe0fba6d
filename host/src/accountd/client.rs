//! `--account-socket PATH` and `--account-command CMD`: the account key
//! signs in an accountd (daemon.rs) instead of an account stage of this
//! process. [`Remote`] speaks the protocol (protocol.rs) and checks every
//! answer exactly as stages/account.rs checks the account stage's: the JWK
//! is the RFC 7638 text for its `alg`, the thumbprint is its SHA-256, every
//! signature has the length that key makes. A daemon is as untrusted as a
//! stage; what it could still do is sign what it likes, which only makes
//! the server refuse the request.
//!
//! Every answer is awaited at most [`ANSWER_WAIT`] (the first one, which
//! may wait for an ssh login and the key's creation, at most the run's
//! `--timeout`), and a frame from the daemon is bounded like the daemon's
//! ([`protocol::MAX_FRAME`]). A command's standard error is acmebox's.

use super::protocol::{self, Hello, PublicKey, Reply, Request, Signature, VERSION};
use super::Endpoint;
use crate::error::Error;
use crate::stages::account::{check_key, check_signature, AccountKey};
use serde::de::DeserializeOwned;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long one answer (a public key, a signature) may take to come back:
/// well within the network stage's call deadline (60 s), so a daemon that
/// stops answering fails the request with this error rather than the
/// watchdog's.
pub const ANSWER_WAIT: Duration = Duration::from_secs(20);

/// How long a command gets to exit once its standard input is closed,
/// before it is killed.
const EXIT_WAIT: Duration = Duration::from_secs(5);

/// A frame read by the reader thread, or why there is none.
type Incoming = Result<Vec<u8>, String>;

/// The connection to an accountd: a socket, or a command's standard input
/// and output.
struct Channel {
    /// `accountd at PATH` / `accountd via "CMD"`.
    name: String,
    /// Requests go here; `None` once the connection is given up (an answer
    /// that did not come in time would otherwise be taken for the next
    /// request's).
    writer: Option<Box<dyn Write + Send>>,
    /// Frames the reader thread read, one at a time.
    replies: Receiver<Incoming>,
    /// The command, waited for (or killed) when the channel is dropped.
    child: Option<Child>,
    /// The socket, shut down when the channel is dropped so that the reader
    /// thread ends.
    #[cfg(unix)]
    socket: Option<std::os::unix::net::UnixStream>,
}

impl Channel {
    /// Connect to `endpoint`: open its socket, or start its command.
    fn open(endpoint: &Endpoint) -> Result<Channel, Error> {
        let name = endpoint.to_string();
        let fail = |step, message| Error::Signer {
            signer: name.clone(),
            step,
            message,
        };
        match endpoint {
            #[cfg(unix)]
            Endpoint::Socket(path) => {
                use std::os::unix::net::UnixStream;
                let stream = UnixStream::connect(path)
                    .map_err(|e| fail("connect", format!("cannot connect: {e}")))?;
                let halves = stream
                    .set_write_timeout(Some(ANSWER_WAIT))
                    .and_then(|()| Ok((stream.try_clone()?, stream.try_clone()?)));
                let (reader, writer) = halves.map_err(|e| fail("connect", e.to_string()))?;
                Ok(Channel {
                    replies: reader_thread(Box::new(reader)).map_err(|m| fail("connect", m))?,
                    name,
                    writer: Some(Box::new(writer)),
                    child: None,
                    socket: Some(stream),
                })
            }
            #[cfg(not(unix))]
            Endpoint::Socket(_) => Err(fail(
                "connect",
                "Unix sockets need a Unix system; use --account-command".into(),
            )),
            Endpoint::Command(argv) => {
                let (program, args) = argv
                    .split_first()
                    .ok_or_else(|| fail("start", "no command".into()))?;
                let mut child = Command::new(program)
                    .args(args)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .map_err(|e| fail("start", format!("cannot run {program:?}: {e}")))?;
                let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail("start", "no pipe to the command".into()));
                };
                let replies = match reader_thread(Box::new(stdout)) {
                    Ok(replies) => replies,
                    Err(m) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(fail("start", m));
                    }
                };
                Ok(Channel {
                    name,
                    writer: Some(Box::new(stdin)),
                    replies,
                    child: Some(child),
                    #[cfg(unix)]
                    socket: None,
                })
            }
        }
    }

    fn err(&self, step: &'static str, message: String) -> Error {
        Error::Signer {
            signer: self.name.clone(),
            step,
            message,
        }
    }

    /// Send `request` and wait at most `wait` for its answer.
    fn call<T: DeserializeOwned>(
        &mut self,
        step: &'static str,
        request: &Request,
        wait: Duration,
    ) -> Result<T, Error> {
        let Some(writer) = self.writer.as_mut() else {
            return Err(self.err(step, "the connection was given up earlier".into()));
        };
        if let Err(e) = protocol::write_frame(writer, &protocol::encode(request)) {
            self.writer = None;
            return Err(self.err(step, format!("cannot send the request: {e}")));
        }
        let frame = match self.replies.recv_timeout(wait) {
            Ok(Ok(frame)) => frame,
            Ok(Err(why)) => {
                self.writer = None;
                let why = self.ended(why);
                return Err(self.err(step, why));
            }
            Err(RecvTimeoutError::Timeout) => {
                self.writer = None;
                return Err(self.err(
                    step,
                    format!("no answer within {} s; connection given up", wait.as_secs()),
                ));
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.writer = None;
                return Err(self.err(step, "the connection is closed".into()));
            }
        };
        match protocol::decode::<Reply<T>>(&frame) {
            Ok(Reply::Ok(value)) => Ok(value),
            Ok(Reply::Error(why)) => Err(self.err(step, format!("refused: {}", excerpt(&why)))),
            Err(why) => {
                self.writer = None;
                Err(self.err(step, format!("answered with {why}")))
            }
        }
    }

    /// Why the connection ended, with the command's exit status when it
    /// has exited (its standard error, above, says more).
    fn ended(&mut self, why: String) -> String {
        let Some(child) = self.child.as_mut() else {
            return why;
        };
        let until = Instant::now() + Duration::from_secs(1);
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return format!("{why} ({status})"),
                Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(20)),
                _ => return why,
            }
        }
    }
}

impl Drop for Channel {
    /// Close the connection: the daemon's session ends (a `--stdio` one
    /// exits); a command still running after [`EXIT_WAIT`] is killed.
    fn drop(&mut self) {
        self.writer = None;
        #[cfg(unix)]
        if let Some(socket) = &self.socket {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
        if let Some(child) = self.child.as_mut() {
            let until = Instant::now() + EXIT_WAIT;
            loop {
                match child.try_wait() {
                    Ok(None) if Instant::now() < until => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    Ok(Some(_)) => break,
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
    }
}

/// A thread reading frames from `reader` until it ends, handing each over
/// as it is asked for (at most one waits: a daemon sending more cannot
/// make acmebox hold more).
fn reader_thread(mut reader: Box<dyn Read + Send>) -> Result<Receiver<Incoming>, String> {
    let (tx, rx) = mpsc::sync_channel(0);
    std::thread::Builder::new()
        .name("acmebox-accountd-reader".into())
        .spawn(move || loop {
            let frame = match protocol::read_frame(&mut reader) {
                Ok(Some(frame)) => Ok(frame),
                Ok(None) => Err("closed the connection".to_string()),
                Err(e) => Err(format!("cannot read its answer: {e}")),
            };
            let last = frame.is_err();
            if tx.send(frame).is_err() || last {
                break;
            }
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    Ok(rx)
}

/// The account key in an accountd, as the network stage's signer.
pub struct Remote {
    channel: Channel,
    key: AccountKey,
    keyid_only: bool,
}

impl Remote {
    /// Connect to `endpoint`, say hello (waiting at most `first_wait` for
    /// the answer: the run's `--timeout`) and get the key's public half,
    /// checked as the account stage's.
    pub fn connect(endpoint: &Endpoint, first_wait: Duration) -> Result<Remote, Error> {
        let mut channel = Channel::open(endpoint)?;
        let hello: Hello =
            channel.call("hello", &Request::Hello { version: VERSION }, first_wait)?;
        if hello.version != VERSION {
            return Err(channel.err(
                "hello",
                format!(
                    "answered with protocol version {}, not {VERSION}",
                    hello.version
                ),
            ));
        }
        let key: PublicKey = channel.call("public key", &Request::PublicKey, ANSWER_WAIT)?;
        let key = AccountKey {
            alg: key.alg,
            jwk: key.jwk,
            thumbprint: key.thumbprint,
        };
        check_key(&key).map_err(|m| channel.err("public key", m))?;
        Ok(Remote {
            channel,
            key,
            keyid_only: hello.keyid_only,
        })
    }

    /// `accountd at PATH` or `accountd via "CMD"`.
    pub fn name(&self) -> &str {
        &self.channel.name
    }

    /// The key's public half, as checked when connecting.
    pub fn key(&self) -> &AccountKey {
        &self.key
    }

    /// Whether the daemon runs with `--keyid-only`: the account is then
    /// looked up (`onlyReturnExisting`), never registered.
    pub fn keyid_only(&self) -> bool {
        self.keyid_only
    }

    /// A JWS signature over `input`: base64url of the length this key's
    /// `alg` makes.
    pub fn sign(&mut self, input: &str) -> Result<String, Error> {
        let request = Request::Sign {
            signing_input: input.to_string(),
        };
        let signed: Signature = self.channel.call("sign", &request, ANSWER_WAIT)?;
        check_signature(&self.key, &signed.signature).map_err(|m| self.channel.err("sign", m))?;
        Ok(signed.signature)
    }
}

/// At most 300 characters of the daemon's error text (cleaned when
/// printed, log.rs).
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(300).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}
