//! `--config FILE`: OpenBSD's acme-client.conf(5), plus acmebox's `ca file`
//! in an authority (docs/CONFIG.md). The syntax — lexer, parser, checks,
//! [`load`] with its `include`s, [`print`] — is the crate acmebox-config
//! (config/ at the repository's root), re-exported here; what ties a
//! [`Config`] to a run, its [`jobs`], is the host's.

pub mod jobs;

pub use acmebox_config::{
    error, lexer, limits, load, parse, parse_with, parser, print, Authority, Config, ConfigError,
    Domain, FileSources, NoSources, Pos, Sources, DEFAULT_CHALLENGEDIR,
};
