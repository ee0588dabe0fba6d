//! The interposer's side towards pebble: one TLS connection per request (`Connection: close`),
//! the request sent as the client sent it (Host included), and pebble's answer read whole,
//! whether framed by Content-Length, chunked or the end of the connection.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use crate::hostile::http::{read_line, Request};

/// How long connecting to pebble, or one read or write, may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read from pebble (a certificate chain is a few KiB).
const MAX_BODY: u64 = 16 << 20;
/// Most header lines read from pebble.
const MAX_HEADERS: usize = 100;
/// Headers about one hop of a connection, never relayed as they came (RFC 9110 §7.6.1),
/// and the framing, which the interposer writes itself.
const HOP_BY_HOP: [&str; 5] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "upgrade",
];

/// Pebble's HTTPS address and the one CA its certificate is checked against.
pub(crate) struct Upstream {
    addr: SocketAddr,
    tls: Arc<ClientConfig>,
}

/// Pebble's answer, its body unframed.
pub(crate) struct Reply {
    pub status: u16,
    /// Every header line but the hop-by-hop ones and the framing.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// Replaces every header named `name` (any case) by one with `value`.
    pub(crate) fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }
}

impl Upstream {
    /// Pebble on 127.0.0.1:`port`, whose certificate `ca_file` vouches for (for `127.0.0.1`,
    /// which the testbed always puts on it).
    pub(crate) fn new(port: u16, ca_file: &Path) -> Result<Upstream> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_file)
            .with_context(|| format!("reading {}", ca_file.display()))?
        {
            roots
                .add(cert.with_context(|| format!("parsing {}", ca_file.display()))?)
                .context("pebble's CA")?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Upstream {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            tls: Arc::new(tls),
        })
    }

    /// Sends `req` to pebble as it came (method, target, headers, body; only the connection
    /// headers replaced) and reads the answer.
    pub(crate) fn forward(&self, req: &Request) -> io::Result<Reply> {
        let tcp = TcpStream::connect_timeout(&self.addr, TIMEOUT)?;
        tcp.set_read_timeout(Some(TIMEOUT))?;
        tcp.set_write_timeout(Some(TIMEOUT))?;
        let name = ServerName::IpAddress(self.addr.ip().into());
        let conn = ClientConnection::new(self.tls.clone(), name).map_err(io::Error::other)?;
        let mut stream = StreamOwned::new(conn, tcp);
        let mut out = format!("{} {} HTTP/1.1\r\n", req.method, req.path);
        for (name, value) in req.headers.iter().filter(|(n, _)| !hop_by_hop(n)) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            req.body.len()
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&req.body);
        stream.write_all(&bytes)?;
        stream.flush()?;
        read_reply(&mut BufReader::new(stream), req.method == "HEAD")
    }
}

fn hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn bad(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn line(r: &mut impl BufRead) -> io::Result<String> {
    read_line(r)?.ok_or_else(|| bad("pebble's answer was cut short".into()))
}

/// Reads one HTTP/1.1 answer (RFC 9112 §6.3: no body for HEAD, 1xx, 204 and 304; else
/// chunked, Content-Length, or up to the end of the connection).
fn read_reply(r: &mut impl BufRead, head: bool) -> io::Result<Reply> {
    let status_line = line(r)?;
    let status = (status_line.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad(format!("pebble's status line {status_line:?}")))?;
    let (mut headers, mut length, mut chunked) = (Vec::new(), None, false);
    loop {
        let header = line(r)?;
        if header.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(bad(format!("more than {MAX_HEADERS} headers from pebble")));
        }
        let (name, value) = header.split_once(':').unwrap_or((&header, ""));
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            let n = value.parse::<u64>();
            length = Some(n.map_err(|_| bad(format!("Content-Length {value:?} from pebble")))?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
        if !hop_by_hop(name) {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    let no_body = head || status < 200 || status == 204 || status == 304;
    let body = match (no_body, chunked, length) {
        (true, _, _) => Vec::new(),
        (false, true, _) => read_chunked(r)?,
        (false, false, Some(n)) if n > MAX_BODY => {
            return Err(bad(format!("pebble's body of {n} bytes")))
        }
        (false, false, Some(n)) => {
            let mut body = vec![0; n as usize];
            r.read_exact(&mut body)?;
            body
        }
        (false, false, None) => read_limited(r.take(MAX_BODY + 1))?,
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A chunked body (RFC 9112 §7.1), trailers read and dropped.
fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let size_line = line(r)?;
        let hex = size_line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(hex, 16)
            .map_err(|_| bad(format!("chunk size {size_line:?} from pebble")))?;
        if size == 0 {
            while !line(r)?.is_empty() {}
            return Ok(body);
        }
        if body.len() as u64 + size > MAX_BODY {
            return Err(bad("pebble's chunked body is too large".into()));
        }
        let start = body.len();
        body.resize(start + size as usize, 0);
        r.read_exact(&mut body[start..])?;
        if !line(r)?.is_empty() {
            return Err(bad("a chunk from pebble is longer than it said".into()));
        }
    }
}

fn read_limited(mut r: impl Read) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    r.read_to_end(&mut body)?;
    if body.len() as u64 > MAX_BODY {
        return Err(bad("pebble's body is too large".into()));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_and_sized_bodies_are_unframed() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n\
                        3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
        let reply = read_reply(&mut &chunked[..], false).unwrap();
        assert_eq!((reply.status, &reply.body[..]), (200, &b"abcde"[..]));
        assert_eq!(reply.headers, vec![("X-A".to_owned(), "1".to_owned())]);

        let sized = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nhiEXTRA";
        let reply = read_reply(&mut &sized[..], false).unwrap();
        assert_eq!((reply.status, &reply.body[..]), (201, &b"hi"[..]));

        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        assert!(read_reply(&mut &head[..], true).unwrap().body.is_empty());
        let to_end = b"HTTP/1.1 200 OK\r\n\r\nall of it";
        assert_eq!(
            read_reply(&mut &to_end[..], false).unwrap().body,
            b"all of it"
        );
    }

    #[test]
    fn a_chunk_longer_than_it_says_is_refused() {
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n0\r\n\r\n";
        assert!(read_reply(&mut &bad[..], false).is_err());
    }
}
