//! What can go wrong, each variant naming where; every one ends the run with
//! exit status 1.

use crate::stage::Stage;
use std::time::Duration;

/// An error of an acmebox run. Its `Display` is one line a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// A stage's grant cannot be set up (e.g. its directory is missing).
    #[error("{stage} stage: {message}")]
    Grant {
        /// The stage.
        stage: Stage,
        /// What is wrong.
        message: String,
    },
    /// A component imports an interface its grant does not provide, and was
    /// refused before it ran (docs/DESIGN.md rule 5).
    #[error(
        "{stage} stage refused at load: it imports {import}, which its grant does not provide"
    )]
    Refused {
        /// The stage.
        stage: Stage,
        /// The import, e.g. `wasi:sockets/tcp@0.2.6`.
        import: String,
    },
    /// A stage reported an error.
    #[error("{stage} stage, {step}: {message}")]
    Stage {
        /// The stage.
        stage: Stage,
        /// The step of the issuance.
        step: &'static str,
        /// The stage's message.
        message: String,
    },
    /// A stage trapped: its deadline or memory limit, or a fault.
    #[error("{stage} stage, {step}: {message}")]
    Trap {
        /// The stage.
        stage: Stage,
        /// The step of the issuance.
        step: &'static str,
        /// What stopped it.
        message: String,
    },
    /// The host refused a value a stage returned, or the server's answer
    /// means the issuance cannot go on.
    #[error("{step}: {message}")]
    Protocol {
        /// The step of the issuance.
        step: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A file or directory the host itself works on (the trust anchors:
    /// `--ca-file`, `--system-roots`, `SSL_CERT_FILE`; the certificate
    /// directory, its lock file and staging directory) cannot be read or
    /// changed.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// Another run holds the certificate directory's lock (certdir.rs).
    #[error("another acmebox run holds {path} (waited {} s)", waited.as_secs())]
    Locked {
        /// The lock file.
        path: String,
        /// How long this run waited for it.
        waited: Duration,
    },
}

impl Error {
    /// Name the file a stage was working on in its message, e.g. the key
    /// file the account stage could not read.
    pub fn about(self, path: &std::path::Path) -> Error {
        match self {
            Error::Stage {
                stage,
                step,
                message,
            } => Error::Stage {
                stage,
                step,
                message: format!("{}: {message}", path.display()),
            },
            other => other,
        }
    }
}
