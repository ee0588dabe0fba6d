//! Names are granted, not lookups (docs/DESIGN.md rule 4): the network stage has no
//! WASI name lookup. It asks this resolver, which answers only for the granted
//! host names and remembers what it answered; the connect check then admits
//! exactly the addresses answered for the grant's one connect endpoint, on
//! its port: the ACME server's, or with a proxy the proxy's (and then never
//! the server's). The first answer for a name is kept for the whole run:
//! later requests neither ask the system resolver again nor see a different
//! address (no DNS rebinding mid-run).

use crate::grant::NetGrant;
use crate::proxy::Endpoint;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use wasmtime_wasi::sockets::SocketAddrUse;

/// The host's resolver for one network grant.
#[derive(Clone, Debug)]
pub struct Resolver {
    /// Names answered for.
    hosts: Vec<String>,
    /// Where connections may go.
    connect: Endpoint,
    /// What each granted name resolved to, by lowercase name.
    answered: Arc<Mutex<BTreeMap<String, Vec<IpAddr>>>>,
}

impl Resolver {
    /// A resolver that has answered nothing yet, so admits no connection.
    pub fn new(grant: &NetGrant) -> Resolver {
        Resolver {
            hosts: grant.hosts(),
            connect: grant.connect(),
            answered: Arc::default(),
        }
    }

    /// Addresses of `host` if it is granted; an error naming it otherwise.
    pub fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if !self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Err(format!("host {host:?} is not in the network grant"));
        }
        let key = host.to_ascii_lowercase();
        if let Some(addrs) = self.answered.lock().ok().and_then(|a| a.get(&key).cloned()) {
            return Ok(addrs);
        }
        let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => (host, 0)
                .to_socket_addrs()
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .map(|a| a.ip())
                .collect(),
        };
        if let Ok(mut answered) = self.answered.lock() {
            answered.insert(key, addrs.clone());
        }
        Ok(addrs)
    }

    /// Whether `addr` is admitted for `usage`: a TCP connect to an address
    /// answered for the connect endpoint's host, on its port, or the
    /// implicit wildcard bind that precedes it. Nothing else (no listen, no
    /// explicit bind, no UDP, no address answered for another granted name).
    pub fn admits(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        match usage {
            SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
            SocketAddrUse::TcpConnect => {
                let key = self.connect.host.to_ascii_lowercase();
                addr.port() == self.connect.port
                    && self
                        .answered
                        .lock()
                        .map(|a| a.get(&key).is_some_and(|ips| ips.contains(&addr.ip())))
                        .unwrap_or(false)
            }
            _ => false,
        }
    }

    /// [`Resolver::admits`] as a closure for `WasiCtxBuilder::socket_addr_check`.
    pub fn connect_check(&self) -> impl Fn(SocketAddr, SocketAddrUse) -> bool + Send + Sync {
        let me = self.clone();
        move |addr, usage| me.admits(addr, usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::{Proxy, ProxyChoice};
    use crate::trust::Trust;
    use std::time::Duration;

    fn grant(host: &str, port: u16, proxy: Option<(&str, u16)>) -> NetGrant {
        NetGrant {
            server: Endpoint {
                host: host.into(),
                port,
            },
            proxy: match proxy {
                Some((host, port)) => ProxyChoice::Through(Proxy {
                    host: host.into(),
                    port,
                    from: "--proxy",
                }),
                None => ProxyChoice::Direct,
            },
            trust: Trust::BuiltIn,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1 << 20,
        }
    }

    fn resolver() -> Resolver {
        Resolver::new(&grant("localhost", 14000, None))
    }

    #[test]
    fn ungranted_names_get_no_answer() {
        let r = resolver();
        assert!(r.resolve("example.com").is_err());
        assert!(r.resolve("127.0.0.1").is_err());
    }

    #[test]
    fn only_answered_addresses_on_the_granted_port_connect() {
        let r = resolver();
        let addr: SocketAddr = "127.0.0.1:14000".parse().unwrap();
        assert!(
            !r.admits(addr, SocketAddrUse::TcpConnect),
            "before any answer"
        );
        let ips = r.resolve("localhost").unwrap();
        let answered = SocketAddr::new(ips[0], 14000);
        assert!(r.admits(answered, SocketAddrUse::TcpConnect));
        assert!(!r.admits(SocketAddr::new(ips[0], 14001), SocketAddrUse::TcpConnect));
        assert!(!r.admits("10.0.0.1:14000".parse().unwrap(), SocketAddrUse::TcpConnect));
        assert!(r.admits("0.0.0.0:0".parse().unwrap(), SocketAddrUse::TcpBind));
        assert!(!r.admits("0.0.0.0:8080".parse().unwrap(), SocketAddrUse::TcpBind));
        assert!(!r.admits(answered, SocketAddrUse::TcpListen));
    }

    #[test]
    fn with_a_proxy_only_the_proxy_connects() {
        // Server and proxy on the same loopback address, different ports:
        // only the proxy's port is admitted, even for the server's answer.
        let r = Resolver::new(&grant("localhost", 14000, Some(("127.0.0.1", 3128))));
        let server = r
            .resolve("localhost")
            .expect("the server's name is answered");
        let proxy = r
            .resolve("127.0.0.1")
            .expect("the proxy's name is answered");
        assert!(r.resolve("example.com").is_err());
        assert!(r.admits(SocketAddr::new(proxy[0], 3128), SocketAddrUse::TcpConnect));
        for ip in server.iter().chain(&proxy) {
            let direct = SocketAddr::new(*ip, 14000);
            assert!(!r.admits(direct, SocketAddrUse::TcpConnect), "{direct}");
        }
    }

    #[test]
    fn with_a_proxy_the_servers_answers_do_not_connect_on_the_proxy_port() {
        let r = Resolver::new(&grant("127.0.0.2", 443, Some(("127.0.0.1", 3128))));
        r.resolve("127.0.0.2").expect("server answered");
        let to_server = "127.0.0.2:3128".parse().unwrap();
        assert!(!r.admits(to_server, SocketAddrUse::TcpConnect));
        assert!(
            !r.admits("127.0.0.1:3128".parse().unwrap(), SocketAddrUse::TcpConnect),
            "before the proxy's name is answered"
        );
    }
}
