//! `acmebox directory`'s command line ([`DirectoryArgs`]).

use clap::Args;

/// `acmebox directory`: what an ACME server's directory says about it
/// (flows/directory.rs).
#[derive(Args, Debug, Clone)]
pub struct DirectoryArgs {
    /// The ACME server: --directory, -s, --ca-file, --system-roots, --proxy,
    /// --timeout.
    #[command(flatten)]
    pub server: super::ServerArgs,
    /// Log each step to standard error; twice (-vv), also each ACME request.
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print the directory as one JSON object on standard output (see
    /// docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}
