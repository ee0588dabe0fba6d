//! The attacks of the escape matrix, by area; tests/escape.rs generates the
//! tests that call them, as `attack::<name>(stage)`.

mod files;
mod interfaces;
mod limits;
mod network;
mod timeout;

pub use files::*;
pub use interfaces::*;
pub use limits::*;
pub use network::*;
pub use timeout::*;
