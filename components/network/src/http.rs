//! HTTPS transport: ureq over TCP (WASI sockets) and rustls, with name
//! resolution through the imported `resolver`, optionally through an HTTP
//! CONNECT proxy, a timeout per request, a limit on every response body, no
//! redirects, and errors in words (neterr.rs).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    ConnectProxyConnector, Connector, NextTimeout, RustlsConnector,
};
use ureq::{Agent, Proxy};

use crate::coalesce::CoalesceConnector;
use crate::neterr;
use crate::origin::Origin;
use crate::retry::{self, Failure, Retry};
use crate::tcp::TcpConnector;

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
    /// The Retry-After header as sent (RFC 9110 §10.2.3; RFC 8555 §6.6,
    /// §7.4, §8.2), parsed by retry.rs.
    pub retry_after: Option<String>,
    /// Every Link header's value (RFC 8288), in order: a certificate's
    /// alternate chains (RFC 8555 §7.4.2, link.rs).
    pub links: Vec<String>,
    pub body: Vec<u8>,
}

/// Sends requests; the ACME logic is written against this so it can be
/// tested without a network.
pub trait Transport {
    /// Send `req`; errors name the URL and the cause, and say whether the
    /// request is worth repeating (retry.rs).
    fn send(&self, req: &Request<'_>) -> Result<Reply, Failure>;
}

/// How the transport reaches the server.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// PEM trust anchors replacing the built-in roots.
    pub ca_pem: Option<&'a [u8]>,
    /// Timeout of each request, milliseconds.
    pub timeout_ms: u32,
    /// Largest response body, bytes.
    pub max_body: u32,
    /// An HTTP CONNECT proxy, `http://host:port`.
    pub proxy: Option<&'a str>,
}

/// The real transport.
pub struct Http {
    agent: Agent,
    timeout_ms: u32,
    max_body: u32,
    /// `host port N` of the ACME server, for messages.
    server: String,
    /// The proxy, for messages.
    proxy: Option<Origin>,
}

impl Http {
    /// An agent for `origin` only.
    ///
    /// Trust anchors: when `ca_pem` is given, its certificates are the
    /// *only* trust anchors (ureq cannot add them to the built-in set: its
    /// webpki roots are not certificates); without it, the Mozilla roots of
    /// `webpki-roots` are used. Redirects are not followed and plain http is
    /// refused. With a proxy, every connection goes to it and asks for a
    /// tunnel (`CONNECT host:port`, ureq's `ConnectProxyConnector`) in which
    /// TLS runs with the server, checked against the server's name.
    pub fn new(origin: &Origin, opts: &Options<'_>, resolve: ResolveFn) -> Result<Http, String> {
        let roots = match opts.ca_pem {
            Some(pem) => RootCerts::Specific(Arc::new(parse_certs(pem)?)),
            None => RootCerts::WebPki,
        };
        let proxy = opts.proxy.map(parse_proxy).transpose()?;
        let tls = TlsConfig::builder().root_certs(roots).build();
        let ureq_proxy = match &proxy {
            Some(p) => {
                let url = format!("http://{}:{}", p.host(), p.port());
                Some(Proxy::new(&url).map_err(|e| format!("proxy {url}: {e}"))?)
            }
            None => None,
        };
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .https_only(true)
            .max_redirects(0)
            .proxy(ureq_proxy)
            .timeout_global(Some(Duration::from_millis(opts.timeout_ms.into())))
            .user_agent(USER_AGENT)
            .tls_config(tls)
            .build();
        // With a proxy, ureq runs this chain twice: once for the proxy
        // (plain TCP), and the CONNECT connector hands the tunnel to the
        // rest. Coalescing under TLS sends each request as one write (see
        // coalesce).
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector)
                .chain(CoalesceConnector)
                .chain(RustlsConnector::default());
        let resolver = ImportResolver {
            origin: origin.clone(),
            proxy: proxy.clone(),
            resolve,
        };
        Ok(Http {
            agent: Agent::with_parts(config, connector, resolver),
            timeout_ms: opts.timeout_ms,
            max_body: opts.max_body,
            server: format!("{} port {}", origin.host(), origin.port()),
            proxy,
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

    /// `err` in words, naming the server (and proxy) it concerns, and
    /// whether it may pass (retry.rs): a timeout, or a connection refused,
    /// reset or aborted.
    fn describe(&self, err: ureq::Error) -> (String, Retry) {
        let retry = match &err {
            ureq::Error::Timeout(_) => Retry::Transient,
            ureq::Error::Io(e) => retry::of_io(e.kind()),
            _ => Retry::Never,
        };
        (self.words(err), retry)
    }

    /// `err` in words, naming the server (and proxy) it concerns.
    fn words(&self, err: ureq::Error) -> String {
        let tls = |e: &rustls::Error| neterr::tls(e, &self.server);
        match err {
            ureq::Error::Timeout(_) => format!(
                "timed out after {} ms (the limit of one request), talking to {}",
                self.timeout_ms,
                self.via()
            ),
            ureq::Error::BodyExceedsLimit(_) => self.too_large(),
            ureq::Error::Rustls(e) => tls(&e),
            ureq::Error::Io(e) => match e.get_ref().and_then(|i| i.downcast_ref()) {
                Some(rustls) => tls(rustls),
                None => neterr::words(&e),
            },
            ureq::Error::ConnectProxyFailed(reason) => format!(
                "the proxy {} refused the tunnel to {}: {}",
                self.proxy_name(),
                self.server,
                proxy_reason(&reason)
            ),
            ureq::Error::HostNotFound => format!("no address for {}", self.server),
            other => other.to_string(),
        }
    }

    /// `localhost port 14000`, or `... through the proxy P port N`.
    fn via(&self) -> String {
        match &self.proxy {
            Some(_) => format!("{} through the proxy {}", self.server, self.proxy_name()),
            None => self.server.clone(),
        }
    }

    fn proxy_name(&self) -> String {
        match &self.proxy {
            Some(p) => format!("{} port {}", p.host(), p.port()),
            None => "(none)".into(),
        }
    }

    fn too_large(&self) -> String {
        format!("response body exceeds the limit of {} bytes", self.max_body)
    }
}

impl Transport for Http {
    fn send(&self, req: &Request<'_>) -> Result<Reply, Failure> {
        let fail = |(cause, retry): (String, Retry)| {
            let method = format!("{:?}", req.method).to_uppercase();
            Failure::new(format!("{method} {}: {cause}", req.url), retry)
        };
        let never = |cause: String| fail((cause, Retry::Never));
        let mut resp = self.call(req).map_err(|e| fail(self.describe(e)))?;
        let header = |name: &str| {
            let value = resp.headers().get(name)?;
            value.to_str().ok().map(str::to_string)
        };
        let mut reply = Reply {
            status: resp.status().as_u16(),
            location: header("location"),
            nonce: header("replay-nonce"),
            retry_after: header("retry-after"),
            links: (resp.headers().get_all("link").iter())
                .filter_map(|v| v.to_str().ok().map(str::to_string))
                .collect(),
            body: Vec::new(),
        };
        if (300..400).contains(&reply.status) {
            return Err(never(redirect(reply.status, reply.location.as_deref())));
        }
        if req.method != Method::Head {
            // ureq's limit refuses a body of exactly `limit` bytes: allow one more.
            let limit = u64::from(self.max_body) + 1;
            let body = resp.body_mut().with_config().limit(limit).read_to_vec();
            reply.body = body.map_err(|e| fail(self.describe(e)))?;
            if reply.body.len() as u64 > u64::from(self.max_body) {
                return Err(never(self.too_large()));
            }
        }
        Ok(reply)
    }
}

/// The refusal of a 3xx answer: ACME has no redirects, and following one
/// could only lead off the directory's origin or in circles.
fn redirect(status: u16, location: Option<&str>) -> String {
    let to = match location {
        Some(l) => {
            let shown: String = crate::types::clean(l).chars().take(200).collect();
            format!(" to {shown}")
        }
        None => String::new(),
    };
    format!("the server answered {status}, a redirect{to}; redirects are not followed")
}

/// ureq's "proxy server responded 403/403" as "it answered 403 Forbidden".
fn proxy_reason(reason: &str) -> String {
    let cleaned = crate::types::clean(reason);
    let status = (cleaned.strip_prefix("proxy server responded "))
        .and_then(|rest| rest.split('/').next())
        .and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(code) => {
            let name = ureq::http::StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .map(|r| format!(" {r}"))
                .unwrap_or_default();
            format!("it answered {code}{name}")
        }
        None => cleaned,
    }
}

/// The proxy URL the host passes: `http://host:port`, no more.
fn parse_proxy(url: &str) -> Result<Origin, String> {
    let bad = || format!("proxy {url:?} is not http://host:port");
    let rest = url
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])
        .ok_or_else(bad)?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return Err(bad());
    }
    // Parse the authority as an https origin would be: same host and port rules.
    let origin = Origin::parse(&format!("https://{authority}")).map_err(|_| bad())?;
    if !authority.contains(':') || authority.ends_with(']') {
        return Err(bad()); // The host always gives the port.
    }
    Ok(origin)
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

/// Resolves through the imported `resolver`, and only the directory's host
/// (and the proxy's, when there is one).
///
/// IP literals go through the import too: the host decides which addresses
/// may be connected to. The name passed is the directory URL's (or proxy
/// URL's) host, lowercased, IPv6 literals in brackets (as
/// `url::Url::host_str` gives it); the port is that URL's. With a proxy,
/// ureq asks only for the proxy: the proxy resolves the server's name.
#[derive(Debug)]
struct ImportResolver {
    origin: Origin,
    proxy: Option<Origin>,
    resolve: ResolveFn,
}

impl ImportResolver {
    /// The granted endpoint `uri` names: the directory's origin (https) or
    /// the proxy (http).
    fn endpoint(&self, uri: &Uri) -> Option<&Origin> {
        let host = uri.host().unwrap_or("");
        let (wanted, default) = match uri.scheme_str() {
            Some("http") => (self.proxy.as_ref()?, 80),
            _ => (&self.origin, 443),
        };
        let port = uri.port_u16().unwrap_or(default);
        (wanted.same_host(host) && port == wanted.port()).then_some(wanted)
    }
}

impl Resolver for ImportResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(endpoint) = self.endpoint(uri) else {
            let msg = format!("{uri} is not on the directory's origin {}", self.origin);
            return Err(ureq::Error::Io(io::Error::other(msg)));
        };
        let port = endpoint.port();
        let name = endpoint.host();
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
        ImportResolver {
            origin,
            proxy: None,
            resolve,
        }
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

#[cfg(test)]
#[path = "http_tests.rs"]
mod transport_tests;
