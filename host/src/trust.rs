//! The trust anchors of the ACME server's TLS certificate: `--ca-file`,
//! `--system-roots`, `SSL_CERT_FILE`, or the network stage's built-in
//! Mozilla roots. Whatever file is chosen is read by the host exactly like
//! `--ca-file` (ca_file.rs: certificates only, private keys refused) and its
//! certificates *replace* the built-in roots in the stage.

use crate::error::Error;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where the system's CA bundle usually is (Debian/Ubuntu/Alpine, RHEL/Fedora,
/// macOS/BSD, openSUSE); `--system-roots` takes the first that exists.
pub const SYSTEM_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

/// The trust anchors of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trust {
    /// `--ca-file FILE`.
    CaFile(PathBuf),
    /// `--system-roots`: the first of [`SYSTEM_BUNDLES`] that exists.
    SystemRoots(PathBuf),
    /// `SSL_CERT_FILE` from the environment (neither flag given).
    SslCertFile(PathBuf),
    /// The Mozilla roots built into the network stage (webpki-roots).
    BuiltIn,
}

/// How `acmebox grants` prints [`Trust`].
#[derive(Serialize)]
struct Shown<'a> {
    /// `--ca-file`, `--system-roots`, `SSL_CERT_FILE` or `built-in`.
    anchors: &'static str,
    /// The PEM file read, when one is.
    file: Option<&'a Path>,
}

impl Serialize for Trust {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Shown {
            anchors: self.label(),
            file: self.file(),
        }
        .serialize(s)
    }
}

impl Trust {
    /// Choose from the flags and `SSL_CERT_FILE`. `--system-roots` with no
    /// bundle at any usual path is an error listing them.
    pub fn choose(
        ca_file: Option<&Path>,
        system_roots: bool,
        ssl_cert_file: Option<&Path>,
    ) -> Result<Trust, String> {
        Trust::choose_among(ca_file, system_roots, ssl_cert_file, &SYSTEM_BUNDLES)
    }

    /// [`Trust::choose`] with the bundle paths given (for tests).
    pub fn choose_among(
        ca_file: Option<&Path>,
        system_roots: bool,
        ssl_cert_file: Option<&Path>,
        bundles: &[&str],
    ) -> Result<Trust, String> {
        if let Some(path) = ca_file {
            return Ok(Trust::CaFile(path.to_path_buf()));
        }
        if system_roots {
            return bundles
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
                .map(Trust::SystemRoots)
                .ok_or_else(|| {
                    format!(
                        "--system-roots: no system CA bundle found (looked for {})",
                        bundles.join(", ")
                    )
                });
        }
        Ok(match ssl_cert_file {
            Some(path) => Trust::SslCertFile(path.to_path_buf()),
            None => Trust::BuiltIn,
        })
    }

    /// The flag or variable that chose these anchors, or `built-in`.
    pub fn label(&self) -> &'static str {
        match self {
            Trust::CaFile(_) => "--ca-file",
            Trust::SystemRoots(_) => "--system-roots",
            Trust::SslCertFile(_) => "SSL_CERT_FILE",
            Trust::BuiltIn => "built-in",
        }
    }

    /// The PEM file the host reads, if any.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Trust::CaFile(p) | Trust::SystemRoots(p) | Trust::SslCertFile(p) => Some(p),
            Trust::BuiltIn => None,
        }
    }

    /// One line for `acmebox grants`.
    pub fn describe(&self) -> String {
        match self.file() {
            Some(file) => format!(
                "the certificates of {} ({}) only, replacing the built-in roots",
                file.display(),
                self.label()
            ),
            None => "the built-in web PKI roots (Mozilla's, from webpki-roots)".into(),
        }
    }

    /// The certificates to hand to the network stage (`settings.ca-pem`),
    /// read as `--ca-file` is (ca_file.rs); `None` for the built-in roots.
    pub fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        self.file()
            .map(|path| crate::ca_file::read_as(self.label(), path))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_then_environment_then_built_in() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle.pem");
        std::fs::write(&bundle, "x").unwrap();
        let missing = dir.path().join("missing.pem");
        let (b, m) = (bundle.to_str().unwrap(), missing.to_str().unwrap());
        let ca = Path::new("/ca.pem");
        let env = Path::new("/env.pem");
        let choose = |ca_file, system, ssl| Trust::choose_among(ca_file, system, ssl, &[m, b]);
        assert_eq!(
            choose(Some(ca), false, Some(env)),
            Ok(Trust::CaFile(ca.into()))
        );
        assert_eq!(
            choose(None, true, Some(env)),
            Ok(Trust::SystemRoots(bundle.clone()))
        );
        assert_eq!(
            choose(None, false, Some(env)),
            Ok(Trust::SslCertFile(env.into()))
        );
        assert_eq!(choose(None, false, None), Ok(Trust::BuiltIn));
        let none = Trust::choose_among(None, true, None, &[m]).unwrap_err();
        assert!(
            none.contains("--system-roots") && none.contains(m),
            "{none}"
        );
    }
}
