//! Names are granted, not lookups (docs/DESIGN.md rule 4): the network stage has no
//! WASI name lookup. It asks this resolver, which answers only for the granted
//! host names and remembers what it answered; the connect check then admits
//! exactly those addresses, on the granted port. The first answer for a name
//! is kept for the whole run: later requests neither ask the system resolver
//! again nor see a different address (no DNS rebinding mid-run).

use crate::grant::NetGrant;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use wasmtime_wasi::sockets::SocketAddrUse;

/// The host's resolver for one network grant.
#[derive(Clone, Debug)]
pub struct Resolver {
    grant: NetGrant,
    /// What each granted name resolved to, by lowercase name.
    answered: Arc<Mutex<BTreeMap<String, Vec<IpAddr>>>>,
}

impl Resolver {
    /// A resolver that has answered nothing yet, so admits no connection.
    pub fn new(grant: &NetGrant) -> Resolver {
        Resolver {
            grant: grant.clone(),
            answered: Arc::default(),
        }
    }

    /// Addresses of `host` if it is granted; an error naming it otherwise.
    pub fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if !self
            .grant
            .hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
        {
            return Err(format!("host {host:?} is not in the network grant"));
        }
        let key = host.to_ascii_lowercase();
        if let Some(addrs) = self.answered.lock().ok().and_then(|a| a.get(&key).cloned()) {
            return Ok(addrs);
        }
        let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => (host, self.grant.port)
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

    /// Whether `addr` is admitted for `usage`: a TCP connect to an answered
    /// address on the granted port, or the implicit wildcard bind that
    /// precedes it. Nothing else (no listen, no explicit bind, no UDP).
    pub fn admits(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        match usage {
            SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
            SocketAddrUse::TcpConnect => {
                addr.port() == self.grant.port
                    && self
                        .answered
                        .lock()
                        .map(|a| a.values().flatten().any(|ip| *ip == addr.ip()))
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

    fn resolver() -> Resolver {
        Resolver::new(&NetGrant {
            hosts: vec!["localhost".into()],
            port: 14000,
        })
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
}
