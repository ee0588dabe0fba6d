//! host/src/accountd's parsers of client input, built natively for the fuzz
//! targets (fuzz/accountd/Cargo.toml says why).

#![forbid(unsafe_code)]

#[path = "../../../host/src/accountd/protocol.rs"]
pub mod protocol;

#[path = "../../../host/src/accountd/inspect.rs"]
pub mod inspect;
