//! Just enough HTTP/1.1 for the hostile CA and the interposer: a request line, headers, a
//! Content-Length body; responses written in one piece with whatever bytes the script asks for.

use std::io::{self, BufRead, Read, Write};

/// Longest request line or header line accepted.
const MAX_LINE: u64 = 8 * 1024;
/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 64;
/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// One request as the CA needs it.
pub(crate) struct Request {
    /// `GET`, `HEAD`, `POST` ...
    pub method: String,
    /// The request target as sent (origin form, e.g. `/authz/3`).
    pub path: String,
    /// The header lines as sent (name, value trimmed), in order.
    pub headers: Vec<(String, String)>,
    /// The body (Content-Length bytes).
    pub body: Vec<u8>,
    /// False for HTTP/1.0 or `Connection: close`.
    pub keep_alive: bool,
}

/// One response. `location` is written as is: a script may put any bytes there.
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status`, `content_type` and `body`, no Location.
    pub(crate) fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type,
            location: None,
            body: body.into(),
        }
    }
}

fn bad(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// One line, CRLF (or LF) stripped; `None` at end of stream before any byte.
pub(crate) fn read_line(r: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    r.by_ref().take(MAX_LINE).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(bad(format!(
            "request line over {MAX_LINE} bytes or cut short"
        )));
    }
    let text = String::from_utf8_lossy(&line);
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Reads the next request; `None` when the client closed the connection between requests.
pub(crate) fn read_request(r: &mut impl BufRead) -> io::Result<Option<Request>> {
    let Some(line) = read_line(r)? else {
        return Ok(None);
    };
    let mut parts = line.split(' ');
    let (method, path, version) = match (parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(p), Some(v)) => (m.to_owned(), p.to_owned(), v),
        _ => return Err(bad(format!("malformed request line {line:?}"))),
    };
    let mut keep_alive = version == "HTTP/1.1";
    let mut length = 0usize;
    let mut headers = Vec::new();
    for _ in 0..MAX_HEADERS {
        let header = read_line(r)?.ok_or_else(|| bad("request head cut short".into()))?;
        if header.is_empty() {
            if length > MAX_BODY {
                return Err(bad(format!("request body of {length} bytes is too large")));
            }
            let mut body = vec![0; length];
            r.read_exact(&mut body)?;
            return Ok(Some(Request {
                method,
                path,
                headers,
                body,
                keep_alive,
            }));
        }
        let (name, value) = header.split_once(':').unwrap_or((&header, ""));
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value
                .parse()
                .map_err(|_| bad(format!("Content-Length {value:?} is not a number")))?;
        } else if name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad("only Content-Length bodies are understood".into()));
        }
        headers.push((name.to_owned(), value.to_owned()));
    }
    Err(bad(format!("more than {MAX_HEADERS} header lines")))
}

/// Writes `resp` with a Replay-Nonce header, in one write; no body for HEAD.
pub(crate) fn write_response(
    w: &mut impl Write,
    resp: &Response,
    nonce: &str,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    // Clients read the status code, not the reason phrase.
    let reason = if resp.status < 400 { "OK" } else { "Error" };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nReplay-Nonce: {nonce}\r\n\
         Cache-Control: no-store\r\n",
        resp.status,
        resp.content_type,
        resp.body.len()
    )
    .into_bytes();
    if let Some(location) = &resp.location {
        out.extend_from_slice(b"Location: ");
        out.extend_from_slice(location.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
    w.write_all(&out)?;
    w.flush()
}
