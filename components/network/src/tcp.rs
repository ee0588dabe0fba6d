//! TCP connections that say why they failed, naming the host and port.
//!
//! ureq's own `TcpConnector` connects with std's `TcpStream::connect_timeout`.
//! On wasm32-wasip2 that is wasi-libc's emulation over wasi:sockets, where a
//! refused connection (or one the host's connect check denies) leaves the
//! socket in a "connect failed" state that poll reports as writable: the
//! connect returns Ok and the first write fails with ENOTCONN, printed as
//! "Socket not connected (os error 53)" — neither the cause nor the server,
//! and a WASI error number dressed as the host's. [`TcpConnector`] asks the
//! socket for its pending error right after connecting (`SO_ERROR`, which
//! wasi-libc answers with the failed connect's WASI error code) and words
//! every failure ([`crate::neterr`]) with the host and port it was for.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
};
use ureq::Error;

use crate::neterr::{self, Peer};

/// Opens the TCP connection of a request: to the ACME server, or to the
/// proxy when the details are the proxy's (ureq's CONNECT connector runs the
/// chain again for it).
#[derive(Debug, Default)]
pub struct TcpConnector;

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, Error> {
        if let Some(transport) = chained {
            // A tunnel through the proxy is already open.
            return Ok(Some(Either::A(transport)));
        }
        let peer = Peer::of(details.uri);
        let mut failures = Vec::new();
        for addr in details.addrs.iter() {
            match connect(*addr, &details.timeout) {
                Ok(stream) => {
                    let config = details.config;
                    let buffers =
                        LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size());
                    return Ok(Some(Either::B(TcpTransport {
                        stream,
                        buffers,
                        peer,
                        read_timeout: None,
                        write_timeout: None,
                    })));
                }
                Err(e) => failures.push((*addr, e)),
            }
        }
        Err(Error::Io(neterr::connect_failed(&peer, &failures)))
    }
}

/// Connect to `addr` within `timeout`; the socket's own error when the
/// connect "succeeded" on a socket whose connect had failed.
fn connect(addr: SocketAddr, timeout: &NextTimeout) -> io::Result<TcpStream> {
    let stream = if timeout.after.is_not_happening() {
        TcpStream::connect(addr)?
    } else {
        let after = (*timeout.after).max(std::time::Duration::from_millis(1));
        TcpStream::connect_timeout(&addr, after)?
    };
    match stream.take_error()? {
        Some(e) => Err(e),
        None => Ok(stream),
    }
}

/// A connected TCP stream as a ureq transport (ureq's own is not public),
/// its errors worded with the peer.
pub struct TcpTransport {
    stream: TcpStream,
    buffers: LazyBuffers,
    peer: Peer,
    /// The timeouts last set on the socket, so each is set only on change.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl TcpTransport {
    /// Turn an I/O error into ureq's: a timeout as ureq's (the transport
    /// names the request's limit), anything else in words with the peer.
    fn fail(&self, e: io::Error, timeout: &NextTimeout) -> Error {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout(timeout.reason),
            _ => Error::Io(neterr::about(e, &self.peer)),
        }
    }
}

/// The socket timeout for `timeout`; `None` when there is none. A zero
/// remaining budget is a timeout already.
fn socket_timeout(timeout: &NextTimeout) -> Result<Option<Duration>, Error> {
    if timeout.after.is_not_happening() {
        return Ok(None);
    }
    if timeout.after.is_zero() {
        return Err(Error::Timeout(timeout.reason));
    }
    Ok(Some(*timeout.after))
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let timeout = timeout.for_write();
        let limit = socket_timeout(&timeout)?;
        if limit != self.write_timeout {
            let set = self.stream.set_write_timeout(limit);
            set.map_err(|e| self.fail(e, &timeout))?;
            self.write_timeout = limit;
        }
        let output = &self.buffers.output()[..amount];
        let written = (&self.stream).write_all(output);
        written.map_err(|e| self.fail(e, &timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        let timeout = timeout.for_read();
        let limit = socket_timeout(&timeout)?;
        if limit != self.read_timeout {
            let set = self.stream.set_read_timeout(limit);
            set.map_err(|e| self.fail(e, &timeout))?;
            self.read_timeout = limit;
        }
        let input = self.buffers.input_append_buf();
        let amount = loop {
            match (&self.stream).read(input) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let amount = amount.map_err(|e| self.fail(e, &timeout))?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        // Nothing may be waiting on an idle connection: a byte is garbage,
        // end of stream or an error means it is closed.
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut byte = [0];
        let open = matches!(
            (&self.stream).read(&mut byte),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock
        );
        open && self.stream.set_nonblocking(false).is_ok()
    }
}

impl fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpTransport")
            .field("peer", &self.peer)
            .finish()
    }
}
