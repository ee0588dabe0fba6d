//! The accountd protocol, version 1 (docs/ACCOUNTD.md): frames of a 4-byte
//! big-endian length and a JSON object, a `hello` first, then `public-key`
//! and `sign` requests, each answered by `{"ok": ...}` or `{"error": "..."}`.
//! Both ends parse what the other sends, so every frame is bounded
//! ([`MAX_FRAME`]) before a byte of it is read, and every message is
//! deserialized into a fixed shape that refuses unknown members.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// The protocol version this acmebox speaks, sent in `hello`.
pub const VERSION: u32 = 1;

/// The largest frame either end sends or accepts, in bytes of JSON. A
/// signing input is a protected header and a payload of at most a few KiB
/// (a CSR, a certificate to revoke), so 64 KiB is ample; a frame announced
/// larger is refused before any of it is read.
pub const MAX_FRAME: usize = 64 * 1024;

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length announced is 0 or more than [`MAX_FRAME`].
    #[error("a frame of {0} bytes was announced; frames are 1 to {MAX_FRAME} bytes")]
    Size(u32),
    /// The stream ended inside a frame (its length or its body).
    #[error("the connection ended in the middle of a frame")]
    Truncated,
    /// Reading failed (including a read timeout: [`FrameError::timed_out`]).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl FrameError {
    /// Whether the read gave up waiting (a socket's read timeout).
    pub fn timed_out(&self) -> bool {
        matches!(self, FrameError::Io(e)
            if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
    }
}

/// Read one frame's body. `Ok(None)` when the stream ends cleanly before a
/// frame starts (the peer is done).
pub fn read_frame(r: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < len.len() {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let announced = u32::from_be_bytes(len);
    let size = usize::try_from(announced).unwrap_or(usize::MAX);
    if size == 0 || size > MAX_FRAME {
        return Err(FrameError::Size(announced));
    }
    let mut body = vec![0u8; size];
    r.read_exact(&mut body).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => FrameError::Truncated,
        _ => FrameError::Io(e),
    })?;
    Ok(Some(body))
}

/// Write one frame (its length, then `body`) and flush. A body larger than
/// [`MAX_FRAME`] is an error, nothing written.
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|_| !body.is_empty() && body.len() <= MAX_FRAME)
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("a message of {} bytes does not fit a frame", body.len()),
            )
        })?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(body);
    w.write_all(&frame)?;
    w.flush()
}

/// A request, client to accountd: `{"type": "hello" | "public-key" |
/// "sign", ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// The first request of every connection: the version the client
    /// speaks.
    Hello {
        /// [`VERSION`].
        version: u32,
    },
    /// The account key's public half.
    PublicKey,
    /// A JWS signature over `signing-input`
    /// (`BASE64URL(protected) '.' BASE64URL(payload)`, RFC 7515 §5.1).
    Sign {
        /// The signing input.
        #[serde(rename = "signing-input")]
        signing_input: String,
    },
}

/// What `hello` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Hello {
    /// The version the daemon speaks: the client's.
    pub version: u32,
    /// The daemon signs no request that creates, updates, deactivates or
    /// re-keys an account (`--keyid-only`): the client looks its account up
    /// with `onlyReturnExisting` instead of registering it.
    pub keyid_only: bool,
}

/// What `public-key` answers: the fields of wit/account.wit's
/// `account-key`, checked by the client as the account stage's are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKey {
    /// JWS `alg` (RFC 7518 §3.1): `ES256`, `ES384` or `RS256`.
    pub alg: String,
    /// The public JWK, compact, members in RFC 7638 §3.3 order.
    pub jwk: String,
    /// Its RFC 7638 thumbprint, base64url SHA-256 of `jwk`.
    pub thumbprint: String,
}

/// What `sign` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The JWS signature, base64url (RFC 7518 §3.3, §3.4).
    pub signature: String,
}

/// Every answer: `{"ok": T}` or `{"error": "one line"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Reply<T> {
    /// The request was served.
    Ok(T),
    /// It was not: why, in one line.
    Error(String),
}

/// A message as a frame's body.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    // These types hold only strings, integers and booleans: serde_json
    // cannot fail on them.
    serde_json::to_vec(message).unwrap_or_default()
}

/// A frame's body as a message of type `T`; the error says what was wrong,
/// in one line.
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, String> {
    serde_json::from_slice(frame).map_err(|e| one_line(&format!("not a valid message: {e}")))
}

/// `text` with every control character escaped as `\u{NN}` (log.rs's rule),
/// so an error quoting a peer's bytes (serde_json quotes an unknown `type`)
/// is one printable line on the wire too.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_frame(&mut out, body).expect("frame");
        out
    }

    #[test]
    fn a_frame_is_a_big_endian_length_and_the_body() {
        let bytes = framed(br#"{"type":"public-key"}"#);
        assert_eq!(&bytes[..4], &[0, 0, 0, 21]);
        let body = read_frame(&mut &bytes[..]).expect("read").expect("a frame");
        assert_eq!(decode::<Request>(&body), Ok(Request::PublicKey));
    }

    #[test]
    fn a_clean_end_is_none_and_a_cut_frame_an_error() {
        assert!(read_frame(&mut &[][..]).expect("end").is_none());
        let bytes = framed(b"{}");
        for cut in 1..bytes.len() {
            let err = read_frame(&mut &bytes[..cut]).expect_err("cut");
            assert!(matches!(err, FrameError::Truncated), "{cut}: {err}");
        }
    }

    #[test]
    fn oversized_and_empty_frames_are_refused_before_reading_them() {
        // 100 MB announced, nothing after it: refused on the length alone.
        let huge = 100_000_000u32.to_be_bytes();
        let err = read_frame(&mut &huge[..]).expect_err("too large");
        assert!(matches!(err, FrameError::Size(100_000_000)), "{err}");
        assert!(err.to_string().contains("100000000 bytes"), "{err}");
        let err = read_frame(&mut &[0u8, 0, 0, 0][..]).expect_err("empty");
        assert!(matches!(err, FrameError::Size(0)), "{err}");
        // "GET " read as a length.
        let err = read_frame(&mut &b"GET / HTTP/1.1\r\n"[..]).expect_err("garbage");
        assert!(matches!(err, FrameError::Size(_)), "{err}");
        let limit = vec![b' '; MAX_FRAME];
        assert!(read_frame(&mut &framed(&limit)[..]).is_ok());
        assert!(write_frame(&mut Vec::new(), &vec![b' '; MAX_FRAME + 1]).is_err());
        assert!(write_frame(&mut Vec::new(), b"").is_err());
    }

    #[test]
    fn requests_have_one_shape_each() {
        let sign = Request::Sign {
            signing_input: "e30.e30".into(),
        };
        assert_eq!(
            String::from_utf8(encode(&sign)).unwrap(),
            r#"{"type":"sign","signing-input":"e30.e30"}"#
        );
        assert_eq!(
            String::from_utf8(encode(&Request::Hello { version: 1 })).unwrap(),
            r#"{"type":"hello","version":1}"#
        );
        for bad in [
            &br#"{"type":"sign"}"#[..],
            br#"{"type":"sign","signing-input":"a","extra":1}"#,
            br#"{"type":"hello","version":1,"more":true}"#,
            br#"{"type":"private-key"}"#,
            b"{\"type\":\"a\\nb\"}",
            br#"{"type":"hello","version":-1}"#,
            br#"{"type":"hello","version":1,"version":2}"#,
            br#"["hello"]"#,
            b"\xff\xfe",
            b"not json",
        ] {
            let err = decode::<Request>(bad).expect_err("refused");
            assert!(err.starts_with("not a valid message"), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn replies_are_ok_or_error() {
        let ok = Reply::Ok(Hello {
            version: 1,
            keyid_only: true,
        });
        assert_eq!(
            String::from_utf8(encode(&ok)).unwrap(),
            r#"{"ok":{"version":1,"keyid-only":true}}"#
        );
        let err: Reply<Signature> = Reply::Error("refused".into());
        assert_eq!(
            String::from_utf8(encode(&err)).unwrap(),
            r#"{"error":"refused"}"#
        );
        assert_eq!(
            decode::<Reply<Signature>>(br#"{"ok":{"signature":"AA"}}"#),
            Ok(Reply::Ok(Signature {
                signature: "AA".into()
            }))
        );
        for bad in [
            &br#"{"ok":{"signature":"AA"},"error":"x"}"#[..],
            br#"{"ok":{"signature":"AA","d":"secret"}}"#,
            br#"{}"#,
        ] {
            assert!(decode::<Reply<Signature>>(bad).is_err());
        }
    }
}
