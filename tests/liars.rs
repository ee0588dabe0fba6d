//! Stages that lie (issue #9): docs/DESIGN.md rule 2 says the host validates
//! again what a stage returns, because a taken-over stage is untrusted. The
//! escape matrix (tests/escape.rs) attacks the WASI boundary; this matrix
//! has each stage lie through its own WIT interface.
//!
//! The liars are test-only components under tests/liars (never shipped),
//! one crate per stage world, built at test time like tests/hostile. Each
//! is loaded IN PLACE OF its stage with the stage's real grant, linker and
//! import check, through the very code that loads the embedded stage: the
//! wrappers' `load_component` (which their `load` uses), or a whole run with
//! `issue::run_from` and a `Source` that replaces the stage.
//!
//! A world has no argument to say which lie to tell, so each liar reads it
//! from an input the host passes through unchanged and the test chooses:
//! the key file name (account, domain-key), the directory URL's path
//! (network), the PEM bytes (cert-parser), the token (challenge), the first
//! line of cert.pem's bytes (file-writer). One component per stage, built
//! once; no build-time variants. Each crate's documentation lists its lies.
//!
//! Every row asserts the host's specific refusal: an `Error::Rejected`
//! naming the stage, the step and what was wrong, on one line. Each stage
//! also has a control row where its liar tells no lie and is accepted, so a
//! refusal is the check at work and not a broken liar.
//!
//! Run with `cargo test --release --test liars` (the domain-key rows start
//! pebble).

/// One module per stage, `lies::<stage>::<row>`; helpers in lies/mod.rs.
#[path = "lies/mod.rs"]
mod lies;
