//! A listener that only counts who knocks, and a port where nobody listens.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};

/// A TCP listener on a free loopback port that counts the connections made to it and closes each
/// at once, for proving that a run did not contact a server (point the run at [`Tripwire::url`],
/// then assert `connections() == 0`).
pub struct Tripwire {
    port: u16,
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

struct Inner {
    listener: TcpListener,
    /// Accepted connections; the lock also serialises accepting.
    count: Mutex<usize>,
    stop: AtomicBool,
}

impl Inner {
    /// Accepts (and closes) every connection already waiting; returns the total so far.
    fn drain(&self) -> usize {
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match self.listener.accept() {
                Ok(_) => *count += 1,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return *count,
            }
        }
    }
}

impl Tripwire {
    /// Binds a free port on 127.0.0.1 and starts closing connections from a background thread.
    pub fn start() -> Result<Tripwire> {
        Tripwire::start_on(0)
    }

    /// Like [`Tripwire::start`], on `port` of 127.0.0.1: one just freed, such as a stopped
    /// pebble's ([`crate::Testbed::stop_pebble`]), so a run keeps the directory URL it had.
    pub fn start_on(port: u16) -> Result<Tripwire> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("binding the tripwire on 127.0.0.1:{port}"))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let inner = Arc::new(Inner {
            listener,
            count: Mutex::new(0),
            stop: AtomicBool::new(false),
        });
        let watcher = inner.clone();
        let thread = std::thread::Builder::new()
            .name("testbed-tripwire".into())
            .spawn(move || {
                while !watcher.stop.load(Ordering::SeqCst) {
                    watcher.drain();
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
            .context("spawning the tripwire thread")?;
        Ok(Tripwire {
            port,
            inner,
            thread: Some(thread),
        })
    }

    /// The port listened on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// An ACME directory URL on the tripwire: `https://127.0.0.1:PORT/dir`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}/dir", self.port)
    }

    /// How many connections have been made so far, including any waiting to be accepted.
    pub fn connections(&self) -> usize {
        self.inner.drain()
    }
}

impl Drop for Tripwire {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A port on 127.0.0.1 on which nothing listens (bound, noted, released: another process could
/// take it afterwards, which is unlikely for the short life of a test).
pub fn unused_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
