//! `--verify-with FILE` (and a domain's `verify with`, lacme's `CAfile`):
//! the trust anchors a downloaded chain must lead to before it is
//! installed.
//!
//! The host reads FILE as it reads `--ca-file` (ca_file.rs: a regular file
//! of at most 1 MiB, its `CERTIFICATE` blocks only, a private key refused)
//! at preflight, and hands the bytes to cert-parser, which parses them
//! (`inspect-anchors`, before any key is read or the CA contacted) and
//! checks chains against them (`verify-chain`): after issuance (steps 9–10,
//! the bytes about to be installed) and on the up-to-date path (fresh.rs).
//! The host parses no certificate: an error names FILE and carries
//! cert-parser's reason.

use crate::error::Error;
use crate::stages::cert_parser::CertParser;
use std::path::{Path, PathBuf};

/// The trust anchors of `--verify-with`, read.
#[derive(Clone, Debug)]
pub struct Anchors {
    /// FILE, as given.
    path: PathBuf,
    /// Its `CERTIFICATE` blocks (ca_file.rs).
    pem: Vec<u8>,
}

impl Anchors {
    /// Read FILE as `--ca-file` is read: an error names `--verify-with` and
    /// FILE (not a regular file, too large, no certificate, a private key).
    pub fn read(path: &Path) -> Result<Anchors, Error> {
        Ok(Anchors {
            path: path.to_path_buf(),
            pem: crate::ca_file::read_as("--verify-with", path)?,
        })
    }

    /// FILE, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The certificates handed to cert-parser.
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }

    /// How many certificates the host handed over: its BEGIN lines (the
    /// host frames PEM, it does not parse certificates).
    fn count(&self) -> usize {
        String::from_utf8_lossy(&self.pem)
            .lines()
            .filter(|l| *l == "-----BEGIN CERTIFICATE-----")
            .count()
    }

    /// An error about FILE.
    fn error(&self, message: String) -> Error {
        Error::File {
            path: format!("--verify-with {}", self.path.display()),
            message,
        }
    }

    /// Have cert-parser parse every anchor (before the CA is contacted, so
    /// a file of broken certificates never costs an order); its count must
    /// be the host's.
    pub fn check(&self, parser: &mut CertParser) -> Result<(), Error> {
        parser
            .inspect_anchors(&self.pem, self.count())
            .map_err(|e| match e {
                Error::Stage { message, .. } => self.error(message),
                other => other,
            })
    }

    /// Have cert-parser check that the chain `pem` (leaf first, as it will
    /// be installed) leads to one of these anchors at `now`: the anchor's
    /// subject, or an error naming FILE and why not.
    pub fn verify(&self, parser: &mut CertParser, pem: &[u8], now: i64) -> Result<String, Error> {
        parser
            .verify_chain(pem, &self.pem, now)
            .map_err(|e| match e {
                Error::Stage { message, .. } => self.error(format!(
                    "the chain does not lead to a certificate of this file: {message}"
                )),
                other => other,
            })
    }
}
