//! `--ca-file`: the trust anchors for the ACME server's TLS certificate.
//!
//! The host reads the user's file and hands the network stage only its
//! `CERTIFICATE` blocks, re-assembled: a combined certificate + key PEM (as
//! some tools write) must not put a private key into the stage that faces the
//! wire, so a file holding a `PRIVATE KEY` block is refused outright. Finding
//! armour lines is not parsing: the certificates themselves are parsed only
//! inside the network stage.

use crate::error::Error;
use std::io::Read;
use std::path::Path;

/// Largest `--ca-file` (or system bundle) accepted. A system bundle of every
/// web PKI root is about 220 KiB.
pub const MAX_BYTES: u64 = 1 << 20;

/// The `CERTIFICATE` blocks of the PEM file at `path`, each with its armour
/// lines, in order. Errors name `--ca-file` and the path.
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    read_as("--ca-file", path)
}

/// [`read`] for a file named by `label` (`--ca-file`, `--system-roots`,
/// `SSL_CERT_FILE`): errors name the label and the path.
pub fn read_as(label: &str, path: &Path) -> Result<Vec<u8>, Error> {
    let fail = |message: String| Error::File {
        path: format!("{label} {}", path.display()),
        message,
    };
    let file = open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(format!("cannot stat: {e}")))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(fail(format!("larger than {MAX_BYTES} bytes")));
    }
    certificates(&bytes).map_err(fail)
}

/// Open without blocking on a FIFO or device (the type is checked next).
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

/// Keep the `CERTIFICATE` blocks of `pem`; refuse private keys and a file
/// without a certificate.
pub fn certificates(pem: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "not a PEM text file".to_string())?;
    let mut out = String::new();
    let mut inside: Option<&str> = None;
    let mut count = 0usize;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if let Some(label) = armour(line, "-----BEGIN ") {
            if inside.is_some() {
                return Err(format!("line {}: BEGIN inside another block", n + 1));
            }
            if label.contains("PRIVATE KEY") {
                return Err(format!(
                    "line {}: holds a private key ({label}); give a file of certificates only",
                    n + 1
                ));
            }
            inside = Some(label);
            if label == "CERTIFICATE" {
                out.push_str(line);
                out.push('\n');
            }
        } else if let Some(label) = armour(line, "-----END ") {
            if inside != Some(label) {
                return Err(format!("line {}: END without a matching BEGIN", n + 1));
            }
            if label == "CERTIFICATE" {
                out.push_str(line);
                out.push('\n');
                count += 1;
            }
            inside = None;
        } else if inside == Some("CERTIFICATE") {
            out.push_str(line);
            out.push('\n');
        }
    }
    if inside.is_some() {
        return Err("a PEM block is not closed".into());
    }
    if count == 0 {
        return Err("holds no PEM certificate".into());
    }
    Ok(out.into_bytes())
}

/// The label of an armour line `-----BEGIN LABEL-----` (given the prefix).
fn armour<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix)?.strip_suffix("-----")
}

#[cfg(test)]
mod tests {
    use super::certificates;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";

    #[test]
    fn only_certificate_blocks_are_kept() {
        let pem = format!(
            "comment\n{CERT}-----BEGIN X509 CRL-----\nREVG\n-----END X509 CRL-----\n{CERT}"
        );
        let kept = certificates(pem.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(kept).unwrap(), format!("{CERT}{CERT}"));
    }

    #[test]
    fn a_private_key_is_refused() {
        for label in [
            "PRIVATE KEY",
            "EC PRIVATE KEY",
            "RSA PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
        ] {
            let pem = format!("{CERT}-----BEGIN {label}-----\nS0VZ\n-----END {label}-----\n");
            let err = certificates(pem.as_bytes()).unwrap_err();
            assert!(err.contains("private key"), "{label}: {err}");
        }
    }

    #[test]
    fn no_certificate_is_refused() {
        assert!(certificates(b"")
            .unwrap_err()
            .contains("no PEM certificate"));
        assert!(certificates(b"-----BEGIN CERTIFICATE-----\nQUJD\n")
            .unwrap_err()
            .contains("not closed"));
        assert!(certificates(&[0xff, 0xfe]).is_err());
    }
}
