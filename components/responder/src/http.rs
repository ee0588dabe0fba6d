//! HTTP/1.1 as the http-01 challenge needs it: a request head read
//! (RFC 9112 §2-§5), one answer, and the connection closed. Plain functions
//! over bytes, so that what a client on the internet can send is tested
//! natively (`cd components && cargo test -p responder`); server.rs moves
//! the bytes between them and the sockets.
//!
//! What is answered (RFC 8555 §8.3):
//!
//! - `GET` and `HEAD` of `/.well-known/acme-challenge/TOKEN`, in origin form
//!   or absolute form (`http://host/...`, RFC 9112 §3.2.2), where TOKEN is
//!   1 to 256 base64url characters the host knows: `200`, the key
//!   authorization as `application/octet-stream` (`HEAD`: the same head, no
//!   body);
//! - any other path, or a token the host does not know: `404`;
//! - another method: `405` with `Allow: GET, HEAD`;
//! - a request head of more than [`MAX_HEAD`] bytes: `431`;
//! - an HTTP version other than 1.0 and 1.1: `505`;
//! - anything else malformed, a request with a body (`Content-Length` other
//!   than 0, `Transfer-Encoding`), or an HTTP/1.1 request without exactly one
//!   `Host`: `400`.
//!
//! Every answer says `Connection: close` and is the last on its connection:
//! no keep-alive, no pipelining, nothing read after the head.

/// The most bytes of a request head (request line and header fields) read
/// on one connection; a head not complete within them is answered `431`.
pub const MAX_HEAD: usize = 8 * 1024;

/// Where http-01 resources are (RFC 8555 §8.3).
pub const CHALLENGE_PATH: &str = "/.well-known/acme-challenge/";

/// The longest token answered: the host refuses longer ones from the CA.
pub const MAX_TOKEN: usize = 256;

/// What to do with the bytes read so far on a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// The request head is not complete yet: read more.
    More,
    /// Send these bytes, then close the connection.
    Send(Vec<u8>),
}

/// The statuses the responder answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 200: the key authorization follows.
    Ok,
    /// 400: the request is malformed or has a body.
    BadRequest,
    /// 404: not a challenge path, or a token the host does not know.
    NotFound,
    /// 405: a method other than GET and HEAD.
    MethodNotAllowed,
    /// 431: the request head is longer than [`MAX_HEAD`] (RFC 6585 §5).
    HeadTooLarge,
    /// 505: an HTTP version other than 1.0 and 1.1.
    VersionNotSupported,
}

impl Status {
    /// The status code and reason phrase.
    pub fn line(self) -> (u16, &'static str) {
        match self {
            Status::Ok => (200, "OK"),
            Status::BadRequest => (400, "Bad Request"),
            Status::NotFound => (404, "Not Found"),
            Status::MethodNotAllowed => (405, "Method Not Allowed"),
            Status::HeadTooLarge => (431, "Request Header Fields Too Large"),
            Status::VersionNotSupported => (505, "HTTP Version Not Supported"),
        }
    }
}

/// The answer to `read`, every byte read so far on a connection. `lookup`
/// gives the key authorization of a token (the host's
/// `key-authorization`); it is called only for a well-formed GET or HEAD of
/// a challenge path with a base64url token.
pub fn answer(read: &[u8], lookup: impl FnOnce(&str) -> Option<String>) -> Answer {
    let request = match parse(read) {
        Parsed::More => return Answer::More,
        Parsed::Refused { status, head } => return Answer::Send(refusal(status, !head)),
        Parsed::Request(request) => request,
    };
    let with_body = !request.head;
    let key_authorization = token(request.target).and_then(lookup);
    Answer::Send(match key_authorization {
        Some(body) => response(
            Status::Ok,
            "application/octet-stream",
            body.as_bytes(),
            with_body,
        ),
        None => refusal(Status::NotFound, with_body),
    })
}

/// A well-formed GET or HEAD request.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    /// HEAD: answer with the head only (RFC 9110 §9.3.2).
    head: bool,
    /// The request target as sent.
    target: &'a [u8],
}

/// A request head, parsed as far as the bytes go.
#[derive(Debug, PartialEq, Eq)]
enum Parsed<'a> {
    /// Not a whole head yet.
    More,
    /// Answered with `status`; `head` when the request was a HEAD (the
    /// answer then has no body).
    Refused { status: Status, head: bool },
    /// A GET or HEAD to answer.
    Request(Request<'a>),
}

/// Parse the request head at the start of `read` (RFC 9112 §2.1: request
/// line, header fields, an empty line).
fn parse(read: &[u8]) -> Parsed<'_> {
    let refused = |status| Parsed::Refused {
        status,
        head: false,
    };
    // RFC 9112 §2.2: empty lines before the request line are ignored.
    let start = read
        .iter()
        .take_while(|b| **b == b'\r' || **b == b'\n')
        .count();
    let rest = &read[start..];
    let head = match head_end(rest) {
        Some(end) if start + end < MAX_HEAD => &rest[..end],
        Some(_) => return refused(Status::HeadTooLarge),
        None if read.len() >= MAX_HEAD => return refused(Status::HeadTooLarge),
        None => return Parsed::More,
    };
    // RFC 9112 §2.2: lines end in CRLF; a bare LF is accepted too.
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let (method, target, version) = match request_line_parts(request_line) {
        Ok(parts) => parts,
        Err(status) => return refused(status),
    };
    let head = method == b"HEAD";
    let refused = |status| Parsed::Refused { status, head };
    let fields = match Fields::read(lines) {
        Ok(fields) => fields,
        Err(status) => return refused(status),
    };
    // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host is 400;
    // HTTP/1.0 may leave it out.
    let hosts_ok = match version {
        Version::Http11 => fields.hosts == 1,
        Version::Http10 => fields.hosts <= 1,
    };
    if !hosts_ok || !target_form_ok(target) {
        return refused(Status::BadRequest);
    }
    if method != b"GET" && !head {
        return refused(Status::MethodNotAllowed);
    }
    // No body is read: a request announcing one is refused rather than
    // left half-read on the connection.
    if fields.body {
        return refused(Status::BadRequest);
    }
    Parsed::Request(Request { head, target })
}

/// Where the head in `bytes` ends: the index of the line feed that ends its
/// last line, when an empty line follows it.
fn head_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().enumerate().find_map(|(i, b)| {
        let after = &bytes[i + 1..];
        (*b == b'\n' && (after.starts_with(b"\r\n") || after.starts_with(b"\n"))).then_some(i)
    })
}

/// The HTTP versions answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    Http10,
    Http11,
}

/// `method SP request-target SP HTTP-version` (RFC 9112 §3), single spaces.
fn request_line_parts(line: &[u8]) -> Result<(&[u8], &[u8], Version), Status> {
    let mut parts = line.split(|b| *b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Status::BadRequest);
    };
    if method.is_empty() || !method.iter().all(|b| is_tchar(*b)) {
        return Err(Status::BadRequest);
    }
    if target.is_empty() || !target.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(Status::BadRequest);
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(Status::VersionNotSupported)
        }
        _ => return Err(Status::BadRequest),
    };
    Ok((method, target, version))
}

/// What the header fields say that matters here.
#[derive(Debug, Default)]
struct Fields {
    /// How many `Host` fields.
    hosts: usize,
    /// Whether a body is announced (`Content-Length` other than 0, or any
    /// `Transfer-Encoding`).
    body: bool,
}

impl Fields {
    /// Read the header field lines (RFC 9112 §5): `name: value`, the name a
    /// token right before the colon, no line folding (§5.2), the value
    /// visible characters, spaces and tabs (and obs-text).
    fn read<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Result<Fields, Status> {
        let mut fields = Fields::default();
        for line in lines {
            let Some(colon) = line.iter().position(|b| *b == b':') else {
                return Err(Status::BadRequest);
            };
            let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
            let value_ok = value
                .iter()
                .all(|b| *b == b' ' || *b == b'\t' || (0x21..=0x7e).contains(b) || *b >= 0x80);
            if name.is_empty() || !name.iter().all(|b| is_tchar(*b)) || !value_ok {
                return Err(Status::BadRequest);
            }
            if name.eq_ignore_ascii_case(b"host") {
                fields.hosts += 1;
            } else if name.eq_ignore_ascii_case(b"content-length") {
                fields.body |= value != b"0";
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                fields.body = true;
            }
        }
        Ok(fields)
    }
}

/// `bytes` without leading and trailing spaces and tabs (OWS).
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// A `tchar` of RFC 9110 §5.6.2: what methods and field names are made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The target is in origin form (`/path`) or absolute form (`http://...`,
/// RFC 9112 §3.2.2), the forms a GET or HEAD may take.
fn target_form_ok(target: &[u8]) -> bool {
    target.starts_with(b"/") || absolute_path(target).is_some()
}

/// The path of an absolute-form target `http://authority/path`: from the
/// first `/` after the authority (`/` when there is none).
fn absolute_path(target: &[u8]) -> Option<&[u8]> {
    let scheme = b"http://";
    let rest = target
        .get(..scheme.len())
        .filter(|s| s.eq_ignore_ascii_case(scheme))
        .map(|_| &target[scheme.len()..])?;
    Some(match rest.iter().position(|b| *b == b'/') {
        Some(slash) => &rest[slash..],
        None => b"/".as_slice(),
    })
}

/// The challenge token a target asks for: the path is exactly
/// [`CHALLENGE_PATH`] followed by 1 to [`MAX_TOKEN`] base64url characters
/// (no query, no further segment, no percent-encoding, which base64url never
/// needs).
fn token(target: &[u8]) -> Option<&str> {
    let path = if target.starts_with(b"/") {
        target
    } else {
        absolute_path(target)?
    };
    let token = path.strip_prefix(CHALLENGE_PATH.as_bytes())?;
    let base64url = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
    if token.is_empty() || token.len() > MAX_TOKEN || !token.iter().all(base64url) {
        return None;
    }
    std::str::from_utf8(token).ok()
}

/// An answer that is not the key authorization: a short text body saying
/// the status.
fn refusal(status: Status, with_body: bool) -> Vec<u8> {
    let (_, reason) = status.line();
    let body = format!("{}\n", reason.to_ascii_lowercase());
    response(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes(),
        with_body,
    )
}

/// A whole response: status line, `Content-Type`, `Content-Length` (the
/// body's, also for HEAD), `Connection: close`, `Allow` with 405, and the
/// body when `with_body`.
fn response(status: Status, content_type: &str, body: &[u8], with_body: bool) -> Vec<u8> {
    let (code, reason) = status.line();
    let allow = if status == Status::MethodNotAllowed {
        "Allow: GET, HEAD\r\n"
    } else {
        ""
    };
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         {allow}Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if with_body {
        out.extend_from_slice(body);
    }
    out
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
