//! The network rows of the matrix: resolving names, connecting to hosts and
//! ports, binding, listening and UDP outside the network grant.

use crate::support::*;
use acmebox::stage::Stage;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;
use testbed::Tripwire;

/// These rows are made only in the network stage: every other stage refuses
/// wasi:sockets at load, one row of its own (tests/escape.rs).
fn needs_network(stage: Stage) {
    assert!(
        expect(stage).network,
        "{stage} has no network grant: its sockets row is the load-time refusal"
    );
}

/// Names: the host resolver answers only the granted host; WASI's own
/// name lookup is off.
pub fn resolve_ungranted_names(stage: Stage) {
    let scene = Scene::with_server("127.0.0.1", 443);
    needs_network(stage);
    let mut a = scene.attacker(stage, Hostile::Net);
    let granted = a.attack("resolve", "127.0.0.1");
    assert_eq!(
        assert_allowed(stage, "resolving the granted host", granted),
        "127.0.0.1"
    );
    for (name, shown) in [
        ("example.com", "example.com"),
        ("localhost", "localhost"),
        ("127.0.0.2", "127.0.0.2"),
        ("[::1]", "::1"),
        ("127.0.0.1.nip.io", "127.0.0.1.nip.io"),
    ] {
        let answer = format!("host {shown:?} is not in the network grant");
        assert_host_refused(
            stage,
            &format!("resolve {name}"),
            a.attack("resolve", name),
            &answer,
        );
    }
    for name in ["localhost", "example.com", "127.0.0.1"] {
        let outcome = a.attack("lookup", name);
        let answer = "resolve-addresses: permanent-resolver-failure";
        assert_host_refused(stage, &format!("WASI lookup {name}"), outcome, answer);
    }
}

/// Connect to the granted host on another port (a listening tripwire,
/// which must see no connection); the granted port itself connects.
pub fn connect_to_ungranted_port(stage: Stage) {
    let granted = Tripwire::start().expect("tripwire");
    let other = Tripwire::start().expect("tripwire");
    let scene = Scene::with_server("127.0.0.1", granted.port());
    needs_network(stage);
    let mut a = scene.attacker(stage, Hostile::Net);
    let to_granted = format!("127.0.0.1:{}", granted.port());
    let to_other = format!("127.0.0.1:{}", other.port());
    // Before the resolver has answered, no address is admitted.
    let outcome = a.attack("connect", &to_granted);
    let denied = "finish-connect: access-denied";
    assert_host_refused(stage, "connect before resolving", outcome, denied);
    assert_allowed(stage, "resolving", a.attack("resolve", "127.0.0.1"));
    for port in [other.port(), 1, 80, 443, granted.port().wrapping_add(1)] {
        let outcome = a.attack("connect", &format!("127.0.0.1:{port}"));
        assert_host_refused(stage, &format!("connect to port {port}"), outcome, denied);
    }
    assert_allowed(
        stage,
        "connecting to the grant",
        a.attack("connect", &to_granted),
    );
    assert_eq!(other.connections(), 0, "no connection reached {to_other}");
    assert_eq!(
        granted.connections(),
        1,
        "exactly the control reached {to_granted}"
    );
}

/// Connect to another host on the granted port: 127.0.0.1 when the grant
/// names 127.0.0.2. A tripwire listens there and must see nothing.
pub fn connect_to_ungranted_host(stage: Stage) {
    let tripwire = Tripwire::start().expect("tripwire");
    let port = tripwire.port();
    let scene = Scene::with_server("127.0.0.2", port);
    needs_network(stage);
    let mut a = scene.attacker(stage, Hostile::Net);
    let granted = a.attack("resolve", "127.0.0.2");
    assert_eq!(
        assert_allowed(stage, "resolving the grant", granted),
        "127.0.0.2"
    );
    let outcome = a.attack("resolve", "127.0.0.1");
    let answer = "host \"127.0.0.1\" is not in the network grant";
    assert_host_refused(stage, "resolve 127.0.0.1", outcome, answer);
    for addr in [format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let outcome = a.attack("connect", &addr);
        let denied = "finish-connect: access-denied";
        assert_host_refused(stage, &format!("connect {addr}"), outcome, denied);
    }
    assert_eq!(
        tripwire.connections(),
        0,
        "no connection reached the tripwire"
    );
    // The tripwire does see a connection made outside the sandbox.
    drop(TcpStream::connect(("127.0.0.1", port)).expect("connecting outside"));
    assert_eq!(tripwire.connections(), 1, "the tripwire counts connections");
}

/// Bind an address or listen: only the implicit 0.0.0.0:0 bind before a
/// connect is admitted, and no listening at all.
pub fn bind_or_listen(stage: Stage) {
    let scene = Scene::new();
    needs_network(stage);
    let mut a = scene.attacker(stage, Hostile::Net);
    let free = testbed::unused_port().expect("a free port");
    let bind_denied = "start-bind: access-denied";
    for addr in [
        "127.0.0.1:0".to_string(),
        format!("0.0.0.0:{free}"),
        format!("127.0.0.1:{free}"),
    ] {
        assert_host_refused(
            stage,
            &format!("bind {addr}"),
            a.attack("bind", &addr),
            bind_denied,
        );
    }
    let outcome = a.attack("listen", &format!("127.0.0.1:{free}"));
    assert_host_refused(stage, "listen on 127.0.0.1", outcome, bind_denied);
    // The wildcard bind is admitted (it precedes every connect), but a
    // socket so bound still may not listen.
    let outcome = a.attack("listen", "0.0.0.0:0");
    assert_host_refused(
        stage,
        "listen on 0.0.0.0",
        outcome,
        "start-listen: access-denied",
    );
}

/// Send a UDP datagram (a DNS-style leak) to a local socket, which must
/// receive nothing.
pub fn send_udp(stage: Stage) {
    let scene = Scene::new();
    needs_network(stage);
    let receiver = UdpSocket::bind("127.0.0.1:0").expect("udp socket");
    let to = receiver.local_addr().expect("udp address").to_string();
    let mut a = scene.attacker(stage, Hostile::Net);
    let outcome = a.attack("udp", &to);
    assert_host_refused(stage, "udp", outcome, "create-udp-socket: access-denied");
    receiver
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout");
    let mut buf = [0u8; 64];
    assert!(receiver.recv(&mut buf).is_err(), "no datagram arrived");
}

/// The host's resolver imported alone (no wasi:sockets), in the one stage
/// that has it: it answers the granted host and nothing else. The control
/// for the other stages' load-time refusal of acmebox:stages/resolver.
pub fn resolver_alone_answers_only_the_grant(stage: Stage) {
    needs_network(stage);
    let scene = Scene::with_server("127.0.0.1", 443);
    let imported = imports(Hostile::Resolver);
    assert!(
        imported
            .iter()
            .any(|i| i.starts_with("acmebox:stages/resolver@"))
            && !imported.iter().any(|i| i.starts_with("wasi:sockets/")),
        "the resolver component imports the resolver and no sockets: {imported:?}"
    );
    let mut a = scene.attacker(stage, Hostile::Resolver);
    let granted = a.attack("resolve", "127.0.0.1");
    assert_eq!(
        assert_allowed(stage, "resolving the grant", granted),
        "127.0.0.1"
    );
    let outcome = a.attack("resolve", "example.com");
    let answer = "host \"example.com\" is not in the network grant";
    assert_host_refused(stage, "resolve example.com", outcome, answer);
}
