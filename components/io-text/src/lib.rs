//! File-system errors of a stage, as words a user can act on.
//!
//! Inside a wasm32-wasip2 component, `std::io::Error`'s `Display` ends in
//! `(os error N)` where N is a WASI error number, not the host's: printed by
//! the host it reads as the host's own errno, and lies ("Permission denied
//! (os error 2)", where 2 is ENOENT on Linux). [`describe`] keeps the
//! message and drops the number. Shared by the stages that touch files.
#![forbid(unsafe_code)]

use std::io;

/// `e` without its `(os error N)` suffix.
pub fn describe(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::describe;
    use std::io;

    #[test]
    fn the_os_error_number_is_dropped() {
        let e = io::Error::from_raw_os_error(2);
        let text = describe(&e);
        assert!(!text.contains("os error"), "{text}");
        assert!(!text.is_empty());
    }

    #[test]
    fn other_errors_are_kept() {
        let e = io::Error::other("token exists");
        assert_eq!(describe(&e), "token exists");
    }
}
