//! `--config FILE`: OpenBSD's acme-client.conf(5), plus acmebox's `ca file`
//! in an authority, parsed into a [`Config`] (docs/CONFIG.md). The syntax
//! half of the host's `config` module, a crate of its own so that it can be
//! fuzzed without the host (fuzz/fuzz_targets/config.rs); the host turns a
//! [`Config`] into the certificates of a run (host/src/config/jobs.rs).
//!
//! [`parse`] is pure (text in, [`Config`] or [`ConfigError`] out, no I/O:
//! fuzzable); [`load`] reads a file and its `include`s, each at most
//! [`limits::MAX_FILE`] bytes. Every value is checked here — names by
//! [`validate`], paths absolute, the API URL https, every `sign with`
//! naming an authority — so a consumer gets complete, resolved domains.
//! [`print`] writes a [`Config`] back, normalised; parsing that text gives
//! the same [`Config`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod csr;
pub mod error;
pub mod key_type;
pub mod lexer;
pub mod limits;
mod load;
pub mod parser;
pub mod print;
pub mod validate;

#[cfg(test)]
mod tests;

pub use csr::{CsrError, KeyUsage, KeyUsages, Subject, TlsFeature, TlsFeatures};
pub use error::{ConfigError, Pos};
pub use key_type::KeyType;
pub use load::{load, FileSources};
pub use parser::{parse, parse_with, NoSources, Sources};
pub use print::print;

use std::path::PathBuf;

/// acme-client's default challenge directory, used when a domain has no
/// `challengedir`.
pub const DEFAULT_CHALLENGEDIR: &str = "/var/www/acme";

/// A whole configuration: its authorities and domains, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Every `authority` block, in the order defined.
    pub authorities: Vec<Authority>,
    /// Every `domain` block, in the order defined, each with its authority
    /// resolved.
    pub domains: Vec<Domain>,
}

/// An `authority NAME { ... }` block: an ACME server and the account used
/// with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    /// Its name, which `sign with` refers to (unique in the file).
    pub name: String,
    /// `api url`: the ACME directory URL, https (checked like `--directory`).
    pub api_url: String,
    /// `account key`: the account's private key file, absolute.
    pub account_key: PathBuf,
    /// The type of account key `-n` creates: `rsa` is RSA 4096 and `ecdsa`
    /// P-384, as in OpenBSD; acmebox's `--key-type` names are accepted too;
    /// without one, P-256 (acmebox's `--key-type` default).
    pub account_key_type: KeyType,
    /// `contact`: the account's contact URL (`mailto:...`), if given.
    pub contact: Option<String>,
    /// `ca file` (acmebox's own): PEM trust anchors for the server's TLS
    /// certificate, as `--ca-file`, absolute; `None`: the default roots.
    pub ca_file: Option<PathBuf>,
}

/// A `domain HANDLE { ... }` block: one certificate to keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// Its handle, the operand that selects it (unique in the file).
    pub handle: String,
    /// The certificate's names, lower-cased and distinct: `domain name`
    /// (the handle when not given) first, then every `alternative names`
    /// entry in order. A wildcard (`*.example.com`) needs dns-01 at
    /// issuance, as on the command line.
    pub names: Vec<String>,
    /// `domain key`: the domain's private key file, absolute.
    pub domain_key: PathBuf,
    /// The type of domain key `-N` creates (as [`Authority::account_key_type`]).
    pub domain_key_type: KeyType,
    /// `domain certificate`: where the certificate alone is written.
    pub certificate: Option<PathBuf>,
    /// `domain chain certificate`: where the issuer chain is written.
    pub chain_certificate: Option<PathBuf>,
    /// `domain full chain certificate`: where the certificate followed by
    /// its chain is written. At least this or `certificate` is set.
    pub full_chain_certificate: Option<PathBuf>,
    /// The authority of `sign with`, or the file's first authority without
    /// one.
    pub authority: Authority,
    /// `challengedir`: where http-01 token files are written, absolute
    /// ([`DEFAULT_CHALLENGEDIR`] when not given).
    pub challengedir: PathBuf,
    /// `min-days N` (acmebox's own, lacme's `min-days`): renew when fewer
    /// than N days are left, 1 to [`MAX_MIN_DAYS`]; `None`: `--min-days`
    /// (30 by default). Set here, it wins over `--min-days` for this domain.
    pub min_days: Option<u32>,
    /// `notify CMD` (acmebox's own, lacme's `notify`): run by the host
    /// with `sh -c` after this domain's certificate is installed; it wins
    /// over `--notify` for this domain.
    pub notify: Option<String>,
    /// `chmod MODE` (acmebox's own, lacme's `chmod`): the mode of the
    /// installed files ([`validate::cert_mode`]: read bits only, the
    /// owner's included); `None`: `--chmod`, else 0444. It wins over
    /// `--chmod` for this domain.
    pub chmod: Option<u32>,
    /// `chown USER[:GROUP]` (acmebox's own, lacme's `chown`): the owner of
    /// the installed files, as written ([`validate::owner_spec`]); the host
    /// resolves the names. It wins over `--chown` for this domain.
    pub chown: Option<String>,
    /// `subject "/CN=.../O=..."` (acmebox's own, lacme's `subject`): the
    /// request's subject, its CN (if any) one of [`Domain::names`]; `None`:
    /// `--subject`, else CN = the first name. It wins over `--subject`.
    pub subject: Option<Subject>,
    /// `key usage NAME, ...` (lacme's `keyUsage`): a keyUsage extension in
    /// the request; `None`: `--key-usage`, else none. It wins over
    /// `--key-usage`.
    pub key_usage: Option<KeyUsages>,
    /// `tls feature NAME, ...` (lacme's `tlsfeature`): a TLS Feature
    /// extension (RFC 7633) in the request; `None`: `--tls-feature`. It
    /// wins over `--tls-feature`; `-O` still adds status_request.
    pub tls_features: Option<TlsFeatures>,
    /// `verify with FILE` (lacme's `CAfile`): PEM trust anchors the issued
    /// chain must lead to, absolute; `None`: `--verify-with`, else no such
    /// check. It wins over `--verify-with`.
    pub verify_with: Option<PathBuf>,
    /// `profile NAME` (draft-ietf-acme-profiles): the certificate profile
    /// each new order asks for ([`validate::profile`]); `None`: `--profile`.
    /// It wins over `--profile`.
    pub profile: Option<String>,
    /// `preferred chain NAME` (RFC 8555 §7.4.2): the issuer common name of
    /// the topmost certificate of the chain to install, if the CA offers one
    /// ([`validate::preferred_chain`]); `None`: `--preferred-chain`. It wins
    /// over `--preferred-chain`.
    pub preferred_chain: Option<String>,
}

/// The largest `min-days` (and `--min-days`): a year and a day. A
/// certificate can then still be kept until its last leap-year day.
pub const MAX_MIN_DAYS: u32 = 366;

impl Domain {
    /// The domain name: the certificate's first name.
    pub fn name(&self) -> &str {
        &self.names[0]
    }
}

impl Config {
    /// The domain with this handle.
    pub fn domain(&self, handle: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.handle == handle)
    }

    /// The domains of `handles`, in that order; every domain when `handles`
    /// is empty. An unknown or repeated handle is an error naming it.
    pub fn select(&self, handles: &[String]) -> Result<Vec<&Domain>, String> {
        if handles.is_empty() {
            return Ok(self.domains.iter().collect());
        }
        let mut out: Vec<&Domain> = Vec::new();
        for handle in handles {
            let Some(domain) = self.domain(handle) else {
                let known: Vec<&str> = self.domains.iter().map(|d| d.handle.as_str()).collect();
                return Err(format!(
                    "no domain {handle:?} in the configuration (it has: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            };
            if out.iter().any(|d| d.handle == domain.handle) {
                return Err(format!("domain {handle:?} is given twice"));
            }
            out.push(domain);
        }
        Ok(out)
    }
}
