//! The command line of acme-client(1), plus `--directory`, `--ca-file`,
//! `--system-roots`, `--proxy` and `--timeout`, and the host's environment
//! (`HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`: proxy.rs), turned into
//! validated options, one module per command: [`run`] (the flags every
//! certificate of a run shares), [`issue`] (issuance, revocation and
//! `grants`), [`account`] and [`accountd`]. This module holds what they
//! share: the ACME server and acme-client's default paths.

use crate::error::Error;
use crate::validate;
use std::path::PathBuf;

pub mod account;
pub mod accountd;
pub mod directory;
pub mod eab;
pub mod issue;
pub mod rollover;
pub mod run;
pub mod server;
#[cfg(test)]
mod tests;

pub use account::{AccountArgs, AccountOptions, Agreement};
pub use accountd::AccountdArgs;
pub use directory::DirectoryArgs;
pub use eab::{EabArgs, ExternalAccount};
pub use issue::{IssueArgs, Options, Revocation};
pub use run::RunFlags;
pub use server::{Reach, ServerArgs};

/// Let's Encrypt's production directory, the default server.
pub const LETSENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory, selected by `-s`.
pub const LETSENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";
/// The most addresses `--http-listen` may give: a listener costs the
/// responder host handles, and two (IPv4 and IPv6) are the usual need.
pub const MAX_HTTP_LISTEN: usize = 8;
/// `--timeout`'s default, in seconds: lacme's. Long enough for a CA's
/// validation and a few retries (flows/retry.rs), short enough that a cron
/// run against a CA having a bad day ends with a line rather than hanging.
pub const DEFAULT_TIMEOUT: u64 = 120;

/// The ACME server: its directory URL and the origin the network grant allows.
#[derive(Clone, Debug)]
pub struct Server {
    /// The directory URL as given.
    pub url: String,
    /// Its host name (or IP literal, without brackets).
    pub host: String,
    /// Its port (443 unless given).
    pub port: u16,
}

/// acme-client's default certificate directory (`-c`).
pub const SSL_DIR: &str = "/etc/ssl/acme";
/// acme-client's default directory of the domain key (`-k`).
pub const SSL_PRIV_DIR: &str = "/etc/ssl/acme/private";
/// acme-client's default directory of the account key (`-f`).
pub const ETC_DIR: &str = "/etc/acme";
/// The file name of both default keys.
pub const PRIVKEY_FILE: &str = "privkey.pem";

/// A directory `-m` made part of a default path, created by the run when
/// missing ([`crate::multidir`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDir {
    /// The directory.
    pub path: PathBuf,
    /// Mode of the directories created: 0700 for key directories, 0755
    /// for the certificate directory.
    pub mode: u32,
}

/// The ACME server of `--directory URL`, else `-s`'s staging server, else
/// Let's Encrypt's production server: an https URL without control
/// characters.
fn server(directory: Option<&str>, staging: bool) -> Result<Server, Error> {
    let url = match (directory, staging) {
        (Some(url), _) => url.to_string(),
        (None, true) => LETSENCRYPT_STAGING.to_string(),
        (None, false) => LETSENCRYPT.to_string(),
    };
    // The URL is recorded as one line with the certificates (fresh.rs),
    // and the url crate would silently drop a tab or line break.
    if url.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "--directory {url:?}: contains a control character"
        )));
    }
    let origin = validate::https_origin(&url)
        .map_err(|e| Error::Usage(format!("--directory {url:?}: {e}")))?;
    Ok(Server {
        url,
        host: origin.host,
        port: origin.port,
    })
}
