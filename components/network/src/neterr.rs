//! Network errors in words: what happened (connection refused, reset, timed
//! out, denied by the grant, a TLS failure) and with which host and port.
//!
//! Errors from wasi:sockets reach Rust as `io::Error`s carrying a WASI error
//! number; printed as they are they read like the host's own ("Socket not
//! connected (os error 53)"), which they are not. Every network error of
//! this stage goes through here instead: the `io::ErrorKind` (which std
//! derives from the WASI code) becomes words, and a code without a kind is
//! named as a WASI error code, never as an "os error".

use std::fmt;
use std::io;
use std::net::SocketAddr;

use ureq::http::Uri;

/// Who a connection is with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Host name or IP literal as in the URL (IPv6 in brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Whether this is the HTTP proxy (its URL is `http://`: the ACME
    /// server is https only).
    pub proxy: bool,
}

impl Peer {
    /// The peer a URI names (ureq hands the proxy's URI when connecting to
    /// the proxy).
    pub fn of(uri: &Uri) -> Peer {
        let proxy = uri.scheme_str() == Some("http");
        let default = if proxy { 80 } else { 443 };
        Peer {
            host: uri.host().unwrap_or("?").to_string(),
            port: uri.port_u16().unwrap_or(default),
            proxy,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.proxy {
            write!(f, "the proxy ")?;
        }
        write!(f, "{} port {}", self.host, self.port)
    }
}

/// What an I/O error means, in words, without any error number of the
/// host's. `None` for kinds that say nothing network-specific.
fn kind_words(kind: io::ErrorKind) -> Option<&'static str> {
    use io::ErrorKind::*;
    Some(match kind {
        ConnectionRefused => "connection refused",
        ConnectionReset => "connection reset",
        ConnectionAborted => "connection aborted",
        TimedOut | WouldBlock => "timed out",
        // wasi:sockets `access-denied`: the host's connect check.
        PermissionDenied => "connection denied by the host (not in the network grant)",
        NotConnected => "not connected",
        BrokenPipe => "connection closed by the peer while sending",
        UnexpectedEof => "connection closed by the peer",
        HostUnreachable => "host unreachable",
        NetworkUnreachable => "network unreachable",
        NetworkDown => "network down",
        AddrNotAvailable => "address not available",
        AddrInUse => "address in use",
        _ => return None,
    })
}

/// `e` in words: its kind's, or for an error of ours its own message, or
/// the WASI error code it carries.
pub fn words(e: &io::Error) -> String {
    if e.raw_os_error().is_none() {
        if let Some(inner) = e.get_ref() {
            // An error made with a message (ours, ureq's, rustls's).
            return inner.to_string();
        }
    }
    match (kind_words(e.kind()), e.raw_os_error()) {
        (Some(w), _) => w.to_string(),
        (None, Some(code)) => format!("{} (WASI error code {code})", e.kind()),
        (None, None) => e.kind().to_string(),
    }
}

/// An `io::Error` of the same kind whose message is `words(e)` about `peer`,
/// e.g. "connection reset by localhost port 14000".
pub fn about(e: io::Error, peer: &Peer) -> io::Error {
    if e.raw_os_error().is_none() && e.get_ref().is_some() {
        return e; // Already worded.
    }
    let kind = e.kind();
    let what = words(&e);
    let message = match kind {
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => format!("{what} by {peer}"),
        _ => format!("{what} ({peer})"),
    };
    io::Error::new(kind, message)
}

/// Every address of `peer` failed to connect: one error in words, e.g.
/// "connection refused by localhost port 9 (127.0.0.1)".
pub fn connect_failed(peer: &Peer, failures: &[(SocketAddr, io::Error)]) -> io::Error {
    let Some((_, first)) = failures.first() else {
        return io::Error::new(
            io::ErrorKind::NotFound,
            format!("no address to connect to for {peer}"),
        );
    };
    let kind = first.kind();
    let ips: Vec<String> = failures.iter().map(|(a, _)| a.ip().to_string()).collect();
    // The addresses tried, unless the peer is that one address already.
    let bare = peer.host.trim_matches(['[', ']']);
    let tried = if ips.len() == 1 && ips[0] == bare {
        String::new()
    } else {
        format!(" ({})", ips.join(", "))
    };
    let all_alike = failures.iter().all(|(_, e)| words(e) == words(first));
    let message = if all_alike {
        let what = words(first);
        match kind {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
                format!("{what} by {peer}{tried}")
            }
            _ => format!("cannot connect to {peer}{tried}: {what}"),
        }
    } else {
        let each: Vec<String> = (failures.iter())
            .map(|(a, e)| format!("{} {}", a.ip(), words(e)))
            .collect();
        format!("cannot connect to {peer}: {}", each.join("; "))
    };
    io::Error::new(kind, message)
}

/// A TLS failure with the ACME server `server` (`host port N`), in words.
/// An unknown issuer suggests `--ca-file`: the usual cause is a private CA.
pub fn tls(e: &rustls::Error, server: &str) -> String {
    use rustls::CertificateError as C;
    let about = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "its certificate is not signed by any of the trust anchors \
                 (UnknownIssuer); if the server uses a private CA, give that CA's certificate \
                 with --ca-file"
                .to_string(),
            C::NotValidForName => "its certificate is not valid for that name".to_string(),
            C::BadSignature => "its certificate's signature does not verify with the trust \
                 anchors (BadSignature); if the server uses a private CA, give that CA's \
                 certificate with --ca-file"
                .to_string(),
            C::NotValidForNameContext { presented, .. } => {
                let shown: Vec<String> = (presented.iter().take(5))
                    .map(|n| clean(presented_name(n)))
                    .collect();
                let more = if presented.len() > 5 { ", ..." } else { "" };
                format!(
                    "its certificate is not valid for that name (it names {}{more})",
                    shown.join(", ")
                )
            }
            C::Expired | C::ExpiredContext { .. } => "its certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "its certificate is not valid yet".to_string()
            }
            other => format!(
                "its certificate is not accepted: {}",
                clean(&format!("{other:?}"))
            ),
        },
        other => clean(&other.to_string()),
    };
    format!("TLS failure with {server}: {about}")
}

/// A name as webpki presents it, `DnsName("a.test")` or
/// `IpAddress(127.0.0.1)`, without the wrapper.
fn presented_name(name: &str) -> &str {
    let inner = ["DnsName(", "IpAddress("]
        .iter()
        .find_map(|p| name.strip_prefix(p)?.strip_suffix(')'));
    match inner {
        Some(inner) => inner.trim_matches('"'),
        None => name,
    }
}

/// `text` with control characters replaced (server-controlled names).
fn clean(text: &str) -> String {
    crate::types::clean(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Peer {
        Peer::of(&"https://localhost:9/dir".parse().unwrap())
    }

    #[test]
    fn refused_connects_name_the_peer_and_no_os_error() {
        let refused = io::Error::from_raw_os_error(111); // ECONNREFUSED on Linux
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let e = connect_failed(&peer(), &[(addr, refused)]);
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(
            e.to_string(),
            "connection refused by localhost port 9 (127.0.0.1)"
        );
    }

    #[test]
    fn an_ip_peer_is_not_repeated() {
        let proxy = Peer::of(&"http://127.0.0.1:3128".parse().unwrap());
        let addr: SocketAddr = "127.0.0.1:3128".parse().unwrap();
        let e = connect_failed(&proxy, &[(addr, io::ErrorKind::ConnectionRefused.into())]);
        assert_eq!(
            e.to_string(),
            "connection refused by the proxy 127.0.0.1 port 3128"
        );
    }

    #[test]
    fn mixed_failures_are_listed() {
        let a: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let b: SocketAddr = "[::1]:9".parse().unwrap();
        let e = connect_failed(
            &peer(),
            &[
                (a, io::ErrorKind::ConnectionRefused.into()),
                (b, io::ErrorKind::PermissionDenied.into()),
            ],
        );
        let text = e.to_string();
        assert!(text.starts_with("cannot connect to localhost port 9: 127.0.0.1 connection refused; ::1 connection denied"), "{text}");
    }

    #[test]
    fn errors_in_use_are_worded_with_the_peer() {
        let proxy = Peer::of(&"http://10.0.0.1:3128".parse().unwrap());
        assert_eq!(proxy.to_string(), "the proxy 10.0.0.1 port 3128");
        let reset = about(io::Error::from_raw_os_error(104), &proxy);
        assert_eq!(
            reset.to_string(),
            "connection reset by the proxy 10.0.0.1 port 3128"
        );
        let odd = about(io::ErrorKind::InvalidInput.into(), &peer());
        assert!(!odd.to_string().contains("os error"), "{odd}");
        let worded = io::Error::other("already said");
        assert_eq!(about(worded, &peer()).to_string(), "already said");
    }

    #[test]
    fn presented_names_lose_their_wrapper() {
        assert_eq!(presented_name("DnsName(\"a.test\")"), "a.test");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(presented_name("other"), "other");
    }

    #[test]
    fn unknown_issuer_suggests_ca_file() {
        let e = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let text = tls(&e, "localhost port 14000");
        assert!(
            text.starts_with("TLS failure with localhost port 14000: "),
            "{text}"
        );
        assert!(
            text.contains("UnknownIssuer") && text.contains("--ca-file"),
            "{text}"
        );
    }
}
