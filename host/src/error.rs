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
    /// The server's answer means the issuance cannot go on, or a step ran
    /// out of time.
    #[error("{step}: {message}")]
    Protocol {
        /// The step of the issuance.
        step: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The host refused a value a stage returned (docs/DESIGN.md rule 2: a
    /// stage is untrusted). From the network stage the value may be the
    /// server's: the host cannot tell the two apart, and refuses either.
    #[error("{stage} stage, {step}: {message}")]
    Rejected {
        /// The stage that returned it.
        stage: Stage,
        /// The step of the issuance.
        step: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// The account signer of `--account-socket` or `--account-command`
    /// (an accountd, docs/ACCOUNTD.md) could not be reached, refused a
    /// request, or answered what the host refuses: it is as untrusted as a
    /// stage.
    #[error("{signer}, {step}: {message}")]
    Signer {
        /// `accountd at PATH` or `accountd via "CMD"`.
        signer: String,
        /// The step: connect, hello, public key, sign.
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
    /// The notify command (`--notify`, a domain's `notify`) could not be
    /// started, failed or ran out of time; the new certificate it was run
    /// for stays installed (notify.rs).
    #[error("notify {command:?}: {message} (the new certificate stays installed)")]
    Notify {
        /// The command, as given.
        command: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// The step the error happened at, for `--json`'s `step`
    /// (docs/JSON.md): the variant's own step where it has one, else a word
    /// for where it is: `options`, `grant`, `load`, `files`, `lock`,
    /// `notify`.
    pub fn step(&self) -> &'static str {
        match self {
            Error::Stage { step, .. }
            | Error::Trap { step, .. }
            | Error::Protocol { step, .. }
            | Error::Rejected { step, .. }
            | Error::Signer { step, .. } => step,
            Error::Usage(_) => "options",
            Error::Grant { .. } => "grant",
            Error::Refused { .. } => "load",
            Error::File { .. } => "files",
            Error::Locked { .. } => "lock",
            Error::Notify { .. } => "notify",
        }
    }

    /// The same error with `note` after its message (`cause; note`): what
    /// the retry policy made of it (flows/retry.rs). Variants without a
    /// message are returned as they are.
    pub fn noted(self, note: &str) -> Error {
        let add = |message: String| format!("{message}; {note}");
        match self {
            Error::Usage(message) => Error::Usage(add(message)),
            Error::Grant { stage, message } => Error::Grant {
                stage,
                message: add(message),
            },
            Error::Stage {
                stage,
                step,
                message,
            } => Error::Stage {
                stage,
                step,
                message: add(message),
            },
            Error::Trap {
                stage,
                step,
                message,
            } => Error::Trap {
                stage,
                step,
                message: add(message),
            },
            Error::Protocol { step, message } => Error::Protocol {
                step,
                message: add(message),
            },
            Error::Rejected {
                stage,
                step,
                message,
            } => Error::Rejected {
                stage,
                step,
                message: add(message),
            },
            Error::File { path, message } => Error::File {
                path,
                message: add(message),
            },
            Error::Signer {
                signer,
                step,
                message,
            } => Error::Signer {
                signer,
                step,
                message: add(message),
            },
            other => other,
        }
    }

    /// Name the file a stage was working on in its message, e.g. the key
    /// file the account stage could not read (or whose key the host refused).
    pub fn about(self, path: &std::path::Path) -> Error {
        let named = |message: String| format!("{}: {message}", path.display());
        match self {
            Error::Stage {
                stage,
                step,
                message,
            } => Error::Stage {
                stage,
                step,
                message: named(message),
            },
            Error::Rejected {
                stage,
                step,
                message,
            } => Error::Rejected {
                stage,
                step,
                message: named(message),
            },
            other => other,
        }
    }
}
