//! Attacks on the network, made straight through wasi:sockets (so every
//! refusal comes from the host's connect check) and through the host's
//! resolver import. Addresses are `ip:port` (`[v6]:port`). `read` blocks in
//! the host, like the clocks component's `sleep`, where the epoch deadline
//! cannot see.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/net",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::resolver;
use std::net::{IpAddr, SocketAddr};
use wasi::io::streams::{InputStream, OutputStream, StreamError};
use wasi::sockets::instance_network::instance_network;
use wasi::sockets::ip_name_lookup;
use wasi::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress,
    Network,
};
use wasi::sockets::tcp::TcpSocket;
use wasi::sockets::tcp_create_socket::create_tcp_socket;
use wasi::sockets::udp::OutgoingDatagram;
use wasi::sockets::udp_create_socket::create_udp_socket;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        let net = instance_network();
        match kind.as_str() {
            // The host's resolver import, the one the network stage uses.
            "resolve" => resolver::resolve(&arg).map(|addrs| addrs.join(",")),
            // WASI's own name lookup, which the grant leaves switched off.
            "lookup" => lookup(&net, &arg),
            "connect" => {
                let addr = parse(&arg)?;
                // Named, so dropped in reverse order: streams first.
                let (_sock, _input, _output) = connect(&net, addr)?;
                Ok(format!("connected to {addr}"))
            }
            // Connect, then wait in one host call for the first bytes the
            // server sends: from a server that sends nothing, forever.
            "read" => {
                let addr = parse(&arg)?;
                let (_sock, input, _output) = connect(&net, addr)?;
                match input.blocking_read(64) {
                    Ok(bytes) => Ok(format!("read {:?}", String::from_utf8_lossy(&bytes))),
                    Err(StreamError::Closed) => Err("read: closed".into()),
                    Err(StreamError::LastOperationFailed(e)) => {
                        Err(format!("read: {}", e.to_debug_string()))
                    }
                }
            }
            "bind" => {
                let addr = parse(&arg)?;
                let sock = tcp(&addr)?;
                bind(&sock, &net, addr)?;
                Ok(format!("bound to {}", local(&sock)))
            }
            // `listen` with no address listens without binding first (the
            // host then binds 0.0.0.0:0 itself); with one, binds it first.
            "listen" => {
                let sock = if arg.is_empty() {
                    create_tcp_socket(IpAddressFamily::Ipv4).map_err(fail("create-tcp-socket"))?
                } else {
                    let addr = parse(&arg)?;
                    let sock = tcp(&addr)?;
                    bind(&sock, &net, addr)?;
                    sock
                };
                sock.start_listen().map_err(fail("start-listen"))?;
                let pollable = sock.subscribe();
                loop {
                    match sock.finish_listen() {
                        Ok(()) => return Ok(format!("listening on {}", local(&sock))),
                        Err(ErrorCode::WouldBlock) => pollable.block(),
                        Err(code) => return Err(fail("finish-listen")(code)),
                    }
                }
            }
            // Send one datagram to `arg` from 0.0.0.0:0.
            "udp" => {
                let addr = parse(&arg)?;
                let family = family(&addr);
                let sock = create_udp_socket(family).map_err(fail("create-udp-socket"))?;
                let any: SocketAddr = match family {
                    IpAddressFamily::Ipv4 => "0.0.0.0:0",
                    IpAddressFamily::Ipv6 => "[::]:0",
                }
                .parse()
                .map_err(|e| format!("{e}"))?;
                sock.start_bind(&net, wasi_addr(any))
                    .map_err(fail("start-bind"))?;
                let pollable = sock.subscribe();
                loop {
                    match sock.finish_bind() {
                        Ok(()) => break,
                        Err(ErrorCode::WouldBlock) => pollable.block(),
                        Err(code) => return Err(fail("finish-bind")(code)),
                    }
                }
                let (_incoming, outgoing) =
                    sock.stream(Some(wasi_addr(addr))).map_err(fail("stream"))?;
                outgoing.subscribe().block();
                outgoing.check_send().map_err(fail("check-send"))?;
                let datagram = OutgoingDatagram {
                    data: b"leaked by a hostile stage".to_vec(),
                    remote_address: None,
                };
                let sent = outgoing.send(&[datagram]).map_err(fail("send"))?;
                Ok(format!("sent {sent} datagram(s) to {addr}"))
            }
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

fn lookup(net: &Network, name: &str) -> Result<String, String> {
    let stream = ip_name_lookup::resolve_addresses(net, name).map_err(fail("resolve-addresses"))?;
    let pollable = stream.subscribe();
    let mut found = Vec::new();
    loop {
        match stream.resolve_next_address() {
            Ok(Some(IpAddress::Ipv4((a, b, c, d)))) => found.push(format!("{a}.{b}.{c}.{d}")),
            Ok(Some(IpAddress::Ipv6(v6))) => found.push(format!("{v6:?}")),
            Ok(None) => return Ok(found.join(",")),
            Err(ErrorCode::WouldBlock) => pollable.block(),
            Err(code) => return Err(fail("resolve-next-address")(code)),
        }
    }
}

/// A connected socket and its streams. Bind them to names: a tuple dropped
/// whole drops the socket first, which traps while its streams live.
fn connect(
    net: &Network,
    addr: SocketAddr,
) -> Result<(TcpSocket, InputStream, OutputStream), String> {
    let sock = tcp(&addr)?;
    sock.start_connect(net, wasi_addr(addr))
        .map_err(fail("start-connect"))?;
    let pollable = sock.subscribe();
    loop {
        match sock.finish_connect() {
            Ok((input, output)) => {
                drop(pollable);
                return Ok((sock, input, output));
            }
            Err(ErrorCode::WouldBlock) => pollable.block(),
            Err(code) => return Err(fail("finish-connect")(code)),
        }
    }
}

fn tcp(addr: &SocketAddr) -> Result<TcpSocket, String> {
    create_tcp_socket(family(addr)).map_err(fail("create-tcp-socket"))
}

fn bind(sock: &TcpSocket, net: &Network, addr: SocketAddr) -> Result<(), String> {
    sock.start_bind(net, wasi_addr(addr))
        .map_err(fail("start-bind"))?;
    let pollable = sock.subscribe();
    loop {
        match sock.finish_bind() {
            Ok(()) => return Ok(()),
            Err(ErrorCode::WouldBlock) => pollable.block(),
            Err(code) => return Err(fail("finish-bind")(code)),
        }
    }
}

fn local(sock: &TcpSocket) -> String {
    match sock.local_address() {
        Ok(IpSocketAddress::Ipv4(a)) => {
            let (w, x, y, z) = a.address;
            format!("{w}.{x}.{y}.{z}:{}", a.port)
        }
        Ok(IpSocketAddress::Ipv6(a)) => format!("[{:?}]:{}", a.address, a.port),
        Err(code) => format!("(local-address: {})", code.name()),
    }
}

fn parse(arg: &str) -> Result<SocketAddr, String> {
    arg.parse().map_err(|e| format!("address {arg:?}: {e}"))
}

fn family(addr: &SocketAddr) -> IpAddressFamily {
    match addr {
        SocketAddr::V4(_) => IpAddressFamily::Ipv4,
        SocketAddr::V6(_) => IpAddressFamily::Ipv6,
    }
}

fn wasi_addr(addr: SocketAddr) -> IpSocketAddress {
    match addr.ip() {
        IpAddr::V4(ip) => {
            let [a, b, c, d] = ip.octets();
            IpSocketAddress::Ipv4(Ipv4SocketAddress {
                port: addr.port(),
                address: (a, b, c, d),
            })
        }
        IpAddr::V6(ip) => {
            let [a, b, c, d, e, f, g, h] = ip.segments();
            IpSocketAddress::Ipv6(Ipv6SocketAddress {
                port: addr.port(),
                flow_info: 0,
                address: (a, b, c, d, e, f, g, h),
                scope_id: 0,
            })
        }
    }
}

/// The host's answer to `op`, e.g. "finish-connect: access-denied".
fn fail(op: &'static str) -> impl Fn(ErrorCode) -> String {
    move |code| format!("{op}: {}", code.name())
}

export!(Component);
