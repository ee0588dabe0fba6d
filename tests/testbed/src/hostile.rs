//! A small scripted ACME (RFC 8555) server for faults pebble cannot produce: a CA that picks
//! the http-01 token, floods an order with authorizations, stalls, sends text full of
//! control characters, an oversized directory or a redirect.
//!
//! [`HostileCa::start`] serves HTTPS on a free loopback port (a throwaway CA, as pebble's),
//! one thread per connection, HTTP/1.1 keep-alive. It speaks just enough ACME for acmebox's
//! network stage and plays a [`Script`]; by default it is a well-behaved CA that never
//! validates anything (authorizations stay `pending`). It never checks a JWS signature: it
//! reads only the identifiers in a newOrder payload.
//!
//! ```no_run
//! use testbed::{AfterResponse, HostileCa, Script};
//! let ca = HostileCa::start(Script {
//!     token: Some("index-html-aaaaaaaaaaaaaaaa".into()),
//!     after_response: AfterResponse::Invalid(r#"{"type":"x","detail":"no"}"#.into()),
//!     ..Script::default()
//! })?;
//! // Run the client against ca.directory_url(), trusting ca.ca_file(); then look at
//! // ca.requests() or ca.count("POST", "/authz/").
//! # Ok::<(), anyhow::Error>(())
//! ```

mod acme;
pub(crate) mod http;

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::tls;

/// How long a connection may sit idle (or a read or write take) before the CA drops it.
const IDLE: Duration = Duration::from_secs(10);

/// A step at which [`Script::problem`] can answer with a problem document instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `POST /new-account`.
    NewAccount,
    /// `POST /new-order`.
    NewOrder,
    /// `POST /authz/<i>` (fetching an authorization).
    Authorization,
    /// `POST /chall/<i>` (answering a challenge).
    Challenge,
    /// `POST /finalize`.
    Finalize,
}

/// What an authorization becomes once its challenge has been answered.
#[derive(Clone, Debug)]
pub enum AfterResponse {
    /// Stays `pending` forever (the default).
    Pending,
    /// Becomes `valid`, so the order becomes `ready` and can be finalized.
    Valid,
    /// Becomes `invalid`; its challenge carries this problem document as raw JSON text,
    /// inserted as is (line breaks and all).
    Invalid(String),
}

/// What the hostile CA does. `Script::default()` is a well-behaved CA that validates nothing:
/// one authorization per requested name, each with its own token (`hostile-token-<i>`), all
/// `pending` forever. In the two locations, `{origin}` stands for `https://localhost:PORT`.
#[derive(Clone, Debug)]
pub struct Script {
    /// The token of every http-01 challenge (e.g. the name of a file the client already has).
    pub token: Option<String>,
    /// Authorizations per order, for the requested names round-robin (default: one per name).
    pub authorizations: Option<usize>,
    /// What an authorization becomes once its challenge has been answered.
    pub after_response: AfterResponse,
    /// (step, HTTP status, raw body): at that step, answer with this problem document.
    pub problem: Option<(Step, u16, String)>,
    /// The Location of newAccount (the account URL, the client's `kid`), sent byte for byte.
    pub account_location: String,
    /// The Location of newOrder and finalize (the order URL), sent byte for byte.
    pub order_location: String,
    /// When set, finalize makes the order `valid` and `POST /cert` serves this PEM chain;
    /// otherwise a finalized order stays `processing`.
    pub certificate: Option<String>,
    /// Wait this long before every response (a slow CA).
    pub delay: Duration,
    /// When set, the directory's body is padded with spaces to this many bytes (still valid
    /// JSON), e.g. one byte over a client's limit.
    pub directory_size: Option<usize>,
    /// When set, `GET /dir` answers `302 Found` with this Location (`{origin}` substituted).
    pub directory_redirect: Option<String>,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            token: None,
            authorizations: None,
            after_response: AfterResponse::Pending,
            problem: None,
            account_location: "{origin}/acct/1".into(),
            order_location: "{origin}/order/1".into(),
            certificate: None,
            delay: Duration::ZERO,
            directory_size: None,
            directory_redirect: None,
        }
    }
}

/// State shared by the accept thread and every connection thread.
struct Shared {
    ca: acme::Ca,
    tls: Arc<ServerConfig>,
    stop: AtomicBool,
    connections: AtomicUsize,
}

/// A running hostile CA; stops accepting connections when dropped.
pub struct HostileCa {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl HostileCa {
    /// Starts a CA playing `script` on a free port of 127.0.0.1, named `localhost`.
    pub fn start(script: Script) -> Result<HostileCa> {
        let dir = tempfile::Builder::new()
            .prefix("acmebox-hostile-ca-")
            .tempdir()
            .context("creating the hostile CA's temporary directory")?;
        let identity = tls::write_identity(dir.path())?;
        let tls = server_config(&identity.cert_file, &identity.key_file)?;
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the hostile CA")?;
        let addr = listener.local_addr()?;
        let origin = format!("https://localhost:{}", addr.port());
        let shared = Arc::new(Shared {
            ca: acme::Ca::new(script, origin),
            tls,
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
        });
        let accepting = shared.clone();
        let thread = std::thread::Builder::new()
            .name("hostile-ca".into())
            .spawn(move || accept(listener, accepting))
            .context("spawning the hostile CA's thread")?;
        Ok(HostileCa {
            addr,
            shared,
            thread: Some(thread),
            ca_file: identity.ca_file,
            _dir: dir,
        })
    }

    /// `https://localhost:PORT`, the origin of every URL the CA hands out.
    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// The ACME directory URL, `https://localhost:PORT/dir`.
    pub fn directory_url(&self) -> String {
        format!("{}/dir", self.origin())
    }

    /// PEM file of the throwaway CA that signed this server's TLS certificate.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// Every request so far, in order, as (method, path), e.g. `("POST", "/authz/3")`.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.shared.ca.requests()
    }

    /// How many requests so far had `method` and a path starting with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        (self.requests().iter())
            .filter(|(m, p)| m == method && p.starts_with(path_prefix))
            .count()
    }

    /// How many TLS connections were accepted (keep-alive keeps this low).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for HostileCa {
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

/// rustls server settings for the certificate and key in these PEM files.
pub(crate) fn server_config(cert_file: &Path, key_file: &Path) -> Result<Arc<ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading {}", cert_file.display()))?;
    let key = PrivateKeyDer::from_pem_file(key_file)
        .with_context(|| format!("reading {}", key_file.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the hostile CA's TLS certificate")?;
    Ok(Arc::new(config))
}

fn accept(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let serving = shared.clone();
        let _ = std::thread::Builder::new()
            .name("hostile-ca-conn".into())
            .spawn(move || serve(stream, &serving));
    }
}

/// Answers requests on one connection until the client closes it, asks to, or idles out.
fn serve(stream: TcpStream, shared: &Shared) -> Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_write_timeout(Some(IDLE))?;
    let conn = ServerConnection::new(shared.tls.clone())?;
    let mut stream = BufReader::new(StreamOwned::new(conn, stream));
    while let Some(request) = http::read_request(&mut stream)? {
        let response = shared.ca.handle(&request);
        std::thread::sleep(shared.ca.script().delay);
        let head_only = request.method == "HEAD";
        let nonce = shared.ca.nonce();
        let out = stream.get_mut();
        http::write_response(out, &response, &nonce, head_only, request.keep_alive)?;
        if !request.keep_alive {
            break;
        }
    }
    let out = stream.get_mut();
    out.conn.send_close_notify();
    out.flush()?;
    Ok(())
}
