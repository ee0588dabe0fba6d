//! The seven stages, named as in docs/DESIGN.md.

use serde::Serialize;
use std::fmt;

/// One isolated stage of issuance, each a component under `components/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Holds the account key and signs JWS (acme-client's acctproc).
    Account,
    /// Holds the domain key and makes the CSR (keyproc).
    DomainKey,
    /// Speaks ACME over HTTPS (netproc + dnsproc).
    Network,
    /// Writes and removes http-01 token files (chngproc).
    Challenge,
    /// Parses certificates (certproc, revokeproc parsing).
    CertParser,
    /// Installs certificate files (fileproc).
    FileWriter,
    /// Answers http-01 challenges over HTTP itself, with `--http-listen`
    /// (lacme's webserver).
    Responder,
}

impl Stage {
    /// Every stage, in the order of docs/DESIGN.md.
    pub const ALL: [Stage; 7] = [
        Stage::Account,
        Stage::DomainKey,
        Stage::Network,
        Stage::Challenge,
        Stage::CertParser,
        Stage::FileWriter,
        Stage::Responder,
    ];

    /// The stage's name, as in `components/` and in `acmebox grants`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Account => "account",
            Stage::DomainKey => "domain-key",
            Stage::Network => "network",
            Stage::Challenge => "challenge",
            Stage::CertParser => "cert-parser",
            Stage::FileWriter => "file-writer",
            Stage::Responder => "responder",
        }
    }

    /// The command-line option that names the stage's directory, for error
    /// messages: `-f` (account key), `-k` (domain key), `-C`, `-c`.
    pub fn option(self) -> Option<&'static str> {
        match self {
            Stage::Account => Some("-f"),
            Stage::DomainKey => Some("-k"),
            Stage::Challenge => Some("-C"),
            Stage::FileWriter => Some("-c"),
            Stage::Network | Stage::CertParser | Stage::Responder => None,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
