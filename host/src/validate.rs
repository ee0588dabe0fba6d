//! Validation of values at the host's boundary: command-line input, and WIT
//! values coming back from stages (which are untrusted: docs/DESIGN.md rule 2).

pub use acmebox_config::validate::{
    cert_mode, contact, dns_name, https_origin, ip_name, is_ip, name, preferred_chain, profile,
    wildcard_name, Origin, DEFAULT_CERT_MODE, MAX_PREFERRED_CHAIN,
};

/// `--http-listen`'s value: an IP address and a port other than 0,
/// `127.0.0.1:80` or `[::1]:80` (no host name: the host looks up nothing
/// for the responder, and a name could stand for addresses it cannot bind).
pub fn listen_address(text: &str) -> Result<std::net::SocketAddr, String> {
    let addr: std::net::SocketAddr = text.parse().map_err(|_| {
        format!(
            "{text:?} is not ADDR:PORT: an IPv4 address and port (127.0.0.1:80) or an IPv6 \
             address in brackets and port ([::1]:80)"
        )
    })?;
    if addr.port() == 0 {
        return Err(format!(
            "{text:?}: port 0 is no port the CA could be told to use"
        ));
    }
    Ok(addr)
}

/// Refuse a URL (from a stage) that is not on the directory's origin.
pub fn same_origin(url: &str, origin: &Origin) -> Result<(), String> {
    match https_origin(url) {
        Ok(o) if &o == origin => Ok(()),
        Ok(_) => Err(format!(
            "URL {url:?} is not on the ACME server's origin https://{}:{}",
            origin.host, origin.port
        )),
        Err(e) => Err(format!("URL {url:?}: {e}")),
    }
}

/// A token from the server: base64url (RFC 8555 §8.1), at least 128 bits.
pub fn token(token: &str) -> Result<(), String> {
    let ok = (22..=256).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("challenge token {token:?} is not base64url"))
    }
}

/// Whether `s` is non-empty and only base64url characters (RFC 4648 §5,
/// no padding).
pub fn is_base64url(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// How many bytes the unpadded base64url text `s` decodes to; `None` when
/// it is not base64url or its length cannot be (4n + 1 characters).
pub fn base64url_len(s: &str) -> Option<usize> {
    if !is_base64url(s) || s.len() % 4 == 1 {
        return None;
    }
    Some(s.len() / 4 * 3 + (s.len() % 4).saturating_sub(1))
}

/// base64url without padding (RFC 7515 §2), the encoding of JOSE.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The armour lines of a certificate in PEM.
const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// A DER certificate as PEM exactly as cert-parser writes it (the framing
/// [`pem_certificates`] checks): encoding only, so the host can compare a
/// DER cert-parser returned with the PEM it returned with it.
pub fn pem_certificate(der: &[u8]) -> String {
    let mut body: String = base64url(der)
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !body.len().is_multiple_of(4) {
        body.push('=');
    }
    let mut out = format!("{BEGIN}\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Check that `pem` is certificates in PEM exactly as cert-parser writes
/// them, and nothing else: for each, the BEGIN line, base64 lines of 64
/// characters (the last 4 to 64, a multiple of 4, `=` only at its end), the
/// END line, each line ending in `\n`. Returns how many certificates. This
/// is framing only: the host does not decode them.
pub fn pem_certificates(pem: &str) -> Result<usize, String> {
    if pem.is_empty() {
        return Ok(0);
    }
    let Some(body) = pem.strip_suffix('\n') else {
        return Err("it does not end with a newline".into());
    };
    let mut count = 0;
    let mut lines = body.split('\n').enumerate().map(|(i, l)| (i + 1, l));
    while let Some((n, line)) = lines.next() {
        if line != BEGIN {
            return Err(format!(
                "line {n} is {:?}, where a certificate's BEGIN line must be",
                excerpt(line)
            ));
        }
        let mut last_len = 64;
        loop {
            let Some((n, line)) = lines.next() else {
                return Err(format!("certificate {} has no END line", count + 1));
            };
            if line == END {
                break;
            }
            let data = line.trim_end_matches('=');
            let ok = last_len == 64
                && (4..=64).contains(&line.len())
                && line.len() % 4 == 0
                && line.len() - data.len() <= 2
                && data
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
            if !ok {
                return Err(format!(
                    "line {n} is {:?}, not base64 of a certificate",
                    excerpt(line)
                ));
            }
            if data.len() < line.len() {
                last_len = 0;
            } else {
                last_len = line.len();
            }
        }
        count += 1;
    }
    Ok(count)
}

/// The first 40 characters of an untrusted line, for an error message
/// (Debug-formatted by the caller, which escapes control characters).
fn excerpt(line: &str) -> String {
    line.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_are_ip_and_port() {
        assert_eq!(
            listen_address("127.0.0.1:5002").map(|a| a.to_string()),
            Ok("127.0.0.1:5002".to_string())
        );
        assert_eq!(
            listen_address("[::1]:80").map(|a| a.to_string()),
            Ok("[::1]:80".to_string())
        );
        for bad in [
            "localhost:80",
            "127.0.0.1",
            "::1:80",
            "[::1]",
            "127.0.0.1:0",
            "127.0.0.1:65536",
            "",
            "0.0.0.0:80 ",
        ] {
            assert!(listen_address(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urls_off_origin_are_refused() {
        let origin = https_origin("https://localhost:14000/dir").unwrap();
        assert!(same_origin("https://localhost:14000/order/1", &origin).is_ok());
        assert!(same_origin("https://localhost:14001/order/1", &origin).is_err());
        assert!(same_origin("http://localhost:14000/order/1", &origin).is_err());
        assert!(same_origin("https://evil.test:14000/", &origin).is_err());
    }

    #[test]
    fn tokens_must_be_base64url() {
        assert!(token("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0").is_ok());
        assert!(token("../../etc/passwd-aaaaaaaaaaaaaaaa").is_err());
        assert!(token("short").is_err());
    }

    #[test]
    fn pem_certificate_is_standard_base64_in_64_columns() {
        let pem = pem_certificate(&[0xfb, 0xff, 0x30]);
        assert_eq!(pem, format!("{BEGIN}\n+/8w\n{END}\n"));
        assert_eq!(pem_certificate(&[0x30]), format!("{BEGIN}\nMA==\n{END}\n"));
        let long = pem_certificate(&[0x30; 100]);
        assert_eq!(pem_certificates(&long), Ok(1));
        assert_eq!(long.lines().nth(1).map(str::len), Some(64));
    }

    #[test]
    fn base64url_encodes_and_measures() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        for n in 1..200 {
            let encoded = base64url(&vec![0xa5; n]);
            assert_eq!(base64url_len(&encoded), Some(n), "{n} bytes");
        }
        assert_eq!(base64url_len("abcde"), None);
        assert_eq!(base64url_len("ab+d"), None);
        assert_eq!(base64url_len(""), None);
    }

    const CERT: &str = "-----BEGIN CERTIFICATE-----\n\
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\
        AAAA/+==\n\
        -----END CERTIFICATE-----\n";

    #[test]
    fn pem_certificates_are_counted() {
        assert_eq!(pem_certificates(""), Ok(0));
        assert_eq!(pem_certificates(CERT), Ok(1));
        assert_eq!(pem_certificates(&CERT.repeat(3)), Ok(3));
    }

    #[test]
    fn anything_but_certificate_armour_is_refused() {
        let key = CERT.replace("CERTIFICATE", "PRIVATE KEY");
        for (bad, why) in [
            (format!("hello\n{CERT}"), "line 1 is \"hello\""),
            (format!("{CERT}hello\n"), "line 5 is \"hello\""),
            (format!("{CERT}\n"), "line 5 is \"\""),
            (
                format!("{CERT}{key}"),
                "line 5 is \"-----BEGIN PRIVATE KEY-----\"",
            ),
            (
                CERT.replace("AAAA/+==", "AAAA/+==\nAAAA"),
                "line 4 is \"AAAA\"",
            ),
            (CERT.replace("AAAA/+==", "AAA"), "line 3 is \"AAA\""),
            (CERT.replace("AAAA/+==", "AA===A=="), "line 3 is"),
            (CERT.replace("AAAA/+==", "AAAA.AAA"), "line 3 is"),
            (CERT.trim_end().to_string(), "does not end with a newline"),
            (
                CERT.replace("-----END CERTIFICATE-----\n", ""),
                "has no END line",
            ),
        ] {
            let err = pem_certificates(&bad).expect_err(&bad);
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
