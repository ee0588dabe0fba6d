//! A one-thread HTTP server answering pebble's http-01 validation requests from a directory.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};

const PREFIX: &str = "/.well-known/acme-challenge/";
const MAX_HEAD: usize = 8 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves `GET /.well-known/acme-challenge/NAME` with the file `dir/NAME`; stops when dropped.
pub(crate) struct Http01Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
    modes: Modes,
    thread: Option<JoinHandle<()>>,
}

/// The permission bits of each file served, in the order served (unix; empty elsewhere).
type Modes = Arc<Mutex<Vec<u32>>>;

impl Http01Server {
    /// Binds a free port on 127.0.0.1 and starts serving `dir` from a background thread.
    pub(crate) fn start(dir: PathBuf) -> Result<Http01Server> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the http-01 server")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let modes = Modes::default();
        let (stop2, served2, modes2) = (stop.clone(), served.clone(), modes.clone());
        let thread = std::thread::Builder::new()
            .name("testbed-http01".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stop2.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let _ = handle(stream, &dir, &served2, &modes2);
                    }
                }
            })
            .context("spawning the http-01 thread")?;
        Ok(Http01Server {
            addr,
            stop,
            served,
            modes,
            thread: Some(thread),
        })
    }

    /// The port the server listens on (127.0.0.1).
    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many challenge files have been served (200 responses).
    pub(crate) fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    /// The permission bits of each challenge file served so far (unix only).
    pub(crate) fn modes(&self) -> Vec<u32> {
        self.modes.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl Drop for Http01Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept; if this fails the thread stays parked until the process ends.
        if TcpStream::connect_timeout(&self.addr, IO_TIMEOUT).is_ok() {
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// Answers one request on `stream`, counting a served file in `served` and recording its mode
/// in `modes` before closing.
fn handle(
    mut stream: TcpStream,
    dir: &Path,
    served: &AtomicUsize,
    modes: &Mutex<Vec<u32>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let head = read_head(&mut stream)?;
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let body = match (method, target.strip_prefix(PREFIX)) {
        ("GET", Some(name)) if valid_token(name) => {
            let path = dir.join(name);
            let body = std::fs::read(&path).ok();
            if body.is_some() {
                record_mode(&path, modes);
            }
            body
        }
        _ => None,
    };
    let found = body.is_some();
    let (status, body) = match body {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"not found\n".to_vec()),
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()?;
    if found {
        served.fetch_add(1, Ordering::SeqCst);
    }
    Ok(())
}

/// Records the permission bits of `path` as the server found them when serving it.
fn record_mode(path: &Path, modes: &Mutex<Vec<u32>>) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let (Ok(meta), Ok(mut modes)) = (std::fs::metadata(path), modes.lock()) {
            modes.push(meta.permissions().mode() & 0o7777);
        }
    }
    #[cfg(not(unix))]
    let _ = (path, modes);
}

/// Reads up to the blank line ending the request head (or [`MAX_HEAD`] bytes, or EOF).
fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// An ACME token: base64url characters only, so it can't escape the directory.
fn valid_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
