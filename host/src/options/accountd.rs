//! `acmebox accountd`'s command line ([`AccountdArgs`]).

use super::{ETC_DIR, PRIVKEY_FILE};
use crate::error::Error;
use crate::key_type::KeyType;
use clap::Args;
use std::path::PathBuf;

/// `acmebox accountd`: the account stage alone, answering signature
/// requests (docs/ACCOUNTD.md).
#[derive(Args, Debug, Clone)]
pub struct AccountdArgs {
    /// Listen on this Unix socket, created mode 0600; refused if the path
    /// exists or its directory is writable by group or others. Removed on
    /// SIGINT and SIGTERM.
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "stdio",
        conflicts_with = "stdio"
    )]
    pub socket: Option<PathBuf>,
    /// Answer one session on standard input and output, then exit when
    /// standard input closes (for --account-command, e.g. through ssh -T).
    #[arg(long)]
    pub stdio: bool,
    /// The account private key (PEM: RSA or EC, PKCS#1, PKCS#8 or SEC1)
    /// [default: /etc/acme/privkey.pem].
    #[arg(short = 'f', value_name = "accountkey")]
    pub account_key: Option<PathBuf>,
    /// Create the account key (--key-type, mode 0600) if it does not exist.
    #[arg(short = 'n')]
    pub new_account_key: bool,
    /// The type of key -n creates.
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = KeyType::P256)]
    pub key_type: KeyType,
    /// Sign no request that creates, updates, deactivates or re-keys an
    /// account: only what an issuance or revocation with an existing
    /// account needs (the client then finds the account with
    /// onlyReturnExisting).
    #[arg(long)]
    pub keyid_only: bool,
    /// Also log each connection opening and closing (each signature request
    /// is always logged, to standard error).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Close a socket connection that sends no complete request for this
    /// many seconds (1 to 3600) after connecting or after its last answer,
    /// so that a stuck client holds one of the connection slots no longer.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = crate::accountd::daemon::IDLE.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub idle: u64,
}

impl AccountdArgs {
    /// The daemon's settings; an error names the argument that is wrong.
    pub fn settings(&self) -> Result<crate::accountd::daemon::Settings, Error> {
        use crate::accountd::daemon::{Listen, Settings};
        let key = self
            .account_key
            .clone()
            .unwrap_or_else(|| PathBuf::from(ETC_DIR).join(PRIVKEY_FILE));
        if key.file_name().is_none() {
            return Err(Error::Usage(format!(
                "-f {}: not a file path",
                key.display()
            )));
        }
        let listen = match &self.socket {
            Some(path) if path.file_name().is_none() => {
                return Err(Error::Usage(format!(
                    "--socket {}: not a file path",
                    path.display()
                )))
            }
            Some(path) => Listen::Socket(path.clone()),
            None => Listen::Stdio,
        };
        Ok(Settings {
            listen,
            key,
            create: self.new_account_key.then_some(self.key_type),
            keyid_only: self.keyid_only,
            verbose: self.verbose,
            idle: std::time::Duration::from_secs(self.idle),
        })
    }
}
