//! The sockets: a listener on each granted address and the connections they
//! accept, served by one wasi:io `poll` loop that returns to the host when
//! its time budget is spent (wit/responder.wit `serve`). What is sent on a
//! connection is decided by http.rs; this module only moves bytes, and
//! bounds how many connections there are and how long each may take.

use crate::bindings::acmebox::stages::key_authorizations::key_authorization;
use crate::bindings::wasi::clocks::monotonic_clock::{self, Instant};
use crate::bindings::wasi::io::poll::{poll, Pollable};
use crate::bindings::wasi::io::streams::{InputStream, OutputStream};
use crate::bindings::wasi::sockets::instance_network::instance_network;
use crate::bindings::wasi::sockets::network::{
    ErrorCode, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress, Network,
};
use crate::bindings::wasi::sockets::tcp::{ShutdownType, TcpSocket};
use crate::bindings::wasi::sockets::tcp_create_socket::create_tcp_socket;
use crate::http::{self, Answer, MAX_HEAD};
use std::net::{IpAddr, SocketAddr};

/// Connections served at once. More wait in the listeners' backlogs (the
/// listeners are not polled while this many are open) until one closes.
pub const MAX_CONNECTIONS: usize = 32;

/// How long one connection may stay open, from its accept to its close
/// (request, answer and the closing read together), nanoseconds: 10 s.
pub const CONNECTION_NS: u64 = 10_000_000_000;

/// The most bytes asked of a socket in one read.
const READ_CHUNK: u64 = 4096;

/// The listeners and the connections under way, kept between `serve` calls.
pub struct Server {
    listeners: Vec<TcpSocket>,
    connections: Vec<Connection>,
}

/// An accepted connection. The streams come before the socket: fields are
/// dropped in order, and a socket dropped before its streams traps.
struct Connection {
    input: InputStream,
    output: OutputStream,
    socket: TcpSocket,
    /// When it is closed, whatever its state (accept + [`CONNECTION_NS`]).
    until: Instant,
    state: State,
}

/// Where a connection is.
enum State {
    /// Reading the request head: every byte read so far (at most
    /// [`MAX_HEAD`]).
    Reading(Vec<u8>),
    /// Writing the answer: its bytes, and how many are written.
    Writing { bytes: Vec<u8>, written: usize },
    /// Written; waiting for the flush to finish.
    Flushing,
    /// Flushed and our side shut down: reading (and dropping) what the
    /// client still sends until it closes, so that closing on unread bytes
    /// does not reset the connection before the client has read the answer.
    Closing,
}

/// What became ready in one `poll`.
#[derive(Clone, Copy)]
enum Event {
    /// A listener has a connection to accept.
    Accept(usize),
    /// A connection can go on.
    Connection(usize),
}

impl Server {
    /// Listen on every address of `addresses` (`ip:port`, `[ipv6]:port`),
    /// or on none: an error names the address and why.
    pub fn bind(addresses: &[String]) -> Result<Server, String> {
        let network = instance_network();
        let mut listeners = Vec::new();
        for text in addresses {
            let addr: SocketAddr = text
                .parse()
                .map_err(|_| format!("{text:?} is not an address and port"))?;
            let listener = listen(&network, addr)
                .map_err(|code| format!("cannot listen on {addr}: {}", why(code, addr)))?;
            listeners.push(listener);
        }
        Ok(Server {
            listeners,
            connections: Vec::new(),
        })
    }

    /// Serve for `budget_ms` milliseconds (see the module documentation).
    pub fn serve(&mut self, budget_ms: u32) {
        let end = monotonic_clock::now().saturating_add(u64::from(budget_ms) * 1_000_000);
        loop {
            let now = monotonic_clock::now();
            self.connections.retain(|c| c.until > now);
            if now >= end {
                return;
            }
            let mut keep = vec![true; self.connections.len()];
            for event in self.wait(end) {
                match event {
                    Event::Accept(i) => self.accept(i, now),
                    Event::Connection(i) => keep[i] = self.connections[i].go_on(),
                }
            }
            let mut keep = keep.into_iter().chain(std::iter::repeat(true));
            self.connections.retain(|_| keep.next().unwrap_or(true));
        }
    }

    /// Wait until a listener or connection is ready, the first connection
    /// runs out of time, or `end`.
    fn wait(&self, end: Instant) -> Vec<Event> {
        let mut pollables: Vec<Pollable> = Vec::new();
        let mut events = Vec::new();
        if self.connections.len() < MAX_CONNECTIONS {
            for (i, listener) in self.listeners.iter().enumerate() {
                pollables.push(listener.subscribe());
                events.push(Event::Accept(i));
            }
        }
        for (i, connection) in self.connections.iter().enumerate() {
            pollables.push(connection.subscribe());
            events.push(Event::Connection(i));
        }
        let wake = self
            .connections
            .iter()
            .map(|c| c.until)
            .fold(end, Instant::min);
        pollables.push(monotonic_clock::subscribe_instant(wake));
        let ready = poll(&pollables.iter().collect::<Vec<_>>());
        // The pollables are dropped here, before the sockets and streams
        // they belong to can be.
        ready
            .into_iter()
            .filter_map(|i| events.get(usize::try_from(i).ok()?).copied())
            .collect()
    }

    /// Accept what listener `i` has, up to [`MAX_CONNECTIONS`].
    fn accept(&mut self, i: usize, now: Instant) {
        while self.connections.len() < MAX_CONNECTIONS {
            let Ok((socket, input, output)) = self.listeners[i].accept() else {
                return;
            };
            self.connections.push(Connection {
                input,
                output,
                socket,
                until: now.saturating_add(CONNECTION_NS),
                state: State::Reading(Vec::new()),
            });
        }
    }
}

impl Connection {
    /// What to wait for: the input while reading, the output while writing.
    fn subscribe(&self) -> Pollable {
        match self.state {
            State::Reading(_) | State::Closing => self.input.subscribe(),
            State::Writing { .. } | State::Flushing => self.output.subscribe(),
        }
    }

    /// Take the connection as far as it can go now; false when it is done
    /// (answered and closed by the client, or failed).
    fn go_on(&mut self) -> bool {
        match &mut self.state {
            State::Reading(read) => {
                let room = MAX_HEAD.saturating_sub(read.len()) as u64;
                match self.input.read(room.min(READ_CHUNK)) {
                    Ok(bytes) => read.extend_from_slice(&bytes),
                    // Closed or failed before a whole head: nothing to answer.
                    Err(_) => return false,
                }
                match http::answer(read, key_authorization) {
                    Answer::More => true,
                    Answer::Send(bytes) => {
                        self.state = State::Writing { bytes, written: 0 };
                        self.write()
                    }
                }
            }
            State::Writing { .. } => self.write(),
            State::Flushing => match self.output.check_write() {
                // Still flushing.
                Ok(0) => true,
                Ok(_) => {
                    // Our side is done; a failed shutdown only means the
                    // client is gone already.
                    let _ = self.socket.shutdown(ShutdownType::Send);
                    self.state = State::Closing;
                    true
                }
                Err(_) => false,
            },
            State::Closing => self.input.read(READ_CHUNK).is_ok(),
        }
    }

    /// Write as much of the answer as the stream takes now; once all of it
    /// is written, flush.
    fn write(&mut self) -> bool {
        loop {
            let State::Writing { bytes, written } = &mut self.state else {
                return true;
            };
            let rest = &bytes[*written..];
            if rest.is_empty() {
                if self.output.flush().is_err() {
                    return false;
                }
                self.state = State::Flushing;
                return true;
            }
            let n = match self.output.check_write() {
                Ok(0) => return true,
                Ok(n) => rest.len().min(usize::try_from(n).unwrap_or(usize::MAX)),
                Err(_) => return false,
            };
            if self.output.write(&rest[..n]).is_err() {
                return false;
            }
            *written += n;
        }
    }
}

/// A listening socket on `addr`.
fn listen(network: &Network, addr: SocketAddr) -> Result<TcpSocket, ErrorCode> {
    let family = match addr {
        SocketAddr::V4(_) => IpAddressFamily::Ipv4,
        SocketAddr::V6(_) => IpAddressFamily::Ipv6,
    };
    let socket = create_tcp_socket(family)?;
    socket.start_bind(network, wasi_address(addr))?;
    finish(&socket, TcpSocket::finish_bind)?;
    socket.start_listen()?;
    finish(&socket, TcpSocket::finish_listen)?;
    Ok(socket)
}

/// Call `finish` (`finish-bind`, `finish-listen`) until it is no longer
/// `would-block`, waiting on the socket between tries.
fn finish(
    socket: &TcpSocket,
    finish: fn(&TcpSocket) -> Result<(), ErrorCode>,
) -> Result<(), ErrorCode> {
    let ready = socket.subscribe();
    loop {
        match finish(socket) {
            Err(ErrorCode::WouldBlock) => ready.block(),
            done => return done,
        }
    }
}

/// Why `addr` cannot be listened on, in words.
fn why(code: ErrorCode, addr: SocketAddr) -> String {
    match code {
        ErrorCode::AddressInUse => "the address is in use (another program listens there)".into(),
        ErrorCode::AccessDenied if addr.port() < 1024 => "permission denied (a port below 1024 \
             needs root or CAP_NET_BIND_SERVICE)"
            .into(),
        ErrorCode::AccessDenied => "permission denied".into(),
        ErrorCode::AddressNotBindable => "no interface of this machine has that address".into(),
        ErrorCode::InvalidArgument => "not an address to listen on".into(),
        other => other.name().into(),
    }
}

/// `addr` as wasi:sockets writes it.
fn wasi_address(addr: SocketAddr) -> IpSocketAddress {
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
