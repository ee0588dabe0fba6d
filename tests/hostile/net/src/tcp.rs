//! TCP attacks straight through wasi:sockets, shared by the `net` component
//! (with the resolver, UDP and name lookup: the network stage's interfaces)
//! and the `listen` component (TCP alone: the responder's), so that every
//! refusal seen is the host's socket check. Addresses are `ip:port`
//! (`[v6]:port`).

use crate::wasi::io::streams::{InputStream, OutputStream, StreamError};
use crate::wasi::sockets::instance_network::instance_network;
use crate::wasi::sockets::network::{
    ErrorCode, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress, Network,
};
use crate::wasi::sockets::tcp::TcpSocket;
use crate::wasi::sockets::tcp_create_socket::create_tcp_socket;
use std::net::{IpAddr, SocketAddr};

/// Run the TCP attack `kind` on `arg`; `None` when `kind` is not one.
///
/// - `connect`: connect to `arg`;
/// - `read`: connect, then wait in one host call for the first bytes the
///   server sends (from a server that sends nothing: forever);
/// - `bind`: bind `arg`;
/// - `listen`: with no address, listen without binding first (the host
///   then binds the wildcard address itself); with one, bind it first;
/// - `serve-one`: bind and listen on `arg`, accept one connection, send it
///   "hello" and close it.
pub fn attack(kind: &str, arg: &str) -> Option<Result<String, String>> {
    let net = instance_network();
    Some(match kind {
        "connect" => parse(arg).and_then(|addr| {
            // Named, so dropped in reverse order: streams first.
            let (_sock, _input, _output) = connect(&net, addr)?;
            Ok(format!("connected to {addr}"))
        }),
        "read" => parse(arg).and_then(|addr| {
            let (_sock, input, _output) = connect(&net, addr)?;
            match input.blocking_read(64) {
                Ok(bytes) => Ok(format!("read {:?}", String::from_utf8_lossy(&bytes))),
                Err(StreamError::Closed) => Err("read: closed".into()),
                Err(StreamError::LastOperationFailed(e)) => {
                    Err(format!("read: {}", e.to_debug_string()))
                }
            }
        }),
        "bind" => parse(arg).and_then(|addr| {
            let sock = tcp(&addr)?;
            bind(&sock, &net, addr)?;
            Ok(format!("bound to {}", local(&sock)))
        }),
        "listen" => listen(&net, arg).map(|sock| format!("listening on {}", local(&sock))),
        "serve-one" => listen(&net, arg).and_then(|sock| serve_one(&sock)),
        _ => return None,
    })
}

/// A listening socket: on `arg` (bound first), or with no address on
/// whatever the host binds.
fn listen(net: &Network, arg: &str) -> Result<TcpSocket, String> {
    let sock = if arg.is_empty() {
        create_tcp_socket(IpAddressFamily::Ipv4).map_err(fail("create-tcp-socket"))?
    } else {
        let addr = parse(arg)?;
        let sock = tcp(&addr)?;
        bind(&sock, net, addr)?;
        sock
    };
    sock.start_listen().map_err(fail("start-listen"))?;
    let pollable = sock.subscribe();
    loop {
        match sock.finish_listen() {
            Ok(()) => break,
            Err(ErrorCode::WouldBlock) => pollable.block(),
            Err(code) => return Err(fail("finish-listen")(code)),
        }
    }
    drop(pollable);
    Ok(sock)
}

/// Accept one connection on `sock`, send it "hello", close it.
fn serve_one(sock: &TcpSocket) -> Result<String, String> {
    let pollable = sock.subscribe();
    let (client, input, output) = loop {
        match sock.accept() {
            Ok(accepted) => break accepted,
            Err(ErrorCode::WouldBlock) => pollable.block(),
            Err(code) => return Err(fail("accept")(code)),
        }
    };
    output
        .blocking_write_and_flush(b"hello")
        .map_err(|e| match e {
            StreamError::Closed => "write: closed".to_string(),
            StreamError::LastOperationFailed(e) => format!("write: {}", e.to_debug_string()),
        })?;
    let peer = match client.remote_address() {
        Ok(IpSocketAddress::Ipv4(a)) => {
            let (w, x, y, z) = a.address;
            format!("{w}.{x}.{y}.{z}")
        }
        Ok(IpSocketAddress::Ipv6(a)) => format!("{:?}", a.address),
        Err(code) => format!("(remote-address: {})", code.name()),
    };
    drop((input, output));
    drop(client);
    Ok(format!("served {peer}"))
}

/// A connected socket and its streams. Bind them to names: a tuple dropped
/// whole drops the socket first, which traps while its streams live.
pub fn connect(
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

pub fn parse(arg: &str) -> Result<SocketAddr, String> {
    arg.parse().map_err(|e| format!("address {arg:?}: {e}"))
}

pub fn family(addr: &SocketAddr) -> IpAddressFamily {
    match addr {
        SocketAddr::V4(_) => IpAddressFamily::Ipv4,
        SocketAddr::V6(_) => IpAddressFamily::Ipv6,
    }
}

pub fn wasi_addr(addr: SocketAddr) -> IpSocketAddress {
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
pub fn fail(op: &'static str) -> impl Fn(ErrorCode) -> String {
    move |code| format!("{op}: {}", code.name())
}
