//! What each subcommand does, apart from parsing its command line (main.rs):
//! `issue` is the issuance itself (acmebox's default command), `account` is
//! `acmebox account` (find, register, update or deactivate the account),
//! `directory` is `acmebox directory` (the server's directory metadata),
//! `rollover` is `acmebox account --rollover`'s new key and its install, `revoke` is
//! `-r` (with `-b`, `--reason`, `--revoke-with-domain-key`), `components`
//! is `components export` and `components verify`; `caller` is the line
//! protocol of `-t` (the caller makes each challenge answerable), used by
//! `issue`; `challenges` is step 4 of `issue` (answering the challenges by
//! token files, the caller or the responder), `respond` the responder's
//! thread (`--http-listen`); `batch` runs many certificates
//! (acme-client.conf's domain blocks) with `issue`, a few at once. `ari` is step 0's renewal information (RFC
//! 9773); `deadline` is the run's --timeout
//! and every wait before it (polls, retries); `retry` is the one retry
//! policy of every network call.
//! Each flow returns the text for standard output, or an error of one line.

pub mod account;
pub mod ari;
pub mod batch;
pub mod caller;
pub(crate) mod chains;
pub(crate) mod challenges;
pub mod components;
pub mod deadline;
pub mod directory;
pub mod issue;
pub mod respond;
pub mod retry;
pub mod revoke;
pub mod rollover;
pub mod session;
