//! The transport against real sockets on loopback: through an HTTP CONNECT
//! proxy, and the words of its failures (refused, proxy refusal, redirect,
//! TLS trust and name).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use super::*;
use crate::retry::{Failure, Retry};
use crate::testing::{identity, read_request, tls_server_config};

/// An HTTPS server for `localhost` answering every request with `reply`.
fn tls_server(reply: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            thread::spawn(move || {
                let conn = rustls::ServerConnection::new(tls_server_config()).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, stream);
                while read_request(&mut tls).is_ok() {
                    if tls.write_all(reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nreplay-nonce: n\r\n\r\nok";

/// A CONNECT proxy: records each request line; answers `refuse` (a status
/// line) when given, else tunnels to 127.0.0.1 on the requested port.
fn connect_proxy(refuse: Option<&'static str>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { return };
            let record = record.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                record.lock().unwrap().push(line.trim_end().to_string());
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header.trim_end().is_empty() {
                        break;
                    }
                }
                if let Some(status) = refuse {
                    let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
                    client.write_all(answer.as_bytes()).unwrap();
                    return;
                }
                let target = line.split(' ').nth(1).unwrap();
                let port = target.rsplit(':').next().unwrap();
                let mut server = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let mut upstream = server.try_clone().unwrap();
                thread::spawn(move || {
                    let _ = std::io::copy(&mut reader, &mut upstream);
                });
                let _ = std::io::copy(&mut server, &mut client);
            });
        }
    });
    (port, seen)
}

fn http(origin: &str, proxy: Option<&str>, ca_pem: Option<&[u8]>, resolve: ResolveFn) -> Http {
    let origin = Origin::parse(origin).unwrap();
    let opts = Options {
        ca_pem: Some(ca_pem.unwrap_or(identity().ca_pem.as_bytes())),
        timeout_ms: 10_000,
        max_body: 1024,
        proxy,
    };
    Http::new(&origin, &opts, resolve).unwrap()
}

fn get(http: &Http, url: &str) -> Result<Reply, Failure> {
    http.send(&Request {
        method: Method::Get,
        url,
        body: "",
        accept: None,
    })
}

/// Answers only for the loopback literal: asking for `localhost` (the
/// server's name) fails, as it would for a name only the proxy can resolve.
fn only_loopback(host: &str) -> Result<Vec<String>, String> {
    match host {
        "127.0.0.1" => Ok(vec!["127.0.0.1".into()]),
        other => Err(format!("host {other:?} is not in the network grant")),
    }
}

#[test]
fn requests_go_through_the_connect_proxy() {
    let server = tls_server(OK);
    let (proxy_port, seen) = connect_proxy(None);
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let origin = format!("https://localhost:{server}");
    let http = http(&origin, Some(&proxy), None, only_loopback);
    let url = format!("{origin}/dir");
    assert_eq!(get(&http, &url).unwrap().body, b"ok");
    assert_eq!(get(&http, &url).unwrap().body, b"ok");
    // One tunnel, kept alive, to the server's name (the proxy resolves it);
    // TLS inside was checked against `localhost`.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, vec![format!("CONNECT localhost:{server} HTTP/1.1")]);
}

#[test]
fn a_proxy_refusal_names_the_proxy_and_its_status() {
    let (proxy_port, _) = connect_proxy(Some("403 Forbidden"));
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let http = http("https://localhost:14000", Some(&proxy), None, only_loopback);
    let err = get(&http, "https://localhost:14000/dir")
        .unwrap_err()
        .message;
    let want = format!(
        "the proxy 127.0.0.1 port {proxy_port} refused the tunnel to localhost port 14000: \
         it answered 403 Forbidden"
    );
    assert!(err.contains(&want), "{err}");
}

#[test]
fn a_refused_connection_says_so_without_an_os_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let origin = format!("https://localhost:{port}");
    let http = http(&origin, None, None, |_| Ok(vec!["127.0.0.1".into()]));
    let failed = get(&http, &format!("{origin}/dir")).unwrap_err();
    assert_eq!(failed.retry, Retry::Transient, "a refused connect may pass");
    let err = failed.message;
    assert!(
        err.contains(&format!(
            "connection refused by localhost port {port} (127.0.0.1)"
        )),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");

    // An unreachable proxy is named as the proxy.
    let proxy = format!("http://127.0.0.1:{port}");
    let http = self::http("https://localhost:1", Some(&proxy), None, only_loopback);
    let err = get(&http, "https://localhost:1/dir").unwrap_err().message;
    let want = format!("connection refused by the proxy 127.0.0.1 port {port}");
    assert!(err.ends_with(&want), "{err}");
}

#[test]
fn retry_after_comes_back_as_sent() {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: Sun, 06 Nov 1994 08:49:37 GMT\r\ncontent-length: 0\r\n\r\n";
    let server = tls_server(BUSY);
    let origin = format!("https://localhost:{server}");
    let http = http(&origin, None, None, |_| Ok(vec!["127.0.0.1".into()]));
    let reply = get(&http, &format!("{origin}/dir")).unwrap();
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.retry_after.as_deref(),
        Some("Sun, 06 Nov 1994 08:49:37 GMT")
    );
}

#[test]
fn redirects_are_refused() {
    const FOUND: &[u8] =
        b"HTTP/1.1 302 Found\r\nlocation: https://elsewhere.test/dir\r\ncontent-length: 0\r\n\r\n";
    let server = tls_server(FOUND);
    let origin = format!("https://localhost:{server}");
    let http = http(&origin, None, None, |_| Ok(vec!["127.0.0.1".into()]));
    let err = get(&http, &format!("{origin}/dir")).unwrap_err().message;
    assert!(
        err.contains("the server answered 302, a redirect to https://elsewhere.test/dir; redirects are not followed"),
        "{err}"
    );
}

#[test]
fn an_unknown_issuer_suggests_ca_file() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Another name than the server's issuer: an unrelated CA.
    (params.distinguished_name).push(rcgen::DnType::CommonName, "an unrelated CA");
    let other_ca = params.self_signed(&KeyPair::generate().unwrap()).unwrap();
    let server = tls_server(OK);
    let origin = format!("https://localhost:{server}");
    let pem = other_ca.pem();
    let http = http(&origin, None, Some(pem.as_bytes()), |_| {
        Ok(vec!["127.0.0.1".into()])
    });
    let failed = get(&http, &format!("{origin}/dir")).unwrap_err();
    assert_eq!(failed.retry, Retry::Never, "a TLS failure does not pass");
    let err = failed.message;
    let want = format!("TLS failure with localhost port {server}: ");
    assert!(
        err.contains(&want) && err.contains("UnknownIssuer"),
        "{err}"
    );
    assert!(err.contains("--ca-file"), "{err}");
}

#[test]
fn a_certificate_for_another_name_is_named() {
    let server = tls_server(OK);
    // The certificate is for `localhost`; the URL names 127.0.0.1.
    let origin = format!("https://127.0.0.1:{server}");
    let http = http(&origin, None, None, |_| Ok(vec!["127.0.0.1".into()]));
    let err = get(&http, &format!("{origin}/dir")).unwrap_err().message;
    let want = format!(
        "TLS failure with 127.0.0.1 port {server}: its certificate is not valid for that name \
         (it names localhost)"
    );
    assert!(err.contains(&want), "{err}");
}

#[test]
fn proxy_urls_are_host_and_port_only() {
    assert!(parse_proxy("http://127.0.0.1:3128").is_ok());
    assert!(parse_proxy("http://[::1]:3128/").is_ok());
    for bad in [
        "https://p:1",
        "http://p",
        "http://[::1]",
        "http://u@p:1",
        "http://p:1/x",
        "p:1",
    ] {
        assert!(parse_proxy(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_resolver_answers_the_proxy_only_on_its_port() {
    let r = ImportResolver {
        origin: Origin::parse("https://acme.test:14000").unwrap(),
        proxy: Some(parse_proxy("http://proxy.test:3128").unwrap()),
        resolve: |_| Ok(vec!["127.0.0.1".into()]),
    };
    let uri = |u: &str| -> Uri { u.parse().unwrap() };
    assert!(r.endpoint(&uri("http://proxy.test:3128")).is_some());
    assert!(r.endpoint(&uri("https://acme.test:14000/x")).is_some());
    assert!(r.endpoint(&uri("http://proxy.test:3129")).is_none());
    assert!(r.endpoint(&uri("https://proxy.test:3128")).is_none());
    assert!(r.endpoint(&uri("http://acme.test:14000")).is_none());
}
