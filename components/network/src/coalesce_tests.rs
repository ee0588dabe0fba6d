//! Coalescing against a recording transport, through ureq's request flow,
//! and over real TLS on a loopback socket.

use std::collections::VecDeque;
use std::io::{IoSlice, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::LazyBuffers;
use ureq::Agent;

use super::*;
use crate::testing::{identity, read_request, tls_server_config};

/// What a [`Recorder`] saw and what it answers.
#[derive(Debug, Default)]
struct Log {
    /// One entry per `transmit_output`.
    sent: Vec<Vec<u8>>,
    /// Handed out by `await_input`, one per call.
    replies: VecDeque<Vec<u8>>,
    /// Make every `transmit_output` fail.
    fail: bool,
}

type Shared = Arc<Mutex<Log>>;

/// A transport that records every transmit, standing in for TCP.
#[derive(Debug)]
struct Recorder {
    buffers: LazyBuffers,
    log: Shared,
}

impl Recorder {
    fn new(output_size: usize, log: &Shared) -> Recorder {
        Recorder {
            buffers: LazyBuffers::new(1024, output_size),
            log: log.clone(),
        }
    }
}

impl Transport for Recorder {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), Error> {
        let mut log = self.log.lock().unwrap();
        if log.fail {
            return Err(Error::Io(io::Error::other("broken pipe")));
        }
        log.sent.push(self.buffers.output()[..amount].to_vec());
        Ok(())
    }

    fn await_input(&mut self, _: NextTimeout) -> Result<bool, Error> {
        let reply = self.log.lock().unwrap().replies.pop_front();
        let Some(reply) = reply else {
            return Ok(false);
        };
        self.buffers.input_append_buf()[..reply.len()].copy_from_slice(&reply);
        self.buffers.input_appended(reply.len());
        Ok(true)
    }

    fn is_open(&mut self) -> bool {
        true
    }
}

fn shared() -> Shared {
    Arc::new(Mutex::new(Log::default()))
}

fn sent(log: &Shared) -> Vec<Vec<u8>> {
    log.lock().unwrap().sent.clone()
}

/// Write `bytes` the way ureq and rustls do: into the output buffer at 0,
/// then transmit that many.
fn write<T: Transport>(t: &mut T, bytes: &[u8]) -> Result<(), Error> {
    t.buffers().output()[..bytes.len()].copy_from_slice(bytes);
    t.transmit_output(bytes.len(), NextTimeout::default())
}

#[test]
fn holds_writes_until_input_is_awaited() {
    let log = shared();
    log.lock().unwrap().replies.push_back(b"reply".to_vec());
    let mut t = CoalescingTransport::new(Recorder::new(64, &log));
    write(&mut t, b"finished;").unwrap();
    write(&mut t, b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(sent(&log).is_empty());

    assert!(t.await_input(NextTimeout::default()).unwrap());
    assert_eq!(
        sent(&log),
        vec![b"finished;GET / HTTP/1.1\r\n\r\n".to_vec()]
    );
    assert_eq!(t.buffers().input(), b"reply");

    // Nothing pending: awaiting again sends nothing.
    assert!(!t.await_input(NextTimeout::default()).unwrap());
    assert_eq!(sent(&log).len(), 1);
}

#[test]
fn sends_at_most_an_output_buffer_per_write() {
    let log = shared();
    let mut t = CoalescingTransport::new(Recorder::new(8, &log));
    write(&mut t, b"abcde").unwrap();
    assert!(sent(&log).is_empty());
    // 10 bytes pending fill the 8-byte buffer: sent as 8 + 2.
    write(&mut t, b"fghij").unwrap();
    assert_eq!(sent(&log), vec![b"abcdefgh".to_vec(), b"ij".to_vec()]);
    write(&mut t, b"klm").unwrap();
    t.await_input(NextTimeout::default()).unwrap();
    assert_eq!(sent(&log).concat(), b"abcdefghijklm");
    assert_eq!(sent(&log).len(), 3);
}

#[test]
fn probe_and_drop_send_what_is_pending() {
    let log = shared();
    let mut t = CoalescingTransport::new(Recorder::new(64, &log));
    write(&mut t, b"one").unwrap();
    assert!(t.is_open());
    assert_eq!(sent(&log), vec![b"one".to_vec()]);
    write(&mut t, b"alert").unwrap();
    drop(t);
    assert_eq!(sent(&log), vec![b"one".to_vec(), b"alert".to_vec()]);
}

#[test]
fn failures_are_reported_not_retried() {
    let log = shared();
    let mut t = CoalescingTransport::new(Recorder::new(8, &log));
    // More than the output buffer holds is refused, not a panic.
    assert!(t.transmit_output(9, NextTimeout::default()).is_err());

    write(&mut t, b"lost").unwrap();
    log.lock().unwrap().fail = true;
    assert!(t.await_input(NextTimeout::default()).is_err());
    log.lock().unwrap().fail = false;
    assert!(t.is_open());
    drop(t);
    assert!(sent(&log).is_empty());
}

/// Makes a [`Recorder`] per connection; answers each request with `200 ok`.
#[derive(Debug)]
struct RecorderConnector(Shared);

impl Connector for RecorderConnector {
    type Out = Recorder;

    fn connect(&self, _: &ConnectionDetails, _: Option<()>) -> Result<Option<Recorder>, Error> {
        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec();
        self.0.lock().unwrap().replies.push_back(reply);
        Ok(Some(Recorder::new(128 * 1024, &self.0)))
    }
}

/// Resolves everything to 127.0.0.1.
#[derive(Debug)]
struct Loopback;

impl Resolver for Loopback {
    fn resolve(&self, uri: &Uri, _: &Config, _: NextTimeout) -> Result<ResolvedSocketAddrs, Error> {
        let mut addrs = self.empty();
        let port = uri.port_u16().unwrap_or(443);
        addrs.push(([127, 0, 0, 1], port).into());
        Ok(addrs)
    }
}

/// The writes one POST makes through ureq, with or without coalescing.
fn post_writes(coalesce: bool) -> Vec<Vec<u8>> {
    let log = shared();
    let config = Agent::config_builder().https_only(false).build();
    let connector = RecorderConnector(log.clone());
    let agent = if coalesce {
        Agent::with_parts(config, connector.chain(CoalesceConnector), Loopback)
    } else {
        Agent::with_parts(config, connector, Loopback)
    };
    let mut resp = agent.post("http://acme.test/new").send("{}").unwrap();
    assert_eq!(resp.body_mut().read_to_string().unwrap(), "ok");
    sent(&log)
}

#[test]
fn a_request_is_one_write() {
    // Without coalescing ureq writes the headers, then the body.
    let plain = post_writes(false);
    assert_eq!(plain.len(), 2, "ureq changed how it writes a request");
    let coalesced = post_writes(true);
    assert_eq!(coalesced, vec![plain.concat()]);
    assert!(coalesced[0].starts_with(b"POST /new HTTP/1.1\r\n"));
    assert!(coalesced[0].ends_with(b"\r\n\r\n{}"));
}

/// Records the size of every non-empty read of the client's bytes.
struct Counting {
    stream: TcpStream,
    reads: Arc<Mutex<Vec<usize>>>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.read(buf)?;
        if n > 0 {
            self.reads.lock().unwrap().push(n);
        }
        Ok(n)
    }
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    /// rustls writes a flight with one `write_vectored`: without this the
    /// default would send each record alone, and the client might see the
    /// server's flight in pieces.
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.stream.write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Serves `requests` requests on one TLS connection; after reading each,
/// reports how many reads the server had made of the client's bytes.
fn serve_tls(listener: TcpListener, requests: usize, report: mpsc::Sender<usize>) {
    let (stream, _) = listener.accept().unwrap();
    let reads = Arc::new(Mutex::new(Vec::new()));
    let sock = Counting {
        stream,
        reads: reads.clone(),
    };
    let conn = rustls::ServerConnection::new(tls_server_config()).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    for _ in 0..requests {
        read_request(&mut tls).unwrap();
        report.send(reads.lock().unwrap().len()).unwrap();
        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nreplay-nonce: n\r\n\r\nok";
        tls.write_all(reply).unwrap();
    }
}

#[test]
fn each_tls_request_arrives_in_one_read() {
    use crate::http::{Http, Method, Request, Transport as _};
    use crate::origin::Origin;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (report, reads) = mpsc::channel();
    let server = thread::spawn(move || serve_tls(listener, 2, report));

    let origin = Origin::parse(&format!("https://localhost:{port}/dir")).unwrap();
    let opts = crate::http::Options {
        ca_pem: Some(identity().ca_pem.as_bytes()),
        timeout_ms: 10_000,
        max_body: 1024,
        proxy: None,
    };
    let http = Http::new(&origin, &opts, |_| Ok(vec!["127.0.0.1".into()])).unwrap();
    let url = format!("https://localhost:{port}/x");
    let get = Request {
        method: Method::Get,
        url: &url,
        body: "",
        accept: None,
    };
    assert_eq!(http.send(&get).unwrap().body, b"ok");
    // The ClientHello; then the handshake's last flight and the GET together.
    assert_eq!(reads.recv().unwrap(), 2);

    let post = Request {
        method: Method::Post,
        body: r#"{"protected":"","payload":"","signature":""}"#,
        ..get
    };
    assert_eq!(http.send(&post).unwrap().body, b"ok");
    // Headers and body together, on the same connection.
    assert_eq!(reads.recv().unwrap(), 3);
    drop(http);
    server.join().unwrap();
}
