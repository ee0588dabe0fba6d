//! The attacks of the escape matrix, by area; tests/escape.rs generates the
//! tests that call them, as `attack::<name>(stage)`.

mod files;
mod interfaces;
mod limits;
mod listen;
mod narrow;
mod network;
mod new_keys;
mod timeout;

pub use files::*;
pub use interfaces::*;
pub use limits::*;
pub use listen::*;
pub use narrow::*;
pub use network::*;
pub use new_keys::*;
pub use timeout::*;
