//! The responder's socket check: what wasi:sockets may do with a grant of
//! listen addresses (`--http-listen`). The check wasmtime-wasi makes for
//! every TCP use (`WasiCtxBuilder::socket_addr_check`) admits
//!
//! - a bind to exactly one of the granted addresses (IP and port);
//! - listening on a socket bound to one of them (wasmtime-wasi checks the
//!   socket's local address again when it listens, and the wildcard address
//!   when it would bind implicitly, which is refused);
//! - accepting a connection from any client: the CA validates from
//!   addresses nobody can list in advance;
//!
//! and nothing else: no connect (so not the implicit wildcard bind before
//! one either), no other address or port, no UDP (the responder's linker
//! has no UDP at all; its context refuses it too).

use std::net::SocketAddr;
use wasmtime_wasi::sockets::SocketAddrUse;

/// Whether `addr` is admitted for `usage` under a grant to listen on
/// `granted` (see the module documentation).
pub fn admits(granted: &[SocketAddr], addr: SocketAddr, usage: SocketAddrUse) -> bool {
    match usage {
        SocketAddrUse::TcpBind | SocketAddrUse::TcpListen => granted.contains(&addr),
        SocketAddrUse::TcpAccept => true,
        _ => false,
    }
}

/// [`admits`] as a closure for `WasiCtxBuilder::socket_addr_check`.
pub fn check(granted: &[SocketAddr]) -> impl Fn(SocketAddr, SocketAddrUse) -> bool + Send + Sync {
    let granted = granted.to_vec();
    move |addr, usage| admits(&granted, addr, usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn only_the_granted_addresses_bind_and_listen() {
        let granted = [addr("127.0.0.1:5002"), addr("[::1]:5002")];
        for usage in [SocketAddrUse::TcpBind, SocketAddrUse::TcpListen] {
            assert!(admits(&granted, addr("127.0.0.1:5002"), usage));
            assert!(admits(&granted, addr("[::1]:5002"), usage));
            for other in [
                "127.0.0.1:5003",
                "127.0.0.2:5002",
                "0.0.0.0:5002",
                "0.0.0.0:0",
                "[::]:0",
                "[::1]:80",
            ] {
                assert!(!admits(&granted, addr(other), usage), "{other}");
            }
        }
    }

    #[test]
    fn nothing_connects_and_anyone_is_accepted() {
        let granted = [addr("127.0.0.1:5002")];
        for to in ["127.0.0.1:5002", "127.0.0.1:443", "10.0.0.1:80"] {
            assert!(!admits(&granted, addr(to), SocketAddrUse::TcpConnect));
            assert!(!admits(&granted, addr(to), SocketAddrUse::UdpBind));
            assert!(!admits(&granted, addr(to), SocketAddrUse::UdpSend));
            assert!(!admits(&granted, addr(to), SocketAddrUse::UdpReceive));
        }
        assert!(admits(
            &granted,
            addr("203.0.113.9:41234"),
            SocketAddrUse::TcpAccept
        ));
    }

    #[test]
    fn no_grant_binds_nothing() {
        assert!(!admits(&[], addr("127.0.0.1:5002"), SocketAddrUse::TcpBind));
        assert!(!admits(&[], addr("0.0.0.0:0"), SocketAddrUse::TcpBind));
    }
}
