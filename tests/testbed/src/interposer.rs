//! A fault-injecting reverse proxy in front of pebble: a real ACME conversation in which single
//! steps go wrong as a CA on a bad day makes them go wrong.
//!
//! [`Interposer::start`] serves HTTPS on a free loopback port with a throwaway CA of its own
//! (as [`crate::HostileCa`]), one thread per connection, and forwards every request to the
//! testbed's pebble, relaying the answer — except where a [`Rule`] (a method, a path prefix
//! and which of the matching requests) says to act otherwise ([`Action`]: a canned answer, a
//! body replaced, cut, flooded or never ending, a header set, a JSON member changed or moved to
//! another host, a redirect). Requests go to pebble with their Host header unchanged: pebble
//! builds every URL it hands out from it, and checks each JWS `url` against it (pebble's
//! wfe.go, `relativeEndpoint` and `verifyJWS`), so the client sees and signs URLs on the
//! interposer. Every request is recorded ([`Exchange`]) for tests to count attempts and
//! pauses.
//!
//! ```no_run
//! use testbed::{Action, Interposer, Rule, Testbed};
//! let bed = Testbed::start()?;
//! let proxy = Interposer::start(&bed, vec![
//!     Rule::new("POST", "/order-plz", Action::problem(500, "serverInternal", "down", &[]))
//!         .first(2),
//! ])?;
//! // Run the client against proxy.directory_url(), trusting proxy.ca_file(); then look at
//! // proxy.count("POST", "/order-plz") or proxy.exchanges().
//! # Ok::<(), anyhow::Error>(())
//! ```

mod rules;
mod upstream;

use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

pub use rules::{Action, Rule};

use crate::hostile::{http, server_config};
use crate::{tls, Testbed};
use upstream::{Reply, Upstream};

/// How long a client connection may sit idle (or a read or write take) before it is dropped.
const IDLE: Duration = Duration::from_secs(10);
/// The block [`Action::Flood`] writes at a time.
const FLOOD_BLOCK: usize = 64 * 1024;

/// One request the interposer read, in the order they came.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// `GET`, `HEAD`, `POST` ...
    pub method: String,
    /// The request target, e.g. `/authZ/abc`.
    pub path: String,
    /// The status the client is sent (pebble's or the rule's; 502 when pebble could not be
    /// reached), set just before the answer is written; 0 until then.
    pub status: u16,
    /// The index of the rule that acted on it, if one did.
    pub rule: Option<usize>,
    /// When the request had been read.
    pub at: Instant,
}

/// State shared by the accept thread and every connection thread.
struct Shared {
    tls: Arc<ServerConfig>,
    upstream: Upstream,
    rules: Vec<Rule>,
    /// Per rule, how many requests it matched so far; and every exchange.
    state: Mutex<(Vec<usize>, Vec<Exchange>)>,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, (Vec<usize>, Vec<Exchange>)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts `req` for every rule it matches and records it (status 0 until answered);
    /// returns its index among the exchanges and the first rule that acts on it, if any.
    fn record(&self, req: &http::Request) -> (usize, Option<usize>) {
        let at = Instant::now();
        let mut state = self.lock();
        let mut chosen = None;
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.matches(&req.method, &req.path) {
                state.0[i] += 1;
                if chosen.is_none() && rule.acts_on(state.0[i]) {
                    chosen = Some(i);
                }
            }
        }
        state.1.push(Exchange {
            method: req.method.clone(),
            path: req.path.clone(),
            status: 0,
            rule: chosen,
            at,
        });
        (state.1.len() - 1, chosen)
    }
}

/// A running interposer; stops accepting connections when dropped (a body still trickling
/// stops too).
pub struct Interposer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Interposer {
    /// Starts an interposer in front of `bed`'s pebble on a free port of 127.0.0.1, named
    /// `localhost`, acting on `rules` (the first rule that acts on a request wins).
    pub fn start(bed: &Testbed, rules: Vec<Rule>) -> Result<Interposer> {
        let dir = tempfile::Builder::new()
            .prefix("acmebox-interposer-")
            .tempdir()
            .context("creating the interposer's temporary directory")?;
        let identity = tls::write_identity(dir.path())?;
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the interposer")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            tls: server_config(&identity.cert_file, &identity.key_file)?,
            upstream: Upstream::new(bed.acme_port(), bed.ca_file())?,
            state: Mutex::new((vec![0; rules.len()], Vec::new())),
            rules,
            stop: AtomicBool::new(false),
        });
        let accepting = shared.clone();
        let thread = std::thread::Builder::new()
            .name("interposer".into())
            .spawn(move || accept(listener, accepting))
            .context("spawning the interposer's thread")?;
        Ok(Interposer {
            addr,
            shared,
            thread: Some(thread),
            ca_file: identity.ca_file,
            _dir: dir,
        })
    }

    /// `https://localhost:PORT`, the origin of every URL pebble hands out through it.
    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// The ACME directory URL, `https://localhost:PORT/dir`.
    pub fn directory_url(&self) -> String {
        format!("{}/dir", self.origin())
    }

    /// PEM file of the throwaway CA that signed the interposer's TLS certificate.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// Every request answered so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.lock().1.clone()
    }

    /// How many requests so far had `method` and a path starting with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        (self.shared.lock().1.iter())
            .filter(|e| e.method == method && e.path.starts_with(path_prefix))
            .count()
    }

    /// How many requests rule `index` (its place in the list given to
    /// [`Interposer::start`]) acted on so far.
    pub fn applied(&self, index: usize) -> usize {
        (self.shared.lock().1.iter())
            .filter(|e| e.rule == Some(index))
            .count()
    }
}

impl Drop for Interposer {
    /// Stops the accept thread; connection threads end when their client goes or idles out.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if TcpStream::connect_timeout(&self.addr, IDLE).is_ok() {
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

fn accept(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let serving = shared.clone();
        let _ = std::thread::Builder::new()
            .name("interposer-conn".into())
            .spawn(move || serve(stream, &serving));
    }
}

type ClientStream = StreamOwned<ServerConnection, TcpStream>;

/// Answers requests on one connection until the client closes it, asks to, idles out, or an
/// action ends it.
fn serve(stream: TcpStream, shared: &Shared) -> Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_write_timeout(Some(IDLE))?;
    let conn = ServerConnection::new(shared.tls.clone())?;
    let mut stream = BufReader::new(StreamOwned::new(conn, stream));
    while let Some(request) = http::read_request(&mut stream)? {
        let (index, rule) = shared.record(&request);
        let action = rule.map(|i| &shared.rules[i].action);
        let sent = |status: u16| shared.lock().1[index].status = status;
        let (upstream, stop) = (&shared.upstream, &shared.stop);
        let keep_alive = answer(stream.get_mut(), upstream, &request, action, stop, sent)?;
        if !keep_alive {
            break;
        }
    }
    let out = stream.get_mut();
    out.conn.send_close_notify();
    out.flush()?;
    Ok(())
}

/// Answers one request as `action` says (relaying pebble's answer when there is none), calling
/// `sent` with the status just before it is written; returns whether the connection may serve
/// another request.
fn answer(
    out: &mut ClientStream,
    upstream: &Upstream,
    req: &http::Request,
    action: Option<&Action>,
    stop: &AtomicBool,
    sent: impl FnOnce(u16),
) -> io::Result<bool> {
    let keep = req.keep_alive;
    match action {
        Some(Action::Respond {
            status,
            headers,
            body,
        }) => {
            sent(*status);
            write(out, *status, headers, body, false, keep)?;
            return Ok(keep);
        }
        Some(Action::Redirect(location)) => {
            sent(302);
            let headers = [("Location".to_owned(), location.clone())];
            write(out, 302, &headers, b"", false, keep)?;
            return Ok(keep);
        }
        Some(Action::Flood(bytes)) => {
            sent(200);
            return flood(out, *bytes, stop).map(|()| false);
        }
        Some(Action::Trickle(every)) => {
            sent(200);
            return trickle(out, *every, stop).map(|()| false);
        }
        _ => {}
    }
    let mut reply = match upstream.forward(req) {
        Ok(reply) => reply,
        Err(e) => {
            sent(502);
            let body = format!("the interposer could not reach pebble: {e}");
            write(out, 502, &[], body.as_bytes(), false, keep)?;
            return Ok(keep);
        }
    };
    match action {
        Some(Action::ReplaceBody(body)) => reply.body = body.clone(),
        Some(Action::Truncate(n)) => reply.body.truncate(*n),
        Some(Action::SetHeader(name, value)) => reply.set_header(name, value),
        Some(a @ (Action::SetJson { .. } | Action::Rehost { .. })) => {
            reply.body = rules::edit_json(&reply.body, a)
        }
        _ => {}
    }
    let Reply {
        status,
        headers,
        body,
    } = reply;
    sent(status);
    write(out, status, &headers, &body, req.method == "HEAD", keep)?;
    Ok(keep)
}

/// [`Action::Flood`]: `bytes` spaces under a Content-Length that says so, then the end of the
/// connection; stops early when the client stops reading (a write fails) or at `stop`.
fn flood(out: &mut ClientStream, bytes: u64, stop: &AtomicBool) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {bytes}\r\n\
         Connection: close\r\n\r\n"
    );
    out.write_all(head.as_bytes())?;
    let block = [b' '; FLOOD_BLOCK];
    let mut left = bytes;
    while left > 0 && !stop.load(Ordering::SeqCst) {
        let n = left.min(FLOOD_BLOCK as u64);
        out.write_all(&block[..n as usize])?;
        left -= n;
    }
    out.flush()
}

/// [`Action::Trickle`]: a chunked body of one space per chunk, one chunk every `every`, until
/// a write fails (the client went) or `stop`.
fn trickle(out: &mut ClientStream, every: Duration, stop: &AtomicBool) -> io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    out.write_all(head.as_bytes())?;
    while !stop.load(Ordering::SeqCst) {
        out.write_all(b"1\r\n \r\n")?;
        out.flush()?;
        std::thread::sleep(every);
    }
    Ok(())
}

/// Writes a whole answer: status, `headers`, a Content-Length (none for 1xx, 204 and 304), and
/// the body unless `head_only`.
fn write(
    out: &mut ClientStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    // Clients read the status code, not the reason phrase.
    let reason = if status < 400 { "OK" } else { "Error" };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if status >= 200 && status != 204 && status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(body);
    }
    out.write_all(&bytes)?;
    out.flush()
}
