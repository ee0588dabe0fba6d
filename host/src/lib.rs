//! acmebox: an ACME (RFC 8555) client whose stages — account key, domain
//! key, network, challenge files, certificate parsing, file writing, the
//! http-01 responder — each run
//! as a WebAssembly component in a wasmtime sandbox granted only what it
//! needs. See docs/ARCHITECTURE.md for the map and docs/DESIGN.md for the rules.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod accountd;
pub mod anchors;
pub mod backup;
pub mod ca_file;
pub mod certdir;
pub mod certfiles;
pub mod code_memory;
pub mod config;
pub mod date;
pub mod durable;
pub mod embedded;
#[allow(missing_docs)]
pub mod engine_config;
pub mod error;
pub mod flows;
pub use flows::issue;
pub mod fresh;
pub mod grant;
pub mod json;
pub mod key_authorizations;
pub mod key_type;
pub mod landlock;
pub mod leftovers;
pub mod limits;
pub mod linker;
pub mod listen;
pub mod log;
pub mod modes;
pub mod multidir;
pub mod names;
pub mod narrow;
pub mod notify;
pub mod options;
pub mod owner;
#[cfg(windows)]
pub mod owner_only;
pub mod proxy;
pub mod reach;
pub mod reason;
pub mod report;
pub mod resolver;
pub mod sandbox;
pub mod signals;
pub mod stage;
pub mod stages;
pub mod stop_at;
pub mod trust;
pub mod validate;
pub mod verify;
pub mod watchdog;

pub use error::Error;
