//! File modes of acme-client(1): private keys 0600, certificates and token
//! files 0444.
//!
//! WASI cannot set permissions, so the host does: the process umask is 077
//! before any stage runs, so every file a stage creates (keys, staged
//! certificates, token files) is born 0600; the host then makes installed
//! certificates and token files 0444 through the descriptor it checked them
//! on (certdir.rs, `seal`). On Windows these modes do not apply.

/// Make new files private to the user: called once at start-up.
pub fn private_umask() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}
