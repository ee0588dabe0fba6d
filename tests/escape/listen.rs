//! The responder's rows of the matrix: its sockets outside the grant of
//! `--http-listen` (connecting anywhere, binding or listening on another
//! port or address) with serving on the grant as the control, and its key
//! authorizations (only those the run serves).

use crate::support::*;
use acmebox::stage::Stage;
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use testbed::Tripwire;

/// These rows are made only in the responder: every other stage refuses
/// its TCP-only component and its key authorizations at load (rows of
/// their own, tests/escape.rs), and the network stage has its own rows.
fn needs_listen(stage: Stage) {
    assert!(
        expect(stage).listen,
        "{stage} has no listen grant: its rows are the load-time refusals"
    );
}

/// A scene listening on a free port of 127.0.0.1, and that address.
fn listening() -> (Scene, String) {
    let port = testbed::unused_port().expect("a free port");
    let granted = format!("127.0.0.1:{port}");
    (Scene::listening(&[&granted]), granted)
}

/// Connect anywhere: to a listening tripwire, to the granted address, to
/// IPv6 loopback. Nothing is admitted, not even the wildcard bind that
/// precedes a connect; the tripwire sees no connection.
pub fn connect_out(stage: Stage) {
    needs_listen(stage);
    let tripwire = Tripwire::start().expect("tripwire");
    let (scene, granted) = listening();
    let mut a = scene.attacker(stage, Hostile::Listen);
    let denied = "finish-connect: access-denied";
    for to in [
        format!("127.0.0.1:{}", tripwire.port()),
        granted.clone(),
        format!("[::1]:{}", tripwire.port()),
    ] {
        let outcome = a.attack("connect", &to);
        assert_host_refused(stage, &format!("connect to {to}"), outcome, denied);
    }
    assert_eq!(
        tripwire.connections(),
        0,
        "no connection reached the tripwire"
    );
    drop(TcpStream::connect(("127.0.0.1", tripwire.port())).expect("connecting outside"));
    assert_eq!(tripwire.connections(), 1, "the tripwire counts connections");
}

/// Bind or listen anywhere but the granted address: another port on its
/// IP, its port on another IP or the wildcard, port 0, and listening
/// without binding (refused as WASI refuses it, the socket being unbound).
/// The granted address itself binds and listens (the control).
pub fn bind_or_listen_elsewhere(stage: Stage) {
    needs_listen(stage);
    let (scene, granted) = listening();
    let port = granted.rsplit(':').next().expect("a port");
    let other = testbed::unused_port().expect("another free port");
    let mut a = scene.attacker(stage, Hostile::Listen);
    let bind_denied = "start-bind: access-denied";
    for addr in [
        format!("127.0.0.1:{other}"),
        format!("127.0.0.2:{port}"),
        format!("0.0.0.0:{port}"),
        "0.0.0.0:0".to_string(),
        "127.0.0.1:0".to_string(),
    ] {
        let outcome = a.attack("bind", &addr);
        assert_host_refused(stage, &format!("bind {addr}"), outcome, bind_denied);
        let outcome = a.attack("listen", &addr);
        assert_host_refused(stage, &format!("listen on {addr}"), outcome, bind_denied);
    }
    // WASI listens only on a bound socket: no implicit bind to get round
    // the check.
    let outcome = a.attack("listen", "");
    let unbound = "start-listen: invalid-state";
    assert_host_refused(stage, "listen without a bind", outcome, unbound);
    let listened = a.attack("listen", &granted);
    assert_eq!(
        assert_allowed(stage, "listening on the grant", listened),
        format!("listening on {granted}")
    );
}

/// The control of the rows above: on the granted address the stage binds,
/// listens, and accepts a client (any client: the CA's address is not
/// known in advance), which reads what it sent.
pub fn serve_on_the_grant(stage: Stage) {
    needs_listen(stage);
    let (scene, granted) = listening();
    let mut a = scene.attacker(stage, Hostile::Listen);
    let to = granted.clone();
    let client = std::thread::spawn(move || {
        let give_up = Instant::now() + Duration::from_secs(3);
        loop {
            match TcpStream::connect(&to) {
                Ok(mut conn) => {
                    let mut got = String::new();
                    conn.read_to_string(&mut got).expect("reading the answer");
                    return got;
                }
                Err(e) if Instant::now() > give_up => panic!("{to} never listened: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    let served = a.attack("serve-one", &granted);
    assert_eq!(
        assert_allowed(stage, "serving one client", served),
        "served 127.0.0.1"
    );
    assert_eq!(client.join().expect("the client"), "hello");
}

/// The key authorizations: the stage gets the one of a token the run
/// serves, while it serves it, and nothing for any other string.
pub fn key_authorizations_only_of_the_run(stage: Stage) {
    needs_listen(stage);
    let (scene, _) = listening();
    let mut a = scene.attacker(stage, Hostile::KeyAuthorizations);
    let served = a
        .key_authorizations()
        .expect("the responder's sandbox has the run's key authorizations");
    let none = |token: &str| format!("no key authorization for {token:?}");
    let outcome = a.attack("key-authorization", "tok");
    assert_host_refused(stage, "before the run serves it", outcome, &none("tok"));
    assert!(served.insert("tok", "tok.thumbprint"));
    let got = a.attack("key-authorization", "tok");
    assert_eq!(
        assert_allowed(stage, "a token served", got),
        "tok.thumbprint"
    );
    for other in ["tok2", "", "../tok", "TOK", "tok.thumbprint"] {
        let outcome = a.attack("key-authorization", other);
        assert_host_refused(stage, &format!("token {other:?}"), outcome, &none(other));
    }
    served.remove("tok");
    let outcome = a.attack("key-authorization", "tok");
    assert_host_refused(stage, "once withdrawn", outcome, &none("tok"));
}
