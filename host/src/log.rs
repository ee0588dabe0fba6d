//! `-v`: each step of the issuance on standard error.

/// Where progress goes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Log {
    /// `-v` count; 0 prints warnings only.
    pub verbose: u8,
}

impl Log {
    /// A step, shown with `-v`.
    pub fn step(&self, message: &str) {
        if self.verbose > 0 {
            eprintln!("acmebox: {message}");
        }
    }

    /// Something the user should know even without `-v`.
    pub fn warn(&self, message: &str) {
        eprintln!("acmebox: warning: {message}");
    }
}
