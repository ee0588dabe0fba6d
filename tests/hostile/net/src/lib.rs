//! Attacks on the network, made straight through wasi:sockets (so every
//! refusal comes from the host's connect check) and through the host's
//! resolver import. Addresses are `ip:port` (`[v6]:port`). `read` blocks in
//! the host, like the clocks component's `sleep`, where the epoch deadline
//! cannot see. The TCP attacks are tcp.rs's, shared with the `listen`
//! component.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/net",
    path: ["../../../wit", "../wit"],
    generate_all,
});

mod tcp;

use acmebox::stages::resolver;
use std::net::SocketAddr;
use tcp::{fail, family, parse, wasi_addr};
use wasi::sockets::instance_network::instance_network;
use wasi::sockets::ip_name_lookup;
use wasi::sockets::network::{ErrorCode, IpAddress, IpAddressFamily, Network};
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
            // Send one datagram to `arg` from 0.0.0.0:0.
            "udp" => udp(&net, &arg),
            _ => tcp::attack(&kind, &arg).unwrap_or_else(|| Err(format!("unknown attack {kind}"))),
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

fn udp(net: &Network, arg: &str) -> Result<String, String> {
    let addr = parse(arg)?;
    let family = family(&addr);
    let sock = create_udp_socket(family).map_err(fail("create-udp-socket"))?;
    let any: SocketAddr = match family {
        IpAddressFamily::Ipv4 => "0.0.0.0:0",
        IpAddressFamily::Ipv6 => "[::]:0",
    }
    .parse()
    .map_err(|e| format!("{e}"))?;
    sock.start_bind(net, wasi_addr(any))
        .map_err(fail("start-bind"))?;
    let pollable = sock.subscribe();
    loop {
        match sock.finish_bind() {
            Ok(()) => break,
            Err(ErrorCode::WouldBlock) => pollable.block(),
            Err(code) => return Err(fail("finish-bind")(code)),
        }
    }
    let (_incoming, outgoing) = sock.stream(Some(wasi_addr(addr))).map_err(fail("stream"))?;
    outgoing.subscribe().block();
    outgoing.check_send().map_err(fail("check-send"))?;
    let datagram = OutgoingDatagram {
        data: b"leaked by a hostile stage".to_vec(),
        remote_address: None,
    };
    let sent = outgoing.send(&[datagram]).map_err(fail("send"))?;
    Ok(format!("sent {sent} datagram(s) to {addr}"))
}

export!(Component);
