//! `-t CHALLENGE`: the caller makes each challenge answerable, over standard
//! output and input, as acme-client(1) describes it. For each name acmebox
//! writes one line, `challenge-type dns-domain token.thumbprint`, and waits
//! for the same line on standard input before it tells the CA to check.
//! Standard output carries only these lines (logs go to standard error).
//!
//! The line read back is compared byte for byte, without its newline (a
//! last line without one, at the end of input, counts too). A different
//! line, the end of input, a line of more than [`MAX_LINE`] bytes or
//! `--timeout` running out is an error naming the line that was expected.

use crate::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// The challenge type the caller handles (`-t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ChallengeType {
    /// http-01 (RFC 8555 §8.3): the caller serves the file `token` with
    /// content `token.thumbprint` at `/.well-known/acme-challenge/`.
    #[value(name = "http-01")]
    Http01,
    /// dns-01 (RFC 8555 §8.4): the caller publishes a TXT record at
    /// `_acme-challenge.<dns-domain>` holding base64url(SHA-256(token.thumbprint)).
    /// The only type that validates wildcard names.
    #[value(name = "dns-01")]
    Dns01,
}

impl ChallengeType {
    /// The type as ACME names it (`http-01`, `dns-01`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeType::Http01 => "http-01",
            ChallengeType::Dns01 => "dns-01",
        }
    }
}

/// The longest line read back, newline excluded: a type, a 253-character
/// name, a 256-character token and a thumbprint fit with room to spare.
pub const MAX_LINE: usize = 1024;

/// The step named in this protocol's errors.
const STEP: &str = "-t challenge";

/// The line for one challenge: `challenge-type dns-domain token.thumbprint`
/// (without the newline). `domain` is the authorization's identifier: for
/// `*.example.com`, `example.com`.
pub fn line(kind: ChallengeType, domain: &str, key_authorization: &str) -> String {
    format!("{} {domain} {key_authorization}", kind.as_str())
}

/// What the reader thread found on standard input.
enum Incoming {
    /// A line, without its newline.
    Line(Vec<u8>),
    /// The end of input.
    End,
    /// A line longer than [`MAX_LINE`] (its first bytes).
    TooLong(Vec<u8>),
    /// A read error.
    Failed(String),
}

/// The caller's side of the run: where lines are written and read.
pub struct Caller {
    input: Option<Box<dyn Read + Send>>,
    lines: Option<Lines>,
    output: Box<dyn Write + Send>,
}

/// The lines a reader thread has read, one ahead at most.
type Lines = Arc<Mutex<Receiver<Incoming>>>;

/// Standard input's lines, read by one thread for the whole process: every
/// certificate of a many-certificate run with -t (one at a time,
/// flows/batch.rs) reads from it in turn. A reader per certificate would
/// leave the finished one's thread blocked on standard input, where it
/// would take the next certificate's line.
static STDIN_LINES: OnceLock<Lines> = OnceLock::new();

impl Caller {
    /// The process's standard input and output.
    pub fn stdio() -> Caller {
        let lines = STDIN_LINES.get_or_init(|| spawn_reader(Box::new(std::io::stdin())));
        Caller {
            input: None,
            lines: Some(Arc::clone(lines)),
            output: Box::new(std::io::stdout()),
        }
    }

    /// Lines written to `output`, read back from `input`.
    pub fn new(input: impl Read + Send + 'static, output: impl Write + Send + 'static) -> Caller {
        Caller {
            input: Some(Box::new(input)),
            lines: None,
            output: Box::new(output),
        }
    }

    /// Write `line` and a newline, then wait until `until` for the same line
    /// to come back. Anything else is an error naming the expected line and
    /// what came instead.
    pub fn confirm(&mut self, line: &str, until: Instant) -> Result<(), Error> {
        self.output
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.output.flush())
            .map_err(|e| fail(format!("cannot write {line:?} to standard output: {e}")))?;
        let lines = self.reader();
        let timeout = until.saturating_duration_since(Instant::now());
        let received = match lines.lock() {
            Ok(lines) => lines.recv_timeout(timeout),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        let got = match received {
            Ok(Incoming::Line(got)) if got == line.as_bytes() => return Ok(()),
            Ok(Incoming::Line(got)) => format!("{:?}", excerpt(&got)),
            Ok(Incoming::TooLong(got)) => format!(
                "a line of more than {MAX_LINE} bytes starting {:?}",
                excerpt(&got)
            ),
            Ok(Incoming::End) | Err(RecvTimeoutError::Disconnected) => "end of input".into(),
            Ok(Incoming::Failed(e)) => format!("a read error ({e})"),
            Err(RecvTimeoutError::Timeout) => "nothing before --timeout ran out".into(),
        };
        Err(fail(format!(
            "expected {line:?} on standard input, got {got}"
        )))
    }

    /// The lines of the input, read by a thread started on first use: a
    /// blocking read cannot otherwise be bounded by the run's deadline. The
    /// channel holds one line, so the thread reads ahead by one line at most.
    fn reader(&mut self) -> Lines {
        let input = &mut self.input;
        let lines = self.lines.get_or_insert_with(|| {
            spawn_reader(input.take().unwrap_or_else(|| Box::new(std::io::empty())))
        });
        Arc::clone(lines)
    }
}

/// A thread reading `input`'s lines into a channel of one.
fn spawn_reader(input: Box<dyn Read + Send>) -> Lines {
    let (send, lines) = mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let mut input = BufReader::new(input);
        loop {
            let incoming = read_line(&mut input);
            let last = !matches!(incoming, Incoming::Line(_));
            if send.send(incoming).is_err() || last {
                break;
            }
        }
    });
    Arc::new(Mutex::new(lines))
}

/// One line of at most [`MAX_LINE`] bytes from `input`.
fn read_line(input: &mut impl BufRead) -> Incoming {
    let mut buf = Vec::new();
    match input.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf) {
        Err(e) => Incoming::Failed(e.to_string()),
        Ok(0) => Incoming::End,
        Ok(_) if buf.last() == Some(&b'\n') => {
            buf.pop();
            Incoming::Line(buf)
        }
        Ok(_) if buf.len() > MAX_LINE => Incoming::TooLong(buf),
        // The last line, without a newline.
        Ok(_) => Incoming::Line(buf),
    }
}

/// The first 600 characters of what the caller sent, room for any line
/// acmebox writes (Debug-formatted by the caller of this function, which
/// escapes control characters).
fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(600).collect()
}

fn fail(message: String) -> Error {
    Error::Protocol {
        step: STEP,
        message,
    }
}

#[cfg(test)]
#[path = "caller_tests.rs"]
mod tests;
