//! Write coalescing under TLS: one TCP write per request.
//!
//! ureq hands the socket every piece of a request as soon as it has it:
//! rustls writes each TLS record on its own (the handshake's last flight is
//! a ChangeCipherSpec and a Finished record, then the request follows), and
//! ureq writes a request's headers and its body separately. Two small writes
//! in a row meet Nagle's algorithm: the second waits for the ACK of the
//! first, which the server delays by ~40 ms, on nearly every request. A
//! native client would set `TCP_NODELAY`; WASI 0.2 sockets have no such
//! option and wasmtime does not set it.
//!
//! [`CoalesceConnector`] goes between `TcpConnector` and `RustlsConnector`.
//! Its [`CoalescingTransport`] keeps what the layer above transmits in a
//! pending buffer and sends it, in as few writes as the TCP transport's
//! output buffer allows (one for anything ACME sends), only when the layer
//! above waits for input, when it has buffered a full output buffer's worth,
//! when the connection is probed for reuse, and when it is dropped. Nothing
//! can wait for the peer while bytes are pending: the only call that waits
//! is [`Transport::await_input`] (ureq's `maybe_await_input` calls it unless
//! buffered input is ready, and then does not wait), and it sends them first.
//!
//! A TLS 1.3 handshake still takes two writes when the server's flight
//! reaches us in more than one read: rustls queues its ChangeCipherSpec on
//! the ServerHello, and waiting for the rest of the flight sends it alone.
//! Servers that write their flight at once (Go's crypto/tls, so pebble; and
//! rustls) do not cause it.
//!
//! Buffers: the layer above gets the TCP transport's own buffers. Input
//! passes through untouched. Output is written at `0..amount` of the TCP
//! transport's output buffer and copied from there into the pending buffer
//! by `transmit_output`; sending copies it back, a buffer's worth at a time,
//! and hands that to the TCP transport's `transmit_output`. ureq always fills
//! the output buffer afresh before it transmits, so reusing it is safe.

use std::fmt;
use std::io;

use ureq::unversioned::transport::time::Duration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};
use ureq::{Error, Timeout};

/// How long sending pending bytes may take where ureq gives no deadline:
/// when a connection is probed for reuse and when it is dropped.
const LINGER: Duration = Duration::from_secs(1);

/// Wraps the chained transport in a [`CoalescingTransport`].
#[derive(Debug, Default)]
pub struct CoalesceConnector;

impl<In: Transport> Connector<In> for CoalesceConnector {
    type Out = CoalescingTransport<In>;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, Error> {
        Ok(chained.map(CoalescingTransport::new))
    }
}

/// A transport that holds back writes until the peer's answer is awaited.
pub struct CoalescingTransport<T: Transport> {
    inner: T,
    /// Transmitted by the layer above, not yet handed to `inner`.
    pending: Vec<u8>,
}

impl<T: Transport> CoalescingTransport<T> {
    /// Wrap `inner`, nothing pending.
    pub fn new(inner: T) -> Self {
        CoalescingTransport {
            inner,
            pending: Vec::new(),
        }
    }

    /// Hand every pending byte to `inner`, a full output buffer at a time.
    /// On failure the pending bytes are dropped: the connection is broken
    /// and ureq will not use it again.
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), Error> {
        let mut sent = 0;
        while sent < self.pending.len() {
            let output = self.inner.buffers().output();
            let n = output.len().min(self.pending.len() - sent);
            if n == 0 {
                self.pending.clear();
                return Err(io_error("the transport has no output buffer"));
            }
            output[..n].copy_from_slice(&self.pending[sent..sent + n]);
            if let Err(e) = self.inner.transmit_output(n, timeout) {
                self.pending.clear();
                return Err(e);
            }
            sent += n;
        }
        self.pending.clear();
        Ok(())
    }
}

fn io_error(msg: &str) -> Error {
    Error::Io(io::Error::new(io::ErrorKind::InvalidInput, msg))
}

/// A deadline for sending where ureq gives none.
fn linger() -> NextTimeout {
    NextTimeout {
        after: LINGER,
        reason: Timeout::PerWrite,
        per_read: None,
        per_write: None,
    }
}

impl<T: Transport> Transport for CoalescingTransport<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    /// Append `output[..amount]` to the pending bytes; send them once they
    /// fill an output buffer.
    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let output = self.inner.buffers().output();
        let capacity = output.len();
        let bytes = output
            .get(..amount)
            .ok_or_else(|| io_error("transmit beyond the output buffer"))?;
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= capacity {
            self.flush(timeout)?;
        }
        Ok(())
    }

    /// Send the pending bytes, then wait: the peer answers only once it has
    /// them.
    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        self.flush(timeout)?;
        self.inner.await_input(timeout)
    }

    /// Open only if the pending bytes could be sent.
    fn is_open(&mut self) -> bool {
        self.flush(linger()).is_ok() && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

impl<T: Transport> Drop for CoalescingTransport<T> {
    /// Best effort: send what is pending (e.g. a TLS alert queued by a
    /// failing handshake) before the socket closes.
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let _ = self.flush(linger());
        }
    }
}

impl<T: Transport> fmt::Debug for CoalescingTransport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoalescingTransport")
            .field("inner", &self.inner)
            .field("pending", &self.pending.len())
            .finish()
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;
