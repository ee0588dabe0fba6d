//! HTTPS transport: ureq over TCP (WASI sockets) and rustls, with name
//! resolution through the imported `resolver`, a timeout per request and a
//! limit on every response body.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Connector, NextTimeout, RustlsConnector, TcpConnector};
use ureq::Agent;

use crate::coalesce::CoalesceConnector;
use crate::origin::Origin;

/// The imported `resolver.resolve`: textual IP addresses for a host name.
pub type ResolveFn = fn(&str) -> Result<Vec<String>, String>;

/// RFC 8555 §6.1: clients send a User-Agent.
const USER_AGENT: &str = concat!("acmebox-network/", env!("CARGO_PKG_VERSION"));

/// The HTTP methods ACME uses (§6.1, §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    /// POST of a JWS, content type application/jose+json (§6.2).
    Post,
}

/// One request. `body` is the JWS for POST.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a str,
    pub body: &'a str,
    /// An Accept header, e.g. application/pem-certificate-chain (§7.4.2).
    pub accept: Option<&'a str>,
}

/// What ACME needs of a response. Headers that are not valid text count as
/// absent.
#[derive(Debug, Default)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    /// The Replay-Nonce header (§6.5.1).
    pub nonce: Option<String>,
    pub body: Vec<u8>,
}

/// Sends requests; the ACME logic is written against this so it can be
/// tested without a network.
pub trait Transport {
    /// Send `req`; errors name the URL and the cause.
    fn send(&self, req: &Request<'_>) -> Result<Reply, String>;
}

/// The real transport.
pub struct Http {
    agent: Agent,
    timeout_ms: u32,
    max_body: u32,
}

impl Http {
    /// An agent for `origin` only.
    ///
    /// Trust anchors: when `ca_pem` is given, its certificates are the
    /// *only* trust anchors (ureq cannot add them to the built-in set: its
    /// webpki roots are not certificates); without it, the Mozilla roots of
    /// `webpki-roots` are used. Redirects are not followed, proxies are not
    /// used and plain http is refused.
    pub fn new(
        origin: &Origin,
        ca_pem: Option<&[u8]>,
        timeout_ms: u32,
        max_body: u32,
        resolve: ResolveFn,
    ) -> Result<Http, String> {
        let roots = match ca_pem {
            Some(pem) => RootCerts::Specific(Arc::new(parse_certs(pem)?)),
            None => RootCerts::WebPki,
        };
        let tls = TlsConfig::builder().root_certs(roots).build();
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .https_only(true)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(Duration::from_millis(timeout_ms.into())))
            .user_agent(USER_AGENT)
            .tls_config(tls)
            .build();
        // Coalescing under TLS sends each request as one write (see coalesce).
        let connector =
            ().chain(TcpConnector::default())
                .chain(CoalesceConnector)
                .chain(RustlsConnector::default());
        let resolver = ImportResolver {
            origin: origin.clone(),
            resolve,
        };
        Ok(Http {
            agent: Agent::with_parts(config, connector, resolver),
            timeout_ms,
            max_body,
        })
    }

    fn call(&self, req: &Request<'_>) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let accept = req.accept.unwrap_or("*/*");
        match req.method {
            Method::Get => self.agent.get(req.url).header("accept", accept).call(),
            Method::Head => self.agent.head(req.url).call(),
            Method::Post => self
                .agent
                .post(req.url)
                .header("accept", accept)
                .header("content-type", "application/jose+json")
                .send(req.body),
        }
    }

    fn describe(&self, err: ureq::Error) -> String {
        match err {
            ureq::Error::Timeout(_) => format!("timed out after {} ms", self.timeout_ms),
            ureq::Error::BodyExceedsLimit(_) => self.too_large(),
            ureq::Error::Io(e) => e.to_string(),
            other => other.to_string(),
        }
    }

    fn too_large(&self) -> String {
        format!("response body exceeds the limit of {} bytes", self.max_body)
    }
}

impl Transport for Http {
    fn send(&self, req: &Request<'_>) -> Result<Reply, String> {
        let fail = |cause: String| {
            let method = format!("{:?}", req.method).to_uppercase();
            format!("{method} {}: {cause}", req.url)
        };
        let mut resp = self.call(req).map_err(|e| fail(self.describe(e)))?;
        let header = |name: &str| {
            let value = resp.headers().get(name)?;
            value.to_str().ok().map(str::to_string)
        };
        let mut reply = Reply {
            status: resp.status().as_u16(),
            location: header("location"),
            nonce: header("replay-nonce"),
            body: Vec::new(),
        };
        if req.method != Method::Head {
            // ureq's limit refuses a body of exactly `limit` bytes: allow one more.
            let limit = u64::from(self.max_body) + 1;
            let body = resp.body_mut().with_config().limit(limit).read_to_vec();
            reply.body = body.map_err(|e| fail(self.describe(e)))?;
            if reply.body.len() as u64 > u64::from(self.max_body) {
                return Err(fail(self.too_large()));
            }
        }
        Ok(reply)
    }
}

/// Parse the PEM trust anchors; at least one certificate is required.
fn parse_certs(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    let mut certs = Vec::new();
    for item in parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("ca-pem: {e}")),
        }
    }
    if certs.is_empty() {
        return Err("ca-pem holds no certificate".into());
    }
    Ok(certs)
}

/// Resolves through the imported `resolver`, and only the directory's host.
///
/// IP literals go through the import too: the host decides which addresses
/// may be connected to. The name passed is the directory URL's host,
/// lowercased, IPv6 literals in brackets (as `url::Url::host_str` gives it);
/// the port is the directory URL's.
#[derive(Debug)]
struct ImportResolver {
    origin: Origin,
    resolve: ResolveFn,
}

impl Resolver for ImportResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (host, port) = (uri.host().unwrap_or(""), uri.port_u16().unwrap_or(443));
        if !self.origin.same_host(host) || port != self.origin.port() {
            let msg = format!("{uri} is not on the directory's origin {}", self.origin);
            return Err(ureq::Error::Io(io::Error::other(msg)));
        }
        let name = self.origin.host();
        let found = (self.resolve)(&name).map_err(|e| {
            let msg = format!("resolving {name}: {e}");
            ureq::Error::Io(io::Error::new(io::ErrorKind::NotFound, msg))
        })?;
        let mut addrs = self.empty();
        for text in &found {
            let ip = parse_ip(text).ok_or_else(|| {
                let msg = format!("resolver returned {text:?} for {name}, not an IP address");
                ureq::Error::Io(io::Error::other(msg))
            })?;
            if addrs.try_push(SocketAddr::new(ip, port)).is_err() {
                break;
            }
        }
        if addrs.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(addrs)
    }
}

/// A textual IP address, IPv6 optionally in brackets.
fn parse_ip(text: &str) -> Option<IpAddr> {
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(resolve: ResolveFn) -> ImportResolver {
        let origin = Origin::parse("https://Acme.test:14000/dir").unwrap();
        ImportResolver { origin, resolve }
    }

    fn run(r: &ImportResolver, uri: &str) -> Result<Vec<SocketAddr>, String> {
        let uri: Uri = uri.parse().unwrap();
        let cfg = Config::default();
        r.resolve(&uri, &cfg, NextTimeout::default())
            .map(|a| a.iter().copied().collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn resolves_through_import_with_origin_port() {
        let r = resolver(|host| {
            assert_eq!(host, "acme.test");
            Ok(vec!["127.0.0.1".into(), "::1".into(), "[::2]".into()])
        });
        let got = run(&r, "https://acme.test:14000/x").unwrap();
        let want: Vec<SocketAddr> = ["127.0.0.1:14000", "[::1]:14000", "[::2]:14000"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn refuses_other_hosts_and_bad_answers() {
        let r = resolver(|_| Ok(vec!["127.0.0.1".into()]));
        assert!(run(&r, "https://evil.test:14000/").is_err());
        assert!(run(&r, "https://acme.test/").is_err());
        let bad = resolver(|_| Ok(vec!["localhost".into()]));
        assert!(run(&bad, "https://acme.test:14000/")
            .unwrap_err()
            .contains("not an IP"));
        let none = resolver(|_| Ok(vec![]));
        assert!(run(&none, "https://acme.test:14000/").is_err());
        let denied = resolver(|_| Err("not granted".into()));
        assert!(run(&denied, "https://acme.test:14000/")
            .unwrap_err()
            .contains("not granted"));
    }

    #[test]
    fn ca_pem_needs_a_certificate() {
        assert!(parse_certs(b"").is_err());
        assert!(
            parse_certs(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n").is_err()
        );
    }
}
