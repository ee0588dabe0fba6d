//! Helpers of tests/escape.rs: building the hostile components of
//! tests/hostile, a scratch layout with a secret outside every grant, the
//! grants of docs/DESIGN.md's table written out independently of grant.rs, and
//! loading a hostile component into a stage's sandbox exactly as acmebox
//! loads the stage itself (`Runtime::load`: same linker, WASI context,
//! limits and import check).
//!
//! One file per part: [`hostile`] builds and loads the components, [`scene`]
//! lays out the directories and makes the grants, [`expect`] holds docs/DESIGN.md's
//! table and the assertions, [`child`] runs a test in a child process.

mod child;
mod expect;
mod hostile;
mod scene;

pub use child::*;
pub use expect::*;
pub use hostile::*;
pub use scene::*;
