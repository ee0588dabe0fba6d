//! accountd: the account stage in a process of its own (lacme's
//! lacme-accountd), so the account key can live in another account or on
//! another machine. docs/ACCOUNTD.md is the protocol; docs/ARCHITECTURE.md
//! the data flow.
//!
//! - [`daemon`]: `acmebox accountd`, the account stage alone (its usual
//!   grant) answering signature requests on a Unix socket or on standard
//!   input and output (`--stdio`, e.g. through `ssh -T`);
//! - [`client`]: `--account-socket` and `--account-command`, the
//!   [`Signer::Remote`](crate::stages::signer::Signer::Remote) the network
//!   stage signs through instead of a local account stage, checking every
//!   answer as the account stage's are checked;
//! - [`protocol`]: frames and messages, shared by both;
//! - [`inspect`]: what a signing input asks for, which the daemon logs and,
//!   with `--keyid-only`, limits.

pub mod client;
pub mod daemon;
pub mod inspect;
pub mod protocol;

use std::fmt;
use std::path::PathBuf;

/// Where the account key signs when it is not read by this process: an
/// accountd's socket (`--account-socket`), or a command whose standard
/// input and output are the channel (`--account-command`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// A Unix socket an `acmebox accountd --socket PATH` listens on.
    Socket(PathBuf),
    /// A command and its arguments, split on whitespace as lacme splits
    /// its `command` settings, run without a shell (e.g. `ssh -T signer
    /// acmebox accountd --stdio -f KEY`).
    Command(Vec<String>),
}

impl Endpoint {
    /// `--account-command CMD`: CMD split on whitespace; an empty command
    /// is an error naming the option.
    pub fn command(cmd: &str) -> Result<Endpoint, String> {
        let argv: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
        if argv.is_empty() {
            return Err(format!("--account-command {cmd:?}: no command given"));
        }
        Ok(Endpoint::Command(argv))
    }
}

impl fmt::Display for Endpoint {
    /// `accountd at PATH` or `accountd via "CMD"`, as `grants` and errors
    /// name it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Socket(path) => write!(f, "accountd at {}", path.display()),
            Endpoint::Command(argv) => write!(f, "accountd via {:?}", argv.join(" ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Endpoint;

    #[test]
    fn a_command_is_split_on_whitespace_without_a_shell() {
        let e = Endpoint::command("  ssh -T\tsigner  acmebox accountd --stdio ").unwrap();
        assert_eq!(
            e,
            Endpoint::Command(
                ["ssh", "-T", "signer", "acmebox", "accountd", "--stdio"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(
            e.to_string(),
            r#"accountd via "ssh -T signer acmebox accountd --stdio""#
        );
        assert!(Endpoint::command(" \t").is_err());
        let quoted = Endpoint::command("sh -c 'a b'").unwrap();
        assert_eq!(
            quoted,
            Endpoint::Command(["sh", "-c", "'a", "b'"].map(String::from).to_vec())
        );
    }
}
